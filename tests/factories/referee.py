"""Small builders of ground truth and decisions for the referee's tests (and any other test)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.contracts.agriculture import AgricultureAction
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.simulator import (
    HazardKind,
    HazardOccurred,
    ImpactOccurred,
    Mitigation,
    TickAdvanced,
    ValueReference,
)

T0 = datetime(2020, 7, 8, 12, tzinfo=UTC)
NANCHANG = "360100"
JIUJIANG = "360400"


def impact(
    impact_id: str = "waterlog:farm-1:0",
    *,
    asset_id: str = "farm-1",
    region: str = NANCHANG,
    sector: str = "agriculture",
    action: str = AgricultureAction.DRAIN_FIELDS,
    loss: float = 10_000_000.0,
    avoidable: float = 8_000_000.0,
    at: datetime = T0,
    full_benefit_h: float = 6.0,
    perfect_cost: float = 0.0,
) -> ImpactOccurred:
    """An impact at ``at``: fully avoidable by ``action`` in place ``full_benefit_h`` before, at
    ``perfect_cost`` for a decision-maker with perfect information."""
    return ImpactOccurred(
        event_id=derived_id("test-impact", impact_id),
        occurred_at=at,
        source="simulator",
        region=region,
        impact_id=impact_id,
        hazard_id="rain-1",
        hazard=HazardKind.RAINSTORM,
        sector=sector,
        impact_kind="crop_loss",
        asset_id=asset_id,
        exposure_started_at=at - timedelta(hours=2),
        loss_yuan=loss,
        mitigations=(
            Mitigation(
                action=action,
                avoidable_yuan=avoidable,
                full_benefit_by=at - timedelta(hours=full_benefit_h),
                no_benefit_after=at,
                perfect_cost_yuan=perfect_cost,
            ),
        ),
    )


def hazard(region: str = NANCHANG) -> HazardOccurred:
    """A rainstorm episode over one city."""
    return HazardOccurred(
        occurred_at=T0 - timedelta(hours=3),
        source="simulator",
        region=region,
        hazard_id="rain-1",
        hazard=HazardKind.RAINSTORM,
        started_at=T0 - timedelta(hours=3),
        peak_at=T0,
        ended_at=T0 + timedelta(hours=6),
        peak_intensity=80.0,
        unit="mm/h",
    )


def decision(
    key: str = "drain:360100",
    *,
    mode: Mode = Mode.FUSED,
    at: datetime = T0 - timedelta(hours=12),
    region: str = NANCHANG,
    sector: str = "agriculture",
    action: str = AgricultureAction.DRAIN_FIELDS,
    asset_ids: tuple[str, ...] = ("farm-1",),
    cost: float = 1_000_000.0,
    per_h: float = 0.0,
    status: Literal["taken", "lifted"] = "taken",
    **extra: Any,
) -> DecisionMade:
    """A decision with a deterministic id (the same arguments give the same event).

    It costs ``cost`` once when taken and ``per_h`` for every hour in force."""
    return DecisionMade(
        event_id=derived_id("test-decision", key, mode, at.isoformat(), status, region),
        occurred_at=at,
        source=sector,
        region=region,
        sector=sector,
        mode=mode,
        action=action,
        status=status,
        decision_key=key,
        asset_ids=asset_ids,
        effective_at=extra.pop("effective_at", at),
        setup_cost_yuan=cost,
        cost_yuan_per_h=per_h,
        expected_loss_avoided_yuan=0.0,
        **extra,
    )


def response_level(
    level: ResponseLevel | None,
    *,
    mode: Mode = Mode.FUSED,
    at: datetime = T0,
    region: str = NANCHANG,
    status: Literal["taken", "lifted"] = "taken",
) -> ResponseDecided:
    """The emergency service's response level for a city (None with a lift: stood down)."""
    return ResponseDecided(
        event_id=derived_id("test-level", mode, at.isoformat(), status, region),
        occurred_at=at,
        source="emergency",
        region=region,
        mode=mode,
        action=Measure.RESPONSE_LEVEL.action,
        status=status,
        decision_key=f"level:{region}",
        effective_at=at,
        expected_loss_avoided_yuan=0.0,
        measure=Measure.RESPONSE_LEVEL,
        level=level,
    )


def marker(tick: int, *, final: bool = False, run_id: str = "run-r") -> TickAdvanced:
    """The simulator's marker closing ``tick`` of a two-tick run that starts at ``T0``."""
    return TickAdvanced(
        event_id=derived_id("test-tick", run_id, tick),
        occurred_at=T0 + timedelta(hours=tick + 1),
        source="simulator",
        region="360000",
        run_id=run_id,
        scenario="referee-test",
        seed=1,
        tick=tick,
        total_ticks=2,
        tick_start=T0 + timedelta(hours=tick),
        final=final,
    )


def reference(sector: str = "agriculture", always_cost: float = 1e12) -> ValueReference:
    """What always acting costs ``sector`` (by default far more than anything it could avoid)."""
    return ValueReference(
        event_id=derived_id("test-reference", sector, always_cost),
        occurred_at=T0,
        source="simulator",
        region="360000",
        sector=sector,
        always_cost_yuan=always_cost,
        assets=1,
        hours=48,
    )
