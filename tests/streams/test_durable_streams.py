"""Durable state through the runtime's agents (faust's test_context): a service restored from a
snapshot goes on exactly as one that never stopped, sends nothing twice, and a dead-lettered
event put back after the fix is decided once."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic_settings import SettingsConfigDict

from dexsim.dlq import put_back
from shared import metrics
from shared.contracts.envelope import Event, derived_id
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import WEATHER_OBSERVATIONS, StationObservation
from shared.runtime import Agent, Manifest, ServiceRuntime
from shared.runtime.durable import decode, encode
from shared.settings import ServiceSettings
from tests.factories.runtime import RecordingSink, service, tick_marker

T0 = datetime(2020, 7, 8, tzinfo=UTC)
IN = WEATHER_OBSERVATIONS.name
OUT = WEATHER_OBSERVATIONS.name  # it publishes what it reads, renumbered
KEY = b"s" * 32


class KeepSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEXSIM_KEEP_", frozen=True)


@dataclass
class Keeper:
    """A service with state that shapes its output: a running count per station."""

    counts: Counter[str] = field(default_factory=Counter)
    ticks: list[int] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)


def _keep(state: Keeper, event: StationObservation) -> list[Event]:
    if event.station_id in state.refuse:
        raise ValueError(f"station {event.station_id} cannot be handled yet")
    state.counts[event.station_id] += 1
    n = state.counts[event.station_id]
    # The output depends on the state: a restart that lost the counts would publish others.
    return [
        event.model_copy(
            update={"event_id": derived_id("keep", event.event_id, n), "station_id": f"{n}"}
        )
    ]


def _tick(state: Keeper, marker: TickAdvanced) -> list[Event]:
    state.ticks.append(marker.tick)
    return []


KEEP: Manifest[Keeper] = Manifest(
    name="keep",
    port=8998,
    settings=KeepSettings,
    state=lambda settings: Keeper(),
    agents=(
        Agent(
            name="keep",
            reads=(WEATHER_OBSERVATIONS,),
            handlers={StationObservation: _keep},
            on_tick=_tick,
            outputs=(WEATHER_OBSERVATIONS,),
            forward_markers=False,
        ),
    ),
)


def obs(hour: int, station: str = "58606") -> StationObservation:
    return StationObservation(
        occurred_at=T0 + timedelta(hours=hour, minutes=30),
        source="t",
        region="360100",
        station_id=station,
    )


def marker(tick: int) -> TickAdvanced:
    return tick_marker(tick, T0)


#: Four ticks: two stations, the second tick's reading arriving before the first tick closes
#: (held for its tick), so a snapshot in between holds an event not yet handled.
MESSAGES: list[bytes] = [
    obs(0).to_bytes(),
    obs(0, "58715").to_bytes(),
    obs(1).to_bytes(),
    marker(0).to_bytes(),
    obs(1, "58715").to_bytes(),
    marker(1).to_bytes(),
    obs(2).to_bytes(),
    marker(2).to_bytes(),
    obs(3).to_bytes(),
    obs(3, "58715").to_bytes(),
    marker(3).to_bytes(),
]


def keeper() -> tuple[ServiceRuntime[Keeper], RecordingSink]:
    runtime, sink = service(KEEP, batch_size=1, tick_sync=True)
    runtime.faust_app.consumer.assignment = lambda: {_tp(IN, 0)}  # type: ignore[method-assign]
    return runtime, sink


async def feed(runtime: ServiceRuntime[Keeper], messages: list[bytes], **put: Any) -> None:
    async with runtime.faust_app.agents["keep.keep"].test_context() as ctx:
        for raw in messages:
            await ctx.put(raw, key=b"360100", partition=0, **put)


def events(sink: RecordingSink) -> list[bytes]:
    return [v for v in sink.on(OUT) if b"TickAdvanced" not in v[:160]]


async def test_a_restored_service_goes_on_as_one_that_never_stopped() -> None:
    whole, whole_sink = keeper()
    await feed(whole, MESSAGES)

    first, first_sink = keeper()
    await feed(first, MESSAGES[:3])  # the second tick's reading is held, not handled yet
    async with first.lock:
        saved = decode(encode(first.snapshot(), KEY), KEY)
    assert saved.positions  # where its input stood
    second, second_sink = keeper()
    second.restore(saved)
    await feed(second, MESSAGES[3:])

    assert len(events(whole_sink)) == 7  # every reading handled: the comparison means something
    assert events(first_sink) + events(second_sink) == events(whole_sink)
    assert second.state.counts == whole.state.counts
    assert first.state.ticks + second.state.ticks == whole.state.ticks == [0, 1, 2, 3]


async def test_a_service_that_lost_its_state_would_publish_otherwise() -> None:
    """The control: the test above would catch a restore that lost the state."""
    whole, whole_sink = keeper()
    await feed(whole, MESSAGES)
    first, first_sink = keeper()
    await feed(first, MESSAGES[:3])
    amnesiac, amnesiac_sink = keeper()
    await feed(amnesiac, MESSAGES[3:])
    assert events(first_sink) + events(amnesiac_sink) != events(whole_sink)


async def test_what_was_published_after_the_snapshot_is_not_sent_again() -> None:
    crashed, crashed_sink = keeper()
    await feed(crashed, MESSAGES[:4])
    async with crashed.lock:
        saved = decode(encode(crashed.snapshot(), KEY), KEY)
    await feed(crashed, MESSAGES[4:8])  # published, then killed before its next snapshot
    after = Counter(
        StationObservation.model_validate_json(v).event_id for v in events(crashed_sink)[2:]
    )
    assert after

    restarted, restarted_sink = keeper()
    restarted.restore(saved)
    restarted.already_published = Counter(after)  # what a restart reads back from its outputs
    skipped = metrics.RESENDS_SKIPPED.labels("keep", OUT)
    before = skipped._value.get()
    await feed(restarted, MESSAGES[4:])  # the input since the snapshot, read again, and more
    fresh = [StationObservation.model_validate_json(v).event_id for v in events(restarted_sink)]
    assert not set(fresh) & set(after)
    assert skipped._value.get() == before + after.total()
    whole, _ = keeper()
    await feed(whole, MESSAGES)
    assert restarted.state.counts == whole.state.counts


async def test_a_failed_event_is_dead_lettered_alone_and_decided_once_when_put_back() -> None:
    runtime, sink = keeper()
    runtime.state.refuse = {"58715"}
    await feed(runtime, MESSAGES[:4])
    dead = [(v, h) for t, _, v, _, h in sink.sent if t == WEATHER_OBSERVATIONS.dlq]
    assert [StationObservation.model_validate_json(v).station_id for v, _ in dead] == ["58715"]
    assert dict(dead[0][1])["dlq.reason"] == b"handler_error"
    assert runtime.state.counts == Counter({"58606": 1})

    runtime.state.refuse = set()  # the fix
    value, headers = dead[0]
    topic, back = put_back(headers, IN)
    assert topic == IN
    handled = len(events(sink))
    # Put back twice (a replay run again): handled at once though its tick is over, and once.
    await feed(runtime, [value, value], headers=back)
    assert runtime.state.counts == Counter({"58606": 1, "58715": 1})
    assert len(events(sink)) == handled + 1


def _tp(topic: str, partition: int):  # type: ignore[no-untyped-def]
    from faust.types import TP

    return TP(topic, partition)
