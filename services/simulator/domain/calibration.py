"""Calibration: the world's losses, with no protective action, against the public record.

A ``RecordFigure`` is one recorded figure (``records.yaml``) with its window and band; ``measure``
computes the simulated figure from one world's ground truth over the same window, and
``compare`` sets the median over seeds against the record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import AwareDatetime
from shared.contracts.simulator import HazardKind, ImpactOccurred

Metric = Literal[
    "direct_loss_yuan",
    "agriculture_loss_yuan",
    "people_affected",
    "crop_area_affected_mu",
    "crop_area_failed_mu",
]

#: A farm's area counts as affected (受灾) once it has lost this share of the part hit, and as
#: failed (绝收) at this share: the thresholds of China's disaster statistics (自然灾害情况统计
#: 调查制度: yield down by 10% or more, and by 80% or more).
AFFECTED_SHARE = 0.10
FAILED_SHARE = 0.80


class RecordFigure(BaseModel):
    """One recorded figure, the window it covers and the band its ratio must fall in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: Metric
    recorded: float = Field(gt=0)
    window: tuple[AwareDatetime, AwareDatetime]
    band: tuple[float, float]
    source: str = Field(min_length=1)
    hazards: tuple[HazardKind, ...] | None = Field(
        default=None, description="Count only impacts of these hazard kinds (the record's cause)"
    )

    @model_validator(mode="after")
    def _ordered(self) -> RecordFigure:
        if self.window[1] <= self.window[0]:
            raise ValueError(f"{self.metric}: the window must end after it starts")
        if not 0 < self.band[0] <= self.band[1]:
            raise ValueError(f"{self.metric}: the band is [lo, hi] with 0 < lo <= hi")
        return self


def measure(figure: RecordFigure, impacts: Iterable[ImpactOccurred]) -> float:
    """The simulated ``figure.metric`` over the figure's window, from one world's impacts."""
    start, end = figure.window
    within = [
        e
        for e in impacts
        if start <= e.occurred_at < end and (figure.hazards is None or e.hazard in figure.hazards)
    ]
    if figure.metric == "direct_loss_yuan":
        return sum(e.loss_yuan for e in within if e.direct_loss)
    if figure.metric == "agriculture_loss_yuan":
        return sum(e.loss_yuan for e in within if e.sector == "agriculture")
    if figure.metric == "people_affected":
        return float(sum(e.people_affected for e in within))
    # Crop area: each farm once, by the largest part of it hit that lost at least 10% (80%).
    least = FAILED_SHARE if figure.metric == "crop_area_failed_mu" else AFFECTED_SHARE
    area: dict[str, float] = {}
    for e in within:
        if e.unit != "mu" or e.affected_quantity is None or (e.loss_share or 0) < least:
            continue
        area[e.asset_id] = max(area.get(e.asset_id, 0.0), e.affected_quantity)
    return sum(area.values())


@dataclass(frozen=True)
class Comparison:
    """The median over seeds of one simulated figure against its record."""

    figure: RecordFigure
    simulated: float
    per_seed: tuple[float, ...]

    @property
    def ratio(self) -> float:
        """Simulated over recorded."""
        return self.simulated / self.figure.recorded

    @property
    def within(self) -> bool:
        """Whether the ratio lies in the figure's band."""
        lo, hi = self.figure.band
        return lo <= self.ratio <= hi

    def as_json(self) -> dict[str, object]:
        """The report's entry: simulated, recorded, ratio, band, source (and the seeds' spread)."""
        return {
            "simulated": round(self.simulated, 2),
            "recorded": self.figure.recorded,
            "ratio": round(self.ratio, 4),
            "band": list(self.figure.band),
            "within": self.within,
            "window": [t.isoformat() for t in self.figure.window],
            "per_seed": [round(v, 2) for v in self.per_seed],
            "hazards": [h.value for h in self.figure.hazards] if self.figure.hazards else None,
            "source": self.figure.source,
        }


def compare(figure: RecordFigure, per_seed: Sequence[float]) -> Comparison:
    """The median of ``per_seed`` (one simulated figure per seed) against ``figure``."""
    if not per_seed:
        raise ValueError("compare needs at least one seed")
    return Comparison(figure=figure, simulated=median(per_seed), per_seed=tuple(per_seed))
