"""Events produced by the emergency service: response decisions per city.

One ``ResponseDecided`` carries one measure for one city: the response level (Ⅳ lowest to Ⅰ
highest, flood-control and disaster-relief practice) with the rescue teams and supplies it
pre-positions, an evacuation advisory for flood-risk areas, levee reinforcement, power-line
de-icing, or suspending operations at industrial-safety facilities. Every deployment names its
route over the expressway segments and its ETA, so a closed road shows up as a longer route or a
delay. Standing a measure down is the same event with ``status="lifted"``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import RegionCode
from shared.contracts.simulator import HazardKind, ProtectiveAction, Sector


class ResponseLevel(StrEnum):
    """Emergency response level, Ⅳ (lowest) to Ⅰ (highest)."""

    IV = "IV"
    III = "III"
    II = "II"
    I = "I"  # noqa: E741 - the level's own name

    @property
    def rank(self) -> int:
        """1 (Ⅳ) to 4 (Ⅰ): a higher rank is a stronger response."""
        return list(ResponseLevel).index(self) + 1

    @property
    def numeral(self) -> str:
        """The Roman numeral as written in Chinese plans (Ⅳ, Ⅲ, Ⅱ, Ⅰ)."""
        return {"IV": "Ⅳ", "III": "Ⅲ", "II": "Ⅱ", "I": "Ⅰ"}[self.value]

    @classmethod
    def from_rank(cls, rank: int) -> ResponseLevel:
        """The level of a rank (1..4)."""
        return list(cls)[rank - 1]


class Measure(StrEnum):
    """What an emergency decision does."""

    RESPONSE_LEVEL = "response_level"
    EVACUATION = "evacuation"
    LEVEE_REINFORCEMENT = "levee_reinforcement"
    POWER_LINE_DEICING = "power_line_deicing"
    SUSPEND_OPERATIONS = "suspend_operations"

    @property
    def action(self) -> ProtectiveAction:
        """The protective action the referee scores this measure as."""
        return _MEASURE_ACTION[self]


_MEASURE_ACTION: dict[Measure, ProtectiveAction] = {
    Measure.RESPONSE_LEVEL: ProtectiveAction.PREPOSITION_RESCUE,
    Measure.EVACUATION: ProtectiveAction.EVACUATE,
    Measure.LEVEE_REINFORCEMENT: ProtectiveAction.REINFORCE_LEVEE,
    Measure.POWER_LINE_DEICING: ProtectiveAction.DEICE_POWER_LINES,
    Measure.SUSPEND_OPERATIONS: ProtectiveAction.SUSPEND_OPERATIONS,
}


class ResourceKind(StrEnum):
    """Rescue resources the service moves."""

    RESCUE_TEAM = "rescue_team"
    BOATS = "boats"
    TENTS = "tents"


class Deployment(BaseModel):
    """Resources moved from one city to another over a route of expressway segments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_id: str = Field(min_length=1, max_length=64)
    kind: ResourceKind
    quantity: int = Field(ge=1)
    from_city: RegionCode
    to_city: RegionCode
    route: tuple[str, ...] = Field(default=(), description="Segment ids in travel order")
    distance_km: float = Field(ge=0)
    eta_hours: float = Field(ge=0, description="Travel time including waits at closures")
    delayed_by_closure: bool = Field(
        default=False, description="The route had to take a closed segment (waiting to pass)"
    )


class ResponseDecided(DecisionMade):
    """The emergency service decided (or stood down) one measure for one city."""

    EVENT_TYPE = "ResponseDecided"
    sector: Sector = Sector.EMERGENCY

    measure: Measure
    hazard: HazardKind | None = Field(default=None, description="The hazard responded to")
    level: ResponseLevel | None = None
    deployments: tuple[Deployment, ...] = Field(default=(), max_length=100)
    people_to_evacuate: int = Field(default=0, ge=0)
    trigger: str = Field(default="", max_length=200, description="The rule that fired")

    @model_validator(mode="after")
    def _consistent(self) -> ResponseDecided:
        if self.sector is not Sector.EMERGENCY:
            raise ValueError("a response is an emergency decision")
        if self.action is not self.measure.action:
            raise ValueError(f"measure {self.measure} is scored as {self.measure.action}")
        if self.measure is Measure.RESPONSE_LEVEL and self.status == "taken" and not self.level:
            raise ValueError("a response-level decision names its level")
        if self.measure is not Measure.RESPONSE_LEVEL and self.level is not None:
            raise ValueError("only a response-level decision carries a level")
        return self
