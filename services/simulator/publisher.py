"""Publishes a simulation run to Kafka, tick by tick, paced by the simulated clock.

Sends are batched: every event of a tick is handed to the producer without awaiting its ack,
then the producer is flushed and the acks checked once per tick.

The tick event (``TickAdvanced``) closes each tick in-band: after the tick's data it is written
into every partition of every topic the simulator feeds, so a consumer knows it has all of a
tick once every partition it reads has passed that tick's marker (see ``shared.runtime``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError, OutOfOrderSequenceNumber

from services.simulator.domain.clock import ClockPolicy, Pace, Verdict, WatermarkTracker
from services.simulator.domain.engine import Simulation, TickBatch
from shared.contracts.envelope import Event
from shared.contracts.simulator import (
    SIMULATOR_TICKS,
    SIMULATOR_WATERMARKS,
    WatermarkReported,
)
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY
from shared.kafka import bootstrap_servers, ensure_topics, make_producer, partitions_of
from shared.retry import Patience

log = logging.getLogger(__name__)

#: How often the clock re-checks watermarks while it waits.
_POLL_S = 0.05

#: Ticks in a row in which no expected service (or one service) reported before the run stops.
MAX_SILENT_TICKS = 3

#: The topics the simulator feeds (every sector's observation topics), which therefore carry its
#: in-band tick markers. The clock's own topics are not among them.
MARKED_TOPICS: tuple[TopicSpec, ...] = tuple(spec for spec in REGISTRY.values() if spec.marked)


@dataclass(frozen=True)
class TickWait:
    """How long the clock waited for the watermarks of one tick, and for whom."""

    tick: int
    seconds: float
    #: The services still missing just before the tick advanced (or timed out).
    waited_for: tuple[str, ...]
    #: How long each service that was not there at once took (``None``: it never came).
    by_service: dict[str, float | None] = field(default_factory=dict)


@dataclass
class PublishStats:
    """What a run published, and how the clock waited for the services."""

    run_id: str = ""
    events: int = 0
    by_topic: Counter[str] = field(default_factory=Counter)
    ticks: int = 0
    #: Ticks some service did not report within the timeout, with those services.
    late: list[TickWait] = field(default_factory=list)
    #: The tick the clock waited longest for (lockstep only).
    longest_wait: TickWait | None = None
    #: Per service, the longest it kept the clock waiting (seconds) and the tick.
    slowest: dict[str, tuple[float, int]] = field(default_factory=dict)
    wall_s: float = 0.0

    @property
    def late_ticks(self) -> int:
        """How many ticks advanced without every expected watermark."""
        return len(self.late)


class _WatermarkListener:
    """Reads ``WatermarkReported`` events into a tracker in the background.

    It starts at the watermark topic's current end, resolved before the run's first tick is
    published: nothing earlier can belong to this run, and the tracker ignores other runs' ids.
    """

    def __init__(self, tracker: WatermarkTracker, servers: str) -> None:
        self.tracker = tracker
        self.servers = servers
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=servers, group_id=None, enable_auto_commit=False
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.consumer.start()
        parts = await partitions_of([SIMULATOR_WATERMARKS.name], servers=self.servers)
        self.consumer.assign(parts)
        # Explicit offsets, not seek_to_end: that one is resolved lazily and could land after
        # a watermark this run's services have already written.
        for tp, end in (await self.consumer.end_offsets(parts)).items():
            self.consumer.seek(tp, end)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            try:
                batches = await self.consumer.getmany(timeout_ms=100)
            except KafkaError as exc:  # the broker is away: the consumer reconnects by itself
                log.warning("watermarks: %s; reading on", exc)
                await asyncio.sleep(1.0)
                continue
            for records in batches.values():
                for rec in records:
                    try:
                        wm = WatermarkReported.model_validate_json(rec.value or b"")
                    except ValueError:
                        log.warning("ignoring an undecodable watermark at offset %s", rec.offset)
                        continue
                    self.tracker.record(wm.run_id, wm.service, wm.tick)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.consumer.stop()


async def publish_run(
    sim: Simulation,
    policy: ClockPolicy,
    *,
    servers: str | None = None,
    on_tick: Callable[[TickBatch, PublishStats], None] | None = None,
) -> PublishStats:
    """Publish every tick of ``sim`` with the clock ``policy``; return what was sent."""
    servers = servers or bootstrap_servers()
    await ensure_topics(servers=servers)
    sender = _Sender(await make_producer(servers=servers), partial(make_producer, servers=servers))
    tracker = WatermarkTracker(sim.run_id, policy.expected_services)
    listener = _WatermarkListener(tracker, servers) if policy.pace == Pace.LOCKSTEP else None
    if listener is not None:
        await listener.start()
    stats = PublishStats(run_id=sim.run_id)
    partitions = {
        spec.name: sorted(await sender.producer.partitions_for(spec.name)) for spec in MARKED_TOPICS
    }
    started = time.monotonic()
    late: tuple[str, ...] = ()
    silent = 0
    #: Per service, the ticks in a row it has been late for.
    absent: Counter[str] = Counter()
    log.info(
        "run %s: %d ticks of %s, seed %d",
        sim.run_id,
        sim.scenario.ticks,
        sim.scenario.name,
        sim.seed,
    )
    try:
        for batch in sim.batches():
            tick_began = time.monotonic()
            tick_ev = sim.tick_event_for(batch, late)
            await _send_tick(sender, batch, tick_ev, partitions, policy.broker_wait_s)
            for spec, _ in batch.events:
                stats.by_topic[spec.name] += 1
            stats.by_topic[SIMULATOR_TICKS.name] += 1
            stats.events += len(batch.events) + 1  # the data and the tick event, not markers
            stats.ticks += 1
            wait = await _pace(policy, tracker, batch.tick, tick_began)
            late = ()
            if wait is not None:
                if stats.longest_wait is None or wait.seconds > stats.longest_wait.seconds:
                    stats.longest_wait = wait
                for service, took in wait.by_service.items():
                    took = wait.seconds if took is None else took
                    if took > stats.slowest.get(service, (0.0, 0))[0]:
                        stats.slowest[service] = (took, wait.tick)
                if tracker.missing(batch.tick):
                    late = wait.waited_for
                    stats.late.append(wait)
            silent = silent + 1 if late and set(late) == set(policy.expected_services) else 0
            if silent >= MAX_SILENT_TICKS:
                raise RuntimeError(
                    f"no service reported a watermark for {silent} ticks in a row "
                    f"({', '.join(sorted(policy.expected_services))}); are they running and "
                    "connected to the same Kafka? (dexsim status)"
                )
            absent = Counter({s: absent[s] + 1 for s in late})
            gone = sorted(s for s, n in absent.items() if n >= MAX_SILENT_TICKS)
            if gone:
                raise RuntimeError(
                    f"{', '.join(gone)} reported no watermark for {MAX_SILENT_TICKS} ticks in a "
                    f"row ({policy.watermark_timeout_s:.0f} s each); the run stops: is it running "
                    "and connected to this Kafka? (dexsim status, and its log)"
                )
            if on_tick is not None:
                on_tick(batch, stats)
    finally:
        stats.wall_s = time.monotonic() - started
        if listener is not None:
            await listener.stop()
        await sender.producer.stop()
    return stats


#: The longest one attempt to send a tick may take before it is sent again.
ATTEMPT_S = 20.0


class BrokerLostError(RuntimeError):
    """The broker did not take a tick for longer than the clock's ``broker_wait_s``."""


class _Sender:
    """The clock's producer, replaced by a new one when its idempotent session breaks.

    A broker restarted while a tick's batches are in flight can leave the producer's sequence
    numbers ahead of what the broker kept: every later send then fails with
    ``OutOfOrderSequenceNumber``, however often it is retried. A new producer (a new producer
    id) sends the tick again; readers drop by event id what they had already received.
    """

    def __init__(
        self, producer: AIOKafkaProducer, make: Callable[[], Awaitable[AIOKafkaProducer]]
    ) -> None:
        self.producer = producer
        self.make = make

    async def renew(self) -> None:
        old, self.producer = self.producer, await self.make()
        with contextlib.suppress(KafkaError, TimeoutError):
            await asyncio.wait_for(old.stop(), timeout=5.0)


async def _send_tick(
    sender: _Sender,
    batch: TickBatch,
    tick_ev: Event,
    partitions: dict[str, list[int]],
    wait_s: float,
    *,
    first_delay_s: float = 0.5,
) -> None:
    """Publish a tick's events, then its markers; wait out a broker that is away.

    When the broker does not acknowledge every send, the whole tick is sent again (with
    backoff, 0.5 s doubling to 5 s) until it does or ``wait_s`` has passed: the ids are the
    same, so a reader drops what it had already received. Past ``wait_s`` the run stops with
    :class:`BrokerLostError`.
    """
    patience = Patience(wait_s, first_s=first_delay_s)
    marker = tick_ev.to_bytes()

    async def attempt() -> None:
        producer = sender.producer
        futures = []
        for spec, event in batch.events:
            futures.append(await producer.send(spec.name, value=event.to_bytes(), key=event.key))
        # Same producer, same partition: each marker lands after the tick's data.
        for topic, parts in partitions.items():
            for partition in parts:
                futures.append(
                    await producer.send(topic, value=marker, key=tick_ev.key, partition=partition)
                )
        futures.append(await producer.send(SIMULATOR_TICKS.name, value=marker, key=tick_ev.key))
        await producer.flush()
        # Raise if any send of the tick failed: nothing is dropped silently.
        await asyncio.gather(*futures)

    while True:
        try:
            # The client retries a send to a broker that is away for as long as it likes: each
            # attempt gets at most ATTEMPT_S, then the tick is sent again.
            timeout = min(ATTEMPT_S, max(0.1, patience.remaining))
            await asyncio.wait_for(attempt(), timeout=timeout)
            if patience.said_anything:
                log.warning("tick %d: Kafka took it after %.0f s", batch.tick, patience.waited)
            return
        except (KafkaError, TimeoutError) as exc:
            if isinstance(exc, OutOfOrderSequenceNumber):
                log.warning(
                    "tick %d: the producer's session broke; sending with a new one", batch.tick
                )
                with contextlib.suppress(KafkaError, TimeoutError):
                    await sender.renew()
            if patience.exhausted:
                raise BrokerLostError(
                    f"Kafka did not take tick {batch.tick} for {patience.waited:.0f} s "
                    f"({type(exc).__name__}); the run stops (is the broker up? dexsim kafka status)"
                ) from None
            if patience.say():
                log.warning(
                    "tick %d: Kafka did not acknowledge it (%s); sending it again for up to %.0f s",
                    batch.tick,
                    type(exc).__name__,
                    wait_s,
                )
            await asyncio.sleep(patience.next_delay())


async def _pace(
    policy: ClockPolicy, tracker: WatermarkTracker, tick: int, tick_began: float
) -> TickWait | None:
    """Wait as the policy says; in lockstep, return how long ``tick``'s watermarks took.

    The tick is late when the tracker still misses a service afterwards (it timed out).
    """
    if policy.pace != Pace.LOCKSTEP:
        remaining = policy.wall_seconds_per_tick() - (time.monotonic() - tick_began)
        if remaining > 0:
            await asyncio.sleep(remaining)
        return None
    waited_from = time.monotonic()
    last_missing: tuple[str, ...] = ()
    took: dict[str, float | None] = {}
    while True:
        waited = time.monotonic() - waited_from
        verdict = tracker.decide(tick, waited, policy.watermark_timeout_s)
        missing = tuple(sorted(tracker.missing(tick)))
        for service in last_missing:
            if service not in missing:
                took[service] = waited
        if verdict == Verdict.ADVANCE:
            remaining = policy.wall_seconds_per_tick() - (time.monotonic() - tick_began)
            if remaining > 0:  # a paced lockstep run (a watched demo)
                await asyncio.sleep(remaining)
            return TickWait(tick, waited, last_missing, took)
        if not took and not last_missing:
            took = dict.fromkeys(missing)  # the services the clock has to wait for
        last_missing = missing
        if verdict == Verdict.TIMED_OUT:
            log.warning(
                "tick %d: no watermark from %s after %.1fs; advancing and reporting it",
                tick,
                ", ".join(missing),
                policy.watermark_timeout_s,
            )
            return TickWait(tick, waited, missing, took)
        await asyncio.sleep(_POLL_S)
