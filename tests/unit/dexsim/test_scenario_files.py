"""A scenario of one's own: `dexsim scenario validate FILE` names each problem's line and field,
and a valid file runs by its path (here the dry run, which needs no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from dexsim.cli import app
from services.simulator.data import SCENARIO_DIR, ScenarioFileError, resolve_scenario

RUNNER = CliRunner()
FLOOD = (SCENARIO_DIR / "poyang-flood-2020.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "mine.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_valid_file_is_summarised_and_runs_by_its_path(tmp_path: Path) -> None:
    text = FLOOD.replace("name: poyang-flood-2020", "name: my-flood")
    path = _write(tmp_path, text)
    result = RUNNER.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 0, result.output
    assert "valid scenario my-flood" in result.output
    assert resolve_scenario(str(path)).name == "my-flood"
    dry = RUNNER.invoke(app, ["simulate", "--scenario", str(path), "--seed", "3", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "my-flood" in dry.output


def test_each_problem_names_its_line_and_field(tmp_path: Path) -> None:
    text = FLOOD.replace("peak: 25.0", "peak: -3").replace("ramp_h: 3\n", "ramp_h: three\n")
    path = _write(tmp_path, text)
    result = RUNNER.invoke(app, ["scenario", "validate", str(path)])
    assert result.exit_code == 1
    assert f"line {_line_of(text, 'peak: -3')}: hazards.2.peak" in result.output
    assert f"line {_line_of(text, 'ramp_h: three')}: hazards.2.ramp_h" in result.output


def test_a_missing_field_points_at_its_mapping(tmp_path: Path) -> None:
    text = FLOOD.replace("           visibility_m: 15000,", "           ")
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioFileError) as err:
        resolve_scenario(str(path))
    assert err.value.problems == [
        f"line {_line_of(text, 'baseline:')}: baseline.visibility_m: Field required"
    ]


def test_yaml_errors_and_missing_files_are_reported_not_raised(tmp_path: Path) -> None:
    broken = _write(tmp_path, "name: x\n  bad: [\n", "broken.yaml")
    result = RUNNER.invoke(app, ["scenario", "validate", str(broken)])
    assert result.exit_code == 1
    assert "line 2: not valid YAML" in result.output
    missing = RUNNER.invoke(app, ["run", "--scenario", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2
    assert "no such file" in missing.output
    unknown = RUNNER.invoke(app, ["run", "--scenario", "no-such-scenario"])
    assert unknown.exit_code == 2
    assert "known:" in unknown.output
