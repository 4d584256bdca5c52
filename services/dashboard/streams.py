"""Dashboard stream adapter: warnings, decisions, response levels, scores and ticks -> the board.

Three agents, because the topics differ in what they carry:

* ``clock`` reads ``simulator.ticks.v1``; the runtime treats every ``TickAdvanced`` there as a
  tick marker, so the board hears of it through ``on_tick`` (never through the batch handler);
* ``feed`` reads the public warnings and the sectors' decision topics;
* ``scores`` reads ``referee.scores.v1``, which carries no tick markers. That agent therefore
  never completes a tick, so the dashboard never reports a watermark and the simulator's clock
  must not wait for it.

The dashboard publishes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.dashboard.domain import Board, CityRef
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.envelope import Event
from shared.contracts.referee import REFEREE_SCORES, ScoresPublished
from shared.contracts.simulator import SIMULATOR_TICKS, TickAdvanced
from shared.contracts.transport import TRANSPORT_CONTROLS
from shared.contracts.weather import WEATHER_WARNINGS, WarningIssued
from shared.runtime import Outbox, ServiceRuntime
from shared.world import load_world

#: Topics whose events reach the page (as aggregates) besides the clock and the scores.
FEED_TOPICS = (WEATHER_WARNINGS, AGRICULTURE_ADVISORIES, TRANSPORT_CONTROLS, EMERGENCY_RESPONSES)


def board(runtime: ServiceRuntime) -> Board:
    """The service's one board (shared by the stream agents and the HTTP routes)."""
    found = runtime.state.get("board")
    if not isinstance(found, Board):
        cities = [CityRef(c.code, c.name_zh, c.name_en) for c in load_world().cities]
        found = runtime.state["board"] = Board(cities)
    return found


def register(runtime: ServiceRuntime) -> None:
    """Declare the dashboard's agents: clock, feed and scores."""
    state = board(runtime)

    def on_feed(events: Sequence[Event]) -> Outbox:
        for event in events:
            if isinstance(event, WarningIssued):
                state.on_warning(event)
            elif isinstance(event, DecisionMade):
                state.on_decision(event)
        return []

    def on_scores(events: Sequence[Event]) -> Outbox:
        for event in events:
            if isinstance(event, ScoresPublished):
                state.on_scores(event)
        return []

    def on_tick(marker: TickAdvanced) -> Outbox:
        state.on_tick(marker)
        return []

    def no_events(events: Sequence[Event]) -> Outbox:
        return []

    runtime.handle([SIMULATOR_TICKS], no_events, name="clock", on_tick=on_tick)
    runtime.handle(list(FEED_TOPICS), on_feed, name="feed")
    runtime.handle([REFEREE_SCORES], on_scores, name="scores")
