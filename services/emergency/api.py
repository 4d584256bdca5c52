"""Emergency HTTP adapter: response levels per city, resources and their positions, incidents."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from services.emergency.streams import desk
from shared.contracts.emergency import (
    EMERGENCY_REPORTS,
    CitizenReport,
    Measure,
    ReportKind,
    ResourceKind,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import AwareDatetime, Mode, RegionCode, derived_id
from shared.runtime import ServiceRuntime, ingest

#: Most incidents one query returns.
MAX_INCIDENTS = 500


class CityOut(BaseModel):
    """One city's response as one mode's model sees it."""

    model_config = ConfigDict(frozen=True)

    mode: Mode
    city: str
    name_zh: str
    name_en: str
    level: ResponseLevel | None
    measures: tuple[Measure, ...]
    lake_above_warning_m: float | None
    flood_reports_in_window: int
    resources_on_hand: dict[ResourceKind, int]


class ResourcesOut(BaseModel):
    """One city's resources in one mode: stock, sent away, moved in (with routes and ETAs)."""

    model_config = ConfigDict(frozen=True)

    mode: Mode
    city: str
    stock: dict[ResourceKind, int]
    sent_away: dict[ResourceKind, int]
    deployed_here: list[dict[str, Any]]


class IncidentOut(BaseModel):
    """A citizen report or safety alarm (the same in both modes: own-sector data)."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    city: str
    kind: str
    detail: str
    event_id: UUID


def _modes(mode: Mode | None) -> tuple[Mode, ...]:
    return (mode,) if mode is not None else (Mode.SILOED, Mode.FUSED)


ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]
CityQuery = Annotated[RegionCode | None, Query(description="GB/T 2260 city code")]


def responses_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /responses/levels and /responses/active."""
    router = APIRouter(prefix="/responses", tags=["responses"])

    @router.get("/levels", response_model=list[CityOut])
    async def levels(mode: ModeQuery = None, city: CityQuery = None) -> list[CityOut]:
        """The response level and measures in force per city."""
        both = desk(runtime)
        return [
            CityOut(mode=m, **vars(view))
            for m in _modes(mode)
            for view in both.models[m].cities()
            if city is None or view.city == city
        ]

    @router.get("/active", response_model=list[ResponseDecided])
    async def active(
        mode: ModeQuery = None, city: CityQuery = None, measure: Measure | None = None
    ) -> list[ResponseDecided]:
        """The decision in force for every active measure."""
        both = desk(runtime)
        return [
            d
            for m in _modes(mode)
            for d in both.models[m].active_decisions()
            if (city is None or d.region == city) and (measure is None or d.measure is measure)
        ]

    return router


def resources_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /resources: each city's rescue resources and where they have been moved."""
    router = APIRouter(prefix="/resources", tags=["resources"])

    @router.get("", response_model=list[ResourcesOut])
    async def resources(mode: ModeQuery = None, city: CityQuery = None) -> list[ResourcesOut]:
        """Stock, resources sent away and resources moved in, per city and mode."""
        both = desk(runtime)
        return [
            ResourcesOut.model_validate({"mode": m, **row})
            for m in _modes(mode)
            for row in both.models[m].resources()
            if city is None or row["city"] == city
        ]

    return router


def incidents_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /incidents: the latest citizen reports and safety alarms."""
    router = APIRouter(prefix="/incidents", tags=["incidents"])

    @router.get("", response_model=list[IncidentOut])
    async def incidents(
        city: CityQuery = None,
        limit: Annotated[int, Query(ge=1, le=MAX_INCIDENTS)] = 100,
    ) -> list[IncidentOut]:
        """Newest first; the siloed model's copy (both modes see the same own-sector data)."""
        found = desk(runtime).siloed.incidents(MAX_INCIDENTS)
        rows = [IncidentOut(**vars(i)) for i in found if city is None or i.city == city]
        return rows[:limit]

    return router


class CitizenReportIn(BaseModel):
    """One citizen report (12345 hotline, app) as a provider posts it (unknown fields refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    region: RegionCode
    reported_at: AwareDatetime
    event_id: UUID | None = Field(
        default=None, description="Optional: a retry with the same id is processed once"
    )
    report_kind: ReportKind
    channel: str = Field(default="12345", min_length=1, max_length=32)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    people: int | None = Field(default=None, ge=0, le=1_000_000)
    text: str = Field(default="", max_length=500)


def to_event(report: CitizenReportIn, provider: str) -> CitizenReport:
    """The envelope event for one posted report (same report + provider -> same event id)."""
    fields = report.model_dump(exclude={"event_id", "reported_at"})
    event_id = report.event_id or derived_id(
        "report", provider, report.channel, report.region, report.reported_at.isoformat(),
        report.report_kind, report.lon, report.lat, report.people, report.text,
    )  # fmt: skip
    return CitizenReport(
        event_id=event_id, occurred_at=report.reported_at, source="emergency", **fields
    )


#: POST /ingest/citizen-reports: API-key protected; 202 only after Kafka acknowledged.
ingest_router = ingest.ingest_router(
    ingest.IngestPath(
        sector="emergency",
        path="citizen-reports",
        reading=CitizenReportIn,
        to_event=to_event,
        topic=EMERGENCY_REPORTS,
        field="reports",
        summary="Publish a batch of citizen reports to ``emergency.reports.v1``.",
    )
)
