"""Forecast verification: threat scores of accumulated-rain forecasts against the truth."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.simulator.domain.fields import WorldState
from shared.contracts.weather import ForecastIssued


@dataclass
class Contingency:
    """Counts of a yes/no forecast against what happened."""

    hits: int = 0
    misses: int = 0
    false_alarms: int = 0
    correct_negatives: int = 0
    #: False alarms where the truth was dry (less than 1 mm in the window).
    dry_false_alarms: int = 0

    @property
    def threat_score(self) -> float | None:
        """TS (critical success index): hits / (hits + misses + false alarms), None if empty."""
        n = self.hits + self.misses + self.false_alarms
        return self.hits / n if n else None

    def merge(self, other: Contingency) -> None:
        """Add ``other``'s counts to these (pooling runs or seeds)."""
        self.hits += other.hits
        self.misses += other.misses
        self.false_alarms += other.false_alarms
        self.correct_negatives += other.correct_negatives
        self.dry_false_alarms += other.dry_false_alarms

    def add(self, forecast: bool, observed: bool, *, dry: bool = False) -> None:
        """Count one forecast (``dry``: nothing fell)."""
        if forecast and observed:
            self.hits += 1
        elif observed:
            self.misses += 1
        elif forecast:
            self.false_alarms += 1
            self.dry_false_alarms += dry
        else:
            self.correct_negatives += 1


def rain_contingency(
    forecasts: Iterable[ForecastIssued],
    state: WorldState,
    *,
    threshold_mm: float = 50.0,
    window_h: int = 24,
    leads_h: tuple[int, ...] = (24, 48, 72),
) -> dict[int, Contingency]:
    """Contingency tables of ``window_h`` rain totals >= ``threshold_mm``, by lead time.

    The forecast for lead ``L`` is the sum of a run's steps valid in the window ending ``L``
    hours after the run; it is counted only when the run covers the whole window.
    """
    index = {t: i for i, t in enumerate(state.times)}
    out = {lead: Contingency() for lead in leads_h}
    for fc in forecasts:
        city = state.cities.get(fc.region)
        if city is None:
            continue
        by_hour = {index[s.valid_at]: s.rain_mm or 0.0 for s in fc.steps if s.valid_at in index}
        run = index[fc.run_at]
        for lead in leads_h:
            hours = range(run + lead - window_h + 1, run + lead + 1)
            if not all(h in by_hour for h in hours):
                continue
            forecast = sum(by_hour[h] for h in hours)
            observed = sum(city.rain[h] for h in hours)
            out[lead].add(forecast >= threshold_mm, observed >= threshold_mm, dry=observed < 1.0)
    return out
