"""The agriculture agent, driven with faust's test_context: both modes published, fusion switch."""

from __future__ import annotations

from services.agriculture.service import MANIFEST
from shared import metrics
from shared.contracts.agriculture import (
    AGRICULTURE_ADVISORIES,
    AGRICULTURE_OBSERVATIONS,
    AdvisoryIssued,
)
from shared.contracts.envelope import Mode
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS, Colour, SignalType
from tests.factories.agriculture import AUG15, rice_days, warning
from tests.factories.runtime import RecordingSink, put_from, service


def _advisories(sink: RecordingSink) -> list[AdvisoryIssued]:
    return sink.events(AGRICULTURE_ADVISORIES.name, AdvisoryIssued)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {AGRICULTURE_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        AGRICULTURE_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
    }


async def test_farm_readings_yield_a_siloed_and_a_fused_advisory_on_the_advisory_topic() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    agent = runtime.faust_app.agents["agriculture.advise"]
    async with agent.test_context() as ctx:
        for reading in rice_days([36.0] * 3, start=AUG15):
            await ctx.put(reading.to_bytes(), key=reading.key)
    published = _advisories(sink)
    assert sorted(a.mode for a in published) == [Mode.FUSED, Mode.SILOED]
    siloed, fused = sorted(published, key=lambda a: a.mode is Mode.FUSED)
    assert siloed.decision_key == fused.decision_key
    assert siloed.effective_at == fused.effective_at


async def test_a_warning_reaches_both_models_and_is_metered_as_weather_data() -> None:
    metered = metrics.CROSS_SECTOR.labels("weather", "agriculture")
    before = metered._value.get()
    runtime, sink = service(MANIFEST, fusion=True)
    agent = runtime.faust_app.agents["agriculture.advise"]
    heat = warning(SignalType.HEAT, Colour.YELLOW, at=AUG15, onset=AUG15)
    async with agent.test_context() as ctx:
        await put_from(ctx, WEATHER_WARNINGS, heat)
        for reading in rice_days([30.0], start=AUG15):
            await put_from(ctx, AGRICULTURE_OBSERVATIONS, reading)
    # The city's other crops and herds (the library's) may be advised too: this farm's crop is
    # the one the reading and the warning are about.
    published = [a for a in _advisories(sink) if a.crop == "early_rice"]
    assert sorted((a.mode, a.causation_id) for a in published) == [
        (Mode.FUSED, heat.event_id),
        (Mode.SILOED, heat.event_id),
    ]
    assert metered._value.get() - before == 1
