"""The batch data path: one aiokafka consumer per service process, read with ``getmany``.

faust's per-message streams cost about 3.5 event-loop turns per message (consumer thread ->
conductor -> channel queue -> stream -> ack), which capped a service at a few thousand events
per second whatever its own code cost. This consumer hands whole fetches to the runtime: one
``getmany`` returns up to ``batch_size`` records, each agent's share of them is handled as one
batch (decode, de-duplicate, handle, publish, wait for the acks), and the group's offsets are
committed every ``commit_interval_s`` and whenever partitions are taken away.

The service keeps its faust app (its lifecycle on the loop it shares with FastAPI, and the
agents' declarations that stream tests drive with ``test_context``); only faust's Kafka consumer
is replaced, so the two never join the same group. ``DEXSIM_<NAME>_CONSUMER=faust`` runs the
faust path instead, for comparison (``dexsim bench --consumer faust``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError

from shared.kafka import bootstrap_servers

if TYPE_CHECKING:
    from shared.runtime.service import ServiceRuntime, _AgentState

log = logging.getLogger(__name__)

#: How long the broker may hold a fetch that finds nothing (it answers at once when data comes).
FETCH_MAX_WAIT_MS = 500
#: How often an idle read loop wakes (to commit what it handled).
IDLE_WAKE_MS = 200


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commit what was handled before partitions go to another member."""

    def __init__(self, owner: BatchConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        # Not during a batch: its positions would run ahead of what it applied.
        async with self.owner.runtime.lock:
            await self.owner.commit(revoked)

    async def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info(
            "%s: assigned %d partitions: %s",
            self.owner.runtime.name,
            len(assigned),
            ", ".join(sorted(f"{tp.topic}[{tp.partition}]" for tp in assigned)),
        )


class BatchConsumer:
    """Reads a service's input topics in batches and hands each agent its share."""

    def __init__(self, runtime: ServiceRuntime[Any], group: str) -> None:
        self.runtime = runtime
        self.group = group
        self.consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._last_commit = time.monotonic()
        self._committed: dict[tuple[str, int], int] = {}
        #: The agents that read each input topic.
        self.agents_of: dict[str, list[_AgentState[Any]]] = {}
        for agent in runtime.agents:
            for topic in agent.topics:
                self.agents_of.setdefault(topic, []).append(agent)

    def assignment(self) -> set[TopicPartition]:
        """The partitions this process holds now (empty before the first assignment)."""
        return set(self.consumer.assignment()) if self.consumer is not None else set()

    async def start(self) -> None:
        """Join the group and start reading (from the offsets ``resume`` set)."""
        settings = self.runtime.settings
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers(),
            group_id=self.group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.batch_size,
            # The broker answers a fetch as soon as any byte is there; the wait only bounds an
            # idle fetch. A short one had every idle service poll the broker 100 times a second
            # (with eleven services, most of the machine's spare CPU).
            fetch_max_wait_ms=FETCH_MAX_WAIT_MS,
            session_timeout_ms=int(settings.session_timeout_s * 1000),
            heartbeat_interval_ms=int(min(3.0, settings.session_timeout_s / 3) * 1000),
            max_poll_interval_ms=300_000,
        )
        consumer.subscribe(sorted(self.agents_of), listener=_Rebalance(self))
        await consumer.start()
        self.consumer = consumer
        self._task = asyncio.create_task(self._run(), name=f"{self.runtime.name}.consume")

    async def _run(self) -> None:
        assert self.consumer is not None
        runtime = self.runtime
        settings = runtime.settings
        # getmany returns as soon as records are there; the timeout only wakes an idle loop
        # to commit
        timeout_ms = IDLE_WAKE_MS
        while not self._stopping:
            try:
                fetched = await self.consumer.getmany(
                    timeout_ms=timeout_ms, max_records=settings.batch_size
                )
            except KafkaError as exc:
                log.warning("%s: fetch failed (%s); trying again", runtime.name, exc)
                await asyncio.sleep(0.5)
                continue
            if not fetched:
                await self._maybe_commit()
                continue
            shares: dict[str, list[Any]] = {}
            for tp, records in fetched.items():
                for agent in self.agents_of.get(tp.topic, ()):
                    shares.setdefault(agent.name, []).extend(records)
            for agent in runtime.agents:
                records = shares.get(agent.name)
                if records:
                    await runtime.process(records, agent)
            await self._maybe_commit()

    async def _maybe_commit(self) -> None:
        if time.monotonic() - self._last_commit >= self.runtime.settings.commit_interval_s:
            async with self.runtime.lock:
                await self.commit(None)

    async def commit(self, partitions: Sequence[TopicPartition] | None) -> None:
        """Commit the positions of what was handled (all held partitions, or ``partitions``)."""
        self._last_commit = time.monotonic()
        if self.consumer is None:
            return
        held = self.assignment() if partitions is None else set(partitions)
        positions = self.runtime.positions
        offsets = {
            tp: positions[(tp.topic, tp.partition)]
            for tp in held
            if (tp.topic, tp.partition) in positions
            and self._committed.get((tp.topic, tp.partition)) != positions[(tp.topic, tp.partition)]
        }
        if not offsets:
            return
        try:
            await self.consumer.commit(offsets)
        except KafkaError as exc:  # rebalancing: the state snapshot holds the positions anyway
            log.info("%s: offset commit deferred (%s)", self.runtime.name, type(exc).__name__)
            return
        for tp, offset in offsets.items():
            self._committed[(tp.topic, tp.partition)] = offset

    async def stop(self) -> None:
        """Finish the batch in hand, commit, and leave the group."""
        self._stopping = True
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=30)
            except TimeoutError:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.consumer is not None:
            with contextlib.suppress(KafkaError):
                await self.commit(None)
            with contextlib.suppress(KafkaError):
                await self.consumer.stop()
            self.consumer = None

    @property
    def failed(self) -> BaseException | None:
        """The exception that ended the read loop, if it ended by one."""
        if self._task is None or not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()
