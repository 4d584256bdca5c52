"""The water plug-in: its assets, its stations and the impacts of the 2020 Poyang flood."""

from __future__ import annotations

from functools import cache

from services.simulator.data import simulation
from services.simulator.domain.engine import Simulation
from services.simulator.sectors.water import flood_zones, reservoir_levels, riversides
from shared.contracts.simulator import ImpactOccurred
from shared.contracts.water import HydroReading, StationKind, WaterAction
from shared.world import load_world
from shared.world.costs import Per
from shared.world.sectors.water import works
from tests.factories.simulator import short

WORKS = works(load_world())


@cache
def flood() -> Simulation:
    """The first ten days of July 2020 (the Fuhe and Xiushui crests and the lake's rise)."""
    return simulation(short("poyang-flood-2020", 10), 3)


@cache
def events() -> tuple[list[ImpactOccurred], list[HydroReading]]:
    impacts: list[ImpactOccurred] = []
    readings: list[HydroReading] = []
    for _, event in flood().all_events():
        if isinstance(event, ImpactOccurred) and event.sector == "water":
            impacts.append(event)
        elif isinstance(event, HydroReading):
            readings.append(event)
    return impacts, readings


def test_the_flood_plains_count_levee_km_and_only_reaches_below_a_dam_can_pre_release() -> None:
    state = flood().state
    below = {c for r in WORKS.reservoirs for c in r.protects}
    for asset in riversides(state):
        city = state.world.city(asset.region)
        assert asset.units[WaterAction.PATROL_LEVEE] == (Per.KM, city.levee_km)
        assert (WaterAction.PRE_RELEASE in asset.units) is (asset.region in below)
    zones = flood_zones(state)
    assert zones and all(WaterAction.OPEN_STORAGE_AREA in z.units for z in zones)
    assert sum(z.units[WaterAction.OPEN_STORAGE_AREA][1] for z in zones) == 1.0


def test_the_2020_flood_inundates_water_s_land_and_offers_every_operation() -> None:
    impacts, _ = events()
    rules = {i.impact_id.split(":")[0] for i in impacts}
    assert {"lake-inundation", "river-inundation", "river-inundation-regulated"} <= rules
    offered = {m.action for i in impacts for m in i.mitigations}
    assert offered == {a.value for a in WaterAction}
    assert sum(i.loss_yuan for i in impacts) > 1e9  # material
    below = {c for r in WORKS.reservoirs for c in r.protects}
    for i in impacts:
        pre = any(m.action == WaterAction.PRE_RELEASE for m in i.mitigations)
        assert pre is i.impact_id.startswith("river-inundation-regulated")
        if pre:
            assert i.region in below


def test_every_station_reports_and_gauge_readings_carry_no_inflow() -> None:
    _, readings = events()
    reservoirs = {r.station_id for r in readings if r.station_kind is StationKind.RESERVOIR}
    assert reservoirs == {r.id for r in WORKS.reservoirs}
    gauges = {r.station_id for r in readings if r.station_kind is StationKind.GAUGE}
    assert {"hukou", "lijiadu", "qiujin", "xingzi"} <= gauges
    assert all(r.inflow_m3s is not None for r in readings if r.station_id in reservoirs)
    hukou = [r.level_m for r in readings if r.station_id == "hukou"]
    assert max(hukou) > load_world().gauge("hukou").warning_m  # the lake passed warning


def test_a_reservoir_holds_its_flood_limit_until_the_inflow_passes_its_safe_discharge() -> None:
    r = WORKS.reservoir("hongmen")
    q = r.max_discharge_m3s
    levels = reservoir_levels(r, [q * 0.5, q, q * 2, q * 2, q * 0.5])
    assert levels[0] == levels[1] == r.flood_limit_level_m
    assert r.flood_limit_level_m < levels[2] < levels[3]
    assert levels[4] < levels[3]
