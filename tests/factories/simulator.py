"""The simulator's runs, built the way its adapter builds them, and their event streams."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.engine import Simulation
from services.simulator.domain.scenario import Scenario

#: The run id of runs whose tick events are compared.
RUN_ID = "unit-run"


def short(name: str, days: int) -> Scenario:
    """The shipped scenario ``name`` cut to its first ``days`` days."""
    sc = get_scenario(name)
    return sc.model_copy(update={"end": sc.start + timedelta(days=days)})


def stream(sim: Simulation) -> list[tuple[str, bytes]]:
    """Every event of the run as (topic, JSON without ``produced_at``, which is wall time)."""
    return [
        (spec.name, ev.model_dump_json(exclude={"produced_at"}).encode())
        for spec, ev in sim.all_events()
    ]


@cache
def flood(seed: int) -> list[tuple[str, bytes]]:
    """The stream of the first 14 days of the 2020 Poyang flood with ``seed`` (computed once)."""
    return stream(simulation(short("poyang-flood-2020", 14), seed, run_id=RUN_ID))
