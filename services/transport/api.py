"""Transport HTTP adapter: road-network status and the controls in force, per mode."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from services.transport.streams import desk
from shared.contracts.envelope import AwareDatetime, Mode, RegionCode, derived_id
from shared.contracts.transport import (
    TRANSPORT_OBSERVATIONS,
    RoadControl,
    RoadControlApplied,
    RoadObservation,
    RoadStatus,
    SurfaceState,
    VehicleClass,
)
from shared.runtime import ServiceRuntime, ingest


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


def _modes(mode: Mode | None) -> tuple[Mode, ...]:
    return (mode,) if mode is not None else (Mode.SILOED, Mode.FUSED)


def roads_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /roads and /roads/{segment_id}: the road network's status per mode."""
    router = APIRouter(prefix="/roads", tags=["roads"])

    def segments(mode: Mode | None) -> list[SegmentOut]:
        both = desk(runtime)
        return [
            SegmentOut(mode=m, **vars(view))
            for m in _modes(mode)
            for view in both.models[m].segments()
        ]

    @router.get("", response_model=list[SegmentOut])
    async def network(
        mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
        road_status: Annotated[RoadStatus | None, Query(alias="status")] = None,
    ) -> list[SegmentOut]:
        """Every segment's status (open / restricted / closed), optionally filtered."""
        return [s for s in segments(mode) if road_status is None or s.status is road_status]

    @router.get("/{segment_id}", response_model=list[SegmentOut])
    async def one_segment(
        segment_id: str,
        mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
    ) -> list[SegmentOut]:
        """One segment, in each mode."""
        found = [s for s in segments(mode) if s.segment_id == segment_id]
        if not found:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no segment {segment_id!r}")
        return found

    return router


def controls_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /controls/active: the control decisions in force."""
    router = APIRouter(prefix="/controls", tags=["controls"])

    @router.get("/active", response_model=list[RoadControlApplied])
    async def active_controls(
        mode: Annotated[Mode | None, Query(description="siloed or fused; both when absent")] = None,
        segment_id: Annotated[str | None, Query(max_length=48)] = None,
        control: Annotated[RoadControl | None, Query()] = None,
    ) -> list[RoadControlApplied]:
        """The latest decision of every active control, optionally for one segment or kind."""
        both = desk(runtime)
        return [
            c
            for m in _modes(mode)
            for c in both.models[m].active_controls()
            if (segment_id is None or c.segment_id == segment_id)
            and (control is None or c.control is control)
        ]

    return router


class RoadReadingIn(BaseModel):
    """One expressway detector reading as a data provider posts it (unknown fields refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    detector_id: str = Field(min_length=1, max_length=48)
    segment_id: str = Field(min_length=1, max_length=48)
    road: str = Field(min_length=1, max_length=16, description="Expressway number, e.g. G60")
    region: RegionCode
    observed_at: AwareDatetime
    event_id: UUID | None = Field(
        default=None, description="Optional: a retry with the same id is processed once"
    )
    speed_kmh: float | None = Field(default=None, ge=0, le=200)
    volume_vph: int | None = Field(default=None, ge=0, le=20_000)
    surface_temp_c: float | None = Field(default=None, ge=-60, le=80)
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    surface_state: SurfaceState | None = None


def to_event(reading: RoadReadingIn, provider: str) -> RoadObservation:
    """The envelope event for one posted reading (same reading + provider -> same event id)."""
    fields = reading.model_dump(exclude={"event_id", "observed_at"})
    event_id = reading.event_id or derived_id(
        "road", provider, reading.detector_id, reading.observed_at.isoformat()
    )
    return RoadObservation(
        event_id=event_id, occurred_at=reading.observed_at, source="transport", **fields
    )


#: POST /ingest/road-readings: API-key protected; 202 only after Kafka acknowledged.
ingest_router = ingest.ingest_router(
    ingest.IngestPath(
        sector="transport",
        path="road-readings",
        reading=RoadReadingIn,
        to_event=to_event,
        topic=TRANSPORT_OBSERVATIONS,
        field="readings",
        summary="Publish a batch of expressway detector readings to ``transport.observations.v1``.",
    )
)
