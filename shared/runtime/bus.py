"""The in-process bus: the services' own agents and handlers, driven tick by tick in memory.

Ensembles, sweeps and the value of data flows run a scenario hundreds of times; through Kafka a
flood run takes about two minutes. This bus runs the same manifests (the same state factories,
agents, handlers and tick work) without a broker, in the order the lockstep Kafka run gives
them, so one seed's scores are the same either way (``tests/e2e`` compares the two paths).

How a tick is played, as in the Kafka runtime with ``tick_sync`` on:

* the simulator's events of the tick are appended to their topics;
* agents run in the order their tick markers reach them: an agent completes a tick once every
  topic it reads has that tick's marker, which the simulator writes into its own topics and an
  agent with ``forward_markers`` writes into its outputs after its tick work. An agent that
  forwards no markers (a side agent reading a service that reads it back) runs as soon as its
  inputs are complete, so its outputs reach readers who complete later in the same tick and the
  rest in the next one, as they do on the broker;
* a completing agent takes what arrived on its topics since its last turn (each service drops an
  event id it has seen, as its ``Deduper`` does), handles the events that are due in the one
  order of ``due_in_order``, keeps the rest held, then runs its ``on_tick``;
* a handler that raises is logged and counted (the Kafka runtime dead-letters the event); the run
  goes on.

What differs on purpose: events are handed over as objects (no bytes on the wire, no metrics),
and a cross-sector ``latency`` can delay what a service reads from other sectors (a sweep's
parameter; the Kafka path has none), and ``shared`` can give the services that read a topic as
another sector's data a different copy of it than its own sector's service reads (a sweep that
degrades what one sector shares while its own service, and what it publishes for everyone,
keeps the original; the Kafka path has none).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.codec import Deduper
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import TopicSpec
from shared.contracts.topics import REGISTRY
from shared.runtime.manifest import Agent, Manifest
from shared.runtime.service import due_in_order, route
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

#: The writer of the simulator's own topics' tick markers.
SIMULATOR = "simulator"

#: A cross-sector flow: (topic, the service that reads it as another sector's data).
Flow = tuple[str, str]


class TopologyError(ValueError):
    """Agents whose ticks could never complete (a topic nobody marks, or a cycle of waits)."""


@dataclass(frozen=True)
class Held:
    """An event an agent has taken but not yet handled, and when it may be handled."""

    event: Event
    ready_at: datetime


@dataclass
class _Node:
    """One agent of one service, with its own place in every topic it reads."""

    service: str
    agent: Agent[Any]
    state: Any
    dedupe: Deduper
    topics: tuple[str, ...]
    #: Topics whose events are delayed by the bus's latency (the agent's cross-sector reads).
    delayed: frozenset[str]
    outputs: dict[type[Event], TopicSpec]
    cursors: dict[str, int] = field(default_factory=dict)
    held: list[Held] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.service}.{self.agent.name}"


@dataclass
class BusStats:
    """What a run through the bus handled."""

    ticks: int = 0
    events_in: int = 0
    published: int = 0
    duplicates: int = 0
    #: Handler failures by (agent, event type): the events the Kafka path would dead-letter.
    failures: Counter[tuple[str, str]] = field(default_factory=Counter)


class InProcessBus:
    """Every given service's agents over in-memory topics; feed it ticks with :meth:`play_tick`.

    ``services`` are (manifest, settings) pairs; each state is built by the manifest's factory
    with those settings (``fusion`` decides whether an agent subscribes to its ``fused_reads``).
    ``withheld`` flows are cross-sector reads the bus leaves out (the value of a data flow is
    measured by withholding it); ``latency`` delays every cross-sector read; ``shared`` maps a
    topic to the topic its cross-sector readers take instead (its shared copy, which the caller
    feeds with the simulator's ticks); ``marked`` names topics outside the registry that the
    caller feeds with the simulator's ticks (a test's substitute for a registered topic).
    """

    def __init__(
        self,
        services: Sequence[tuple[Manifest[Any], ServiceSettings]],
        *,
        withheld: Iterable[Flow] = (),
        latency: timedelta = timedelta(0),
        shared: Mapping[str, str] | None = None,
        marked: Iterable[str] = (),
    ) -> None:
        self.latency = latency
        self.shared = dict(shared or {})
        self.states: dict[str, Any] = {}
        self.topics: dict[str, list[Event]] = {}
        self.stats = BusStats()
        withheld = frozenset(withheld)
        nodes: list[_Node] = []
        for manifest, settings in services:
            state = manifest.state(settings)
            self.states[manifest.name] = state
            dedupe = Deduper(settings.dedupe_window)
            fused = {s.name for a in manifest.agents for s in a.fused_reads}
            for flow in withheld:
                if flow[1] == manifest.name and flow[0] not in fused:
                    raise ValueError(f"{flow[1]} does not read {flow[0]} as another sector's data")
            for agent in manifest.agents:
                if not agent.lockstep:  # reads what belongs to no tick (see ``Agent.lockstep``)
                    continue
                topics = tuple(
                    s.name
                    for s in agent.topics(fusion=settings.fusion)
                    if (s.name, manifest.name) not in withheld
                )
                if not topics:  # as in the Kafka runtime: such an agent is not declared
                    continue
                nodes.append(
                    _Node(
                        service=manifest.name,
                        agent=agent,
                        state=state,
                        dedupe=dedupe,
                        topics=topics,
                        delayed=frozenset(topics) & fused,
                        outputs={t.model: t for t in agent.outputs},
                    )
                )
        self.nodes = _in_marker_order(nodes, frozenset(marked))

    def state(self, service: str) -> Any:
        """The state of one service (its models, its scoreboard)."""
        return self.states[service]

    def play_tick(self, events: Iterable[tuple[TopicSpec, Event]], marker: TickAdvanced) -> None:
        """Append a tick's simulator events to their topics, then let every agent complete it."""
        for spec, event in events:
            self.topics.setdefault(spec.name, []).append(event)
        for node in self.nodes:
            self._complete(node, marker)
        self.stats.ticks += 1

    def _take(self, node: _Node) -> None:
        for topic in node.topics:
            cross = topic in node.delayed
            log_ = self.topics.get(self.shared.get(topic, topic) if cross else topic, [])
            start = node.cursors.get(topic, 0)
            delay = self.latency if cross else timedelta(0)
            for event in log_[start:]:
                if not node.dedupe.first_time(event.event_id):
                    self.stats.duplicates += 1
                    continue
                node.held.append(Held(event, event.occurred_at + delay))
            node.cursors[topic] = len(log_)

    def _complete(self, node: _Node, marker: TickAdvanced) -> None:
        self._take(node)
        due, node.held = due_in_order(
            node.held, marker.occurred_at, lambda h: h.event, lambda h: h.ready_at
        )
        self.stats.events_in += len(due)
        handlers = node.agent.handlers
        for item in due:
            handler = handlers.get(type(item.event))
            if handler is None:
                continue
            try:
                produced = route(node.agent.name, node.outputs, handler(node.state, item.event))
            except Exception:
                log.exception(
                    "handler %s failed on %s %s",
                    node.name,
                    item.event.event_type,
                    item.event.event_id,
                )
                self.stats.failures[(node.name, item.event.event_type)] += 1
                continue
            self._publish(produced)
        if due and node.agent.after_batch is not None:
            try:
                self._publish(
                    route(node.agent.name, node.outputs, node.agent.after_batch(node.state))
                )
            except Exception:
                log.exception("%s: the work after a batch failed", node.name)
                self.stats.failures[(node.name, "after_batch")] += 1
        if node.agent.on_tick is not None:
            self._publish(
                route(node.agent.name, node.outputs, node.agent.on_tick(node.state, marker))
            )

    def _publish(self, out: Sequence[tuple[TopicSpec, Event]]) -> None:
        for spec, event in out:
            self.topics.setdefault(spec.name, []).append(event)
        self.stats.published += len(out)


def _in_marker_order(nodes: list[_Node], marked: frozenset[str] = frozenset()) -> list[_Node]:
    """The agents in the order a tick's markers reach them (see the module doc).

    A topic's marker comes from the simulator (its ``marked`` topics) or from the one agent that
    forwards markers into it; an agent waits for every writer of the topics it reads. Among the
    agents whose inputs are complete, those that forward no markers go first, then by the
    services' order.
    """
    writers: dict[str, set[str]] = {}
    for node in nodes:
        if node.agent.forward_markers:
            for spec in node.agent.outputs:
                writers.setdefault(spec.name, set()).add(node.name)
    waits: dict[str, set[str]] = {}
    for node in nodes:
        needs: set[str] = set()
        for topic in node.topics:
            registered = REGISTRY.get(topic)
            found = set(writers.get(topic, ()))
            if (registered is not None and registered.marked) or topic in marked:
                found.add(SIMULATOR)
            if not found:
                raise TopologyError(
                    f"{node.name} reads {topic}, which no one marks: its ticks would never complete"
                )
            needs |= found - {SIMULATOR}
        waits[node.name] = needs
    order: list[_Node] = []
    done: set[str] = set()
    remaining = list(nodes)
    while remaining:
        ready = [n for n in remaining if waits[n.name] <= done]
        if not ready:
            stuck = ", ".join(n.name for n in remaining)
            raise TopologyError(f"these agents wait for each other's tick markers: {stuck}")
        ready.sort(key=lambda n: n.agent.forward_markers)  # stable: services' order otherwise
        order.append(ready[0])
        done.add(ready[0].name)
        remaining.remove(ready[0])
    return order
