"""The energy sector's contracts: grid readings in, dispatch decisions out.

The sector (plan section 二.12, 绿色低碳, with the icing risk thresholds of 二.10) watches the main
line corridors and wind farms for ice and the cities' load against the capacity available, and
decides four actions: pre-positioning DC de-icing crews, turbine shutdown on icing, reserve
scheduling ahead of a heat peak and orderly power use (有序用电). The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class EnergyAction(StrEnum):
    """The protective actions the energy sector decides."""

    DEICE_POWER_LINES = "deice_power_lines"
    SHUTDOWN_TURBINES = "shutdown_turbines"
    SCHEDULE_RESERVE = "schedule_reserve"
    ORDERLY_POWER_USE = "orderly_power_use"


class SiteKind(StrEnum):
    """What an energy reading comes from."""

    CORRIDOR = "corridor"  # an ice-thickness and tension monitor on a line corridor
    WIND_FARM = "wind_farm"  # a turbine icing sensor
    LOAD_AREA = "load_area"  # a city's load metering (its dispatch area)


class GridReading(Event):
    """One hourly reading of the grid's own monitors: ice on a corridor or a wind farm's blades,
    or a city's metered load against the capacity available to it."""

    EVENT_TYPE = "GridReading"
    # Grid operating data is not for the public (the plan's 分类分级).
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    kind: SiteKind
    ice_mm: float | None = Field(default=None, ge=0, le=500, description="Radial ice thickness")
    tension_kn: float | None = Field(
        default=None, ge=0, le=2000, description="Conductor tension (corridor monitors)"
    )
    load_mw: float | None = Field(default=None, ge=0, le=100_000, description="Metered load")
    available_mw: float | None = Field(
        default=None, ge=0, le=100_000, description="Capacity available to the area this hour"
    )

    @model_validator(mode="after")
    def _fields_of_its_kind(self) -> GridReading:
        if self.kind is SiteKind.LOAD_AREA:
            if self.load_mw is None or self.available_mw is None:
                raise ValueError("a load reading carries load_mw and available_mw")
            if self.ice_mm is not None or self.tension_kn is not None:
                raise ValueError("a load reading carries no ice or tension")
        elif self.load_mw is not None or self.available_mw is not None:
            raise ValueError(f"a {self.kind} reading carries no load")
        return self


class EnergyDecision(DecisionMade):
    """The energy service took (or lifted) one action for one city's grid."""

    EVENT_TYPE = "EnergyDecision"

    sector: str = "energy"
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast|lift)$", description="What the decision rests on"
    )
    priority_sites: bool = Field(
        default=False,
        description="The city has pumping works or an emergency response to keep supplied",
    )
    deficit_mw: float | None = Field(
        default=None, ge=0, description="The shortfall of capacity the decision acts on"
    )
    ice_mm: float | None = Field(default=None, ge=0, description="The ice the decision acts on")


SECTOR = SectorInfo(
    name="energy",
    label_zh="能源",
    label_en="Energy and low carbon",
    colour="#f2c40f",
    plan_section="二.12",
    actions=actions_of(
        EnergyAction,
        {
            "deice_power_lines": ("电网融冰", "de-ice power lines"),
            "shutdown_turbines": ("风机覆冰停机", "shut down iced turbines"),
            "schedule_reserve": ("备用调度/购电", "schedule reserve"),
            "orderly_power_use": ("有序用电", "orderly power use"),
        },
    ),
)

ENERGY_OBSERVATIONS = TopicSpec(
    sector="energy",
    event="observations",
    version=1,
    model=GridReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="the grid's own monitors: corridor and turbine ice, city load and capacity",
)
ENERGY_DECISIONS = TopicSpec(
    sector="energy",
    event="decisions",
    version=1,
    model=EnergyDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="energy dispatch decisions, siloed and fused",
)

TOPICS = (ENERGY_OBSERVATIONS, ENERGY_DECISIONS)
