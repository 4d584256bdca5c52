"""The agriculture agent, driven with faust's test_context: both modes published, fusion switch."""

from __future__ import annotations

from services.agriculture.service import SPEC, AgricultureSettings
from shared.contracts.agriculture import (
    AGRICULTURE_ADVISORIES,
    AGRICULTURE_OBSERVATIONS,
    AdvisoryIssued,
)
from shared.contracts.envelope import Mode
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS, Colour, SignalType
from shared.runtime import ServiceRuntime, build
from tests.unit.agriculture.agri_factories import JUNE15, rice_days, warning

from .conftest import RecordingSink


def _service(*, fusion: bool) -> tuple[ServiceRuntime, RecordingSink]:
    settings = AgricultureSettings(fusion=fusion, batch_size=50, batch_timeout_s=0.01)
    _, runtime = build(SPEC, settings)
    sink = RecordingSink()
    runtime.sink = sink
    return runtime, sink


def _advisories(sink: RecordingSink) -> list[AdvisoryIssued]:
    return [AdvisoryIssued.model_validate_json(v) for v in sink.on(AGRICULTURE_ADVISORIES.name)]


def test_without_fusion_the_service_reads_only_its_own_sector() -> None:
    runtime, _ = _service(fusion=False)
    assert set(runtime.codecs) == {AGRICULTURE_OBSERVATIONS.name}
    runtime, _ = _service(fusion=True)
    assert set(runtime.codecs) == {
        AGRICULTURE_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
    }


async def test_farm_readings_yield_a_siloed_and_a_fused_advisory_on_the_advisory_topic() -> None:
    runtime, sink = _service(fusion=False)
    agent = runtime.faust_app.agents["agriculture.advise"]
    async with agent.test_context() as ctx:
        for reading in rice_days([36.0] * 3):
            await ctx.put(reading.to_bytes(), key=reading.key)
    published = _advisories(sink)
    assert sorted(a.mode for a in published) == [Mode.FUSED, Mode.SILOED]
    siloed, fused = sorted(published, key=lambda a: a.mode is Mode.FUSED)
    assert siloed.decision_key == fused.decision_key
    assert siloed.effective_at == fused.effective_at


async def test_with_fusion_a_warning_reaches_the_fused_model_only_and_is_metered() -> None:
    from shared import metrics

    metered = metrics.CROSS_SECTOR.labels("weather", "agriculture")
    before = metered._value.get()
    runtime, sink = _service(fusion=True)
    agent = runtime.faust_app.agents["agriculture.advise"]
    heat = warning(SignalType.HEAT, Colour.YELLOW, at=JUNE15, onset=JUNE15)
    async with agent.test_context() as ctx:
        await ctx.put(heat.to_bytes(), key=heat.key)
        for reading in rice_days([30.0]):
            await ctx.put(reading.to_bytes(), key=reading.key)
    published = _advisories(sink)
    assert [(a.mode, a.causation_id) for a in published] == [(Mode.FUSED, heat.event_id)]
    assert metered._value.get() - before == 1
