"""Referee stream adapter: ground truth and every sector's decisions in, scores and metrics out.

Metrics (the choice of how counters stay consistent while outcomes can still change):

* ``dex_multiplier{sector}`` (with ``sector="overall"``) and ``dex_value_yuan{sector,mode}`` are
  gauges, set from the summary after every completed tick: always equal to the summary.
* ``dex_decisions_total{sector,mode,outcome}``, ``dex_loss_avoided_yuan_total{sector,mode}``,
  ``dex_action_cost_yuan_total{sector,mode}`` and ``dex_warning_lead_time_seconds{sector,mode}``
  only count what is final (``Scoreboard.settle``): hits when they happen, an impact's avoided
  loss, lead time or miss at the tick it arrived, late decisions and false alarms at the run's
  last tick. They never go down, and at the end of a run they agree with the summary.
* ``dex_decisions_issued_total`` and ``dex_response_level`` are read models of the decisions as
  they arrive, for the leadership dashboard.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.referee.domain import Scoreboard, Settlement
from shared import metrics
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import EMERGENCY_RESPONSES, Measure, ResponseDecided
from shared.contracts.envelope import Event, Mode, derived_id
from shared.contracts.referee import REFEREE_SCORES, ModeScore, ScoresPublished, SectorScore
from shared.contracts.simulator import (
    PROVINCE_REGION,
    SIMULATOR_HAZARDS,
    SIMULATOR_TRUTH,
    HazardOccurred,
    ImpactOccurred,
    TickAdvanced,
)
from shared.contracts.spec import TopicSpec
from shared.contracts.transport import TRANSPORT_CONTROLS
from shared.runtime import Outbox, ServiceRuntime

log = logging.getLogger(__name__)

#: Ground truth (the referee is the only reader) and every sector's decision topic.
INPUTS: tuple[TopicSpec, ...] = (
    SIMULATOR_TRUTH,
    SIMULATOR_HAZARDS,
    AGRICULTURE_ADVISORIES,
    TRANSPORT_CONTROLS,
    EMERGENCY_RESPONSES,
)

#: The name the referee's agent is declared under (``<service>.<name>`` in faust).
AGENT = "score"


@dataclass
class RefereeState:
    """The live scoreboard of the current run and the last scores published."""

    board: Scoreboard = field(default_factory=Scoreboard)
    run_id: str | None = None
    latest: ScoresPublished | None = None
    latest_summary: dict[str, Any] | None = None
    #: (region, mode) -> (effective_at, rank) of the latest response-level decision
    levels: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The current run's summary, or the last completed run's once a new one has not begun."""
        if self.latest_summary is not None and not any(self.board.counts().values()):
            return self.latest_summary
        return self.board.summary()


def referee(runtime: ServiceRuntime) -> RefereeState:
    """The service's one referee state (shared by the stream and the HTTP queries)."""
    found = runtime.state.get("referee")
    if not isinstance(found, RefereeState):
        found = runtime.state["referee"] = RefereeState()
    return found


def register(runtime: ServiceRuntime) -> None:
    """Declare the referee's agent over the truth and decision topics."""
    state = referee(runtime)

    def on_batch(events: Sequence[Event]) -> Outbox:
        for event in events:
            if isinstance(event, ImpactOccurred | HazardOccurred):
                state.board.add_truth(event)
            elif isinstance(event, DecisionMade) and state.board.add_decision(event):
                _note_issued(state, event)
        return []

    def on_tick(marker: TickAdvanced) -> Outbox:
        return score_tick(state, marker)

    runtime.handle(list(INPUTS), on_batch, name=AGENT, on_tick=on_tick)


def score_tick(state: RefereeState, marker: TickAdvanced) -> Outbox:
    """Settle and publish the scores of a completed tick; start afresh after a run's last tick."""
    if state.run_id not in (None, marker.run_id):
        log.warning(
            "run %s began before run %s reached its final tick; their scores are merged",
            marker.run_id,
            state.run_id,
        )
    state.run_id = marker.run_id
    _count(state.board.settle(final=marker.final))
    summary = state.board.summary()
    _set_gauges(summary)
    metrics.SCORED_TICK.set(marker.tick)
    scores = scores_event(marker, summary, state.board.counts())
    state.latest, state.latest_summary = scores, summary
    if marker.final:
        log.info(
            "run %s scored: overall multiplier %s (%s)",
            marker.run_id,
            summary["overall"]["multiplier"],
            summary["overall"]["multiplier_basis"],
        )
        # The next run starts from an empty board; its events only arrive after this marker.
        state.board, state.run_id = Scoreboard(), None
    return [(REFEREE_SCORES, scores)]


def scores_event(
    marker: TickAdvanced, summary: dict[str, Any], counts: dict[str, int]
) -> ScoresPublished:
    """The ``ScoresPublished`` of a tick (same run and tick -> same event id)."""
    sectors = tuple(
        SectorScore(
            sector=name,
            siloed=ModeScore(**figures["siloed"]),
            fused=ModeScore(**figures["fused"]),
            multiplier=figures["multiplier"],
            multiplier_basis=figures["multiplier_basis"],
            value_gain_yuan=figures["value_gain_yuan"],
            avoidable_yuan=figures["avoidable_yuan"],
        )
        for name, figures in summary.items()
        if name != "overall"
    )
    overall = summary["overall"]
    return ScoresPublished(
        event_id=derived_id("scores", marker.run_id, marker.tick),
        occurred_at=marker.occurred_at,
        source="referee",
        region=PROVINCE_REGION,
        causation_id=marker.event_id,
        correlation_id=marker.correlation_id,
        run_id=marker.run_id,
        scenario=marker.scenario,
        seed=marker.seed,
        tick=marker.tick,
        total_ticks=marker.total_ticks,
        final=marker.final,
        sectors=sectors,
        overall_multiplier=overall["multiplier"],
        overall_multiplier_basis=overall["multiplier_basis"],
        overall_value_gain_yuan=overall["value_gain_yuan"],
        overall_avoidable_yuan=overall["avoidable_yuan"],
        impacts=counts["impacts"],
        hazards=counts["hazards"],
    )


def _note_issued(state: RefereeState, decision: DecisionMade) -> None:
    metrics.DECISIONS_ISSUED.labels(
        decision.sector, decision.mode.value, decision.action, decision.status
    ).inc()
    if not isinstance(decision, ResponseDecided) or decision.measure is not Measure.RESPONSE_LEVEL:
        return
    key = (decision.region, decision.mode.value)
    rank = decision.level.rank if decision.status == "taken" and decision.level else 0
    known = state.levels.get(key)
    # Arrival order is not simulated order: only a later decision changes the level shown.
    if known is None or decision.effective_at >= known[0]:
        state.levels[key] = (decision.effective_at, rank)
        metrics.RESPONSE_LEVEL.labels(*key).set(rank)


def _count(settled: Settlement) -> None:
    for (sector, mode, outcome), n in settled.outcomes.items():
        metrics.DECISIONS.labels(sector, mode, outcome).inc(n)
    for (sector, mode), yuan in settled.loss_avoided_yuan.items():
        metrics.LOSS_AVOIDED.labels(sector, mode).inc(yuan)
    for (sector, mode), yuan in settled.cost_yuan.items():
        metrics.ACTION_COST.labels(sector, mode).inc(yuan)
    for sector, mode, seconds in settled.lead_times_s:
        metrics.LEAD_TIME.labels(sector, mode).observe(seconds)


def _set_gauges(summary: dict[str, Any]) -> None:
    for name, figures in summary.items():
        ratio = figures["multiplier"]
        # An undefined multiplier is exported as NaN (a gap on a graph), never as a made-up 0.
        metrics.MULTIPLIER.labels(name).set(float("nan") if ratio is None else ratio)
        if name == "overall":
            continue
        for mode in Mode:
            metrics.VALUE.labels(name, mode.value).set(figures[mode.value]["value_yuan"])
