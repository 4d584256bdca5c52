"""Agriculture HTTP adapter: farm-reading ingestion, its load profile, and queries of the current
crop risk per city and industry and of the advisories issued."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict

from services.agriculture.domain import AgricultureModel
from shared.contracts.agriculture import (
    AGRICULTURE_OBSERVATIONS,
    AdvisoryBasis,
    AdvisoryIssued,
    FarmObservation,
    Industry,
    RiskKind,
    RiskLevel,
)
from shared.contracts.envelope import Mode, RegionCode
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world

#: Most advisories one query returns.
MAX_LIMIT = 1000

#: The service's siloed and fused models, as a route dependency.
State = Annotated[Paired[AgricultureModel], Depends(state_of)]

#: POST /ingest/farm-readings: farm sensor readings, API-key protected; 202 once Kafka acknowledged.
FARM_READINGS = IngestPath(
    path="farm-readings",
    event=FarmObservation,
    topic=AGRICULTURE_OBSERVATIONS,
    field="readings",
    id_fields=("farm_id",),
    time_field="observed_at",
    summary="Publish a batch of farm field-sensor readings to ``agriculture.observations.v1``.",
)


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


risks = APIRouter(prefix="/risks", tags=["risks"])


@risks.get("", response_model=list[RiskOut])
async def current_risks(
    models: State,
    region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
    industry: Annotated[Industry | None, Query()] = None,
    mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
) -> list[RiskOut]:
    """Risks open now, optionally for one city, industry and/or mode."""
    return [
        RiskOut.model_validate(view, from_attributes=True)
        for _, model in models.modes(mode)
        for view in model.current_risks(region=region, industry=industry)
    ]


advisories = APIRouter(prefix="/advisories", tags=["advisories"])


@advisories.get("", response_model=list[AdvisoryIssued])
async def advisories_issued(
    models: State,
    region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
    industry: Annotated[Industry | None, Query()] = None,
    risk: Annotated[RiskKind | None, Query()] = None,
    mode: Annotated[Mode | None, Query()] = None,
    status: Annotated[Literal["taken", "lifted"] | None, Query()] = None,
    since: Annotated[datetime | None, Query(description="Simulated time, ISO 8601")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
) -> list[AdvisoryIssued]:
    """Advisories matching every given filter, the most recent ``limit`` of them."""
    found = [
        a
        for _, model in models.modes(mode)
        for a in model.advisories()
        if (region is None or a.region == region)
        and (industry is None or a.industry == industry)
        and (risk is None or a.risk == risk)
        and (status is None or a.status == status)
        and (since is None or a.occurred_at >= since)
    ]
    found.sort(key=lambda a: (a.occurred_at, a.mode.value, a.decision_key))
    return found[-limit:]


def _diurnal(hour: int) -> float:
    """0 at 05:00, 1 at 14:00 local (the shape of a summer day's temperature)."""
    return 0.5 - 0.5 * math.cos((hour - 5) / 24 * 2 * math.pi)


def farm_readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's field-sensor readings from 5 to 15 farms (a county gateway's upload)."""
    rng = ctx.rng
    farms = rng.randint(5, 15)
    at = ctx.clock.tick()
    d = _diurnal(ctx.clock.local_hour)
    world = load_world()
    out = []
    for farm in rng.sample(world.farms, k=min(farms, len(world.farms))):
        paddy = farm.industry.value in ("rice", "aquaculture")
        out.append(
            {
                "farm_id": farm.farm_id,
                "region": farm.city,
                "industry": farm.industry.value,
                "crop": farm.crop,
                "observed_at": at.isoformat(),
                "soil_moisture_pct": round(rng.uniform(24, 38), 1),
                "canopy_temp_c": round(26 + 9 * d + rng.gauss(0, 0.6), 1),
                "water_depth_cm": round(rng.uniform(3, 8), 1) if paddy else 0.0,
                "crop_stress": round(min(1.0, abs(rng.gauss(0.08, 0.05))), 2),
            }
        )
    return out


#: County farm IoT gateways (the most readings of any sector: 83 farms), and city risk queries.
LOAD = LoadProfile(
    ingest=FARM_READINGS,
    readings=farm_readings,
    weight=6,
    queries=("/risks?region={region}",),
)
