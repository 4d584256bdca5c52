"""The water sector's contracts: hydrological readings in, flood-control decisions out.

The water department's own data are its hydrological stations (水文): each reservoir's level and
inflow, and the stage of the lake and river gauges its levees are judged by. Its decisions are
the "four pre-" (四预) operations of basin flood control: pre-releasing a reservoir, patrolling
and reinforcing levees, and opening a flood storage area. The registry discovers this module:
its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class WaterAction(StrEnum):
    """The protective actions the water sector decides."""

    PRE_RELEASE = "pre_release"
    PATROL_LEVEE = "patrol_levee"
    REINFORCE_LEVEE = "reinforce_levee"
    OPEN_STORAGE_AREA = "open_storage_area"


class StationKind(StrEnum):
    """What a hydrological station measures."""

    RESERVOIR = "reservoir"  # a reservoir's level and inflow
    GAUGE = "gauge"  # a lake or river gauge's stage, by which the levees are judged


class HydroReading(Event):
    """One hourly reading of a water-department station: a reservoir or a gauge."""

    EVENT_TYPE = "HydroReading"
    classification: Classification = Classification.INTERNAL

    station_kind: StationKind
    station_id: str = Field(min_length=1, max_length=48)
    level_m: float = Field(ge=-10, le=500, description="Stage or reservoir level, metres")
    inflow_m3s: float | None = Field(
        default=None, ge=0, le=200_000, description="A reservoir's inflow (reservoirs only)"
    )

    @model_validator(mode="after")
    def _inflow_only_at_reservoirs(self) -> HydroReading:
        if self.station_kind is StationKind.GAUGE and self.inflow_m3s is not None:
            raise ValueError("only a reservoir reading carries an inflow")
        return self


class WaterDecision(DecisionMade):
    """The water service took (or lifted) one flood-control operation for one city's land.

    ``works_id`` is the reservoir, storage area or levee operated; a reservoir's pre-release and
    a storage area's opening protect land in other cities than the works' own, so they are
    decided once per protected city (``region``), each carrying its share of the operation's
    price (``share``).
    """

    EVENT_TYPE = "WaterDecision"

    sector: str = "water"
    works_id: str = Field(min_length=1, max_length=48)
    share: float = Field(default=1.0, gt=0, le=1, description="Share of the operation's price")
    basis: Literal["gauge", "trend", "reservoir", "warning", "forecast"] = Field(
        description="What the decision rests on (trend: the gauge's own rise, projected)"
    )
    delayed_h: float = Field(
        default=0.0, ge=0, description="Hours a closed road delayed the crew (fused)"
    )


SECTOR = SectorInfo(
    name="water",
    label_zh="现代水利",
    label_en="Water conservancy",
    colour="#2f7ed8",
    plan_section="二.14",
    actions=actions_of(
        WaterAction,
        {
            "pre_release": ("水库预泄", "reservoir pre-release"),
            "patrol_levee": ("巡堤查险", "levee patrol"),
            "reinforce_levee": ("加固堤防", "reinforce levee"),
            "open_storage_area": ("启用蓄滞洪区", "open flood storage area"),
        },
    ),
)

WATER_OBSERVATIONS = TopicSpec(
    sector="water",
    event="observations",
    version=1,
    model=HydroReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="the water department's stations: reservoir levels and inflows, gauge stages",
)
WATER_DECISIONS = TopicSpec(
    sector="water",
    event="decisions",
    version=1,
    model=WaterDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="water flood-control operations, siloed and fused",
)

TOPICS = (WATER_OBSERVATIONS, WATER_DECISIONS)
