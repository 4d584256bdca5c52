"""The rural sector's contracts: village rain gauges and grid workers' reports in, decisions out.

The sector (plan section 二.15, 乡村治理) keeps the villages in the hills' mapped flash-flood
danger zones and at the geological-hazard points safe: it reads its village rain gauges and its
grid workers' reports of precursors (cracks, muddy water, small slides, a stream rising), and
decides two actions per city: relocating the villagers of the danger zones before a flash flood
(转移避险) and patrolling the hazard points (隐患点巡查). The registry discovers this module: its
``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of
from shared.contracts.weather import Colour


class RuralAction(StrEnum):
    """The protective actions the rural sector decides."""

    RELOCATE_VILLAGERS = "relocate_villagers"
    PATROL_HAZARD_POINTS = "patrol_hazard_points"


class ReadingKind(StrEnum):
    """What a rural reading comes from."""

    RAIN_GAUGE = "rain_gauge"  # the automatic rain gauges of a city's danger zones (山洪监测站)
    GRID_REPORT = "grid_report"  # a grid worker's or monitor's report from a village


class Precursor(StrEnum):
    """What a grid worker saw: the signs that come an hour or two before a slide or a flood."""

    CRACK = "crack"  # new cracks in a slope, a wall or the ground (裂缝)
    MUDDY_WATER = "muddy_water"  # springs or a stream turning muddy, or drying up (浑水)
    SMALL_SLIDE = "small_slide"  # falling stones, a small slip at a slope's toe (小型崩滑)
    STREAM_RISING = "stream_rising"  # a mountain stream rising fast (溪水陡涨)


class RuralReading(Event):
    """One reading from a city's danger zones: the zones' rain gauges (hourly, the rain of the
    past 1, 3 and 24 hours) or a grid worker's report of a precursor."""

    EVENT_TYPE = "RuralReading"
    # Villagers' reports name households and places: not for the public (the plan's 分类分级).
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    kind: ReadingKind = ReadingKind.RAIN_GAUGE
    rain_1h_mm: float | None = Field(default=None, ge=0, le=500)
    rain_3h_mm: float | None = Field(default=None, ge=0, le=1000)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the zones in the past 24 h"
    )
    precursor: Precursor | None = None
    households: int | None = Field(default=None, ge=1, le=10_000, description="Households seen")

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> RuralReading:
        rain = (self.rain_1h_mm, self.rain_3h_mm, self.rain_24h_mm)
        if self.kind is ReadingKind.GRID_REPORT:
            if self.precursor is None:
                raise ValueError("a grid report names its precursor")
            if any(r is not None for r in rain):
                raise ValueError("a grid report carries no rain")
        elif self.precursor is not None or self.households is not None:
            raise ValueError("a rain-gauge reading carries no precursor")
        return self


class RuralDecision(DecisionMade):
    """The rural service took (or lifted) one action for one city's danger zones."""

    EVENT_TYPE = "RuralDecision"

    sector: str = "rural"
    basis: str = Field(
        pattern=r"^(gauge|report|warning|forecast|response|lift)$",
        description="What the decision rests on",
    )
    flash_index: float | None = Field(
        default=None, ge=0, description="The flash-flood index the decision acts on (1: critical)"
    )
    risk: Colour | None = Field(
        default=None, description="The geological-hazard risk level it implies (blue to red)"
    )
    people_to_relocate: int = Field(default=0, ge=0)


SECTOR = SectorInfo(
    name="rural",
    label_zh="乡村治理",
    label_en="Rural governance",
    colour="#f76b1c",
    plan_section="二.15",
    actions=actions_of(
        RuralAction,
        {
            "relocate_villagers": ("山洪地灾转移避险", "relocate villagers"),
            "patrol_hazard_points": ("隐患点巡查", "patrol hazard points"),
        },
    ),
)

RURAL_OBSERVATIONS = TopicSpec(
    sector="rural",
    event="observations",
    version=1,
    model=RuralReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="the danger zones' rain gauges and the grid workers' reports of precursors",
)
RURAL_DECISIONS = TopicSpec(
    sector="rural",
    event="decisions",
    version=1,
    model=RuralDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="relocations and hazard-point patrols, siloed and fused",
)

TOPICS = (RURAL_OBSERVATIONS, RURAL_DECISIONS)
