"""The urban sector's world: Nanchang's drainage zones, their ponded streets, underpasses and
metro stations, and the city's drainage sensors.

Assets (one of each kind per drainage zone of a scenario city, ``shared/world/sectors/urban.yaml``):

- ``streets``: the vehicles in the zone's low streets, flooded as the ponding deepens;
- ``underpasses``: the zone's road underpasses, their vehicles and occupants (lives valued at the
  value of a statistical life), flooded deeper than the streets;
- ``metro``: the zone's metro stations, flooded through their entrances;
- ``traffic``: the traffic through the zone's low points, held up while they stand under water
  (not a direct loss: ``direct=False``, as the disaster records do not count delay).

The depth is the water balance of ``UrbanWorld.run`` over the city's true hourly rain, with the
zone's outfalls shut while one of its gauges (the Ganjiang at Waizhou, the lake at Xingzi) stands
above its warning level: backwater leaves only the pumps to empty the network. The pumps' power
is not cut in any scenario of the library (the grid's outages come from ice and heat peaks, not
from rainstorms), so they run at full capacity (``pump_share`` 1).

Sensors (``urban.observations.v1``, every hour, per zone, with loss and delay): the network's
fill at its manhole level sensors, the depth at its low-street ponding monitors and its rain
gauge, from the same balance with noise.

Waterlogging is not the ``flash-flood`` rule of ``shared/world/damage.yaml`` (emergency's, a
share of a city's people and assets per resident in "its waterlogged districts and its hill
villages", being made rural's and limited to the hill villages' houses): that one counts no
vehicles, underpass lives, metro stations or delay, which are this sector's alone.
"""

from __future__ import annotations

from collections.abc import Callable

from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    CodedRule,
    Emit,
    Exposure,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    Series,
    WorldState,
    clip,
    delay,
)
from shared.contracts.simulator import HazardKind
from shared.contracts.urban import SECTOR, URBAN_OBSERVATIONS, DrainageReading
from shared.world import DamageRule
from shared.world.costs import Per
from shared.world.sectors.urban import (
    DELAY_FROM_M,
    DELAY_HOURS,
    METRO_STEPS,
    MITIGATIONS,
    STREET_STEPS,
    UNDERPASS_STEPS,
    AssetKind,
    DrainageZone,
    Water,
    asset_id,
    urban,
)

_HAZARDS = (HazardKind.RAINSTORM,)


def blocked(state: WorldState, zone: DrainageZone) -> list[bool]:
    """Whether the zone's outfalls are shut each hour: one of its gauges above warning."""
    series = [
        [v >= state.world.gauge(g).warning_m for v in state.gauge_levels[g]]
        for g in zone.outfalls
        if g in state.gauge_levels
    ]
    if not series:
        return [False] * state.hours
    return [any(col) for col in zip(*series, strict=True)]


def water(state: WorldState, zone: DrainageZone) -> list[Water]:
    """The zone's true water each hour, from the city's rain and its outfalls."""
    return urban(state.world).run(zone, state.cities[zone.city].rain, blocked(state, zone))


def _units(zone: DrainageZone, kind: AssetKind) -> dict[str, tuple[Per, float]]:
    """What the actions that protect an asset of ``kind`` are counted in, over the whole zone."""
    return {m.action.value: zone.units(m.action) for m in MITIGATIONS[kind]}


def _assets(kind: AssetKind) -> Callable[[WorldState], list[Asset]]:
    """The scenario's assets of ``kind``: one per drainage zone of a scenario city."""

    def assets(state: WorldState) -> list[Asset]:
        u = urban(state.world)
        out = []
        for zone in u.zones:
            if zone.city not in state.cities:
                continue
            value = u.value_yuan(zone, kind)
            if value <= 0:
                continue
            out.append(
                Asset(
                    id=asset_id(zone.id, kind),
                    kind=kind,
                    region=zone.city,
                    value_yuan=value,
                    people=u.people(zone, kind),
                    lat=state.world.city(zone.city).lat,
                    units=_units(zone, kind),
                )
            )
        return out

    return assets


def zone_of(series: Series, asset: Asset) -> DrainageZone:
    """The drainage zone an asset belongs to (its id is the zone's id and its kind)."""
    return urban(series.world).zone(asset.id.rsplit("-", 1)[0])


def street_depth_m(series: Series, asset: Asset) -> list[float]:
    """The depth in the asset's zone's low streets each hour (m)."""
    u = urban(series.world)
    return [u.street_depth_m(w.surface_mm) for w in water(series.state, zone_of(series, asset))]


def underpass_depth_m(series: Series, asset: Asset) -> list[float]:
    """The depth in the asset's zone's underpasses each hour (m)."""
    u = urban(series.world)
    return [u.underpass_depth_m(d) for d in street_depth_m(series, asset)]


def _mitigations(kind: AssetKind) -> tuple[dict[str, object], ...]:
    return tuple(
        {
            "action": m.action.value,
            "avoid_share": m.avoid_share,
            "people_share": m.people_share,
            "lead_h": m.lead_h,
        }
        for m in MITIGATIONS[kind]
    )


VEHICLE_FLOODING = DamageRule(
    id="urban-vehicle-flooding",
    sector=SECTOR.name,
    impact="vehicle_flooding",
    hazards=_HAZARDS,
    asset="streets",
    variable="street_depth_m",
    op="ge",
    threshold=STREET_STEPS[0][0],
    unit="hour",
    mode="peak",
    steps=STREET_STEPS,
    mitigations=_mitigations("streets"),
)
UNDERPASS_FLOODING = DamageRule(
    id="urban-underpass-flooding",
    sector=SECTOR.name,
    impact="underpass_flooding",
    hazards=_HAZARDS,
    asset="underpasses",
    variable="underpass_depth_m",
    op="ge",
    threshold=UNDERPASS_STEPS[0][0],
    unit="hour",
    mode="peak",
    steps=UNDERPASS_STEPS,
    mitigations=_mitigations("underpasses"),
)
METRO_FLOODING = DamageRule(
    id="urban-metro-flooding",
    sector=SECTOR.name,
    impact="metro_flooding",
    hazards=_HAZARDS,
    asset="metro",
    variable="street_depth_m",
    op="ge",
    threshold=METRO_STEPS[0][0],
    unit="hour",
    mode="peak",
    steps=METRO_STEPS,
    mitigations=_mitigations("metro"),
)
TRAFFIC_DELAY = DamageRule(
    id="urban-traffic-delay",
    sector=SECTOR.name,
    impact="traffic_delay",
    direct=False,
    hazards=_HAZARDS,
    asset="traffic",
    variable="street_depth_m",
    op="ge",
    threshold=DELAY_FROM_M,
    unit="hour",
    mode="duration",
    steps=tuple((float(k), k / DELAY_HOURS) for k in range(1, DELAY_HOURS + 1)),
    mitigations=_mitigations("traffic"),
)


class DrainageSensors:
    """Each zone's manhole level sensors, low-street ponding monitor and rain gauge."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("urban_drainage", SensorNoise)
        state = run.state
        self.urban = urban(state.world)
        self.zones = [z for z in self.urban.zones if z.city in state.cities]
        self.water = {z.id: water(state, z) for z in self.zones}

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every zone's sensors at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        for zone in self.zones:
            late = delay(rng, noise)
            if late is None:
                continue
            w = self.water[zone.id][i]
            fill = clip(w.fill + rng.gauss(0, noise.sd("fill_sd")), 0, 1.5)
            depth = self.urban.street_depth_m(w.surface_mm) * 100
            if depth > 0:
                depth = clip(depth + rng.gauss(0, noise.sd("depth_sd_cm")), 0, 1000)
            rain = s.cities[zone.city].rain[i]
            measured = clip(rain * (1 + rng.gauss(0, noise.sd("rain_rel_sd"))), 0, 500)
            emit(
                i + late,
                DrainageReading(
                    event_id=self.run.event_id("urban", zone.id, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=zone.city,
                    zone_id=zone.id,
                    pipe_fill=round(fill, 3),
                    street_depth_cm=round(depth, 1),
                    rain_mm=round(measured, 1),
                ),
            )


_SHARES = (
    "avoided shares (?): pre-lowering the network and its regulating lakes (预降水位) by about "
    "0.3-0.5 m over the lakes' few km2 makes room for half a storm's excess, pumped down over "
    "12 h (the stations' capacity, urban.yaml); mobile pump trucks (3,000 m3/h each) and sandbags "
    "at the low points clear a third of the ponding and seal the metro entrances (flood boards, "
    "80 %), in 3 h"
)

PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="streets", assets=_assets("streets"), variables={"street_depth_m": street_depth_m}
        ),
        Exposure(
            kind="underpasses",
            assets=_assets("underpasses"),
            variables={"underpass_depth_m": underpass_depth_m},
        ),
        Exposure(
            kind="metro", assets=_assets("metro"), variables={"street_depth_m": street_depth_m}
        ),
        Exposure(
            kind="traffic", assets=_assets("traffic"), variables={"street_depth_m": street_depth_m}
        ),
    ),
    sensors=(
        Sensor(name="urban_drainage", topic=URBAN_OBSERVATIONS, order=100, start=DrainageSensors),
    ),
    parameters=(
        ModelSection(
            "urban_drainage",
            SensorNoise,
            # (?) manhole radar level sensors and street ponding monitors on the city's IoT
            # network: a reading in fifty lost, one in twenty late by up to two hours, fill to
            # about 5 % of the pipe, depth to about 2 cm, rain to about 10 %.
            default=SensorNoise(
                drop_p=0.02,
                delay_p=0.05,
                delay_max_h=2,
                fill_sd=0.05,
                depth_sd_cm=2.0,
                rain_rel_sd=0.1,
            ),
        ),
    ),
    rules=(
        CodedRule(
            rule=VEHICLE_FLOODING,
            source=(
                "share of the low streets' vehicles flooded at 0.15, 0.3, 0.5, 0.8 and 1.2 m "
                "(2, 8, 20, 40, 60 %) (?): water over the sills and exhausts, then into the air "
                "intakes; a flooded car ¥20,000 (Henan 2021's vehicle claims, urban.yaml); "
                + _SHARES
            ),
        ),
        CodedRule(
            rule=UNDERPASS_FLOODING,
            source=(
                "an underpass stands five times its low streets' depth (urban.yaml); 5, 20, 60 "
                "and 100 % of its vehicles and lives lost at 0.3, 0.6, 1.5 and 3 m, its occupants "
                "trapped from 0.6 m (?): cars stall, then float and fill; 30 vehicles and 0.024 "
                "deaths a vehicle at full (Zhengzhou's Jingguang tunnel, 2021: 247 vehicles, 6 "
                "dead), lives at a VSL of ¥5.1 million (Cao et al. 2021); closing it (an hour "
                "for the police and barriers) keeps 95 % out (?); " + _SHARES
            ),
        ),
        CodedRule(
            rule=METRO_FLOODING,
            source=(
                "metro entrances stand 0.45 m above the street (GB 50157-2013); 5, 15 and 30 % of "
                "a zone's stations flooded at 0.45, 0.7 and 1 m in its low streets, ¥20 million a "
                "station (?); " + _SHARES
            ),
        ),
        CodedRule(
            rule=TRAFFIC_DELAY,
            source=(
                "each hour a zone's low streets stand 0.15 m deep or more holds up its traffic "
                "(vehicles an hour, urban.yaml) a quarter of an hour each at ¥40 an hour (?), up "
                "to 48 h an episode; not a direct loss (direct=False); " + _SHARES
            ),
        ),
    ),
)
