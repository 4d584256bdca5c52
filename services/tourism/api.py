"""The tourism HTTP adapter: ingestion, load profile, areas, decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.tourism.domain import AreaModel
from shared.contracts.envelope import Mode
from shared.contracts.tourism import (
    TOURISM_OBSERVATIONS,
    Landscape,
    TourismDecision,
    TourismReading,
)
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.tourism import tourism

Models = Annotated[Paired[AreaModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: an area's station, road sensor, gate count and webcam, API-key
#: protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=TourismReading,
    topic=TOURISM_OBSERVATIONS,
    field="readings",
    id_fields=("site_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
views = APIRouter(tags=["areas"])


class AreaView(BaseModel):
    """One scenic area: its world data and what the models know of it now."""

    id: str
    name_zh: str
    name_en: str
    city: str
    elevation_m: float
    capacity_per_day: float
    cable_cars: int
    road_km: float
    landscapes: tuple[Landscape, ...]
    last_temp_c: float | None
    last_visitors: int | None
    road_icy: bool | None
    access_closed: tuple[str, ...]
    in_force: dict[Mode, list[str]]


@decisions.get("", response_model=list[TourismDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[TourismDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[TourismDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[TourismDecision]:
    """The actions in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@views.get("/areas", response_model=list[AreaView])
async def areas(models: Models) -> list[AreaView]:
    """The scenic areas with their last reading and the actions in force on them."""
    last = models.siloed.last_readings()
    held = {mode: m.in_force() for mode, m in models.modes(None)}
    out = []
    for a in tourism(load_world()).areas:
        r = last.get(a.id)
        out.append(
            AreaView(
                id=a.id,
                name_zh=a.name_zh,
                name_en=a.name_en,
                city=a.city,
                elevation_m=a.elevation_m,
                capacity_per_day=a.capacity_per_day,
                cable_cars=a.cable_cars,
                road_km=a.road_km,
                landscapes=a.landscapes,
                last_temp_c=None if r is None else r.temp_c,
                last_visitors=None if r is None else r.visitors,
                road_icy=None if r is None else r.road_icy,
                access_closed=models.fused.roads_closed(a.id),
                in_force={
                    mode: [str(d.action) for d in ds if d.site_id == a.id]
                    for mode, ds in held.items()
                },
            )
        )
    return out


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading from one area: mostly fair, now and then a storm."""
    area = ctx.rng.choice(tourism(load_world()).areas)
    wet = ctx.rng.random() < 0.1
    return [
        {
            "site_id": area.id,
            "region": area.city,
            "observed_at": ctx.clock.tick().isoformat(),
            "temp_c": round(ctx.rng.uniform(5, 30), 1),
            "rain_24h_mm": round(ctx.rng.uniform(20, 90) if wet else ctx.rng.uniform(0, 5), 1),
            "visitors": ctx.rng.randint(0, 5000),
        }
    ]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions",))
