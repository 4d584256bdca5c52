"""The forecaster's probabilities are reliable: a reliability diagram over held-out hindcasts.

Held-out seeds (``dexsim.calibrate.VERIFY_FIRST_SEED`` on, never fitted on) of every library
scenario, each forecast with its season's fit as the simulator issues it, give per product and
probability bin the mean forecast probability and how often the condition came true. Forecasts
of one world share its weather, so a bin's observed frequency varies with the worlds in it; the
stated band is

    |observed - forecast| <= 0.10 + 2.5 x its standard error, worlds as clusters,

for every bin of at least 100 forecasts from at least 3 worlds, and over all bins together
the weighted mean gap (expected calibration error) is at most 0.05. A forecaster that issued
its climatological rate everywhere would pass the per-bin band in the one bin it uses, so the
test also asks the probabilities to resolve: their Brier score beats the pooled climatology's.
"""

from __future__ import annotations

import math
from collections import defaultdict

from dexsim.calibrate import VERIFY_FIRST_SEED, hindcast
from dexsim.ensemble import default_jobs, run_worlds
from services.simulator.data import load_observation_model, load_scenarios
from services.simulator.domain.probability import SECTION, ForecastProbability

SEEDS = 4
BINS = 10


def test_issued_probabilities_match_observed_frequencies_on_held_out_worlds() -> None:
    section = ForecastProbability.model_validate(load_observation_model().root[SECTION])
    assert section.calibration is not None
    calibration = section.calibration
    items = [
        (s, n, 1.0)
        for s in sorted(load_scenarios())
        for n in range(VERIFY_FIRST_SEED, VERIFY_FIRST_SEED + SEEDS)
    ]
    # cells[(product, bin)][world] = [(p, event), ...]
    cells: dict[tuple[str, int], dict[int, list[tuple[float, bool]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    brier = climate = 0.0
    total = 0
    results = run_worlds(items, hindcast, jobs=default_jobs())
    for world, ((season, _, _), rows) in enumerate(zip(items, results, strict=True)):
        fits = calibration.fits(season)
        for product, found in rows.items():
            for margin, lead, event in found:
                p = fits[product].probability(margin, lead)
                cells[(product, min(int(p * BINS), BINS - 1))][world].append((p, event))
    rate = {product: fit.events / fit.examples for product, fit in fits.items() if fit.examples}
    failures = []
    gap_sum = 0.0
    for (product, k), by_world in sorted(cells.items()):
        pairs = [pe for w in by_world.values() for pe in w]
        n = len(pairs)
        mean_p = sum(p for p, _ in pairs) / n
        observed = sum(e for _, e in pairs) / n
        gap_sum += n * abs(observed - mean_p)
        total += n
        brier += sum((p - e) ** 2 for p, e in pairs)
        climate += sum((rate[product] - e) ** 2 for _, e in pairs)
        if n < 100 or len(by_world) < 3:
            continue
        # cluster-robust standard error of the mean residual (event - p), worlds as clusters
        se = math.sqrt(sum(sum(e - p for p, e in w) ** 2 for w in by_world.values())) / n
        if abs(observed - mean_p) > 0.10 + 2.5 * se:
            failures.append(
                f"{product} bin {k / BINS:.1f}: forecast {mean_p:.3f}, observed {observed:.3f}, "
                f"n {n} from {len(by_world)} worlds, se {se:.3f}"
            )
    assert failures == [], "unreliable bins:\n" + "\n".join(failures)
    assert gap_sum / total <= 0.05, f"expected calibration error {gap_sum / total:.3f}"
    assert brier < climate, f"Brier {brier / total:.4f} does not beat climatology's"
