"""The water agent under faust's test_context: both modes, fusion, the fused world's events."""

from __future__ import annotations

from datetime import UTC, datetime

from services.water.service import MANIFEST
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.envelope import Mode
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatus, RoadStatusChanged
from shared.contracts.water import (
    WATER_DECISIONS,
    WATER_OBSERVATIONS,
    HydroReading,
    StationKind,
    WaterDecision,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from shared.world import load_world
from tests.factories.runtime import put_from, service

T0 = datetime(2020, 7, 7, tzinfo=UTC)
LIJIADU = load_world().gauge("lijiadu")


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {WATER_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        WATER_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        AGRICULTURE_ADVISORIES.name,
        EMERGENCY_RESPONSES.name,
        TRANSPORT_ROAD_STATUS.name,
    }


def reading() -> HydroReading:
    return HydroReading(
        occurred_at=T0,
        source="test",
        region="360100",
        station_kind=StationKind.GAUGE,
        station_id="lijiadu",
        level_m=LIJIADU.warning_m,
    )


async def test_a_gauge_at_warning_yields_a_siloed_and_a_fused_patrol_and_reinforcement() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    event = reading()
    agent = runtime.faust_app.agents["water.control"]
    async with agent.test_context() as ctx:
        await ctx.put(event.to_bytes(), key=event.key)
    decided = sink.events(WATER_DECISIONS.name, WaterDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED] * 2 + [Mode.SILOED] * 2
    assert {d.action for d in decided} == {"patrol_levee", "reinforce_levee"}


async def test_only_the_fused_world_s_road_status_reaches_the_fused_model() -> None:
    for world_mode, delayed in ((Mode.SILOED, False), (Mode.FUSED, True)):
        runtime, sink = service(MANIFEST, fusion=True)
        closed = RoadStatusChanged(
            occurred_at=T0,
            source="transport",
            region="361000",
            mode=world_mode,
            segment_id="G70-test",
            road="G70",
            from_city="360100",
            to_city="361000",
            status=RoadStatus.CLOSED,
        )
        agent = runtime.faust_app.agents["water.control"]
        async with agent.test_context() as ctx:
            await put_from(ctx, TRANSPORT_ROAD_STATUS, closed)
            event = reading()
            await ctx.put(event.to_bytes(), key=event.key)
        decided = sink.events(WATER_DECISIONS.name, WaterDecision)
        fused = [d for d in decided if d.mode is Mode.FUSED]
        siloed = [d for d in decided if d.mode is Mode.SILOED]
        assert len(fused) == len(siloed) == 2  # a patrol and a reinforcement
        assert all(d.delayed_h == 0 for d in siloed)
        assert all((d.delayed_h > 0) is delayed for d in fused)
