"""The measures of many worlds: bands over seeds, and the Shapley value of data flows (pure).

A world's scores are the referee's summary (``services.referee.domain.scoring``). This module
turns many of them into the bands ``dexsim ensemble`` and ``dexsim sweep`` report, and values
each cross-sector data flow by its Shapley value. Nothing here does I/O.

The Shapley value of flow *i* over flows *N* (Shapley 1953) is

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (v(S ∪ {i}) − v(S))

with v(S) the overall fusion gain ΔV (yuan) when the fused models read only the flows in S
(v(∅) = 0: with no flow the fused model sees what the siloed one sees). The values add up to
v(N), the run's ΔV (efficiency), and a flow that never changes a decision is worth 0 (null
player). Up to ``EXACT_UP_TO`` flows every coalition is played; beyond, the value is the mean of
the marginal contributions over random orders (Castro, Gómez and Tejada 2009), reported with its
standard error.
"""

from __future__ import annotations

import math
import random
import re
import statistics
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, TypeVar

P = TypeVar("P", bound=Hashable)

#: Exact enumeration up to this many flows (2^8 = 256 coalitions); permutation sampling beyond.
EXACT_UP_TO = 8
#: Random orders sampled per world when the flows are too many to enumerate.
DEFAULT_PERMUTATIONS = 64

#: The band every measure is reported with: the 5th, 50th and 95th percentiles over seeds.
QUANTILES = {"p5": 0.05, "p50": 0.5, "p95": 0.95}

#: The measures of one sector (or "overall") in one world, from the referee's summary.
MEASURES = ("rev_siloed", "rev_fused", "gain_yuan", "gap_closed", "multiplier")


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile with linear interpolation between order statistics (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def band(values: Iterable[float | None], digits: int = 4) -> dict[str, float] | None:
    """``{p5, p50, p95}`` of the defined values, or None when none is defined."""
    found = [v for v in values if v is not None]
    if not found:
        return None
    return {k: round(quantile(found, q), digits) for k, q in QUANTILES.items()}


def measures(figures: dict[str, Any]) -> dict[str, Any]:
    """One sector's (or the overall) measures in one world, from its summary block."""
    return {
        "rev_siloed": figures["siloed"]["rev"],
        "rev_fused": figures["fused"]["rev"],
        "gain_yuan": figures["value_gain_yuan"],
        "gap_closed": figures["gap_closed"],
        "multiplier": figures["multiplier"],
        "multiplier_reason": figures["multiplier_reason"],
    }


def per_world(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every sector's and the overall measures of one world."""
    return {name: measures(block) for name, block in summary.items()}


def bands(worlds: Sequence[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """The band of every measure over worlds, per sector and overall.

    REV and the gap closed are undefined in a world where perfect information gains nothing;
    their band is over the worlds where they are defined, and ``n`` says how many those are.
    The multiplier's band is given only when it is defined in every world; otherwise it is None
    with the commonest reason and how many worlds gave it.
    """
    names: list[str] = []
    for world in worlds:
        names += [n for n in world if n not in names]
    out: dict[str, dict[str, Any]] = {}
    for name in sorted(names, key=lambda n: (n == "overall", n)):
        rows = [w[name] for w in worlds if name in w]
        block: dict[str, Any] = {m: band(r[m] for r in rows) for m in MEASURES}
        block["gain_yuan"] = band((r["gain_yuan"] for r in rows), digits=2)
        block["n"] = {m: sum(r[m] is not None for r in rows) for m in MEASURES}
        undefined = [_kind(r["multiplier_reason"]) for r in rows if r["multiplier"] is None]
        block["multiplier_reason"] = None
        if undefined:
            block["multiplier"] = None
            reason, count = Counter(undefined).most_common(1)[0]
            block["multiplier_reason"] = (
                f"n/a in {len(undefined)} of {len(rows)} worlds; the commonest reason "
                f"({count}): {reason}"
            )
        out[name] = block
    return out


def _kind(reason: str | None) -> str:
    """A multiplier's reason without its world's figures, so that reasons can be counted."""
    text = re.sub(r"\s*\(¥-?[0-9.,]+\)", "", reason or "not given")
    return re.sub(r"¥-?[0-9.,]+", "¥…", text)


@dataclass(frozen=True)
class ShapleyValue:
    """A player's Shapley value, with its standard error when it was sampled (else 0)."""

    value: float
    stderr: float = 0.0


def coalitions(players: Sequence[P]) -> list[frozenset[P]]:
    """Every coalition of ``players``, smallest first."""
    out: list[frozenset[P]] = []
    for size in range(len(players) + 1):
        out += [frozenset(c) for c in combinations(players, size)]
    return out


def shapley_exact(
    players: Sequence[P], value: Callable[[frozenset[P]], float]
) -> dict[P, ShapleyValue]:
    """Shapley values by enumerating every coalition (``value`` is called once per coalition)."""
    n = len(players)
    if n > EXACT_UP_TO:
        raise ValueError(f"{n} players: enumerate up to {EXACT_UP_TO}, sample beyond")
    v = {c: value(c) for c in coalitions(players)}
    out: dict[P, ShapleyValue] = {}
    for p in players:
        terms = []
        for c, without in v.items():
            if p in c:
                continue
            weight = math.factorial(len(c)) * math.factorial(n - len(c) - 1) / math.factorial(n)
            terms.append(weight * (v[c | {p}] - without))
        out[p] = ShapleyValue(math.fsum(terms))
    return out


def random_orders(players: Sequence[P], count: int, rng: random.Random) -> list[list[P]]:
    """``count`` random orders of ``players`` (seeded by ``rng``): a sampled valuation's plan."""
    if count < 2:
        raise ValueError("sample at least 2 orders (a standard error needs two)")
    out: list[list[P]] = []
    for _ in range(count):
        order = list(players)
        rng.shuffle(order)
        out.append(order)
    return out


def prefixes(orders: Sequence[Sequence[P]]) -> list[frozenset[P]]:
    """Every distinct coalition the orders meet (each order's prefixes), in first-met order: what
    a sampled valuation must play, so that it can play them all at once (in parallel)."""
    seen: dict[frozenset[P], None] = {}
    for order in orders:
        coalition: frozenset[P] = frozenset()
        seen.setdefault(coalition, None)
        for p in order:
            coalition = coalition | {p}
            seen.setdefault(coalition, None)
    return list(seen)


def shapley_of_orders(
    players: Sequence[P], orders: Sequence[Sequence[P]], value: Callable[[frozenset[P]], float]
) -> dict[P, ShapleyValue]:
    """Shapley values as the mean marginal contribution over ``orders``, with standard errors.

    Each order's marginal contributions add up to v(all) − v(∅), so the values do too, however
    few the orders. ``value`` is called once per distinct coalition met (memoised here).
    """
    if len(orders) < 2:
        raise ValueError("sample at least 2 orders (a standard error needs two)")
    memo: dict[frozenset[P], float] = {}

    def v(c: frozenset[P]) -> float:
        if c not in memo:
            memo[c] = value(c)
        return memo[c]

    marginals: dict[P, list[float]] = {p: [] for p in players}
    for order in orders:
        coalition: frozenset[P] = frozenset()
        before = v(coalition)
        for p in order:
            coalition = coalition | {p}
            after = v(coalition)
            marginals[p].append(after - before)
            before = after
    return {
        p: ShapleyValue(statistics.fmean(m), statistics.stdev(m) / math.sqrt(len(m)))
        for p, m in marginals.items()
    }


def shapley_sampled(
    players: Sequence[P],
    value: Callable[[frozenset[P]], float],
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    rng: random.Random,
) -> dict[P, ShapleyValue]:
    """Shapley values as the mean marginal contribution over random orders, with standard errors.

    ``value`` is called once per distinct coalition met (memoised here).
    """
    return shapley_of_orders(players, random_orders(players, permutations, rng), value)


def shapley(
    players: Sequence[P],
    value: Callable[[frozenset[P]], float],
    *,
    permutations: int = DEFAULT_PERMUTATIONS,
    rng: random.Random | None = None,
) -> dict[P, ShapleyValue]:
    """Exact up to ``EXACT_UP_TO`` players, sampled beyond (seeded ``rng``, default seed 0)."""
    if len(players) <= EXACT_UP_TO:
        return shapley_exact(players, value)
    return shapley_sampled(players, value, permutations=permutations, rng=rng or random.Random(0))
