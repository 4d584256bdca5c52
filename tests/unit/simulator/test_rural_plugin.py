"""The rural plug-in: its villages, its gauges and grid workers, and its losses in the hills."""

from __future__ import annotations

from collections import Counter

from services.rural.service import RuralSettings, load_rules
from services.simulator.data import get_scenario, simulation
from services.simulator.domain.impacts import derive_truth
from services.simulator.sectors.rural import CASUALTIES, THRESHOLDS
from shared.contracts.rural import RURAL_OBSERVATIONS, ReadingKind, RuralReading
from shared.contracts.simulator import ImpactOccurred
from shared.world import load_world
from shared.world.sectors.rural import villages
from tests.factories.simulator import short


def impacts(name: str, sector: str | None = "rural") -> list[ImpactOccurred]:
    sim = simulation(get_scenario(name), 1)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred) and (sector is None or it.event.sector == sector)
    ]


def test_the_jingdezhen_cloudburst_harms_its_villages_and_relocation_avoids_most_of_it() -> None:
    hit = [i for i in impacts("poyang-flood-2020") if i.region == "360200"]
    kinds = Counter(i.impact_kind for i in hit)
    assert kinds["landslide"] >= 3 and kinds["flash_flood_casualties"] >= 3
    casualties = [i for i in hit if i.impact_kind == "flash_flood_casualties"]
    assert all(not i.direct_loss for i in casualties)
    assert all(i.direct_loss for i in hit if i.impact_kind == "landslide")
    for i in casualties:
        (relocate,) = [m for m in i.mitigations if m.action == "relocate_villagers"]
        assert relocate.avoidable_yuan == round(i.loss_yuan * 0.95, 2)
        assert relocate.people_before is not None  # counted per person moved
        assert relocate.full_benefit_by < i.exposure_started_at
    # houses are lost whatever is decided
    assert all(not i.mitigations for i in hit if i.impact_kind == "landslide")


def test_the_june_2010_rains_harm_the_hills_of_fuzhou_and_shangrao_and_the_loss_is_material() -> (
    None
):
    rural = impacts("june-rains-2010")
    regions = {i.region for i in rural}
    assert {"361000", "361100"} <= regions
    avoidable = sum(max(m.avoidable_yuan for m in i.mitigations) for i in rural if i.mitigations)
    assert 1e7 < avoidable < 1e9


def test_flash_floods_are_rurals_alone_and_no_emergency_action_mitigates_them() -> None:
    everything = impacts("poyang-flood-2020", sector=None)
    flash = [i for i in everything if i.impact_kind in ("landslide", "flash_flood_casualties")]
    assert flash and {i.sector for i in flash} == {"rural"}
    actions = {m.action for i in flash for m in i.mitigations}
    assert actions == {"relocate_villagers", "patrol_hazard_points"}


def test_a_dry_world_harms_no_village() -> None:
    assert impacts("drought-2022") == []


def test_the_services_harm_steps_are_the_worlds() -> None:
    rules = load_rules(RuralSettings().rules_path)
    steps = tuple((s.index, s.harm, s.affected) for s in rules.harm)
    assert steps == CASUALTIES.steps
    relocate = {m.action: m for m in CASUALTIES.mitigations}
    assert relocate["relocate_villagers"].avoid_share == rules.relocate.avoid_share
    assert relocate["patrol_hazard_points"].avoid_share == rules.patrol.avoid_share


def test_the_index_is_one_at_the_critical_rainfall() -> None:
    rw = villages(load_world())
    assert rw.index(rw.critical_3h_mm, 0) == rw.index(0, rw.critical_24h_mm) == 1.0
    series = rw.flash_index([10.0] * 30)
    assert series[2] == 30 / rw.critical_3h_mm and series[23] == 240 / rw.critical_24h_mm
    assert series[29] == series[23]  # the 24-h window rolls


def test_the_gauges_and_the_grid_workers_report() -> None:
    sim = simulation(short("poyang-flood-2020", 9), 1)
    readings = [e for spec, e in sim.all_events() if spec == RURAL_OBSERVATIONS]
    assert all(isinstance(r, RuralReading) for r in readings)
    kinds = Counter(r.kind for r in readings if isinstance(r, RuralReading))
    assert kinds[ReadingKind.RAIN_GAUGE] > 0 and kinds[ReadingKind.GRID_REPORT] > 0
    wet = [r for r in readings if isinstance(r, RuralReading) and (r.rain_24h_mm or 0) > 100]
    assert wet


def test_precursors_come_before_a_threshold_of_harm() -> None:
    assert THRESHOLDS == (1.0, 1.5, 2.0, 3.0)
