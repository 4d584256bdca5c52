"""The tourism sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class TourismAction(StrEnum):
    """The protective actions the tourism sector decides."""

    PROTECT = "tourism_protect"


class TourismReading(Event):
    """One hourly reading of a tourism site's own rain sensor."""

    EVENT_TYPE = "TourismReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class TourismDecision(DecisionMade):
    """The tourism service protected (or stood down) one of its sites."""

    EVENT_TYPE = "TourismDecision"

    sector: str = "tourism"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="tourism",
    label_zh="文化旅游",
    label_en="Culture and tourism",
    colour="#f5a623",
    actions=actions_of(TourismAction, {"tourism_protect": ("防护", "protect")}),
)

TOURISM_OBSERVATIONS = TopicSpec(
    sector="tourism",
    event="observations",
    version=1,
    model=TourismReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="tourism sites' own sensors: rain in the past 24 h",
)
TOURISM_DECISIONS = TopicSpec(
    sector="tourism",
    event="decisions",
    version=1,
    model=TourismDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="tourism protective decisions, siloed and fused",
)

TOPICS = (TOURISM_OBSERVATIONS, TOURISM_DECISIONS)
