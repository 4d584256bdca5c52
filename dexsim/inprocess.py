"""One world scored in-process: the simulator's ticks through every clocked service on the bus.

``dexsim ensemble``, ``dexsim sweep`` and the value of data flows run the scenario many times;
this is their one engine. It builds every clocked service from its manifest (the same handlers
the Kafka services run), plays the simulation's ticks through ``shared.runtime.bus`` and returns
the referee's final summary, the shape ``dexsim run`` reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache
from typing import Any, ClassVar

from dexsim.registry import clocked, entry
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY
from shared.contracts.weather import WEATHER_FORECASTS
from shared.runtime.bus import Flow, InProcessBus

#: One tick of a simulation: its events and the marker that closes it.
Tick = tuple[list[tuple[TopicSpec, Event]], TickAdvanced]

#: The service whose state holds the scores.
SCORER = "referee"
#: The forecasts as shared with other sectors when a variation scales their error (in-process
#: only: the bus hands them to the fused reads of ``WEATHER_FORECASTS``).
SHARED_FORECASTS = dataclasses.replace(
    WEATHER_FORECASTS,
    event="forecasts-shared",
    description="The forecasts other sectors read, at a sweep's forecast error",
)


@dataclass(frozen=True)
class Variation:
    """What a sweep changes about a world (the defaults change nothing)."""

    #: Scale of the error of the forecasts the weather service shares with the other sectors
    #: (0: perfect; 1: the calibrated model). The CMA warnings, which every agency receives,
    #: keep coming from the calibrated forecast, so the siloed baseline is the same at every
    #: value and only what fusion adds gets better or worse.
    forecast_error: float = 1.0
    #: Added chance that a sensor reading is lost (every sensor kind).
    sensor_dropout: float = 0.0
    #: Hours every cross-sector read is delayed (the bus only; the Kafka path has no delay).
    latency_h: float = 0.0

    #: The parameters ``dexsim sweep --vary`` accepts, with what each means.
    PARAMETERS: ClassVar[dict[str, str]] = {
        "forecast_error": "scale of the error of the forecasts shared with other sectors "
        "(0 perfect, 1 calibrated; the public warnings keep the calibrated forecast)",
        "sensor_dropout": "added chance that a sensor reading is lost",
        "latency_h": "hours every cross-sector read is delayed",
    }

    def shared(self) -> dict[str, str]:
        """The bus's ``shared`` map for this variation: the fused reads of the weather forecasts
        take the varied copy ``simulate`` adds (none at the calibrated error)."""
        if self.forecast_error == 1.0:
            return {}
        return {WEATHER_FORECASTS.name: SHARED_FORECASTS.name}

    def with_value(self, param: str, value: float) -> Variation:
        """This variation with one parameter set."""
        if param not in self.PARAMETERS:
            known = ", ".join(self.PARAMETERS)
            raise ValueError(f"unknown parameter {param!r}; known: {known}")
        if value < 0 or (param == "sensor_dropout" and value >= 1):
            raise ValueError(f"{param}={value} is out of range")
        return dataclasses.replace(self, **{param: value})


@dataclass(frozen=True)
class WorldSpec:
    """One world to score: a scenario (by name or file), a seed, a variation, an hour limit."""

    scenario: str
    seed: int
    variation: Variation = field(default_factory=Variation)
    hours: int | None = None


@cache
def fused_flows() -> tuple[Flow, ...]:
    """Every cross-sector flow of the clocked services: (topic, reading service), from manifests."""
    flows: list[Flow] = []
    for e in clocked():
        for agent in e.manifest.agents:
            for spec in agent.fused_reads:
                flow = (spec.name, e.name)
                if flow not in flows:
                    flows.append(flow)
    return tuple(flows)


def flow_label(flow: Flow) -> tuple[str, str]:
    """(source sector, target service) of a flow, for reports."""
    topic, target = flow
    spec = REGISTRY.get(topic)
    return (spec.sector if spec is not None and spec.sector else topic), target


def simulate(spec: WorldSpec) -> list[Tick]:
    """The simulation of one world, materialised tick by tick (reused across coalitions).

    A variation of the forecast error simulates the world twice with the same seed: once with
    the calibrated forecast, whose events are the world's (the weather service's own reads, and
    so the public warnings, included), and once at the varied error, of which only the forecasts
    are kept, as ``SHARED_FORECASTS``: what the other sectors read (``Variation.shared``). Every
    other event, the truth included, is the same in both (each sensor has its own random
    stream).
    """
    from dexsim.calibrate import calibrated_model
    from dexsim.runner import shortened
    from services.simulator.data import resolve_scenario, simulation

    sc = shortened(resolve_scenario(spec.scenario), spec.hours)
    v = spec.variation

    def run(forecast_error: float) -> Any:
        model = calibrated_model(forecast_error).varied(sensor_dropout=v.sensor_dropout)
        return simulation(sc, spec.seed, model=model)

    sim = run(1.0)
    ticks = [(batch.events, _marker(sim.tick_event_for(batch))) for batch in sim.batches()]
    if not v.shared():
        return ticks
    varied = run(v.forecast_error).batches()
    out: list[Tick] = []
    for (events, marker), batch in zip(ticks, varied, strict=True):
        copies = [(SHARED_FORECASTS, e) for spec_, e in batch.events if spec_ == WEATHER_FORECASTS]
        out.append(([*events, *copies], marker))
    return out


def play(
    ticks: Sequence[Tick],
    *,
    fusion: bool = True,
    withheld: Iterable[Flow] = (),
    variation: Variation | None = None,
    shared: Mapping[str, str] | None = None,
    interim_scores: bool = False,
) -> InProcessBus:
    """Play materialised ticks through every clocked service; the bus, with all it published.

    The arguments are :func:`score`'s; ``interim_scores`` has the referee publish its scores
    at every tick, as it does on the broker (a reconciliation compares them).
    """
    v = variation or Variation()
    services = []
    for manifest in [e.manifest for e in clocked()]:
        options: dict[str, Any] = {"fusion": fusion, "tick_sync": True}
        if "interim_scores" in manifest.settings.model_fields:
            options["interim_scores"] = interim_scores
        services.append((manifest, manifest.settings(**options)))
    bus = InProcessBus(
        services,
        withheld=withheld,
        latency=timedelta(hours=v.latency_h),
        shared={**v.shared(), **(shared or {})},
    )
    for events, marker in ticks:
        bus.play_tick(events, marker)
    if bus.stats.failures:
        failed = ", ".join(f"{a} on {t} x{n}" for (a, t), n in bus.stats.failures.items())
        raise RuntimeError(
            f"handlers failed in-process (the Kafka path dead-letters them): {failed}"
        )
    return bus


def score(
    ticks: Sequence[Tick],
    *,
    fusion: bool = True,
    withheld: Iterable[Flow] = (),
    variation: Variation | None = None,
    shared: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Play materialised ticks through every clocked service; the referee's final summary.

    ``variation`` is the one ``ticks`` were simulated with (its latency and shared copies are
    the bus's); ``shared`` adds shared copies of the caller's (a test's forecasts, say: see
    ``InProcessBus``), which ``ticks`` feeds.
    """
    bus = play(ticks, fusion=fusion, withheld=withheld, variation=variation, shared=shared)
    state = bus.state(entry(SCORER).name)
    summary: dict[str, Any] | None = state.latest_summary
    if summary is None:
        raise RuntimeError("the referee published no final scores: the run had no final tick")
    return summary


def score_world(spec: WorldSpec, *, fusion: bool = True) -> dict[str, Any]:
    """Simulate and score one world."""
    return score(simulate(spec), fusion=fusion, variation=spec.variation)


def _marker(event: Event) -> TickAdvanced:
    if not isinstance(event, TickAdvanced):
        raise TypeError(f"the simulator closed a tick with a {type(event).__name__}")
    return event
