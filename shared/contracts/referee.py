"""Events produced by the referee: the scores of every sector's siloed and fused decisions.

Scores are aggregates per sector and mode (no asset, farm or person appears in them), so they are
``public`` although they are computed from ``important`` ground truth: the dashboard may show them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Classification, Event, derived_id, utcnow
from shared.contracts.simulator import PROVINCE_REGION
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


class Band(BaseModel):
    """A measure's spread over an ensemble's worlds: its 5th, 50th and 95th percentiles."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    p5: float
    p50: float
    p95: float


class EnsembleMeasures(BaseModel):
    """One sector's (or ``overall``) measures over an ensemble (None: defined in no world)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sector: str = Field(min_length=1, max_length=32, description="A sector or 'overall'")
    rev_siloed: Band | None = None
    rev_fused: Band | None = None
    gain_yuan: Band | None = None
    gap_closed: Band | None = None
    multiplier: Band | None = None
    multiplier_reason: str | None = Field(default=None, max_length=400)


class FlowValue(BaseModel):
    """What one cross-sector data flow was worth over an ensemble (its Shapley value)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(min_length=1, max_length=32, description="The sector whose data flows")
    target: str = Field(min_length=1, max_length=32, description="The service that reads it")
    topic: str = Field(min_length=1, max_length=128)
    value_yuan: Band | None = None


class EnsembleSummarized(Event):
    """The bands of an ensemble of worlds (``dexsim ensemble``), for a long-running system.

    The referee exports them as gauges with a ``quantile`` label; they are aggregates over
    simulated worlds (public).
    """

    EVENT_TYPE = "EnsembleSummarized"
    classification: Classification = Classification.PUBLIC

    scenario: str = Field(min_length=1, max_length=64)
    seeds: int = Field(ge=1)
    first_seed: int
    measures: tuple[EnsembleMeasures, ...] = Field(max_length=64)
    flows: tuple[FlowValue, ...] = Field(default=(), max_length=256)
    flow_seeds: int = Field(default=0, ge=0)


class SweepPoint(BaseModel):
    """One value of a swept parameter and the overall measures' bands there."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: float
    overall: EnsembleMeasures
    sectors: tuple[EnsembleMeasures, ...] = Field(default=(), max_length=64)


class SweepSummarized(Event):
    """A sensitivity sweep (``dexsim sweep``): the measures' bands against one parameter."""

    EVENT_TYPE = "SweepSummarized"
    classification: Classification = Classification.PUBLIC

    scenario: str = Field(min_length=1, max_length=64)
    param: str = Field(min_length=1, max_length=32)
    seeds: int = Field(ge=1)
    first_seed: int
    points: tuple[SweepPoint, ...] = Field(min_length=2, max_length=64)


REFEREE_ENSEMBLES = TopicSpec(
    sector="referee",
    event="ensembles",
    version=1,
    model=EnsembleSummarized,
    role=TopicRole.SCORES,
    classification=Classification.PUBLIC,
    partitions=1,
    description="Bands of every measure over an ensemble of worlds (dexsim ensemble)",
)

REFEREE_SWEEPS = TopicSpec(
    sector="referee",
    event="sweeps",
    version=1,
    model=SweepSummarized,
    role=TopicRole.SCORES,
    classification=Classification.PUBLIC,
    partitions=1,
    description="Bands of the measures against a swept parameter (dexsim sweep)",
)

TOPICS = (REFEREE_SCORES, REFEREE_ENSEMBLES, REFEREE_SWEEPS)


def _measures(name: str, b: dict[str, Any]) -> EnsembleMeasures:
    return EnsembleMeasures(
        sector=name,
        rev_siloed=b["rev_siloed"],
        rev_fused=b["rev_fused"],
        gain_yuan=b["gain_yuan"],
        gap_closed=b["gap_closed"],
        multiplier=b["multiplier"],
        multiplier_reason=b["multiplier_reason"],
    )


def sweep_event(doc: dict[str, Any]) -> tuple[TopicSpec, SweepSummarized]:
    """The summary event of a sweep document (``dexsim sweep``)."""
    now = utcnow()
    seeds = doc["seeds"]
    points = tuple(
        SweepPoint(
            value=p["value"],
            overall=_measures("overall", p["overall"]),
            sectors=tuple(_measures(n, b) for n, b in p["sectors"].items()),
        )
        for p in doc["points"]
    )
    event = SweepSummarized(
        event_id=derived_id("sweep", doc["scenario"], doc["param"], *seeds, now),
        occurred_at=now,
        source="dexsim",
        region=PROVINCE_REGION,
        scenario=doc["scenario"],
        param=doc["param"],
        seeds=len(seeds),
        first_seed=seeds[0],
        points=points,
    )
    return REFEREE_SWEEPS, event


def ensemble_event(doc: dict[str, Any]) -> tuple[TopicSpec, EnsembleSummarized]:
    """The summary event of an ensemble document (``dexsim.ensemble.ensemble_doc``)."""
    blocks = {**doc["sectors"], "overall": doc["overall"]}
    measures = tuple(_measures(name, b) for name, b in blocks.items())
    flows = tuple(
        FlowValue(
            source=f["source"], target=f["target"], topic=f["topic"], value_yuan=f["value_yuan"]
        )
        for f in doc["flows"]
    )
    seeds = doc["seeds"]
    flow_seeds = len(doc["flows"][0]["seeds"]) if doc["flows"] else 0
    now = utcnow()  # every summary is a new event, even of the same seeds
    event = EnsembleSummarized(
        event_id=derived_id("ensemble", doc["scenario"], *seeds, flow_seeds, doc.get("hours"), now),
        occurred_at=now,
        source="dexsim",
        region=PROVINCE_REGION,
        scenario=doc["scenario"],
        seeds=len(seeds),
        first_seed=seeds[0],
        measures=measures,
        flows=flows,
        flow_seeds=flow_seeds,
    )
    return REFEREE_ENSEMBLES, event
