"""Agriculture HTTP adapter: current crop risk per city and industry, and advisories issued."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.agriculture.streams import models
from shared.contracts.agriculture import (
    AGRICULTURE_OBSERVATIONS,
    AdvisoryBasis,
    AdvisoryIssued,
    FarmObservation,
    Industry,
    RiskKind,
    RiskLevel,
)
from shared.contracts.envelope import AwareDatetime, Mode, RegionCode, derived_id
from shared.runtime import ServiceRuntime, ingest

#: Most advisories one query returns.
MAX_LIMIT = 1000


class RiskOut(BaseModel):
    """An open risk on one farm, as one mode's model sees it."""

    model_config = ConfigDict(frozen=True)

    region: str
    industry: Industry
    crop: str
    farm_id: str
    risk: RiskKind
    level: RiskLevel
    mode: Mode
    decision_key: str
    since: datetime
    basis: AdvisoryBasis
    action: str


def _modes(mode: Mode | None) -> tuple[Mode, ...]:
    return (mode,) if mode is not None else (Mode.SILOED, Mode.FUSED)


def risks_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /risks: open crop risks per city and industry, for each mode."""
    router = APIRouter(prefix="/risks", tags=["risks"])

    @router.get("", response_model=list[RiskOut])
    async def current_risks(
        region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
        industry: Annotated[Industry | None, Query()] = None,
        mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
    ) -> list[RiskOut]:
        """Risks open now, optionally for one city, industry and/or mode."""
        both = models(runtime)
        return [
            RiskOut.model_validate(view, from_attributes=True)
            for m in _modes(mode)
            for view in both.of(m).current_risks(region=region, industry=industry)
        ]

    return router


def advisories_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /advisories: advisories issued (taken and lifted), newest last."""
    router = APIRouter(prefix="/advisories", tags=["advisories"])

    @router.get("", response_model=list[AdvisoryIssued])
    async def advisories(
        region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
        industry: Annotated[Industry | None, Query()] = None,
        risk: Annotated[RiskKind | None, Query()] = None,
        mode: Annotated[Mode | None, Query()] = None,
        status: Annotated[Literal["taken", "lifted"] | None, Query()] = None,
        since: Annotated[datetime | None, Query(description="Simulated time, ISO 8601")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
    ) -> list[AdvisoryIssued]:
        """Advisories matching every given filter, the most recent ``limit`` of them."""
        both = models(runtime)
        found = [
            a
            for m in _modes(mode)
            for a in both.of(m).advisories()
            if (region is None or a.region == region)
            and (industry is None or a.industry == industry)
            and (risk is None or a.risk == risk)
            and (status is None or a.status == status)
            and (since is None or a.occurred_at >= since)
        ]
        found.sort(key=lambda a: (a.occurred_at, a.mode.value, a.decision_key))
        return found[-limit:]

    return router


class FarmReadingIn(BaseModel):
    """One reading of a farm's field sensors as a provider posts it (unknown fields refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    farm_id: str = Field(min_length=1, max_length=48)
    region: RegionCode
    observed_at: AwareDatetime
    event_id: UUID | None = Field(
        default=None, description="Optional: a retry with the same id is processed once"
    )
    industry: Industry
    crop: str = Field(min_length=1, max_length=32, description="e.g. early_rice, navel_orange")
    crop_stage: str | None = Field(default=None, max_length=32, description="e.g. flowering")
    soil_moisture_pct: float | None = Field(default=None, ge=0, le=100)
    canopy_temp_c: float | None = Field(default=None, ge=-60, le=70)
    water_depth_cm: float | None = Field(default=None, ge=0, le=1000)
    crop_stress: float | None = Field(default=None, ge=0, le=1)


def to_event(reading: FarmReadingIn, provider: str) -> FarmObservation:
    """The envelope event for one posted reading (same reading + provider -> same event id)."""
    fields = reading.model_dump(exclude={"event_id", "observed_at"})
    event_id = reading.event_id or derived_id(
        "farm", provider, reading.farm_id, reading.observed_at.isoformat()
    )
    return FarmObservation(
        event_id=event_id, occurred_at=reading.observed_at, source="agriculture", **fields
    )


#: POST /ingest/farm-readings: API-key protected; 202 only after Kafka acknowledged.
ingest_router = ingest.ingest_router(
    ingest.IngestPath(
        sector="agriculture",
        path="farm-readings",
        reading=FarmReadingIn,
        to_event=to_event,
        topic=AGRICULTURE_OBSERVATIONS,
        field="readings",
        summary="Publish a batch of farm field-sensor readings to ``agriculture.observations.v1``.",
    )
)
