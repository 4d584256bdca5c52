"""The water sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class WaterAction(StrEnum):
    """The protective actions the water sector decides."""

    PROTECT = "water_protect"
    REINFORCE_LEVEE = "reinforce_levee"


class WaterReading(Event):
    """One hourly reading of a water site's own rain sensor."""

    EVENT_TYPE = "WaterReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class WaterDecision(DecisionMade):
    """The water service protected (or stood down) one of its sites."""

    EVENT_TYPE = "WaterDecision"

    sector: str = "water"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="water",
    label_zh="现代水利",
    label_en="Water conservancy",
    colour="#2f7ed8",
    plan_section="二.14",
    actions=actions_of(
        WaterAction,
        {"reinforce_levee": ("加固堤防", "reinforce levee"), "water_protect": ("防护", "protect")},
    ),
)

WATER_OBSERVATIONS = TopicSpec(
    sector="water",
    event="observations",
    version=1,
    model=WaterReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="water sites' own sensors: rain in the past 24 h",
)
WATER_DECISIONS = TopicSpec(
    sector="water",
    event="decisions",
    version=1,
    model=WaterDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="water protective decisions, siloed and fused",
)

TOPICS = (WATER_OBSERVATIONS, WATER_DECISIONS)
