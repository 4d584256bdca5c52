"""Properties of the world simulator that must hold (issue 3)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from services.simulator.data import SCENARIO_DIR, get_scenario, load_scenario_file, simulation
from services.simulator.domain.clock import ClockPolicy, Pace, Verdict, WatermarkTracker
from services.simulator.domain.scenario import Spread
from shared.contracts.emergency import EmergencyAction
from shared.contracts.envelope import Event
from shared.contracts.simulator import SIMULATOR_TRUTH, ImpactOccurred
from shared.contracts.topics import REFEREE_ONLY, REGISTRY
from shared.contracts.transport import TransportAction
from shared.contracts.weather import StationObservation
from shared.world import load_world
from shared.world.costs import Per
from tests.factories.simulator import RUN_ID, flood, short, stream

SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def test_every_scenario_file_validates_and_names_its_file() -> None:
    assert set(SCENARIOS) >= {
        "poyang-flood-2020",
        "freezing-rain-2008",
        "drought-2022",
        "heatwave-rice-flowering",
        "fog-expressway",
    }
    for name in SCENARIOS:
        sc = load_scenario_file(SCENARIO_DIR / f"{name}.yaml")
        assert sc.name == name
        assert sc.hazards, name
        assert sc.description_zh and sc.description_en


def test_same_scenario_and_seed_give_identical_streams() -> None:
    a = flood(7)
    b = stream(simulation(short("poyang-flood-2020", 14), 7, run_id=RUN_ID))
    assert a == b


def test_two_runs_of_one_world_have_their_own_ids_and_the_same_observations() -> None:
    first = simulation(short("fog-expressway", 1), 3)
    second = simulation(short("fog-expressway", 1), 3)
    assert first.run_id != second.run_id
    assert first.run_id.startswith("fog-expressway-s3-")
    ticks = [{sim.tick_event_for(b).run_id for b in sim.batches()} for sim in (first, second)]
    assert ticks == [{first.run_id}, {second.run_id}]
    # The world is the same: same observations, same ids, same order; and the markers' ids are
    # the world's too, since services order a tick's events by id and derive ids from them.
    data = [
        [(s.name, e.event_id) for b in sim.batches() for s, e in b.events]
        for sim in (first, second)
    ]
    assert data[0] and data[0] == data[1]
    marks = [[sim.tick_event_for(b).event_id for b in sim.batches()] for sim in (first, second)]
    assert marks[0] == marks[1]
    other_world = simulation(short("fog-expressway", 1), 4)
    assert [other_world.tick_event_for(b).event_id for b in other_world.batches()] != marks[0]


def test_different_seeds_are_different_worlds_and_one_seed_is_always_the_same() -> None:
    a, b = flood(7), flood(8)
    truth_a = [e for t, e in a if t in REFEREE_ONLY]
    truth_b = [e for t, e in b if t in REFEREE_ONLY]
    assert truth_a and truth_b and truth_a != truth_b
    assert truth_a == [e for t, e in flood(7) if t in REFEREE_ONLY]
    obs_a = [e for t, e in a if t == "weather.observations.v1"]
    obs_b = [e for t, e in b if t == "weather.observations.v1"]
    assert obs_a != obs_b


def test_without_spread_every_seed_has_the_same_truth_and_only_the_noise_differs() -> None:
    sc = short("poyang-flood-2020", 10).model_copy(update={"spread": Spread.none()})
    a = stream(simulation(sc, 7, run_id=RUN_ID))
    b = stream(simulation(sc, 8, run_id=RUN_ID))
    skip = {"event_id", "produced_at"}
    impacts = [
        [
            ImpactOccurred.model_validate_json(e).model_dump(exclude=skip)
            for t, e in run
            if t == SIMULATOR_TRUTH.name
        ]
        for run in (a, b)
    ]
    assert impacts[0] and impacts[0] == impacts[1]
    assert [e for t, e in a if t == "weather.observations.v1"] != [
        e for t, e in b if t == "weather.observations.v1"
    ]


def test_the_same_events_keep_their_order_per_region_key() -> None:
    sim = simulation(short("fog-expressway", 1), 3, run_id=RUN_ID)
    per_key: dict[tuple[str, str], list[str]] = defaultdict(list)
    for spec, ev in sim.all_events():
        per_key[(spec.name, ev.region)].append(str(ev.event_id))
    again: dict[tuple[str, str], list[str]] = defaultdict(list)
    for spec, ev in simulation(short("fog-expressway", 1), 3, run_id=RUN_ID).all_events():
        again[(spec.name, ev.region)].append(str(ev.event_id))
    assert per_key == again


def test_station_rain_totals_match_the_field_within_noise() -> None:
    sim = simulation(short("poyang-flood-2020", 10), 11)
    truth = sum(sim.state.cities["360200"].rain)
    assert truth > 200, "the Jingdezhen storm should bring a few hundred mm"
    measured = sum(
        ev.rain_mm or 0.0
        for _, ev in sim.all_events()
        if isinstance(ev, StationObservation) and ev.station_id == "58527"
    )
    # 5% multiplicative noise averages out; gaps and lost readings cost at most a few percent.
    assert measured == pytest.approx(truth, rel=0.08)


def test_no_hazard_means_no_loss() -> None:
    sc = get_scenario("heatwave-rice-flowering").model_copy(update={"hazards": ()})
    impacts = [ev for _, ev in simulation(sc, 1).all_events() if isinstance(ev, ImpactOccurred)]
    assert impacts == []


def test_the_heat_wave_damages_rice_at_heading() -> None:
    sim = simulation(get_scenario("heatwave-rice-flowering"), 1)
    rice = [
        ev
        for _, ev in sim.all_events()
        if isinstance(ev, ImpactOccurred) and ev.impact_id.startswith("rice-heat-heading")
    ]
    assert rice
    assert all(ev.hazard_id == "heat-2013-07" for ev in rice)


def test_earlier_action_avoids_more_and_late_action_nothing() -> None:
    impacts = [
        ev
        for _, ev in simulation(get_scenario("fog-expressway"), 1).all_events()
        if isinstance(ev, ImpactOccurred) and ev.sector == "transport"
    ]
    assert impacts
    ev = impacts[0]
    act = TransportAction.CLOSE_ROAD
    window = next(m for m in ev.mitigations if m.action == act)
    early = ev.loss_avoided(act, ev.exposure_started_at - timedelta(hours=6))
    mid = ev.loss_avoided(
        act, window.full_benefit_by + (window.no_benefit_after - window.full_benefit_by) / 2
    )
    late = ev.loss_avoided(act, window.no_benefit_after + timedelta(hours=1))
    assert early > mid > late == 0
    assert mid == pytest.approx(early / 2, rel=1e-3)
    assert early == pytest.approx(ev.loss_yuan * 0.95, rel=1e-3)
    assert ev.loss_avoided(EmergencyAction.EVACUATE, ev.exposure_started_at) == 0


def test_every_generated_event_validates_against_its_topic_model() -> None:
    for spec, ev in simulation(short("freezing-rain-2008", 4), 5).all_events():
        assert type(ev) is spec.model
        assert isinstance(spec.model.model_validate_json(ev.to_bytes()), Event)


def test_ground_truth_is_graded_important_and_referee_only() -> None:
    for name in REFEREE_ONLY:
        assert REGISTRY[name].classification.value == "important"
        assert REGISTRY[name].model.model_fields["classification"].default.value == "important"


def test_lockstep_clock_waits_for_every_service_then_reports_the_late_ones() -> None:
    tracker = WatermarkTracker("run", frozenset({"weather", "transport"}))
    assert tracker.decide(0, 0.0, 5.0) is Verdict.WAIT
    tracker.record("run", "weather", 0)
    tracker.record("other-run", "transport", 0)
    assert tracker.decide(0, 1.0, 5.0) is Verdict.WAIT
    assert tracker.decide(0, 5.0, 5.0) is Verdict.TIMED_OUT
    assert tracker.missing(0) == {"transport"}
    tracker.record("run", "transport", 1)
    assert tracker.decide(1, 0.0, 5.0) is Verdict.WAIT
    tracker.record("run", "weather", 1)
    assert tracker.decide(1, 0.0, 5.0) is Verdict.ADVANCE


def test_clock_pacing_from_the_cli_speed() -> None:
    assert ClockPolicy.parse("max", tick_seconds=3600).wall_seconds_per_tick() == 0
    assert ClockPolicy.parse("3600", tick_seconds=3600).wall_seconds_per_tick() == 1
    assert ClockPolicy.parse("realtime", tick_seconds=60).wall_seconds_per_tick() == 60
    lock = ClockPolicy.parse("max", tick_seconds=3600, services=frozenset({"weather"}))
    assert lock.pace is Pace.LOCKSTEP
    with pytest.raises(ValueError):
        ClockPolicy.parse("fast", tick_seconds=3600)


def test_world_reference_data_is_complete() -> None:
    world = load_world()
    assert len(world.cities) == 11
    assert {s.city for s in world.stations} == {c.code for c in world.cities}
    assert {f.industry.value for f in world.farms} == {
        "rice",
        "oilseed",
        "fruit_veg",
        "livestock",
        "aquaculture",
        "tea",
        "herbs",
    }
    assert world.gauge("xingzi").warning_m == 19.0
    assert {s.road for s in world.segments} >= {"G60", "G70", "G45", "G35", "G56"}


def test_an_episode_s_impacts_share_one_perfect_protection_of_the_asset() -> None:
    """The perfect decision-maker irrigates a heading farm once for the whole hot spell: the
    spell's impacts (one per loss step) together cost that one protection, not one each."""
    sim = simulation(get_scenario("heatwave-rice-flowering"), 1)
    spells: dict[tuple[str, object], list[ImpactOccurred]] = defaultdict(list)
    for _, ev in sim.all_events():
        if isinstance(ev, ImpactOccurred) and ev.impact_id.startswith("rice-heat-heading"):
            spells[(ev.asset_id, ev.exposure_started_at)].append(ev)
    world = load_world()
    several = [s for s in spells.values() if len(s) > 1]
    assert several, "a spell long enough for several loss steps"
    for spell in several:
        spell.sort(key=lambda e: e.occurred_at)
        farm = next(f for f in world.farms if f.farm_id == spell[0].asset_id)
        m0, last = spell[0].mitigations[0], spell[-1].mitigations[0]
        hours = (last.no_benefit_after - m0.full_benefit_by).total_seconds() / 3600
        once = world.charge(m0.action, farm.per, farm.units()).over(hours)
        total = sum(e.mitigations[0].perfect_cost_yuan for e in spell)
        assert total == pytest.approx(once, rel=1e-6, abs=len(spell))


def test_each_sector_s_reference_is_the_cost_of_always_acting_on_every_asset() -> None:
    from shared.contracts.simulator import ValueReference

    sim = simulation(short("fog-expressway", 1), 1)
    refs = {ev.sector: ev for _, ev in sim.all_events() if isinstance(ev, ValueReference)}
    # one reference per sector with damage rules, and no other
    assert set(refs) == {i.sector for i in sim.sectors.impacts if i.rules}
    assert {"agriculture", "transport", "emergency"} <= set(refs)
    world = load_world()
    transport = refs["transport"]
    segments = [s for s in world.segments if {s.from_city, s.to_city} <= set(sim.state.cities)]
    hours = sim.state.hours
    # every segment: a speed limit and a closure (per vehicle an hour) and de-icing (per km)
    expected = sum(
        world.charge(TransportAction.SPEED_LIMIT, Per.VEHICLE, s.aadt / 24).over(hours)
        + world.charge(TransportAction.CLOSE_ROAD, Per.VEHICLE, s.aadt / 24).over(hours)
        + world.charge(TransportAction.DE_ICE_ROAD, Per.KM, s.length_km).over(hours)
        for s in segments
    )
    assert transport.always_cost_yuan == pytest.approx(expected, rel=1e-9)
    assert (transport.assets, transport.hours, transport.unpriced_actions) == (
        len(segments),
        hours,
        (),
    )


def test_an_evacuation_s_mitigation_says_how_many_people_earlier_steps_hit() -> None:
    sim = simulation(get_scenario("poyang-flood-2020"), 1)
    episodes: dict[str, list[ImpactOccurred]] = defaultdict(list)
    for _, ev in sim.all_events():
        if isinstance(ev, ImpactOccurred) and ev.impact_id.startswith("lake-flood:"):
            episodes[ev.impact_id.rpartition(":")[0]].append(ev)
    assert episodes, "the 2020 flood reaches the lake-side plains"
    for steps in episodes.values():
        steps.sort(key=lambda e: int(e.impact_id.rpartition(":")[2]))
        hit = 0
        for e in steps:
            (m,) = [m for m in e.mitigations if m.action == EmergencyAction.EVACUATE]
            assert m.people_before is not None
            assert abs(m.people_before - hit) <= len(steps)  # each step rounds its people
            hit += e.people_affected
    # an action that covers the asset whole says nothing of people
    others = [
        m
        for _, ev in sim.all_events()
        if isinstance(ev, ImpactOccurred) and ev.sector == "water"
        for m in ev.mitigations
    ]
    assert others and all(m.people_before is None for m in others)
