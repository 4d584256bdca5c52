"""Builders for the dashboard's summary tests: ensembles and sweeps as the commands publish them.

Each goes through the contracts' own ``ensemble_event`` / ``sweep_event``, from a document shaped
like ``dexsim ensemble`` and ``dexsim sweep`` write, so the tests see what the commands send.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts.referee import (
    EnsembleSummarized,
    ModeScore,
    ScoresPublished,
    SectorScore,
    SweepSummarized,
    ensemble_event,
    sweep_event,
)

T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)
SCENARIO = "poyang-flood-2020"


def band(p50: float, spread: float = 0.2) -> dict[str, float]:
    """A band around ``p50``: 5th and 95th percentiles ``spread`` of |p50| (or 1) either side."""
    half = abs(p50) * spread or spread
    return {"p5": p50 - half, "p50": p50, "p95": p50 + half}


def block(
    gain: float, *, multiplier: dict[str, float] | None = None, reason: str | None = None
) -> dict[str, Any]:
    """One sector's measures in an ensemble document (REV 0.3 siloed, 0.5 fused)."""
    return {
        "rev_siloed": band(0.3),
        "rev_fused": band(0.5),
        "gain_yuan": band(gain),
        "gap_closed": band(0.25),
        "multiplier": multiplier,
        "multiplier_reason": reason,
        "n": {},
    }


def flow(source: str, target: str, topic: str, p50: float | None) -> dict[str, Any]:
    """One cross-sector flow's value in an ensemble document."""
    return {
        "source": source,
        "target": target,
        "topic": topic,
        "value_yuan": None if p50 is None else band(p50),
        "stderr_yuan": 0.0,
        "method": "exact",
        "seeds": [1, 2, 3],
    }


def ensemble_doc(scenario: str = SCENARIO, gain: float = 1.2e8) -> dict[str, Any]:
    """An ensemble of three seeds: agriculture gains, transport's multiplier is n/a, three flows."""
    return {
        "scenario": scenario,
        "seeds": [1, 2, 3],
        "hours": None,
        "sectors": {
            "agriculture": block(gain * 0.75, multiplier=band(1.6)),
            "transport": block(gain * 0.25, reason="n/a in 2 of 3 worlds; siloed value ≤ 0"),
        },
        "overall": block(gain, multiplier=band(1.4)),
        "flows": [
            flow("weather", "transport", "weather.forecasts.v1", 2.0e7),
            flow("agriculture", "emergency", "agriculture.advisories.v1", None),
            flow("weather", "agriculture", "weather.forecasts.v1", 9.0e7),
        ],
    }


def ensemble(
    scenario: str = SCENARIO, gain: float = 1.2e8, at: datetime = T0
) -> EnsembleSummarized:
    """The summary event of ``ensemble_doc``, published at ``at``."""
    _, event = ensemble_event(ensemble_doc(scenario, gain))
    return event.model_copy(update={"occurred_at": at})


def sweep(scenario: str = SCENARIO, at: datetime = T0) -> SweepSummarized:
    """A forecast-error sweep over 0, 2 and 1 (listed out of order), the gain falling with it."""
    points = [
        {"value": v, "overall": block(g), "sectors": {"agriculture": block(g)}}
        for v, g in ((0.0, 3e8), (2.0, 0.5e8), (1.0, 1.2e8))
    ]
    doc = {"scenario": scenario, "param": "forecast_error", "seeds": [4, 5], "points": points}
    _, event = sweep_event(doc)
    return event.model_copy(update={"occurred_at": at})


def later(minutes: int) -> datetime:
    """``minutes`` after ``T0``."""
    return T0 + timedelta(minutes=minutes)


def _mode(value: float) -> ModeScore:
    return ModeScore(
        hits=1, misses=0, false_alarms=0, late=0, mean_lead_time_s=3600.0,
        loss_avoided_yuan=max(value, 0.0), cost_yuan=max(-value, 0.0), value_yuan=value,
        decisions=1, rev=0.1,
    )  # fmt: skip


def scores(multiplier: float | None, fused: float = -2e6, siloed: float = 5e6) -> ScoresPublished:
    """The referee's final scores of a run whose agriculture multiplier is ``multiplier``."""
    sector = SectorScore(
        sector="agriculture", siloed=_mode(siloed), fused=_mode(fused), multiplier=multiplier,
        multiplier_basis="ratio" if multiplier is not None else "n/a",
        multiplier_reason=None if multiplier is not None else "siloed value is not positive",
        value_gain_yuan=fused - siloed, avoidable_yuan=5e8,
    )  # fmt: skip
    return ScoresPublished(
        occurred_at=T0, source="referee", region="360000", run_id="poyang-flood-2020-s7",
        scenario=SCENARIO, seed=7, tick=9, total_ticks=10, final=True, sectors=(sector,),
        overall_multiplier=multiplier, overall_multiplier_basis=sector.multiplier_basis,
        overall_multiplier_reason=sector.multiplier_reason,
        overall_value_gain_yuan=fused - siloed, overall_avoidable_yuan=5e8, impacts=3, hazards=1,
    )  # fmt: skip
