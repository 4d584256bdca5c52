"""One way to build an ingestion endpoint: API key -> validated batch -> Kafka (acks=all) -> 202.

Every sector's ``POST /ingest/<path>`` is made by :func:`ingest_router` from the sector, the
path, the model of one posted reading, the function that turns a reading into its envelope
event, and the topic. The rules are the same everywhere: no key or an unknown one is 401, a key
for another sector 403, a malformed body 422 (unknown fields refused), and 202 only after the
broker acknowledged every event; when it does not answer, 503 with ``Retry-After``.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations at
# runtime, and the batch model is built inside the factory, so it must not be a string.

import logging
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar
from uuid import UUID

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, create_model

from shared import metrics
from shared.contracts.envelope import Event
from shared.contracts.spec import TopicSpec
from shared.runtime.auth import require_sector_key
from shared.runtime.service import BrokerUnavailableError, ServiceRuntime

log = logging.getLogger(__name__)

#: Seconds a client should wait before retrying when the broker is unavailable.
RETRY_AFTER_S = 5

#: Most readings one request may carry.
MAX_BATCH = 1000

R = TypeVar("R", bound=BaseModel)

#: Builds the envelope event of one posted reading, given the provider its API key names.
ToEvent = Callable[[R, str], Event]


class Accepted(BaseModel):
    """The readings were acknowledged by Kafka (acks=all) and will be processed."""

    accepted: int
    event_ids: list[UUID]


class IngestPath(Generic[R]):
    """What one ingestion endpoint takes in and where it publishes."""

    def __init__(
        self,
        *,
        sector: str,
        path: str,
        reading: type[R],
        to_event: ToEvent[R],
        topic: TopicSpec,
        field: str,
        summary: str,
    ) -> None:
        self.sector = sector
        self.path = path
        self.reading = reading
        self.to_event = to_event
        self.topic = topic
        self.field = field
        self.summary = summary
        #: The request body: ``{"<field>": [reading, ...]}`` with 1 to ``MAX_BATCH`` readings.
        self.batch: type[BaseModel] = create_model(
            f"{reading.__name__.removesuffix('In')}Batch",
            __config__=ConfigDict(extra="forbid", frozen=True),
            __doc__=f"A batch of {field}: one request carries 1 to {MAX_BATCH:,}.",
            **{field: (list[reading], Field(min_length=1, max_length=MAX_BATCH))},  # type: ignore[call-overload,valid-type]
        )

    def events(self, batch: BaseModel, provider: str) -> list[Event]:
        """The envelope events of every reading in a posted batch."""
        readings: list[R] = getattr(batch, self.field)
        return [self.to_event(r, provider) for r in readings]


def ingest_router(spec: IngestPath[Any]) -> Callable[[ServiceRuntime], APIRouter]:
    """A router factory (for ``ServiceSpec.routers``) serving ``POST /ingest/<path>``."""
    batch_model = spec.batch
    provider_dep = Annotated[str, Depends(require_sector_key(spec.sector))]

    def make(runtime: ServiceRuntime) -> APIRouter:
        router = APIRouter(prefix="/ingest", tags=["ingestion"])

        async def ingest(batch: batch_model, provider: provider_dep) -> Accepted | JSONResponse:  # type: ignore[valid-type]
            events = spec.events(batch, provider)
            try:
                await runtime.publish((spec.topic, e) for e in events)
            except BrokerUnavailableError as exc:
                metrics.HTTP_REJECTED.labels(runtime.name, "503").inc()
                log.warning("%s: %d readings refused with 503: %s", spec.path, len(events), exc)
                return JSONResponse(
                    {"detail": f"{exc}; nothing was acknowledged, retry later with the same body"},
                    status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
                    headers={"Retry-After": str(RETRY_AFTER_S)},
                )
            metrics.HTTP_INGESTED.labels(runtime.name, provider).inc(len(events))
            return Accepted(accepted=len(events), event_ids=[e.event_id for e in events])

        ingest.__name__ = f"ingest_{spec.path.replace('-', '_')}"
        ingest.__doc__ = spec.summary
        router.add_api_route(
            f"/{spec.path}",
            ingest,
            methods=["POST"],
            status_code=status.HTTP_202_ACCEPTED,
            response_model=Accepted,
            summary=spec.summary,
            responses={
                401: {"description": "No or unknown API key"},
                403: {"description": "Key scoped to another sector"},
                422: {"description": "Malformed body"},
                503: {"description": "Kafka unavailable; retry after the Retry-After seconds"},
            },
        )
        return router

    make.__name__ = f"ingest_{spec.path.replace('-', '_')}_router"
    make.__doc__ = f"POST /ingest/{spec.path}: {spec.summary}"
    return make
