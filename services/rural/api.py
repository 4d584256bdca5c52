"""The rural HTTP adapter: ingestion, load profile, hazard zones, decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.rural.domain import ZoneModel
from shared.contracts.envelope import Mode
from shared.contracts.rural import (
    RURAL_OBSERVATIONS,
    Precursor,
    ReadingKind,
    RuralDecision,
    RuralReading,
)
from shared.contracts.weather import Colour
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.rural import villages

Models = Annotated[Paired[ZoneModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: the zones' rain gauges and the grid workers' reports, API-key
#: protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=RuralReading,
    topic=RURAL_OBSERVATIONS,
    field="readings",
    id_fields=("site_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
views = APIRouter(tags=["zones"])


class ZoneView(BaseModel):
    """One city's hazard zones: what is at stake, and what each mode has seen of them."""

    city: str
    villages: int
    people: int
    dangerous_houses: int
    hazard_points: int
    patrol_crews: int
    grid_workers: int
    flash_index: dict[Mode, float]
    risk: dict[Mode, Colour | None]
    reports_in_window: dict[Mode, int]
    emergency_response: bool


@decisions.get("", response_model=list[RuralDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[RuralDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[RuralDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[RuralDecision]:
    """The relocations and patrols in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@views.get("/zones", response_model=list[ZoneView])
async def zones(models: Models) -> list[ZoneView]:
    """Each city's hazard zones with the flash-flood index and risk level each mode reads."""
    modes = list(models.modes(None))
    rules = models.siloed.rules
    return [
        ZoneView(
            city=z.code,
            villages=z.villages,
            people=z.people,
            dangerous_houses=z.dangerous_houses,
            hazard_points=z.hazard_points,
            patrol_crews=z.patrol_crews,
            grid_workers=z.grid_workers,
            flash_index={mode: round(m.index(z.code), 3) for mode, m in modes},
            risk={mode: rules.risk(m.index(z.code)) for mode, m in modes},
            reports_in_window={mode: m.reports(z.code) for mode, m in modes},
            emergency_response=models.fused.responding(z.code),
        )
        for z in sorted(models.siloed.zones.values(), key=lambda z: z.code)
    ]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading: a city's zone gauges, now and then in a storm, or a grid report."""
    zone = ctx.rng.choice(villages(load_world()).zones)
    at = ctx.clock.tick().isoformat()
    if ctx.rng.random() < 0.05:
        return [
            {
                "site_id": f"grid-{zone.city}",
                "region": zone.city,
                "observed_at": at,
                "kind": ReadingKind.GRID_REPORT.value,
                "precursor": ctx.rng.choice(list(Precursor)).value,
                "households": ctx.rng.randint(1, 12),
            }
        ]
    wet = ctx.rng.random() < 0.1
    r1 = ctx.rng.uniform(5, 40) if wet else ctx.rng.uniform(0, 2)
    return [
        {
            "site_id": f"zone-{zone.city}",
            "region": zone.city,
            "observed_at": at,
            "kind": ReadingKind.RAIN_GAUGE.value,
            "rain_1h_mm": round(r1, 1),
            "rain_3h_mm": round(r1 * 2.5, 1),
            "rain_24h_mm": round(r1 * 6 if wet else r1 * 3, 1),
        }
    ]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions",))
