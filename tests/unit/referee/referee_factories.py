"""Small builders of ground truth and decisions for the referee's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from shared.contracts.agriculture import AgricultureAction
from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.simulator import HazardKind, HazardOccurred, ImpactOccurred, Mitigation

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
) -> ImpactOccurred:
    """An impact at ``at``: fully avoidable by ``action`` in place ``full_benefit_h`` before."""
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
                cost_yuan=1_000_000.0,
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
    status: Literal["taken", "lifted"] = "taken",
    **extra: Any,
) -> DecisionMade:
    """A decision with a deterministic id (the same arguments give the same event)."""
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
        effective_at=at,
        cost_yuan=cost,
        expected_loss_avoided_yuan=0.0,
        **extra,
    )
