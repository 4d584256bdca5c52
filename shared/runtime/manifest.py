"""A service's manifest: the one typed object that declares everything about it.

``services/<name>/service.py`` holds ``MANIFEST``; the operator's registry (``dexsim/``) finds
it there, and everything that lists services (the supervisor, the bench, the load tests, the
scrape file, the README's table) derives from the manifests. The runtime builds the running
service from it: the typed state, the stream agents with a handler per event type, the HTTP
routers, the ingestion endpoints.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from fastapi import APIRouter, Request

from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import SectorInfo, TopicSpec
from shared.runtime.ingest import IngestPath
from shared.settings import ServiceSettings

S = TypeVar("S")
M = TypeVar("M")

#: A handler: the service's state and one event in, the events to publish out. The runtime
#: publishes each output on the agent's output topic that carries its type.
Handler = Callable[[S, Any], Iterable[Event]]
#: Called when a tick is complete on every input partition of an agent.
TickHandler = Callable[[S, TickAdvanced], Iterable[Event]]
BatchHandler = Callable[[S], Iterable[Event]]


@dataclass(frozen=True)
class Agent(Generic[S]):
    """One stream agent: what it reads, a handler per event type, and what it publishes."""

    name: str
    #: The sector's own data (and public warnings): read in both modes.
    reads: tuple[TopicSpec, ...]
    #: Handlers by event type (cosmicpython's handler mapping). An event whose type has no
    #: handler is consumed and skipped.
    handlers: Mapping[type[Event], Handler[S]]
    #: Other sectors' data, read only when the service's ``fusion`` setting is on (with it off,
    #: the service does not even subscribe: the control run).
    fused_reads: tuple[TopicSpec, ...] = ()
    on_tick: TickHandler[S] | None = None
    #: Work done once after each batch of handled events rather than per event (e.g. deciding
    #: on every city the batch's readings touched). A batch is whatever the consumer fetched;
    #: in a scenario's lockstep it is a tick's events, so runs stay deterministic. It runs
    #: before the tick's ``on_tick``.
    after_batch: BatchHandler[S] | None = None
    #: Where the handlers' outputs go, by the topics' event models.
    outputs: tuple[TopicSpec, ...] = ()
    #: Forward the simulator's tick markers into every partition of ``outputs``, so readers
    #: downstream know when they have a whole tick. A side agent that reads a sector which
    #: reads this one back must not (the two would wait for each other for ever).
    forward_markers: bool = True
    #: Part of a scenario's lockstep: with ``tick_sync`` on, its events wait for their tick.
    #: False for an agent reading what belongs to no tick (an ensemble's summary, published by
    #: a command): it handles events as they arrive, the clock does not wait for it, and the
    #: in-process bus leaves it out.
    lockstep: bool = True

    def __post_init__(self) -> None:
        models = [t.model for t in self.outputs]
        if len(models) != len(set(models)):
            raise ValueError(f"agent {self.name}: two output topics carry the same event type")

    def topics(self, *, fusion: bool) -> tuple[TopicSpec, ...]:
        """The topics the agent subscribes to with this fusion setting."""
        return self.reads + self.fused_reads if fusion else self.reads


def _whole(state: Any) -> Any:
    return state


def _replaced(state: Any, saved: Any) -> Any:
    return saved


@dataclass(frozen=True)
class Persisted(Generic[S]):
    """What of a service's state survives a restart (``shared.runtime.durable``).

    By default the whole state object is snapshotted and a restart replaces it with the saved
    one. A state that also holds what cannot or need not be saved (a process launcher, a lock)
    names the part to keep (``take``) and how to put it back into a fresh state (``put``).
    """

    take: Callable[[S], Any] = _whole
    put: Callable[[S, Any], S] = _replaced


@dataclass
class LoadClock:
    """A load-test sender's simulated clock: a random recent hour, one hour per reading.

    Each sender's readings are then distinct events (ingestion derives ids from the sender, the
    sensor and the time) rather than retries of one another.
    """

    rng: random.Random
    at: datetime = field(init=False)

    def __post_init__(self) -> None:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.at = now - timedelta(hours=self.rng.randrange(24 * 365))

    def tick(self) -> datetime:
        """The next hour."""
        self.at += timedelta(hours=1)
        return self.at

    @property
    def local_hour(self) -> int:
        """Hour of day in Beijing time."""
        return (self.at.hour + 8) % 24


@dataclass(frozen=True)
class LoadContext:
    """What a payload factory draws from: the sender's random stream and clock."""

    rng: random.Random
    clock: LoadClock


@dataclass(frozen=True)
class LoadProfile:
    """How load tests and the bench drive one ingestion path."""

    ingest: IngestPath
    #: The readings of one request, drawn from the world model.
    readings: Callable[[LoadContext], list[dict[str, Any]]]
    #: Load users of this path relative to the other paths' (real volumes).
    weight: int = 1
    #: GET paths a load user of this service also queries; ``{region}`` becomes a city code.
    queries: tuple[str, ...] = ()
    #: Sends faster when a storm surges (citizen calls multiply); else steady.
    surges: bool = False
    #: Service-level objectives of the ingestion path and of the queries: (p95, p99) in ms.
    #: Ingestion waits for Kafka's acks=all, so its latency includes the broker's.
    ingest_slo_ms: tuple[int, int] = (250, 500)
    query_slo_ms: tuple[int, int] = (300, 600)

    def request_names(self) -> dict[str, tuple[int, int]]:
        """Locust's names of this profile's requests (``"<type> <name>"``) with their SLOs."""
        names = {f"POST /ingest/{self.ingest.path}": self.ingest_slo_ms}
        for query in self.queries:
            names[f"GET {query.split('?', 1)[0]}"] = self.query_slo_ms
        return names

    def body(self, ctx: LoadContext) -> dict[str, Any]:
        """One request body: ``{"<field>": [reading, ...]}``."""
        return {self.ingest.field: self.readings(ctx)}


@dataclass(frozen=True)
class Manifest(Generic[S]):
    """Everything about one service, declared once."""

    name: str
    #: The default HTTP port (``DEXSIM_PORT_OFFSET`` is added to it).
    port: int
    settings: type[ServiceSettings]
    #: Builds the service's state (its models) from its settings; the stream handlers and the
    #: HTTP routes share the one object it returns.
    state: Callable[[Any], S]
    agents: tuple[Agent[S], ...] = ()
    #: Query routers; their endpoints reach the state through ``state_of`` (a dependency).
    routers: tuple[APIRouter, ...] = ()
    #: Ingestion endpoints (``POST /ingest/<path>``), each scoped to this service's sector.
    ingest: tuple[IngestPath, ...] = ()
    #: Payloads for the load tests and the bench, one per ingestion path.
    load: tuple[LoadProfile, ...] = ()
    #: The plan's sector this service decides for (labels and actions); None for the referee
    #: and the dashboard.
    sector: SectorInfo | None = None
    #: Part of a scenario run: the clock waits for its watermarks and ``dexsim run`` restarts it.
    clocked: bool = True
    description: str = ""
    #: Paths of data files the service reads (rules), for the README's service table.
    data_files: tuple[str, ...] = field(default=())
    #: What of the state is snapshotted and restored after a restart (all of it by default).
    persisted: Persisted[S] = field(default_factory=Persisted)

    def __post_init__(self) -> None:
        names = [a.name for a in self.agents]
        if len(names) != len(set(names)):
            raise ValueError(f"{self.name}: two agents share a name")

    def reads(self, *, fusion: bool) -> tuple[TopicSpec, ...]:
        """Every topic the service reads with this fusion setting."""
        seen: dict[str, TopicSpec] = {}
        for agent in self.agents:
            for spec in agent.topics(fusion=fusion):
                seen.setdefault(spec.name, spec)
        return tuple(seen.values())

    def publishes(self) -> tuple[TopicSpec, ...]:
        """Every topic the service writes: its agents' outputs and its ingestion topics."""
        seen: dict[str, TopicSpec] = {}
        for agent in self.agents:
            for spec in agent.outputs:
                seen.setdefault(spec.name, spec)
        for path in self.ingest:
            seen.setdefault(path.topic.name, path.topic)
        return tuple(seen.values())


def state_of(request: Request) -> Any:
    """FastAPI dependency: the service's state (``Annotated[MyState, Depends(state_of)]``)."""
    return request.app.state.runtime.state


@dataclass(frozen=True)
class Paired(Generic[M]):
    """The two models of a sector: the same code, siloed inputs and fused inputs."""

    siloed: M
    fused: M

    def of(self, mode: Mode) -> M:
        """The model of one mode."""
        return self.siloed if mode is Mode.SILOED else self.fused

    def modes(self, mode: Mode | None = None) -> tuple[tuple[Mode, M], ...]:
        """``(mode, model)`` for one mode, or for both (siloed first) when ``mode`` is None."""
        pairs = ((Mode.SILOED, self.siloed), (Mode.FUSED, self.fused))
        return tuple(p for p in pairs if mode is None or p[0] is mode)

    def both(self, call: Callable[[M], Iterable[Event]]) -> list[Event]:
        """Own-sector data: both models see it, siloed first."""
        return [*call(self.siloed), *call(self.fused)]

    def fused_only(self, call: Callable[[M], Iterable[Event]]) -> list[Event]:
        """Another sector's data: only the fused model sees it."""
        return list(call(self.fused))

    def fused_world(self, event: Event, call: Callable[[M], Iterable[Event]]) -> list[Event]:
        """Another sector's decision or status, which that sector makes in each of its worlds
        (``event.mode``): only the fused world's one feeds the fused model; the siloed world's
        is read by no one."""
        if getattr(event, "mode", None) is not Mode.FUSED:
            return []
        return self.fused_only(call)
