"""Durable service state: snapshots in a compacted Kafka topic, restored before a service starts.

A service's decisions depend on what it has seen: held situations, open actions, the referee's
tallies. Each service therefore writes a **snapshot** of its state to its own state topic
(``<prefix>-<service>.state.v1``, named like its consumer group: one partition, compacted, one
key) every ``snapshot_interval_s`` while its state changes, and when it stops. A snapshot holds,
taken at one instant between two batches (when every output of the batches before it was
acknowledged):

* the state the manifest declares durable (``Manifest.persisted``), and the runtime's own
  bookkeeping: tick markers seen, events held for their tick, the event ids already handled;
* the **position** of every input partition: the offset of the first message not yet applied;
* the service's counters (events consumed, published, dead-lettered), so a report's totals
  survive a restart.

At start the service reads its last snapshot, restores it, and commits the snapshot's
positions for its consumer group before faust joins the group, so it resumes exactly where its
state was taken: what it had handled after that is read again and handled again. The outputs
it makes again carry the same deterministic ids; those it had already published (it reads its
output partitions back from the ends the snapshot recorded) are not sent a second time, and a
reader drops any it receives twice all the same (its snapshot keeps the ids it handled). With
no snapshot (a new run: ``dexsim run``
clears them when it moves the groups to the topics' ends) the service starts empty, from its
group's committed offsets, and writes a first snapshot at once.

Snapshots are pickled (the state objects are plain dataclasses and models), compressed, and
signed with HMAC-SHA256 under the system's state key (``DEXSIM_STATE_KEY``, or a key generated
once in the state folder): a record on the topic that does not verify is refused, never
unpickled.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import pickle
import re
import secrets
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from shared.contracts.topics import STATE_TOPIC_CONFIG, state_topic
from shared.kafka import read_to
from shared.settings import SystemSettings

log = logging.getLogger(__name__)

#: First bytes of every snapshot record (the format's version).
MAGIC = b"DXS1"
DIGEST = hashlib.sha256
DIGEST_BYTES = 32
#: Largest snapshot accepted (compressed); the state topic is created to take it.
MAX_SNAPSHOT_BYTES = int(STATE_TOPIC_CONFIG["max.message.bytes"])
#: The one key of every state topic: the latest record is the service's state.
KEY = b"state"


class SnapshotError(RuntimeError):
    """A snapshot that cannot be used: unsigned, tampered with, too large or unreadable."""


@dataclass
class Snapshot:
    """One service's state at one instant, and where its inputs stood then."""

    service: str
    seq: int
    #: Input partition -> offset of the first message not yet applied to ``body``.
    positions: dict[tuple[str, int], int]
    #: Output partition -> end of what the service had published (acknowledged) by then.
    published: dict[tuple[str, int], int] = field(default_factory=dict)
    #: The runtime's payload: the manifest's durable state and the runtime's bookkeeping.
    body: dict[str, Any] = field(default_factory=dict)
    taken_at: float = field(default_factory=time.time)


def state_key(settings: SystemSettings | None = None) -> bytes:
    """The key snapshots are signed with: ``DEXSIM_STATE_KEY``, else one kept in the state folder.

    The folder's key is generated once (``secrets``, mode 0600), like the development API keys,
    so every process of one system on this machine signs and verifies with the same key.
    """
    s = settings or SystemSettings()
    if s.dexsim_state_key is not None:
        return s.dexsim_state_key.get_secret_value().encode()
    path: Path = s.state_dir / "state.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: of two processes making it at once, one writes it and both read that one
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    for _ in range(50):  # the other process may not have written it yet
        found = path.read_text().strip()
        if found:
            return found.encode()
        time.sleep(0.01)
    raise SnapshotError(f"{path} is empty; delete it and a new key is made")


def encode(snapshot: Snapshot, key: bytes) -> bytes:
    """The record of a snapshot: magic, signature, then the compressed pickle."""
    return seal(freeze(snapshot), snapshot.service, key)


def freeze(snapshot: Snapshot) -> bytes:
    """The snapshot pickled: the part that must see the state still (done under the lock)."""
    return pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)


def seal(pickled: bytes, service: str, key: bytes) -> bytes:
    """A pickled snapshot compressed and signed: the record (pure CPU on bytes, so a service
    does it in a thread while its stream goes on)."""
    raw = zlib.compress(pickled, 1)
    if len(raw) > MAX_SNAPSHOT_BYTES - 64:
        raise SnapshotError(
            f"{service}'s state is {len(raw):,} bytes compressed, more than the state "
            f"topic takes ({MAX_SNAPSHOT_BYTES:,}); keep less in the durable state"
        )
    return MAGIC + hmac.new(key, raw, DIGEST).digest() + raw


def decode(data: bytes, key: bytes) -> Snapshot:
    """The snapshot in a record, after checking its signature; ``SnapshotError`` otherwise."""
    if not data.startswith(MAGIC):
        raise SnapshotError("not a dexsim snapshot (unknown format)")
    mac, raw = data[len(MAGIC) : len(MAGIC) + DIGEST_BYTES], data[len(MAGIC) + DIGEST_BYTES :]
    if not hmac.compare_digest(mac, hmac.new(key, raw, DIGEST).digest()):
        raise SnapshotError(
            "signature does not verify: written under another state key (DEXSIM_STATE_KEY) or "
            "altered; refusing to load it"
        )
    try:
        # signed by this system's key, so written by one of its services
        found = pickle.loads(zlib.decompress(raw))
    except Exception as exc:  # a signed record that still does not load: code changed since
        raise SnapshotError(f"cannot be loaded by this code: {type(exc).__name__}: {exc}") from exc
    if not isinstance(found, Snapshot):
        raise SnapshotError(f"holds a {type(found).__name__}, not a Snapshot")
    return found


class StateStore:
    """One service's state topic: load the latest snapshot, save a new one, clear it."""

    def __init__(self, service: str, servers: str, key: bytes) -> None:
        self.service = service
        self.servers = servers
        self.key = key
        self.topic = state_topic(SystemSettings().group_id(service))
        self._producer: AIOKafkaProducer | None = None

    async def load(self, *, timeout_s: float = 30.0) -> Snapshot | None:
        """The latest snapshot, or None (never written, or cleared for a new run)."""
        tp = TopicPartition(self.topic, 0)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.servers,
            group_id=None,
            enable_auto_commit=False,
            max_partition_fetch_bytes=MAX_SNAPSHOT_BYTES,
            fetch_max_bytes=MAX_SNAPSHOT_BYTES,
        )
        await consumer.start()
        try:
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            if end == 0:
                return None
            # The latest record is the last one; compaction may have removed those before it
            # and transaction markers may follow it, so read back a few if need be.
            start = (await consumer.beginning_offsets([tp]))[tp]
            consumer.seek(tp, max(start, end - 1))
            last = None
            deadline = time.monotonic() + timeout_s
            position = max(start, end - 1)
            while position < end and time.monotonic() < deadline:
                batch = await consumer.getmany(tp, timeout_ms=500)
                for record in batch.get(tp, []):
                    last = record
                position = await consumer.position(tp)
            if last is None:
                if position < end:
                    raise SnapshotError(f"could not read {self.topic} within {timeout_s:.0f}s")
                return None
            if last.value is None:  # a tombstone: cleared for a new run
                return None
            snapshot = decode(last.value, self.key)
            if snapshot.service != self.service:
                raise SnapshotError(f"{self.topic} holds {snapshot.service}'s snapshot")
            return snapshot
        finally:
            await consumer.stop()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self.servers,
                acks="all",
                enable_idempotence=True,
                max_request_size=MAX_SNAPSHOT_BYTES,
                request_timeout_ms=30_000,
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def save(self, data: bytes) -> int:
        """Write an encoded snapshot (:func:`encode`), wait for the ack (acks=all); its size."""
        producer = await self._ensure_producer()
        await producer.send_and_wait(self.topic, data, key=KEY, partition=0)
        return len(data)

    async def clear(self) -> None:
        """Delete the state (a tombstone): the service's next start begins empty."""
        producer = await self._ensure_producer()
        await producer.send_and_wait(self.topic, None, key=KEY, partition=0)

    async def close(self) -> None:
        """Stop the store's producer."""
        if self._producer is not None:
            with contextlib.suppress(KafkaError):
                await self._producer.stop()
            self._producer = None


async def clear_states(groups: Iterable[str], *, servers: str) -> None:
    """Clear the snapshots of these (stopped) services, named by their consumer groups.

    Each service then starts empty next time, as a new run needs.
    """
    from aiokafka import AIOKafkaProducer

    from shared.kafka import ensure_state_topics

    topics = [state_topic(group) for group in groups]
    await ensure_state_topics(list(groups), servers=servers)
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for topic in topics:
            await producer.send_and_wait(topic, None, key=KEY, partition=0)
    finally:
        await producer.stop()


class GroupBusyError(RuntimeError):
    """A consumer group that kept a member for longer than a commit from outside could wait."""


async def commit_outside(
    consumer: AIOKafkaConsumer,
    group: str,
    offsets: Mapping[TopicPartition, int],
    *,
    timeout_s: float,
) -> None:
    """Commit offsets for ``group`` from outside it (``consumer`` assigned, not subscribed).

    The broker takes such a commit only once the group has no members, and a process killed
    (or stopped by force) stays a member until its session times out: this waits for that, up
    to ``timeout_s``, and raises :class:`GroupBusyError` past it.
    """
    deadline = time.monotonic() + timeout_s
    said = 0.0
    while True:
        try:
            await consumer.commit(dict(offsets))
            return
        except KafkaError as exc:
            if time.monotonic() > deadline:
                raise GroupBusyError(
                    f"{group} kept a member for {timeout_s:.0f} s ({type(exc).__name__}); is "
                    "another process of that service still running? (dexsim status)"
                ) from None
            if time.monotonic() - said > 5:
                log.info("waiting for a stopped member to leave %s", group)
                said = time.monotonic()
            await asyncio.sleep(0.5)


async def resume_group(
    *,
    servers: str,
    group: str,
    partitions: list[TopicPartition],
    positions: Mapping[tuple[str, int], int] | None,
    timeout_s: float,
) -> dict[tuple[str, int], int]:
    """Set the group's offsets to a snapshot's positions; return every partition's start.

    The commit is made outside the group, which the broker accepts once the group has no
    members: after a ``kill -9`` the dead process stays a member until its session times out,
    so this waits for that (``timeout_s``). A partition the snapshot does not cover starts at
    the group's committed offset, or at the partition's beginning when it has none.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        if positions:
            wanted = {
                tp: positions[(tp.topic, tp.partition)]
                for tp in partitions
                if (tp.topic, tp.partition) in positions
            }
            await commit_outside(consumer, group, wanted, timeout_s=timeout_s)
        starts: dict[tuple[str, int], int] = {}
        missing = []
        for tp in partitions:
            committed = await consumer.committed(tp)
            if committed is None:
                missing.append(tp)
            else:
                starts[(tp.topic, tp.partition)] = committed
        if missing:
            for tp, first in (await consumer.beginning_offsets(missing)).items():
                starts[(tp.topic, tp.partition)] = first
        return starts
    finally:
        await consumer.stop()


#: Where an event's id sits in its JSON (the envelope's first field).
_EVENT_ID = re.compile(rb'"event_id":"([0-9a-fA-F-]{36})"')
_MARKER = b'"event_type":"TickAdvanced"'


async def published_since(
    servers: str, since: Mapping[tuple[str, int], int], *, timeout_s: float = 60.0
) -> Counter[UUID]:
    """The ids of the events on these partitions from these offsets to their current ends.

    After a restart, what a service published between its snapshot and its end is there: the
    events it makes again while it handles that input again are not sent a second time.
    """
    if not since:
        return Counter()
    parts = [TopicPartition(topic, partition) for topic, partition in since]
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False)
    await consumer.start()
    found: Counter[UUID] = Counter()
    try:
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        for tp in parts:
            consumer.seek(tp, min(ends[tp], since[(tp.topic, tp.partition)]))
        async for record in read_to(consumer, ends, timeout_s=timeout_s, what="its own outputs"):
            if not record.value or _MARKER in record.value[:160]:
                continue  # tick markers are forwarded again whatever: not events
            hit = _EVENT_ID.search(record.value[:200])
            if hit is not None:
                found[UUID(hit.group(1).decode())] += 1
        return found
    finally:
        await consumer.stop()


async def ends_of(servers: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """The current end offset of every partition of ``topics``."""
    from shared.kafka import partitions_of

    parts = await partitions_of(topics, servers=servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
    return {(tp.topic, tp.partition): offset for tp, offset in ends.items()}
