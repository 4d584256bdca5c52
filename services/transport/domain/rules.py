"""The transport service's thresholds, validated from the parsed ``data/road_rules.yaml``.

The adapter (``service.py``) reads the file; ``RoadRules.model_validate`` checks what it read.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.transport import ControlTrigger, RoadControl, SurfaceState, VehicleClass
from shared.contracts.weather import Colour, SignalType
from shared.forecasts import ForecastCriterion
from shared.world.costs import EvidenceChances, Probability


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VisibilityTier(_Frozen):
    """One row of Art. 81: below this visibility, this speed limit and gap (and maybe close)."""

    below_m: float = Field(gt=0)
    speed_limit_kmh: int = Field(ge=5, le=120)
    min_gap_m: int | None = Field(default=None, ge=0)
    close: bool = False


class IcingRule(_Frozen):
    """When a surface counts as icing, and what a restriction under icing imposes."""

    surface_max_c: float
    moist_states: tuple[SurfaceState, ...]
    speed_limit_kmh: int = Field(ge=5, le=120)
    banned_vehicles: tuple[VehicleClass, ...]
    close_when_icy: bool


class FloodingRule(_Frozen):
    """What a flooded surface does."""

    close: bool


class WarningEffect(_Frozen):
    """What one warning colour asks of the segments in the warned city."""

    visibility_m: float | None = Field(default=None, ge=0)
    icing: bool = False
    close: bool = False
    de_ice: bool = False
    speed_limit_kmh: int | None = Field(default=None, ge=5, le=120)


class WarningRule(_Frozen):
    """The effects of one warning signal by colour."""

    trigger: ControlTrigger
    colours: dict[Colour, WarningEffect]


class ForecastRule(_Frozen):
    """How far ahead forecasts are acted on."""

    icing_horizon_h: float = Field(gt=0)
    icing_ground_max_c: float
    icing_min_rain_mm: float = Field(ge=0)
    fog_horizon_h: float = Field(gt=0)
    hold_h: float = Field(ge=0)

    @property
    def icing_criterion(self) -> ForecastCriterion:
        """Freezing precipitation within the icing horizon: the forecaster's product whose
        probability a de-icing on a forecast acts on (ground at or below 0 °C, as the product
        defines it; ``icing_ground_max_c`` must be 0, which ``RoadRules`` checks)."""
        return ForecastCriterion(
            variable="freezing_rain", op="ge", threshold=self.icing_min_rain_mm, persist=1,
            horizon_h=self.icing_horizon_h,
        )  # fmt: skip

    def fog_criterion(self, below_m: float) -> ForecastCriterion:
        """Visibility under the mildest tier's ``below_m`` within the fog horizon: the product
        a restriction on a forecast acts on."""
        return ForecastCriterion(
            variable="visibility", op="lt", threshold=below_m, persist=1,
            horizon_h=self.fog_horizon_h,
        )  # fmt: skip


class AccessRule(_Frozen):
    """Pre-treatment of segments on an emergency route."""

    pretreat_surface_max_c: float
    hold_h: float = Field(gt=0)


class EstimateRule(_Frozen):
    """Inputs of the model's own loss estimate."""

    rule_by_trigger: dict[ControlTrigger, str]
    episode_hours: dict[ControlTrigger, float]


class EvidenceKind(StrEnum):
    """Where a demand on a segment comes from (each kind has its own probability p)."""

    DETECTOR = "detector"  # the segment's own road-weather detectors
    WARNING = "warning"  # a public CMA warning for a city the segment touches
    FORECAST = "forecast"  # the weather service's numerical forecast (fused only)
    REQUEST = "request"  # an emergency route over the segment (fused only)


class Probabilities(EvidenceChances):
    """p, the chance that the loss a control guards against comes, by the evidence for it."""

    detector: Probability
    forecast: Probability
    request: Probability


class Duty(_Frozen):
    """A control kept whatever its cost and loss: the law requires it on this evidence."""

    control: RoadControl
    trigger: ControlTrigger
    evidence: tuple[EvidenceKind, ...] = Field(min_length=1)
    law: str = Field(min_length=1, description="The legal source and why the gate must not apply")


class DecideRule(_Frozen):
    """The cost-loss rule's inputs: p by evidence, and the controls kept as legal duties."""

    probability: Probabilities
    duties: tuple[Duty, ...] = ()

    @model_validator(mode="after")
    def _one_duty_each(self) -> DecideRule:
        keys = [(d.control, d.trigger) for d in self.duties]
        doubled = sorted({f"{c}/{t}" for c, t in keys if keys.count((c, t)) > 1})
        if doubled:
            raise ValueError(f"duties: list each control and trigger once ({', '.join(doubled)})")
        return self

    def duty(
        self, control: RoadControl, trigger: ControlTrigger, evidence: EvidenceKind
    ) -> Duty | None:
        """The legal duty that keeps this control on this evidence, if any."""
        return next(
            (
                d
                for d in self.duties
                if d.control is control and d.trigger is trigger and evidence in d.evidence
            ),
            None,
        )


class RoadRules(_Frozen):
    """Every threshold the transport model uses."""

    visibility_tiers: tuple[VisibilityTier, ...] = Field(min_length=1)
    icing: IcingRule
    flooding: FloodingRule
    clear_readings: int = Field(ge=1)
    stale_after_h: float = Field(gt=0)
    effect_delay_h: dict[RoadControl, float]
    warnings: dict[SignalType, WarningRule]
    forecast: ForecastRule
    access: AccessRule
    estimate: EstimateRule
    decide: DecideRule

    @model_validator(mode="after")
    def _icing_as_the_product_defines_it(self) -> RoadRules:
        if self.forecast.icing_ground_max_c != 0.0:
            raise ValueError(
                "forecast.icing_ground_max_c: the forecaster's freezing_rain product counts "
                "ground at or below 0 °C; keep it 0 or add a product for another threshold"
            )
        return self

    def forecast_criteria(self) -> tuple[ForecastCriterion, ForecastCriterion]:
        """The forecaster's products the transport model reads: (icing, fog)."""
        mildest = max(t.below_m for t in self.visibility_tiers)
        return self.forecast.icing_criterion, self.forecast.fog_criterion(mildest)

    def visibility_tier(self, visibility_m: float | None) -> VisibilityTier | None:
        """The strictest tier whose threshold the visibility is under (None: no restriction)."""
        if visibility_m is None:
            return None
        matching = [t for t in self.visibility_tiers if visibility_m < t.below_m]
        return min(matching, key=lambda t: t.below_m) if matching else None

    def tier_rank(self, tier: VisibilityTier | None) -> int:
        """0 for no tier, then 1.. from the mildest to the strictest."""
        if tier is None:
            return 0
        ordered = sorted(self.visibility_tiers, key=lambda t: -t.below_m)
        return ordered.index(tier) + 1

    def tier_of_rank(self, rank: int) -> VisibilityTier | None:
        """The tier of a rank from ``tier_rank``."""
        if rank <= 0:
            return None
        return sorted(self.visibility_tiers, key=lambda t: -t.below_m)[rank - 1]
