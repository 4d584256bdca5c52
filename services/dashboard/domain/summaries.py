"""The latest ensemble and sensitivity sweep of each scenario, as the page shows them (pure).

``dexsim ensemble`` and ``dexsim sweep`` score many worlds of a scenario and publish a summary
(``EnsembleSummarized``, ``SweepSummarized`` in ``shared/contracts/referee.py``): for every
sector and ``overall`` the band of each measure over the seeds, its 5th, 50th and 95th
percentiles (``p5``, ``p50``, ``p95``):

* ``rev_siloed``, ``rev_fused``: relative economic value per mode (1 perfect information, 0 the
  better of never and always acting);
* ``gain_yuan``: the fusion gain ΔV = value(fused) − value(siloed), in yuan;
* ``gap_closed``: the share of what the siloed path left to perfect information that fusion
  recovered;
* ``multiplier``: value(fused) / value(siloed), with the reason where it is not given;

and, for an ensemble run with ``--flows``, what each cross-sector data flow was worth (its
Shapley value in yuan, a band over the flows' seeds). A sweep gives those bands at each value of
one parameter (the forecast error's scale, say).

These summaries are aggregates over simulated worlds (``public``) and belong to no scenario run:
starting a run does not clear them. A summary replaces the scenario's previous one only if it is
not older (a redelivered old summary does not hide a newer one).

**No negative multiplier is shown.** The referee gives none where the siloed or the fused value
is not positive or too little was at stake, and says why. A ratio that changes sign compares a
loss with a gain and means nothing, so the page also withholds one that arrives negative (a
summary from an older referee, say), or a band reaching below zero, with that reason; the gain
ΔV says what fusion did.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.contracts.referee import (
    Band,
    EnsembleMeasures,
    EnsembleSummarized,
    SweepSummarized,
)

#: The measures block that sums every sector.
OVERALL = "overall"
#: Scenarios remembered (the oldest summary is dropped beyond; the library has about ten).
MAX_SCENARIOS = 64
#: Why a multiplier band is withheld when its worlds did not all define one.
UNDEFINED = "not defined in every world of the ensemble"
NEGATIVE_BAND = (
    "the fused value was negative in some worlds (5th percentile ×%.2f): a ratio that changes "
    "sign means nothing; the gain ΔV says what fusion did"
)
NEGATIVE_RATIO = (
    "the fused value is negative (×%.2f): a ratio of a loss to a gain means nothing; the gain "
    "from fusion says what fusion did"
)


def shown_ratio(
    ratio: float | None, basis: str, reason: str | None
) -> tuple[float | None, str, str | None]:
    """A run's multiplier as the page shows it: a negative ratio becomes ``n/a`` with why."""
    if ratio is not None and ratio < 0:
        return None, "n/a", NEGATIVE_RATIO % ratio
    return ratio, basis, reason


def shown_band(band: Band | None, reason: str | None) -> tuple[dict[str, float] | None, str | None]:
    """An ensemble's multiplier band as the page shows it, or None with the reason why not."""
    if band is None:
        return None, reason or UNDEFINED
    if min(band.p5, band.p50, band.p95) < 0:
        return None, NEGATIVE_BAND % min(band.p5, band.p50, band.p95)
    return _band(band), None


def _band(band: Band | None) -> dict[str, float] | None:
    return None if band is None else {"p5": band.p5, "p50": band.p50, "p95": band.p95}


def measures_view(block: EnsembleMeasures) -> dict[str, Any]:
    """One sector's (or the overall) bands, JSON-ready; the multiplier only where it means one."""
    multiplier, reason = shown_band(block.multiplier, block.multiplier_reason)
    return {
        "sector": block.sector,
        "rev_siloed": _band(block.rev_siloed),
        "rev_fused": _band(block.rev_fused),
        "gain_yuan": _band(block.gain_yuan),
        "gap_closed": _band(block.gap_closed),
        "multiplier": multiplier,
        "multiplier_reason": reason,
    }


def _split(blocks: Iterable[EnsembleMeasures]) -> tuple[dict[str, Any] | None, list[Any]]:
    """The overall block and the sectors' blocks, each as its view."""
    overall: dict[str, Any] | None = None
    sectors: list[dict[str, Any]] = []
    for block in blocks:
        if block.sector == OVERALL:
            overall = measures_view(block)
        else:
            sectors.append(measures_view(block))
    return overall, sectors


def _median(band: Band | None) -> float:
    return band.p50 if band is not None else float("-inf")


def ensemble_view(event: EnsembleSummarized) -> dict[str, Any]:
    """What the page shows of an ensemble: its seeds, every block's bands, the flows' values."""
    overall, sectors = _split(event.measures)
    flows = sorted(event.flows, key=lambda f: (-_median(f.value_yuan), f.source, f.target))
    return {
        "id": str(event.event_id),
        "scenario": event.scenario,
        "seeds": event.seeds,
        "first_seed": event.first_seed,
        "published_at": event.occurred_at.isoformat(),
        "overall": overall,
        "sectors": sectors,
        "flow_seeds": event.flow_seeds,
        # Most valuable (median) first; a flow valued in no world last.
        "flows": [
            {
                "source": f.source,
                "target": f.target,
                "topic": f.topic,
                "value_yuan": _band(f.value_yuan),
            }
            for f in flows
        ],
    }


def sweep_view(event: SweepSummarized) -> dict[str, Any]:
    """What the page shows of a sweep: the parameter and each value's bands, in value order."""
    points = []
    for p in sorted(event.points, key=lambda p: p.value):
        _, sectors = _split(p.sectors)
        points.append({"value": p.value, "overall": measures_view(p.overall), "sectors": sectors})
    return {
        "id": str(event.event_id),
        "scenario": event.scenario,
        "param": event.param,
        "seeds": event.seeds,
        "first_seed": event.first_seed,
        "published_at": event.occurred_at.isoformat(),
        "points": points,
    }


class Summaries:
    """The latest ``EnsembleSummarized`` and ``SweepSummarized`` of each scenario."""

    def __init__(self) -> None:
        # Insertion order is arrival order: the last entry is the latest to arrive.
        self._ensembles: dict[str, EnsembleSummarized] = {}
        self._sweeps: dict[str, SweepSummarized] = {}

    @staticmethod
    def _keep(found: dict[str, Any], event: EnsembleSummarized | SweepSummarized) -> bool:
        known = found.get(event.scenario)
        if known is not None and event.occurred_at < known.occurred_at:
            return False  # an older summary, delivered again or late
        found.pop(event.scenario, None)
        found[event.scenario] = event
        while len(found) > MAX_SCENARIOS:
            del found[next(iter(found))]
        return True

    def on_ensemble(self, event: EnsembleSummarized) -> bool:
        """Keep an ensemble's summary as its scenario's latest; False if it is older."""
        return self._keep(self._ensembles, event)

    def on_sweep(self, event: SweepSummarized) -> bool:
        """Keep a sweep's summary as its scenario's latest; False if it is older."""
        return self._keep(self._sweeps, event)

    def ensemble(self, scenario: str) -> dict[str, Any] | None:
        """The latest ensemble of ``scenario`` as the page shows it, or None."""
        found = self._ensembles.get(scenario)
        return None if found is None else ensemble_view(found)

    def sweep(self, scenario: str) -> dict[str, Any] | None:
        """The latest sweep of ``scenario`` as the page shows it, or None."""
        found = self._sweeps.get(scenario)
        return None if found is None else sweep_view(found)

    def index(self) -> dict[str, list[dict[str, Any]]]:
        """Which scenarios have an ensemble or a sweep (latest to arrive first), with their ids.

        The live snapshot carries only this; the page fetches a summary when its id changes.
        """
        return {
            "ensembles": [
                {
                    "scenario": e.scenario,
                    "id": str(e.event_id),
                    "seeds": e.seeds,
                    "first_seed": e.first_seed,
                    "flows": len(e.flows),
                    "published_at": e.occurred_at.isoformat(),
                }
                for e in reversed(self._ensembles.values())
            ],
            "sweeps": [
                {
                    "scenario": s.scenario,
                    "id": str(s.event_id),
                    "param": s.param,
                    "seeds": s.seeds,
                    "first_seed": s.first_seed,
                    "points": len(s.points),
                    "published_at": s.occurred_at.isoformat(),
                }
                for s in reversed(self._sweeps.values())
            ],
        }
