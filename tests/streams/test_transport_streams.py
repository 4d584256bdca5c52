"""The transport agents, driven with faust's test_context: both modes published, fusion switch,
the side agent for emergency dispatches."""

from __future__ import annotations

from datetime import timedelta

from faust.types import TP

from services.transport.service import MANIFEST
from shared import metrics
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.envelope import Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.transport import (
    TRANSPORT_CONTROLS,
    TRANSPORT_OBSERVATIONS,
    TRANSPORT_ROAD_STATUS,
    RoadControl,
    RoadControlApplied,
    RoadStatusChanged,
    SurfaceState,
)
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS, Colour, SignalType
from tests.factories.runtime import RecordingSink, put_from, service
from tests.factories.transport import T0, deliver, emergency_dispatch, reading, warning


def _marker(tick: int) -> TickAdvanced:
    """The simulator's marker closing hour ``tick`` of a run from T0."""
    return TickAdvanced(
        occurred_at=T0 + timedelta(hours=tick + 1),
        source="simulator",
        region="360000",
        run_id="run-1",
        scenario="s",
        seed=1,
        tick=tick,
        total_ticks=10,
        tick_start=T0 + timedelta(hours=tick),
    )


def _controls(sink: RecordingSink) -> list[RoadControlApplied]:
    return sink.events(TRANSPORT_CONTROLS.name, RoadControlApplied)


def test_without_fusion_the_service_reads_its_own_detectors_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {TRANSPORT_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    assert list(runtime.faust_app.agents) == ["transport.control"]
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        TRANSPORT_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        EMERGENCY_RESPONSES.name,
    }


async def test_a_fog_reading_yields_a_siloed_and_a_fused_control_and_road_status() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    agent = runtime.faust_app.agents["transport.control"]
    obs = reading(0, visibility_m=40)
    async with agent.test_context() as ctx:
        await ctx.put(obs.to_bytes(), key=obs.key)
    controls = _controls(sink)
    assert sorted({c.mode for c in controls}) == [Mode.FUSED, Mode.SILOED]
    siloed = {c.decision_key for c in controls if c.mode is Mode.SILOED}
    fused = {c.decision_key for c in controls if c.mode is Mode.FUSED}
    assert siloed == fused
    statuses = sink.events(TRANSPORT_ROAD_STATUS.name, RoadStatusChanged)
    assert {s.status for s in statuses} == {"closed"}


async def test_a_warning_reaches_both_models_and_is_metered_as_weather_data() -> None:
    metered = metrics.CROSS_SECTOR.labels("weather", "transport")
    before = metered._value.get()
    runtime, sink = service(MANIFEST, fusion=True)
    agent = runtime.faust_app.agents["transport.control"]
    fog = warning(0, SignalType.FOG, Colour.ORANGE)
    async with agent.test_context() as ctx:
        await put_from(ctx, WEATHER_WARNINGS, fog)
    controls = _controls(sink)
    assert controls
    assert {c.mode for c in controls} == {Mode.FUSED, Mode.SILOED}
    assert {c.causation_id for c in controls} == {fog.event_id}
    assert metered._value.get() - before == 1


async def test_the_access_agent_acts_on_fused_dispatches_only_and_forwards_no_tick_marker() -> None:
    runtime, sink = service(MANIFEST, fusion=True)
    deliver(runtime.state, reading(0, surface_temp_c=1.5, surface_state=SurfaceState.DRY))
    siloed = emergency_dispatch(10, mode=Mode.SILOED)
    fused = emergency_dispatch(10, mode=Mode.FUSED)
    agent = runtime.faust_app.agents["transport.access"]
    async with agent.test_context() as ctx:
        # test_context feeds one partition (0), which is then the only one assigned
        runtime.faust_app.consumer.assignment = lambda: {TP(EMERGENCY_RESPONSES.name, 0)}
        await ctx.put(siloed.to_bytes(), key=siloed.key, partition=0)
        await ctx.put(fused.to_bytes(), key=fused.key, partition=0)
        await ctx.put(_marker(0).to_bytes(), key=b"360000", partition=0)
    (decision,) = _controls(sink)
    assert (decision.mode, decision.control) == (Mode.FUSED, RoadControl.DE_ICING)
    assert decision.causation_id == fused.event_id
    forwarded = sink.on(TRANSPORT_CONTROLS.name) + sink.on(TRANSPORT_ROAD_STATUS.name)
    assert not [v for v in forwarded if b"TickAdvanced" in v]
