"""Events produced by the agriculture service: crop-risk advisories to the farms of a city."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import AwareDatetime
from shared.contracts.simulator import Industry, Sector


class RiskKind(StrEnum):
    """Agro-meteorological hazards the agriculture service models (domain-facts.md §5)."""

    HEAT = "heat"  # 高温热害: rice at heading/flowering
    COLD_DEW_WIND = "cold_dew_wind"  # 寒露风: late rice, September to early October
    WATERLOGGING = "waterlogging"  # 渍涝/淹水: submergence of rice, waterlogging of dry crops
    FREEZE = "freeze"  # 冻害: citrus
    DROUGHT = "drought"  # 干旱
    FROST = "frost"  # 霜冻: tea in spring flush


class RiskLevel(StrEnum):
    """How bad the expected damage is, lowest to highest."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        """1 (low) to 4 (severe)."""
        return list(RiskLevel).index(self) + 1


class AdvisoryBasis(StrEnum):
    """What the advisory rests on: the farms' own sensors, or cross-sector weather data."""

    SENSORS = "sensors"
    WARNING = "warning"
    FORECAST = "forecast"


class AdvisoryIssued(DecisionMade):
    """An advisory to the farms of one city and industry: a protective action, or its lifting.

    ``asset_ids`` names the farms advised. ``expected_onset`` is when the model expects the
    damaging condition to start (in the past for advisories from sensors).
    """

    EVENT_TYPE = "AdvisoryIssued"

    sector: Sector = Sector.AGRICULTURE
    industry: Industry
    crop: str = Field(min_length=1, max_length=32)
    crop_stages: tuple[str, ...] = Field(default=(), max_length=16)
    risk: RiskKind
    risk_level: RiskLevel
    basis: AdvisoryBasis
    expected_onset: AwareDatetime | None = None
    advice_zh: str = Field(min_length=1, max_length=500)
    advice_en: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _agriculture_only(self) -> AdvisoryIssued:
        if self.sector != Sector.AGRICULTURE:
            raise ValueError("an advisory is an agriculture decision")
        return self
