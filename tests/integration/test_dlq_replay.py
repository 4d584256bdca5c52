"""``dexsim dlq replay`` on the real broker: dead letters go back to their topic once, with the
header that has the service handle them as they come, and only those of the reason asked for.

(That a service handles a put-back event once, and a failed handler's event alone is
dead-lettered, is checked through the runtime in tests/streams/test_durable_streams.py.)
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from dexsim.dlq import replay
from shared.codec import REPLAYED_HEADER, DecodeFailure, dlq_headers
from shared.contracts.referee import REFEREE_SWEEPS
from shared.kafka import ensure_topics, partitions_of

pytestmark = pytest.mark.integration

#: A topic no lockstep service reads; the bytes are no event, so a reader dead-letters them again.
TOPIC = REFEREE_SWEEPS


async def _dead_letters(servers: str, items: list[tuple[bytes, str]]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=servers, acks="all")
    await producer.start()
    try:
        for value, reason in items:
            headers = dlq_headers(
                failure=DecodeFailure(reason, "test", stage="handle"),
                service="referee",
                topic=TOPIC.name,
                partition=0,
                offset=1,
            )
            await producer.send_and_wait(TOPIC.dlq, value, key=b"360000", headers=headers)
    finally:
        await producer.stop()


async def _ends(servers: str, topic: str) -> dict[TopicPartition, int]:
    parts = await partitions_of([topic], servers=servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(parts))
    finally:
        await consumer.stop()


async def _since(
    servers: str, starts: dict[TopicPartition, int]
) -> list[tuple[bytes, dict[str, bytes]]]:
    ends = await _ends(servers, TOPIC.name)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers)
    await consumer.start()
    out = []
    try:
        consumer.assign(list(ends))
        for tp in ends:
            consumer.seek(tp, starts.get(tp, 0))
        todo = {tp for tp in ends if ends[tp] > starts.get(tp, 0)}
        while todo:
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                out.extend((r.value, dict(r.headers)) for r in records if r.offset < ends[tp])
            todo = {tp for tp in todo if await consumer.position(tp) < ends[tp]}
    finally:
        await consumer.stop()
    return out


def test_dead_letters_go_back_once_with_the_replay_header(
    kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEXSIM_GROUP_PREFIX", f"dlq-test-{uuid.uuid4().hex[:8]}")
    servers = kafka_bootstrap
    asyncio.run(ensure_topics([TOPIC.name], servers=servers))
    # A cursor from before this test: earlier dead letters on the topic are not this test's.
    asyncio.run(replay(TOPIC.name, servers=servers))
    starts = asyncio.run(_ends(servers, TOPIC.name))
    mine = [
        (b"not an event 1", "handler_error"),
        (b"other", "invalid"),
        (b"not an event 2", "handler_error"),
    ]
    asyncio.run(_dead_letters(servers, mine))

    done = asyncio.run(replay(TOPIC.dlq, reason="handler_error", servers=servers))
    assert (done.topic, dict(done.sent), dict(done.skipped)) == (
        TOPIC.name,
        {"handler_error": 2},
        {"invalid": 1},
    )
    back = asyncio.run(_since(servers, starts))
    assert sorted(v for v, _ in back) == [b"not an event 1", b"not an event 2"]
    assert all(h[REPLAYED_HEADER] == b"handler_error" for _, h in back)
    assert not any(k.startswith("dlq.") and k != REPLAYED_HEADER for _, h in back for k in h)

    again = asyncio.run(replay(TOPIC.name, reason="handler_error", servers=servers))
    assert again.sent.total() == 0  # replay remembers where it stopped
    assert len(asyncio.run(_since(servers, starts))) == 2
    redo = asyncio.run(
        replay(TOPIC.name, reason="handler_error", from_start=True, dry_run=True, servers=servers)
    )
    assert redo.sent["handler_error"] >= 2 and redo.dry_run


def test_an_unknown_topic_is_refused_with_the_known_ones(kafka_bootstrap: str) -> None:
    from dexsim.dlq import ReplayError

    with pytest.raises(ReplayError, match="registered topics"):
        asyncio.run(replay("nope.v1.dlq", servers=kafka_bootstrap))
