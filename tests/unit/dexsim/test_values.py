"""Bands and Shapley values: checked against cases whose answer is known by hand."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import pytest

from dexsim.values import (
    EXACT_UP_TO,
    band,
    bands,
    prefixes,
    quantile,
    random_orders,
    shapley,
    shapley_exact,
    shapley_of_orders,
    shapley_sampled,
)


def test_quantiles_interpolate_between_order_statistics() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert quantile(values, 0.0) == 1.0
    assert quantile(values, 0.5) == 3.0
    assert quantile(values, 1.0) == 5.0
    assert quantile(values, 0.05) == pytest.approx(1.2)  # 4 * 0.05 = 0.2 of the way to 2
    assert quantile([7.0], 0.95) == 7.0
    assert band([None, None]) is None
    assert band([1.0, None, 3.0]) == {"p5": 1.1, "p50": 2.0, "p95": 2.9}


def world(gain: float, multiplier: float | None, reason: str | None = None) -> dict[str, dict]:
    block = {
        "rev_siloed": 0.5,
        "rev_fused": 0.5 + gain / 100,
        "gain_yuan": gain,
        "gap_closed": None,
        "multiplier": multiplier,
        "multiplier_reason": reason,
    }
    return {"agriculture": block, "overall": dict(block)}


def test_a_band_counts_the_worlds_where_a_measure_is_defined() -> None:
    out = bands([world(10.0, 1.2), world(30.0, 1.4), world(20.0, 1.3)])
    assert list(out) == ["agriculture", "overall"]
    assert out["overall"]["gain_yuan"]["p50"] == 20.0
    assert out["overall"]["gap_closed"] is None and out["overall"]["n"]["gap_closed"] == 0
    assert out["overall"]["multiplier"] == {"p5": 1.21, "p50": 1.3, "p95": 1.39}


def test_a_multiplier_undefined_in_any_world_is_not_banded() -> None:
    out = bands([world(10.0, 1.2), world(-5.0, None, "siloed value is not positive")])
    assert out["overall"]["multiplier"] is None
    assert "1 of 2 worlds" in out["overall"]["multiplier_reason"]
    assert "siloed value is not positive" in out["overall"]["multiplier_reason"]


def glove(c: frozenset[str]) -> float:
    """One left glove (L) and two right ones (R1, R2): a pair is worth 1."""
    return 1.0 if "L" in c and ({"R1", "R2"} & c) else 0.0


def test_exact_shapley_values_of_the_glove_game() -> None:
    phi = shapley_exact(["L", "R1", "R2"], glove)
    assert phi["L"].value == pytest.approx(2 / 3)
    assert phi["R1"].value == pytest.approx(1 / 6)
    assert phi["R2"].value == pytest.approx(1 / 6)


def test_efficiency_null_player_and_additivity() -> None:
    weights = {"a": 3.0, "b": -1.0, "c": 0.0, "d": 2.5}
    players = list(weights)

    def additive(c: frozenset[str]) -> float:
        return sum(weights[p] for p in c)

    def game(c: frozenset[str]) -> float:  # a and b together are worth 4 more
        return additive(c) + (4.0 if {"a", "b"} <= c else 0.0)

    phi = shapley_exact(players, additive)
    assert {p: v.value for p, v in phi.items()} == pytest.approx(weights)
    phi = shapley_exact(players, game)
    assert phi["a"].value == pytest.approx(3.0 + 2.0)  # the synergy is split evenly
    assert math.fsum(v.value for v in phi.values()) == pytest.approx(game(frozenset(players)))
    assert phi["c"].value == pytest.approx(0.0)  # changes nothing in any coalition


def test_sampling_agrees_with_enumeration_within_its_standard_error() -> None:
    players = [f"p{i}" for i in range(6)]

    def game(c: frozenset[str]) -> float:
        return len(c) ** 2 + (5.0 if {"p0", "p3"} <= c else 0.0)

    exact = shapley_exact(players, game)
    sampled = shapley_sampled(players, game, permutations=400, rng=random.Random(1))
    for p in players:
        assert abs(sampled[p].value - exact[p].value) <= 4 * sampled[p].stderr + 1e-9, p
        assert sampled[p].stderr > 0
    # every ordering's marginals add up to v(N), so the sampled values are efficient too
    assert math.fsum(v.value for v in sampled.values()) == pytest.approx(game(frozenset(players)))


def test_beyond_the_exact_limit_the_value_is_sampled() -> None:
    players = list(range(EXACT_UP_TO + 1))
    calls: list[frozenset[int]] = []

    def counted(c: frozenset[int]) -> float:
        calls.append(c)
        return float(len(c))

    with pytest.raises(ValueError, match="enumerate up to"):
        shapley_exact(players, counted)
    phi = shapley(players, counted, permutations=8)
    assert all(v.value == pytest.approx(1.0) for v in phi.values())
    assert len(calls) == len(set(calls)) < 2 ** len(players)  # memoised, not enumerated


def test_quantiles_are_monotone_in_q() -> None:
    rng = random.Random(3)
    values = [rng.gauss(0, 1) for _ in range(17)]
    qs = [quantile(values, q / 20) for q in range(21)]
    assert all(a <= b for a, b in pairwise(qs))


def test_a_sampled_plan_names_every_coalition_it_will_play_and_no_other() -> None:
    players = [f"p{i}" for i in range(12)]
    orders = random_orders(players, 2, random.Random(3))
    assert [sorted(o) for o in orders] == [sorted(players)] * 2
    planned = prefixes(orders)
    played: list[frozenset[str]] = []

    def game(c: frozenset[str]) -> float:
        played.append(c)
        return 2.0 * len(c) + (7.0 if {"p1", "p2"} <= c else 0.0)

    phi = shapley_of_orders(players, orders, game)
    # each coalition the orders meet is played once, and it was planned (so it can be played
    # ahead, in parallel): at most one play per player and order, plus the empty one
    assert sorted(map(sorted, played)) == sorted(map(sorted, planned))
    assert len(planned) == len(set(planned)) <= 2 * len(players) + 1
    # however few the orders, the values add up to v(N) - v(∅)
    assert math.fsum(v.value for v in phi.values()) == pytest.approx(
        game(frozenset(players)) - game(frozenset())
    )
    with pytest.raises(ValueError, match="at least 2"):
        random_orders(players, 1, random.Random(0))
