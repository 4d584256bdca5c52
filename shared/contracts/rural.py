"""The rural sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class RuralAction(StrEnum):
    """The protective actions the rural sector decides."""

    PROTECT = "rural_protect"


class RuralReading(Event):
    """One hourly reading of a rural site's own rain sensor."""

    EVENT_TYPE = "RuralReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class RuralDecision(DecisionMade):
    """The rural service protected (or stood down) one of its sites."""

    EVENT_TYPE = "RuralDecision"

    sector: str = "rural"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="rural",
    label_zh="乡村治理",
    label_en="Rural governance",
    colour="#f76b1c",
    actions=actions_of(RuralAction, {"rural_protect": ("防护", "protect")}),
)

RURAL_OBSERVATIONS = TopicSpec(
    sector="rural",
    event="observations",
    version=1,
    model=RuralReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="rural sites' own sensors: rain in the past 24 h",
)
RURAL_DECISIONS = TopicSpec(
    sector="rural",
    event="decisions",
    version=1,
    model=RuralDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="rural protective decisions, siloed and fused",
)

TOPICS = (RURAL_OBSERVATIONS, RURAL_DECISIONS)
