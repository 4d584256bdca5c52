"""One way to build an ingestion endpoint: API key -> validated batch -> Kafka (acks=all) -> 202.

A service declares each of its ingestion paths with an ``IngestPath``: the event it publishes,
the topic, the JSON field holding the batch, which fields identify a reading and which one
carries its time. The posted reading's model is derived from the event (its payload fields and
constraints, ``region``, the time field and an optional ``event_id``), so the two never drift
apart. The rules are the same everywhere: no key or an unknown one is 401, a key for another
sector 403, a malformed body 422 (unknown fields refused), and 202 only after the broker
acknowledged every event; when it does not answer, 503 with ``Retry-After``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations at
# runtime, and the batch model is built inside the factory, so it must not be a string.

import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import cached_property
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from shared import metrics
from shared.contracts.envelope import AwareDatetime, Event, derived_id
from shared.contracts.spec import TopicSpec
from shared.runtime.auth import require_sector_key

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying when the broker is unavailable.
RETRY_AFTER_S = 5

#: Most readings one request may carry.
MAX_BATCH = 1000

#: Envelope fields a provider never sets: the service fills them in.
_FILLED_IN = frozenset(
    {
        "event_id",
        "event_type",
        "schema_version",
        "occurred_at",
        "produced_at",
        "source",
        "classification",
        "causation_id",
        "correlation_id",
    }
)


class Accepted(BaseModel):
    """The readings were acknowledged by Kafka (acks=all) and will be processed."""

    accepted: int
    event_ids: list[UUID]


class BrokerUnavailableError(RuntimeError):
    """The broker did not acknowledge a send within the configured time."""


class _ReadingRefusedError(ValueError):
    """Readings of a batch that break their event's rules across fields (errors as FastAPI's)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} readings refused")
        self.errors = errors


#: Publishes events and waits for the broker's acks (raises ``BrokerUnavailableError``).
Publish = Callable[[Iterable[tuple[TopicSpec, Event]]], Awaitable[None]]


class IngestPath:
    """One ingestion endpoint: ``POST /ingest/<path>`` with ``{"<field>": [reading, ...]}``."""

    def __init__(
        self,
        *,
        path: str,
        event: type[Event],
        topic: TopicSpec,
        field: str,
        id_fields: tuple[str, ...],
        time_field: str = "observed_at",
        summary: str = "",
    ) -> None:
        if topic.model is not event:
            raise ValueError(f"{topic.name} carries {topic.model.__name__}, not {event.__name__}")
        unknown = set(id_fields) - set(event.model_fields)
        if unknown:
            raise ValueError(f"{event.__name__} has no fields {sorted(unknown)}")
        self.path = path
        self.event = event
        self.topic = topic
        self.field = field
        self.id_fields = id_fields
        self.time_field = time_field
        self.summary = summary or f"Publish a batch of {field} to ``{topic.name}``."

    @cached_property
    def reading(self) -> type[BaseModel]:
        """One posted reading: the event's payload fields, its time and an optional id."""
        fields: dict[str, Any] = {
            name: (info.annotation, info)
            for name, info in self.event.model_fields.items()
            if name not in _FILLED_IN
        }
        fields[self.time_field] = (AwareDatetime, Field(description="When it was measured"))
        fields["event_id"] = (
            UUID | None,
            Field(default=None, description="Optional: a retry with the same id is processed once"),
        )
        model: type[BaseModel] = create_model(
            f"{self.event.__name__}In",
            __config__=ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True),
            __doc__=f"One {self.event.__name__} as a provider posts it (unknown fields refused).",
            **fields,
        )
        return model

    @cached_property
    def batch(self) -> type[BaseModel]:
        """The request body: ``{"<field>": [reading, ...]}`` with 1 to ``MAX_BATCH`` readings."""
        model: type[BaseModel] = create_model(  # type: ignore[call-overload]
            f"{self.event.__name__}Batch",
            __config__=ConfigDict(extra="forbid", frozen=True),
            __doc__=f"A batch of {self.field}: one request carries 1 to {MAX_BATCH:,}.",
            **{self.field: (list[self.reading], Field(min_length=1, max_length=MAX_BATCH))},  # type: ignore[name-defined]
        )
        return model

    def to_event(self, reading: BaseModel, *, provider: str, source: str) -> Event:
        """The envelope event of one reading: the same reading and provider give the same id."""
        data = reading.model_dump(exclude={"event_id", self.time_field})
        at = getattr(reading, self.time_field)
        given: UUID | None = getattr(reading, "event_id", None)
        event_id = given or derived_id(
            self.path, provider, *(data[f] for f in self.id_fields), at.isoformat()
        )
        return self.event(event_id=event_id, occurred_at=at, source=source, **data)

    def events(self, batch: BaseModel, *, provider: str, source: str) -> list[Event]:
        """The envelope events of every reading in a posted batch.

        A reading whose fields are each valid can still break one of the event's own rules
        across fields (its ``model_validator``s, which the reading model does not carry): the
        whole batch is then refused with each such reading's errors, located in the body as a
        field's would be (``_ReadingRefusedError``; the endpoint answers 422, and nothing is
        published)."""
        readings: list[BaseModel] = getattr(batch, self.field)
        out: list[Event] = []
        errors: list[dict[str, Any]] = []
        for i, r in enumerate(readings):
            try:
                out.append(self.to_event(r, provider=provider, source=source))
            except ValidationError as exc:
                errors += [
                    {**e, "loc": ("body", self.field, i, *e["loc"])}
                    for e in exc.errors(
                        include_url=False, include_context=False, include_input=False
                    )
                ]
        if errors:
            raise _ReadingRefusedError(errors)
        return out

    def router(self, *, service: str, sector: str, publish: Publish) -> APIRouter:
        """The endpoint, API-key protected for ``sector``, publishing through ``publish``."""
        spec = self
        batch_model = self.batch
        provider_dep = Annotated[str, Depends(require_sector_key(sector))]
        router = APIRouter(prefix="/ingest", tags=["ingestion"])

        async def ingest(batch: batch_model, provider: provider_dep) -> Accepted | JSONResponse:  # type: ignore[valid-type]
            try:
                events = spec.events(batch, provider=provider, source=service)
            except _ReadingRefusedError as exc:
                metrics.HTTP_REJECTED.labels(service, "422").inc()
                raise RequestValidationError(exc.errors) from None
            try:
                await publish((spec.topic, e) for e in events)
            except BrokerUnavailableError as exc:
                metrics.HTTP_REJECTED.labels(service, "503").inc()
                log.warning("%s: %d readings refused with 503: %s", spec.path, len(events), exc)
                return JSONResponse(
                    {"detail": f"{exc}; nothing was acknowledged, retry later with the same body"},
                    status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            metrics.HTTP_INGESTED.labels(service, provider).inc(len(events))
            return Accepted(accepted=len(events), event_ids=[e.event_id for e in events])

        ingest.__name__ = f"ingest_{self.path.replace('-', '_')}"
        ingest.__doc__ = self.summary
        router.add_api_route(
            f"/{self.path}",
            ingest,
            methods=["POST"],
            status_code=status.HTTP_202_ACCEPTED,
            response_model=Accepted,
            summary=self.summary,
            responses={
                401: {"description": "No or unknown API key"},
                403: {"description": "Key scoped to another sector"},
                422: {"description": "Malformed body"},
                503: {"description": "Kafka unavailable; retry after the Retry-After seconds"},
            },
        )
        return router
