"""Build one service process from a small spec: faust app + FastAPI app + metrics + health.

Every service is started the same way: ``python -m shared.runtime <name>`` (which ``dexsim up``
does) runs uvicorn with a FastAPI app whose lifespan starts and stops the faust app on the same
event loop (``faust.contrib.asgi``), with ``web_enabled=False`` so only FastAPI serves HTTP.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import faust
from aiokafka.structs import RecordMetadata
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse
from faust.contrib.asgi import faust_app_running
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared import metrics
from shared.codec import Codec, DecodeFailure, Deduper, dlq_headers
from shared.contracts.envelope import Event, derived_id, utcnow
from shared.contracts.simulator import SIMULATOR_WATERMARKS, TickAdvanced, WatermarkReported
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY
from shared.kafka import bootstrap_servers, ensure_topics
from shared.settings import KafkaSettings, ServiceSettings

log = logging.getLogger(__name__)

#: What a stream handler returns: events to publish, each with its topic.
Outbox = list[tuple[TopicSpec, Event]]
#: A stream handler: validated, de-duplicated events in, events to publish out.
BatchHandler = Callable[[Sequence[Event]], Awaitable[Outbox] | Outbox]

#: Largest HTTP request body accepted by any service.
MAX_BODY_BYTES = 2_000_000


@dataclass
class ServiceSpec:
    """What makes one service: its name, settings, stream handlers and HTTP routers."""

    name: str
    settings_cls: type[ServiceSettings]
    #: Called once with the runtime to declare agents (``runtime.handle(...)``).
    streams: Callable[[ServiceRuntime], None] | None = None
    #: Called once with the runtime to build routers served under the service's app.
    routers: Sequence[Callable[[ServiceRuntime], APIRouter]] = ()
    description: str = ""


#: Bytes that identify an in-band tick marker without parsing the message (the envelope's
#: ``event_type`` is always among the first fields of an event's JSON).
TICK_MARK = b'"event_type":"TickAdvanced"'
MARK_PEEK = 160
EVENT_TYPE_RE = re.compile(rb'"event_type":"([A-Za-z0-9_]+)"')

#: Called when a tick is complete on every input partition; may return events to publish.
TickHandler = Callable[[TickAdvanced], Outbox]


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
    """The real sink: faust's aiokafka producer (acks=all, batching, idempotence)."""

    def __init__(self, app: faust.App) -> None:
        self.app = app

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
        return await self.app.producer.send(topic, key, value, partition, timestamp, headers)

    async def partitions(self, topic: str) -> int:
        """Ask the broker (through aiokafka's metadata) how many partitions ``topic`` has."""
        # faust's producer wraps aiokafka's, which knows the topic's partitions
        client = self.app.producer._ensure_producer()  # type: ignore[attr-defined]
        found = await client.partitions_for(topic)
        return max(1, len(found or ()))


@dataclass
class _AgentState:
    """Per-agent bookkeeping: its topics, handler, outputs, and the tick markers seen."""

    name: str
    topics: frozenset[str]
    handler: BatchHandler
    outputs: tuple[TopicSpec, ...]
    on_tick: TickHandler | None
    by_type: dict[bytes, Codec[Event]] = field(default_factory=dict)
    run_id: str | None = None
    seen: dict[tuple[str, int], int] = field(default_factory=dict)
    markers: dict[int, TickAdvanced] = field(default_factory=dict)
    last_done: int = -1
    held: list[Event] = field(default_factory=list)

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
            self.held = [e for e in self.held if e.occurred_at >= marker.tick_start]
        key = (topic, partition)
        if marker.tick > self.seen.get(key, -1):
            self.seen[key] = marker.tick
            self.markers[marker.tick] = marker
        return True

    def completed(self, assigned: Sequence[Any]) -> TickAdvanced | None:
        """The newest tick every assigned partition has passed, if not reported yet."""
        if not assigned:
            return None
        done = min(self.seen.get((tp.topic, tp.partition), -1) for tp in assigned)
        if done <= self.last_done:
            return None
        self.last_done = done
        marker = self.markers.get(done)
        for t in [t for t in self.markers if t < done]:
            del self.markers[t]
        return marker


class BrokerUnavailableError(RuntimeError):
    """The broker did not acknowledge a send within the configured time."""


@dataclass
class ServiceRuntime:
    """The running pieces of one service, handed to its streams and routers."""

    spec: ServiceSpec
    settings: ServiceSettings
    faust_app: faust.App
    dedupe: Deduper
    codecs: dict[str, Codec[Event]] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    #: Where outgoing messages go: the producer; stream tests swap in a recorder.
    sink: Sink = field(init=False)
    _partition_counts: dict[str, int] = field(default_factory=dict)
    _agents: list[_AgentState] = field(default_factory=list)
    _reported: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sink = ProducerSink(self.faust_app)

    @property
    def name(self) -> str:
        """The service name (also its metrics label and consumer group suffix)."""
        return self.spec.name

    def topic(self, *specs: TopicSpec) -> faust.types.TopicT:
        """A faust topic over one or more registered topics, carrying raw bytes."""
        for s in specs:
            self.codecs[s.name] = Codec.for_topic(s)
        return self.faust_app.topic(
            *(s.name for s in specs),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )

    def handle(
        self,
        specs: Sequence[TopicSpec],
        handler: BatchHandler,
        *,
        name: str,
        outputs: Sequence[TopicSpec] = (),
        on_tick: TickHandler | None = None,
    ) -> None:
        """Declare an agent: decode -> dedupe -> ``handler`` -> publish, in batches.

        Bad messages go to their topic's DLQ, duplicates are skipped, and the batch's sends are
        awaited once per batch (not per event) before the batch's offsets are acknowledged.

        Tick markers (``TickAdvanced`` written in-band by the simulator into every partition) are
        tracked per partition: once every assigned partition of ``specs`` has passed tick T, the
        agent calls ``on_tick``, flushes, forwards the marker into every partition of
        ``outputs`` (so downstream services can tell when they have all of tick T), and reports
        ``WatermarkReported`` to the simulator's clock.
        """
        topic = self.topic(*specs)
        agent_state = _AgentState(
            name=name,
            topics=frozenset(s.name for s in specs),
            handler=handler,
            outputs=tuple(outputs),
            on_tick=on_tick,
            by_type={s.model.EVENT_TYPE.encode(): Codec.for_topic(s) for s in specs},
        )
        self._agents.append(agent_state)
        runtime = self

        async def agent(stream: faust.StreamT[bytes]) -> None:
            # take_events (faust-streaming >= 0.10) is missing from faust's type stubs
            async for batch in stream.take_events(  # type: ignore[attr-defined]
                runtime.settings.batch_size, within=runtime.settings.batch_timeout_s
            ):
                try:
                    await runtime._process_batch(batch, agent_state)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # The stream must not die: log and count; the batch's offsets are still
                    # acked by take_events, so a handler bug cannot wedge the partition.
                    log.exception("handler %s failed on a batch of %d", name, len(batch))
                    metrics.DLQ.labels(runtime.name, "(handler)", "handler_error").inc(len(batch))

        agent.__name__ = name
        self.faust_app.agent(topic, name=f"{self.name}.{name}", concurrency=1)(agent)

    async def _process_batch(self, batch: Sequence[Any], agent: _AgentState) -> None:
        started = time.perf_counter()
        events: list[Event] = []
        consumed: Tally[str] = Tally()
        dupes: Tally[str] = Tally()
        pending: list[Awaitable[RecordMetadata]] = []
        marker_seen = False
        for item in batch:
            msg = item.message
            raw = msg.value
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
            events.append(result)
        for t, n in consumed.items():
            metrics.EVENTS_CONSUMED.labels(self.name, t).inc(n)
        for t, n in dupes.items():
            metrics.DUPLICATES.labels(self.name, t).inc(n)
        if self.settings.tick_sync:
            # Held until their tick completes, then handled in a deterministic order.
            agent.held.extend(events)
        elif events:
            pending.extend(await self._handle(agent, events))
        if pending:
            await asyncio.gather(*pending)
        if marker_seen:
            await self._advance_ticks(agent)
        if batch:
            metrics.PROCESSING_SECONDS.labels(self.name).observe(
                (time.perf_counter() - started) / len(batch)
            )

    async def _advance_ticks(self, agent: _AgentState) -> None:
        """Forward the tick marker and report the watermark once every input partition passed it."""
        assigned = [tp for tp in self.faust_app.consumer.assignment() if tp.topic in agent.topics]
        marker = agent.completed(assigned)
        if marker is None:
            return
        if agent.held:
            due = [e for e in agent.held if e.occurred_at <= marker.occurred_at]
            agent.held = [e for e in agent.held if e.occurred_at > marker.occurred_at]
            # Within a tick, partitions interleave differently on every run; a fixed order makes
            # the same scenario and seed give the same decisions.
            due.sort(key=lambda e: (e.occurred_at, e.event_type, str(e.event_id)))
            if due:
                await asyncio.gather(*await self._handle(agent, due))
        if agent.outputs or agent.on_tick is not None:
            await self._close_tick(agent, marker)
        await self._report_watermark(marker)

    async def _close_tick(self, agent: _AgentState, marker: TickAdvanced) -> None:
        """Run the agent's tick work, then forward the marker into every output partition."""
        out: Outbox = []
        if agent.on_tick is not None:
            out = list(agent.on_tick(marker))
        await asyncio.gather(*await self._send_all(out))
        forwarded = marker.model_copy(
            update={
                "source": self.name,
                "event_id": derived_id("tick", self.name, marker.run_id, marker.tick),
            }
        )
        raw = forwarded.to_bytes()
        futures = []
        for spec in agent.outputs:
            for partition in range(await self._partitions(spec.name)):
                futures.append(
                    await self.sink.send(spec.name, marker.key, raw, partition, None, None)
                )
        await asyncio.gather(*futures)

    async def _report_watermark(self, marker: TickAdvanced) -> None:
        """Tell the clock the service finished a tick: once *every* agent of it has.

        A service's side agents (e.g. one reading another sector's replies to this tick) count
        too, so the clock does not start the next tick before their input has been applied.
        """
        done = min(a.last_done if a.run_id == marker.run_id else -1 for a in self._agents)
        if done < 0 or self._reported.get(marker.run_id, -1) >= done:
            return
        self._reported[marker.run_id] = done
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
        await asyncio.gather(
            await self.sink.send(
                SIMULATOR_WATERMARKS.name, mark.key, mark.to_bytes(), None, None, None
            )
        )

    async def _handle(self, agent: _AgentState, events: list[Event]) -> list[Awaitable[Any]]:
        """Run the agent's handler on decoded events; hand its output to the sink.

        A handler that raises loses that call's output (logged and counted as
        ``dex_dlq_total{reason="handler_error"}``) but never the stream or its tick markers.
        """
        try:
            out = agent.handler(events)
            if isinstance(out, Awaitable):
                out = await out
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("handler %s failed on %d events", agent.name, len(events))
            metrics.DLQ.labels(self.name, "(handler)", "handler_error").inc(len(events))
            return []
        produced_at = {e.event_id: e.produced_at for e in events}
        return await self._send_all(out, produced_at)

    async def _partitions(self, topic: str) -> int:
        count = self._partition_counts.get(topic)
        if count is None:
            count = self._partition_counts[topic] = await self.sink.partitions(topic)
        return count

    async def _dead_letter(self, msg: Any, failure: DecodeFailure) -> Awaitable[RecordMetadata]:
        spec = REGISTRY.get(msg.topic)
        dlq = spec.dlq if spec else msg.topic + ".dlq"
        log.warning(
            "dead-lettering %s[%d]@%d: %s (%s)",
            msg.topic,
            msg.partition,
            msg.offset,
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

        Raises ``BrokerUnavailableError`` when the broker does not answer within ``send_timeout_s``.
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
        except Exception as exc:  # aiokafka raises its own errors when the broker is gone
            if type(exc).__module__.startswith(("aiokafka", "kafka", "faust", "mode")):
                raise BrokerUnavailableError(f"Kafka send failed: {exc}") from exc
            raise

    async def ticks(self) -> dict[str, Any]:
        """Where every agent stands in the current run: per input partition, the last tick marker
        seen, the consumer's position and the partition's end (why a watermark is not sent)."""
        consumer = self.faust_app.consumer
        assigned = list(consumer.assignment())
        try:
            ends = await consumer.highwaters(*assigned) if assigned else {}
        except Exception as exc:  # the consumer may be rebalancing
            ends, error = {}, str(exc)
        else:
            error = ""
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
        app = self.faust_app
        try:
            if not app.producer.started:
                return False, "producer not started"
            if self.codecs and not app.consumer.assignment():
                return False, "no partitions assigned yet"
        except Exception as exc:  # the app may not have built its consumer yet
            return False, f"not started: {exc}"
        return True, "ok"


async def _position(consumer: Any, tp: Any) -> int | None:
    try:
        found = await consumer.position(tp)
    except Exception:  # not fetched yet, or rebalancing
        return None
    return int(found) if found is not None else None


def build_faust_app(name: str, settings: ServiceSettings) -> faust.App:
    """The faust app of a service: raw bytes on the wire, no faust web server, acks=all."""
    return faust.App(
        KafkaSettings().group_id(name),
        broker=[f"kafka://{s.strip()}" for s in bootstrap_servers().split(",")],
        web_enabled=False,
        value_serializer="raw",
        key_serializer="raw",
        producer_acks=-1,
        producer_linger_ms=5,
        producer_request_timeout=max(30.0, settings.send_timeout_s * 4),
        consumer_auto_offset_reset="earliest",
        topic_partitions=4,
        topic_replication_factor=1,
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


def build(spec: ServiceSpec, settings: ServiceSettings) -> tuple[FastAPI, ServiceRuntime]:
    """Assemble the FastAPI app (with /healthz, /readyz, /metrics) and the runtime of a service."""
    faust_app = build_faust_app(spec.name, settings)
    runtime = ServiceRuntime(
        spec=spec, settings=settings, faust_app=faust_app, dedupe=Deduper(settings.dedupe_window)
    )
    if spec.streams is not None:
        spec.streams(runtime)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        await ensure_topics()
        async with faust_app_running(faust_app, stop_timeout=30.0):
            log.info("%s started: consuming %s", spec.name, ", ".join(runtime.codecs) or "nothing")
            yield
            if runtime.codecs:
                # Commit what was processed before stopping, so a restart does not read it again.
                try:
                    await faust_app.consumer.commit()
                except Exception:
                    log.exception("final offset commit failed; a restart may re-read some events")
        log.info("%s stopped", spec.name)

    api = FastAPI(
        title=f"dexsim {spec.name}",
        description=spec.description,
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
        return {"status": "ok", "service": spec.name}

    @api.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        """Readiness: connected to Kafka, partitions assigned."""
        ok, why = runtime.ready()
        metrics.READY.labels(spec.name).set(1 if ok else 0)
        return JSONResponse(
            {"ready": ok, "detail": why, "service": spec.name}, status_code=200 if ok else 503
        )

    @api.get("/ticks", tags=["ops"])
    async def ticks() -> dict[str, Any]:
        """Tick markers seen per input partition, positions and ends: why a tick is not done."""
        return await runtime.ticks()

    @api.get("/metrics", tags=["ops"])
    async def prometheus_metrics() -> PlainTextResponse:
        """Prometheus exposition."""
        return PlainTextResponse(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for make_router in spec.routers:
        api.include_router(make_router(runtime))
    return api, runtime
