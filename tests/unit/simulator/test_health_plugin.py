"""The health plug-in: its assets, its surveillance and its losses in the scenarios that hit it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC

import pytest

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.impacts import derive_truth
from services.simulator.sectors.health import HEAT_STEP_DEATH_DAYS, PLUGIN
from shared.contracts.health import HEALTH_OBSERVATIONS, HealthReading
from shared.contracts.simulator import ImpactOccurred
from shared.world import BEIJING_OFFSET, load_world
from shared.world.sectors.health import Pathway, health
from tests.factories.simulator import short


def health_impacts(name: str, days: int | None = None) -> list[ImpactOccurred]:
    sc = short(name, days) if days else get_scenario(name)
    sim = simulation(sc, 1)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred) and it.event.sector == "health"
    ]


def test_every_loss_is_valued_by_the_vsl_or_treatment_not_as_direct_loss() -> None:
    rules = [c.rule for c in PLUGIN.rules]
    assert rules and all(not r.direct for r in rules)
    assert {r.mitigations[0].action for r in rules} == {
        "elderly_outreach",
        "open_cooling_centres",
        "surge_staffing",
        "transfer_patients",
    }


def test_the_heat_wave_kills_along_every_pathway_and_each_pathway_s_own_action_avoids_it() -> None:
    impacts = health_impacts("heatwave-rice-flowering")
    kinds = Counter(i.asset_id.rsplit("-", 1)[0] for i in impacts)
    assert set(kinds) == {f"heat-{p.value}" for p in Pathway}
    for i in impacts:
        pathway = Pathway(i.asset_id.split("-")[1])
        assert [m.action for m in i.mitigations] == [pathway.action.value]
        assert i.people_affected == 0 and not i.direct_loss
    # Each step is 0.05 of a baseline day's deaths valued at its pathway's value of a death.
    h, world = health(load_world()), load_world()
    step = next(i for i in impacts if i.asset_id == "heat-elderly-360100")
    deaths = HEAT_STEP_DEATH_DAYS * h.baseline_deaths_per_day(world.city("360100").population)
    assert step.loss_yuan == pytest.approx(deaths * h.yuan_per_excess_death(Pathway.ELDERLY))
    total = sum(i.loss_yuan for i in impacts)
    assert 1e8 < total < 1e11  # material: hundreds of millions to billions


def test_the_flood_cuts_off_patients_in_the_lake_plains_that_a_transfer_avoids() -> None:
    impacts = [i for i in health_impacts("poyang-flood-2020") if i.loss_yuan > 0]
    assert impacts and {i.impact_kind for i in impacts} == {"missed_treatment"}
    lake = [i for i in impacts if i.asset_id.endswith("-floodplain")]
    assert {i.region for i in lake} >= {"360100", "360400", "361100"}
    assert all(i.people_affected > 0 for i in lake)
    for i in impacts:
        (m,) = i.mitigations
        assert m.action == "transfer_patients" and m.people_before is not None
        assert m.avoidable_yuan == pytest.approx(0.9 * i.loss_yuan, abs=0.02)


def test_a_winter_storm_does_the_health_sector_no_harm() -> None:
    assert health_impacts("freezing-rain-2008", 4) == []


def test_the_surveillance_reports_heat_illness_a_day_late_and_patients_cut_off() -> None:
    sim = simulation(short("heatwave-rice-flowering", 6), 1)
    readings = [e for spec, e in sim.all_events() if spec == HEALTH_OBSERVATIONS]
    assert readings and all(isinstance(r, HealthReading) for r in readings)
    by_city = Counter(r.region for r in readings if isinstance(r, HealthReading))
    assert 4 <= max(by_city.values()) <= 6  # one a day per city, a few lost
    hot = [
        r for r in readings if isinstance(r, HealthReading) and (r.heat_illness_visits or 0) > 50
    ]
    assert hot
    for r in hot:
        assert isinstance(r, HealthReading)
        local = r.occurred_at.astimezone(UTC) + BEIJING_OFFSET
        assert local.date() > r.day  # reported the next morning
    flood = simulation(short("poyang-flood-2020", 12), 1)
    missed = [
        e
        for spec, e in flood.all_events()
        if spec == HEALTH_OBSERVATIONS and isinstance(e, HealthReading) and e.missed_treatments
    ]
    assert missed
