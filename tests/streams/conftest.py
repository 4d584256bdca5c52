"""Stream-test support: build a service's faust app without a broker, recording what it sends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from aiokafka.structs import RecordMetadata

from shared.runtime import Sink


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
        done.set_result(None)  # type: ignore[arg-type]
        return done

    async def partitions(self, topic: str) -> int:
        """Every topic has the same, configured number of partitions."""
        return self._partitions

    def on(self, topic: str) -> list[bytes]:
        """The values sent to ``topic``."""
        return [v for t, _, v, _, _ in self.sent if t == topic and v is not None]
