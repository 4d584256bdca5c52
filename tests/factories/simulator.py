"""The simulator's runs, built the way its adapter builds them, and their event streams."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.engine import Simulation
from services.simulator.domain.observations import ObservationDeriver
from services.simulator.domain.scenario import Scenario
from shared.contracts.envelope import Event
from shared.contracts.spec import TopicSpec
from shared.contracts.weather import ForecastIssued

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


def forecasts(sim: Simulation) -> list[ForecastIssued]:
    """Only the run's forecasts (the forecast sensor alone, as the full run would issue them)."""
    sensors = [x for x in sim.sectors.sensors if x.name == "forecast"]
    deriver = ObservationDeriver(
        sim.state, sim.seed, sim.world_key, sensors, sim.sectors.parameters
    )
    out: list[ForecastIssued] = []

    def keep(hour: int, spec: TopicSpec, event: Event) -> None:
        if isinstance(event, ForecastIssued):
            out.append(event)

    for hour in range(sim.state.hours):
        deriver.emit_hour(hour, keep)
    return out
