"""Ensembles, sweeps and the value of data flows: many worlds scored in-process, in parallel.

``dexsim ensemble`` and ``dexsim sweep`` use this. Each world (a scenario, a seed and a
variation) is simulated once and played through every clocked service on the in-process bus
(``dexsim.inprocess``); worlds run in worker processes, one per core by default. The measures
and their bands come from ``dexsim.values``.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dexsim.inprocess import Tick, Variation, WorldSpec, flow_label, fused_flows, score, simulate
from dexsim.values import (
    EXACT_UP_TO,
    ShapleyValue,
    band,
    bands,
    coalitions,
    per_world,
    prefixes,
    random_orders,
    shapley_exact,
    shapley_of_orders,
)
from shared.runtime.bus import Flow

T = TypeVar("T")
R = TypeVar("R")

#: Random orders of the flows a sampled valuation plays per world (beyond ``EXACT_UP_TO`` flows):
#: each order costs at most one in-process play per flow, and the standard error shrinks as
#: one over the square root of the orders.
DEFAULT_FLOW_ORDERS = 4


@dataclass
class WorldResult:
    """One world's measures (per sector and overall) and, when asked, its flows' values."""

    seed: int
    measures: dict[str, dict[str, Any]]
    flows: dict[Flow, ShapleyValue] = field(default_factory=dict)
    #: How the flows were valued: "exact" or "sampled (N random orders)"; "" when they were not.
    flow_method: str = ""
    seconds: float = 0.0
    #: The referee's summary of the world (the fused run with every flow).
    summary: dict[str, Any] = field(default_factory=dict)


def score_one(spec: WorldSpec) -> WorldResult:
    """Simulate and score one world (fused and siloed in the one run)."""
    started = time.perf_counter()
    summary = score(simulate(spec), variation=spec.variation)
    return WorldResult(
        spec.seed, per_world(summary), seconds=time.perf_counter() - started, summary=summary
    )


def value_flows(
    spec: WorldSpec, *, jobs: int = 1, orders: int = DEFAULT_FLOW_ORDERS
) -> WorldResult:
    """One world's measures and the Shapley value of every cross-sector flow in it.

    v(S) is the overall fusion gain with only the flows in S read; v(∅) = 0 without a run (the
    fused models then read what the siloed ones read), v(all) is the world's own run. Up to
    ``EXACT_UP_TO`` flows every coalition is played; beyond, ``orders`` random orders of the
    flows (seeded by the world's seed) are, each costing one play per flow at most. With
    ``jobs`` > 1 the coalitions are played in that many processes.
    """
    started = time.perf_counter()
    ticks = simulate(spec)
    variation = spec.variation
    summary = score(ticks, variation=variation)
    players = fused_flows()
    everything = frozenset(players)
    known: dict[frozenset[Flow], float] = {
        frozenset(): 0.0,
        everything: float(summary["overall"]["value_gain_yuan"]),
    }
    exact = len(players) <= EXACT_UP_TO
    plan = [] if exact else random_orders(players, orders, random.Random(spec.seed))
    needed = coalitions(players) if exact else prefixes(plan)
    todo = [c for c in needed if c not in known]
    if jobs > 1:
        known.update(zip(todo, _play_coalitions(ticks, todo, variation, jobs), strict=True))

    def gain(coalition: frozenset[Flow]) -> float:
        if coalition not in known:
            known[coalition] = _gain(ticks, coalition, variation)
        return known[coalition]

    values = shapley_exact(players, gain) if exact else shapley_of_orders(players, plan, gain)
    return WorldResult(
        spec.seed,
        per_world(summary),
        flows=values,
        flow_method="exact" if exact else f"sampled ({orders} random orders)",
        seconds=time.perf_counter() - started,
        summary=summary,
    )


def _gain(ticks: Sequence[Tick], coalition: frozenset[Flow], variation: Variation) -> float:
    """The overall fusion gain when the fused models read only ``coalition``'s flows."""
    withheld = [f for f in fused_flows() if f not in coalition]
    summary = score(ticks, withheld=withheld, variation=variation)
    return float(summary["overall"]["value_gain_yuan"])


#: The world the coalition workers play (inherited through fork rather than pickled per task).
_WORLD: list[Sequence[Tick]] = []


def _gain_of(args: tuple[frozenset[Flow], Variation]) -> float:
    return _gain(_WORLD[0], *args)


def _play_coalitions(
    ticks: Sequence[Tick], todo: Sequence[frozenset[Flow]], variation: Variation, jobs: int
) -> list[float]:
    _WORLD[:] = [ticks]  # set before the workers fork, so each has the world without pickling
    try:
        return run_worlds([(c, variation) for c in todo], _gain_of, jobs=jobs)
    finally:
        _WORLD.clear()


def default_jobs() -> int:
    """One worker per core."""
    return max(1, os.cpu_count() or 1)


def run_worlds(
    items: Sequence[T],
    work: Callable[[T], R],
    *,
    jobs: int,
    on_done: Callable[[R], None] | None = None,
) -> list[R]:
    """``work`` on every item (a world, say), in ``jobs`` forked worker processes; the results
    in the items' order."""
    results: dict[int, R] = {}
    if jobs <= 1 or len(items) <= 1:
        for i, item in enumerate(items):
            results[i] = work(item)
            if on_done is not None:
                on_done(results[i])
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {pool.submit(work, item): i for i, item in enumerate(items)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                if on_done is not None:
                    on_done(results[futures[future]])
    return [results[i] for i in range(len(items))]


def seeds_from(first: int, count: int) -> list[int]:
    """``count`` consecutive seeds from ``first``."""
    if count < 1:
        raise ValueError("run at least one seed")
    return list(range(first, first + count))


def ensemble_doc(
    scenario: str,
    variation: Variation,
    results: Sequence[WorldResult],
    *,
    flow_results: Sequence[WorldResult] = (),
    timing: dict[str, float] | None = None,
    hours: int | None = None,
) -> dict[str, Any]:
    """The ensemble's JSON document (see the README's "Ensembles" for its shape)."""
    summary = bands([r.measures for r in results])
    doc: dict[str, Any] = {
        "scenario": scenario,
        "seeds": [r.seed for r in results],
        "hours": hours,
        "variation": dataclasses.asdict(variation),
        "sectors": {k: v for k, v in summary.items() if k != "overall"},
        "overall": summary.get("overall", {}),
        "flows": flows_doc(flow_results),
        "timing": timing or {},
        "worlds": [{"seed": r.seed, "measures": r.measures} for r in results],
    }
    return doc


def flows_doc(results: Sequence[WorldResult]) -> list[dict[str, Any]]:
    """Each flow's value band over worlds, most valuable (median) first."""
    if not results:
        return []
    out: list[dict[str, Any]] = []
    for flow in fused_flows():
        values = [r.flows[flow].value for r in results if flow in r.flows]
        errors = [r.flows[flow].stderr for r in results if flow in r.flows]
        source, target = flow_label(flow)
        out.append(
            {
                "source": source,
                "target": target,
                "topic": flow[0],
                "value_yuan": band(values, digits=2),
                "stderr_yuan": round(max(errors), 2) if errors else None,
                "method": results[0].flow_method,
                "seeds": [r.seed for r in results],
            }
        )
    out.sort(key=lambda f: -float((f["value_yuan"] or {}).get("p50", 0.0)))
    return out


def sweep_points(
    scenario: str,
    param: str,
    values: Sequence[float],
    seeds: Sequence[int],
    *,
    jobs: int,
    hours: int | None = None,
    on_done: Callable[[WorldResult], None] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each value of ``param``: the ensemble's bands over ``seeds`` at that value."""
    base = Variation()
    prepare([base.with_value(param, v) for v in values], jobs=jobs)
    for value in values:
        variation = base.with_value(param, value)
        specs = [WorldSpec(scenario, s, variation, hours) for s in seeds]
        results = run_worlds(specs, score_one, jobs=jobs, on_done=on_done)
        summary = bands([r.measures for r in results])
        yield {
            "value": value,
            "sectors": {k: v for k, v in summary.items() if k != "overall"},
            "overall": summary.get("overall", {}),
        }


def prepare(variations: Iterable[Variation], *, jobs: int) -> None:
    """Fit the forecast calibration each variation's forecaster needs, in this process and
    before the workers fork (they inherit it): see ``dexsim.calibrate.calibrated_model``."""
    from dexsim.calibrate import calibrated_model

    for error in sorted({v.forecast_error for v in variations}):
        calibrated_model(error, jobs=jobs)


def parse_vary(text: str) -> tuple[str, list[float]]:
    """``name=v1,v2,...`` -> (name, values), with a clear error."""
    name, sep, rest = text.partition("=")
    name = name.strip()
    if not sep or not rest.strip():
        raise ValueError("use NAME=V1,V2,... (for example forecast_error=0,1,2,3)")
    if name not in Variation.PARAMETERS:
        known = ", ".join(f"{k} ({v})" for k, v in Variation.PARAMETERS.items())
        raise ValueError(f"unknown parameter {name!r}; known: {known}")
    try:
        values = [float(v) for v in rest.split(",") if v.strip()]
    except ValueError:
        raise ValueError(f"{rest!r}: the values must be numbers") from None
    for v in values:
        Variation().with_value(name, v)  # range check
    if len(values) < 2:
        raise ValueError("a sweep needs at least two values")
    return name, values
