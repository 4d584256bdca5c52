"""The forecaster's calibration: hindcasts of every library scenario, one fit per product for
each scenario (its season) and one pooled over them.

``dexsim calibrate-forecasts`` writes the shipped fit (``services/simulator/
forecast_calibration.yaml``) for the shipped observation model. A sweep that scales the
forecast error needs a fit of its own for each scale (a worse forecaster knows it is worse from
its own hindcasts): ``calibrated_model`` fits one on first use and keeps it for the process.
Hindcast seeds start at ``HINDCAST_FIRST_SEED``, apart from the seeds ensembles score.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dexsim.values import quantile
from services.simulator.data import load_observation_model, load_scenarios, simulation
from services.simulator.domain.forecast import ForecastSkill
from services.simulator.domain.observations import ObservationModel
from services.simulator.domain.probability import (
    SECTION,
    ForecastProbability,
    fingerprint,
    hindcast_rows,
)
from shared.forecasts import Calibration, fit_logistic
from shared.world import Climatology, Normal

log = logging.getLogger(__name__)

#: The first hindcast seed (ensembles score seeds 1..N; these stay apart from them).
HINDCAST_FIRST_SEED = 1001
#: Hindcast seeds per scenario for the shipped fit, and for a sweep's own fits.
SHIPPED_SEEDS = 10
SWEEP_SEEDS = 4

#: One hindcast: (scenario, seed, forecast error scale).
Hindcast = tuple[str, int, float]
Rows = dict[str, list[tuple[float, float, bool]]]


@dataclass
class Tally:
    """One product's hindcast runs in one month, and the true spells that came after them."""

    runs: int = 0
    #: (length, worst value) of each spell that came.
    spells: list[tuple[float, float]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        """Fold another tally of the same product in."""
        self.runs += other.runs
        self.spells.extend(other.spells)

    def normal(self) -> Normal:
        """The record's entry: the rate, and the deciles of the spells' lengths and worst
        values (each at the middle of its tenth)."""
        if not self.spells:
            return Normal(rate=0.0)
        qs = [(k + 0.5) / DECILES for k in range(DECILES)]
        lengths = [d for d, _ in self.spells]
        worst = [e for _, e in self.spells]
        return Normal(
            rate=round(len(self.spells) / self.runs, 4),
            durations=tuple(round(quantile(lengths, q), 2) for q in qs),
            extremes=tuple(round(quantile(worst, q), 2) for q in qs),
        )


#: How finely the record keeps the spells' lengths and worst values.
DECILES = 10
#: Per month (``YYYY-MM``) and product: its tally.
Counts = dict[str, dict[str, Tally]]


def uncalibrated(forecast_error: float = 1.0) -> ObservationModel:
    """The shipped model with its forecast errors scaled, without a calibration."""
    model = load_observation_model().varied(forecast_error=forecast_error)
    return model.with_section(SECTION, {"calibration": None})


def hindcast(item: Hindcast) -> Rows:
    """The rows of one hindcast world, by product."""
    return hindcast_record(item)[0]


def hindcast_record(item: Hindcast) -> tuple[Rows, Counts]:
    """The rows of one hindcast world by product, and its climate counts."""
    name, seed, forecast_error = item
    model = uncalibrated(forecast_error)
    products = ForecastProbability.model_validate(model.root[SECTION]).products
    rows: Rows = defaultdict(list)
    counts: Counts = {}
    for row in hindcast_rows(simulation(load_scenarios()[name], seed, model=model), products):
        rows[row.product].append((row.margin, row.lead, row.event))
        tally = counts.setdefault(row.month, {}).setdefault(row.product, Tally())
        tally.runs += 1
        if row.event:
            tally.spells.append((row.duration, row.extreme))
    return dict(rows), counts


def fit(
    forecast_error: float = 1.0,
    *,
    seeds: int = SHIPPED_SEEDS,
    jobs: int = 1,
    on_done: Callable[[object], None] | None = None,
) -> Calibration:
    """Fit the forecaster's calibration on ``seeds`` hindcasts of every library scenario."""
    return fit_record(forecast_error, seeds=seeds, jobs=jobs, on_done=on_done)[0]


def fit_record(
    forecast_error: float = 1.0,
    *,
    seeds: int = SHIPPED_SEEDS,
    jobs: int = 1,
    on_done: Callable[[object], None] | None = None,
) -> tuple[Calibration, Climatology]:
    """The calibration ``fit`` gives, and the climate record of the same hindcasts: how often
    each product's condition came after a run, by month, pooled over the scenarios."""
    from dexsim.ensemble import run_worlds

    scenarios = sorted(load_scenarios())
    seed_list = list(range(HINDCAST_FIRST_SEED, HINDCAST_FIRST_SEED + seeds))
    items: Sequence[Hindcast] = [(s, n, forecast_error) for s in scenarios for n in seed_list]
    pooled: Rows = defaultdict(list)
    seasons: dict[str, Rows] = {s: defaultdict(list) for s in scenarios}
    counts: Counts = {}
    for (season, _, _), (rows, found_counts) in zip(
        items, run_worlds(items, hindcast_record, jobs=jobs, on_done=on_done), strict=True
    ):
        for product, found in rows.items():
            pooled[product].extend(found)
            seasons[season][product].extend(found)
        for month, by_product in found_counts.items():
            for product, found_tally in by_product.items():
                counts.setdefault(month, {}).setdefault(product, Tally()).add(found_tally)
    model = uncalibrated(forecast_error)
    skill = ForecastSkill.model_validate(model.root["forecast"])
    products = ForecastProbability.model_validate(model.root[SECTION]).products
    calibration = Calibration(
        fingerprint=fingerprint(skill, products),
        scenarios=tuple(scenarios),
        seeds=tuple(seed_list),
        products={v: fit_logistic(rows) for v, rows in sorted(pooled.items())},
        seasons={
            season: {v: fit_logistic(rows) for v, rows in sorted(found.items())}
            for season, found in seasons.items()
        },
    )
    pooled_months: dict[int, dict[str, Tally]] = {}
    for key, by_product in counts.items():
        for product, tally in by_product.items():
            pooled_months.setdefault(int(key[5:]), {}).setdefault(product, Tally()).add(tally)
    climate = Climatology(
        scenarios=tuple(scenarios),
        seeds=tuple(seed_list),
        runs={m: max(t.runs for t in by.values()) for m, by in sorted(counts.items())},
        outlooks={
            m: {p: tally.normal() for p, tally in sorted(by.items())}
            for m, by in sorted(counts.items())
        },
        months={
            m: {p: tally.normal() for p, tally in sorted(by.items())}
            for m, by in sorted(pooled_months.items())
        },
    )
    return calibration, climate


_FITTED: dict[float, Calibration] = {}


def calibrated_model(forecast_error: float, *, jobs: int = 1) -> ObservationModel:
    """The model with its forecast errors scaled and a calibration fitted for that scale.

    The shipped fit serves the unscaled model; another scale is fitted once per process on
    ``SWEEP_SEEDS`` hindcasts per scenario (call it in the parent before forking workers).
    """
    if forecast_error == 1.0:
        return load_observation_model()
    if forecast_error not in _FITTED:
        log.info("fitting the forecast calibration for forecast_error=%g", forecast_error)
        _FITTED[forecast_error] = fit(forecast_error, seeds=SWEEP_SEEDS, jobs=jobs)
    calibration = _FITTED[forecast_error].model_dump(mode="json")
    return (
        load_observation_model()
        .varied(forecast_error=forecast_error)
        .with_section(SECTION, {"calibration": calibration})
    )


def reliability(
    calibration: Calibration, rows: dict[str, Rows], *, bins: int = 10
) -> list[dict[str, float | int | str]]:
    """The reliability diagram of ``calibration`` on ``rows`` (by season, then product): per
    product and probability bin, how many forecasts, their mean probability and how often the
    condition came true."""
    out: list[dict[str, float | int | str]] = []
    products = sorted({p for found in rows.values() for p in found})
    for product in products:
        cells: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
        for season, found in rows.items():
            fitted = calibration.fits(season).get(product)
            if fitted is None:
                continue
            for margin, lead, event in found.get(product, []):
                p = fitted.probability(margin, lead)
                cells[min(int(p * bins), bins - 1)].append((p, event))
        for k, cell in enumerate(cells):
            if not cell:
                continue
            out.append(
                {
                    "product": product,
                    "bin": f"{k / bins:.1f}-{(k + 1) / bins:.1f}",
                    "n": len(cell),
                    "forecast": sum(p for p, _ in cell) / len(cell),
                    "observed": sum(e for _, e in cell) / len(cell),
                }
            )
    return out


#: The first seed of the held-out hindcasts that check the fit (apart from the fitted ones).
VERIFY_FIRST_SEED = 2001


def held_out(seeds: int, *, forecast_error: float = 1.0, jobs: int = 1) -> dict[str, Rows]:
    """Hindcast rows of ``seeds`` held-out seeds per library scenario, by scenario and product."""
    from dexsim.ensemble import run_worlds

    items = [
        (s, n, forecast_error)
        for s in sorted(load_scenarios())
        for n in range(VERIFY_FIRST_SEED, VERIFY_FIRST_SEED + seeds)
    ]
    out: dict[str, Rows] = defaultdict(lambda: defaultdict(list))
    for (season, _, _), rows in zip(items, run_worlds(items, hindcast, jobs=jobs), strict=True):
        for product, found in rows.items():
            out[season][product].extend(found)
    return out
