"""The health service's thresholds and chances (its ``data/rules.yaml``), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.health import HealthAction
from shared.contracts.weather import Colour
from shared.world.costs import EvidenceChances, Probability

#: The heat actions, each reaching one pathway of the heat's excess deaths.
HEAT_ACTIONS = (
    HealthAction.ELDERLY_OUTREACH,
    HealthAction.OPEN_COOLING_CENTRES,
    HealthAction.SURGE_STAFFING,
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chances(EvidenceChances):
    """p by kind of evidence: yesterday's heat-illness visits, patients already cut off, a
    forecast without an issued probability, emergency's evacuation (fused), and the public
    warnings by colour (inherited)."""

    sensor: Probability
    missed: Probability
    forecast: Probability
    evacuation: Probability


class HeatRules(_Frozen):
    """When to staff up, open cooling centres and reach out to the elderly."""

    warning_tmax_c: dict[Colour, float] = Field(description="Heat warning colour -> Tmax")
    background_visits_per_million: float = Field(
        ge=0, description="Heat-illness visits a day with no excess heat"
    )
    forecast_horizon_h: float = Field(gt=0, description="Fused: heat forecast this far ahead")
    min_steps_per_day: int = Field(ge=1, le=24, description="Forecast hours to judge a day by")
    forecast_product: str = Field(min_length=1, description="The forecaster's heat product")
    avoid_share: dict[HealthAction, float] = Field(description="Share of its pathway avoided")
    grid_strain_loss_factor: float = Field(
        ge=1, description="Fused: homes' cooling at risk where energy orders orderly power use"
    )
    grid_strain_actions: tuple[HealthAction, ...]

    @model_validator(mode="after")
    def _every_heat_action(self) -> HeatRules:
        if set(self.avoid_share) != set(HEAT_ACTIONS):
            raise ValueError("heat.avoid_share must give each heat action its share")
        if any(not 0 < s <= 1 for s in self.avoid_share.values()):
            raise ValueError("heat.avoid_share: shares are in (0, 1]")
        if not set(self.grid_strain_actions) <= set(HEAT_ACTIONS):
            raise ValueError("heat.grid_strain_actions must be heat actions")
        return self


class PatientRules(_Frozen):
    """When to transfer the flood zones' dialysis and home-oxygen patients."""

    expected_cut_off_share: float = Field(
        gt=0, le=1, description="Share of the zones' patients a coming flood cuts off"
    )
    avoid_share: float = Field(gt=0, le=1)
    roads_closed_loss_factor: float = Field(
        ge=1, description="Fused: harm to cut-off patients where transport reports roads closed"
    )


class HealthRules(_Frozen):
    """Everything the health models decide by."""

    hold_h: float = Field(gt=0, description="An action stays this long after its last evidence")
    chances: Chances
    heat: HeatRules
    patients: PatientRules
