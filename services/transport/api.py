"""Transport HTTP adapter: detector-reading ingestion, its load profile, and road-network and
control queries per mode."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict

from services.transport.domain import RoadModel
from shared.contracts.envelope import Mode
from shared.contracts.transport import (
    TRANSPORT_OBSERVATIONS,
    RoadControl,
    RoadControlApplied,
    RoadObservation,
    RoadStatus,
    SurfaceState,
    VehicleClass,
)
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world

#: The service's two road models, as a route dependency.
Models = Annotated[Paired[RoadModel], Depends(state_of)]

#: POST /ingest/road-readings: detector readings, API-key protected; 202 once Kafka acknowledged.
READINGS = IngestPath(
    path="road-readings",
    event=RoadObservation,
    topic=TRANSPORT_OBSERVATIONS,
    field="readings",
    id_fields=("detector_id",),
    time_field="observed_at",
    summary="Publish a batch of expressway detector readings to ``transport.observations.v1``.",
)


class SegmentOut(BaseModel):
    """One expressway segment as one mode's model sees it."""

    model_config = ConfigDict(frozen=True)

    mode: Mode
    segment_id: str
    road: str
    from_city: str
    to_city: str
    length_km: float
    status: RoadStatus
    speed_limit_kmh: int | None
    banned_vehicles: tuple[VehicleClass, ...]
    controls: tuple[RoadControl, ...]
    visibility_m: float | None
    surface_temp_c: float | None
    last_observed_at: datetime | None


ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]


def _segments(models: Paired[RoadModel], mode: Mode | None) -> list[SegmentOut]:
    """Every segment's view in the asked mode(s), siloed first."""
    return [
        SegmentOut.model_validate(view, from_attributes=True)
        for _, model in models.modes(mode)
        for view in model.segments()
    ]


roads = APIRouter(prefix="/roads", tags=["roads"])


@roads.get("", response_model=list[SegmentOut])
async def network(
    models: Models,
    mode: ModeQuery = None,
    road_status: Annotated[RoadStatus | None, Query(alias="status")] = None,
) -> list[SegmentOut]:
    """Every segment's status (open / restricted / closed), optionally filtered."""
    return [s for s in _segments(models, mode) if road_status is None or s.status is road_status]


@roads.get("/{segment_id}", response_model=list[SegmentOut])
async def one_segment(models: Models, segment_id: str, mode: ModeQuery = None) -> list[SegmentOut]:
    """One segment, in each mode."""
    found = [s for s in _segments(models, mode) if s.segment_id == segment_id]
    if not found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no segment {segment_id!r}")
    return found


controls = APIRouter(prefix="/controls", tags=["controls"])


@controls.get("/active", response_model=list[RoadControlApplied])
async def active_controls(
    models: Models,
    mode: ModeQuery = None,
    segment_id: Annotated[str | None, Query(max_length=48)] = None,
    control: Annotated[RoadControl | None, Query()] = None,
) -> list[RoadControlApplied]:
    """The latest decision of every active control, optionally for one segment or kind."""
    return [
        c
        for _, model in models.modes(mode)
        for c in model.active_controls()
        if (segment_id is None or c.segment_id == segment_id)
        and (control is None or c.control is control)
    ]


def _diurnal(hour: int) -> float:
    """0 at 05:00, 1 at 14:00 local (temperature shape)."""
    return 0.5 - 0.5 * math.cos((hour - 5) / 24 * 2 * math.pi)


def road_readings(ctx: LoadContext) -> list[dict[str, Any]]:
    """One hour's readings from both detectors of one expressway segment."""
    rng = ctx.rng
    seg = rng.choice(load_world().segments)
    at = ctx.clock.tick()
    h = ctx.clock.local_hour
    share = 0.015 if h < 6 else 0.06 if 7 <= h <= 19 else 0.035  # of the daily traffic
    wet = rng.random() < 0.1
    out = []
    for end, city in (("A", seg.from_city), ("B", seg.to_city)):
        out.append(
            {
                "detector_id": f"{seg.id}-{end}",
                "segment_id": seg.id,
                "road": seg.road,
                "region": city,
                "observed_at": at.isoformat(),
                "speed_kmh": round(rng.gauss(88 if wet else 102, 6), 1),
                "volume_vph": max(0, round(seg.aadt * share * rng.gauss(1, 0.08))),
                "surface_temp_c": round(28 + 12 * _diurnal(h) + rng.gauss(0, 1), 1),
                "visibility_m": round(
                    rng.uniform(3_000, 12_000) if wet else rng.uniform(8_000, 25_000)
                ),
                "surface_state": (SurfaceState.WET if wet else SurfaceState.DRY).value,
            }
        )
    return out


#: Both detectors of a segment reporting hourly, and the traffic centre's wall of the network.
LOAD = LoadProfile(
    ingest=READINGS,
    readings=road_readings,
    weight=3,
    queries=("/roads?mode=fused",),
)
