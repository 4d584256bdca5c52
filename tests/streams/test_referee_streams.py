"""The referee's agent, driven with faust's test_context: scores per tick, metrics, HTTP."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from faust.types import TP
from prometheus_client import REGISTRY

from services.referee.domain import RefereeState
from services.referee.service import MANIFEST
from services.referee.streams import SCORE
from shared.contracts.envelope import Event, Mode, derived_id
from shared.contracts.referee import REFEREE_SCORES, ScoresPublished
from shared.contracts.simulator import (
    SIMULATOR_TRUTH,
    HazardKind,
    ImpactOccurred,
    Mitigation,
    TickAdvanced,
)
from shared.contracts.transport import (
    TRANSPORT_CONTROLS,
    ControlBasis,
    ControlTrigger,
    RoadControl,
    RoadControlApplied,
    TransportAction,
)
from shared.runtime import ServiceRuntime
from tests.factories.runtime import RecordingSink, service

T0 = datetime(2020, 1, 20, 6, tzinfo=UTC)
REGION = "360100"
SEGMENT = "G60-360100-360300"


def fog_impact() -> ImpactOccurred:
    """Accidents on one segment in fog at T0; closing it 3 h ahead avoids 5M yuan."""
    return ImpactOccurred(
        event_id=derived_id("stream-test", "impact"),
        occurred_at=T0,
        source="simulator",
        region=REGION,
        impact_id=f"fog:{SEGMENT}:0",
        hazard_id="fog-1",
        hazard=HazardKind.FOG,
        sector="transport",
        impact_kind="road_accidents",
        asset_id=SEGMENT,
        exposure_started_at=T0 - timedelta(hours=1),
        loss_yuan=6_000_000.0,
        mitigations=(
            Mitigation(
                action=TransportAction.CLOSE_ROAD,
                avoidable_yuan=5_000_000.0,
                full_benefit_by=T0 - timedelta(hours=3),
                no_benefit_after=T0,
            ),
        ),
    )


def closure(mode: Mode, at: datetime, region: str = REGION) -> RoadControlApplied:
    """A closure of the segment decided in ``mode``, in force from ``at``."""
    return RoadControlApplied(
        event_id=derived_id("stream-test", "closure", mode, at.isoformat(), region),
        occurred_at=at,
        source="transport",
        region=region,
        mode=mode,
        action=TransportAction.CLOSE_ROAD,
        decision_key=f"fog:{SEGMENT}",
        asset_ids=(SEGMENT,),
        effective_at=at,
        setup_cost_yuan=1_500_000.0,
        expected_loss_avoided_yuan=4_000_000.0,
        segment_id=SEGMENT,
        road="G60",
        control=RoadControl.CLOSURE,
        trigger=ControlTrigger.LOW_VISIBILITY,
        basis=ControlBasis.FORECAST,
    )


def marker(tick: int, *, final: bool = False) -> TickAdvanced:
    """The simulator's in-band marker closing ``tick`` (of two)."""
    return TickAdvanced(
        event_id=derived_id("stream-test", "tick", tick),
        occurred_at=T0 + timedelta(hours=tick + 1),
        source="simulator",
        region="360000",
        run_id="run-s",
        scenario="fog-test",
        seed=7,
        tick=tick,
        total_ticks=2,
        tick_start=T0 + timedelta(hours=tick),
        final=final,
    )


def sample(name: str, **labels: str) -> float:
    """A metric's current value in the process registry (0 when it has no sample yet)."""
    return REGISTRY.get_sample_value(name, labels) or 0.0


def http(runtime: ServiceRuntime[RefereeState]) -> FastAPI:
    """The referee's query routes over the runtime's state (no lifespan: no Kafka)."""
    app = FastAPI()
    app.state.runtime = runtime
    for router in MANIFEST.routers:
        app.include_router(router)
    return app


@pytest.fixture
def referee() -> Iterator[tuple[ServiceRuntime[RefereeState], RecordingSink, FastAPI]]:
    runtime, sink = service(MANIFEST, partitions=1, batch_size=1)
    # test_context feeds partition 0 of each topic: make that the whole assignment
    consumer: Any = runtime.faust_app.consumer
    consumer.assignment = lambda: {TP(s.name, 0) for s in SCORE.reads}
    yield runtime, sink, http(runtime)


async def put(ctx: Any, topic: str, event: Event) -> None:
    """Put ``event`` on ``topic`` (test_context alone cannot name one of several topics)."""
    make = type(ctx).to_message

    def to_message(key: Any, value: Any, **kw: Any) -> Any:
        message = make(ctx, key, value, **kw)
        message.topic = topic
        return message

    ctx.to_message = to_message
    await ctx.put(event.to_bytes(), key=event.key, partition=0)


async def close_tick(ctx: Any, tick: int, *, final: bool = False) -> None:
    """Every input partition passes the marker of ``tick``."""
    for spec in SCORE.reads:
        await put(ctx, spec.name, marker(tick, final=final))


def published(sink: RecordingSink) -> list[ScoresPublished]:
    """The scores the referee published, in order."""
    return [ScoresPublished.model_validate_json(v) for v in sink.on(REFEREE_SCORES.name)]


async def test_a_decision_scored_when_its_truth_arrives_a_tick_later_becomes_a_hit(
    referee: tuple[ServiceRuntime[RefereeState], RecordingSink, FastAPI],
) -> None:
    runtime, sink, api = referee
    hits_before = sample("dex_decisions_total", sector="transport", mode="fused", outcome="hit")
    fa_before = sample(
        "dex_decisions_total", sector="transport", mode="siloed", outcome="false_alarm"
    )
    leads_before = sample("dex_warning_lead_time_seconds_count", sector="transport", mode="fused")
    agent = runtime.faust_app.agents[f"referee.{SCORE.name}"]
    async with agent.test_context() as ctx:
        await put(ctx, TRANSPORT_CONTROLS.name, closure(Mode.FUSED, T0 - timedelta(hours=4)))
        await put(ctx, TRANSPORT_CONTROLS.name, closure(Mode.SILOED, T0, region="360300"))
        await close_tick(ctx, 0)
        # the truth comes a tick later, and a redelivered decision must not count twice
        await put(ctx, SIMULATOR_TRUTH.name, fog_impact())
        await put(ctx, TRANSPORT_CONTROLS.name, closure(Mode.FUSED, T0 - timedelta(hours=4)))
        await close_tick(ctx, 1, final=True)

    first, last = published(sink)
    # no tick marker is forwarded onto the scores topic: it carries the scores only
    assert len(sink.on(REFEREE_SCORES.name)) == 2
    assert (first.tick, first.final, last.tick, last.final) == (0, False, 1, True)
    (provisional,) = first.sectors
    assert provisional.fused.false_alarms == 1  # no truth yet
    (score,) = last.sectors
    assert (score.fused.hits, score.fused.false_alarms, score.fused.decisions) == (1, 0, 1)
    assert (score.siloed.false_alarms, score.siloed.misses) == (1, 1)
    assert score.fused.value_yuan == 5_000_000.0 - 1_500_000.0
    assert score.fused.mean_lead_time_s == 4 * 3600.0
    assert (score.multiplier, score.multiplier_basis) == (None, "n/a")  # siloed lost money
    assert score.multiplier_reason and "siloed value is not positive" in score.multiplier_reason
    assert score.value_gain_yuan == score.fused.value_yuan - score.siloed.value_yuan
    assert last.impacts == 1
    assert last.event_id == derived_id("scores", "run-s", 1)

    # counters only counted what was final, once
    hits = sample("dex_decisions_total", sector="transport", mode="fused", outcome="hit")
    false_alarms = sample(
        "dex_decisions_total", sector="transport", mode="siloed", outcome="false_alarm"
    )
    assert hits - hits_before == 1
    assert false_alarms - fa_before == 1
    lead_count = sample("dex_warning_lead_time_seconds_count", sector="transport", mode="fused")
    assert lead_count - leads_before == 1
    assert math.isnan(sample("dex_multiplier", sector="transport"))  # n/a is a gap, not a 0
    assert sample("dex_value_gain_yuan", sector="transport") == score.value_gain_yuan
    assert sample("dex_value_yuan", sector="transport", mode="fused") == 3_500_000.0

    # the run is over: the HTTP API still answers with its scores
    client = TestClient(api)
    body = client.get("/scores").json()
    assert body["transport"]["fused"]["hits"] == 1
    assert body["overall"]["multiplier"] == score.multiplier
    assert client.get("/scores/transport").json() == body["transport"]
    assert client.get("/scores/latest").json()["final"] is True
    assert client.get("/scores/tourism").status_code == 404
    # and the scores are on the wire as JSON anyone can read
    assert json.loads(sink.on(REFEREE_SCORES.name)[-1])["run_id"] == "run-s"
