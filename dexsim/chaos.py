"""``dexsim chaos``: a scenario run with scripted faults, reconciled against an undisturbed run.

A fault plan names what goes wrong and when (at which tick of the run):

* ``kill:<service>`` - ``kill -9`` of a service's process (the supervisor starts it again);
* ``pause:<service>:<s>`` - SIGSTOP for ``s`` seconds (past its session timeout, the group
  gives its partitions away), then SIGCONT;
* ``slow:<service>:<s>`` - for ``s`` seconds the process runs a quarter of the time
  (SIGSTOP/SIGCONT in turn): a slow consumer;
* ``broker-restart[:<n>]`` - a clean restart of broker ``n`` (the only one by default);
* ``broker-kill[:<n>]:<s>`` - ``kill -9`` of broker ``n``, started again after ``s`` seconds.

Written as ``kind[:target][:seconds]@tick``, comma-separated, or ``random`` with a count.

The **reconciliation** compares every event the run's services published, topic by topic, with
the undisturbed run's: an event is identified by its id (derived from the world, so the same in
both runs) or, for events that carry the run's id (scores, watermarks), by their content
without it. ``lost`` counts the reference's events the run lacks, ``duplicated`` the service
events the run has more often than the reference (a decision published twice, or one the
reference never made), ``changed`` events whose content differs; the simulator's own topics
are reported apart (a tick it sends again after a broker failure is dropped by every reader's
de-duplication). ``scores_identical`` compares the referee's final scores.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import re
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from shared.contracts.topics import REGISTRY, TopicRole

log = logging.getLogger(__name__)

KINDS = ("kill", "pause", "slow", "broker-restart", "broker-kill")
#: Kinds aimed at a service (the others at a broker).
SERVICE_KINDS = frozenset({"kill", "pause", "slow"})
#: Default seconds of the faults that last: a pause past the session timeout (10 s by
#: default), a slow spell, a broker down before it is started again.
DEFAULT_SECONDS = {"pause": 15.0, "slow": 20.0, "broker-kill": 10.0}
#: Weights of the kinds in a random plan: mostly process deaths, the rest spread out.
RANDOM_WEIGHTS = {"kill": 5, "pause": 2, "slow": 2, "broker-restart": 1, "broker-kill": 1}

_FAULT = re.compile(
    r"^(?P<kind>[a-z-]+)(?::(?P<target>[a-z][a-z0-9-]*|\d+))?(?::(?P<seconds>\d+(?:\.\d+)?))?"
    r"@(?P<tick>\d+)$"
)


class PlanError(ValueError):
    """A fault plan that cannot be run; the message says which part and why."""


@dataclass(frozen=True)
class Fault:
    """One fault: its kind, the tick after which it starts, its target and how long it lasts."""

    kind: str
    tick: int
    #: A service name, or a broker's number (1-based) for the broker kinds.
    target: str = ""
    seconds: float = 0.0

    def label(self) -> str:
        """The fault as the plan syntax writes it."""
        parts = [self.kind, *([self.target] if self.target else [])]
        if self.seconds:
            parts.append(f"{self.seconds:g}")
        return ":".join(parts) + f"@{self.tick}"


def parse_plan(text: str, *, services: Sequence[str], brokers: int, ticks: int) -> list[Fault]:
    """The faults of a written plan (``kill:agriculture@20,broker-restart@40``), checked."""
    faults = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        found = _FAULT.match(part)
        if found is None:
            raise PlanError(f"{part!r} is not kind[:target][:seconds]@tick")
        kind, target = found["kind"], found["target"] or ""
        seconds = float(found["seconds"]) if found["seconds"] else DEFAULT_SECONDS.get(kind, 0.0)
        if kind not in KINDS:
            raise PlanError(f"{part!r}: unknown fault {kind!r}; known: {', '.join(KINDS)}")
        if kind in SERVICE_KINDS:
            if target not in services:
                raise PlanError(f"{part!r}: {target!r} is not one of {', '.join(services)}")
        else:
            target = target or "1"
            if not target.isdigit() or not 1 <= int(target) <= brokers:
                raise PlanError(f"{part!r}: broker {target} is not one of 1..{brokers}")
        tick = int(found["tick"])
        if not 0 <= tick < ticks - 1:
            raise PlanError(f"{part!r}: tick {tick} is not within the run's 0..{ticks - 2}")
        faults.append(Fault(kind, tick, target, seconds))
    if not faults:
        raise PlanError("the plan names no fault")
    return sorted(faults, key=lambda f: f.tick)


def random_plan(
    rng: random.Random,
    *,
    faults: int,
    ticks: int,
    services: Sequence[str],
    brokers: int,
    kinds: Iterable[str] = KINDS,
) -> list[Fault]:
    """``faults`` faults at distinct random ticks, of kinds drawn by ``RANDOM_WEIGHTS``.

    Ticks are drawn from the run's first nine tenths, so the last fault has time to heal before
    the run ends; the first fault comes after tick 1 (the services are running by then).
    """
    kinds = [k for k in kinds if k in RANDOM_WEIGHTS]
    span = range(1, max(2, int(ticks * 0.9)))
    if faults > len(span):
        raise PlanError(f"{faults} faults do not fit in a run of {ticks} ticks")
    out = []
    for tick in sorted(rng.sample(span, faults)):
        kind = rng.choices(kinds, weights=[RANDOM_WEIGHTS[k] for k in kinds])[0]
        if kind in SERVICE_KINDS:
            target = rng.choice(list(services))
        else:
            target = str(rng.randint(1, brokers))
        out.append(Fault(kind, tick, target, DEFAULT_SECONDS.get(kind, 0.0)))
    return out


# ------------------------------------------------------------------------------ the injector
@dataclass
class Applied:
    """A fault as it was applied: when, to which process, and what happened."""

    fault: Fault
    started_s: float = 0.0
    ended_s: float = 0.0
    pid: int | None = None
    note: str = ""

    def doc(self) -> dict[str, Any]:
        """The report's record of it."""
        return {
            **asdict(self.fault),
            "label": self.fault.label(),
            "pid": self.pid,
            "started_s": round(self.started_s, 2),
            "ended_s": round(self.ended_s, 2),
            "note": self.note,
        }


@dataclass
class Injector:
    """Applies a plan's faults as the run's ticks pass, each in a thread of its own.

    ``pid_of`` finds a service's current process; ``brokers`` are the local brokers (objects
    with ``pid()``, ``down()``, ``kill()`` and ``up()``), numbered from 1.
    """

    plan: list[Fault]
    pid_of: Callable[[str], int | None]
    brokers: Sequence[Any]
    started: float = field(default_factory=time.monotonic)
    applied: list[Applied] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)
    _next: int = 0

    def on_tick(self, done: int) -> None:
        """Start every fault whose tick has passed (``done`` ticks are published)."""
        while self._next < len(self.plan) and self.plan[self._next].tick < done:
            fault = self.plan[self._next]
            self._next += 1
            record = Applied(fault)
            self.applied.append(record)
            thread = threading.Thread(
                target=self._apply, args=(record,), name=f"fault {fault.label()}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def wait(self, timeout: float = 300.0) -> None:
        """Wait for every fault to end (a paused process continued, a broker back)."""
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.1, deadline - time.monotonic()))

    def _apply(self, record: Applied) -> None:
        fault = record.fault
        record.started_s = time.monotonic() - self.started
        try:
            if fault.kind in SERVICE_KINDS:
                self._on_service(record)
            else:
                self._on_broker(record)
        except Exception as exc:  # a fault that could not be applied is reported, not hidden
            record.note = f"not applied: {type(exc).__name__}: {exc}"
            log.exception("fault %s could not be applied", fault.label())
        record.ended_s = time.monotonic() - self.started

    def _on_service(self, record: Applied) -> None:
        fault = record.fault
        pid = self.pid_of(fault.target)
        if pid is None:
            record.note = f"not applied: {fault.target} had no running process"
            return
        record.pid = pid
        if fault.kind == "kill":
            os.kill(pid, signal.SIGKILL)
            record.note = "killed"
            return
        until = time.monotonic() + fault.seconds
        try:
            if fault.kind == "pause":
                os.kill(pid, signal.SIGSTOP)
                time.sleep(fault.seconds)
            else:  # slow: stopped three quarters of the time
                while time.monotonic() < until:
                    os.kill(pid, signal.SIGSTOP)
                    time.sleep(0.3)
                    os.kill(pid, signal.SIGCONT)
                    time.sleep(0.1)
        except ProcessLookupError:
            record.note = "the process ended during the fault"
            return
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        record.note = "paused" if fault.kind == "pause" else "slowed"

    def _on_broker(self, record: Applied) -> None:
        fault = record.fault
        broker = self.brokers[int(fault.target) - 1]
        record.pid = broker.pid()
        if fault.kind == "broker-restart":
            broker.down()
            took = broker.up()
            record.note = f"restarted; answering {took:.1f} s after its start"
        else:
            broker.kill()
            time.sleep(fault.seconds)
            took = broker.up()
            record.note = f"killed; started again, answering {took:.1f} s after its start"


# ----------------------------------------------------------------------- reconciliation
#: Fields that differ between two runs of one world by design: the wall clock, the run's id.
RUN_FIELDS = ("produced_at", "run_id")


def identity(doc: Mapping[str, Any]) -> tuple[str, str]:
    """An event's identity across runs, and its content without what differs between runs.

    Most ids derive from the world (the same in every run of a scenario and seed); an event that
    carries the run's id (scores, watermarks) also has an id derived from it, so it is
    identified by its content without the run's id and its own id instead (and without its
    cause, the tick marker that reached it, which the in-process bus hands over unforwarded).
    """
    content = {k: v for k, v in doc.items() if k not in RUN_FIELDS}
    if "run_id" in doc:
        content.pop("event_id", None)
        content.pop("causation_id", None)
        text = json.dumps(content, sort_keys=True)
        return "content:" + sha256(text.encode()).hexdigest()[:32], text
    return str(doc.get("event_id")), json.dumps(content, sort_keys=True)


@dataclass
class TopicTally:
    """One topic's events in the reference and in the disturbed run."""

    topic: str
    role: str
    reference: int = 0
    run: int = 0
    lost: int = 0
    duplicated: int = 0
    changed: int = 0

    def doc(self) -> dict[str, Any]:
        """The report's row."""
        return asdict(self)


def tally(
    topic: str, ref: Iterable[Mapping[str, Any]], run: Iterable[Mapping[str, Any]]
) -> TopicTally:
    """Compare one topic's events (as JSON documents) between the reference and the run."""
    spec = REGISTRY.get(topic)
    out = TopicTally(topic, spec.role.value if spec else "?")
    ref_ids: Counter[str] = Counter()
    run_ids: Counter[str] = Counter()
    ref_content: dict[str, str] = {}
    run_content: dict[str, str] = {}
    for doc in ref:
        key, content = identity(doc)
        ref_ids[key] += 1
        ref_content.setdefault(key, content)
    for doc in run:
        key, content = identity(doc)
        run_ids[key] += 1
        run_content.setdefault(key, content)
    out.reference, out.run = ref_ids.total(), run_ids.total()
    out.lost = sum(max(0, n - run_ids[k]) for k, n in ref_ids.items())
    out.duplicated = sum(max(0, n - ref_ids[k]) for k, n in run_ids.items())
    out.changed = sum(1 for k, c in run_content.items() if k in ref_content and ref_content[k] != c)
    return out


def simulator_topic(topic: str) -> bool:
    """True for what the simulator writes (the world's feeds and its clock), not a service."""
    spec = REGISTRY.get(topic)
    return spec is not None and (
        spec.marked or spec.role is TopicRole.CLOCK or spec.sector == "simulator"
    )


def reconcile(
    reference: Mapping[str, Sequence[Mapping[str, Any]]],
    run: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    ref_scores: Mapping[str, Any],
    run_scores: Mapping[str, Any],
) -> dict[str, Any]:
    """The reconciliation report: per topic, and the totals that decide the verdict."""
    topics = sorted(set(reference) | set(run))
    rows = [tally(t, reference.get(t, ()), run.get(t, ())) for t in topics]
    services = [r for r in rows if not simulator_topic(r.topic)]
    world = [r for r in rows if simulator_topic(r.topic)]
    decisions = [r for r in rows if r.role == TopicRole.DECISIONS.value]
    return {
        "lost": sum(r.lost for r in services),
        "duplicated": sum(r.duplicated for r in services),
        "changed": sum(r.changed for r in services),
        "scores_identical": dict(ref_scores) == dict(run_scores),
        "decisions": {
            "reference": sum(r.reference for r in decisions),
            "run": sum(r.run for r in decisions),
            "lost": sum(r.lost for r in decisions),
            "duplicated": sum(r.duplicated for r in decisions),
            "changed": sum(r.changed for r in decisions),
        },
        "simulator": {
            "lost": sum(r.lost for r in world),
            "sent_again": sum(r.duplicated for r in world),
        },
        "topics": [r.doc() for r in rows],
    }


def verdict(report: Mapping[str, Any]) -> bool:
    """Nothing lost: no event lost or duplicated, no content changed, identical scores (and,
    where both runs counted them, as many events consumed per topic)."""
    consumed = report.get("events_in")
    return (
        (consumed is None or bool(consumed["equal"]))
        and report["lost"] == 0
        and report["duplicated"] == 0
        and report["changed"] == 0
        and bool(report["scores_identical"])
        and report["simulator"]["lost"] == 0
    )


def score_differences(
    ref: Mapping[str, Any], run: Mapping[str, Any], prefix: str = ""
) -> list[str]:
    """Where two score documents differ (``agriculture.fused.hits: 18 != 24``), for the report."""
    out: list[str] = []
    for key in sorted(set(ref) | set(run)):
        a, b = ref.get(key), run.get(key)
        where = f"{prefix}{key}"
        if isinstance(a, Mapping) and isinstance(b, Mapping):
            out.extend(score_differences(a, b, where + "."))
        elif a != b:
            out.append(f"{where}: {a!r} != {b!r}")
    return out


def write(report: Mapping[str, Any], path: Path) -> Path:
    """Write the report as JSON (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return path


# ------------------------------------------------------------------------------ the two runs
def compared_topics() -> list[str]:
    """The topics a reconciliation compares: every registered one but the clock's own."""
    return sorted(name for name, spec in REGISTRY.items() if spec.role is not TopicRole.CLOCK)


def _doc(raw: bytes | None) -> dict[str, Any] | None:
    """An event's JSON document, or None for a tick marker or what is not an event."""
    if raw is None or b'"TickAdvanced"' in raw[:160]:
        return None
    try:
        found = json.loads(raw)
    except ValueError:
        return None
    return found if isinstance(found, dict) and "event_id" in found else None


async def read_topics(
    servers: str, starts: Mapping[tuple[str, int], int], *, timeout_s: float = 120.0
) -> dict[str, list[dict[str, Any]]]:
    """Every event on these partitions from these offsets to their ends now, by topic."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from shared.kafka import read_to

    parts = [TopicPartition(t, p) for t, p in starts]
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, group_id=None, enable_auto_commit=False)
    await consumer.start()
    out: dict[str, list[dict[str, Any]]] = {tp.topic: [] for tp in parts}
    try:
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        for tp in parts:
            consumer.seek(tp, min(ends[tp], starts[(tp.topic, tp.partition)]))
        async for record in read_to(consumer, ends, timeout_s=timeout_s, what="the run's topics"):
            doc = _doc(record.value)
            if doc is not None:
                out[record.topic].append(doc)
    finally:
        await consumer.stop()
    return out


@dataclass
class RunResult:
    """What one run left: its scores, every event it published, its counters and clock."""

    scores: dict[str, Any]
    topics: dict[str, list[dict[str, Any]]]
    events: dict[str, int] | None = None
    #: Events the services consumed, per topic (their counters; None for the in-process bus).
    consumed: dict[str, int] | None = None
    clock: Any = None
    wall_s: float = 0.0


def in_process_run(scenario: str, seed: int, hours: int | None, fusion: bool) -> RunResult:
    """The undisturbed run of this world on the in-process bus (the services' own handlers)."""
    from dexsim.inprocess import SCORER, Variation, WorldSpec, play, simulate
    from dexsim.registry import entry

    started = time.monotonic()
    bus = play(
        simulate(WorldSpec(scenario, seed, Variation(), hours)), fusion=fusion, interim_scores=True
    )
    compared = set(compared_topics())
    topics = {
        name: [json.loads(e.to_bytes()) for e in events]
        for name, events in bus.topics.items()
        if name in compared
    }
    summary = bus.state(entry(SCORER).name).latest_summary
    if summary is None:
        raise RuntimeError("the in-process referee published no final scores")
    return RunResult(dict(summary), topics, wall_s=time.monotonic() - started)


def broker_run(
    scenario: str,
    seed: int,
    hours: int | None,
    *,
    restart: Callable[[], None],
    on_tick: Callable[[int, int], None] | None,
    watermark_timeout_s: float,
    settle: Callable[[], None] | None = None,
) -> RunResult:
    """One run on the broker: fresh services (``restart``), the scenario in lockstep, its events.

    ``settle`` runs after the last tick (a chaos run waits there for its faults to end and its
    services to be ready again) before the final scores and the events are read.
    """
    import asyncio

    import httpx

    from dexsim import runner
    from shared.runtime.durable import ends_of
    from shared.settings import SystemSettings

    started = time.monotonic()
    restart()
    servers = SystemSettings().bootstrap_servers
    starts = asyncio.run(ends_of(servers, compared_topics()))
    clock = runner.play(
        scenario, seed, "max", on_tick=on_tick, watermark_timeout_s=watermark_timeout_s, hours=hours
    )
    if settle is not None:
        settle()
    with httpx.Client() as client:
        scores = runner.wait_for_final_scores(client, clock.run_id, timeout_s=watermark_timeout_s)
        events = runner.scrape_events(client)
        consumed = consumed_by_topic(client)
    topics = asyncio.run(read_topics(servers, starts))
    return RunResult(scores, topics, events, consumed, clock, time.monotonic() - started)


def consumed_by_topic(client: Any) -> dict[str, int]:
    """Events the clocked services consumed, per topic, from their /metrics."""
    from dexsim.registry import clocked

    found: Counter[str] = Counter()
    pattern = re.compile(r'^dex_events_consumed_total\{[^}]*topic="([^"]+)"[^}]*\} (\S+)$')
    for e in clocked():
        for line in client.get(f"http://127.0.0.1:{e.port}/metrics", timeout=5).text.splitlines():
            hit = pattern.match(line)
            if hit is not None:
                found[hit.group(1)] += int(float(hit.group(2)))
    return dict(found)


def events_in(reference: RunResult, run: RunResult) -> dict[str, Any] | None:
    """Events consumed per topic in both runs (None when the reference has no counters)."""
    if reference.consumed is None or run.consumed is None:
        return None
    topics = sorted(set(reference.consumed) | set(run.consumed))
    rows = {
        t: {"reference": reference.consumed.get(t, 0), "run": run.consumed.get(t, 0)}
        for t in topics
    }
    return {"by_topic": rows, "equal": all(r["reference"] == r["run"] for r in rows.values())}


async def cluster_facts(servers: str, topic: str) -> dict[str, Any]:
    """The cluster as the broker describes it: brokers, and one topic's replicas and ISR rule."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(bootstrap_servers=servers)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        (described,) = await admin.describe_topics([topic])
        (configs,) = await admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, topic, {"min.insync.replicas": None})]
        )
    finally:
        await admin.close()
    entries = configs.to_object()["resources"][0]["config_entries"]
    insync = next(
        (
            e["config_value"]
            for e in entries
            if e.get("config_names", e.get("config_name")) == "min.insync.replicas"
        ),
        None,
    )
    return {
        "brokers": len(cluster["brokers"]),
        "topic": topic,
        "replicas": min(len(p["replicas"]) for p in described["partitions"]),
        "min_insync_replicas": int(insync) if insync is not None else None,
    }
