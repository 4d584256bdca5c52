"""Events produced by the referee: the scores of every sector's siloed and fused decisions.

Scores are aggregates per sector and mode (no asset, farm or person appears in them), so they are
``public`` although they are computed from ``important`` ground truth: the dashboard may show them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorName, TopicRole, TopicSpec


class ModeScore(BaseModel):
    """The figures of one sector in one mode (see services/referee/domain/scoring.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hits: int = Field(ge=0)
    misses: int = Field(ge=0)
    false_alarms: int = Field(ge=0)
    late: int = Field(ge=0, description="Matched an impact but avoided nothing")
    mean_lead_time_s: float | None = Field(description="Over avoided impacts; None if none")
    loss_avoided_yuan: float = Field(ge=0)
    cost_yuan: float = Field(ge=0)
    value_yuan: float = Field(description="Loss avoided minus cost")
    decisions: int = Field(ge=0, description="Taken decisions (lifts are not scored)")
    people_relocated: int = Field(default=0, ge=0, description="People moved by evacuations")
    loss_yuan: float = Field(default=0.0, ge=0, description="Loss with this mode's decisions")
    rev: float | None = Field(
        default=None, description="Relative economic value: 1 perfect, 0 the reference"
    )


class SectorScore(BaseModel):
    """One sector's two modes compared."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sector: SectorName
    siloed: ModeScore
    fused: ModeScore
    multiplier: float | None = Field(description="value(fused)/value(siloed), see the basis")
    multiplier_basis: str = Field(max_length=32, description="ratio, or n/a with the reason")
    multiplier_reason: str | None = Field(default=None, max_length=200)
    value_gain_yuan: float = Field(description="value(fused) - value(siloed)")
    gap_closed: float | None = Field(
        default=None, description="value gain / (perfect value - value(siloed))"
    )
    avoidable_yuan: float = Field(ge=0, description="What a perfect, free decision-maker saves")
    loss_without_action_yuan: float = Field(default=0.0, ge=0)
    perfect_value_yuan: float = Field(default=0.0, ge=0, description="V*: perfect information")
    reference_value_yuan: float | None = Field(
        default=None, ge=0, description="V_ref: the better of never and always acting"
    )


class ScoresPublished(Event):
    """The referee's scores after a completed tick of a run (``final`` at the run's last tick)."""

    EVENT_TYPE = "ScoresPublished"
    classification: Classification = Classification.PUBLIC

    run_id: str = Field(min_length=1, max_length=96)
    scenario: str = Field(min_length=1, max_length=64)
    seed: int
    tick: int = Field(ge=0)
    total_ticks: int = Field(ge=1)
    final: bool = False
    sectors: tuple[SectorScore, ...] = Field(default=(), max_length=32)
    overall_multiplier: float | None = None
    overall_multiplier_basis: str = Field(max_length=32)
    overall_multiplier_reason: str | None = Field(default=None, max_length=200)
    overall_value_gain_yuan: float
    overall_gap_closed: float | None = None
    overall_rev_siloed: float | None = None
    overall_rev_fused: float | None = None
    overall_avoidable_yuan: float = Field(ge=0)
    impacts: int = Field(ge=0, description="Ground-truth impacts received so far")
    hazards: int = Field(ge=0, description="Ground-truth hazard episodes received so far")


REFEREE_SCORES = TopicSpec(
    sector="referee",
    event="scores",
    version=1,
    model=ScoresPublished,
    role=TopicRole.SCORES,
    classification=Classification.PUBLIC,
    partitions=1,  # one province-wide stream of score snapshots, in tick order
    description="Scores per sector and mode after each completed tick (aggregates only)",
)

TOPICS = (REFEREE_SCORES,)
