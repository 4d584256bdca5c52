"""The rural agent under faust's test_context: both modes, fusion."""

from __future__ import annotations

from datetime import UTC, datetime

from services.rural.service import MANIFEST
from shared.contracts.envelope import Mode
from shared.contracts.rural import (
    RURAL_DECISIONS,
    RURAL_OBSERVATIONS,
    RuralDecision,
    RuralReading,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from tests.factories.runtime import service

T0 = datetime(2020, 7, 7, tzinfo=UTC)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {RURAL_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        RURAL_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
    }


async def test_a_wet_reading_yields_a_siloed_and_a_fused_decision() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = RuralReading(
        occurred_at=T0, source="test", region="360100", site_id="rural-360100", rain_24h_mm=80
    )
    agent = runtime.faust_app.agents["rural.protect"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(RURAL_DECISIONS.name, RuralDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED, Mode.SILOED]
    assert {d.site_id for d in decided} == {"rural-360100"}
