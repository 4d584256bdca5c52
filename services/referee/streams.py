"""Referee stream adapter: ground truth and every sector's decisions in, scores and metrics out.

Metrics (the choice of how counters stay consistent while outcomes can still change):

* ``dex_multiplier{sector}``, ``dex_relative_value{sector,mode}``, ``dex_value_gain_yuan{sector}``
  (each with ``sector="overall"``) and ``dex_value_yuan{sector,mode}`` are gauges, set from the
  summary after every completed tick: always equal to the summary (NaN where not defined).
* ``dex_decisions_total{sector,mode,outcome}``, ``dex_loss_avoided_yuan_total{sector,mode}``,
  ``dex_action_cost_yuan_total{sector,mode}`` and ``dex_warning_lead_time_seconds{sector,mode}``
  only count what is final (``Scoreboard.settle``): hits when they happen, an impact's avoided
  loss, lead time or miss at the tick it arrived, the cost each action accrued up to the tick's
  end, late decisions and false alarms at the run's last tick. They never go down, and at the
  end of a run they agree with the summary.
* ``dex_decisions_issued_total`` and ``dex_response_level`` are read models of the decisions as
  they arrive, for the leadership dashboard.
"""

from __future__ import annotations

import logging
from typing import Any

from services.referee.domain import RefereeState, Scoreboard, Settlement
from shared import metrics
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import Measure, ResponseDecided
from shared.contracts.envelope import Event, Mode, derived_id
from shared.contracts.referee import (
    REFEREE_ENSEMBLES,
    REFEREE_SCORES,
    Band,
    EnsembleSummarized,
    ModeScore,
    ScoresPublished,
    SectorScore,
)
from shared.contracts.simulator import (
    PROVINCE_REGION,
    HazardOccurred,
    ImpactOccurred,
    TickAdvanced,
    ValueReference,
)
from shared.contracts.topics import TopicRole, by_role
from shared.runtime import Agent

log = logging.getLogger(__name__)


def on_truth(
    state: RefereeState, event: ImpactOccurred | HazardOccurred | ValueReference
) -> list[Event]:
    """Ground truth: recorded on the board (a repeat is ignored); scored at the tick's end."""
    state.board.add_truth(event)
    return []


def on_decision(state: RefereeState, event: DecisionMade) -> list[Event]:
    """Any sector's decision, either mode: recorded on the board and, if new, in the read models."""
    if state.board.add_decision(event):
        _note_issued(state, event)
    return []


def score_tick(state: RefereeState, marker: TickAdvanced) -> list[ScoresPublished]:
    """Settle and publish the scores of a completed tick; start afresh after a run's last tick."""
    if state.run_id not in (None, marker.run_id):
        log.warning(
            "run %s began before run %s reached its final tick; their scores are merged",
            marker.run_id,
            state.run_id,
        )
    state.run_id = marker.run_id
    state.board.advance_to(marker.occurred_at)
    _count(state.board.settle(final=marker.final))
    if not (marker.final or state.interim_scores):
        return []
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
    return [scores]


def on_ensemble(state: RefereeState, event: EnsembleSummarized) -> list[Event]:
    """An ensemble's bands: kept per scenario and exported with a ``quantile`` label."""
    state.ensembles[event.scenario] = event
    for block in event.measures:
        for name, gauge, labels in (
            ("rev_siloed", metrics.ENSEMBLE_REV, (block.sector, "siloed")),
            ("rev_fused", metrics.ENSEMBLE_REV, (block.sector, "fused")),
            ("gain_yuan", metrics.ENSEMBLE_GAIN, (block.sector,)),
            ("gap_closed", metrics.ENSEMBLE_GAP, (block.sector,)),
            ("multiplier", metrics.ENSEMBLE_MULTIPLIER, (block.sector,)),
        ):
            _set_band(gauge, (event.scenario, *labels), getattr(block, name))
    for flow in event.flows:
        names = (event.scenario, flow.source, flow.target, flow.topic)
        _set_band(metrics.FLOW_VALUE, names, flow.value_yuan)
    return []


def _set_band(gauge: Any, labels: tuple[str, ...], band: Band | None) -> None:
    """A band's three quantiles as one gauge's ``quantile`` label (NaN where undefined)."""
    for quantile, value in (("0.05", "p5"), ("0.5", "p50"), ("0.95", "p95")):
        figure = float("nan") if band is None else getattr(band, value)
        gauge.labels(*labels, quantile).set(figure)


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
            multiplier_reason=figures["multiplier_reason"],
            value_gain_yuan=figures["value_gain_yuan"],
            gap_closed=figures["gap_closed"],
            avoidable_yuan=figures["avoidable_yuan"],
            loss_without_action_yuan=figures["loss_without_action_yuan"],
            perfect_value_yuan=figures["perfect_value_yuan"],
            reference_value_yuan=figures["reference_value_yuan"],
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
        overall_multiplier_reason=overall["multiplier_reason"],
        overall_value_gain_yuan=overall["value_gain_yuan"],
        overall_gap_closed=overall["gap_closed"],
        overall_rev_siloed=overall["siloed"]["rev"],
        overall_rev_fused=overall["fused"]["rev"],
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
        metrics.VALUE_GAIN.labels(name).set(figures["value_gain_yuan"])
        for mode in Mode:
            rev = figures[mode.value]["rev"]
            metrics.REV.labels(name, mode.value).set(float("nan") if rev is None else rev)
        if name == "overall":
            continue
        for mode in Mode:
            metrics.VALUE.labels(name, mode.value).set(figures[mode.value]["value_yuan"])


#: Ground truth (the referee is the only reader) and every sector's decisions, both found by
#: their role in the contracts: a new sector's decision topic is scored without an edit here.
SCORE: Agent[RefereeState] = Agent(
    name="score",
    reads=by_role(TopicRole.TRUTH, TopicRole.DECISIONS),
    handlers={
        ImpactOccurred: on_truth,
        HazardOccurred: on_truth,
        ValueReference: on_truth,
        **{spec.model: on_decision for spec in by_role(TopicRole.DECISIONS)},
    },
    on_tick=score_tick,
    outputs=(REFEREE_SCORES,),
    # Each ScoresPublished already closes a tick and nothing downstream waits for the referee's
    # ticks, so the scores topic carries scores only (the dashboard reads it as it comes).
    forward_markers=False,
)

#: Ensembles' summaries (``dexsim ensemble``): they belong to no scenario tick, so this agent
#: handles them as they come, even in a lockstep run, and the clock does not wait for it.
ENSEMBLES: Agent[RefereeState] = Agent(
    name="ensembles",
    reads=(REFEREE_ENSEMBLES,),
    handlers={EnsembleSummarized: on_ensemble},
    forward_markers=False,
    lockstep=False,
)
