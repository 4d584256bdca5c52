"""The finance sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class FinanceAction(StrEnum):
    """The protective actions the finance sector decides."""

    PROTECT = "finance_protect"


class FinanceReading(Event):
    """One hourly reading of a finance site's own rain sensor."""

    EVENT_TYPE = "FinanceReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class FinanceDecision(DecisionMade):
    """The finance service protected (or stood down) one of its sites."""

    EVENT_TYPE = "FinanceDecision"

    sector: str = "finance"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


SECTOR = SectorInfo(
    name="finance",
    label_zh="金融服务",
    label_en="Financial services",
    colour="#50e3c2",
    plan_section="二.5",
    actions=actions_of(FinanceAction, {"finance_protect": ("防护", "protect")}),
)

FINANCE_OBSERVATIONS = TopicSpec(
    sector="finance",
    event="observations",
    version=1,
    model=FinanceReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="finance sites' own sensors: rain in the past 24 h",
)
FINANCE_DECISIONS = TopicSpec(
    sector="finance",
    event="decisions",
    version=1,
    model=FinanceDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="finance protective decisions, siloed and fused",
)

TOPICS = (FINANCE_OBSERVATIONS, FINANCE_DECISIONS)
