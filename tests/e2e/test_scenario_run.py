"""A whole scenario through every service on the real broker, checked through its report.

``dexsim run`` is driven exactly as a user drives it (its own process, its own supervisor),
against the test broker, with the services on ports offset by 1000 so a demo can run beside.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from shared.contracts.topics import SECTORS as ALL_SECTORS
from tests.e2e.conftest import E2E_STATE, PORT_OFFSET, Dexsim, e2e_env, play

DECIDING = [s for s in ALL_SECTORS.values() if s.actions]

# The default 300 s limit guards against hangs; the module's first test sets up four whole runs,
# which take longer on a busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(2400)]

#: The library's shortest flood (168 hourly ticks), played whole five times here: every
#: scenario, poyang-flood-2020 (480 ticks) with them, goes through `dexsim run` in the slow tier
#: (test_every_scenario.py).
SCENARIO = "june-rains-2010"
#: A third of the way in: the tick at which the repeated run's agriculture is killed.
KILL_AT_TICK = 56
#: Every sector that decides (has protective actions): the referee scores each of them.
SECTORS = {s.name for s in DECIDING}


@pytest.fixture(scope="module")
def reports(dexsim: Dexsim, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two fused runs with one seed and the fusion-off control."""
    out = tmp_path_factory.mktemp("reports")
    return {
        # The flows are valued on the fog's run (two random orders: the fewest that value every
        # flow, with a standard error, when they are too many to enumerate); the flood's would
        # cost minutes more of the same code.
        "on": play(dexsim, out / "on.json", "--no-flows", scenario=SCENARIO),
        "again": play(dexsim, out / "again.json", "--no-flows", scenario=SCENARIO),
        "off": play(dexsim, out / "off.json", "--fusion", "off", scenario=SCENARIO),
        "fog": play(dexsim, out / "fog.json", "--flow-orders", "2", scenario="fog-expressway"),
    }


def test_the_report_has_the_documented_shape(reports: dict[str, Any]) -> None:
    doc = reports["on"]
    assert {"scenario", "seed", "fusion", "sectors", "overall", "events", "run"} <= set(doc)
    assert (doc["scenario"], doc["seed"], doc["fusion"]) == (SCENARIO, 7, "on")
    assert set(doc["events"]) == {"published", "consumed", "dlq"}
    assert doc["events"]["published"] > 20_000  # 29,365 for seed 7 (the in-process simulation)
    assert doc["events"]["dlq"] == 0
    assert {"id", "wall_s", "late_ticks", "late", "longest_wait", "slowest"} <= set(doc["run"])


def test_every_run_is_lockstep_and_has_its_own_id(reports: dict[str, Any]) -> None:
    for name, doc in reports.items():
        assert doc["run"]["late_ticks"] == 0, (name, doc["run"]["late"])
        assert doc["run"]["late"] == [], name
    ids = [doc["run"]["id"] for doc in reports.values()]
    assert len(set(ids)) == len(ids), ids
    for doc in reports.values():
        assert doc["run"]["id"].startswith(f"{doc['scenario']}-s7-"), doc["run"]["id"]


def test_every_sector_is_scored_in_both_modes(reports: dict[str, Any]) -> None:
    sectors = reports["on"]["sectors"]
    assert set(sectors) >= SECTORS
    for name in SECTORS:
        for mode in ("siloed", "fused"):
            figures = sectors[name][mode]
            assert {"hits", "misses", "false_alarms", "value_yuan", "decisions"} <= set(figures)
        # Every sector's pipeline reaches the referee in the flood or the fog (a sector may
        # rightly decide nothing in one of them: transport's rain speed limits are not worth
        # their cost, so it acts in the fog, not the flood).
        decided = sum(
            doc["sectors"][name][mode]["decisions"]
            for doc in (reports["on"], reports["fog"])
            if name in doc["sectors"]
            for mode in ("siloed", "fused")
        )
        assert decided > 0, name
        shown = sectors[name]["multiplier"] is not None
        assert shown == (sectors[name]["multiplier_basis"] == "ratio"), name
        assert shown == (sectors[name]["multiplier_reason"] is None), name
        # the relative value of both modes, against a reference the simulator sent
        assert sectors[name]["reference"] in ("never", "always"), name
        gainable = sectors[name]["perfect_value_yuan"] > sectors[name]["reference_value_yuan"]
        for mode in ("siloed", "fused"):
            assert (sectors[name][mode]["rev"] is not None) == gainable, (name, mode)


def test_each_score_adds_up(reports: dict[str, Any]) -> None:
    """Value is loss avoided less cost; outcomes never outnumber decisions; overall is the sum."""
    for doc in (reports["on"], reports["fog"]):
        gain = 0.0
        for name, sector in doc["sectors"].items():
            for mode in ("siloed", "fused"):
                f = sector[mode]
                assert f["value_yuan"] == pytest.approx(
                    f["loss_avoided_yuan"] - f["cost_yuan"], abs=1.0
                ), (name, mode)
                assert f["hits"] + f["late"] + f["false_alarms"] <= f["decisions"], (name, mode)
            assert sector["value_gain_yuan"] == pytest.approx(
                sector["fused"]["value_yuan"] - sector["siloed"]["value_yuan"], abs=1.0
            )
            gain += sector["value_gain_yuan"]
        assert doc["overall"]["value_gain_yuan"] == pytest.approx(gain, abs=len(doc["sectors"]))


def test_with_fusion_off_the_gain_is_exactly_zero(reports: dict[str, Any]) -> None:
    off = reports["off"]
    assert off["fusion"] == "off"
    for name, sector in [*off["sectors"].items(), ("overall", off["overall"])]:
        assert sector["value_gain_yuan"] == 0.0, name
        assert sector["multiplier"] in (None, 1.0), name
        assert sector["fused"]["rev"] == sector["siloed"]["rev"], name


def test_the_siloed_path_does_not_depend_on_fusion(reports: dict[str, Any]) -> None:
    # every figure of the siloed mode: decisions, outcomes, loss avoided, cost, people relocated
    for name in SECTORS:
        on, off = reports["on"]["sectors"][name], reports["off"]["sectors"][name]
        assert on["siloed"] == off["siloed"], name


def test_one_seed_gives_the_same_scores_on_every_run(reports: dict[str, Any]) -> None:
    first, second = reports["on"], reports["again"]
    for name in SECTORS:
        for mode in ("siloed", "fused"):
            a, b = first["sectors"][name][mode], second["sectors"][name][mode]
            for key in ("value_yuan", "loss_avoided_yuan", "cost_yuan", "decisions", "misses"):
                assert a[key] == b[key], (name, mode, key)
        assert first["sectors"][name]["multiplier"] == second["sectors"][name]["multiplier"]
    assert first["overall"] == second["overall"]


@pytest.mark.parametrize("run", ["fog"])
def test_the_report_values_every_data_flow_and_the_values_add_up_to_the_gain(
    reports: dict[str, Any], run: str
) -> None:
    doc = reports[run]
    flows = doc["flows"]
    assert doc["flows_check"]["in_process_scores_equal"] is True
    from dexsim.inprocess import fused_flows
    from dexsim.values import EXACT_UP_TO

    assert {(f["topic"], f["target"]) for f in flows} == set(fused_flows())
    exact = len(flows) <= EXACT_UP_TO
    for f in flows:
        assert f["seeds"] == [doc["seed"]]
        assert f["method"] == "exact" if exact else f["method"].startswith("sampled (2 ")
        assert f["value_yuan"]["p5"] == f["value_yuan"]["p50"] == f["value_yuan"]["p95"]
    # Shapley values are efficient: together they are the run's whole fusion gain
    total = sum(f["value_yuan"]["p50"] for f in flows)
    assert total == pytest.approx(doc["overall"]["value_gain_yuan"], abs=0.01 * len(flows))
    for name in ("on", "again"):
        assert reports[name]["flows"] is None and reports[name]["flows_reason"] == "--no-flows"
    assert reports["off"]["flows"] is None


@pytest.mark.parametrize(("run", "fusion"), [("on", True), ("off", False), ("fog", True)])
def test_the_in_process_bus_gives_the_kafka_run_s_scores_to_the_fen(
    reports: dict[str, Any], run: str, fusion: bool
) -> None:
    # The differential test of the two paths: ensembles, sweeps and the flows' values run the
    # services' handlers in-process; one seed through the broker must score exactly the same.
    from dexsim.inprocess import WorldSpec, score, simulate

    doc = reports[run]
    in_process = score(simulate(WorldSpec(doc["scenario"], doc["seed"])), fusion=fusion)
    assert in_process == {**doc["sectors"], "overall": doc["overall"]}


def test_every_dashboard_query_names_a_metric_the_running_services_export(
    reports: dict[str, Any],
) -> None:
    """Scrape the system the runs left up; every Grafana query must select real series."""
    import httpx

    from dexsim.registry import services
    from tests.rules.test_grafana_dashboards import (
        DASHBOARDS,
        SUFFIXES,
        metric_names,
        panels,
        recorded_series,
    )

    exported: set[str] = set()
    offset = 1000  # the dexsim fixture's DEXSIM_PORT_OFFSET
    for service in services():
        text = httpx.get(f"http://127.0.0.1:{service.base_port + offset}/metrics").text
        for line in text.splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split()
                # the text format names a counter's family with its _total already
                suffixes = ("",) if kind == "counter" else SUFFIXES.get(kind, ("",))
                exported |= {name + suffix for suffix in suffixes}
    known = exported | recorded_series() | {"up"}
    for path in DASHBOARDS:
        dashboard = json.loads(path.read_text())
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                for name in metric_names(target.get("expr", "")):
                    assert name in known, f"{path.name}: {panel.get('title')}: {name}"


def test_on_a_fog_morning_transport_limits_speed_in_both_modes(reports: dict[str, Any]) -> None:
    """Its own detectors see the fog, so both modes act on it and avoid something."""
    transport = reports["fog"]["sectors"]["transport"]
    for mode in ("siloed", "fused"):
        assert transport[mode]["hits"] > 0, mode
        assert transport[mode]["loss_avoided_yuan"] > 0, mode


def test_in_the_flood_emergency_acts_on_its_gauges_in_both_modes(reports: dict[str, Any]) -> None:
    """The lake and rivers stand metres above warning: both modes protect something."""
    emergency = reports["on"]["sectors"]["emergency"]
    for mode in ("siloed", "fused"):
        assert emergency[mode]["hits"] > 0, mode
        assert emergency[mode]["loss_avoided_yuan"] > 0, mode


def _latest_scores(port: int) -> dict[str, Any] | None:
    import httpx

    try:
        r = httpx.get(f"http://127.0.0.1:{port}/scores/latest", timeout=2)
    except httpx.HTTPError:
        return None
    return r.json() if r.status_code == 200 else None


def test_a_service_killed_during_a_repeated_run_holds_the_clock(
    kafka_bootstrap: str, reports: dict[str, Any], tmp_path: Path
) -> None:
    """The same seed again, and agriculture killed mid-run: the clock must wait for it.

    Before runs had ids of their own, the watermarks of the earlier runs of this seed satisfied
    the clock: it neither waited for the killed service nor reported it late.
    """
    from dexsim.registry import entry
    from tests.support import wait_until

    known = {doc["run"]["id"] for doc in reports.values()}
    referee_port = entry("referee").base_port + PORT_OFFSET
    pid_file = E2E_STATE / "run" / "agriculture.pid"
    report = tmp_path / "killed.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexsim.cli", "run", "--scenario", SCENARIO, "--seed", "7",
         "--no-flows", "--report", str(report), "--timeout", "120"],
        env=e2e_env(kafka_bootstrap), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        # A third of the way in, as the referee sees it (its scores follow every service's tick).
        wait_until(
            f"the repeated run to pass tick {KILL_AT_TICK}",
            lambda: (
                (s := _latest_scores(referee_port))
                and s["run_id"] not in known
                and s["tick"] >= KILL_AT_TICK
            ),
            timeout=600,
        )
        victim = int(pid_file.read_text())
        os.kill(victim, signal.SIGKILL)
        out, _ = proc.communicate(timeout=900)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-3000:]
    restarted = int(pid_file.read_text())
    assert restarted != victim, "the supervisor did not restart the killed service"
    doc = json.loads(report.read_text())
    assert doc["run"]["id"] not in known
    facts = doc["run"]
    late = [w for w in facts["late"] if "agriculture" in w["waited_for"]]
    # A restart (a new process, its imports, the group's rebalance) takes seconds; a tick with
    # every service up takes a fraction of one. Stale watermarks would have made this zero.
    slowest = facts["slowest"].get("agriculture", {"seconds": 0.0})
    assert late or slowest["seconds"] >= 2.0, facts
    # Its state was restored from its snapshot: the run scores as the undisturbed ones did.
    assert (doc["sectors"], doc["overall"]) == (
        reports["again"]["sectors"],
        reports["again"]["overall"],
    )
    # and its counters with it: every event consumed is counted, as in the undisturbed run.
    assert doc["events"]["consumed"] == reports["again"]["events"]["consumed"]
