"""The tourism sector's contracts: scenic areas' readings in, visitor-safety decisions out.

The sector (plan section 二.7, 文化旅游: "支持旅游经营主体利用气象、交通等数据…优化旅游配套服务、
一站式出行服务", with its 气象景观预报 products) watches six scenic areas (Lushan, Sanqingshan,
Jinggangshan, Longhushan, Wuyuan, the Tengwang Pavilion) through their gates, ticketing and
on-site weather sensors, and decides five actions: closing an area, limiting its visitors,
stopping its cable cars, advising its visitors, and publishing a landscape forecast (云海 sea of
clouds, 雾凇 rime) that brings visitors. The registry discovers this module: its ``SECTOR`` and
``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class TourismAction(StrEnum):
    """The actions the tourism sector decides."""

    CLOSE_AREA = "close_area"
    LIMIT_VISITORS = "limit_visitors"
    STOP_CABLE_CARS = "stop_cable_cars"
    ADVISE_VISITORS = "advise_visitors"
    PUBLISH_LANDSCAPE_FORECAST = "publish_landscape_forecast"


class TourismHazard(StrEnum):
    """The weather that harms visitors in a scenic area."""

    ICE = "ice"  # glaze or snow on the mountain roads, steps and cableways
    STORM = "storm"  # a rainstorm day: flash floods, rockfalls, lightning
    HEAT = "heat"  # 35 °C and above where the visitors are
    FOG = "fog"  # visibility under 200 m on the roads and cliff trails
    GALE = "gale"  # gusts that stop cableways and bring down trees and stones


class Landscape(StrEnum):
    """The weather landscapes (气象景观) that bring visitors."""

    SEA_OF_CLOUDS = "sea_of_clouds"  # 云海
    RIME = "rime"  # 雾凇


class TourismReading(Event):
    """One hourly reading of a scenic area: its own weather station (at the visitors' height),
    its road-surface sensor, its gate count and its landscape webcam."""

    EVENT_TYPE = "TourismReading"
    # Ticketing and visitor counts are the operator's business data (the plan's 分类分级).
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48, description="The scenic area")
    temp_c: float | None = Field(default=None, ge=-60, le=60, description="Air temperature")
    rain_mm: float | None = Field(default=None, ge=0, le=500, description="Rain in the past hour")
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain in the past 24 h"
    )
    gust_ms: float | None = Field(default=None, ge=0, le=120, description="Max gust")
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)
    road_icy: bool | None = Field(default=None, description="Ice or snow on the area's roads")
    visitors: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Visitors in the area this hour (gates)"
    )
    landscape: Landscape | None = Field(default=None, description="What the webcam shows now")


class TourismDecision(DecisionMade):
    """The tourism service took (or lifted) one action for one scenic area."""

    EVENT_TYPE = "TourismDecision"

    sector: str = "tourism"
    site_id: str = Field(min_length=1, max_length=48, description="The scenic area")
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast|road|lift)$", description="What the decision rests on"
    )
    hazard: TourismHazard | None = Field(default=None, description="The weather it answers")
    landscape: Landscape | None = Field(default=None, description="The landscape announced")


SECTOR = SectorInfo(
    name="tourism",
    label_zh="文化旅游",
    label_en="Culture and tourism",
    colour="#f5a623",
    plan_section="二.7",
    actions=actions_of(
        TourismAction,
        {
            "close_area": ("景区关闭", "close the area"),
            "limit_visitors": ("限流", "limit visitors"),
            "stop_cable_cars": ("索道停运", "stop the cable cars"),
            "advise_visitors": ("游客预警提示", "advise visitors"),
            "publish_landscape_forecast": ("气象景观预报", "publish a landscape forecast"),
        },
    ),
)

TOURISM_OBSERVATIONS = TopicSpec(
    sector="tourism",
    event="observations",
    version=1,
    model=TourismReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="scenic areas' own data: on-site weather, road ice, gate counts, landscape webcams",
)
TOURISM_DECISIONS = TopicSpec(
    sector="tourism",
    event="decisions",
    version=1,
    model=TourismDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="scenic areas' closures, limits, cable-car stops, advice and landscape forecasts",
)

TOPICS = (TOURISM_OBSERVATIONS, TOURISM_DECISIONS)
