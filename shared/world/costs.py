"""What protective actions cost: a price per unit and period, and the charge of one decision.

An action is priced in the units its cost really scales with: per mu of fields per day, per
person-day evacuated, per vehicle that meets a road control, per km of road per day, per
crew-shift deployed, per facility-day suspended. ``CostSpec`` is one such price (from
``actions.yaml``, or a new sector's own rules file), ``Charge`` what one decision covering a
``quantity`` of those units costs: a one-off ``setup_yuan`` when it is taken and ``yuan_per_h``
for every hour it stays in force. The referee charges a decision from its ``effective_at`` until
it is lifted or replaced, or the run ends, so an action lifted early costs only the time it ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.weather import Colour


class Per(StrEnum):
    """What an action's quantity counts."""

    MU = "mu"  # of fields, orchards or ponds covered
    HEAD = "head"  # of livestock
    PERSON = "person"  # moved or supplied
    VEHICLE = "vehicle"  # per hour of a road's flow: the quantity is vehicles per hour
    KM = "km"  # of road or levee treated or patrolled
    CREW = "crew"  # a team deployed
    FACILITY = "facility"  # a plant, mine or depot


#: How a period is named in a unit ("mu-day", "crew-shift", "vehicle-hour").
_PERIOD_NAMES = {1.0: "hour", 12.0: "shift", 24.0: "day"}


class CostSpec(BaseModel):
    """A price: ``unit_cost_yuan`` per ``per`` per ``period_h`` hours (once when None).

    ``setup_yuan`` is paid once per unit when the action is taken (transport out, mobilisation).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    per: Per
    period_h: float | None = Field(default=None, gt=0, description="None: a one-off price")
    unit_cost_yuan: float = Field(ge=0)
    setup_yuan: float = Field(default=0.0, ge=0)
    source: str = Field(min_length=1, description="Where the figure comes from, or (?) reasoning")

    @property
    def unit(self) -> str:
        """The unit's name: ``mu-day``, ``person-day``, ``vehicle-hour``, ``head`` ..."""
        if self.period_h is None:
            return self.per.value
        period = _PERIOD_NAMES.get(self.period_h, f"{self.period_h:g}h")
        return f"{self.per.value}-{period}"

    def charge(self, quantity: float) -> Charge:
        """What covering ``quantity`` units costs: once, and per hour in force."""
        if quantity < 0:
            raise ValueError(f"a quantity of {self.per} cannot be negative ({quantity})")
        once = self.setup_yuan + (self.unit_cost_yuan if self.period_h is None else 0.0)
        per_h = 0.0 if self.period_h is None else self.unit_cost_yuan / self.period_h
        return Charge(
            quantity=quantity,
            unit=self.unit,
            setup_yuan=round(quantity * once, 2),
            yuan_per_h=quantity * per_h,
        )


@dataclass(frozen=True)
class Charge:
    """What one decision costs: ``setup_yuan`` once, then ``yuan_per_h`` while in force."""

    quantity: float
    unit: str
    setup_yuan: float
    yuan_per_h: float

    def over(self, hours: float) -> float:
        """The cost of keeping the action in force for ``hours`` (never less than the setup)."""
        return self.setup_yuan + self.yuan_per_h * max(0.0, hours)

    def keeping(self, hours: float) -> float:
        """The cost of keeping an action already in force for ``hours`` more: its setup is
        spent, so only the running cost counts when weighing whether to call it off."""
        return self.yuan_per_h * max(0.0, hours)

    def fields(self) -> dict[str, Any]:
        """The decision fields that carry this charge (``DecisionMade``)."""
        return {
            "quantity": round(self.quantity, 3),
            "cost_unit": self.unit,
            "setup_cost_yuan": self.setup_yuan,
            "cost_yuan_per_h": round(self.yuan_per_h, 4),
        }


#: A probability p in p x L > C: above 0 (evidence that gives no chance is no evidence), at most 1.
Probability = Annotated[float, Field(gt=0, le=1)]


def check_by_colour(chances: Mapping[Colour, float], what: str = "warning") -> None:
    """Refuse a warning-colour table of chances that misses a colour or gives a more severe
    colour a lower chance than a milder one (the error names both)."""
    missing = [c.value for c in Colour if c not in chances]
    if missing:
        raise ValueError(f"{what}: no probability for the colour(s) {', '.join(missing)}")
    ranked = sorted(chances.items(), key=lambda cp: cp[0].rank)
    for (lower, p_lower), (higher, p_higher) in pairwise(ranked):
        if p_higher < p_lower:
            raise ValueError(
                f"{what}: {higher} (p={p_higher}) is below {lower} (p={p_lower}); "
                "a more severe colour must be at least as likely"
            )


class EvidenceChances(BaseModel):
    """p by kind of evidence: a sector's rules add one field per kind (its ``EvidenceKind``
    values) and inherit the table of public warnings' chances by colour."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warning: dict[Colour, Probability]

    @model_validator(mode="after")
    def _every_colour_in_order(self) -> EvidenceChances:
        check_by_colour(self.warning)
        return self

    def of(self, kind: str, colour: Colour | None = None) -> float:
        """The p of one kind of evidence (a warning's by its colour)."""
        if kind == "warning":
            if colour is None:
                raise ValueError("a warning's probability needs its colour")
            return self.warning[colour]
        return float(getattr(self, kind))


def worth_acting(probability: float, loss_avoided_yuan: float, cost_yuan: float) -> bool:
    """The cost–loss rule: act when the expected loss avoided exceeds the cost, p × L > C.

    ``probability`` is the chance of the loss, ``loss_avoided_yuan`` what the action saves if it
    comes, ``cost_yuan`` what the action costs either way (Thompson and Brier 1955; Murphy 1977,
    "The value of climatological, categorical and probabilistic forecasts in the cost-loss ratio
    situation", Monthly Weather Review 105).
    """
    return probability * loss_avoided_yuan > cost_yuan


#: The charge of a lift (a lift costs nothing; it ends what it lifts).
NO_CHARGE: dict[str, Any] = {"setup_cost_yuan": 0.0, "cost_yuan_per_h": 0.0}
