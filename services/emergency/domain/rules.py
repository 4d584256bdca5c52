"""The emergency service's thresholds, validated from the parsed ``data/response_rules.yaml``.

The adapter (``service.py``) reads the file; this module only validates what it was given.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.agriculture import RiskLevel
from shared.contracts.emergency import (
    FacilityKind,
    Measure,
    ReportKind,
    ResourceKind,
    ResponseLevel,
)
from shared.contracts.weather import Colour, SignalType


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
    evacuate_count: int = Field(ge=1)
    icing_kinds: tuple[ReportKind, ...]
    deice_count: int = Field(ge=1)


class AlarmRule(_Frozen):
    """How safety alarms count."""

    hold_h: float = Field(ge=0)


class WarningEffect(_Frozen):
    """What one warning colour asks of a city."""

    level: ResponseLevel | None = None
    flood_rise_m: float = Field(default=0.0, ge=0)
    evacuate: bool = False
    deice_power_lines: bool = False
    suspend: tuple[FacilityKind, ...] = ()


class AgricultureRule(_Frozen):
    """Which agriculture advisories count as flood evidence."""

    waterlogging_min_risk: RiskLevel
    level: ResponseLevel


class EstimateRules(_Frozen):
    """Damage rules (shared/world/damage.yaml) behind the model's own loss estimates."""

    lake: str
    flash: str
    icing: str


class ResponseRules(_Frozen):
    """Every threshold the emergency model uses."""

    flood_levels: tuple[FloodStep, ...] = Field(min_length=1)
    levee_above_warning_m: float
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
