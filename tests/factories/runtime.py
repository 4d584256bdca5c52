"""Runtimes for stream tests: a service built from its manifest, recording what it would send."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from aiokafka.structs import RecordMetadata
from pydantic import BaseModel

from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import TopicSpec
from shared.runtime import Manifest, ServiceRuntime, Sink, build

S = TypeVar("S")


class RecordingSink(Sink):
    """A sink that keeps every message instead of producing it (a fake built on the real port)."""

    def __init__(self, partitions: int = 4) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, int | None, list[tuple[str, bytes]]]]
        self.sent = []
        self._partitions = partitions

    async def send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        partition: int | None,
        timestamp: float | None,
        headers: list[tuple[str, bytes]] | None,
    ) -> Awaitable[RecordMetadata]:
        """Record the message; the 'ack' is already resolved."""
        self.sent.append((topic, key, value, partition, list(headers or [])))
        done: asyncio.Future[RecordMetadata] = asyncio.get_running_loop().create_future()
        done.set_result(None)  # type: ignore[arg-type,unused-ignore]
        return done

    async def partitions(self, topic: str) -> int:
        """Every topic has the same, configured number of partitions."""
        return self._partitions

    def on(self, topic: str) -> list[bytes]:
        """The values sent to ``topic``."""
        return [v for t, _, v, _, _ in self.sent if t == topic and v is not None]

    def events(self, topic: str, model: type[BaseModel]) -> list[Any]:
        """The events sent to ``topic``, decoded as ``model`` (tick markers left out)."""
        return [
            model.model_validate_json(v) for v in self.on(topic) if b'"TickAdvanced"' not in v[:160]
        ]


def service(
    manifest: Manifest[S], *, partitions: int = 4, **settings: Any
) -> tuple[ServiceRuntime[S], RecordingSink]:
    """The service of ``manifest`` with these settings (small batches by default) and a recorder.

    Drive an agent with ``runtime.faust_app.agents["<service>.<agent>"].test_context()``.
    """
    values = {"batch_size": 50, "batch_timeout_s": 0.01, **settings}
    _, runtime = build(manifest, manifest.settings(**values))
    sink = RecordingSink(partitions=partitions)
    runtime.sink = sink
    return runtime, sink


async def put_from(ctx: Any, topic: TopicSpec, event: Event) -> None:
    """Deliver ``event`` to a test_context as read from ``topic``.

    faust's test_context names the messages of an agent that reads several topics
    ``<internal>``; the runtime meters cross-sector reads (and dead-letters) by the real topic.
    """
    to_message = ctx.to_message

    def from_topic(*args: Any, **kwargs: Any) -> Any:
        message = to_message(*args, **kwargs)
        message.topic = topic.name
        return message

    ctx.to_message = from_topic
    try:
        await ctx.put(event.to_bytes(), key=event.key)
    finally:
        ctx.to_message = to_message


def tick_marker(tick: int, start: datetime, *, run_id: str = "run-1") -> TickAdvanced:
    """The simulator's marker closing hour ``tick`` of a ten-hour run from ``start``."""
    return TickAdvanced(
        occurred_at=start + timedelta(hours=tick + 1),
        source="simulator",
        region="360000",
        run_id=run_id,
        scenario="s",
        seed=1,
        tick=tick,
        total_ticks=10,
        tick_start=start + timedelta(hours=tick),
    )
