"""The energy HTTP adapter: ingestion, load profile, corridors, load, decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.energy.domain import GridModel
from shared.contracts.energy import ENERGY_OBSERVATIONS, EnergyDecision, GridReading, SiteKind
from shared.contracts.envelope import Mode
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.energy import grid

Models = Annotated[Paired[GridModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: corridor ice and tension, turbine icing and load metering, API-key
#: protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=GridReading,
    topic=ENERGY_OBSERVATIONS,
    field="readings",
    id_fields=("site_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
views = APIRouter(tags=["grid"])


class CorridorView(BaseModel):
    """One corridor: its class and the most ice its city's monitors have read (per mode)."""

    id: str
    city: str
    kv: int
    km: float
    design_ice_mm: float
    ice_mm: dict[Mode, float]


class LoadView(BaseModel):
    """One city's last metered load against the capacity available to it."""

    city: str
    load_mw: float
    available_mw: float
    margin_mw: float


@decisions.get("", response_model=list[EnergyDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[EnergyDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[EnergyDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[EnergyDecision]:
    """The actions in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@views.get("/corridors", response_model=list[CorridorView])
async def corridors(models: Models) -> list[CorridorView]:
    """The main corridors with their design class and the ice read on them."""
    ice = {mode: m.ice() for mode, m in models.modes(None)}
    return [
        CorridorView(
            id=c.id,
            city=c.city,
            kv=c.kv,
            km=c.km,
            design_ice_mm=c.design_ice_mm,
            ice_mm={mode: seen.get(c.city, 0.0) for mode, seen in ice.items()},
        )
        for c in grid(load_world()).corridors
    ]


@views.get("/load", response_model=list[LoadView])
async def load(models: Models) -> list[LoadView]:
    """Each city's metered load against its capacity (the siloed model's own metering)."""
    return [
        LoadView(city=code, load_mw=lo, available_mw=av, margin_mw=round(av - lo, 1))
        for code, (lo, av) in sorted(models.siloed.metered().items())
    ]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading: a corridor's ice monitor, now and then in freezing rain."""
    g = grid(load_world())
    corridor = ctx.rng.choice(g.corridors)
    icy = ctx.rng.random() < 0.1
    return [
        {
            "site_id": corridor.id,
            "region": corridor.city,
            "kind": SiteKind.CORRIDOR.value,
            "observed_at": ctx.clock.tick().isoformat(),
            "ice_mm": round(ctx.rng.uniform(5, 25) if icy else 0.0, 1),
        }
    ]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions",))
