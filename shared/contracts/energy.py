"""The energy sector's contracts: site readings in, decisions out.

Scaffolded by ``dexsim new-sector``; grow it as the sector grows. The registry discovers this
module: its ``SECTOR`` and ``TOPICS`` are all that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class EnergyAction(StrEnum):
    """The protective actions the energy sector decides."""

    PROTECT = "energy_protect"
    DEICE_POWER_LINES = "deice_power_lines"


class EnergyReading(Event):
    """One hourly reading of a energy site's own rain sensor."""

    EVENT_TYPE = "EnergyReading"
    classification: Classification = Classification.INTERNAL

    site_id: str = Field(min_length=1, max_length=48)
    rain_24h_mm: float | None = Field(
        default=None, ge=0, le=2000, description="Rain over the site in the past 24 h"
    )


class EnergyDecision(DecisionMade):
    """The energy service protected (or stood down) one of its sites."""

    EVENT_TYPE = "EnergyDecision"

    sector: str = "energy"
    site_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast)$", description="What the decision rests on"
    )


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
            "energy_protect": ("防护", "protect"),
        },
    ),
)

ENERGY_OBSERVATIONS = TopicSpec(
    sector="energy",
    event="observations",
    version=1,
    model=EnergyReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="energy sites' own sensors: rain in the past 24 h",
)
ENERGY_DECISIONS = TopicSpec(
    sector="energy",
    event="decisions",
    version=1,
    model=EnergyDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="energy protective decisions, siloed and fused",
)

TOPICS = (ENERGY_OBSERVATIONS, ENERGY_DECISIONS)
