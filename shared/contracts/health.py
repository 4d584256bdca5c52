"""The health sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class HealthAction(StrEnum):
    """The protective actions the health sector decides."""

    PROTECT = "health_protect"


class HealthReading(Event):
    """One hourly reading of a health site's own rain sensor."""

    EVENT_TYPE = "HealthReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class HealthDecision(DecisionMade):
    """The health service protected (or stood down) one of its sites."""

    EVENT_TYPE = "HealthDecision"

    sector: str = "health"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="health",
    label_zh="医疗健康",
    label_en="Health",
    colour="#e86bb0",
    actions=actions_of(HealthAction, {"health_protect": ("防护", "protect")}),
)

HEALTH_OBSERVATIONS = TopicSpec(
    sector="health",
    event="observations",
    version=1,
    model=HealthReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="health sites' own sensors: rain in the past 24 h",
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
