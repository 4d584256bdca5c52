"""The shape every sector decision shares, so the referee can score any sector the same way.

Each decision is made twice, once per ``Mode``; the two share ``decision_key`` when they concern
the same situation. A decision covers ``asset_ids`` (farms, road segments, zones ...) or, when
that is empty, every asset of its sector in its ``region``. Sector modules subclass it
(``AdvisoryIssued``, ``RoadControlApplied``, ``ResponseDecided`` ...) and add their specifics.

A taken decision costs ``setup_cost_yuan`` once and ``cost_yuan_per_h`` for every hour it is in
force, until a lift or a newer decision with the same key ends it (shared/world/costs.py prices
the units); a lift costs nothing.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from shared.contracts.envelope import AwareDatetime, Classification, Event, Mode
from shared.contracts.spec import ActionName, SectorName


class DecisionMade(Event):
    """A sector service decided to take (or lift) a protective action."""

    EVENT_TYPE = "DecisionMade"
    classification: Classification = Classification.INTERNAL

    sector: SectorName
    mode: Mode
    action: ActionName
    status: Literal["taken", "lifted"] = "taken"
    decision_key: str = Field(
        min_length=1, max_length=160, description="Stable id of the situation decided on"
    )
    asset_ids: tuple[str, ...] = Field(default=(), max_length=500)
    industry: str | None = Field(default=None, max_length=32, description="Farm industry")
    effective_at: AwareDatetime = Field(description="Simulated time the action takes effect")
    quantity: float = Field(default=0.0, ge=0, description="Units of cost_unit covered")
    cost_unit: str = Field(
        default="", max_length=32, description="What quantity counts: mu-day, person-day ..."
    )
    setup_cost_yuan: float = Field(default=0.0, ge=0, description="Paid once when taken")
    cost_yuan_per_h: float = Field(
        default=0.0, ge=0, description="Accrues while in force (until lifted, replaced or the end)"
    )
    probability: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="The chance the model gives the loss it acts on (p in the rule p x L > C)",
    )
    expected_loss_avoided_yuan: float = Field(
        ge=0, description="The model's own estimate, p x L: the chance times the loss avoided"
    )
    reason: str = Field(default="", max_length=500)
    inputs: tuple[UUID, ...] = Field(default=(), max_length=200, description="Event ids used")
    cross_sector_inputs: tuple[SectorName, ...] = Field(
        default=(), description="Sectors whose events this decision used (empty when siloed)"
    )

    def cost_over(self, hours: float) -> float:
        """What the decision costs when in force for ``hours``."""
        return self.setup_cost_yuan + self.cost_yuan_per_h * max(0.0, hours)
