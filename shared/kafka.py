"""Kafka client helpers shared by every service: one place that builds producers and admins."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from shared.contracts.envelope import Event
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY, STATE_TOPIC_CONFIG, state_topic
from shared.settings import SystemSettings

log = logging.getLogger(__name__)


def bootstrap_servers() -> str:
    """The cluster every client uses: ``KAFKA_BOOTSTRAP_SERVERS`` or the embedded broker."""
    return SystemSettings().bootstrap_servers


async def make_producer(
    *, servers: str | None = None, linger_ms: int = 5, request_timeout_ms: int = 10_000
) -> AIOKafkaProducer:
    """A started producer with acks=all (the reliability rule), idempotence and batching."""
    producer = AIOKafkaProducer(
        bootstrap_servers=servers or bootstrap_servers(),
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        max_batch_size=256 * 1024,
        request_timeout_ms=request_timeout_ms,
        compression_type=None,
    )
    await producer.start()
    return producer


async def ensure_topics(
    names: list[str] | None = None, *, servers: str | None = None, partitions: int | None = None
) -> list[str]:
    """Create the registered topics (and their DLQs) that do not exist yet; return those created."""
    specs = {name: spec for name, spec in REGISTRY.items() if names is None or name in names}
    wanted: dict[str, int] = {}
    for name, spec in specs.items():
        wanted[name] = partitions or spec.partitions
        wanted[spec.dlq] = 1
    return await _create_missing(wanted, {}, servers=servers)


async def ensure_state_topics(groups: list[str], *, servers: str | None = None) -> list[str]:
    """Create the state topics of these services, named by their groups (compacted)."""
    wanted = {state_topic(group): 1 for group in groups}
    return await _create_missing(wanted, STATE_TOPIC_CONFIG, servers=servers)


async def _create_missing(
    wanted: dict[str, int], config: dict[str, str], *, servers: str | None
) -> list[str]:
    """Create the topics of ``wanted`` (name -> partitions) that do not exist yet.

    Every topic gets the system's replication (``DEXSIM_KAFKA_BROKERS``: replication factor
    min(3, brokers), and min.insync.replicas 2 when replicated).
    """
    system = SystemSettings()
    admin = AIOKafkaAdminClient(bootstrap_servers=servers or bootstrap_servers())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(
                name=n,
                num_partitions=p,
                replication_factor=system.replication_factor,
                topic_configs={**system.topic_config, **config},
            )
            for n, p in wanted.items()
            if n not in existing
        ]
        if new:
            # another process may create them between list and create
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
            # metadata propagates asynchronously; give the broker a moment
            await asyncio.sleep(0.2)
            log.info("created topics: %s", ", ".join(t.name for t in new))
        return [t.name for t in new]
    finally:
        await admin.close()


async def partitions_of(
    topics: list[str], *, servers: str | None = None, timeout_s: float = 30.0
) -> list[TopicPartition]:
    """Every partition of ``topics``, as the cluster describes them.

    A topic just created may not be described yet, or have no leader yet (a replicated one, on
    a cluster of several brokers): this asks again until every topic has its partitions with
    leaders, for up to ``timeout_s``.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=servers or bootstrap_servers())
    await admin.start()
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            described = await admin.describe_topics(topics)
            pending = [
                t["topic"]
                for t in described
                if t["error_code"] != 0
                or not t["partitions"]
                or any(p["leader"] < 0 for p in t["partitions"])
            ]
            if not pending or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
    finally:
        await admin.close()
    if pending:
        log.warning("topics without partitions or leaders after %.0f s: %s", timeout_s, pending)
    return [
        TopicPartition(topic["topic"], p["partition"])
        for topic in described
        if topic["error_code"] == 0
        for p in topic["partitions"]
    ]


async def read_to(
    consumer: AIOKafkaConsumer, ends: Mapping[TopicPartition, int], *, timeout_s: float, what: str
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of an assigned, positioned consumer's partitions before ``ends``.

    Raises ``TimeoutError`` (naming ``what``) when the partitions are not read to their ends
    within ``timeout_s``.
    """
    todo = {tp: end for tp, end in ends.items() if end > await consumer.position(tp)}
    deadline = time.monotonic() + timeout_s
    while todo:
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {what} within {timeout_s:.0f} s")
        batches = await consumer.getmany(*todo, timeout_ms=500)
        for tp, records in batches.items():
            for record in records:
                if record.offset < todo.get(tp, 0):
                    yield record
        for tp in list(todo):
            if await consumer.position(tp) >= todo[tp]:
                del todo[tp]


async def publish_one(
    spec: TopicSpec, event: Event, *, servers: str | None = None, timeout_s: float = 5.0
) -> None:
    """Publish one event (acks=all) from a command-line tool; raise if the broker does not ack.

    The cluster is asked for its metadata first, so a system that is not running fails within
    ``timeout_s`` instead of after the producer's own retries.
    """
    servers = servers or bootstrap_servers()
    producer = AIOKafkaProducer(
        bootstrap_servers=servers, acks="all", request_timeout_ms=int(timeout_s * 1000)
    )
    try:
        await asyncio.wait_for(producer.start(), timeout=timeout_s)
        await ensure_topics([spec.name], servers=servers)
        await asyncio.wait_for(
            producer.send_and_wait(spec.name, event.to_bytes(), key=event.key), timeout=timeout_s
        )
    finally:
        await producer.stop()
