"""The crop-risk rules, validated from already-parsed data (the service reads
``services/agriculture/data/crop_rules.yaml``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.agriculture import AgricultureAction, RiskKind, RiskLevel
from shared.contracts.weather import Colour, SignalType
from shared.forecasts import ForecastCriterion, Op, compare, is_daily
from shared.world.costs import Probability, check_by_colour

__all__ = ["ForecastCriterion", "Op", "compare", "is_daily"]

#: Sensor variables read per reading (hour) or aggregated per local day.
SensorVariable = Literal[
    "canopy_temp",
    "soil_moisture",
    "water_depth",
    "crop_stress",
    "canopy_tmax_day",
    "canopy_tmin_day",
    "canopy_tmean_day",
    "soil_moisture_day",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SensorCriterion(_Frozen):
    """Own-sector trigger: a sensor condition held for ``persist`` hours or days."""

    variable: SensorVariable
    op: Op
    threshold: float
    threshold_by_stage: dict[str, float] = Field(default_factory=dict)
    persist: int = Field(ge=1)

    @property
    def daily(self) -> bool:
        """True when ``persist`` counts local days, False when it counts hours."""
        return is_daily(self.variable)

    def threshold_at(self, stage: str | None) -> float:
        """The threshold for a crop stage (a stage-specific one when the rule has it)."""
        if stage is not None and stage in self.threshold_by_stage:
            return self.threshold_by_stage[stage]
        return self.threshold


class WarningTrigger(_Frozen):
    """Cross-sector trigger: a CMA warning signal of at least ``min_colour`` for the city."""

    signal: SignalType
    min_colour: Colour


class CropRule(_Frozen):
    """One risk rule: where it applies, what triggers it, what it advises, what it is worth."""

    id: str = Field(min_length=1, max_length=48)
    risk: RiskKind
    crops: tuple[str, ...] = Field(min_length=1)
    stages: tuple[str, ...] | None = None
    season: tuple[str, str] | None = None
    action: AgricultureAction
    sensor: SensorCriterion | None = None
    forecast: ForecastCriterion | None = None
    warnings: tuple[WarningTrigger, ...] = ()
    level_by: Literal["duration", "value"]
    levels: tuple[tuple[float, RiskLevel], ...] = Field(min_length=1)
    loss_share: dict[RiskLevel, float]
    loss_share_by_stage: dict[str, float] = Field(default_factory=dict)
    exposure: Literal["all", "lowland", "rainfed"] = "all"
    avoid_share: float = Field(ge=0, le=1)
    #: Hours the action must be in place before the condition starts to work in full.
    lead_h: float = Field(ge=0, le=168)
    clear_after_h: float | None = Field(default=None, gt=0)
    advice_zh: str = Field(min_length=1, max_length=300)
    advice_en: str = Field(min_length=1, max_length=300)

    @model_validator(mode="after")
    def _consistent(self) -> CropRule:
        if self.sensor is None and self.forecast is None and not self.warnings:
            raise ValueError(f"rule {self.id}: needs a sensor, forecast or warning trigger")
        missing = {lvl for _, lvl in self.levels} - set(self.loss_share)
        if missing:
            raise ValueError(f"rule {self.id}: no loss_share for levels {sorted(missing)}")
        ranks = [lvl.rank for _, lvl in self.levels]
        if ranks != sorted(ranks):
            raise ValueError(f"rule {self.id}: levels must rise in severity")
        if self.season is not None:
            for md in self.season:
                date.fromisoformat(f"2000-{md}")  # refuses a malformed MM-DD
        return self

    def applies_to(self, crop: str, stage: str | None, day: date) -> bool:
        """Whether the rule covers ``crop`` at ``stage`` on local day ``day``."""
        if crop not in self.crops:
            return False
        if self.stages is not None and stage not in self.stages:
            return False
        if self.season is not None:
            md = day.strftime("%m-%d")
            start, end = self.season
            inside = start <= md <= end if start <= end else (md >= start or md <= end)
            if not inside:
                return False
        return True

    def level_for(self, *, duration: float, extreme: float | None) -> RiskLevel:
        """The risk level reached after ``duration`` units, or at the ``extreme`` value seen."""
        level = self.levels[0][1]
        for x, lvl in self.levels:
            if self.level_by == "duration":
                if duration >= x:
                    level = lvl
            elif extreme is not None and self._beyond(extreme, x):
                level = lvl
        return level

    def _beyond(self, value: float, x: float) -> bool:
        op = self.sensor.op if self.sensor else (self.forecast.op if self.forecast else "ge")
        return value <= x if op in ("le", "lt") else value >= x

    def exposed_share(self, lowland_share: float, rainfed_share: float = 1.0) -> float:
        """The share of a farm the hazard reaches (0 = the rule does not concern the farm)."""
        if self.exposure == "lowland":
            return lowland_share
        return rainfed_share if self.exposure == "rainfed" else 1.0

    def share_lost(
        self, level: RiskLevel, stage: str | None, lowland_share: float, rainfed_share: float = 1.0
    ) -> float:
        """The share of the farm's value lost without action, at ``level`` and ``stage``."""
        if stage is not None and stage in self.loss_share_by_stage:
            share = self.loss_share_by_stage[stage]
        else:
            share = self.loss_share[level]
        return share * self.exposed_share(lowland_share, rainfed_share)


class CropName(_Frozen):
    """A crop's name in Chinese and English, for advisory texts."""

    zh: str
    en: str


class CropRules(_Frozen):
    """Every crop rule and the settings they share."""

    timezone_offset_h: float = Field(ge=-12, le=14)
    default_clear_after_h: float = Field(gt=0)
    colour_levels: dict[Colour, RiskLevel]
    #: p in p x L > C when a farm's own sensors show the condition.
    sensor_probability: Probability
    #: Hours before an advisory on a warning or forecast is due (its lead before the onset) that
    #: it is decided: earlier runs and warnings are held, not acted on, so the decision uses the
    #: best evidence there is when the action must start.
    decide_ahead_h: float = Field(ge=0, le=72)
    #: p in p x L > C for a public warning signal, by colour.
    warning_probability: dict[Colour, Probability]
    crop_names: dict[str, CropName]
    rules: tuple[CropRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> CropRules:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate rule id")
        if set(Colour) - set(self.colour_levels):
            raise ValueError("colour_levels must name every colour")
        check_by_colour(self.warning_probability, "warning_probability")
        return self

    def clear_after_h(self, rule: CropRule) -> float:
        """Hours without evidence after which an advisory under ``rule`` is lifted."""
        return rule.clear_after_h or self.default_clear_after_h

    def crop_name(self, crop: str) -> CropName:
        """The crop's display names (the crop id itself when the data file has none)."""
        return self.crop_names.get(crop) or CropName(zh=crop, en=crop.replace("_", " "))


def parse_crop_rules(data: object) -> CropRules:
    """Validate already-parsed rule data (e.g. a test's variant of the file)."""
    return CropRules.model_validate(data)
