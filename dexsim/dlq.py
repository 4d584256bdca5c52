"""``dexsim dlq``: put dead letters back on their topic once the fault is fixed.

A message a service could not decode, or whose handler raised, went to the topic's ``.dlq``
with its original bytes and headers saying why (``shared.codec.dlq_headers``). ``replay``
sends each one back to the topic it came from, with the ``dlq.replayed`` header: the service
handles it as it arrives (its tick has passed), and every other reader drops it as a
duplicate (it handled the event the first time). A service forgets the id of an event whose
handler failed, so the replayed event is new to it and makes its decisions once.

Replay remembers how far it got on each dead-letter topic (consumer group
``<prefix>-dlq-replay``): a second replay sends only what was dead-lettered since.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer

from shared.codec import REPLAYED_HEADER
from shared.contracts.spec import DLQ_SUFFIX
from shared.contracts.topics import REGISTRY
from shared.kafka import make_producer, partitions_of, read_to
from shared.settings import SystemSettings


class ReplayError(ValueError):
    """A replay that cannot be done; the message says why."""


@dataclass
class Replayed:
    """What one replay did."""

    dlq: str
    topic: str
    #: Dead letters sent back, by the reason they were dead-lettered.
    sent: Counter[str] = field(default_factory=Counter)
    #: Dead letters left where they are (another reason than the one asked for).
    skipped: Counter[str] = field(default_factory=Counter)
    dry_run: bool = False


def dlq_of(topic: str) -> tuple[str, str]:
    """(dead-letter topic, original topic) for a registered topic or its ``.dlq``."""
    base = topic.removesuffix(DLQ_SUFFIX)
    if base not in REGISTRY:
        known = ", ".join(sorted(REGISTRY))
        raise ReplayError(f"unknown topic {topic!r}; registered topics: {known}")
    return REGISTRY[base].dlq, base


def put_back(
    headers: Iterable[tuple[str, bytes]], original: str
) -> tuple[str, list[tuple[str, bytes]]]:
    """Where a dead letter goes back to, and its headers there.

    The topic it came from (its ``dlq.topic`` header, else ``original``); the ``dlq.*``
    headers are dropped and ``dlq.replayed`` (with the reason) is added, by which the service
    knows to handle it as it comes.
    """
    pairs = [(k, bytes(v)) for k, v in headers]
    back = next((v.decode() for k, v in pairs if k == "dlq.topic"), "") or original
    why = next((v for k, v in pairs if k == "dlq.reason"), b"?")
    kept = [(k, v) for k, v in pairs if not k.startswith("dlq.")]
    return back, [*kept, (REPLAYED_HEADER, why)]


def _header(headers: object, key: str) -> str:
    for k, v in headers or ():  # type: ignore[attr-defined]
        if k == key:
            return bytes(v).decode(errors="replace")
    return ""


async def replay(
    topic: str,
    *,
    reason: str | None = None,
    dry_run: bool = False,
    from_start: bool = False,
    servers: str | None = None,
    timeout_s: float = 30.0,
) -> Replayed:
    """Send the dead letters of ``topic`` back to it (those of ``reason`` only, if given)."""
    settings = SystemSettings()
    servers = servers or settings.bootstrap_servers
    dlq, original = dlq_of(topic)
    done = Replayed(dlq, original, dry_run=dry_run)
    parts = await partitions_of([dlq], servers=servers)
    if not parts:
        return done
    consumer = AIOKafkaConsumer(
        bootstrap_servers=servers,
        group_id=f"{settings.dexsim_group_prefix}-dlq-replay",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = await make_producer(servers=servers)
    await consumer.start()
    try:
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        if from_start:
            await consumer.seek_to_beginning(*parts)
        futures = []
        async for record in read_to(consumer, ends, timeout_s=timeout_s, what=dlq):
            why = _header(record.headers, "dlq.reason") or "?"
            if reason is not None and why != reason:
                done.skipped[why] += 1
                continue
            done.sent[why] += 1
            if dry_run:
                continue
            back, headers = put_back(record.headers, original)
            futures.append(await producer.send(back, record.value, key=record.key, headers=headers))
        if futures:
            await asyncio.gather(*futures)  # every one acknowledged before the cursor moves
        if not dry_run:
            await consumer.commit({tp: end for tp, end in ends.items()})
    finally:
        await consumer.stop()
        await producer.stop()
    return done
