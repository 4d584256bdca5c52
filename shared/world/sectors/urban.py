"""The urban sector's world data (``urban.yaml``): Nanchang's drainage zones and what they hold,
the water balance that ponds their streets, and the loss steps of urban waterlogging.

Both the urban service (through its adapter) and the simulator's urban plug-in read it from the
``World`` they are given and run one water balance (``UrbanWorld.step``): the truth over the
true rain and river, the service over what its sensors, the warnings and (fused) the forecasts
and the water department's gauges tell it. Pure: no I/O.

The water balance of a zone, each hour (all in mm over the zone's area):

* the rain runs off (``runoff_coeff``) onto the streets, where it joins any ponded water;
* the network takes what it can convey (``design_rain_mm_h`` times ``runoff_coeff``), no more
  than the room left in its pipes and regulating lakes (``storage_mm``) plus what leaves it;
  the rest stays on the streets (ponding, 积水) and drains later;
* the network empties by gravity at its conveyance while its outfalls are open; when the river
  or the lake stands above an outfall's gauge's warning level the gates are shut against it
  (backwater, 顶托) and only the pumping stations (``pumps_m3s``) lift the water out, at
  ``pump_share`` of their capacity when their power is cut.

Ponded water stands in the zone's low streets, spreading as it deepens (``low_street_share`` of
its area under water at ``spread_depth_m``), and, deeper, in its underpasses
(``underpass_depth_factor``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import RegionCode
from shared.contracts.urban import UrbanAction
from shared.world import World
from shared.world.costs import Per
from shared.world.sectors import section

#: What a zone's loss falls on: its low streets' vehicles, its underpasses, its metro stations
#: and the traffic through it (the simulator's asset kinds, one asset of each per zone).
AssetKind = Literal["streets", "underpasses", "metro", "traffic"]
ASSET_KINDS: tuple[AssetKind, ...] = ("streets", "underpasses", "metro", "traffic")

# The loss steps of urban waterlogging, shared by the truth (the simulator's coded rules) and the
# service's estimate of the loss an action avoids. Sources and reasoning in the plug-in's rules
# (services/simulator/sectors/urban.py); every share is an estimate (?).

#: Low streets' depth (m) -> cumulative share of the zone's street vehicles flooded: water over
#: the sills and exhausts from 0.15-0.3 m, into the air intakes from about 0.5 m.
STREET_STEPS: tuple[tuple[float, float], ...] = (
    (0.15, 0.02),
    (0.3, 0.08),
    (0.5, 0.2),
    (0.8, 0.4),
    (1.2, 0.6),
)
#: Underpass depth (m) -> cumulative share of its vehicles and lives lost, share of its
#: occupants trapped: cars stall at 0.3-0.6 m, float and fill from 1.5 m, a full underpass is
#: Zhengzhou's Jingguang tunnel.
UNDERPASS_STEPS: tuple[tuple[float, float, float], ...] = (
    (0.3, 0.05, 0.0),
    (0.6, 0.2, 0.1),
    (1.5, 0.6, 0.5),
    (3.0, 1.0, 1.0),
)
#: Low streets' depth (m) -> cumulative share of the zone's metro stations flooded through their
#: entrances, raised ``metro_entrance_m`` above the street.
METRO_STEPS: tuple[tuple[float, float], ...] = ((0.45, 0.05), (0.7, 0.15), (1.0, 0.3))
#: Traffic is held up while the low streets stand at least this deep (m), and each hour of it
#: (up to ``DELAY_HOURS`` an episode) costs the zone's hour of delay.
DELAY_FROM_M = 0.15
DELAY_HOURS = 48


@dataclass(frozen=True)
class Mitigation:
    """How much of one kind of loss an action avoids, in place ``lead_h`` before it starts."""

    action: UrbanAction
    avoid_share: float
    people_share: float
    lead_h: float


#: What each action avoids of each kind of loss (?; reasoning in the plug-in's rules):
#: pre-lowering the network and lakes makes room for about half of a storm's excess (12 h to
#: pump them down); mobile pumps and sandbags clear the low points and seal metro entrances
#: (3 h to reach them); closing an underpass keeps everyone out of it (an hour to close).
MITIGATIONS: dict[AssetKind, tuple[Mitigation, ...]] = {
    "streets": (
        Mitigation(UrbanAction.PRE_LOWER_NETWORK, 0.5, 0.0, 12),
        Mitigation(UrbanAction.DEPLOY_PUMPS, 0.3, 0.0, 3),
    ),
    "underpasses": (
        Mitigation(UrbanAction.CLOSE_UNDERPASS, 0.95, 0.95, 1),
        Mitigation(UrbanAction.PRE_LOWER_NETWORK, 0.4, 0.4, 12),
        Mitigation(UrbanAction.DEPLOY_PUMPS, 0.25, 0.25, 3),
    ),
    "metro": (
        Mitigation(UrbanAction.DEPLOY_PUMPS, 0.8, 0.0, 3),
        Mitigation(UrbanAction.PRE_LOWER_NETWORK, 0.4, 0.0, 12),
    ),
    "traffic": (
        Mitigation(UrbanAction.PRE_LOWER_NETWORK, 0.4, 0.0, 12),
        Mitigation(UrbanAction.DEPLOY_PUMPS, 0.3, 0.0, 3),
    ),
}


def asset_id(zone_id: str, kind: AssetKind) -> str:
    """The id of a zone's asset of ``kind`` (the simulator's and the decisions' ``asset_ids``)."""
    return f"{zone_id}-{kind}"


def covered(zone_id: str, action: UrbanAction) -> tuple[str, ...]:
    """The zone's assets ``action`` protects: those whose losses it avoids some of."""
    return tuple(
        asset_id(zone_id, kind)
        for kind in ASSET_KINDS
        if any(m.action is action for m in MITIGATIONS[kind])
    )


def share_at(steps: tuple[tuple[float, ...], ...], value: float) -> float:
    """The cumulative share of the highest step ``value`` reaches (0 below the first)."""
    share = 0.0
    for step in steps:
        if value >= step[0]:
            share = step[1]
    return share


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DrainageZone(_Frozen):
    """One drainage district (排水分区): its network, lakes, pumps, outfalls and what it holds."""

    id: str = Field(min_length=1, max_length=48)
    name_zh: str
    name_en: str
    city: RegionCode
    area_km2: float = Field(gt=0)
    runoff_coeff: float = Field(gt=0, le=1)
    design_rain_mm_h: float = Field(gt=0, description="The network's design storm (1-3 years)")
    storage_mm: float = Field(gt=0, description="Network and regulating lakes, mm over the zone")
    pumps_m3s: float = Field(ge=0, description="Pumping stations' capacity into the river")
    outfalls: tuple[str, ...] = Field(description="Gauges whose stage shuts the gravity outfalls")
    underpasses: int = Field(ge=0)
    metro_stations: int = Field(ge=0)
    street_vehicles: int = Field(ge=0, description="Vehicles in the low streets")
    traffic_veh_h: float = Field(ge=0, description="Vehicles an hour through the low points")
    pump_crews: int = Field(ge=0, description="Mobile pump-truck crews it can be given")

    @property
    def conveyance_mm_h(self) -> float:
        """What the network conveys an hour: the runoff of its design storm."""
        return self.design_rain_mm_h * self.runoff_coeff

    def units(self, action: UrbanAction) -> tuple[Per, float]:
        """What ``action`` is counted in for the zone, and how many of those units it has: the
        zone's network (one facility), its underpasses, its pump crews."""
        if action is UrbanAction.PRE_LOWER_NETWORK:
            return Per.FACILITY, 1.0
        if action is UrbanAction.CLOSE_UNDERPASS:
            return Per.FACILITY, float(self.underpasses)
        return Per.CREW, float(self.pump_crews)

    @property
    def pumps_mm_h(self) -> float:
        """What the pumping stations lift out an hour, as mm over the zone."""
        return self.pumps_m3s * 3600 / (self.area_km2 * 1e6) * 1000


@dataclass(frozen=True)
class Water:
    """A zone's water at the end of an hour: ponded on its streets and held in its network (mm
    over the zone), and the network's fill (its level or flow as a share of its capacity: what
    the manhole level sensors read)."""

    surface_mm: float = 0.0
    stored_mm: float = 0.0
    fill: float = 0.0


class UrbanWorld(_Frozen):
    """The whole of ``urban.yaml``, with the water balance and the zones' values."""

    zones: tuple[DrainageZone, ...] = Field(min_length=1)
    low_street_share: float = Field(gt=0, le=1)
    spread_depth_m: float = Field(gt=0)
    underpass_depth_factor: float = Field(gt=0)
    underpass_max_depth_m: float = Field(gt=0)
    vehicle_loss_yuan: float = Field(gt=0)
    underpass_vehicle_loss_yuan: float = Field(gt=0)
    underpass_vehicles: float = Field(gt=0)
    underpass_occupants_per_vehicle: float = Field(gt=0)
    underpass_deaths_per_vehicle: float = Field(ge=0, le=1)
    value_of_statistical_life_yuan: float = Field(gt=0)
    metro_station_loss_yuan: float = Field(gt=0)
    metro_entrance_m: float = Field(gt=0)
    delay_h_per_vehicle: float = Field(gt=0)
    value_of_time_yuan_h: float = Field(gt=0)

    @model_validator(mode="after")
    def _unique_zones(self) -> UrbanWorld:
        ids = [z.id for z in self.zones]
        if len(ids) != len(set(ids)):
            raise ValueError("urban.yaml: a zone id is listed twice")
        return self

    def zone(self, zone_id: str) -> DrainageZone:
        """The zone ``zone_id``."""
        for z in self.zones:
            if z.id == zone_id:
                return z
        raise KeyError(f"no drainage zone {zone_id!r}")

    def zones_of(self, code: str) -> tuple[DrainageZone, ...]:
        """City ``code``'s zones."""
        return tuple(z for z in self.zones if z.city == code)

    # -- the water balance --------------------------------------------------------------------

    def step(
        self,
        zone: DrainageZone,
        water: Water,
        rain_mm: float,
        *,
        blocked: bool,
        pump_share: float = 1.0,
    ) -> Water:
        """The zone's water after an hour of ``rain_mm``, its outfalls shut or not."""
        conveyance = zone.conveyance_mm_h
        out_cap = min(conveyance, zone.pumps_mm_h * pump_share) if blocked else conveyance
        supply = water.surface_mm + max(0.0, rain_mm) * zone.runoff_coeff
        room = max(0.0, zone.storage_mm - water.stored_mm + out_cap)
        intake = min(supply, conveyance, room)
        held = water.stored_mm + intake
        stored = held - min(held, out_cap)
        fill = max(stored / zone.storage_mm, intake / conveyance if conveyance > 0 else 0.0)
        return Water(surface_mm=supply - intake, stored_mm=stored, fill=min(1.0, fill))

    def run(
        self,
        zone: DrainageZone,
        rain_mm: list[float],
        blocked: list[bool],
        *,
        start: Water | None = None,
        pump_share: list[float] | None = None,
    ) -> list[Water]:
        """The zone's water at the end of each hour of ``rain_mm``."""
        water = start or Water()
        out: list[Water] = []
        for i, rain in enumerate(rain_mm):
            share = 1.0 if pump_share is None else pump_share[i]
            water = self.step(zone, water, rain, blocked=blocked[i], pump_share=share)
            out.append(water)
        return out

    def street_depth_m(self, surface_mm: float) -> float:
        """How deep ``surface_mm`` of ponding over a zone stands at its low points: the flooded
        area grows with the depth (``low_street_share`` of the zone at ``spread_depth_m``), so
        the volume is that share times the depth squared over twice ``spread_depth_m``."""
        volume_m = max(0.0, surface_mm) / 1000
        return math.sqrt(2 * self.spread_depth_m * volume_m / self.low_street_share)

    def surface_mm(self, street_depth_m: float) -> float:
        """The ponding over a zone (mm) that stands ``street_depth_m`` deep at its low points."""
        d = max(0.0, street_depth_m)
        return d * d * self.low_street_share / (2 * self.spread_depth_m) * 1000

    def underpass_depth_m(self, street_depth_m: float) -> float:
        """How deep an underpass stands when its zone's low streets stand ``street_depth_m``."""
        return min(self.underpass_max_depth_m, street_depth_m * self.underpass_depth_factor)

    # -- what a zone holds ----------------------------------------------------------------------

    def value_yuan(self, zone: DrainageZone, kind: AssetKind) -> float:
        """What a zone's asset of ``kind`` holds at risk (its whole loss at a share of 1)."""
        if kind == "streets":
            return zone.street_vehicles * self.vehicle_loss_yuan
        if kind == "underpasses":
            vehicles = zone.underpasses * self.underpass_vehicles
            lives = vehicles * self.underpass_deaths_per_vehicle
            return vehicles * self.underpass_vehicle_loss_yuan + lives * (
                self.value_of_statistical_life_yuan
            )
        if kind == "metro":
            return zone.metro_stations * self.metro_station_loss_yuan
        return self.delay_yuan_per_h(zone) * DELAY_HOURS

    def people(self, zone: DrainageZone, kind: AssetKind) -> int:
        """The people a zone's asset of ``kind`` holds (an underpass's occupants)."""
        if kind != "underpasses":
            return 0
        return round(
            zone.underpasses * self.underpass_vehicles * self.underpass_occupants_per_vehicle
        )

    def delay_yuan_per_h(self, zone: DrainageZone) -> float:
        """What an hour of the zone's low streets under water costs its traffic."""
        return zone.traffic_veh_h * self.delay_h_per_vehicle * self.value_of_time_yuan_h

    def loss_yuan(
        self, zone: DrainageZone, kind: AssetKind, street_depth_m: float, hours: float = 0.0
    ) -> float:
        """The loss of a zone's asset of ``kind`` when its low streets reach ``street_depth_m``
        (traffic: standing at least ``DELAY_FROM_M`` deep for ``hours``)."""
        value = self.value_yuan(zone, kind)
        if kind == "streets":
            return value * share_at(STREET_STEPS, street_depth_m)
        if kind == "underpasses":
            return value * share_at(UNDERPASS_STEPS, self.underpass_depth_m(street_depth_m))
        if kind == "metro":
            return value * share_at(METRO_STEPS, street_depth_m)
        if street_depth_m < DELAY_FROM_M:
            return 0.0
        return self.delay_yuan_per_h(zone) * min(float(DELAY_HOURS), max(1.0, hours))

    def avoided_yuan(
        self, zone: DrainageZone, action: UrbanAction, street_depth_m: float, hours: float = 0.0
    ) -> float:
        """What ``action`` avoids of the zone's losses at ``street_depth_m`` (``hours`` deep)."""
        total = 0.0
        for kind in ASSET_KINDS:
            for m in MITIGATIONS[kind]:
                if m.action is action:
                    total += m.avoid_share * self.loss_yuan(zone, kind, street_depth_m, hours)
        return total


def urban(world: World) -> UrbanWorld:
    """``world``'s urban data."""
    vsl = world.damage.constants.value_of_statistical_life_yuan
    return section(world, "urban", UrbanWorld, value_of_statistical_life_yuan=vsl)
