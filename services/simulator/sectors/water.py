"""The water sector's world: the land behind the levees, the reservoirs and the stations.

Assets (the same flood plains as emergency's, ``floodplains``, with the same ids):

- ``zone``: a lake city's lake-side plain, behind the lake's polder levees. Patrolling and
  reinforcing are counted in the city's levee km; opening a storage area in the lake's storage
  areas' units (the first area's price, shared by the lake cities it lowers the lake for).
- ``river_zone``: a city's riverside land behind its river levees. Its stage above warning is
  split in two variables: ``regulated_above_warning`` where a reservoir's release reaches the
  city (``Reservoir.protects`` in ``shared/world/sectors/water.yaml``), ``free_above_warning``
  elsewhere (-99 where the other applies), so only the reaches below a reservoir have the
  pre-release mitigation (``river-inundation-regulated`` in ``shared/world/damage.yaml``).

Stations (``water.observations.v1``, the water department's hydrology bureau):

- every gauge of the lake and the rivers (``shared/world/gauges.yaml``): its stage each hour;
- every reservoir: its inflow, the simulated flow of its catchment scaled by its share of the
  catchment's area, and its level from a simple balance (``reservoir_levels``): it holds its
  flood-limit level passing up to its safe discharge, stores the excess, and lets it out again
  when the inflow falls.

Damage rules: ``lake-inundation``, ``river-inundation``, ``river-inundation-regulated`` and
``levee-breach`` in ``shared/world/damage.yaml`` (sources there).
"""

from __future__ import annotations

from services.simulator.domain import floodplains as _flood
from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
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
from shared.contracts.water import (
    SECTOR,
    WATER_OBSERVATIONS,
    HydroReading,
    StationKind,
    WaterAction,
)
from shared.world import City
from shared.world.costs import Per
from shared.world.sectors.water import Reservoir, WaterWorks, works

#: A variable's value where it does not apply (never reaches a threshold of 0 m above warning).
NOT_HERE = -99.0
_HOUR_S = 3600.0


def _lake_cities(state: WorldState) -> int:
    """How many scenario cities have a lake-side plain: the lake cities a storage area serves."""
    return sum(1 for c in state.world.cities if c.code in state.cities and c.lake_gauge is not None)


def _zone_units(state: WorldState, city: City, people: int) -> dict[str, tuple[Per, float]]:
    """A lake-side plain's units: its city's levee km, and its share of a storage area."""
    return {
        WaterAction.REINFORCE_LEVEE.value: (Per.KM, city.levee_km),
        WaterAction.PATROL_LEVEE.value: (Per.KM, city.levee_km),
        WaterAction.OPEN_STORAGE_AREA.value: (Per.FACILITY, 1.0 / max(1, _lake_cities(state))),
    }


def _riverside_units(state: WorldState, city: City, people: int) -> dict[str, tuple[Per, float]]:
    """Riverside land's units: its levee km, and (below a reservoir) the smallest share of one
    reservoir's pre-release its decisions charge this city."""
    units = {
        WaterAction.REINFORCE_LEVEE.value: (Per.KM, city.levee_km),
        WaterAction.PATROL_LEVEE.value: (Per.KM, city.levee_km),
    }
    upstream = works(state.world).upstream_of(city.code)
    if upstream:
        share = min(1.0 / len(r.protects) for r in upstream)
        units[WaterAction.PRE_RELEASE.value] = (Per.FACILITY, share)
    return units


def flood_zones(state: WorldState) -> list[Asset]:
    """The lake-side flood plains (the same as emergency's, ``floodplains``)."""
    return _flood.flood_zones(state, _zone_units)


def riversides(state: WorldState) -> list[Asset]:
    """The riverside land behind the river levees (the same as emergency's, ``floodplains``)."""
    return _flood.riversides(state, _riverside_units)


def regulated_above_warning(series: Series, asset: Asset) -> list[float]:
    """The stage above warning of riverside land below a reservoir; -99 elsewhere."""
    if works(series.world).upstream_of(asset.region):
        return _flood.zone_level(series, asset)
    return [NOT_HERE] * series.state.hours


def free_above_warning(series: Series, asset: Asset) -> list[float]:
    """The stage above warning of riverside land no reservoir protects; -99 elsewhere."""
    if works(series.world).upstream_of(asset.region):
        return [NOT_HERE] * series.state.hours
    return _flood.zone_level(series, asset)


def reservoir_inflow(state: WorldState, reservoir: Reservoir) -> list[float]:
    """A reservoir's hourly inflow (m3/s): its catchment's flow times its share of the area."""
    flow = state.hydro.rivers[reservoir.river]
    share = min(1.0, reservoir.catchment_km2 / flow.river.area_km2)
    return [q * share for q in flow.catchment]


def reservoir_levels(reservoir: Reservoir, inflow: list[float]) -> list[float]:
    """A reservoir's hourly level under plain flood operation: held at its flood-limit level
    while the inflow is at most its safe discharge, rising with the stored excess (linearly to
    its normal level when the flood storage is full) and falling as it is let out again."""
    room = reservoir.flood_storage_1e8m3 * 1e8
    rise = reservoir.normal_level_m - reservoir.flood_limit_level_m
    stored = 0.0
    out: list[float] = []
    for q in inflow:
        stored = max(0.0, stored + (q - reservoir.max_discharge_m3s) * _HOUR_S)
        out.append(reservoir.flood_limit_level_m + rise * stored / room)
    return out


class HydroStations:
    """The water department's stations: gauge stages and reservoir levels and inflows, each
    hour, with noise, loss and delay."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("water_station", SensorNoise)
        state = run.state
        self.gauges = sorted(
            g.id
            for g in state.world.gauges
            if g.id in state.gauge_levels and g.city in state.cities
        )
        self.works: WaterWorks = works(state.world)
        self.reservoirs = [r for r in self.works.reservoirs if r.city in state.cities]
        self.inflow = {r.id: reservoir_inflow(state, r) for r in self.reservoirs}
        self.levels = {r.id: reservoir_levels(r, self.inflow[r.id]) for r in self.reservoirs}

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every station at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        for gauge_id in self.gauges:
            late = delay(rng, noise)
            if late is None:
                continue
            gauge = s.world.gauge(gauge_id)
            level = s.gauge_levels[gauge_id][i] + rng.gauss(0, noise.sd("level_sd_m"))
            emit(
                i + late,
                HydroReading(
                    event_id=self.run.event_id("water", "gauge", gauge_id, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=gauge.city,
                    station_kind=StationKind.GAUGE,
                    station_id=gauge_id,
                    level_m=round(clip(level, -10, 500), 2),
                ),
            )
        for r in self.reservoirs:
            late = delay(rng, noise)
            if late is None:
                continue
            level = self.levels[r.id][i] + rng.gauss(0, noise.sd("level_sd_m"))
            inflow = self.inflow[r.id][i] * (1 + rng.gauss(0, noise.sd("flow_rel_sd")))
            emit(
                i + late,
                HydroReading(
                    event_id=self.run.event_id("water", "reservoir", r.id, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=r.city,
                    station_kind=StationKind.RESERVOIR,
                    station_id=r.id,
                    level_m=round(clip(level, -10, 500), 2),
                    inflow_m3s=round(clip(inflow, 0, 200_000), 1),
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="zone", assets=flood_zones, variables={"level_above_warning": _flood.zone_level}
        ),
        Exposure(
            kind="river_zone",
            assets=riversides,
            variables={
                "level_above_warning": _flood.zone_level,
                "regulated_above_warning": regulated_above_warning,
                "free_above_warning": free_above_warning,
                "breached": _flood.breached,
            },
        ),
    ),
    sensors=(
        Sensor(name="water_station", topic=WATER_OBSERVATIONS, order=100, start=HydroStations),
    ),
    parameters=(
        ModelSection(
            "water_station",
            SensorNoise,
            # ESTIMATE (?): automatic stage and level recorders read to about 2 cm, inflows
            # (derived from the reservoir's balance) to about 5%; a reading in a hundred lost, one
            # in twenty late by up to two hours (telemetry over GPRS/Beidou short messages).
            default=SensorNoise(
                drop_p=0.01, delay_p=0.05, delay_max_h=2, level_sd_m=0.02, flow_rel_sd=0.05
            ),
        ),
    ),
)
