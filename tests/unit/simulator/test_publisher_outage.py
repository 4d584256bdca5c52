"""The clock waits out a broker that does not take a tick, and stops with one clear error when it
stays away past its limit (the producer is a fake that refuses as a broker that is away does)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError, OutOfOrderSequenceNumber

from services.simulator import publisher
from services.simulator.domain.engine import TickBatch
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import WEATHER_OBSERVATIONS, StationObservation

T0 = datetime(2020, 7, 8, tzinfo=UTC)


class AwayThenBack:
    """A producer whose sends fail for the first ``failures`` flushes, then succeed."""

    def __init__(self, failures: int, error: type[Exception] = KafkaConnectionError) -> None:
        self.failures = failures
        self.error = error
        self.sent: list[tuple[str, bytes]] = []
        self.attempts = 0
        self.stopped = False

    async def send(self, topic: str, value: bytes, **_: Any) -> asyncio.Future[None]:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self.attempts < self.failures:
            done.set_exception(self.error("broker away"))
        else:
            self.sent.append((topic, value))
            done.set_result(None)
        return done

    async def flush(self) -> None:
        self.attempts += 1

    async def stop(self) -> None:
        self.stopped = True


def sender(producer: AwayThenBack, *fresh: AwayThenBack) -> publisher._Sender:
    """The clock's sender over a fake producer; ``fresh`` are the producers a renewal gets."""
    spare = list(fresh)

    async def make() -> Any:
        return spare.pop(0)

    return publisher._Sender(producer, make)  # type: ignore[arg-type]


def tick() -> tuple[TickBatch, TickAdvanced]:
    reading = StationObservation(occurred_at=T0, source="t", region="360100", station_id="58606")
    marker = TickAdvanced(
        occurred_at=T0 + timedelta(hours=1), source="simulator", region="360000", run_id="r",
        scenario="s", seed=1, tick=0, total_ticks=1, tick_start=T0,
    )  # fmt: skip
    return TickBatch(tick=0, events=[(WEATHER_OBSERVATIONS, reading)]), marker


async def test_a_tick_the_broker_refused_is_sent_again_until_it_is_taken() -> None:
    producer = AwayThenBack(failures=3)
    batch, marker = tick()
    await publisher._send_tick(
        sender(producer), batch, marker, {WEATHER_OBSERVATIONS.name: [0, 1]}, 120,
        first_delay_s=0.001,
    )  # fmt: skip
    assert producer.attempts == 4
    # Sent whole once it was taken: the reading, a marker per partition, and the tick event.
    assert [t for t, _ in producer.sent].count(WEATHER_OBSERVATIONS.name) == 3


async def test_a_broker_away_past_the_limit_stops_the_run_with_one_clear_error() -> None:
    producer = AwayThenBack(failures=10**6)
    batch, marker = tick()
    with pytest.raises(publisher.BrokerLostError, match="did not take tick 0"):
        await publisher._send_tick(sender(producer), batch, marker, {}, 0.01)


class Hangs(AwayThenBack):
    """A producer that takes the sends but never gets them acknowledged (the client retrying)."""

    async def flush(self) -> None:
        await asyncio.Event().wait()


async def test_a_send_the_client_retries_for_ever_is_given_up_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(publisher, "ATTEMPT_S", 0.05)
    batch, marker = tick()
    with pytest.raises(publisher.BrokerLostError, match="did not take tick 0"):
        await publisher._send_tick(
            sender(Hangs(failures=0)), batch, marker, {}, 0.3, first_delay_s=0.01
        )


async def test_a_producer_whose_session_broke_is_replaced_and_the_tick_sent_with_the_new_one() -> (
    None
):
    # A broker restarted under in-flight batches: the old producer's every send is out of
    # sequence from then on, however often it is retried.
    broken = AwayThenBack(failures=10**6, error=OutOfOrderSequenceNumber)
    fresh = AwayThenBack(failures=0)
    batch, marker = tick()
    clock = sender(broken, fresh)
    await publisher._send_tick(clock, batch, marker, {}, 120, first_delay_s=0.001)
    assert broken.stopped and broken.sent == []
    assert clock.producer is fresh
    assert [t for t, _ in fresh.sent].count(WEATHER_OBSERVATIONS.name) == 1


async def test_a_broker_merely_away_keeps_its_producer() -> None:
    producer = AwayThenBack(failures=2)
    batch, marker = tick()
    clock = sender(producer)  # no spare: a renewal would fail the test
    await publisher._send_tick(clock, batch, marker, {}, 120, first_delay_s=0.001)
    assert clock.producer is producer and not producer.stopped
