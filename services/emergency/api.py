"""Emergency HTTP adapter: citizen-report ingestion and its load profile, response levels and the
measures in force per city (levels, evacuations, suspensions), resources and their positions,
incidents."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from services.emergency.domain import ResponseModel
from shared.contracts.emergency import (
    EMERGENCY_REPORTS,
    CitizenReport,
    Measure,
    ReportKind,
    ResourceKind,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import Mode, RegionCode
from shared.datafile import read_yaml
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.settings import PROJECT_ROOT
from shared.world import load_world

#: Most incidents one query returns.
MAX_INCIDENTS = 500

#: The service's two models, as a route dependency.
State = Annotated[Paired[ResponseModel], Depends(state_of)]

#: POST /ingest/citizen-reports: API-key protected; 202 only after Kafka acknowledged.
REPORTS = IngestPath(
    path="citizen-reports",
    event=CitizenReport,
    topic=EMERGENCY_REPORTS,
    field="reports",
    id_fields=("channel", "region", "report_kind", "lon", "lat", "people", "text"),
    time_field="reported_at",
    summary="Publish a batch of citizen reports to ``emergency.reports.v1``.",
)


class CityOut(BaseModel):
    """One city's response as one mode's model sees it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

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

    model_config = ConfigDict(frozen=True, from_attributes=True)

    at: datetime
    city: str
    kind: str
    detail: str
    event_id: UUID


ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]
CityQuery = Annotated[RegionCode | None, Query(description="GB/T 2260 city code")]

responses_router = APIRouter(prefix="/responses", tags=["responses"])


@responses_router.get("/levels", response_model=list[CityOut])
async def levels(models: State, mode: ModeQuery = None, city: CityQuery = None) -> list[CityOut]:
    """The response level and measures in force per city."""
    return [
        CityOut.model_validate(view, from_attributes=True)
        for _, model in models.modes(mode)
        for view in model.cities()
        if city is None or view.city == city
    ]


@responses_router.get("/active", response_model=list[ResponseDecided])
async def active(
    models: State, mode: ModeQuery = None, city: CityQuery = None, measure: Measure | None = None
) -> list[ResponseDecided]:
    """The decision in force for every active measure."""
    return [
        d
        for _, model in models.modes(mode)
        for d in model.active_decisions()
        if (city is None or d.region == city) and (measure is None or d.measure is measure)
    ]


resources_router = APIRouter(prefix="/resources", tags=["resources"])


@resources_router.get("", response_model=list[ResourcesOut])
async def resources(
    models: State, mode: ModeQuery = None, city: CityQuery = None
) -> list[ResourcesOut]:
    """Stock, resources sent away and resources moved in, per city and mode."""
    return [
        ResourcesOut.model_validate(row)
        for _, model in models.modes(mode)
        for row in model.resources()
        if city is None or row["city"] == city
    ]


incidents_router = APIRouter(prefix="/incidents", tags=["incidents"])


@incidents_router.get("", response_model=list[IncidentOut])
async def incidents(
    models: State,
    city: CityQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_INCIDENTS)] = 100,
) -> list[IncidentOut]:
    """Newest first; the siloed model's copy (both modes see the same own-sector data)."""
    found = models.siloed.incidents(MAX_INCIDENTS)
    rows = [
        IncidentOut.model_validate(i, from_attributes=True)
        for i in found
        if city is None or i.city == city
    ]
    return rows[:limit]


#: Relative frequency of what citizens report in a wet summer (most calls are about water).
REPORT_MIX: dict[ReportKind, float] = {
    ReportKind.WATERLOGGING: 0.40,
    ReportKind.FLOODING: 0.20,
    ReportKind.TRAFFIC_ACCIDENT: 0.12,
    ReportKind.LANDSLIDE: 0.06,
    ReportKind.POWER_OUTAGE: 0.06,
    ReportKind.HEAT_ILLNESS: 0.06,
    ReportKind.CROP_DAMAGE: 0.05,
    ReportKind.POOR_VISIBILITY: 0.03,
    ReportKind.WATER_SHORTAGE: 0.02,
}

#: The simulator's observation model: what callers say per report kind.
OBSERVATION_MODEL = PROJECT_ROOT / "services" / "simulator" / "observation_model.yaml"


@cache
def report_texts() -> dict[str, str]:
    """What a caller says per report kind (the simulator's phrasing, in Chinese), read once."""
    texts: dict[str, str] = read_yaml(OBSERVATION_MODEL)["reports"]["text_zh"]
    return texts


def citizen_report(ctx: LoadContext) -> list[dict[str, Any]]:
    """One call to the 12345 hotline from somewhere in one city."""
    rng = ctx.rng
    city = rng.choice(load_world().cities)
    kinds, weights = zip(*REPORT_MIX.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    return [
        {
            "region": city.code,
            "reported_at": ctx.clock.tick().isoformat(),
            "report_kind": kind.value,
            "channel": rng.choice(("12345", "12345", "12345", "110", "app")),
            "lon": round(city.lon + rng.uniform(-0.3, 0.3), 3),
            "lat": round(city.lat + rng.uniform(-0.3, 0.3), 3),
            "people": rng.randint(1, 30),
            "text": report_texts().get(kind.value, ""),
        }
    ]


#: The 12345 hotline forwarding calls one by one (more in a storm), and the duty officer's list.
LOAD = LoadProfile(
    ingest=REPORTS,
    readings=citizen_report,
    weight=1,
    queries=("/incidents?limit=50",),
    surges=True,
    query_slo_ms=(150, 300),
)
