"""``dexsim ensemble`` and ``dexsim sweep`` as a user runs them (in-process; no broker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dexsim.cli import app
from dexsim.inprocess import fused_flows
from dexsim.values import EXACT_UP_TO

RUNNER = CliRunner()
BAND = {"p5", "p50", "p95"}
MEASURES = {"rev_siloed", "rev_fused", "gain_yuan", "gap_closed", "multiplier"}

pytestmark = pytest.mark.timeout(600)


def test_an_ensemble_reports_every_measure_s_band_and_each_flow_s_value(tmp_path: Path) -> None:
    out = tmp_path / "fog.json"
    result = RUNNER.invoke(
        app,
        ["ensemble", "--scenario", "fog-expressway", "--seeds", "3", "--flows", "--flow-seeds",
         "2", "--flow-orders", "2", "--jobs", "2", "--out", str(out), "--no-publish"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "median [5%, 95%]" in result.output
    doc = json.loads(out.read_text())
    assert (doc["scenario"], doc["seeds"]) == ("fog-expressway", [1, 2, 3])
    assert {"ensemble_s", "flows_s", "jobs"} <= set(doc["timing"])
    for block in [*doc["sectors"].values(), doc["overall"]]:
        assert set(block) >= MEASURES
        for name in MEASURES:
            assert block[name] is None or set(block[name]) == BAND, name
            if block[name] is not None:
                assert block[name]["p5"] <= block[name]["p50"] <= block[name]["p95"]
        assert (block["multiplier"] is None) == (block["multiplier_reason"] is not None)
    assert {(f["topic"], f["target"]) for f in doc["flows"]} == set(fused_flows())
    method = "exact" if len(fused_flows()) <= EXACT_UP_TO else "sampled (2 random orders)"
    assert all(f["seeds"] == [1, 2] and f["method"] == method for f in doc["flows"])
    assert all((f["stderr_yuan"] is not None) for f in doc["flows"])
    assert len(doc["worlds"]) == 3
    page = out.with_suffix(".html").read_text()
    assert page.startswith("<!doctype html>") and "<svg" in page and "fog-expressway" in page


def test_a_sweep_gives_the_bands_at_each_value(tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    result = RUNNER.invoke(
        app,
        ["sweep", "--scenario", "fog-expressway", "--vary", "latency_h=0,6", "--seeds", "2",
         "--jobs", "2", "--out", str(out), "--no-publish"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert (doc["param"], [p["value"] for p in doc["points"]]) == ("latency_h", [0.0, 6.0])
    for point in doc["points"]:
        assert set(point["overall"]) >= MEASURES
    assert "<svg" in out.with_suffix(".html").read_text()


@pytest.mark.parametrize(
    ("vary", "message"),
    [
        ("forecast_skill=1,2", "unknown parameter"),
        ("forecast_error=1", "at least two values"),
        ("forecast_error=a,b", "must be numbers"),
        ("sensor_dropout=0,1", "out of range"),
        ("forecast_error", "NAME=V1,V2"),
    ],
)
def test_a_bad_sweep_is_refused_with_what_to_write(vary: str, message: str) -> None:
    result = RUNNER.invoke(app, ["sweep", "--scenario", "fog-expressway", "--vary", vary])
    assert result.exit_code == 2
    assert message in result.output


def test_an_unknown_scenario_is_refused_with_the_known_ones() -> None:
    result = RUNNER.invoke(app, ["ensemble", "--scenario", "no-such-world", "--seeds", "2"])
    assert result.exit_code == 2
    assert "poyang-flood-2020" in result.output
