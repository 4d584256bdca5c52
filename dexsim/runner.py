"""A whole scenario run: fresh services, the scenario played in lockstep, the referee's report.

``dexsim run`` uses this. Services are restarted for every run so that each starts from empty
state (their models keep state in memory) with the run's fusion setting; the simulator then
plays the scenario in lockstep with every service's watermarks, so the same scenario and seed
give the same decisions and scores.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from dexsim.registry import clocked, entry

log = logging.getLogger(__name__)

#: Metrics summed over the services for the report's "events" block.
EVENT_METRICS = {
    "published": "dex_events_published_total",
    "consumed": "dex_events_consumed_total",
    "dlq": "dex_dlq_total",
}


class RunInProgressError(RuntimeError):
    """Another scenario run holds this system: two at once would corrupt each other's clock."""


@contextlib.contextmanager
def exclusive_run(folder: Path) -> Iterator[None]:
    """Hold the system's run lock for the duration of one run (released when the process ends).

    Two runs on one system would interleave their tick markers on the same topics and restart
    each other's services, so a second ``dexsim run`` (or a run started from the dashboard)
    refuses to start while one is going.
    """
    import fcntl
    import os

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "run.lock"
    with path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise RunInProgressError(
                f"another scenario run (pid {holder}) is using this system; wait for it to "
                "finish, or stop it (dexsim down stops a run started from the dashboard)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_env(fusion: bool) -> dict[str, str]:
    """Environment of the services for a run: fusion on or off, tick-synchronous handling."""
    env: dict[str, str] = {}
    for e in clocked():
        prefix = f"DEXSIM_{e.name.upper()}_"
        env[prefix + "FUSION"] = "true" if fusion else "false"
        env[prefix + "TICK_SYNC"] = "true"
    return env


async def groups_to_end(servers: str, groups: list[str]) -> None:
    """Start these (stopped) services' groups afresh: at the topics' ends, with no state.

    For every group it commits the current end of every registered topic and clears the
    service's state snapshot. A run then starts from a clean slate: a restarted service does
    not read what earlier runs left on a topic it had not consumed before (auto_offset_reset is
    ``earliest``), nor restore what it held at the end of the last run; either would leak one
    run into the next and break run-to-run determinism.
    """
    from aiokafka import AIOKafkaConsumer

    from shared.contracts.topics import all_topic_names
    from shared.kafka import ensure_topics, partitions_of
    from shared.runtime.durable import clear_states, commit_outside

    await clear_states(groups, servers=servers)

    await ensure_topics(servers=servers)
    parts = await partitions_of(all_topic_names(with_dlq=False), servers=servers)
    for group in groups:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=servers, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            consumer.assign(parts)
            ends = await consumer.end_offsets(parts)
            await commit_outside(consumer, group, ends, timeout_s=LEAVE_TIMEOUT_S)
        finally:
            await consumer.stop()


#: How long a fresh start waits for a killed service's old member to leave its group.
LEAVE_TIMEOUT_S = 60.0


def start_groups_at_end(servers: str, services: list[str]) -> None:
    """Synchronous :func:`groups_to_end` for these (stopped) services, named as registered."""
    import asyncio

    from shared.settings import SystemSettings

    kafka = SystemSettings()

    asyncio.run(groups_to_end(servers, [kafka.group_id(name) for name in services]))


def metric_sum(text: str, name: str) -> float:
    """Sum every sample of metric ``name`` in a Prometheus exposition."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and (line[len(name)] in "{ "):
            value = float(line.rsplit(" ", 1)[1])
            if not math.isnan(value):
                total += value
    return total


def scrape_events(client: httpx.Client) -> dict[str, int]:
    """Events published, consumed and dead-lettered, summed over every service's /metrics."""
    totals = dict.fromkeys(EVENT_METRICS, 0.0)
    for e in clocked():
        text = client.get(f"http://127.0.0.1:{e.port}/metrics", timeout=5).text
        for key, metric in EVENT_METRICS.items():
            totals[key] += metric_sum(text, metric)
    return {k: int(v) for k, v in totals.items()}


def wait_for_final_scores(
    client: httpx.Client, run_id: str, *, timeout_s: float = 60.0
) -> dict[str, Any]:
    """Poll the referee until it published the final scores of ``run_id``; return /scores."""
    url = f"http://127.0.0.1:{entry('referee').port}/scores"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        r = client.get(url + "/latest", timeout=5)
        if r.status_code == 200:
            latest = r.json()
            if latest.get("run_id") == run_id and latest.get("final"):
                scores: dict[str, Any] = client.get(url, timeout=5).json()
                return scores
        time.sleep(0.2)
    raise TimeoutError(f"the referee did not publish final scores for {run_id} in {timeout_s}s")


def build_report(
    *,
    scenario: str,
    seed: int,
    fusion: bool,
    scores: dict[str, Any],
    events: dict[str, int],
    clock: Any,
    wall_s: float,
) -> dict[str, Any]:
    """The report document: the scores, the events counted, and the run's own facts.

    ``clock`` is the simulator's ``PublishStats``: the run's id, the events it published, the
    ticks that advanced without every watermark (late) and the tick it waited longest for.
    """
    sectors = {k: v for k, v in scores.items() if k != "overall"}
    return {
        "scenario": scenario,
        "seed": seed,
        "fusion": "on" if fusion else "off",
        "sectors": sectors,
        "overall": scores.get("overall", {}),
        "events": {
            "published": events["published"] + clock.events,
            "consumed": events["consumed"],
            "dlq": events["dlq"],
        },
        "run": {
            "id": clock.run_id,
            "wall_s": round(wall_s, 1),
            "late_ticks": clock.late_ticks,
            "late": [_wait_doc(w) for w in clock.late],
            "longest_wait": None if clock.longest_wait is None else _wait_doc(clock.longest_wait),
            "slowest": {
                service: {"seconds": round(seconds, 2), "tick": tick}
                for service, (seconds, tick) in sorted(clock.slowest.items())
            },
        },
    }


def _wait_doc(wait: Any) -> dict[str, Any]:
    return {
        "tick": wait.tick,
        "seconds": round(wait.seconds, 2),
        "waited_for": list(wait.waited_for),
    }


def write_report(report: dict[str, Any], path: Path) -> Path:
    """Write the report as JSON (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, sort_keys=False))
    return path


def shortened(scenario: Any, hours: int | None) -> Any:
    """The scenario cut to its first ``hours`` (whole ticks); itself when ``hours`` is None."""
    from datetime import timedelta

    if hours is None:
        return scenario
    if hours < scenario.tick_hours:
        raise ValueError(f"--hours must be at least one tick ({scenario.tick_hours} h)")
    span = min(hours - hours % scenario.tick_hours, scenario.hours)
    return scenario.model_copy(update={"end": scenario.start + timedelta(hours=span)})


def play(
    scenario: str,
    seed: int,
    speed: str,
    *,
    on_tick: Callable[[int, int], None] | None = None,
    watermark_timeout_s: float = 30.0,
    hours: int | None = None,
) -> Any:
    """Publish the scenario in lockstep with every service; return the clock's ``PublishStats``.

    ``hours`` plays only the scenario's first hours (a quick run; the truth is that of the
    shortened span).
    """
    import asyncio

    from services.simulator.data import resolve_scenario, simulation
    from services.simulator.domain.clock import ClockPolicy
    from services.simulator.publisher import publish_run

    sc = shortened(resolve_scenario(scenario), hours)
    sim = simulation(sc, seed)
    policy = ClockPolicy.parse(
        speed,
        tick_seconds=sc.tick_hours * 3600,
        services=frozenset(e.name for e in clocked()),
        timeout_s=watermark_timeout_s,
    )

    def progress(batch: Any, stats: Any) -> None:
        if on_tick is not None:
            on_tick(stats.ticks, sc.ticks)

    return asyncio.run(publish_run(sim, policy, on_tick=progress))
