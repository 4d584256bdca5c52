"""The simulation run: world state -> ground truth and observations, batched into clock ticks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from services.simulator.domain.clock import tick_event
from services.simulator.domain.ensemble import sample
from services.simulator.domain.fields import WorldState, build_state
from services.simulator.domain.impacts import derive_truth
from services.simulator.domain.observations import ObservationDeriver, ObservationModel
from services.simulator.domain.plugin import SectorPlugin, assemble
from services.simulator.domain.scenario import Scenario
from shared.contracts.envelope import Event
from shared.contracts.simulator import (
    SIMULATOR_HAZARDS,
    SIMULATOR_REFERENCES,
    SIMULATOR_TICKS,
    SIMULATOR_TRUTH,
    ImpactOccurred,
    ValueReference,
)
from shared.contracts.spec import TopicSpec
from shared.world import World


@dataclass(frozen=True)
class TickBatch:
    """Everything published in one tick, in order (the tick event itself is not included)."""

    tick: int
    events: list[tuple[TopicSpec, Event]]


def world_key(scenario: str, seed: int) -> str:
    """The key of one possible world: the same scenario and seed always give the same key.

    The observations' event ids derive from it, so replaying a world yields the same events
    (the same ids, the same order within a tick) and therefore the same decisions and scores.
    """
    return f"{scenario}-s{seed}"


def new_run_id(scenario: str, seed: int) -> str:
    """A fresh id for one run of a world: the world's key and a random suffix.

    Two runs of one scenario and seed are two runs: the clock accepts only its own run's
    watermarks, so a watermark left on the topic by an earlier run cannot satisfy it.
    """
    return f"{world_key(scenario, seed)}-{uuid.uuid4().hex[:8]}"


class Simulation:
    """One run of a scenario with a seed; iterate ``batches()`` to get its ticks.

    ``world`` (the shared world data), ``model`` (the parsed observation model) and the sector
    ``plugins`` come from the adapter (``services.simulator.data``); nothing is loaded here.
    Without ``run_id`` the run gets a fresh one.
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int,
        *,
        world: World,
        model: ObservationModel,
        plugins: Sequence[SectorPlugin],
        run_id: str | None = None,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.world = world
        self.sectors = assemble(plugins, world, model)
        self.world_key = world_key(scenario.name, seed)
        self.run_id = run_id or new_run_id(scenario.name, seed)
        #: The seed's own event around the reconstruction (see ``ensemble.sample``).
        self.sampled = sample(scenario, seed)
        self.state: WorldState = build_state(self.sampled, self.world, key=self.world_key)

    def batches(self) -> Iterator[TickBatch]:
        """Yield the ticks in order; each tick holds the events that become known in it."""
        sc = self.scenario
        n = self.state.hours
        tick_h = sc.tick_hours
        # Observations published after the span's end are kept for the final tick.
        pending: dict[int, list[tuple[TopicSpec, Event]]] = {}

        def emit(hour: int, spec: TopicSpec, event: Event) -> None:
            pending.setdefault(min(hour, n - 1), []).append((spec, event))

        for item in derive_truth(self.state, self.sectors.impacts):
            emit(item.publish_hour, _truth_topic(item.event), item.event)
        deriver = ObservationDeriver(
            self.state, self.seed, self.world_key, self.sectors.sensors, self.sectors.parameters
        )
        for tick in range(sc.ticks):
            events: list[tuple[TopicSpec, Event]] = []
            for h in range(tick * tick_h, (tick + 1) * tick_h):
                deriver.emit_hour(h, emit)
                events.extend(pending.pop(h, ()))
            yield TickBatch(tick=tick, events=events)

    def tick_event_for(self, batch: TickBatch, late_services: tuple[str, ...] = ()) -> Event:
        """The ``TickAdvanced`` event that closes ``batch``."""
        sc = self.scenario
        start = sc.hour_at(batch.tick * sc.tick_hours)
        return tick_event(
            run_id=self.run_id,
            world_key=self.world_key,
            scenario=sc.name,
            seed=self.seed,
            tick=batch.tick,
            total_ticks=sc.ticks,
            tick_start=start,
            tick_end=sc.hour_at((batch.tick + 1) * sc.tick_hours),
            events_in_tick=len(batch.events),
            late_services=late_services,
        )

    def all_events(self) -> Iterator[tuple[TopicSpec, Event]]:
        """Every event of the run with its tick events, in publication order (no clock waits)."""
        for batch in self.batches():
            yield from batch.events
            yield SIMULATOR_TICKS, self.tick_event_for(batch)


def _truth_topic(event: Event) -> TopicSpec:
    """The topic of a ground-truth event, by its type."""
    if isinstance(event, ImpactOccurred):
        return SIMULATOR_TRUTH
    if isinstance(event, ValueReference):
        return SIMULATOR_REFERENCES
    return SIMULATOR_HAZARDS
