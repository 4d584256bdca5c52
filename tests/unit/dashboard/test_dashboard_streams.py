"""The dashboard's agents, driven with faust's test_context: the board follows the events, and the
dashboard publishes nothing (no events, no markers, no watermarks)."""

from __future__ import annotations

from faust.types import TP

from services.dashboard.service import MANIFEST
from shared import metrics
from shared.contracts.emergency import ResponseLevel
from shared.contracts.referee import REFEREE_ENSEMBLES, REFEREE_SCORES, REFEREE_SWEEPS
from shared.contracts.simulator import SIMULATOR_TICKS
from shared.contracts.topics import TopicRole, by_role
from shared.contracts.weather import WarningIssued
from tests.factories.dashboard import JINGDEZHEN, city, rain_warnings, response_level, tick
from tests.factories.runtime import service
from tests.unit.dashboard.summaries import SCENARIO, ensemble, sweep


def test_the_feed_reads_every_warning_and_decision_topic_the_contracts_declare() -> None:
    feed = next(a for a in MANIFEST.agents if a.name == "feed")
    topics = by_role(TopicRole.WARNINGS, TopicRole.DECISIONS)
    assert feed.reads == topics
    assert {t.model for t in topics} <= set(feed.handlers)
    assert WarningIssued in feed.handlers
    runtime, _ = service(MANIFEST)
    assert set(runtime.codecs) == {t.name for t in topics} | {
        SIMULATOR_TICKS.name,
        REFEREE_SCORES.name,
        REFEREE_ENSEMBLES.name,
        REFEREE_SWEEPS.name,
    }


async def test_warnings_and_response_levels_reach_the_map_and_nothing_is_published() -> None:
    runtime, sink = service(MANIFEST)
    agent = runtime.faust_app.agents["dashboard.feed"]
    warnings = [w for w in rain_warnings(JINGDEZHEN, [40, 40, 40]) if w.colour.value == "red"]
    async with agent.test_context() as ctx:
        await ctx.put(warnings[0].to_bytes(), key=warnings[0].key)
        level = response_level(ResponseLevel.II)
        await ctx.put(level.to_bytes(), key=level.key)
    shown = city(runtime.state.board.snapshot(), JINGDEZHEN)
    assert shown["colour"] == "red"
    assert shown["level"] == {"fused": "Ⅱ", "siloed": None}
    assert runtime.state.board.snapshot()["flows"] == [
        {"source": "weather", "target": "emergency", "decisions": 1}
    ]
    assert sink.sent == []
    # The dashboard is no sector: what it reads is not a metered cross-sector flow.
    targets = {
        s.labels.get("target_sector") for m in metrics.CROSS_SECTOR.collect() for s in m.samples
    }
    assert "dashboard" not in targets


async def test_the_clock_follows_the_simulators_tick_markers_without_reporting_a_watermark() -> (
    None
):
    runtime, sink = service(MANIFEST)
    agent = runtime.faust_app.agents["dashboard.clock"]
    async with agent.test_context() as ctx:
        # test_context feeds one partition (0), which is then the only one assigned
        assigned = {TP(SIMULATOR_TICKS.name, 0)}
        runtime.faust_app.consumer.assignment = lambda: assigned  # type: ignore[method-assign]
        await ctx.put(tick(4).to_bytes(), key=b"360000", partition=0)
    clock = runtime.state.board.snapshot()["clock"]
    assert clock is not None and clock["tick"] == 4
    assert sink.sent == []


async def test_ensembles_and_sweeps_reach_the_board_as_they_come_and_nothing_is_published() -> None:
    runtime, sink = service(MANIFEST)
    agent = runtime.faust_app.agents["dashboard.summaries"]
    assert not next(a for a in MANIFEST.agents if a.name == "summaries").lockstep
    summary, swept = ensemble(), sweep()
    async with agent.test_context() as ctx:
        await ctx.put(summary.to_bytes(), key=summary.key)
        await ctx.put(swept.to_bytes(), key=swept.key)
    shown = runtime.state.board.summaries
    found = shown.ensemble(SCENARIO)
    assert found is not None and found["id"] == str(summary.event_id)
    found = shown.sweep(SCENARIO)
    assert found is not None and found["id"] == str(swept.event_id)
    assert sink.sent == []
