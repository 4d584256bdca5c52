"""The urban HTTP adapter: ingestion, load profile, decisions taken."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.urban.domain import SiteModel
from shared.contracts.envelope import Mode
from shared.contracts.urban import URBAN_OBSERVATIONS, UrbanDecision, UrbanReading
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world

Models = Annotated[Paired[SiteModel], Depends(state_of)]

#: POST /ingest/readings: site sensor readings, API-key protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=UrbanReading,
    topic=URBAN_OBSERVATIONS,
    field="readings",
    id_fields=("site_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])


@decisions.get("", response_model=list[UrbanDecision])
async def decided(
    models: Models,
    mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
) -> list[UrbanDecision]:
    """Every protection decided so far, per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading from one site: mostly dry, now and then a wet day."""
    city = ctx.rng.choice(load_world().cities)
    wet = ctx.rng.random() < 0.1
    return [
        {
            "site_id": f"urban-{city.code}",
            "region": city.code,
            "observed_at": ctx.clock.tick().isoformat(),
            "rain_24h_mm": round(ctx.rng.uniform(20, 90) if wet else ctx.rng.uniform(0, 5), 1),
        }
    ]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions",))
