"""The water service's rules: thresholds, chances and prices (``data/rules.yaml``, with sources)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.weather import Colour, SignalType
from shared.world.costs import check_by_colour


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class LeveeRules(_Frozen):
    """Patrol above the warning level; reinforce from (a margin over) it where p x L > C."""

    patrol_probability: float = Field(gt=0, le=1, description="p of a loss once above warning")
    reinforce_above_warning_m: float = Field(description="Reinforce from this far over warning")
    reinforce_probability: float = Field(gt=0, le=1, description="p of a loss once there")
    reinforce_ahead_h: dict[Literal["lake", "river"], float] = Field(
        description="Own trend: reinforce when the stage gets there within this many hours"
    )
    trend_window_h: float = Field(gt=0, description="A gauge's trend: its rise over this span")
    forecast_watch_m: float = Field(
        ge=0, description="Fused: reinforce on a heavy-rain forecast from this far below warning"
    )
    expected_days: float = Field(gt=0, description="How long an operation is expected to run")
    stand_down_h: float = Field(gt=0, description="Lift once below warning this long")
    breach_share: float = Field(gt=0, le=1, description="Riverside assets a breach destroys")
    breach_avoid: float = Field(gt=0, le=1, description="Share of it reinforcement saves")
    patrol_breach_avoid: float = Field(gt=0, le=1, description="Share of it a patrol saves")
    inundation_share: float = Field(gt=0, le=1, description="Lake-side assets lost at design")
    inundation_avoid: float = Field(gt=0, le=1, description="Share of it reinforcement saves")
    patrol_inundation_avoid: float = Field(gt=0, le=1, description="Share a patrol saves")


class PreReleaseRules(_Frozen):
    """Pre-release a reservoir ahead of heavy rain over its catchment."""

    warning_signals: tuple[SignalType, ...] = Field(min_length=1)
    min_colour: Colour
    warning_probability: dict[Colour, float] = Field(description="p by the warning's colour")
    inflow_share: float = Field(gt=0, description="Own: inflow at this share of safe discharge")
    inflow_probability: float = Field(gt=0, le=1)
    forecast_product: str = Field(min_length=1, description="The forecaster's product acted on")
    forecast_fallback_mm: float = Field(gt=0, description="A forecast without p: rain in 24 h")
    forecast_fallback_probability: float = Field(gt=0, le=1)
    forecast_horizon_h: float = Field(gt=0)
    flood_given_rain: float = Field(gt=0, le=1, description="Chance the reach below floods")
    inundation_share: float = Field(gt=0, le=1, description="Riverside assets lost in a flood")
    avoid_share: float = Field(gt=0, le=1, description="Share of it the pre-release saves")
    hold_h: float = Field(gt=0, description="Held below the flood-limit level this long")

    @model_validator(mode="after")
    def _colours_in_order(self) -> PreReleaseRules:
        check_by_colour(self.warning_probability, "pre_release.warning_probability")
        return self


class StorageRules(_Frozen):
    """Open a flood storage area when the lake threatens its design level."""

    margin_m: float = Field(ge=0, description="Act this far below the design level, rising")
    probability: float = Field(gt=0, le=1, description="p the lake reaches the design level")
    avoid_share: float = Field(gt=0, le=1, description="Lake-side loss saved at reference drop")
    reference_drop_m: float = Field(gt=0, description="The lake drop avoid_share stands for")
    inundation_share: float = Field(gt=0, le=1, description="Lake-side assets lost at design")
    crop_yuan_per_mu: float = Field(ge=0)
    compensation_share: float = Field(ge=0, le=1)
    relocation_yuan_per_person: float = Field(ge=0)
    property_yuan_per_person: float = Field(ge=0)
    property_damaged_share: float = Field(ge=0, le=1)
    harvested_share: float = Field(ge=0, le=1, description="Fused: crops out after an advisory")


class RoadRules(_Frozen):
    """Fused: a closed road to a city delays its levee crews."""

    closure_delay_h: float = Field(ge=0)


class WaterRules(_Frozen):
    """Everything in ``data/rules.yaml``."""

    levee: LeveeRules
    pre_release: PreReleaseRules
    storage: StorageRules
    road: RoadRules
