"""The urban plug-in: its water balance, its assets, its drainage sensors and its losses in the
scenarios that have them (the june-rains cloudburst, the Poyang backwater)."""

from __future__ import annotations

from collections import Counter

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.impacts import derive_truth
from services.simulator.sectors.urban import PLUGIN, blocked
from shared.contracts.simulator import ImpactOccurred
from shared.contracts.urban import URBAN_OBSERVATIONS, DrainageReading, UrbanAction
from shared.world import load_world
from shared.world.sectors.urban import MITIGATIONS, Water, urban
from tests.factories.simulator import short


def urban_impacts(name: str, seed: int = 1, days: int | None = None) -> list[ImpactOccurred]:
    sc = short(name, days) if days else get_scenario(name)
    sim = simulation(sc, seed)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred) and it.event.sector == "urban"
    ]


def test_rain_within_the_network_s_design_drains_and_harder_rain_ponds() -> None:
    u = urban(load_world())
    zone = u.zone("nc-laocheng")
    within = u.step(zone, Water(), zone.design_rain_mm_h, blocked=False)
    assert within.surface_mm == 0 and within.fill == 1.0
    beyond = u.step(zone, Water(), zone.design_rain_mm_h + 10, blocked=False)
    assert beyond.surface_mm > 0


def test_shut_outfalls_leave_only_the_pumps_and_the_network_fills_then_ponds() -> None:
    u = urban(load_world())
    zone = u.zone("nc-changbei")
    rain = [zone.pumps_mm_h / zone.runoff_coeff * 3] * 24
    open_ = u.run(zone, rain, [False] * 24)
    shut = u.run(zone, rain, [True] * 24)
    assert max(w.surface_mm for w in open_) == 0
    assert shut[-1].surface_mm > 0 and shut[-1].stored_mm == zone.storage_mm


def test_each_zone_has_one_asset_of_each_kind_counting_its_actions_units() -> None:
    sim = simulation(short("june-rains-2010", 1), 1)
    exposures = {e.kind: e for e in PLUGIN.exposures}
    zones = urban(sim.state.world).zones
    for kind, exposure in exposures.items():
        assets = exposure.assets(sim.state)
        assert {a.id for a in assets} == {f"{z.id}-{kind}" for z in zones}
        for asset in assets:
            assert set(asset.units) == {m.action.value for m in MITIGATIONS[kind]}  # type: ignore[index]
    underpasses = exposures["underpasses"].assets(sim.state)
    assert all(a.people > 0 for a in underpasses)
    closures = {a.units[UrbanAction.CLOSE_UNDERPASS.value][1] for a in underpasses}
    assert closures == {float(z.underpasses) for z in zones}


def test_the_nanchang_cloudburst_floods_streets_and_underpasses_that_the_actions_avoid() -> None:
    impacts = [i for i in urban_impacts("june-rains-2010") if i.loss_yuan > 0]
    kinds = Counter(i.impact_kind for i in impacts)
    assert kinds["vehicle_flooding"] and kinds["underpass_flooding"]
    assert {i.region for i in impacts} == {"360100"}
    assert sum(i.loss_yuan for i in impacts) > 1e7  # material: tens of millions of yuan
    underpass = next(i for i in impacts if i.impact_kind == "underpass_flooding")
    closure = next(m for m in underpass.mitigations if m.action == "close_underpass")
    assert closure.avoidable_yuan == round(underpass.loss_yuan * 0.95, 2)
    delay = [i for i in impacts if i.impact_kind == "traffic_delay"]
    assert delay and not any(i.direct_loss for i in delay)  # delay is not a direct loss


def test_the_lake_s_backwater_ponds_the_lake_side_zones_in_the_poyang_flood() -> None:
    sim = simulation(get_scenario("poyang-flood-2020"), 1)
    u = urban(sim.state.world)
    assert any(blocked(sim.state, u.zone("nc-changbei")))  # Xingzi above warning
    assert not any(blocked(sim.state, u.zone("nc-laocheng")))  # Waizhou below it
    impacts = [i for i in urban_impacts("poyang-flood-2020") if i.loss_yuan > 0]
    zones = {i.asset_id.rsplit("-", 1)[0] for i in impacts}
    assert zones and zones <= {"nc-changbei", "nc-qingshanhu"}


def test_the_drainage_sensors_report_fill_and_ponding() -> None:
    sim = simulation(short("june-rains-2010", 5), 1)
    readings = [e for spec, e in sim.all_events() if spec == URBAN_OBSERVATIONS]
    assert readings and all(isinstance(r, DrainageReading) for r in readings)
    zones = {r.zone_id for r in readings if isinstance(r, DrainageReading)}
    assert zones == {z.id for z in urban(sim.state.world).zones}
    assert any(isinstance(r, DrainageReading) and r.street_depth_cm > 10 for r in readings)
