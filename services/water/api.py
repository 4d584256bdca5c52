"""The water HTTP adapter: ingestion of its stations' readings, the works and the decisions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.water.domain import LeveeView, ReservoirView, StorageAreaView, WaterModel
from shared.contracts.envelope import Mode
from shared.contracts.water import WATER_OBSERVATIONS, HydroReading, StationKind, WaterDecision
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.water import works

Models = Annotated[Paired[WaterModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/readings: reservoir and gauge readings, API-key protected; 202 once Kafka acked.
READINGS = IngestPath(
    path="readings",
    event=HydroReading,
    topic=WATER_OBSERVATIONS,
    field="readings",
    id_fields=("station_kind", "station_id"),
)

decisions = APIRouter(prefix="/decisions", tags=["decisions"])
works_router = APIRouter(tags=["works"])


@decisions.get("", response_model=list[WaterDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[WaterDecision]:
    """Every decision so far (taken and lifted), per mode."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@decisions.get("/in-force", response_model=list[WaterDecision])
async def in_force(models: Models, mode: ModeQuery = None) -> list[WaterDecision]:
    """The operations in force now, per mode."""
    return [d for _, m in models.modes(mode) for d in m.in_force()]


@works_router.get("/reservoirs", response_model=list[ReservoirView])
async def reservoirs(models: Models, mode: ModeQuery = None) -> list[ReservoirView]:
    """Every reservoir's last level and inflow, and where it is pre-releasing for, per mode."""
    return [v for _, m in models.modes(mode) for v in m.reservoirs()]


@works_router.get("/storage-areas", response_model=list[StorageAreaView])
async def storage_areas(models: Models, mode: ModeQuery = None) -> list[StorageAreaView]:
    """Every flood storage area, its design gauge and where it was opened, per mode."""
    return [v for _, m in models.modes(mode) for v in m.storage_areas()]


@works_router.get("/levees", response_model=list[LeveeView])
async def levees(models: Models, mode: ModeQuery = None) -> list[LeveeView]:
    """Every city's levees at each gauge, with the patrols and reinforcements in force."""
    return [v for _, m in models.modes(mode) for v in m.levees()]


def readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's reading from one station: a gauge near its usual stage, or a reservoir."""
    world = load_world()
    if ctx.rng.random() < 0.5:
        gauge = ctx.rng.choice(world.gauges)
        return [
            {
                "station_kind": StationKind.GAUGE.value,
                "station_id": gauge.id,
                "region": gauge.city,
                "observed_at": ctx.clock.tick().isoformat(),
                "level_m": round(gauge.warning_m + ctx.rng.uniform(-3, 1), 2),
            }
        ]
    r = ctx.rng.choice(works(world).reservoirs)
    return [
        {
            "station_kind": StationKind.RESERVOIR.value,
            "station_id": r.id,
            "region": r.city,
            "observed_at": ctx.clock.tick().isoformat(),
            "level_m": round(r.flood_limit_level_m + ctx.rng.uniform(-1, 1), 2),
            "inflow_m3s": round(ctx.rng.uniform(0.05, 0.9) * r.max_discharge_m3s, 1),
        }
    ]


LOAD = LoadProfile(
    ingest=READINGS,
    readings=readings,
    weight=1,
    queries=("/decisions", "/reservoirs", "/storage-areas", "/levees"),
)
