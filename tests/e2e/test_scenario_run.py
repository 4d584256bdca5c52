"""A whole scenario through every service on the real broker, checked through its report.

``dexsim run`` is driven exactly as a user drives it (its own process, its own supervisor),
against the test broker, with the services on ports offset by 1000 so a demo can run beside.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support import TEST_STATE

pytestmark = pytest.mark.integration

SCENARIO = "poyang-flood-2020"
SECTORS = {"agriculture", "transport", "emergency"}

Dexsim = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def dexsim(kafka_bootstrap: str) -> Iterator[Dexsim]:
    """Run the dexsim CLI against the test broker; stop its services afterwards."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DEXSIM_STATE_DIR": str(TEST_STATE / "e2e"),
        "DEXSIM_PORT_OFFSET": "1000",
        "DEXSIM_GROUP_PREFIX": "dexsim-e2e",
        "DEXSIM_PROMETHEUS": "off",
        "COLUMNS": "160",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shared.cli", *args],
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    try:
        yield run
    finally:
        run("down", "--keep-kafka")


def play(dexsim: Dexsim, report: Path, *extra: str, scenario: str = SCENARIO) -> dict[str, Any]:
    """One ``dexsim run`` of a scenario; its JSON report."""
    done = dexsim("run", "--scenario", scenario, "--seed", "7", "--report", str(report), *extra)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "multiplier" in done.stdout
    doc: dict[str, Any] = json.loads(report.read_text())
    return doc


@pytest.fixture(scope="module")
def reports(dexsim: Dexsim, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two fused runs with one seed and the fusion-off control."""
    out = tmp_path_factory.mktemp("reports")
    return {
        "on": play(dexsim, out / "on.json"),
        "again": play(dexsim, out / "again.json"),
        "off": play(dexsim, out / "off.json", "--fusion", "off"),
        "fog": play(dexsim, out / "fog.json", scenario="fog-expressway"),
    }


def test_the_report_has_the_documented_shape(reports: dict[str, Any]) -> None:
    doc = reports["on"]
    assert {"scenario", "seed", "fusion", "sectors", "overall", "events"} <= set(doc)
    assert (doc["scenario"], doc["seed"], doc["fusion"]) == (SCENARIO, 7, "on")
    assert set(doc["events"]) == {"published", "consumed", "dlq"}
    assert doc["events"]["published"] > 30_000
    assert doc["events"]["dlq"] == 0
    assert doc["run"]["late_ticks"] == 0


def test_every_sector_is_scored_in_both_modes(reports: dict[str, Any]) -> None:
    sectors = reports["on"]["sectors"]
    assert set(sectors) >= SECTORS
    for name in SECTORS:
        for mode in ("siloed", "fused"):
            figures = sectors[name][mode]
            assert figures["decisions"] > 0, (name, mode)
            assert {"hits", "misses", "false_alarms", "value_yuan"} <= set(figures)
        assert sectors[name]["multiplier"] is not None


def test_fused_is_worth_at_least_siloed_where_weather_gives_lead_time(
    reports: dict[str, Any],
) -> None:
    sectors = reports["on"]["sectors"]
    for name in SECTORS:
        assert sectors[name]["fused"]["value_yuan"] >= sectors[name]["siloed"]["value_yuan"], name
    assert reports["on"]["overall"]["multiplier"] > 1.0


def test_with_fusion_off_every_multiplier_is_one(reports: dict[str, Any]) -> None:
    off = reports["off"]
    assert off["fusion"] == "off"
    for name, sector in off["sectors"].items():
        assert sector["multiplier"] == 1.0, name
        assert sector["fused"]["value_yuan"] == sector["siloed"]["value_yuan"], name
    assert off["overall"]["multiplier"] == 1.0


def test_the_siloed_path_does_not_depend_on_fusion(reports: dict[str, Any]) -> None:
    for name in SECTORS:
        on, off = reports["on"]["sectors"][name], reports["off"]["sectors"][name]
        assert on["siloed"]["value_yuan"] == off["siloed"]["value_yuan"], name


def test_one_seed_gives_the_same_scores_on_every_run(reports: dict[str, Any]) -> None:
    first, second = reports["on"], reports["again"]
    for name in SECTORS:
        for mode in ("siloed", "fused"):
            a, b = first["sectors"][name][mode], second["sectors"][name][mode]
            for key in ("value_yuan", "loss_avoided_yuan", "cost_yuan", "decisions", "misses"):
                assert a[key] == b[key], (name, mode, key)
        assert first["sectors"][name]["multiplier"] == second["sectors"][name]["multiplier"]
    assert first["overall"] == second["overall"]


def test_every_dashboard_query_names_a_metric_the_running_services_export(
    reports: dict[str, Any],
) -> None:
    """Scrape the system the runs left up; every Grafana query must select real series."""
    import httpx

    from shared.runtime.registry import SERVICES
    from tests.rules.test_grafana_dashboards import (
        DASHBOARDS,
        SUFFIXES,
        metric_names,
        panels,
        recorded_series,
    )

    exported: set[str] = set()
    offset = 1000  # the dexsim fixture's DEXSIM_PORT_OFFSET
    for service in SERVICES:
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


def test_on_a_fog_morning_transport_acts_earlier_when_fused(reports: dict[str, Any]) -> None:
    """Forecast fog (from weather) lets the fused road model set limits before detectors see it."""
    transport = reports["fog"]["sectors"]["transport"]
    assert transport["fused"]["hits"] >= transport["siloed"]["hits"] > 0
    assert transport["fused"]["mean_lead_time_s"] > transport["siloed"]["mean_lead_time_s"]


def test_in_the_flood_emergency_protects_more_when_fused(reports: dict[str, Any]) -> None:
    """Rainstorm warnings and road status let emergency act on more impacts, in time."""
    emergency = reports["on"]["sectors"]["emergency"]
    assert emergency["fused"]["hits"] >= emergency["siloed"]["hits"]
    assert emergency["fused"]["misses"] <= emergency["siloed"]["misses"]
    assert emergency["fused"]["loss_avoided_yuan"] > emergency["siloed"]["loss_avoided_yuan"]
