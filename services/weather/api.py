"""Weather HTTP adapter: station-observation ingestion, its load profile, and warning queries."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from services.weather.domain import WarningEngine
from shared.contracts.envelope import RegionCode
from shared.contracts.weather import (
    WEATHER_OBSERVATIONS,
    SignalType,
    StationObservation,
    WarningIssued,
)
from shared.runtime import IngestPath, LoadContext, LoadProfile, state_of
from shared.world import load_world

#: The service's warning engine, as a route dependency.
Engine = Annotated[WarningEngine, Depends(state_of)]

#: POST /ingest/observations: station readings, API-key protected; 202 once Kafka acknowledged.
OBSERVATIONS = IngestPath(
    path="observations",
    event=StationObservation,
    topic=WEATHER_OBSERVATIONS,
    field="observations",
    id_fields=("station_id",),
    summary="Publish a batch of station readings to ``weather.observations.v1``.",
)

warnings = APIRouter(prefix="/warnings", tags=["warnings"])


@warnings.get("/active", response_model=list[WarningIssued])
async def active_warnings(
    engine: Engine,
    region: Annotated[RegionCode | None, Query(description="GB/T 2260 code")] = None,
    signal: Annotated[SignalType | None, Query(description="Signal type")] = None,
) -> list[WarningIssued]:
    """Warnings in force now, optionally for one region and/or signal type."""
    return engine.active(region=region, signal=signal)


@warnings.get("/{identifier}", response_model=WarningIssued)
async def warning_by_id(engine: Engine, identifier: str) -> WarningIssued:
    """One warning by its CAP identifier (the latest message of its lifecycle)."""
    found = engine.get(identifier)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no warning {identifier!r}")
    return found


def _diurnal(hour: int) -> float:
    """0 at 05:00, 1 at 14:00 local (the shape of a summer day's temperature)."""
    return 0.5 - 0.5 * math.cos((hour - 5) / 24 * 2 * math.pi)


def station_readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One to three consecutive hourly readings from one station: a Jiangxi summer day, warm,
    humid and mostly dry with showers."""
    rng = ctx.rng
    st = rng.choice(load_world().stations)
    out = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        at = ctx.clock.tick()
        d = _diurnal(ctx.clock.local_hour)
        shower = rng.random() < 0.08
        out.append(
            {
                "station_id": st.id,
                "region": st.city,
                "observed_at": at.isoformat(),
                "temp_c": round(25 + 8 * d + rng.gauss(0, 0.5), 1),
                "rain_mm": round(rng.expovariate(1 / 4), 1) if shower else 0.0,
                "wind_ms": round(abs(rng.gauss(2.5, 1.2)), 1),
                "gust_ms": round(abs(rng.gauss(5, 2)), 1),
                "visibility_m": round(rng.uniform(6_000, 25_000)),
                "humidity_pct": round(min(100, 92 - 20 * d + rng.gauss(0, 3)), 1),
                "ground_temp_c": round(27 + 14 * d + rng.gauss(0, 1), 1),
            }
        )
    return out


#: 13 automatic stations reporting hourly, and public map queries of a city's warnings.
LOAD = LoadProfile(
    ingest=OBSERVATIONS,
    readings=station_readings,
    weight=2,
    queries=("/warnings/active?region={region}",),
    query_slo_ms=(150, 300),
)
