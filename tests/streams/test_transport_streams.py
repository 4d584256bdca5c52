"""The transport agents, driven with faust's test_context: both modes published, fusion switch."""

from __future__ import annotations

import json

from services.transport.service import SPEC, TransportSettings
from shared import metrics
from shared.codec import Codec, DecodeFailure
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.envelope import Event, Mode
from shared.contracts.transport import (
    TRANSPORT_CONTROLS,
    TRANSPORT_OBSERVATIONS,
    TRANSPORT_ROAD_STATUS,
    RoadControlApplied,
    RoadStatusChanged,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS, Colour, SignalType
from shared.runtime import ServiceRuntime, build
from tests.unit.transport.road_factories import reading, warning

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
    settings = TransportSettings(fusion=fusion, batch_size=50, batch_timeout_s=0.01)
    _, runtime = build(SPEC, settings)
    runtime.codecs[_UNNAMED] = _ByEventType(runtime)
    sink = RecordingSink()
    runtime.sink = sink
    return runtime, sink


def _controls(sink: RecordingSink) -> list[RoadControlApplied]:
    return [RoadControlApplied.model_validate_json(v) for v in sink.on(TRANSPORT_CONTROLS.name)]


def test_without_fusion_the_service_reads_only_its_own_detectors() -> None:
    runtime, _ = _service(fusion=False)
    assert set(runtime.codecs) - {_UNNAMED} == {TRANSPORT_OBSERVATIONS.name}
    assert list(runtime.faust_app.agents) == ["transport.control"]
    runtime, _ = _service(fusion=True)
    assert set(runtime.codecs) - {_UNNAMED} == {
        TRANSPORT_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        EMERGENCY_RESPONSES.name,
    }


async def test_a_fog_reading_yields_a_siloed_and_a_fused_control_and_road_status() -> None:
    runtime, sink = _service(fusion=False)
    agent = runtime.faust_app.agents["transport.control"]
    obs = reading(0, visibility_m=40)
    async with agent.test_context() as ctx:
        await ctx.put(obs.to_bytes(), key=obs.key)
    controls = _controls(sink)
    assert sorted({c.mode for c in controls}) == [Mode.FUSED, Mode.SILOED]
    siloed = {c.decision_key for c in controls if c.mode is Mode.SILOED}
    fused = {c.decision_key for c in controls if c.mode is Mode.FUSED}
    assert siloed == fused
    statuses = [
        RoadStatusChanged.model_validate_json(v) for v in sink.on(TRANSPORT_ROAD_STATUS.name)
    ]
    assert {s.status for s in statuses} == {"closed"}


async def test_with_fusion_a_warning_reaches_the_fused_model_only_and_is_metered() -> None:
    metered = metrics.CROSS_SECTOR.labels("weather", "transport")
    before = metered._value.get()
    runtime, sink = _service(fusion=True)
    agent = runtime.faust_app.agents["transport.control"]
    fog = warning(0, SignalType.FOG, Colour.ORANGE)
    async with agent.test_context() as ctx:
        await ctx.put(fog.to_bytes(), key=fog.key)
    controls = _controls(sink)
    assert controls
    assert {c.mode for c in controls} == {Mode.FUSED}
    assert {c.causation_id for c in controls} == {fog.event_id}
    assert metered._value.get() - before == 1
