"""The energy service's thresholds and chances (its ``data/rules.yaml``), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.weather import Colour, SignalType
from shared.world.costs import EvidenceChances, Probability


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chances(EvidenceChances):
    """p by kind of evidence: a monitor's reading, a forecast without an issued probability,
    and the public warnings by colour (inherited)."""

    sensor: Probability
    forecast: Probability


class IcingRules(_Frozen):
    """When to pre-position de-icing crews and shut down turbines."""

    act_share_of_design: float = Field(gt=0, le=1, description="Ice / design class to act at")
    turbine_act_ice_mm: float = Field(gt=0, description="Turbine ice to shut down at")
    forecast_horizon_h: float = Field(gt=0, description="Fused: ice forecast this far ahead")
    turbine_horizon_h: float = Field(gt=0, description="Fused: turbine ice this far ahead")
    road_closed_extra_h: float = Field(ge=0, description="Fused: crews' delay on a closed road")
    accretion_mm_per_mm: float = Field(gt=0, description="Radial ice per mm of freezing rain")
    freezing_temp_c: float = Field(description="Rain at or below this temperature freezes")
    warning_signals: tuple[SignalType, ...] = Field(min_length=1)
    min_colour: Colour
    outage_share: float = Field(gt=0, le=1, description="Expected share of customers' cost")
    avoid_share: float = Field(gt=0, le=1, description="Share de-icing avoids")
    turbine_loss_share: float = Field(gt=0, le=1, description="Expected share of turbine value")
    turbine_avoid_share: float = Field(gt=0, le=1, description="Share a shutdown avoids")
    forecast_product: str = Field(min_length=1, description="The forecaster's icing product")


class HeatRules(_Frozen):
    """When to schedule reserve and order orderly power use."""

    reserve_at_share: float = Field(gt=0, le=1.5, description="Load / capacity to buy reserve")
    forecast_horizon_h: float = Field(gt=0, description="Fused: load forecast this far ahead")
    orderly_horizon_h: float = Field(gt=0, description="Orderly use: a deficit this near")
    peak_hours_per_day: float = Field(gt=0, le=24, description="Hours a day a deficit lasts")
    warning_temp_c: dict[Colour, float] = Field(description="Heat warning colour -> Tmax")
    reserve_avoid_share: float = Field(gt=0, le=1)
    orderly_avoid_share: float = Field(gt=0, le=1)
    forecast_product: str = Field(min_length=1, description="The forecaster's heat product")


class EnergyRules(_Frozen):
    """Everything the energy models decide by."""

    hold_h: float = Field(gt=0, description="An action stays this long after its last evidence")
    priority_loss_factor: float = Field(
        ge=1, description="Fused: an outage where pumps or a response must be kept running"
    )
    chances: Chances
    icing: IcingRules
    heat: HeatRules
