"""The rural agent under faust's test_context: both modes, fusion, the fused world only."""

from __future__ import annotations

from datetime import UTC, datetime

from services.rural.service import MANIFEST
from services.rural.streams import on_response
from shared.contracts.emergency import (
    EMERGENCY_RESPONSES,
    Measure,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import Mode
from shared.contracts.rural import (
    RURAL_DECISIONS,
    RURAL_OBSERVATIONS,
    ReadingKind,
    RuralDecision,
    RuralReading,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from tests.factories.runtime import service

T0 = datetime(2020, 7, 7, 4, tzinfo=UTC)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {RURAL_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        RURAL_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        EMERGENCY_RESPONSES.name,
    }


async def test_rain_at_the_watch_level_yields_a_siloed_and_a_fused_relocation() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = RuralReading(
        occurred_at=T0,
        source="test",
        region="360200",
        site_id="zone-360200",
        kind=ReadingKind.RAIN_GAUGE,
        rain_1h_mm=10,
        rain_3h_mm=30,
        rain_24h_mm=85,
    )
    agent = runtime.faust_app.agents["rural.protect"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(RURAL_DECISIONS.name, RuralDecision)
    relocations = [d for d in decided if d.action == "relocate_villagers"]
    assert sorted(d.mode for d in relocations) == [Mode.FUSED, Mode.SILOED]
    assert {d.region for d in decided} == {"360200"}


def test_the_siloed_world_s_responses_are_not_used() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    response = ResponseDecided(
        occurred_at=T0,
        source="emergency",
        region="360200",
        mode=Mode.SILOED,
        action=Measure.RESPONSE_LEVEL.action,
        measure=Measure.RESPONSE_LEVEL,
        level=ResponseLevel.III,
        decision_key="emergency:360200:response_level:x",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
    )
    on_response(models, response)
    assert not models.fused.responding("360200")
    on_response(models, response.model_copy(update={"mode": Mode.FUSED}))
    assert models.fused.responding("360200") and not models.siloed.responding("360200")
