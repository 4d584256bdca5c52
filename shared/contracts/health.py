"""The health sector's contracts: surveillance readings in, protective decisions out.

The sector (plan section 二.8, 医疗健康) watches heat illness in the emergency departments and the
patients on dialysis or home oxygen in the flood zones, and decides four actions per city: surge
staffing of emergency departments, opening cooling centres, outreach to the elderly, and
transferring patients out of the flood zones before the water reaches them. The registry
discovers this module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class HealthAction(StrEnum):
    """The protective actions the health sector decides."""

    SURGE_STAFFING = "surge_staffing"
    OPEN_COOLING_CENTRES = "open_cooling_centres"
    ELDERLY_OUTREACH = "elderly_outreach"
    TRANSFER_PATIENTS = "transfer_patients"


class HealthReading(Event):
    """One day's surveillance of a city (its health commission's data): the emergency
    departments' heat-illness visits and the dialysis and home-oxygen patients of its flood zones
    who missed treatment. Reported the next morning (``occurred_at``): the day's records
    (``day``, local) are compiled overnight. A city without flood zones reports no
    ``missed_treatments``; a reading of neither count says nothing and changes nothing."""

    EVENT_TYPE = "HealthReading"
    # Aggregated patient data, but from medical records: not for the public (the plan's 分类分级).
    classification: Classification = Classification.SENSITIVE

    site_id: str = Field(min_length=1, max_length=48)
    day: date = Field(description="The local day the counts cover")
    heat_illness_visits: int | None = Field(
        default=None, ge=0, le=1_000_000, description="Heat-illness (中暑) visits in the day"
    )
    missed_treatments: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="Dialysis or home-oxygen patients in the flood zones who missed treatment",
    )


class HealthDecision(DecisionMade):
    """The health service took (or lifted) one action for one city."""

    EVENT_TYPE = "HealthDecision"

    sector: str = "health"
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast|evacuation|lift)$",
        description="What the decision rests on",
    )
    excess_deaths_per_day: float | None = Field(
        default=None, ge=0, description="The heat's excess deaths a day the decision acts on"
    )
    patients: int | None = Field(
        default=None, ge=0, description="Patients in the flood zones the decision transfers"
    )


SECTOR = SectorInfo(
    name="health",
    label_zh="医疗健康",
    label_en="Health",
    colour="#e86bb0",
    plan_section="二.8",
    actions=actions_of(
        HealthAction,
        {
            "surge_staffing": ("急诊增援排班", "surge staffing"),
            "open_cooling_centres": ("开放避暑纳凉点", "open cooling centres"),
            "elderly_outreach": ("老年人高温关爱随访", "outreach to the elderly"),
            "transfer_patients": ("转运透析/氧疗患者", "transfer patients"),
        },
    ),
)

HEALTH_OBSERVATIONS = TopicSpec(
    sector="health",
    event="observations",
    version=1,
    model=HealthReading,
    classification=Classification.SENSITIVE,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="the cities' surveillance: heat-illness visits, patients who missed treatment",
)
HEALTH_DECISIONS = TopicSpec(
    sector="health",
    event="decisions",
    version=1,
    model=HealthDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="health protective decisions, siloed and fused",
)

TOPICS = (HEALTH_OBSERVATIONS, HEALTH_DECISIONS)
