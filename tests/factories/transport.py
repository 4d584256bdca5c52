"""The transport service's data, loaded the way the service loads it, models built on it, and
builders of the events the transport tests feed them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from services.transport.domain import RoadModel, RoadRules
from services.transport.service import MANIFEST, TransportSettings, load_rules, paired
from shared.contracts.emergency import Deployment, Measure, ResourceKind, ResponseDecided
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import HazardKind
from shared.contracts.transport import RoadObservation, SurfaceState
from shared.contracts.weather import (
    Basis,
    Colour,
    ForecastIssued,
    ForecastStep,
    SignalType,
    WarningIssued,
)
from shared.runtime import Paired
from shared.world import World, load_world
from tests.factories.weather import cap_warning

T0 = datetime(2018, 1, 24, 0, 0, tzinfo=UTC)
SEGMENT = "G60-NC-XY"  # Nanchang (360100) - Xinyu (360500)
NANCHANG = "360100"


@cache
def rules() -> RoadRules:
    """The shipped road rules."""
    return load_rules(TransportSettings().rules_path)


def world() -> World:
    """The shipped world (parsed once per process by ``load_world``)."""
    return load_world()


def road_model(mode: Mode = Mode.SILOED) -> RoadModel:
    """A fresh road model of one mode, with its own situation ledger."""
    return RoadModel(mode, world=world(), rules=rules())


def models() -> Paired[RoadModel]:
    """Fresh siloed and fused road models sharing one ledger, as the service builds them."""
    return paired(world(), rules())


def deliver(state: Paired[RoadModel], event: Event, *, fusion: bool = True) -> list[Event]:
    """What the service decides on ``event``: the handler of every agent that subscribes to the
    event's topic with this fusion setting (as the runtime routes it), or nothing."""
    out: list[Event] = []
    for agent in MANIFEST.agents:
        if any(t.model is type(event) for t in agent.topics(fusion=fusion)):
            handler = agent.handlers.get(type(event))
            if handler is not None:
                out += handler(state, event)
    return out


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
    return cap_warning(
        minutes, signal, colour, basis=basis, msg_type=msg_type, region=region, hours=hours, t0=T0
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
            ForecastStep(valid_at=run + timedelta(hours=i + 1), **values)
            for i, values in enumerate(steps)
        ),
    )


def emergency_dispatch(
    minutes: float, *, mode: Mode = Mode.FUSED, route: tuple[str, ...] = (SEGMENT,)
) -> ResponseDecided:
    """An emergency response ``minutes`` after T0 sending rescue teams along ``route``."""
    return ResponseDecided(
        occurred_at=T0 + timedelta(minutes=minutes),
        source="emergency",
        region="360500",
        mode=mode,
        action=Measure.RESPONSE_LEVEL.action,
        decision_key="emergency:360500:response_level:20180124T0010Z",
        effective_at=T0 + timedelta(hours=3),
        setup_cost_yuan=1e6,
        expected_loss_avoided_yuan=0,
        measure=Measure.RESPONSE_LEVEL,
        hazard=HazardKind.FREEZING_RAIN,
        level="IV",
        deployments=(
            Deployment(
                resource_id="360100-rescue_team",
                kind=ResourceKind.RESCUE_TEAM,
                quantity=2,
                from_city="360100",
                to_city="360500",
                route=route,
                distance_km=150,
                eta_hours=2.0,
            ),
        ),
    )


def comparable(event: Event) -> dict[str, object]:
    """An event without what legitimately differs between the modes (mode and derived ids)."""
    return event.model_dump(exclude={"event_id", "mode", "produced_at"})
