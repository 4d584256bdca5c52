"""The emergency service's rules and world, loaded the way the service loads them, models built on
them, and builders of the events the emergency tests feed those models."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache

from services.emergency.domain import ResponseModel, ResponseRules, RoadGraph
from services.emergency.service import EmergencySettings, load_rules, new_models
from shared.contracts.emergency import CitizenReport, GaugeReading, ReportKind
from shared.contracts.envelope import Event, Mode
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import (
    Colour,
    SignalType,
    WarningIssued,
)
from shared.runtime import Paired
from shared.world import World, load_world
from tests.factories.weather import cap_warning

T0 = datetime(2018, 1, 24, 0, 0, tzinfo=UTC)
JIUJIANG, NANCHANG, PINGXIANG, SHANGRAO = "360400", "360100", "360300", "361100"


@cache
def rules() -> ResponseRules:
    """The shipped response rules."""
    return load_rules(EmergencySettings().rules_path)


def world() -> World:
    """The world model (loaded once per process by ``load_world``)."""
    return load_world()


def model(mode: Mode = Mode.SILOED) -> ResponseModel:
    """A fresh response model of one mode with the shipped world and rules."""
    return ResponseModel(mode, world=world(), rules=rules())


def models(*, defer: bool = False) -> Paired[ResponseModel]:
    """The service's state with its default settings: both modes over one ledger.

    Unless ``defer``, each input decides at once (the service defers to the end of each batch,
    which the runtime's tests drive), so a test reads an input's decisions from its call."""
    state = new_models(EmergencySettings())
    state.siloed.defer = state.fused.defer = defer
    return state


def graph() -> RoadGraph:
    """The expressway graph with every segment open, at the rules' convoy speed."""
    return RoadGraph(
        world().segments,
        convoy_speed_kmh=rules().convoy_speed_kmh,
        closure_wait_h=rules().closure_wait_h,
    )


def gauge(hours: float, level_m: float, gauge_id: str = "xingzi") -> GaugeReading:
    """A Jiujiang gauge reading ``hours`` after T0."""
    return GaugeReading(
        occurred_at=T0 + timedelta(hours=hours),
        source="simulator",
        region=JIUJIANG,
        gauge_id=gauge_id,
        water_level_m=level_m,
    )


def report(hours: float, kind: ReportKind, region: str = PINGXIANG) -> CitizenReport:
    """A citizen report of ``kind`` from ``region``, ``hours`` after T0."""
    return CitizenReport(
        occurred_at=T0 + timedelta(hours=hours), source="simulator", region=region,
        report_kind=kind,
    )  # fmt: skip


def closed(segment_id: str, mode: Mode = Mode.FUSED) -> RoadStatusChanged:
    """Transport closed ``segment_id`` in ``mode``'s world at T0."""
    seg = next(s for s in world().segments if s.id == segment_id)
    return RoadStatusChanged(
        occurred_at=T0, source="transport", region=seg.from_city, mode=mode,
        segment_id=seg.id, road=seg.road, from_city=seg.from_city, to_city=seg.to_city,
        status=RoadStatus.CLOSED,
    )  # fmt: skip


def warning(
    minutes: float,
    signal: SignalType,
    colour: Colour,
    *,
    region: str = NANCHANG,
    hours: float = 12,
) -> WarningIssued:
    """A CAP forecast warning for ``region`` issued ``minutes`` after T0, valid for ``hours``."""
    return cap_warning(minutes, signal, colour, region=region, hours=hours, t0=T0)


def comparable(event: Event) -> dict[str, object]:
    """An event without what legitimately differs between the modes (mode and derived ids)."""
    return event.model_dump(exclude={"event_id", "mode", "produced_at"})
