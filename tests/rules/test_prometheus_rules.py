"""Prometheus config and rules: promtool accepts them, and the rule unit tests pass."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from shared.settings import PROJECT_ROOT

PROMETHEUS = PROJECT_ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS / "rules" / "dexsim.rules.yml"
RULE_TESTS = PROMETHEUS / "rules" / "dexsim.rules.test.yml"

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (Debian: apt-get install -y prometheus)",
)


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess[str]:
    """Run promtool; the completed process, whatever its exit code."""
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    """Fail with promtool's own words when it did not succeed."""
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"


def test_the_scrape_config_is_valid_and_loads_the_rules() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert_ok(result)
    assert "1 rule files found" in result.stdout + result.stderr


def test_the_scrape_config_covers_every_service_port() -> None:
    from dexsim.registry import services

    text = (PROMETHEUS / "prometheus.yml").read_text()
    for service in services():
        assert f"127.0.0.1:{service.base_port}" in text, service.name


def test_the_rules_are_valid() -> None:
    assert_ok(promtool("check", "rules", str(RULES)))


def test_every_alert_fires_and_every_recording_rule_computes() -> None:
    result = promtool("test", "rules", RULE_TESTS.name, cwd=RULE_TESTS.parent)
    assert_ok(result)
    assert "SUCCESS" in result.stdout


def test_every_rule_is_exercised_by_the_rule_tests() -> None:
    import yaml

    groups = yaml.safe_load(RULES.read_text())["groups"]
    names = {r.get("record") or r["alert"] for g in groups for r in g["rules"]}
    tests = RULE_TESTS.read_text()
    untested = sorted(n for n in names if n not in tests)
    assert untested == []
