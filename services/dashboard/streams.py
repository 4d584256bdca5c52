"""Dashboard stream adapter: warnings, decisions, response levels, scores, ticks and ensembles'
summaries -> the board.

Four agents, because the topics differ in what they carry:

* ``clock`` reads ``simulator.ticks.v1``; the runtime treats every ``TickAdvanced`` there as a
  tick marker, so the board hears of it through ``on_tick`` (it has no handlers);
* ``feed`` reads the public warnings and every sector's decisions, found by their topics' roles
  in the contracts, so a new sector's decisions reach the page with no edit here;
* ``scores`` reads ``referee.scores.v1``, which carries no tick markers. That agent therefore
  never completes a tick, so the dashboard never reports a watermark and the simulator's clock
  must not wait for it;
* ``summaries`` reads ``referee.ensembles.v1`` and ``referee.sweeps.v1``: what ``dexsim ensemble``
  and ``dexsim sweep`` publish. They belong to no scenario tick (``lockstep=False``) and outlive
  a run.

The dashboard publishes nothing (no outputs, so no markers are forwarded).
"""

from __future__ import annotations

from services.dashboard.state import DashboardState
from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Event
from shared.contracts.referee import (
    REFEREE_ENSEMBLES,
    REFEREE_SCORES,
    REFEREE_SWEEPS,
    EnsembleSummarized,
    ScoresPublished,
    SweepSummarized,
)
from shared.contracts.simulator import SIMULATOR_TICKS, TickAdvanced
from shared.contracts.topics import TopicRole, by_role
from shared.contracts.weather import WarningIssued
from shared.runtime import Agent
from shared.runtime.manifest import Handler

#: Topics whose events reach the page (as aggregates) besides the clock and the scores.
FEED_TOPICS = by_role(TopicRole.WARNINGS, TopicRole.DECISIONS)
#: The sectors' decision topics (each carries its sector's ``DecisionMade`` subclass).
DECISION_TOPICS = tuple(t for t in FEED_TOPICS if t.role is TopicRole.DECISIONS)


def on_warning(state: DashboardState, event: WarningIssued) -> list[Event]:
    """A CMA warning: colour (or clear) its city on the map."""
    state.board.on_warning(event)
    return []


def on_decision(state: DashboardState, event: DecisionMade) -> list[Event]:
    """A sector's decision: the feed, the flows, and a response level on the map."""
    state.board.on_decision(event)
    return []


def on_scores(state: DashboardState, event: ScoresPublished) -> list[Event]:
    """The referee's scores of a tick: the multipliers and the loss-avoided series."""
    state.board.on_scores(event)
    return []


def on_ensemble(state: DashboardState, event: EnsembleSummarized) -> list[Event]:
    """An ensemble's bands and its flows' values: its scenario's latest ensemble."""
    state.board.on_ensemble(event)
    return []


def on_sweep(state: DashboardState, event: SweepSummarized) -> list[Event]:
    """A sensitivity sweep's bands: its scenario's latest sweep."""
    state.board.on_sweep(event)
    return []


def on_tick(state: DashboardState, tick: TickAdvanced) -> list[Event]:
    """The simulator finished a tick: move the scenario clock."""
    state.board.on_tick(tick)
    return []


CLOCK: Agent[DashboardState] = Agent(
    name="clock", reads=(SIMULATOR_TICKS,), handlers={}, on_tick=on_tick
)

_FEED_HANDLERS: dict[type[Event], Handler[DashboardState]] = {
    WarningIssued: on_warning,
    **{t.model: on_decision for t in DECISION_TOPICS},
}
FEED: Agent[DashboardState] = Agent(name="feed", reads=FEED_TOPICS, handlers=_FEED_HANDLERS)

SCORES: Agent[DashboardState] = Agent(
    name="scores", reads=(REFEREE_SCORES,), handlers={ScoresPublished: on_scores}
)

#: Summaries of many worlds, published by the operator's commands: handled as they come.
SUMMARIES: Agent[DashboardState] = Agent(
    name="summaries",
    reads=(REFEREE_ENSEMBLES, REFEREE_SWEEPS),
    handlers={EnsembleSummarized: on_ensemble, SweepSummarized: on_sweep},
    forward_markers=False,
    lockstep=False,
)
