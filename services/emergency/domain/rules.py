"""The emergency service's thresholds, validated from the parsed ``data/response_rules.yaml``.

The adapter (``service.py``) reads the file; this module only validates what it was given.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.agriculture import RiskLevel
from shared.contracts.emergency import (
    FacilityKind,
    Measure,
    ReportKind,
    ResourceKind,
    ResponseLevel,
)
from shared.contracts.simulator import HazardKind
from shared.contracts.weather import Colour, SignalType
from shared.world.costs import EvidenceChances, Probability


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FloodStep(_Frozen):
    """From this height over the warning level, this response level."""

    above_warning_m: float
    level: ResponseLevel


class CountStep(_Frozen):
    """From this many reports in the window, this response level."""

    count: int = Field(ge=1)
    level: ResponseLevel


class ReportRule(_Frozen):
    """How citizen reports count."""

    window_h: float = Field(gt=0)
    flood_kinds: tuple[ReportKind, ...]
    flood_levels: tuple[CountStep, ...]


class AlarmRule(_Frozen):
    """How safety alarms count."""

    hold_h: float = Field(ge=0)


class WarningEffect(_Frozen):
    """What one warning colour asks of a city."""

    level: ResponseLevel | None = None
    flood_rise_m: float = Field(default=0.0, ge=0)
    suspend: tuple[FacilityKind, ...] = ()


class AgricultureRule(_Frozen):
    """Which agriculture advisories count as flood evidence."""

    waterlogging_min_risk: RiskLevel
    level: ResponseLevel


class EstimateRules(_Frozen):
    """Damage rules (shared/world/damage.yaml) behind the model's own loss estimates: the
    emergency-owned share of a flood (people and movable contents) on the lake zone, the
    riverside land and behind a breached levee, and per hazard the emergency-owned rule on a
    whole city (glaze on buildings, drinking water in a drought) that evidence other than the
    gauges is weighed against. Flash floods in the hills are the rural sector's: no rule here."""

    lake: str
    river: str
    breach: str
    city: dict[HazardKind, str] = Field(default_factory=dict)


class EvidenceKind(StrEnum):
    """Where the evidence for a measure comes from (each kind has its own probability p)."""

    GAUGE = "gauge"  # own water-level gauges (with a warning's expected rise)
    REPORTS = "reports"  # own 12345 citizen reports in the window
    ALARM = "alarm"  # own industrial-safety alarms
    WARNING = "warning"  # a public CMA warning for the city
    ADVISORY = "advisory"  # agriculture's waterlogging advisories (fused only)


class Probabilities(EvidenceChances):
    """p, the chance that the loss a measure guards against comes, by the evidence for it."""

    gauge: Probability
    reports: Probability
    alarm: Probability
    advisory: Probability


class Duty(_Frozen):
    """A measure kept whatever its cost and loss: the law requires it on this evidence."""

    measure: Measure
    evidence: tuple[EvidenceKind, ...] = Field(min_length=1)
    law: str = Field(min_length=1, description="The legal source and why the gate must not apply")


class DecideRule(_Frozen):
    """The cost-loss rule's inputs: p by evidence, the hours a measure is expected to stay in
    force (C is its charge over them), and the measures kept as legal duties."""

    probability: Probabilities
    expected_hours: dict[Measure, Annotated[float, Field(gt=0)]]
    duties: tuple[Duty, ...] = ()

    @model_validator(mode="after")
    def _complete(self) -> DecideRule:
        missing = [m.value for m in Measure if m not in self.expected_hours]
        if missing:
            raise ValueError(f"expected_hours: no hours for the measure(s) {', '.join(missing)}")
        measures = [d.measure for d in self.duties]
        doubled = sorted({m.value for m in measures if measures.count(m) > 1})
        if doubled:
            raise ValueError(f"duties: list each measure once ({', '.join(doubled)})")
        return self

    def duty(self, measure: Measure, evidence: EvidenceKind) -> Duty | None:
        """The legal duty that keeps this measure on this evidence, if any."""
        return next(
            (d for d in self.duties if d.measure is measure and evidence in d.evidence), None
        )


class ResponseRules(_Frozen):
    """Every threshold the emergency model uses."""

    flood_levels: tuple[FloodStep, ...] = Field(min_length=1)
    evacuate_above_warning_m: float
    reports: ReportRule
    alarms: AlarmRule
    near_warning_m: float = Field(ge=0)
    warnings: dict[SignalType, dict[Colour, WarningEffect]]
    agriculture: AgricultureRule
    hold_h: dict[Measure, float]
    resources_per_level: dict[ResponseLevel, dict[ResourceKind, int]]
    reserve_share: float = Field(ge=0, le=1)
    mobilize_h: float = Field(ge=0)
    convoy_speed_kmh: float = Field(gt=0)
    closure_wait_h: float = Field(ge=0)
    estimate_rules: EstimateRules
    decide: DecideRule

    def flood_level(self, above_warning_m: float | None) -> ResponseLevel | None:
        """The response level a lake this far over its warning level calls for."""
        if above_warning_m is None:
            return None
        hit = [s.level for s in self.flood_levels if above_warning_m >= s.above_warning_m]
        return max(hit, key=lambda lv: lv.rank, default=None)

    def report_level(self, flood_reports: int) -> ResponseLevel | None:
        """The response level this many flood reports in the window call for."""
        hit = [s.level for s in self.reports.flood_levels if flood_reports >= s.count]
        return max(hit, key=lambda lv: lv.rank, default=None)
