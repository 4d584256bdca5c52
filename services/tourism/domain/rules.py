"""The tourism service's thresholds and chances (its ``data/rules.yaml``), validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.tourism import Landscape, TourismAction, TourismHazard
from shared.contracts.weather import Colour, SignalType
from shared.world.costs import EvidenceChances, Probability


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Chances(EvidenceChances):
    """p by kind of evidence that is not a forecast: the area's own sensors, transport's closure
    of an access road, a landscape seen by the webcam or foretold by a warning, and the public
    warnings by colour (inherited). A forecast's p is only ever the forecaster's issued
    probability of a product (``TourismRules.products``): none is typed in here."""

    sensor: Probability
    road: Probability
    landscape_seen: Probability
    landscape_warning: Probability


class WarningRules(_Frozen):
    """What a public warning says of the weather in its city, by colour (CMA Order No. 16)."""

    ice_signals: tuple[SignalType, ...] = Field(min_length=1)
    storm_signals: tuple[SignalType, ...] = Field(description="Storms without a rain figure")
    rain_24h_mm: dict[Colour, float]
    heat_tmax_c: dict[Colour, float]
    heat_hours: tuple[int, ...] = Field(min_length=1, description="Local hours at the warned Tmax")
    fog_visibility_m: dict[Colour, float]
    gale_gust_ms: dict[Colour, float]
    landscape: dict[SignalType, Landscape] = Field(description="Signals that foretell one")


class RoadRules(_Frozen):
    """Fused: a closed access road strands the visitors who set out."""

    stranded_share: float = Field(gt=0, le=1)
    stranding_yuan: float = Field(gt=0)
    avoid_share: float = Field(gt=0, le=1, description="Of it, what advice avoids")


class TourismRules(_Frozen):
    """Everything the tourism models decide by."""

    hold_h: float = Field(gt=0, description="An action stays this long after its last evidence")
    persist_h: int = Field(gt=0, le=72, description="A measured or warned condition lasts this")
    forecast_horizon_h: float = Field(gt=0, description="Fused: harm summed this far ahead")
    act_within_h: dict[TourismAction, float] = Field(
        description="Fused: act on a forecast harm that starts within this (plus the lead)"
    )
    products: dict[TourismHazard, str] = Field(
        description="The forecaster's product per hazard (none: a forecast of it is not acted on)"
    )
    heat_products: tuple[tuple[float, str], ...] = Field(
        min_length=1, description="City Tmax thresholds (ascending) and their products"
    )
    nowcast_h: float = Field(
        ge=0, description="A fresh reading outweighs a forecast's hours this soon after it"
    )
    reading_fresh_h: float = Field(gt=0, description="A reading this old is still fresh")
    chances: Chances
    warnings: WarningRules
    road: RoadRules
