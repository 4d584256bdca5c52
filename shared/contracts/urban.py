"""The urban sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class UrbanAction(StrEnum):
    """The protective actions the urban sector decides."""

    PROTECT = "urban_protect"


class UrbanReading(Event):
    """One hourly reading of a urban site's own rain sensor."""

    EVENT_TYPE = "UrbanReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class UrbanDecision(DecisionMade):
    """The urban service protected (or stood down) one of its sites."""

    EVENT_TYPE = "UrbanDecision"

    sector: str = "urban"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="urban",
    label_zh="城市治理",
    label_en="Urban governance",
    colour="#9bd15c",
    actions=actions_of(UrbanAction, {"urban_protect": ("防护", "protect")}),
)

URBAN_OBSERVATIONS = TopicSpec(
    sector="urban",
    event="observations",
    version=1,
    model=UrbanReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="urban sites' own sensors: rain in the past 24 h",
)
URBAN_DECISIONS = TopicSpec(
    sector="urban",
    event="decisions",
    version=1,
    model=UrbanDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="urban protective decisions, siloed and fused",
)

TOPICS = (URBAN_OBSERVATIONS, URBAN_DECISIONS)
