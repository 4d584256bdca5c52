"""The urban service's thresholds and chances (its ``data/rules.yaml``), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.urban import UrbanAction
from shared.contracts.weather import Colour, SignalType
from shared.world.costs import EvidenceChances, Probability, check_by_colour


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chances(EvidenceChances):
    """p by kind of evidence: the zone's own sensors, a forecast without an issued probability,
    and the public warnings by colour (inherited)."""

    sensor: Probability
    forecast: Probability


class ActionRules(_Frozen):
    """How long an action is held after its last evidence, and how near the ponding it projects
    must be for the action to be taken now (its lead time, and no earlier)."""

    hold_h: float = Field(gt=0)
    act_within_h: float = Field(ge=0)


class SensorRules(_Frozen):
    """Both modes: the rain measured in the last hour, held for ``persist_h`` hours."""

    persist_h: int = Field(ge=1, le=24)
    min_rain_mm: float = Field(ge=0, description="Project only while it rains at least this")


class WarningRules(_Frozen):
    """Both modes: a public rainstorm warning's rain (the CMA signal's criterion), spread evenly
    over its hours, from now."""

    signals: tuple[SignalType, ...] = Field(min_length=1)
    rain_mm: dict[Colour, float]
    hours: dict[Colour, int]

    @model_validator(mode="after")
    def _every_colour(self) -> WarningRules:
        for name, table in (("rain_mm", self.rain_mm), ("hours", self.hours)):
            missing = [c.value for c in Colour if c not in table]
            if missing:
                raise ValueError(f"warning.{name}: no value for {', '.join(missing)}")
        check_by_colour({c: self.rain_mm[c] / self.hours[c] for c in Colour}, "warning rain rate")
        return self


class Product(_Frozen):
    """One of the forecaster's products and the rain (mm in 24 h) whose chance it issues."""

    product: str = Field(min_length=1)
    rain_mm: float = Field(gt=0)


class ForecastRules(_Frozen):
    """Fused: the forecast's hourly rain within ``horizon_h`` and, given the product's event,
    its rain: as a design storm (``design_storm``: hourly shares of the product's rain, the peak
    in the middle) around the forecast's wettest hour where that hour reaches
    ``convective_mm_h``, else the forecast's own hours scaled up to it; p is the forecaster's
    issued chance of the ``open`` product (open outfalls) or the ``blocked`` one (shut)."""

    horizon_h: int = Field(gt=0, le=72)
    open: Product
    blocked: Product
    design_storm: tuple[float, ...] = Field(min_length=1)
    convective_mm_h: float = Field(gt=0, description="A forecast hour this wet is convective")

    @model_validator(mode="after")
    def _shares(self) -> ForecastRules:
        if any(s < 0 for s in self.design_storm) or sum(self.design_storm) > 1:
            raise ValueError("forecast.design_storm: shares of a day's rain, at most 1 in all")
        if len(self.design_storm) % 2 != 1:
            raise ValueError(
                "forecast.design_storm: an odd number of hours, the peak in the middle"
            )
        return self


class BackwaterRules(_Frozen):
    """Fused: a zone's outfalls count as shut once one of its gauges is within ``margin_m`` of
    its warning level (the water department's stations)."""

    margin_m: float = Field(ge=0)


class UrbanRules(_Frozen):
    """Everything the urban models decide by."""

    chances: Chances
    drain_h: int = Field(ge=0, le=72, description="Dry hours a projection runs on after the rain")
    actions: dict[UrbanAction, ActionRules]
    sensor: SensorRules
    warning: WarningRules
    forecast: ForecastRules
    backwater: BackwaterRules

    @model_validator(mode="after")
    def _every_action(self) -> UrbanRules:
        missing = [a.value for a in UrbanAction if a not in self.actions]
        if missing:
            raise ValueError(f"actions: no rules for {', '.join(missing)}")
        return self
