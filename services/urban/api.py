"""The urban HTTP adapter: ingestion, load profile, drainage zones, decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.urban.domain import DrainageModel
from shared.contracts.envelope import Mode
from shared.contracts.urban import URBAN_OBSERVATIONS, DrainageReading, UrbanDecision
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.urban import urban

Models = Annotated[Paired[DrainageModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: a drainage zone's network fill, street ponding and rain, API-key
#: protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=DrainageReading,
    topic=URBAN_OBSERVATIONS,
    field="readings",
    id_fields=("zone_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
views = APIRouter(tags=["drainage"])


class ZoneOut(BaseModel):
    """A drainage zone as one mode sees it: its last readings, outfalls and actions."""

    mode: Mode
    id: str
    name_zh: str
    name_en: str
    pipe_fill: float | None
    street_depth_m: float | None
    rain_mm: float | None
    outfalls_shut: bool
    actions: tuple[str, ...]


@decisions.get("", response_model=list[UrbanDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[UrbanDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[UrbanDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[UrbanDecision]:
    """The actions in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@views.get("/zones", response_model=list[ZoneOut])
async def zones(models: Models, mode: ModeQuery = None) -> list[ZoneOut]:
    """Every drainage zone: network fill, ponding and rain read, outfalls as each mode knows
    them (only the fused model reads the river), and the actions in force."""
    return [ZoneOut(**vars(v)) for _, m in models.modes(mode) for v in m.zone_views()]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading of one zone: mostly a dry network, now and then a cloudburst."""
    zone = ctx.rng.choice(urban(load_world()).zones)
    wet = ctx.rng.random() < 0.1
    return [
        {
            "zone_id": zone.id,
            "region": zone.city,
            "observed_at": ctx.clock.tick().isoformat(),
            "pipe_fill": round(ctx.rng.uniform(0.6, 1.0) if wet else ctx.rng.uniform(0, 0.3), 2),
            "street_depth_cm": round(ctx.rng.uniform(0, 40) if wet else 0.0, 1),
            "rain_mm": round(ctx.rng.uniform(10, 50) if wet else ctx.rng.uniform(0, 2), 1),
        }
    ]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions", "/zones"))
