"""The simulator publishes a scenario to the real local Kafka: every event, keyed by region."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta

import pytest
from aiokafka import AIOKafkaConsumer

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.clock import ClockPolicy
from services.simulator.domain.engine import Simulation
from services.simulator.publisher import publish_run
from shared.contracts.simulator import SIMULATOR_TICKS, TickAdvanced

pytestmark = pytest.mark.integration


def _sim(hours: int, seed: int) -> Simulation:
    sc = get_scenario("fog-expressway")
    return simulation(sc.model_copy(update={"end": sc.start + timedelta(hours=hours)}), seed)


async def _consume(servers: str, topics: list[str], want: set[str], timeout_s: float = 30) -> dict:
    """Read the topics from the start until every wanted event id was seen (or time runs out)."""
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=servers, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    seen: dict[str, tuple[str, bytes, bytes]] = {}
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while want - seen.keys() and loop.time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for rec in records:
                    try:  # other tests share these topics, poison messages included
                        doc = json.loads(rec.value)
                    except ValueError:
                        continue
                    if (
                        doc.get("event_type") == "TickAdvanced"
                        and rec.topic != SIMULATOR_TICKS.name
                    ):
                        continue  # the in-band copy of a tick event (a marker), not the event
                    event_id = doc.get("event_id")
                    if event_id in want:
                        seen[event_id] = (rec.topic, rec.key or b"", rec.value)
    finally:
        await consumer.stop()
    return seen


async def test_publishes_every_event_of_a_run_keyed_by_region(kafka_bootstrap: str) -> None:
    sim = _sim(6, 424242)
    expected = {str(ev.event_id): (spec.name, ev.region) for spec, ev in sim.all_events()}
    stats = await publish_run(
        sim, ClockPolicy.parse("max", tick_seconds=3600), servers=kafka_bootstrap
    )
    assert stats.events == len(expected)
    assert stats.ticks == 6
    seen = await _consume(kafka_bootstrap, sorted(set(stats.by_topic)), set(expected))
    assert set(seen) == set(expected)
    for event_id, (topic, key, _value) in seen.items():
        assert (topic, key.decode()) == expected[event_id]
    per_topic = Counter(topic for topic, _, _ in seen.values())
    assert per_topic == stats.by_topic


async def test_lockstep_clock_reports_a_missing_watermark(kafka_bootstrap: str) -> None:
    sim = _sim(2, 515151)
    policy = ClockPolicy.parse(
        "max", tick_seconds=3600, services=frozenset({"absent-service"}), timeout_s=0.5
    )
    stats = await publish_run(sim, policy, servers=kafka_bootstrap)
    assert stats.late_ticks == 2
    ticks = {str(sim.tick_event_for(b).event_id) for b in sim.batches()}
    seen = await _consume(kafka_bootstrap, [SIMULATOR_TICKS.name], ticks)
    events = sorted(
        (TickAdvanced.model_validate_json(v) for _, _, v in seen.values()), key=lambda e: e.tick
    )
    assert [e.late_services for e in events] == [(), ("absent-service",)]
    assert events[-1].final
