"""The rural service's thresholds and chances (its ``data/rules.yaml``), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.emergency import ResponseLevel
from shared.contracts.weather import Colour, SignalType
from shared.world.costs import EvidenceChances, Probability


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chances(EvidenceChances):
    """p by kind of evidence: the zones' gauges at the watch level of the next step, a grid
    worker's report, a forecast without an issued probability, an emergency response in force
    (fused), and the public warnings by colour (inherited)."""

    watch: Probability
    report: Probability
    forecast: Probability
    response: Probability


class HarmStep(_Frozen):
    """From this flash-flood index: the expected harm per person in the zones (deaths, with
    injuries at a tenth of a death each) and the share of them affected (the world's
    ``flash-flood-casualties`` rule)."""

    index: float = Field(gt=0)
    harm: float = Field(gt=0, lt=1)
    affected: float = Field(gt=0, le=1)


class RelocateRules(_Frozen):
    """When to move the danger zones' villagers out."""

    act_share: float = Field(
        gt=0, le=1, description="Own gauges: move at this share of the next step's index"
    )
    avoid_share: float = Field(gt=0, le=1, description="Harm a relocation in time spares")
    expected_hours: float = Field(gt=0, description="Hours a relocation is expected to last")
    hold_h: float = Field(gt=0, description="People return this long after the last evidence")
    warning_signals: tuple[SignalType, ...] = Field(min_length=1)
    warning_index: dict[Colour, float] = Field(description="The index a warning's rain means")
    forecast_within_h: float = Field(gt=0, description="Fused: the forecast index this near")
    forecast_alone: bool = Field(
        description="Fused: a forecast moves people with no rain on the gauges yet"
    )
    forecast_product: str = Field(min_length=1, description="The forecaster's product")
    response_levels: tuple[ResponseLevel, ...] = Field(
        min_length=1, description="Fused: emergency's levels that corroborate the gauges"
    )


class PatrolRules(_Frozen):
    """When to send the crews out to the hazard points."""

    act_index: float = Field(gt=0, description="Own gauges: patrol from this index")
    avoid_share: float = Field(gt=0, le=1)
    expected_hours: float = Field(gt=0)
    hold_h: float = Field(gt=0)
    min_colour: Colour = Field(description="A rainstorm warning of this colour sends them out")
    forecast_within_h: float = Field(gt=0, description="Fused: the forecast index this near")


class RuralRules(_Frozen):
    """Everything the rural models decide by."""

    report_window_h: float = Field(gt=0, description="A grid report counts this long")
    raining_3h_mm: float = Field(
        ge=0, description="The gauges are evidence only while this much rain fell in 3 h"
    )
    risk_levels: dict[Colour, float] = Field(description="Index from which each risk colour")
    chances: Chances
    harm: tuple[HarmStep, ...] = Field(min_length=1)
    relocate: RelocateRules
    patrol: PatrolRules

    @model_validator(mode="after")
    def _ascending(self) -> RuralRules:
        indices = [s.index for s in self.harm]
        if indices != sorted(indices) or [s.harm for s in self.harm] != sorted(
            s.harm for s in self.harm
        ):
            raise ValueError("harm: steps ascend in index and in harm")
        return self

    def step(self, index: float) -> HarmStep:
        """The harm step at ``index`` (the first step below all of them)."""
        hit = [s for s in self.harm if index >= s.index]
        return hit[-1] if hit else self.harm[0]

    def passed(self, index: float) -> float:
        """The harm per person already done at ``index`` (0 below the first step)."""
        hit = [s.harm for s in self.harm if index >= s.index]
        return hit[-1] if hit else 0.0

    def next_step(self, index: float) -> HarmStep | None:
        """The first step above ``index`` (None past the last)."""
        return next((s for s in self.harm if s.index > index), None)

    def risk(self, index: float) -> Colour | None:
        """The geological-hazard risk colour an index means (None below blue)."""
        hit = [c for c, at in self.risk_levels.items() if index >= at]
        return max(hit, key=lambda c: c.rank, default=None)
