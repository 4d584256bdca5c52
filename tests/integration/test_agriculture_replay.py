"""Issue 4 on the real broker: a slice of heatwave-rice-flowering through weather + agriculture.

Both paths read the farm sensors and the public CMA warnings; the fused path also reads the
weather service's forecasts. Checked: what each path may use (only a forecast makes a decision
cross-sector, never on the siloed path), that the siloed path decides the same whether fusion is
on or off (it must not depend on what the fused path reads), and that with fusion off the two
paths decide the same. Whether fusion comes out ahead for this seed is not a property to test.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.clock import ClockPolicy
from services.simulator.domain.engine import Simulation
from services.simulator.publisher import publish_run
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from tests.support import ServiceProcess, read_to_end

pytestmark = pytest.mark.integration

#: Six simulated days from the scenario's start: the heat builds from the 20th and rice is
#: heading/flowering, so sensors show the damage condition only after three hot days.
SLICE_HOURS = 6 * 24


def _slice() -> Simulation:
    sc = get_scenario("heatwave-rice-flowering")
    return simulation(sc.model_copy(update={"end": sc.start + timedelta(hours=SLICE_HOURS)}), 7)


async def _advisories(servers: str, since_ms: int) -> list[dict[str, Any]]:
    """Every advisory written since ``since_ms``: read after a lockstep run, whose services
    report a tick's watermark only after the broker acknowledged that tick's advisories."""
    docs = await read_to_end(servers, AGRICULTURE_ADVISORIES.name, since_ms=since_ms)
    return [d for d in docs if d.get("event_type") == "AdvisoryIssued"]


@contextlib.contextmanager
def _services(servers: str, *, fusion: bool) -> Iterator[list[ServiceProcess]]:
    env = {"DEXSIM_AGRICULTURE_FUSION": "true" if fusion else "false"}
    procs = [
        ServiceProcess("weather", servers).start(),
        ServiceProcess("agriculture", servers, env=env).start(),
    ]
    try:
        yield procs
    finally:
        for p in procs:
            p.stop()


async def _run(servers: str) -> None:
    policy = ClockPolicy.parse(
        "max", tick_seconds=3600, services=frozenset({"weather", "agriculture"}), timeout_s=10
    )
    stats = await publish_run(_slice(), policy, servers=servers)
    assert stats.ticks == SLICE_HOURS
    assert stats.late == [], "services missed watermarks: the run was not lockstep"


def _first(advisories: list[dict[str, Any]], mode: str) -> datetime:
    times = [
        datetime.fromisoformat(str(a["effective_at"]))
        for a in advisories
        if a["mode"] == mode and a["status"] == "taken"
    ]
    assert times, f"no {mode} advisory"
    return min(times)


def _decisions(advisories: list[dict[str, Any]], mode: str) -> set[tuple[object, ...]]:
    return {
        (a["decision_key"], a["action"], a["status"], a["effective_at"], tuple(a["asset_ids"]))  # type: ignore[arg-type]
        for a in advisories
        if a["mode"] == mode
    }


async def test_the_siloed_path_is_independent_of_fusion_and_the_control_decides_the_same(
    kafka_bootstrap: str,
) -> None:
    # With fusion: the fused path may also read weather forecasts.
    fused_started_ms = int(time.time() * 1000)
    with _services(kafka_bootstrap, fusion=True):
        await _run(kafka_bootstrap)
    fused_run = await _advisories(kafka_bootstrap, since_ms=fused_started_ms)
    assert _first(fused_run, "siloed") and _first(fused_run, "fused")
    assert not any(a["cross_sector_inputs"] for a in fused_run if a["mode"] == "siloed")
    for a in fused_run:
        if a["cross_sector_inputs"]:
            assert a["basis"] == "forecast", "a warning is public, only a forecast is fused data"

    # The control: fusion off, same slice again (fresh services, new topic offsets).
    control_started_ms = int(time.time() * 1000)
    with _services(kafka_bootstrap, fusion=False):
        await _run(kafka_bootstrap)
    control = await _advisories(kafka_bootstrap, since_ms=control_started_ms)
    assert control, "the control run produced no advisories"
    assert _decisions(control, "fused") == _decisions(control, "siloed")
    assert not any(a["cross_sector_inputs"] for a in control)
    # Independence: what the fused path reads never changes the siloed path's decisions.
    assert _decisions(fused_run, "siloed") == _decisions(control, "siloed")
