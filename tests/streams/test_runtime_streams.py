"""The shared runtime's agent, driven with faust's test_context: DLQ, dedupe, tick markers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_settings import SettingsConfigDict

from shared.contracts.envelope import Event
from shared.contracts.simulator import SIMULATOR_WATERMARKS, TickAdvanced
from shared.contracts.weather import WEATHER_OBSERVATIONS, WEATHER_WARNINGS, StationObservation
from shared.runtime import Outbox, ServiceRuntime, ServiceSpec, build
from shared.settings import ServiceSettings

from .conftest import RecordingSink

T0 = datetime(2020, 7, 8, tzinfo=UTC)


class EchoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEXSIM_ECHO_", frozen=True)


def obs(i: int, region: str = "360100") -> StationObservation:
    return StationObservation(
        occurred_at=T0 + timedelta(hours=i), source="t", region=region, station_id="58606"
    )


def marker(tick: int, run_id: str = "run-1") -> TickAdvanced:
    return TickAdvanced(
        occurred_at=T0 + timedelta(hours=tick + 1),
        source="simulator",
        region="360000",
        run_id=run_id,
        scenario="s",
        seed=1,
        tick=tick,
        total_ticks=10,
        tick_start=T0 + timedelta(hours=tick),
    )


def build_echo(seen: list[Event], ticks: list[int]) -> tuple[ServiceRuntime, RecordingSink]:
    """A service that republishes every observation's id and counts completed ticks."""

    def handler(events: Sequence[Event]) -> Outbox:
        seen.extend(events)
        return [(WEATHER_WARNINGS, e) for e in events]

    def on_tick(m: TickAdvanced) -> Outbox:
        ticks.append(m.tick)
        return []

    def streams(runtime: ServiceRuntime) -> None:
        runtime.handle(
            [WEATHER_OBSERVATIONS],
            handler,
            name="echo",
            outputs=[WEATHER_WARNINGS],
            on_tick=on_tick,
        )

    spec = ServiceSpec(name="echo", settings_cls=EchoSettings, streams=streams)
    settings = EchoSettings(batch_size=1, batch_timeout_s=0.01)
    _, runtime = build(spec, settings)
    sink = RecordingSink(partitions=3)
    runtime.sink = sink
    return runtime, sink


Echo = tuple[ServiceRuntime, RecordingSink, list[Event], list[int]]


@pytest.fixture
def echo() -> Echo:
    seen: list[Event] = []
    ticks: list[int] = []
    runtime, sink = build_echo(seen, ticks)
    return runtime, sink, seen, ticks


async def test_a_valid_event_reaches_the_handler_and_its_output_is_published(echo: Echo) -> None:
    runtime, sink, seen, _ = echo
    agent = runtime.faust_app.agents["echo.echo"]
    async with agent.test_context() as ctx:
        await ctx.put(obs(1).to_bytes(), key=b"360100")
        await ctx.put(obs(2).to_bytes(), key=b"360100")
    assert [e.occurred_at for e in seen] == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert len(sink.on(WEATHER_WARNINGS.name)) == 2


async def test_a_poison_message_is_dead_lettered_and_the_next_one_still_flows(echo: Echo) -> None:
    runtime, sink, seen, _ = echo
    agent = runtime.faust_app.agents["echo.echo"]
    async with agent.test_context() as ctx:
        await ctx.put(b'{"region": "360100"}', key=b"360100")
        await ctx.put(b"\x00garbage", key=b"360100")
        await ctx.put(obs(3).to_bytes(), key=b"360100")
    dlq = [(v, dict(h)) for t, _, v, _, h in sink.sent if t == WEATHER_OBSERVATIONS.dlq]
    assert [h["dlq.reason"] for _, h in dlq] == [b"invalid", b"not_json"]
    assert dlq[1][0] == b"\x00garbage"  # original bytes kept
    assert len(seen) == 1


async def test_a_redelivered_event_is_handled_once(echo: Echo) -> None:
    runtime, sink, seen, _ = echo
    agent = runtime.faust_app.agents["echo.echo"]
    event = obs(4)
    async with agent.test_context() as ctx:
        for _ in range(3):
            await ctx.put(event.to_bytes(), key=b"360100")
    assert len(seen) == 1
    assert len(sink.on(WEATHER_WARNINGS.name)) == 1


def test_a_tick_completes_only_when_every_partition_passed_it() -> None:
    from shared.runtime.service import _AgentState

    state = _AgentState(
        name="a", topics=frozenset({"t"}), handler=lambda e: [], outputs=(), on_tick=None
    )

    class TP:
        def __init__(self, p: int) -> None:
            self.topic, self.partition = "t", p

    assigned = [TP(0), TP(1)]
    state.note_marker("t", 0, marker(0).to_bytes())
    assert state.completed(assigned) is None  # partition 1 has not passed tick 0
    state.note_marker("t", 1, marker(0).to_bytes())
    done = state.completed(assigned)
    assert done is not None and done.tick == 0
    assert state.completed(assigned) is None  # reported once
    state.note_marker("t", 0, marker(0, run_id="run-2").to_bytes())
    assert state.completed(assigned) is None  # a new run starts again from nothing


async def test_a_completed_tick_is_forwarded_downstream_and_reported(echo: Echo) -> None:
    runtime, sink, _, ticks = echo
    agent = runtime.faust_app.agents["echo.echo"]
    async with agent.test_context() as ctx:
        # test_context feeds one partition (0), which is then the only one assigned
        runtime.faust_app.consumer.assignment = lambda: {_tp(WEATHER_OBSERVATIONS.name, 0)}
        await ctx.put(obs(5).to_bytes(), key=b"360100", partition=0)
        await ctx.put(marker(0).to_bytes(), key=b"360000", partition=0)
    assert ticks == [0]
    forwarded = sink.on(WEATHER_WARNINGS.name)
    markers = [json.loads(v) for v in forwarded if b"TickAdvanced" in v]
    assert len(markers) == 3  # one per partition of the output topic
    assert {m["source"] for m in markers} == {"echo"}
    (mark,) = [json.loads(v) for v in sink.on(SIMULATOR_WATERMARKS.name)]
    assert (mark["service"], mark["tick"], mark["run_id"]) == ("echo", 0, "run-1")
    # the data of the tick was published before the marker that closes it
    order = [v for v in forwarded]
    assert b"StationObservation" in order[0] and b"TickAdvanced" in order[-1]


def _tp(topic: str, partition: int):  # type: ignore[no-untyped-def]
    from faust.types import TP

    return TP(topic, partition)
