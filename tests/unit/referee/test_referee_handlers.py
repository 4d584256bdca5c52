"""The referee's handlers by type, driven without faust: inputs, tick scoring, read models."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import REGISTRY

from services.referee.service import MANIFEST, RefereeSettings
from services.referee.streams import SCORE, on_decision, on_truth, score_tick
from shared.contracts.emergency import Measure, ResponseLevel
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.referee import REFEREE_SCORES
from shared.contracts.simulator import HazardOccurred, ImpactOccurred
from shared.contracts.topics import SECTORS, TopicRole, by_role
from tests.factories.referee import (
    JIUJIANG,
    T0,
    decision,
    hazard,
    impact,
    marker,
    response_level,
)


def sample(name: str, **labels: str) -> float:
    """A metric's current value in the process registry (0 when it has no sample yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_the_referee_reads_the_truth_and_every_sectors_decision_topic_in_both_fusion_settings() -> (
    None
):
    decision_topics = by_role(TopicRole.DECISIONS)
    expected = {s.name for s in by_role(TopicRole.TRUTH, TopicRole.DECISIONS)}
    # the --fusion off control run is scored too: the referee reads everything either way
    assert {s.name for s in SCORE.topics(fusion=False)} == expected
    assert {s.name for s in SCORE.topics(fusion=True)} == expected
    assert {s.sector for s in decision_topics} <= set(SECTORS)
    assert len(decision_topics) >= 3
    for spec in decision_topics:
        assert SCORE.handlers[spec.model] is on_decision, spec.name
    assert SCORE.handlers[ImpactOccurred] is on_truth
    assert SCORE.handlers[HazardOccurred] is on_truth
    assert SCORE.outputs == (REFEREE_SCORES,)
    assert not SCORE.forward_markers  # the scores topic carries scores only
    assert MANIFEST.sector is None and MANIFEST.clocked


def test_a_completed_tick_is_scored_and_the_board_starts_afresh_after_the_final_one() -> None:
    state = MANIFEST.state(RefereeSettings())
    on_truth(state, impact())
    on_truth(state, hazard())
    on_decision(state, decision(at=T0 - timedelta(hours=12)))
    on_decision(state, decision(mode=Mode.SILOED, region=JIUJIANG))

    (first,) = score_tick(state, marker(0))
    assert (first.tick, first.final, first.impacts, first.hazards) == (0, False, 1, 1)
    (agriculture,) = first.sectors
    assert (agriculture.fused.hits, agriculture.siloed.false_alarms) == (1, 1)
    assert state.run_id == "run-r"

    (last,) = score_tick(state, marker(1, final=True))
    assert last.final and last.event_id == derived_id("scores", "run-r", 1)
    assert state.latest is last
    assert not any(state.board.counts().values())
    assert state.run_id is None
    # between runs the last run's scores are still the answer
    assert state.summary()["agriculture"]["fused"]["hits"] == 1


def test_a_repeated_decision_is_noted_once_and_only_a_later_response_level_shows() -> None:
    state = MANIFEST.state(RefereeSettings())
    region = "361100"  # a city no other test of the process raises a level for
    labels = {"sector": "emergency", "mode": "fused", "action": Measure.RESPONSE_LEVEL.action}
    level = response_level(ResponseLevel.II, at=T0, region=region)
    issued_before = sample("dex_decisions_issued_total", **labels, status="taken")

    assert on_decision(state, level) == []
    on_decision(state, level)  # redelivered
    assert sample("dex_decisions_issued_total", **labels, status="taken") - issued_before == 1
    assert sample("dex_response_level", region=region, mode="fused") == ResponseLevel.II.rank

    # an earlier decision arriving late does not change the level shown
    on_decision(state, response_level(ResponseLevel.IV, at=T0 - timedelta(hours=1), region=region))
    assert sample("dex_response_level", region=region, mode="fused") == ResponseLevel.II.rank
    # a later stand-down does
    on_decision(
        state,
        response_level(None, at=T0 + timedelta(hours=1), region=region, status="lifted"),
    )
    assert sample("dex_response_level", region=region, mode="fused") == 0
    assert state.levels[(region, "fused")] == (T0 + timedelta(hours=1), 0)
