"""Build one service process from its manifest: faust app + FastAPI app + metrics + health.

Every service is started the same way (``python -m dexsim.serve <name>``, which ``dexsim up``
runs): uvicorn serves a FastAPI app whose lifespan starts and stops the faust app on the same
event loop (``faust.contrib.asgi``), with ``web_enabled=False`` so only FastAPI serves HTTP.

The error policy, one per stage:

* **decode** - bytes that are not a valid event of the topic go to the topic's ``.dlq`` with the
  original bytes and the reason in headers (``dex_dlq_total{reason=not_json|invalid|...}``);
* **handle** - a handler that raises dead-letters the event it was given, with the original
  bytes and the exception (``dex_dlq_total{reason="handler_error"}``); the stream goes on;
* **produce** - a send the broker does not acknowledge (after the producer's own retries) is
  counted (``dex_produce_failures_total``) and stops the process before the batch's offsets can
  be committed, so the supervisor's restart reads the batch again (at-least-once; outputs have
  deterministic ids, so downstream de-duplication absorbs what was sent twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import re
import sys
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import faust
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.structs import RecordMetadata
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from faust.app.base import BootStrategy
from faust.contrib.asgi import faust_app_running
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared import metrics
from shared.codec import (
    REPLAYED_HEADER,
    Codec,
    DecodeFailure,
    Deduper,
    dlq_headers,
    handler_failure,
)
from shared.contracts.envelope import Event, derived_id, utcnow
from shared.contracts.simulator import SIMULATOR_WATERMARKS, TickAdvanced, WatermarkReported
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY, SECTORS
from shared.kafka import (
    bootstrap_servers,
    ensure_state_topics,
    ensure_topics,
    make_producer,
    partitions_of,
)
from shared.retry import Patience
from shared.runtime.consumer import BatchConsumer
from shared.runtime.durable import (
    Snapshot,
    SnapshotError,
    StateStore,
    ends_of,
    freeze,
    published_since,
    resume_group,
    seal,
    state_key,
)
from shared.runtime.ingest import BrokerUnavailableError
from shared.runtime.manifest import Agent, Manifest
from shared.settings import ServiceSettings, SystemSettings

log = logging.getLogger(__name__)

S = TypeVar("S")

#: Largest HTTP request body accepted by any service.
MAX_BODY_BYTES = 2_000_000

#: Bytes that identify an in-band tick marker without parsing the message (the envelope's
#: ``event_type`` is always among the first fields of an event's JSON).
TICK_MARK = b'"event_type":"TickAdvanced"'
MARK_PEEK = 160
EVENT_TYPE_RE = re.compile(rb'"event_type":"([A-Za-z0-9_]+)"')

#: The exit code of a service that stopped because the broker did not acknowledge its output.
EXIT_PRODUCE_FAILED = 75

#: What the runtime publishes: an event and its topic.
Outbox = list[tuple[TopicSpec, Event]]


class Sink:
    """Where a service's outgoing messages go: the port stream tests replace with a recorder."""

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: list[tuple[str, bytes]] | None,
    ) -> Awaitable[RecordMetadata]:
        """Hand a message over without waiting for the ack; return the ack's awaitable."""
        raise NotImplementedError

    async def partitions(self, topic: str) -> int:
        """How many partitions ``topic`` has."""
        raise NotImplementedError


class ProducerSink(Sink):
    """The real sink: an aiokafka producer of the service's own, acks=all and idempotent.

    (faust's own producer is idempotent only inside its transactions, which dexsim does not
    use; faust consumes, this produces.)
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.producer: AIOKafkaProducer | None = None

    @property
    def started(self) -> bool:
        """True once :meth:`start` connected it."""
        return self.producer is not None

    async def start(self) -> None:
        """Connect the producer (in the service's lifespan, before it consumes)."""
        if self.producer is None:
            self.producer = await make_producer(
                request_timeout_ms=int(max(30.0, self.settings.send_timeout_s * 4) * 1000),
                # a batch's sends are queued at once and go out together anyway; the linger
                # only delays the lone watermark or decision at the end of a batch
                linger_ms=1,
            )

    async def stop(self) -> None:
        """Flush and close the producer."""
        if self.producer is not None:
            with contextlib.suppress(KafkaError):
                await self.producer.stop()
            self.producer = None

    def _ready(self) -> AIOKafkaProducer:
        if self.producer is None:
            raise ProduceFailedError("the service's producer is not started")
        return self.producer

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: list[tuple[str, bytes]] | None,
    ) -> Awaitable[RecordMetadata]:
        """Append to the producer's batch; the returned future resolves on the broker's ack."""
        sent: Awaitable[RecordMetadata] = await self._ready().send(
            topic,
            value,
            key=key,
            partition=partition,
            timestamp_ms=int(timestamp * 1000) if timestamp is not None else None,
            headers=headers,
        )
        return sent

    async def partitions(self, topic: str) -> int:
        """Ask the broker (through the producer's metadata) how many partitions ``topic`` has."""
        found = await self._ready().partitions_for(topic)
        return max(1, len(found or ()))


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a consumed message came from, and its bytes (to dead-letter it as it came).

    Plain data, unlike faust's message, so events held for their tick can be snapshotted.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass
class Received:
    """A decoded event with the message it came in (for dead-lettering it with its bytes)."""

    event: Event
    message: Origin


@dataclass
class _AgentState(Generic[S]):
    """Per-agent bookkeeping: its declaration, codecs, and the tick markers seen."""

    agent: Agent[S]
    topics: frozenset[str]
    outputs: dict[type[Event], TopicSpec]
    by_type: dict[bytes, Codec[Event]] = field(default_factory=dict)
    run_id: str | None = None
    seen: dict[tuple[str, int], int] = field(default_factory=dict)
    markers: dict[int, TickAdvanced] = field(default_factory=dict)
    last_done: int = -1
    held: list[Received] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The agent's name."""
        return self.agent.name

    def saved(self) -> tuple[Any, ...]:
        """The agent's bookkeeping, for a state snapshot."""
        return (self.run_id, self.seen, self.markers, self.last_done, self.held)

    def restore(self, saved: tuple[Any, ...]) -> None:
        """Take back what :meth:`saved` returned."""
        self.run_id, self.seen, self.markers, self.last_done, self.held = saved

    def codec_by_type(self, raw: bytes | None) -> Codec[Event] | None:
        """The codec for a message whose topic name is unknown, chosen by its ``event_type``.

        faust's ``test_context`` delivers the messages of a multi-topic agent under a synthetic
        topic name; a topic carrying several models would need the same.
        """
        found = EVENT_TYPE_RE.search(raw[:MARK_PEEK]) if raw else None
        return self.by_type.get(found.group(1)) if found else None

    def note_marker(self, topic: str, partition: int, raw: bytes) -> bool:
        """Record a marker; return True if it may complete a tick."""
        try:
            marker = TickAdvanced.model_validate_json(raw)
        except ValueError:
            log.warning("ignoring a malformed tick marker on %s[%d]", topic, partition)
            return False
        if marker.run_id != self.run_id:  # a new run starts counting ticks from 0 again
            self.run_id, self.seen, self.markers, self.last_done = marker.run_id, {}, {}, -1
            # Events held from before this run's start (another scenario's leftovers) are not
            # part of it.
            self.held = [r for r in self.held if r.event.occurred_at >= marker.tick_start]
        key = (topic, partition)
        if marker.tick > self.seen.get(key, -1):
            self.seen[key] = marker.tick
            self.markers[marker.tick] = marker
        return True

    def completed(self, assigned: Sequence[Any]) -> list[TickAdvanced]:
        """The ticks every assigned partition has passed since the last call, oldest first.

        Usually one; several when the agent reads markers of more than one tick in a batch (a
        restarted service catching up): each is then closed in turn, as if they had come one
        by one, so its tick work runs once per tick whatever the batches were.
        """
        if not assigned:
            return []
        done = min(self.seen.get((tp.topic, tp.partition), -1) for tp in assigned)
        if done <= self.last_done:
            return []
        ticks = [self.markers[t] for t in range(self.last_done + 1, done + 1) if t in self.markers]
        self.last_done = done
        for t in [t for t in self.markers if t <= done]:
            del self.markers[t]
        return ticks


T = TypeVar("T")


def due_in_order(
    held: Sequence[T],
    until: datetime,
    event_of: Callable[[T], Event],
    ready_at: Callable[[T], datetime] | None = None,
) -> tuple[list[T], list[T]]:
    """Split held items into those due by ``until`` (in the order they are handled) and the rest.

    An item is due when its event occurred by the tick's end (``ready_at`` may put it later: the
    in-process bus's cross-sector latency). Within a tick, partitions interleave differently on
    every run; the fixed order (time, event type, id) makes the same scenario and seed give the
    same decisions. The Kafka runtime and the in-process bus (``shared.runtime.bus``) both order
    a tick's events with this one function.
    """
    when = ready_at or (lambda item: event_of(item).occurred_at)
    due = [item for item in held if when(item) <= until]
    rest = [item for item in held if when(item) > until]

    def order(item: T) -> tuple[datetime, str, str]:
        event = event_of(item)
        return (event.occurred_at, event.event_type, str(event.event_id))

    due.sort(key=order)
    return due, rest


def route(agent: str, outputs: dict[type[Event], TopicSpec], events: Iterable[Event]) -> Outbox:
    """Each output event with the agent's output topic of its type."""
    out: Outbox = []
    for event in events:
        spec = outputs.get(type(event))
        if spec is None:
            raise TypeError(
                f"agent {agent} produced a {type(event).__name__}, which none of its "
                "output topics carries"
            )
        out.append((spec, event))
    return out


class ProduceFailedError(RuntimeError):
    """The broker did not acknowledge a service's output: the produce stage's failure."""


@dataclass
class ServiceRuntime(Generic[S]):
    """The running pieces of one service: its manifest, settings, state and faust app."""

    manifest: Manifest[S]
    settings: ServiceSettings
    faust_app: faust.App
    dedupe: Deduper
    #: The service's typed state (its models), built by the manifest's factory.
    state: S
    codecs: dict[str, Codec[Event]] = field(default_factory=dict)
    #: Where outgoing messages go: the producer; stream tests swap in a recorder.
    sink: Sink = field(init=False)
    _partition_counts: dict[str, int] = field(default_factory=dict)
    _agents: list[_AgentState[S]] = field(default_factory=list)
    _reported: dict[str, int] = field(default_factory=dict)
    #: Called when the broker refused the service's output (the process stops by default).
    on_produce_failure: Callable[[BaseException], None] = field(init=False)
    #: Held by a batch from its first message to its outputs' acks, and by a snapshot: a
    #: snapshot is taken between batches, never in the middle of one.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Per input partition, the offset of the first message not yet applied to the state.
    positions: dict[tuple[str, int], int] = field(default_factory=dict)
    #: Per output partition, the end of what the service published (acknowledged).
    published: dict[tuple[str, int], int] = field(default_factory=dict)
    #: Events published before a restart that the restarted service made again: not resent.
    already_published: Tally[UUID] = field(default_factory=Tally)
    #: Where snapshots go (None: the state is not durable, e.g. in stream tests).
    store: StateStore | None = None
    #: The batch data path's consumer (None on the faust path and in stream tests).
    batch: BatchConsumer | None = None
    _changed: bool = False
    _seq: int = 0

    def __post_init__(self) -> None:
        self.sink = ProducerSink(self.settings)
        self.on_produce_failure = _stop_process

    @property
    def name(self) -> str:
        """The service name (also its metrics label and consumer group suffix)."""
        return self.manifest.name

    @property
    def sector(self) -> str | None:
        """The plan's sector the service decides for, if any."""
        return self.manifest.sector.name if self.manifest.sector else None

    def declare(self, agent: Agent[S]) -> None:
        """Subscribe an agent: decode -> dedupe -> handler by type -> publish, in batches."""
        specs = agent.topics(fusion=self.settings.fusion)
        for s in specs:
            self.codecs[s.name] = Codec.for_topic(s)
        topic = self.faust_app.topic(
            *(s.name for s in specs),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )
        state = _AgentState(
            agent=agent,
            topics=frozenset(s.name for s in specs),
            outputs={t.model: t for t in agent.outputs},
            by_type={s.model.EVENT_TYPE.encode(): Codec.for_topic(s) for s in specs},
        )
        self._agents.append(state)
        runtime = self

        async def consume(stream: faust.StreamT[bytes]) -> None:
            # take_events (faust-streaming >= 0.10) is missing from faust's type stubs
            async for batch in stream.take_events(  # type: ignore[attr-defined]
                runtime.settings.batch_size, within=runtime.settings.batch_timeout_s
            ):
                await runtime.process([event.message for event in batch], state)

        consume.__name__ = agent.name
        self.faust_app.agent(topic, name=f"{self.name}.{agent.name}", concurrency=1)(consume)

    @property
    def agents(self) -> list[_AgentState[S]]:
        """The service's subscribed agents, in declaration order."""
        return self._agents

    def assignment(self) -> set[Any]:
        """The input partitions this process holds now (``topic``/``partition`` pairs)."""
        if self.batch is not None:
            return self.batch.assignment()
        return set(self.faust_app.consumer.assignment())

    async def process(self, messages: Sequence[Any], agent: _AgentState[S]) -> None:
        """Handle one batch of an agent's messages (anything with topic, partition, offset,
        key, value and headers: aiokafka's records or faust's messages), holding the lock."""
        try:
            async with self.lock:
                await self._process_batch(messages, agent)
        except ProduceFailedError as exc:
            self.on_produce_failure(exc)
            raise

    async def _process_batch(self, batch: Sequence[Any], agent: _AgentState[S]) -> None:
        started = time.perf_counter()
        received: list[Received] = []
        consumed: Tally[str] = Tally()
        dupes: Tally[str] = Tally()
        pending: list[Awaitable[RecordMetadata]] = []
        marker_seen = False
        replayed: list[Received] = []
        self._changed = True
        for msg in batch:
            raw = msg.value
            self.positions[(msg.topic, msg.partition)] = msg.offset + 1
            if raw is not None and TICK_MARK in raw[:MARK_PEEK]:
                marker_seen |= agent.note_marker(msg.topic, msg.partition, raw)
                continue
            codec = self.codecs.get(msg.topic) or agent.codec_by_type(raw)
            result = (
                codec.decode(raw)
                if codec is not None
                else DecodeFailure("wrong_type", f"no codec for topic {msg.topic!r}")
            )
            if isinstance(result, DecodeFailure):
                pending.append(await self._dead_letter(msg, result))
                continue
            if not self.dedupe.first_time(result.event_id):
                dupes[msg.topic] += 1
                continue
            consumed[msg.topic] += 1
            got = Received(result, Origin(msg.topic, msg.partition, msg.offset, msg.key, raw))
            (replayed if _replayed(msg) else received).append(got)
        for t, n in consumed.items():
            metrics.EVENTS_CONSUMED.labels(self.name, t).inc(n)
        for t, n in dupes.items():
            metrics.DUPLICATES.labels(self.name, t).inc(n)
        if self.settings.tick_sync and agent.agent.lockstep:
            # Held until their tick completes, then handled in a deterministic order.
            agent.held.extend(received)
        elif received:
            pending.extend(await self._handle(agent, received))
        if replayed:
            # Put back from a dead-letter topic after a fix: its tick has passed (and the run
            # may be over), so it is handled as it comes.
            pending.extend(await self._handle(agent, replayed))
        await self._acked(pending)
        if marker_seen:
            await self._advance_ticks(agent)
        if batch:
            metrics.PROCESSING_SECONDS.labels(self.name).observe(
                (time.perf_counter() - started) / len(batch)
            )

    async def _acked(self, pending: Sequence[Awaitable[Any]]) -> None:
        """Wait for the broker's acks of a batch's sends: the produce stage."""
        if not pending:
            return
        try:
            acks = await asyncio.gather(*pending)
        except (KafkaError, TimeoutError) as exc:
            metrics.PRODUCE_FAILURES.labels(self.name).inc()
            log.error("the broker did not acknowledge %s's output: %s", self.name, exc)
            raise ProduceFailedError(str(exc)) from exc
        for ack in acks:
            if isinstance(ack, RecordMetadata):
                key = (ack.topic, ack.partition)
                self.published[key] = max(self.published.get(key, 0), ack.offset + 1)

    async def _advance_ticks(self, agent: _AgentState[S]) -> None:
        """Forward the tick marker and report the watermark once every input partition passed it."""
        assigned = [tp for tp in self.assignment() if tp.topic in agent.topics]
        for marker in agent.completed(assigned):
            if agent.held:
                due, agent.held = due_in_order(agent.held, marker.occurred_at, lambda r: r.event)
                if due:
                    await self._acked(await self._handle(agent, due))
            if agent.agent.forward_markers or agent.agent.on_tick is not None:
                await self._close_tick(agent, marker)
            await self._report_watermark(marker)

    async def _close_tick(self, agent: _AgentState[S], marker: TickAdvanced) -> None:
        """Run the agent's tick work, then forward the marker into every output partition."""
        out: Outbox = []
        on_tick = agent.agent.on_tick
        if on_tick is not None:
            out = self._route(agent, on_tick(self.state, marker))
        await self._acked(await self._send_all(out))
        if not agent.agent.forward_markers:
            return
        forwarded = marker.model_copy(
            update={
                "source": self.name,
                # From the marker's own id (the world's, not the run's; see the simulator's
                # clock), so what downstream handlers derive from it is the same on every run.
                "event_id": derived_id("tick", self.name, marker.event_id),
            }
        )
        raw = forwarded.to_bytes()
        futures = []
        for spec in agent.agent.outputs:
            for partition in range(await self._partitions(spec.name)):
                futures.append(
                    await self.sink.send(spec.name, marker.key, raw, partition, None, None)
                )
        await self._acked(futures)

    async def _report_watermark(self, marker: TickAdvanced) -> None:
        """Tell the clock the service finished a tick: once *every* agent of it has.

        A service's side agents (e.g. one reading another sector's replies to this tick) count
        too, so the clock does not start the next tick before their input has been applied.
        """
        done = min(
            marker.tick,
            *(
                a.last_done if a.run_id == marker.run_id else -1
                for a in self._agents
                if a.agent.lockstep
            ),
        )
        if done < 0 or self._reported.get(marker.run_id, -1) >= done:
            return
        # only the current run's is read: the others' would grow by one a run
        self._reported = {marker.run_id: done}
        mark = WatermarkReported(
            event_id=derived_id("watermark", self.name, marker.run_id, done),
            occurred_at=marker.occurred_at,
            source=self.name,
            region=marker.region,
            run_id=marker.run_id,
            service=self.name,
            tick=done,
            correlation_id=marker.correlation_id,
        )
        await self._acked(
            [
                await self.sink.send(
                    SIMULATOR_WATERMARKS.name, mark.key, mark.to_bytes(), None, None, None
                )
            ]
        )

    async def _handle(
        self, agent: _AgentState[S], received: Sequence[Received]
    ) -> list[Awaitable[Any]]:
        """Hand each event to the handler of its type; dead-letter the ones whose handler fails."""
        handlers = agent.agent.handlers
        out: Outbox = []
        failed: list[Awaitable[RecordMetadata]] = []
        cross: Tally[str] = Tally()
        for item in received:
            handler = handlers.get(type(item.event))
            if handler is None:
                continue
            try:
                produced = self._route(agent, handler(self.state, item.event))
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                event = item.event
                log.exception(
                    "handler %s failed on %s %s", agent.name, event.event_type, event.event_id
                )
                failed.append(await self._dead_letter(item.message, handler_failure(exc)))
                # not handled: when the event is replayed from the DLQ it is new again
                self.dedupe.forget(event.event_id)
                continue
            out.extend(produced)
            # Metered circulation: a sector's service using another sector's data (the referee
            # and the dashboard are no sector: what they read is not a cross-sector flow).
            source = REGISTRY[item.message.topic].sector if item.message.topic in REGISTRY else ""
            if self.sector is not None and source in SECTORS and source != self.sector:
                cross[source] += 1
        after = agent.agent.after_batch
        if after is not None and received:
            try:
                out.extend(self._route(agent, after(self.state)))
            except asyncio.CancelledError:
                raise
            except Exception:
                # Not one event's fault: nothing to dead-letter; the batch's events stay handled.
                log.exception("%s: the work after a batch failed", agent.name)
        for source, n in cross.items():
            metrics.CROSS_SECTOR.labels(source, self.sector).inc(n)
        produced_at = {r.event.event_id: r.event.produced_at for r in received}
        return [*failed, *await self._send_all(out, produced_at)]

    def _route(self, agent: _AgentState[S], events: Iterable[Event]) -> Outbox:
        return route(agent.name, agent.outputs, events)

    async def _partitions(self, topic: str) -> int:
        count = self._partition_counts.get(topic)
        if count is None:
            count = self._partition_counts[topic] = await self.sink.partitions(topic)
        return count

    async def _dead_letter(self, msg: Any, failure: DecodeFailure) -> Awaitable[RecordMetadata]:
        spec = REGISTRY.get(msg.topic)
        dlq = spec.dlq if spec else msg.topic + ".dlq"
        log.warning(
            "dead-lettering %s[%d]@%d (%s): %s (%s)",
            msg.topic,
            msg.partition,
            msg.offset,
            failure.stage,
            failure.reason,
            failure.detail,
        )
        metrics.DLQ.labels(self.name, msg.topic, failure.reason).inc()
        headers = dlq_headers(
            failure=failure,
            service=self.name,
            topic=msg.topic,
            partition=msg.partition,
            offset=msg.offset,
        )
        return await self.sink.send(dlq, msg.key, msg.value, None, None, headers)

    async def _send_all(
        self,
        out: Iterable[tuple[TopicSpec, Event]],
        produced_at: dict[UUID, datetime] | None = None,
    ) -> list[Awaitable[Any]]:
        """Hand every event to the producer without waiting for acks; return the ack futures."""
        futures: list[Awaitable[Any]] = []
        published: Tally[str] = Tally()
        producer = self.sink
        now = utcnow()
        for spec, event in out:
            if self.already_published and self.already_published[event.event_id] > 0:
                # published before a restart, made again while its input is handled again
                self.already_published[event.event_id] -= 1
                if not self.already_published[event.event_id]:
                    del self.already_published[event.event_id]
                metrics.RESENDS_SKIPPED.labels(self.name, spec.name).inc()
                # It was published (by the process before the restart, whose count was lost).
                published[spec.name] += 1
                continue
            futures.append(
                await producer.send(spec.name, event.key, event.to_bytes(), None, None, None)
            )
            published[spec.name] += 1
            # latency of this hop: from the wall time its input was produced to now
            caused_at = (
                produced_at.get(event.causation_id) if produced_at and event.causation_id else None
            )
            if caused_at is not None:
                metrics.END_TO_END_LATENCY.labels(self.name).observe(
                    (now - caused_at).total_seconds()
                )
        for t, n in published.items():
            metrics.EVENTS_PUBLISHED.labels(self.name, t).inc(n)
        return futures

    async def publish(self, items: Iterable[tuple[TopicSpec, Event]]) -> None:
        """Publish events and wait until the broker acknowledged all of them (acks=all).

        Raises ``BrokerUnavailableError`` when the broker does not answer within ``send_timeout_s``
        or refuses the events.
        """
        try:
            futures = await asyncio.wait_for(
                self._send_all(items), timeout=self.settings.send_timeout_s
            )
            await asyncio.wait_for(asyncio.gather(*futures), timeout=self.settings.send_timeout_s)
        except TimeoutError as exc:
            raise BrokerUnavailableError(
                f"Kafka did not acknowledge within {self.settings.send_timeout_s}s"
            ) from exc
        except KafkaError as exc:
            raise BrokerUnavailableError(f"Kafka send failed: {exc}") from exc

    def snapshot(self) -> Snapshot:
        """The service's state now, with its input positions (call it holding ``lock``)."""
        self._seq += 1
        return Snapshot(
            service=self.name,
            seq=self._seq,
            positions=dict(self.positions),
            published=dict(self.published),
            body={
                "state": self.manifest.persisted.take(self.state),
                "agents": {a.name: a.saved() for a in self._agents},
                "reported": dict(self._reported),
                "dedupe": self.dedupe.export(),
                "counters": metrics.counter_values(),
            },
        )

    def restore(self, snapshot: Snapshot) -> None:
        """Resume from a snapshot (before the service consumes anything)."""
        body = snapshot.body
        self.state = self.manifest.persisted.put(self.state, body["state"])
        agents = body["agents"]
        for agent in self._agents:
            if agent.name in agents:
                agent.restore(agents[agent.name])
        self._reported = dict(body["reported"])
        self.dedupe.load(body["dedupe"])
        metrics.restore_counters(body["counters"])
        self.positions = dict(snapshot.positions)
        self.published = dict(snapshot.published)
        self._seq = snapshot.seq

    async def save_snapshot(self, *, force: bool = False) -> int | None:
        """Snapshot the state if it changed since the last one; return the record's size.

        The state is pickled holding the lock (between two batches); the write waits for the
        broker's ack outside it, so the stream goes on meanwhile. A write that fails is logged
        and tried again at the next interval: until then a restart resumes from the older one.
        """
        if self.store is None or not (self._changed or force):
            return None
        async with self.lock:
            pickled = freeze(self.snapshot())
            self._changed = False
        try:
            data = await asyncio.to_thread(seal, pickled, self.name, self.store.key)
        except SnapshotError as exc:  # too large: the stream goes on, undurable, and says so
            log.error("%s: state not snapshotted: %s", self.name, exc)
            return None
        try:
            return await self.store.save(data)
        except (KafkaError, TimeoutError) as exc:
            self._changed = True
            log.warning("could not write %s's state snapshot (tried again): %s", self.name, exc)
            return None

    async def snapshot_loop(self) -> None:
        """Snapshot every ``snapshot_interval_s`` while the state changes."""
        while True:
            await asyncio.sleep(self.settings.snapshot_interval_s)
            await self.save_snapshot()

    async def ticks(self) -> dict[str, Any]:
        """Where every agent stands in the current run: per input partition, the last tick marker
        seen, the consumer's position and the partition's end (why a watermark is not sent)."""
        consumer: Any = self.batch.consumer if self.batch is not None else self.faust_app.consumer
        assigned = list(self.assignment())
        error = ""
        try:
            if not assigned:
                ends = {}
            elif self.batch is not None:
                ends = await consumer.end_offsets(assigned)
            else:
                ends = await consumer.highwaters(*assigned)
        except KafkaError as exc:  # the consumer may be rebalancing
            ends, error = {}, str(exc)
        agents = []
        for agent in self._agents:
            parts = []
            for tp in sorted((tp for tp in assigned if tp.topic in agent.topics), key=str):
                parts.append(
                    {
                        "topic": tp.topic,
                        "partition": tp.partition,
                        "marker": agent.seen.get((tp.topic, tp.partition), -1),
                        "position": await _position(consumer, tp),
                        "end": ends.get(tp),
                    }
                )
            agents.append(
                {
                    "agent": agent.name,
                    "run_id": agent.run_id,
                    "last_done": agent.last_done,
                    "held": len(agent.held),
                    "partitions": parts,
                }
            )
        return {"service": self.name, "reported": self._reported, "agents": agents, "error": error}

    def ready(self) -> tuple[bool, str]:
        """Ready = producer started and, when the service consumes, partitions assigned."""
        try:
            if isinstance(self.sink, ProducerSink) and not self.sink.started:
                return False, "producer not started"
            if self.batch is not None and self.batch.failed is not None:
                return False, f"the consumer stopped: {self.batch.failed!r}"
            if self.codecs and not self.assignment():
                return False, "no partitions assigned yet"
        except AttributeError as exc:  # the app has not built its consumer yet
            return False, f"not started: {exc}"
        return True, "ok"


class BrokerUnreachableError(RuntimeError):
    """The broker did not answer within the service's ``broker_wait_s``."""


async def wait_for_broker(service: str, wait_s: float) -> None:
    """Create the registered topics, waiting out a broker that does not answer yet.

    Tries again with backoff (0.5 s doubling to 10 s), saying so at most once per 10 s, and
    gives up with one clear line after ``wait_s``.
    """
    patience = Patience(wait_s, most_s=10.0)
    while True:
        try:
            await ensure_topics()
            await ensure_state_topics([SystemSettings().group_id(service)])
            if patience.said_anything:
                log.info("the broker answers after %.0f s", patience.waited)
            return
        except (KafkaError, OSError, TimeoutError) as exc:
            if patience.exhausted:
                raise BrokerUnreachableError(
                    f"{service}: Kafka at {bootstrap_servers()} did not answer for "
                    f"{patience.waited:.0f} s ({type(exc).__name__}); start it (dexsim kafka up) "
                    "and this service again"
                ) from None
            if patience.say():
                log.warning(
                    "waiting for Kafka at %s (%s); giving up after %.0f s",
                    bootstrap_servers(),
                    type(exc).__name__,
                    wait_s,
                )
            await asyncio.sleep(patience.next_delay())


async def resume(runtime: ServiceRuntime[Any]) -> None:
    """Restore the last snapshot and start the consumer group where it was taken.

    A snapshot that cannot be used (another state key, code that changed its classes) is
    reported and the service starts empty from its group's offsets, as after a new run.
    """
    name = runtime.name
    servers = bootstrap_servers()
    runtime.store = StateStore(name, servers, state_key())
    snapshot = None
    try:
        snapshot = await runtime.store.load()
    except SnapshotError as exc:
        log.error("%s: its last state snapshot is not used: %s; starting empty", name, exc)
    if snapshot is not None:
        runtime.restore(snapshot)
        log.info(
            "%s: restored state snapshot #%d taken %.1f s ago (%d input partitions)",
            name,
            snapshot.seq,
            time.time() - snapshot.taken_at,
            len(snapshot.positions),
        )
    if runtime.codecs:
        parts = await partitions_of(sorted(runtime.codecs), servers=servers)
        starts = await resume_group(
            servers=servers,
            group=SystemSettings().group_id(name),
            partitions=parts,
            positions=snapshot.positions if snapshot is not None else None,
            timeout_s=runtime.settings.session_timeout_s * 3 + 10,
        )
        runtime.positions = {**starts, **runtime.positions}
    outputs = sorted({spec.name for a in runtime.manifest.agents for spec in a.outputs})
    if outputs:
        ends = await ends_of(servers, outputs)
        if snapshot is not None:
            # What it published after the snapshot: made again by the replay, not sent again.
            since = {tp: snapshot.published.get(tp, end) for tp, end in ends.items()}
            since = {tp: offset for tp, offset in since.items() if offset < ends[tp]}
            runtime.already_published = await published_since(servers, since)
            if runtime.already_published:
                log.info(
                    "%s: %d events it published after its snapshot will not be sent again",
                    name,
                    runtime.already_published.total(),
                )
        runtime.published = ends
    # A first snapshot at once: a crash before the first interval then resumes here, not from
    # offsets faust may have committed past what the state holds.
    if snapshot is None:
        await runtime.save_snapshot(force=True)


def _replayed(msg: Any) -> bool:
    """True for a message ``dexsim dlq replay`` put back."""
    headers = msg.headers
    if not headers:  # nearly every message
        return False
    if isinstance(headers, dict):
        return REPLAYED_HEADER in headers
    return any(key == REPLAYED_HEADER for key, _ in headers)


def _stop_process(exc: BaseException) -> None:
    """The produce stage's behaviour: stop at once, before the batch's offsets are committed."""
    log.critical("stopping: %s; the supervisor restarts the service from its last commit", exc)
    logging.shutdown()
    sys.stderr.flush()
    os._exit(EXIT_PRODUCE_FAILED)


async def _position(consumer: Any, tp: Any) -> int | None:
    try:
        found = await consumer.position(tp)
    except (KafkaError, AssertionError):  # not fetched yet, or rebalancing
        return None
    return int(found) if found is not None else None


class _BatchBoot(BootStrategy):
    """What faust starts on the batch path: neither its Kafka consumer (the batch consumer is
    the group's member; two would split the partitions between them) nor its producer (the
    runtime has its own), nor agent actors that would wait on that consumer."""

    enable_kafka = False

    def agents(self) -> Iterable[Any]:
        """The agents are driven by the batch consumer, not by faust streams."""
        return []


def build_faust_app(name: str, settings: ServiceSettings) -> faust.App:
    """The faust app of a service: raw bytes on the wire, no faust web server, acks=all."""
    app = _faust_app(name, settings)
    if settings.consumer == "batch":
        app.boot_strategy = _BatchBoot(app)
    return app


def _faust_app(name: str, settings: ServiceSettings) -> faust.App:
    return faust.App(
        SystemSettings().group_id(name),
        broker=[f"kafka://{s.strip()}" for s in bootstrap_servers().split(",")],
        web_enabled=False,
        value_serializer="raw",
        key_serializer="raw",
        producer_acks=-1,
        producer_linger_ms=5,
        producer_request_timeout=max(30.0, settings.send_timeout_s * 4),
        consumer_auto_offset_reset="earliest",
        topic_partitions=4,
        topic_replication_factor=SystemSettings().replication_factor,
        topic_allow_declare=True,
        store="memory://",
        broker_commit_every=1000,
        broker_commit_interval=1.0,
        stream_buffer_maxsize=20_000,
        broker_max_poll_records=2000,
        # A process killed without leaving its group holds its partitions until the session
        # times out; faust's 60 s default would stall a restarted service (and a run) that long.
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.session_timeout_s / 3),
    )


def build(manifest: Manifest[S], settings: ServiceSettings) -> tuple[FastAPI, ServiceRuntime[S]]:
    """Assemble the FastAPI app (with /healthz, /readyz, /ticks, /metrics) and the runtime."""
    faust_app = build_faust_app(manifest.name, settings)
    runtime: ServiceRuntime[S] = ServiceRuntime(
        manifest=manifest,
        settings=settings,
        faust_app=faust_app,
        dedupe=Deduper(settings.dedupe_window, max_age_s=settings.dedupe_max_age_s),
        state=manifest.state(settings),
    )
    for agent in manifest.agents:
        # an agent that reads only other sectors' data does not exist with fusion off
        if agent.topics(fusion=settings.fusion):
            runtime.declare(agent)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        await wait_for_broker(manifest.name, settings.broker_wait_s)
        if isinstance(runtime.sink, ProducerSink):
            await runtime.sink.start()
        await resume(runtime)
        # Everything built so far (the world, the rules, the modules, the restored state) lives
        # as long as the process: out of the cyclic collector's reach, a full collection walks
        # what the stream adds (thousands of objects) instead of the world's 600,000, and stops
        # the loop for well under a millisecond instead of 150-250 ms (the bench's p99).
        gc.collect()
        gc.freeze()
        snapshots = asyncio.create_task(runtime.snapshot_loop(), name=f"{manifest.name}.snapshots")
        batch = (
            BatchConsumer(runtime, SystemSettings().group_id(manifest.name))
            if settings.consumer == "batch" and runtime.codecs
            else None
        )
        runtime.batch = batch
        try:
            async with faust_app_running(faust_app, stop_timeout=30.0):
                if batch is not None:
                    await batch.start()
                log.info(
                    "%s started (%s path, %s loop): consuming %s",
                    manifest.name,
                    settings.consumer,
                    type(asyncio.get_running_loop()).__module__.split(".")[0],
                    ", ".join(runtime.codecs) or "-",
                )
                yield
                if batch is not None:
                    await batch.stop()
                snapshots.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await snapshots
                # The state as it stops, so a restart resumes here without reading anything
                # again; then the offsets (a fallback for a service whose state is cleared).
                await runtime.save_snapshot()
                if runtime.codecs and batch is None:
                    try:
                        await faust_app.consumer.commit()
                    except KafkaError:
                        log.exception("final offset commit failed; a restart may re-read events")
        finally:
            if batch is not None:
                await batch.stop()
            snapshots.cancel()
            if runtime.store is not None:
                await runtime.store.close()
            if isinstance(runtime.sink, ProducerSink):
                await runtime.sink.stop()
        log.info("%s stopped", manifest.name)

    api = FastAPI(
        title=f"dexsim {manifest.name}",
        description=manifest.description,
        lifespan=lifespan,
        version="0.1.0",
    )
    api.state.runtime = runtime

    @api.middleware("http")
    async def limit_body(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES:
            return JSONResponse(
                {"detail": f"request body larger than {MAX_BODY_BYTES} bytes; split the batch"},
                status_code=413,
            )
        return await call_next(request)

    @api.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok", "service": manifest.name}

    # Which system the process belongs to: a caller can tell ours from another's on the port.
    group = SystemSettings().group_id(manifest.name)

    @api.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        """Readiness: connected to Kafka, partitions assigned."""
        ok, why = runtime.ready()
        metrics.READY.labels(manifest.name).set(1 if ok else 0)
        return JSONResponse(
            {"ready": ok, "detail": why, "service": manifest.name, "group": group},
            status_code=200 if ok else 503,
        )

    @api.get("/ticks", tags=["ops"])
    async def ticks() -> dict[str, Any]:
        """Tick markers seen per input partition, positions and ends: why a tick is not done."""
        return await runtime.ticks()

    @api.get("/metrics", tags=["ops"])
    async def prometheus_metrics() -> PlainTextResponse:
        """Prometheus exposition."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    sector = manifest.sector.name if manifest.sector else manifest.name
    for path in manifest.ingest:
        api.include_router(
            path.router(service=manifest.name, sector=sector, publish=runtime.publish)
        )
    for router in manifest.routers:
        api.include_router(router)
    return api, runtime
