"""The emergency agents, driven with faust's test_context: both modes published, fusion switch."""

from __future__ import annotations

import json

from services.emergency.service import SPEC, EmergencySettings
from shared import metrics
from shared.codec import Codec, DecodeFailure
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    EMERGENCY_RESPONSES,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.transport import TRANSPORT_ROAD_STATUS
from shared.contracts.weather import WEATHER_WARNINGS, Colour, SignalType
from shared.runtime import ServiceRuntime, build
from tests.unit.emergency.test_response_fusion import closed
from tests.unit.emergency.test_response_rules import JIUJIANG, gauge
from tests.unit.transport.road_factories import warning

from .conftest import RecordingSink

#: Name faust's test_context gives messages of an agent that reads several topics.
_UNNAMED = "<internal>"


class _ByEventType(Codec[Event]):
    """Decodes any of the agents' topics by the message's event_type (test_context has no topic)."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self.codecs = {c.model.EVENT_TYPE: c for c in runtime.codecs.values()}

    def decode(self, raw: bytes | None) -> Event | DecodeFailure:
        kind = json.loads(raw or b"{}").get("event_type", "")
        return self.codecs[kind].decode(raw)


def _service(*, fusion: bool) -> tuple[ServiceRuntime, RecordingSink]:
    settings = EmergencySettings(fusion=fusion, batch_size=50, batch_timeout_s=0.01)
    _, runtime = build(SPEC, settings)
    runtime.codecs[_UNNAMED] = _ByEventType(runtime)
    sink = RecordingSink()
    runtime.sink = sink
    return runtime, sink


def _responses(sink: RecordingSink) -> list[ResponseDecided]:
    return [ResponseDecided.model_validate_json(v) for v in sink.on(EMERGENCY_RESPONSES.name)]


def test_without_fusion_the_service_reads_only_its_own_sector() -> None:
    runtime, _ = _service(fusion=False)
    own = {EMERGENCY_OBSERVATIONS.name, EMERGENCY_REPORTS.name, EMERGENCY_ALARMS.name}
    assert set(runtime.codecs) - {_UNNAMED} == own
    assert list(runtime.faust_app.agents) == ["emergency.respond"]
    runtime, _ = _service(fusion=True)
    assert set(runtime.codecs) - {_UNNAMED} == own | {
        WEATHER_WARNINGS.name,
        AGRICULTURE_ADVISORIES.name,
        TRANSPORT_ROAD_STATUS.name,
    }


async def test_a_gauge_over_warning_yields_the_same_siloed_and_fused_levels() -> None:
    runtime, sink = _service(fusion=False)
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


async def test_with_fusion_a_warning_reaches_the_fused_model_only_and_is_metered() -> None:
    metered = metrics.CROSS_SECTOR.labels("weather", "emergency")
    before = metered._value.get()
    runtime, sink = _service(fusion=True)
    agent = runtime.faust_app.agents["emergency.respond"]
    storm = warning(0, SignalType.RAINSTORM, Colour.RED, region=JIUJIANG)
    async with agent.test_context() as ctx:
        await ctx.put(storm.to_bytes(), key=storm.key)
    published = _responses(sink)
    assert published
    assert {r.mode for r in published} == {Mode.FUSED}
    assert metered._value.get() - before == 1


async def test_only_the_fused_worlds_road_status_is_read_and_metered() -> None:
    metered = metrics.CROSS_SECTOR.labels("transport", "emergency")
    before = metered._value.get()
    runtime, _ = _service(fusion=True)
    agent = runtime.faust_app.agents["emergency.roads"]
    async with agent.test_context() as ctx:
        for status in (closed("G70-NC-JJ"), closed("G56-JDZ-JJ", mode=Mode.SILOED)):
            await ctx.put(status.to_bytes(), key=status.key)
    assert metered._value.get() - before == 1
    assert runtime.state["desk"].fused.graph.closed() == ["G70-NC-JJ"]
