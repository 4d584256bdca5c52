"""The message codec: bytes -> validated event, with dead-lettering and idempotency helpers.

Faust carries raw bytes (``value_serializer="raw"``); validation happens here, at the edge, with
pydantic. A message that fails goes to the topic's ``.dlq`` with its original bytes and the
reason, and the stream goes on.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar
from uuid import UUID

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from shared.contracts.envelope import Event
from shared.contracts.spec import TopicSpec

E = TypeVar("E", bound=Event)

#: Largest message the codec accepts; bigger ones are dead-lettered unread.
MAX_MESSAGE_BYTES = 1_000_000


@dataclass(frozen=True)
class DecodeFailure:
    """Why a message could not be decoded: a short machine reason and a human detail."""

    reason: str  # one of: too_large, not_json, invalid, wrong_type
    detail: str
    stage: str = "decode"


def handler_failure(exc: BaseException) -> DecodeFailure:
    """The DLQ record of a handler that raised on a decoded event (the handle stage)."""
    return DecodeFailure("handler_error", f"{type(exc).__name__}: {exc}"[:2000], stage="handle")


class Codec(Generic[E]):
    """Decodes the bytes of one topic's messages into its event model."""

    def __init__(self, model: type[E]) -> None:
        self.model = model

    @classmethod
    def for_topic(cls, spec: TopicSpec) -> Codec[Event]:
        """The codec of a registered topic."""
        return Codec(spec.model)

    def decode(self, raw: bytes | None) -> E | DecodeFailure:
        """Validate ``raw`` as the model; return the event or why it failed (never raises)."""
        if raw is None:
            return DecodeFailure("invalid", "empty message (tombstone)")
        if len(raw) > MAX_MESSAGE_BYTES:
            return DecodeFailure("too_large", f"{len(raw)} bytes > {MAX_MESSAGE_BYTES}")
        try:
            return self.model.model_validate_json(raw)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            if errors and errors[0]["type"] == "json_invalid":
                return DecodeFailure("not_json", str(errors[0]["msg"])[:500])
            return DecodeFailure("invalid", _summarize(errors))


def _summarize(errors: Sequence[ErrorDetails]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err["loc"]) or "(root)"
        parts.append(f"{loc}: {err['msg']}")
    return "; ".join(parts)[:1000]


#: Header of a message put back from a dead-letter topic (``dexsim dlq replay``).
REPLAYED_HEADER = "dlq.replayed"


def dlq_headers(
    *, failure: DecodeFailure, service: str, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    """Kafka headers that say where a dead-lettered message came from and why."""
    return [
        ("dlq.stage", failure.stage.encode()),
        ("dlq.reason", failure.reason.encode()),
        ("dlq.detail", failure.detail.encode()[:2000]),
        ("dlq.service", service.encode()),
        ("dlq.topic", topic.encode()),
        ("dlq.partition", str(partition).encode()),
        ("dlq.offset", str(offset).encode()),
    ]


class Deduper:
    """Remembers recent event ids so a redelivered event is processed once.

    Bounded twice: by count (the ``capacity`` newest ids) and, when ``max_age_s`` is given, by
    age (ids first seen more than ``max_age_s`` of wall time ago are forgotten). Redeliveries
    come within minutes of the original (a restart, a rebalance), so an hour holds them; the
    age bound keeps a quiet service's memory from staying at its peak, and the count bound keeps
    a busy one's within ``capacity`` x about 100 bytes. The in-process bus passes no age: its
    runs must not depend on the wall clock.
    """

    def __init__(
        self,
        capacity: int = 100_000,
        *,
        max_age_s: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.max_age_s = max_age_s
        self._clock = clock
        # an id's 16 bytes -> when it was first (or last) seen; oldest first (kept as bytes, so a
        # snapshot's export is one join)
        self._seen: OrderedDict[bytes, float] = OrderedDict()

    def first_time(self, event_id: UUID) -> bool:
        """True the first time an id is seen (and remember it); False for a duplicate."""
        now = self._clock()
        key = event_id.bytes
        if key in self._seen:
            self._seen[key] = now
            self._seen.move_to_end(key)
            return False
        self._seen[key] = now
        if len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
        self._expire(now)
        return True

    def _expire(self, now: float) -> None:
        if self.max_age_s is None:
            return
        oldest = now - self.max_age_s
        seen = self._seen
        while seen:
            first = next(iter(seen.values()))
            if first >= oldest:
                return
            seen.popitem(last=False)

    def forget(self, event_id: UUID) -> None:
        """Forget an id (its handling failed): the event may come again, replayed from the DLQ."""
        self._seen.pop(event_id.bytes, None)

    def __len__(self) -> int:
        if self.max_age_s is not None:
            self._expire(self._clock())
        return len(self._seen)

    def export(self) -> bytes:
        """The ids remembered, oldest first, 16 bytes each (for a state snapshot)."""
        if self.max_age_s is not None:
            self._expire(self._clock())
        return b"".join(self._seen)

    def load(self, data: bytes) -> None:
        """Remember exactly the ids of an :meth:`export` (in its order), as seen now."""
        if len(data) % 16:
            raise ValueError(f"{len(data)} bytes are not a whole number of 16-byte ids")
        now = self._clock()
        self._seen = OrderedDict((data[i : i + 16], now) for i in range(0, len(data), 16))
        while len(self._seen) > self.capacity:
            self._seen.popitem(last=False)
