"""The urban agent under faust's test_context: both modes, fusion."""

from __future__ import annotations

from datetime import UTC, datetime

from services.urban.service import MANIFEST
from shared.contracts.envelope import Mode
from shared.contracts.urban import (
    URBAN_DECISIONS,
    URBAN_OBSERVATIONS,
    UrbanDecision,
    UrbanReading,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from tests.factories.runtime import service

T0 = datetime(2020, 7, 7, tzinfo=UTC)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {URBAN_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        URBAN_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
    }


async def test_a_wet_reading_yields_a_siloed_and_a_fused_decision() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = UrbanReading(
        occurred_at=T0, source="test", region="360100", site_id="urban-360100", rain_24h_mm=80
    )
    agent = runtime.faust_app.agents["urban.protect"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(URBAN_DECISIONS.name, UrbanDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED, Mode.SILOED]
    assert {d.site_id for d in decided} == {"urban-360100"}
