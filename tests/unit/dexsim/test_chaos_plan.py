"""dexsim chaos's pure parts: fault plans, and the reconciliation that judges a run.

The reconciliation is checked against known answers: identical runs reconcile; a run missing an
event, repeating one, or changing one is caught; events that carry the run's id are matched by
content, so two runs of one world agree and a changed score does not."""

from __future__ import annotations

import random

import pytest

from dexsim.chaos import (
    KINDS,
    Fault,
    PlanError,
    identity,
    parse_plan,
    random_plan,
    reconcile,
    score_differences,
    tally,
    verdict,
)

SERVICES = ["weather", "agriculture", "transport", "emergency", "referee"]
DECISIONS = "agriculture.advisories.v1"
SCORES = "referee.scores.v1"
FEED = "agriculture.observations.v1"


def test_a_written_plan_is_read_with_its_defaults() -> None:
    plan = parse_plan(
        "pause:emergency@40, kill:agriculture@20,broker-restart@60,broker-kill:2:5@70",
        services=SERVICES,
        brokers=3,
        ticks=100,
    )
    assert [f.label() for f in plan] == [
        "kill:agriculture@20",
        "pause:emergency:15@40",
        "broker-restart:1@60",
        "broker-kill:2:5@70",
    ]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("kill:nobody@3", "not one of"),
        ("explode:weather@3", "unknown fault"),
        ("kill:weather", "kind\\[:target\\]"),
        ("kill:weather@99", "not within"),
        ("broker-kill:4@3", "broker 4"),
        ("", "no fault"),
    ],
)
def test_a_plan_that_cannot_run_says_why(text: str, why: str) -> None:
    with pytest.raises(PlanError, match=why):
        parse_plan(text, services=SERVICES, brokers=3, ticks=100)


def test_a_random_plan_is_the_same_for_one_seed_and_fits_the_run() -> None:
    def plan(seed: int) -> list[Fault]:
        return random_plan(random.Random(seed), faults=10, ticks=480, services=SERVICES, brokers=3)

    assert plan(7) == plan(7)
    assert plan(7) != plan(8)
    faults = plan(7)
    ticks = [f.tick for f in faults]
    assert len(faults) == 10 and ticks == sorted(ticks) and len(set(ticks)) == 10
    assert all(0 < t < 480 * 0.9 for t in ticks)
    assert all(f.kind in KINDS for f in faults)
    assert all(f.target in SERVICES for f in faults if f.kind in ("kill", "pause", "slow"))
    broker = [f for f in faults if f.kind.startswith("broker")]
    assert all(f.target in {"1", "2", "3"} for f in broker)


def test_a_random_plan_too_dense_for_the_run_is_refused() -> None:
    with pytest.raises(PlanError, match="do not fit"):
        random_plan(random.Random(1), faults=50, ticks=20, services=SERVICES, brokers=1)


def decision(n: int, value: float = 1.0) -> dict[str, object]:
    return {
        "event_id": f"00000000-0000-0000-0000-{n:012d}",
        "produced_at": f"2026-01-01T00:00:{n % 60:02d}Z",
        "value": value,
    }


def scores(run_id: str, tick: int, value: float) -> dict[str, object]:
    return {
        "event_id": f"{run_id}-{tick}",
        "causation_id": f"marker-{run_id}-{tick}",
        "run_id": run_id,
        "tick": tick,
        "value": value,
    }


def test_identical_runs_reconcile_whatever_their_wall_clock_and_run_id() -> None:
    ref = {DECISIONS: [decision(1), decision(2)], SCORES: [scores("a", 0, 1.0)]}
    run = {
        DECISIONS: [{**decision(2), "produced_at": "later"}, decision(1)],
        SCORES: [scores("b", 0, 1.0)],
    }
    report = reconcile(ref, run, ref_scores={"x": 1}, run_scores={"x": 1})
    assert verdict(report)
    assert (report["lost"], report["duplicated"], report["changed"]) == (0, 0, 0)


def test_a_lost_a_repeated_and_a_changed_decision_are_each_caught() -> None:
    ref = [decision(1), decision(2), decision(3)]
    assert tally(DECISIONS, ref, ref[:2]).lost == 1
    assert tally(DECISIONS, ref, [*ref, ref[0]]).duplicated == 1
    assert (
        tally(DECISIONS, ref, [*ref, decision(4)]).duplicated == 1
    )  # one the reference never made
    assert tally(DECISIONS, ref, [decision(1), decision(2), decision(3, value=9.0)]).changed == 1
    report = reconcile({DECISIONS: ref}, {DECISIONS: ref[:2]}, ref_scores={}, run_scores={})
    assert report["decisions"]["lost"] == 1 and not verdict(report)


def test_a_changed_score_of_a_run_bound_event_is_a_loss_and_a_duplicate() -> None:
    t = tally(SCORES, [scores("a", 0, 1.0)], [scores("b", 0, 2.0)])
    assert (t.lost, t.duplicated) == (1, 1)
    assert identity(scores("a", 3, 1.0))[0] == identity(scores("b", 3, 1.0))[0]


def test_different_final_scores_fail_the_verdict_and_are_listed() -> None:
    report = reconcile({}, {}, ref_scores={"agri": {"hits": 18}}, run_scores={"agri": {"hits": 24}})
    assert not verdict(report)
    assert score_differences({"agri": {"hits": 18}}, {"agri": {"hits": 24}}) == [
        "agri.hits: 18 != 24"
    ]


def test_the_simulator_sending_a_tick_again_is_reported_apart_from_the_services() -> None:
    ref = {FEED: [decision(1)]}
    run = {FEED: [decision(1), decision(1)]}
    report = reconcile(ref, run, ref_scores={}, run_scores={})
    assert report["duplicated"] == 0 and report["simulator"]["sent_again"] == 1
    assert verdict(report)
    lost = reconcile(ref, {FEED: []}, ref_scores={}, run_scores={})
    assert not verdict(lost)  # a world event that never reached the topic is a loss


def test_events_consumed_that_differ_per_topic_fail_the_verdict() -> None:
    from dexsim.chaos import RunResult, events_in

    ref = RunResult({}, {}, consumed={FEED: 10, DECISIONS: 4})
    same = events_in(ref, RunResult({}, {}, consumed={FEED: 10, DECISIONS: 4}))
    fewer = events_in(ref, RunResult({}, {}, consumed={FEED: 9, DECISIONS: 4}))
    assert same is not None and same["equal"]
    assert fewer is not None and not fewer["equal"]
    base = reconcile({}, {}, ref_scores={}, run_scores={})
    assert verdict({**base, "events_in": same}) and not verdict({**base, "events_in": fewer})
    assert events_in(RunResult({}, {}), ref) is None  # the in-process bus counts none
