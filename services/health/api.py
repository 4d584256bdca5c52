"""The health HTTP adapter: ingestion, load profile, surveillance views, decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from services.health.domain import HealthModel
from shared.contracts.envelope import Mode
from shared.contracts.health import HEALTH_OBSERVATIONS, HealthDecision, HealthReading
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import BEIJING_OFFSET, load_world
from shared.world.sectors.health import health

Models = Annotated[Paired[HealthModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: a city's daily surveillance (heat-illness visits, patients who missed
#: treatment), API-key protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="readings",
    event=HealthReading,
    topic=HEALTH_OBSERVATIONS,
    field="readings",
    id_fields=("site_id",),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
views = APIRouter(tags=["surveillance"])


class CityView(BaseModel):
    """One city's surveillance as the siloed model last read it, and its flood-zone patients."""

    city: str
    baseline_deaths_per_day: float
    excess_deaths_per_day: float | None
    flood_zone_patients: int
    missed_treatments: int | None
    evacuating: bool


@decisions.get("", response_model=list[HealthDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[HealthDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[HealthDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[HealthDecision]:
    """The actions in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@views.get("/cities", response_model=list[CityView])
async def cities(models: Models) -> list[CityView]:
    """Each city's baseline deaths, the excess its surveillance reads, its cut-off patients, and
    whether the fused model knows of an evacuation there."""
    siloed, fused = models.siloed, models.fused
    deaths, missed = siloed.excess_deaths(), siloed.missed_treatments()
    return [
        CityView(
            city=code,
            baseline_deaths_per_day=round(c.baseline_deaths_per_day, 1),
            excess_deaths_per_day=None if code not in deaths else round(deaths[code], 2),
            flood_zone_patients=c.patients,
            missed_treatments=missed.get(code),
            evacuating=fused.evacuating(code),
        )
        for code, c in sorted(siloed.cities.items())
    ]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One day's surveillance of a city: mostly an ordinary day, now and then a hot one."""
    world = load_world()
    city = ctx.rng.choice(world.cities)
    hot = ctx.rng.random() < 0.1
    per_million = ctx.rng.uniform(20, 60) if hot else ctx.rng.uniform(0, 2)
    at = ctx.clock.tick()
    reading: dict[str, Any] = {
        "site_id": f"health-{city.code}",
        "region": city.code,
        "observed_at": at.isoformat(),
        "day": ((at + BEIJING_OFFSET).date() - timedelta(days=1)).isoformat(),
        "heat_illness_visits": round(per_million * city.pop_m),
    }
    if health(world).patient_zones(city):
        reading["missed_treatments"] = 0
    return [reading]


LOAD = LoadProfile(ingest=READINGS, readings=readings, weight=1, queries=("/decisions",))
