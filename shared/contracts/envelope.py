"""The event envelope every dexsim event carries, and the constrained types it uses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

#: Namespace for deterministic event ids (uuid5). Derived events get ids computed from
#: their inputs, so re-processing after a crash yields the same id and downstream
#: idempotency (dedupe on ``event_id``) absorbs it.
DEXSIM_NAMESPACE = uuid.UUID("5f0c1a3e-6f0b-4c8e-9a57-6a1de2c0b1e4")

#: A GB/T 2260 administrative division code: six digits (e.g. 360100 Nanchang).
RegionCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]


def _require_tz(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("timestamp must carry a UTC offset (ISO 8601 with offset)")
    return value


#: A timezone-aware timestamp; naive datetimes are refused.
AwareDatetime = Annotated[datetime, AfterValidator(_require_tz)]


class Classification(StrEnum):
    """Data grade (分类分级) carried by every event."""

    PUBLIC = "public"
    INTERNAL = "internal"
    SENSITIVE = "sensitive"
    IMPORTANT = "important"  # 重要数据


class Mode(StrEnum):
    """Which inputs a decision was made from."""

    SILOED = "siloed"
    FUSED = "fused"


def derived_id(*parts: object) -> uuid.UUID:
    """A deterministic event id from the parts that identify a derived event."""
    return uuid.uuid5(DEXSIM_NAMESPACE, "|".join(str(p) for p in parts))


def utcnow() -> datetime:
    """Wall-clock time, timezone-aware."""
    return datetime.now(UTC)


class Event(BaseModel):
    """Base of every event: the envelope fields, frozen, unknown fields refused.

    Subclasses set ``EVENT_TYPE``/``SCHEMA_VERSION`` and add their payload fields.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    EVENT_TYPE: ClassVar[str] = "Event"
    SCHEMA_VERSION: ClassVar[int] = 1

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    # Filled from the class's EVENT_TYPE / SCHEMA_VERSION by the validator below; the defaults
    # only exist so that constructors need not repeat them.
    event_type: str = ""
    schema_version: int = 0
    occurred_at: AwareDatetime = Field(description="When it happened, in simulated time")
    produced_at: AwareDatetime = Field(default_factory=utcnow, description="Wall-clock time")
    source: str = Field(min_length=1, max_length=64, description="Producing service")
    region: RegionCode = Field(description="GB/T 2260 area code")
    classification: Classification = Classification.INTERNAL
    causation_id: uuid.UUID | None = None
    correlation_id: uuid.UUID | None = None

    @model_validator(mode="before")
    @classmethod
    def _fill_type_and_version(cls, data: Any) -> Any:
        """Fill in the type and version from the class, and refuse a mismatch."""
        if isinstance(data, dict):
            data = dict(data)
            given = data.setdefault("event_type", cls.EVENT_TYPE)
            if given != cls.EVENT_TYPE:
                raise ValueError(f"event_type {given!r} is not {cls.EVENT_TYPE!r}")
            version = data.setdefault("schema_version", cls.SCHEMA_VERSION)
            if version != cls.SCHEMA_VERSION:
                raise ValueError(
                    f"schema_version {version!r} is not supported (expected {cls.SCHEMA_VERSION})"
                )
        return data

    def to_bytes(self) -> bytes:
        """Serialize to the wire format (compact JSON, as ``model_dump_json`` writes it)."""
        return self.__pydantic_serializer__.to_json(self)

    @property
    def key(self) -> bytes:
        """Kafka message key: the region code, so one region's events keep their order."""
        return self.region.encode()
