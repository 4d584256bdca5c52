"""The energy agent under faust's test_context: both modes, fusion, the fused world only."""

from __future__ import annotations

from datetime import UTC, datetime

from services.energy.service import MANIFEST
from services.energy.streams import on_road_status
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.energy import (
    ENERGY_DECISIONS,
    ENERGY_OBSERVATIONS,
    EnergyDecision,
    GridReading,
    SiteKind,
)
from shared.contracts.envelope import Mode
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatus, RoadStatusChanged
from shared.contracts.water import WATER_DECISIONS
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from tests.factories.runtime import service

T0 = datetime(2008, 1, 20, tzinfo=UTC)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {ENERGY_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        ENERGY_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        TRANSPORT_ROAD_STATUS.name,
        WATER_DECISIONS.name,
        EMERGENCY_RESPONSES.name,
    }


async def test_an_iced_corridor_yields_a_siloed_and_a_fused_decision() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = GridReading(
        occurred_at=T0,
        source="test",
        region="360100",
        site_id="360100-220",
        kind=SiteKind.CORRIDOR,
        ice_mm=12,
    )
    agent = runtime.faust_app.agents["energy.dispatch"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(ENERGY_DECISIONS.name, EnergyDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED, Mode.SILOED]
    assert {d.region for d in decided} == {"360100"}


def test_the_siloed_world_s_road_status_is_not_used() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    status = RoadStatusChanged(
        occurred_at=T0,
        source="transport",
        region="360100",
        mode=Mode.SILOED,
        segment_id="G60-1",
        road="G60",
        from_city="360100",
        to_city="361100",
        status=RoadStatus.CLOSED,
    )
    on_road_status(models, status)
    assert not models.fused.roads_closed("360100")
    on_road_status(models, status.model_copy(update={"mode": Mode.FUSED}))
    assert models.fused.roads_closed("360100") and not models.siloed.roads_closed("360100")
