"""Builders of the events the transport tests feed the road model."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from shared.contracts.envelope import Event
from shared.contracts.transport import RoadObservation, SurfaceState
from shared.contracts.weather import (
    Basis,
    CapAlert,
    CapArea,
    CapInfo,
    Colour,
    ForecastIssued,
    ForecastStep,
    SignalType,
    WarningIssued,
)

T0 = datetime(2018, 1, 24, 0, 0, tzinfo=UTC)
SEGMENT = "G60-NC-XY"  # Nanchang (360100) - Xinyu (360500)
NANCHANG = "360100"
_seq = count()


def reading(
    minutes: float,
    *,
    visibility_m: float | None = None,
    surface_temp_c: float | None = None,
    surface_state: SurfaceState | None = None,
    segment: str = SEGMENT,
    detector: str = "G60-NC-XY-a",
) -> RoadObservation:
    """A detector reading ``minutes`` after T0."""
    return RoadObservation(
        occurred_at=T0 + timedelta(minutes=minutes),
        source="simulator",
        region=NANCHANG,
        detector_id=detector,
        segment_id=segment,
        road=segment.split("-")[0],
        visibility_m=visibility_m,
        surface_temp_c=surface_temp_c,
        surface_state=surface_state,
    )


def warning(
    minutes: float,
    signal: SignalType,
    colour: Colour,
    *,
    basis: Basis = Basis.FORECAST,
    msg_type: str = "Alert",
    region: str = NANCHANG,
    hours: float = 12,
) -> WarningIssued:
    """A CAP warning for ``region`` issued ``minutes`` after T0, valid for ``hours``."""
    sent = T0 + timedelta(minutes=minutes)
    info = CapInfo(
        language="en-US",
        category="Met",
        event=str(signal),
        event_code="11B17",
        response_type="Prepare",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        effective=sent,
        onset=sent + timedelta(hours=2),
        expires=sent + timedelta(hours=hours),
        sender_name="Jiangxi Meteorological Bureau",
        headline="test",
        description="test",
        instruction="test",
        area=CapArea(area_desc="Nanchang", geocode=region),
    )
    alert = CapAlert(
        identifier=f"{region}41600000_{next(_seq):014d}",
        sender="test",
        sent=sent,
        status="Actual",
        msg_type=msg_type,
        scope="Public",
        info=(info,),
    )
    return WarningIssued(
        occurred_at=sent,
        source="weather",
        region=region,
        signal=signal,
        colour=colour,
        basis=basis,
        alert=alert,
    )


def forecast(minutes: float, steps: list[dict[str, float]], *, region: str = NANCHANG) -> Event:
    """A forecast run at ``minutes`` after T0 with hourly ``steps`` from the next hour."""
    run = T0 + timedelta(minutes=minutes)
    return ForecastIssued(
        occurred_at=run,
        source="simulator",
        region=region,
        run_at=run,
        steps=tuple(
            ForecastStep(valid_at=run + timedelta(hours=i + 1), **values)  # type: ignore[arg-type]
            for i, values in enumerate(steps)
        ),
    )


def comparable(event: Event) -> dict[str, object]:
    """An event without what legitimately differs between the modes (mode and derived ids)."""
    return event.model_dump(exclude={"event_id", "mode", "produced_at"})
