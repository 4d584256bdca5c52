"""The emergency agents, driven with faust's test_context: both modes published, fusion switch."""

from __future__ import annotations

from services.emergency.service import MANIFEST
from shared import metrics
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    EMERGENCY_RESPONSES,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import Mode
from shared.contracts.transport import TRANSPORT_ROAD_STATUS
from shared.contracts.weather import WEATHER_WARNINGS, Colour, SignalType
from tests.factories.emergency import JIUJIANG, closed, gauge, warning
from tests.factories.runtime import RecordingSink, put_from, service


def _responses(sink: RecordingSink) -> list[ResponseDecided]:
    return sink.events(EMERGENCY_RESPONSES.name, ResponseDecided)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    own = {EMERGENCY_OBSERVATIONS.name, EMERGENCY_REPORTS.name, EMERGENCY_ALARMS.name}
    assert set(runtime.codecs) == own | {WEATHER_WARNINGS.name}
    assert list(runtime.faust_app.agents) == ["emergency.respond"]
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == own | {
        WEATHER_WARNINGS.name,
        AGRICULTURE_ADVISORIES.name,
        TRANSPORT_ROAD_STATUS.name,
    }


async def test_a_gauge_over_warning_yields_the_same_siloed_and_fused_levels() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    agent = runtime.faust_app.agents["emergency.respond"]
    high = gauge(0, 20.4)
    async with agent.test_context() as ctx:
        await ctx.put(high.to_bytes(), key=high.key)
    levels = [r for r in _responses(sink) if r.level is not None and r.region == JIUJIANG]
    assert sorted((r.mode, r.level) for r in levels) == [
        (Mode.FUSED, ResponseLevel.III),
        (Mode.SILOED, ResponseLevel.III),
    ]
    assert len({r.decision_key for r in levels}) == 1


async def test_a_warning_reaches_both_models_and_is_metered_as_weather_data() -> None:
    metered = metrics.CROSS_SECTOR.labels("weather", "emergency")
    before = metered._value.get()
    runtime, sink = service(MANIFEST, fusion=True)
    agent = runtime.faust_app.agents["emergency.respond"]
    # a blizzard (glaze on the city's buildings is emergency's); a rainstorm's level saves
    # nothing emergency owns since the hills' flash floods became the rural sector's
    storm = warning(0, SignalType.BLIZZARD, Colour.RED, region=JIUJIANG)
    async with agent.test_context() as ctx:
        await put_from(ctx, WEATHER_WARNINGS, storm)
    published = _responses(sink)
    assert published
    assert {r.mode for r in published} == {Mode.FUSED, Mode.SILOED}
    assert metered._value.get() - before == 1


async def test_only_the_fused_worlds_road_status_is_read_and_metered() -> None:
    metered = metrics.CROSS_SECTOR.labels("transport", "emergency")
    before = metered._value.get()
    runtime, _ = service(MANIFEST, fusion=True)
    agent = runtime.faust_app.agents["emergency.respond"]
    fused, siloed = closed("G70-NC-JJ"), closed("G56-JDZ-JJ", mode=Mode.SILOED)
    async with agent.test_context() as ctx:
        await put_from(ctx, TRANSPORT_ROAD_STATUS, fused)
    assert metered._value.get() - before == 1
    async with agent.test_context() as ctx:
        await put_from(ctx, TRANSPORT_ROAD_STATUS, siloed)
    assert runtime.state.fused.graph.closed() == ["G70-NC-JJ"]
    assert runtime.state.siloed.graph.closed() == []


def test_road_status_is_read_in_band_with_the_tick_it_belongs_to() -> None:
    """One agent reads road status with everything else, so a tick's responses follow that
    tick's road status on every run (a side agent would race it)."""
    runtime, _ = service(MANIFEST, fusion=True)
    assert [a.agent.name for a in runtime._agents] == ["respond"]
    assert TRANSPORT_ROAD_STATUS.name in runtime._agents[0].topics
