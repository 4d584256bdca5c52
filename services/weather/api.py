"""Weather HTTP adapter: station-observation ingestion and warning queries."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field

from services.weather.streams import engine
from shared.contracts.envelope import AwareDatetime, RegionCode, derived_id
from shared.contracts.weather import (
    WEATHER_OBSERVATIONS,
    SignalType,
    StationObservation,
    WarningIssued,
)
from shared.runtime import ServiceRuntime, ingest


class ObservationIn(BaseModel):
    """One station reading as a data provider posts it (unknown fields are refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    station_id: str = Field(min_length=1, max_length=32)
    region: RegionCode
    observed_at: AwareDatetime
    event_id: UUID | None = Field(
        default=None, description="Optional: a retry with the same id is processed once"
    )
    temp_c: float | None = Field(default=None, ge=-60, le=60)
    tmin_c: float | None = Field(default=None, ge=-60, le=60)
    tmax_c: float | None = Field(default=None, ge=-60, le=60)
    rain_mm: float | None = Field(default=None, ge=0, le=500)
    wind_ms: float | None = Field(default=None, ge=0, le=90)
    gust_ms: float | None = Field(default=None, ge=0, le=120)
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)
    ground_temp_c: float | None = Field(default=None, ge=-60, le=80)


def to_event(reading: ObservationIn, provider: str) -> StationObservation:
    """The envelope event for one posted reading (same reading + provider -> same event id)."""
    fields = reading.model_dump(exclude={"event_id", "observed_at"})
    event_id = reading.event_id or derived_id(
        "obs", provider, reading.station_id, reading.observed_at.isoformat()
    )
    return StationObservation(
        event_id=event_id, occurred_at=reading.observed_at, source="weather", **fields
    )


#: POST /ingest/observations: API-key protected; 202 only after Kafka acknowledged.
ingest_router = ingest.ingest_router(
    ingest.IngestPath(
        sector="weather",
        path="observations",
        reading=ObservationIn,
        to_event=to_event,
        topic=WEATHER_OBSERVATIONS,
        field="observations",
        summary="Publish a batch of station readings to ``weather.observations.v1``.",
    )
)


def warnings_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /warnings/active and /warnings/{identifier}: the live warning book."""
    router = APIRouter(prefix="/warnings", tags=["warnings"])

    @router.get("/active", response_model=list[WarningIssued])
    async def active_warnings(
        request: Request,
        region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
        signal: Annotated[SignalType | None, Query(description="Signal type")] = None,
    ) -> list[WarningIssued]:
        """Warnings in force now, optionally for one region and/or signal type."""
        return engine(runtime).active(region=region, signal=signal)

    @router.get("/{identifier}", response_model=WarningIssued)
    async def warning_by_id(identifier: str) -> WarningIssued:
        """One warning by its CAP identifier (the latest message of its lifecycle)."""
        found = engine(runtime).get(identifier)
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no warning {identifier!r}")
        return found

    return router
