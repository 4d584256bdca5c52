"""The shared runtime's agents, driven with faust's test_context: the error policy per stage,
dedupe, dispatch by event type, tick markers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from pydantic_settings import SettingsConfigDict

from shared.contracts.envelope import Event, derived_id
from shared.contracts.simulator import SIMULATOR_WATERMARKS, TickAdvanced
from shared.contracts.weather import WEATHER_OBSERVATIONS, StationObservation
from shared.runtime import Agent, Manifest, ServiceRuntime
from shared.settings import ServiceSettings
from tests.factories.runtime import RecordingSink, service, tick_marker

T0 = datetime(2020, 7, 8, tzinfo=UTC)


class EchoSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEXSIM_ECHO_", frozen=True)


def obs(i: int, region: str = "360100", station: str = "58606") -> StationObservation:
    return StationObservation(
        occurred_at=T0 + timedelta(hours=i), source="t", region=region, station_id=station
    )


def marker(tick: int, run_id: str = "run-1") -> TickAdvanced:
    return tick_marker(tick, T0, run_id=run_id)


@dataclass
class EchoState:
    """What the echo service saw: the events handled and the ticks completed."""

    seen: list[Event] = field(default_factory=list)
    ticks: list[int] = field(default_factory=list)


def _echo(state: EchoState, event: StationObservation) -> list[Event]:
    if event.station_id == "boom":
        raise ValueError("the handler cannot take this reading")
    state.seen.append(event)
    return [event.model_copy(update={"event_id": derived_id("echo", event.event_id)})]


def _on_tick(state: EchoState, m: TickAdvanced) -> list[Event]:
    state.ticks.append(m.tick)
    return []


ECHO: Manifest[EchoState] = Manifest(
    name="echo",
    port=8999,
    settings=EchoSettings,
    state=lambda settings: EchoState(),
    agents=(
        Agent(
            name="echo",
            reads=(WEATHER_OBSERVATIONS,),
            handlers={StationObservation: _echo},
            on_tick=_on_tick,
            outputs=(WEATHER_OBSERVATIONS,),
        ),
    ),
)
OUT = WEATHER_OBSERVATIONS.name


def build_echo() -> tuple[ServiceRuntime[EchoState], RecordingSink]:
    """A service that republishes every observation (under a new id) and counts ticks."""
    return service(ECHO, partitions=3, batch_size=1)


Echo = tuple[ServiceRuntime[EchoState], RecordingSink, list[Event], list[int]]


@pytest.fixture
def echo() -> Echo:
    runtime, sink = build_echo()
    return runtime, sink, runtime.state.seen, runtime.state.ticks


async def test_a_valid_event_reaches_the_handler_and_its_output_is_published(echo: Echo) -> None:
    runtime, sink, seen, _ = echo
    agent = runtime.faust_app.agents["echo.echo"]
    async with agent.test_context() as ctx:
        await ctx.put(obs(1).to_bytes(), key=b"360100")
        await ctx.put(obs(2).to_bytes(), key=b"360100")
    assert [e.occurred_at for e in seen] == [T0 + timedelta(hours=1), T0 + timedelta(hours=2)]
    assert len(sink.on(OUT)) == 2


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
    assert len(sink.on(OUT)) == 1


async def test_a_handler_that_fails_dead_letters_its_event_and_the_stream_goes_on(
    echo: Echo,
) -> None:
    from shared import metrics

    runtime, sink, seen, _ = echo
    counted = metrics.DLQ.labels("echo", WEATHER_OBSERVATIONS.name, "handler_error")
    before = counted._value.get()
    agent = runtime.faust_app.agents["echo.echo"]
    bad = obs(1, station="boom").to_bytes()
    async with agent.test_context() as ctx:
        await ctx.put(bad, key=b"360100")
        await ctx.put(obs(2).to_bytes(), key=b"360100")
    (dead,) = [(v, dict(h)) for t, _, v, _, h in sink.sent if t == WEATHER_OBSERVATIONS.dlq]
    assert dead[0] == bad  # the original bytes
    assert dead[1]["dlq.stage"] == b"handle"
    assert dead[1]["dlq.reason"] == b"handler_error"
    assert b"cannot take this reading" in dead[1]["dlq.detail"]
    assert [e.occurred_at for e in seen] == [T0 + timedelta(hours=2)]
    assert counted._value.get() == before + 1


async def test_an_event_without_a_handler_is_consumed_and_skipped() -> None:
    manifest = replace(ECHO, agents=(replace(ECHO.agents[0], handlers={}),))
    runtime, sink = service(manifest, batch_size=1)
    async with runtime.faust_app.agents["echo.echo"].test_context() as ctx:
        await ctx.put(obs(1).to_bytes(), key=b"360100")
    assert sink.sent == []


async def test_output_the_broker_refuses_stops_the_service_before_offsets_move(
    echo: Echo,
) -> None:
    """The produce stage: a send that is not acknowledged is counted and stops the process."""
    from aiokafka.errors import KafkaTimeoutError

    from shared import metrics

    runtime, sink, _, _ = echo
    stopped: list[BaseException] = []
    runtime.on_produce_failure = stopped.append

    async def refuse(*args: object) -> asyncio.Future[None]:
        failed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        failed.set_exception(KafkaTimeoutError())
        return failed

    sink.send = refuse  # type: ignore[method-assign,assignment]
    before = metrics.PRODUCE_FAILURES.labels("echo")._value.get()
    with contextlib.suppress(Exception):
        async with runtime.faust_app.agents["echo.echo"].test_context() as ctx:
            await ctx.put(obs(1).to_bytes(), key=b"360100")
    assert len(stopped) == 1
    assert metrics.PRODUCE_FAILURES.labels("echo")._value.get() == before + 1


def test_a_tick_completes_only_when_every_partition_passed_it() -> None:
    from shared.runtime.service import _AgentState

    state: _AgentState[EchoState] = _AgentState(
        agent=ECHO.agents[0], topics=frozenset({"t"}), outputs={}
    )

    class TP:
        def __init__(self, p: int) -> None:
            self.topic, self.partition = "t", p

    assigned = [TP(0), TP(1)]
    state.note_marker("t", 0, marker(0).to_bytes())
    assert state.completed(assigned) == []  # partition 1 has not passed tick 0
    state.note_marker("t", 1, marker(0).to_bytes())
    assert [m.tick for m in state.completed(assigned)] == [0]
    assert state.completed(assigned) == []  # reported once
    # Two ticks read at once (a restarted service catching up) are closed one by one.
    for tick in (1, 2):
        for partition in (0, 1):
            state.note_marker("t", partition, marker(tick).to_bytes())
    assert [m.tick for m in state.completed(assigned)] == [1, 2]
    state.note_marker("t", 0, marker(0, run_id="run-2").to_bytes())
    assert state.completed(assigned) == []  # a new run starts again from nothing


async def test_a_completed_tick_is_forwarded_downstream_and_reported(echo: Echo) -> None:
    runtime, sink, _, ticks = echo
    agent = runtime.faust_app.agents["echo.echo"]
    async with agent.test_context() as ctx:
        # test_context feeds one partition (0), which is then the only one assigned
        runtime.faust_app.consumer.assignment = lambda: {_tp(WEATHER_OBSERVATIONS.name, 0)}
        await ctx.put(obs(5).to_bytes(), key=b"360100", partition=0)
        await ctx.put(marker(0).to_bytes(), key=b"360000", partition=0)
    assert ticks == [0]
    forwarded = sink.on(OUT)
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
