"""Events of the world simulator itself: ground truth (the referee's only) and the clock.

Each sector's raw observations live in that sector's contracts module (the simulator and the
sector's ingestion API both publish them); this module holds what belongs to no sector.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import AwareDatetime, Classification, Event
from shared.contracts.spec import ActionName, SectorName, TopicRole, TopicSpec

# ---------------------------------------------------------------------------------------------
# Vocabularies shared by the simulator's events (and by the sector services that consume them).
# ---------------------------------------------------------------------------------------------

#: GB/T 2260 code of Jiangxi Province, used as the region of province-wide events (the clock).
PROVINCE_REGION = "360000"


class HazardKind(StrEnum):
    """Hazards the simulator models as space-time intensity fields."""

    RAINSTORM = "rainstorm"
    HEAT_WAVE = "heat_wave"
    COLD_WAVE = "cold_wave"
    FREEZING_RAIN = "freezing_rain"
    FOG = "fog"
    GALE = "gale"
    DROUGHT = "drought"
    LAKE_RISE = "lake_rise"


# ---------------------------------------------------------------------------------------------
# Ground truth: read by the referee only.
# ---------------------------------------------------------------------------------------------


class Mitigation(BaseModel):
    """What one protective action would have saved of an impact, depending on when it was taken.

    Taken at or before ``full_benefit_by``: it avoids ``avoidable_yuan`` (and protects
    ``avoidable_people``). Taken at or after ``no_benefit_after``: nothing. In between the benefit
    falls linearly. Earlier correct warnings are therefore worth more.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ActionName
    avoidable_yuan: float = Field(ge=0)
    avoidable_people: int = Field(default=0, ge=0)
    full_benefit_by: AwareDatetime
    no_benefit_after: AwareDatetime
    perfect_cost_yuan: float = Field(
        default=0.0,
        ge=0,
        description="What the action costs a decision-maker with perfect information: for this "
        "asset's part that is hit only, in place by full_benefit_by, lifted when the loss ends",
    )
    people_before: int | None = Field(
        default=None,
        ge=0,
        description="For an action counted per person (evacuation): the people of the asset the "
        "episode's earlier impacts affected. A decision moving `quantity` people covers this "
        "impact's people beyond them; None for actions that cover the asset whole",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Mitigation:
        if self.no_benefit_after < self.full_benefit_by:
            raise ValueError("no_benefit_after must not precede full_benefit_by")
        return self

    def share_at(self, taken_at: datetime) -> float:
        """The share (0..1) of the avoidable loss an action taken at ``taken_at`` avoids."""
        if taken_at <= self.full_benefit_by:
            return 1.0
        if taken_at >= self.no_benefit_after:
            return 0.0
        span = (self.no_benefit_after - self.full_benefit_by).total_seconds()
        return (self.no_benefit_after - taken_at).total_seconds() / span


class ImpactOccurred(Event):
    """Ground truth: harm a hazard really did to one asset, with its cost and how to avoid it.

    ``occurred_at`` is when the loss happened; ``exposure_started_at`` when the asset first met
    the hazardous condition. ``loss_yuan`` is the loss with no protective action. Impacts are
    deterministic in the scenario (they do not depend on the observation-noise seed).
    """

    EVENT_TYPE = "ImpactOccurred"
    classification: Classification = Classification.IMPORTANT

    impact_id: str = Field(min_length=1, max_length=160, description="Stable across runs")
    hazard_id: str = Field(min_length=1, max_length=96)
    hazard: HazardKind
    sector: SectorName = Field(description="The one sector whose actions mitigate it")
    impact_kind: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,47}$", description="crop_loss, road_accidents, flooding ..."
    )
    asset_id: str = Field(min_length=1, max_length=48, description="Farm, segment, gauge zone...")
    industry: str | None = Field(
        default=None, max_length=32, description="Agricultural industry, for farm impacts"
    )
    exposure_started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    loss_yuan: float = Field(ge=0)
    direct_loss: bool = Field(
        default=True,
        description="Counts in the disaster's direct economic loss (not a financial transfer "
        "or lost service, which the record's direct loss does not count)",
    )
    people_affected: int = Field(default=0, ge=0)
    quantity: float | None = Field(default=None, ge=0, description="The asset's amount, see unit")
    affected_quantity: float | None = Field(
        default=None, ge=0, description="The part of quantity the loss falls on (e.g. mu flooded)"
    )
    loss_share: float | None = Field(
        default=None, ge=0, le=1, description="Share of that part lost so far in the episode"
    )
    unit: str | None = Field(default=None, max_length=16, description="mu, km, customers...")
    mitigations: tuple[Mitigation, ...] = ()

    def loss_avoided(self, action: str, taken_at: datetime, quantity: float | None = None) -> float:
        """Yuan this impact would have been spared by ``action`` taken at ``taken_at``; for an
        action counted per person, by one moving ``quantity`` people (see ``covered``)."""
        best = 0.0
        for m in self.mitigations:
            if m.action == action:
                best = max(
                    best, m.avoidable_yuan * m.share_at(taken_at) * self.covered(m, quantity)
                )
        return best

    def covered(self, m: Mitigation, quantity: float | None) -> float:
        """The share (0..1) of this impact a decision of ``quantity`` units covers: all of it,
        unless ``m`` is counted per person; then the people it moved beyond those the episode
        affected before (``people_before``), over the people this impact affects."""
        if m.people_before is None or quantity is None:
            return 1.0
        if self.people_affected <= 0:
            return 1.0 if quantity > m.people_before else 0.0
        return min(1.0, max(0.0, (quantity - m.people_before) / self.people_affected))

    def people_protected(self, action: str, taken_at: datetime) -> int:
        """People this impact would have spared by ``action`` taken at ``taken_at``."""
        best = 0
        for m in self.mitigations:
            if m.action == action:
                best = max(best, round(m.avoidable_people * m.share_at(taken_at)))
        return best


class HazardOccurred(Event):
    """Ground truth: a hazard episode really hit one city (for hit/miss and lead-time scoring).

    Published once the episode is over; ``occurred_at`` is its onset in that city.
    """

    EVENT_TYPE = "HazardOccurred"
    classification: Classification = Classification.IMPORTANT

    hazard_id: str = Field(min_length=1, max_length=96)
    hazard: HazardKind
    started_at: AwareDatetime
    peak_at: AwareDatetime
    ended_at: AwareDatetime
    peak_intensity: float
    unit: str = Field(max_length=16, description="mm/h, °C anomaly, m visibility, m/s, m level")


class ValueReference(Event):
    """Ground truth: what one sector's "always act" strategy would cost over the whole run.

    The climatological reference of the cost-loss literature is the better of never acting (value
    0) and always acting: every action that mitigates anything of an asset kept in force on every
    asset of the sector for the whole run. Always acting avoids every avoidable loss, so its value
    is the sector's total avoidable loss less ``always_cost_yuan``; the referee takes the better of
    the two as the reference of the relative economic value. Published once, at the run's start.
    """

    EVENT_TYPE = "ValueReference"
    classification: Classification = Classification.IMPORTANT

    sector: SectorName
    always_cost_yuan: float = Field(ge=0)
    assets: int = Field(ge=0, description="The sector's assets in the scenario")
    hours: int = Field(ge=1, description="The run's length")
    unpriced_actions: tuple[str, ...] = Field(
        default=(), description="Actions with no price, counted as free (a lower bound)"
    )


# ---------------------------------------------------------------------------------------------
# The simulated clock.
# ---------------------------------------------------------------------------------------------


class TickAdvanced(Event):
    """The simulator finished publishing one tick: simulated time ``[tick_start, occurred_at)``.

    Services process the tick's events and answer with ``WatermarkReported``. ``late_services``
    names the services whose watermark for the previous tick had not arrived when the clock's
    timeout fired (reported, never silently skipped).
    """

    EVENT_TYPE = "TickAdvanced"
    classification: Classification = Classification.INTERNAL

    run_id: str = Field(min_length=1, max_length=96)
    scenario: str = Field(min_length=1, max_length=64)
    seed: int
    tick: int = Field(ge=0)
    total_ticks: int = Field(ge=1)
    tick_start: AwareDatetime
    final: bool = False
    events_in_tick: int = Field(default=0, ge=0)
    late_services: tuple[str, ...] = ()


class WatermarkReported(Event):
    """A service processed every event of a tick (sent by each service, read by the clock)."""

    EVENT_TYPE = "WatermarkReported"
    classification: Classification = Classification.INTERNAL

    run_id: str = Field(min_length=1, max_length=96)
    service: str = Field(min_length=1, max_length=64)
    tick: int = Field(ge=0)


SIMULATOR_TRUTH = TopicSpec(
    sector="simulator",
    event="truth",
    version=1,
    model=ImpactOccurred,
    classification=Classification.IMPORTANT,
    role=TopicRole.TRUTH,
    marked=True,
    description="Ground-truth impacts with yuan cost and mitigations; read by the referee only",
)
SIMULATOR_HAZARDS = TopicSpec(
    sector="simulator",
    event="hazards",
    version=1,
    model=HazardOccurred,
    classification=Classification.IMPORTANT,
    role=TopicRole.TRUTH,
    marked=True,
    description="Ground-truth hazard episodes per city; read by the referee only",
)
SIMULATOR_REFERENCES = TopicSpec(
    sector="simulator",
    event="references",
    version=1,
    model=ValueReference,
    classification=Classification.IMPORTANT,
    role=TopicRole.TRUTH,
    marked=True,
    partitions=1,
    description="Each sector's cost of always acting, the reference of its relative value; "
    "read by the referee only",
)
# The clock's topics have one partition: every event is province-wide and order is the point.
SIMULATOR_TICKS = TopicSpec(
    sector="simulator",
    event="ticks",
    version=1,
    model=TickAdvanced,
    classification=Classification.INTERNAL,
    role=TopicRole.CLOCK,
    partitions=1,
    description="The simulated clock: one event per finished tick",
)
SIMULATOR_WATERMARKS = TopicSpec(
    sector="simulator",
    event="watermarks",
    version=1,
    model=WatermarkReported,
    classification=Classification.INTERNAL,
    role=TopicRole.CLOCK,
    partitions=1,
    description="Each service reports the last tick it fully processed",
)

TOPICS = (
    SIMULATOR_TRUTH,
    SIMULATOR_HAZARDS,
    SIMULATOR_REFERENCES,
    SIMULATOR_TICKS,
    SIMULATOR_WATERMARKS,
)
