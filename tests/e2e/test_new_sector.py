"""``dexsim new-sector`` in a clone of the repository: the sector works with nothing else edited.

In a temporary clone: scaffold ``demo-sector``, check that only its three places and the
generated files changed, run its own tests, ruff and mypy on it, then a short ``dexsim run`` on
the test broker whose report scores the new sector in both modes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import PROJECT_ROOT
from tests.support import TEST_STATE

# A clone, a scaffold, its tests and a short run: longer than the 300 s hang guard on a busy day.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

ALLOWED = (
    "services/demo_sector/",
    "shared/contracts/demo_sector.py",
    "services/simulator/sectors/demo_sector.py",
    "README.md",
    "deploy/prometheus/prometheus.yml",
    "loadtests/slo.yaml",
)


def _run(clone: Path, *argv: str, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    done = subprocess.run(
        [sys.executable, *argv], cwd=clone, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{argv}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A clone of the repository's committed tree, with the new sector scaffolded in it."""
    where = tmp_path_factory.mktemp("clone") / "dexsim"
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(where)], check=True)
    # The dashboard's front-end packages are not part of the scaffold; share the installed ones.
    web = PROJECT_ROOT / "services" / "dashboard" / "web" / "node_modules"
    if web.exists():
        (where / "services" / "dashboard" / "web" / "node_modules").symlink_to(web)
    _run(where, "-m", "dexsim.cli", "new-sector", "demo-sector", "--label-zh", "示例行业",
         "--label-en", "Demo sector")  # fmt: skip
    yield where


def test_the_scaffold_touches_only_the_sector_s_places_and_the_generated_files(
    clone: Path,
) -> None:
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=clone,
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()  # fmt: skip
    changed = sorted(line[3:] for line in status)
    assert changed, "the scaffold changed nothing"
    outside = [
        p
        for p in changed
        if not p.startswith(ALLOWED) and p != "services/dashboard/web/node_modules"
    ]
    assert outside == []
    assert any(p.startswith("services/demo_sector/tests/") for p in changed)
    assert "services/simulator/sectors/demo_sector.py" in changed
    assert "shared/contracts/demo_sector.py" in changed


def test_the_new_sector_s_tests_lint_and_types_pass(clone: Path) -> None:
    new = ["services/demo_sector", "shared/contracts/demo_sector.py",
           "services/simulator/sectors/demo_sector.py"]  # fmt: skip
    bin_dir = Path(sys.executable).parent
    for tool in (["ruff", "check", *new], ["ruff", "format", "--check", *new], ["mypy", *new]):
        done = subprocess.run([str(bin_dir / tool[0]), *tool[1:]], cwd=clone,
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, f"{tool}: {done.stdout[-3000:]}{done.stderr[-2000:]}"
    out = _run(clone, "-m", "pytest", "-q", "-p", "no:cacheprovider", "services/demo_sector/tests")
    assert " passed" in out
    # The registries see it: the docs are up to date in the clone, and it is a service.
    _run(clone, "-m", "dexsim.cli", "docs", "--check")


def test_a_short_run_scores_the_new_sector(clone: Path, kafka_bootstrap: str) -> None:
    state = TEST_STATE / "new-sector"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DEXSIM_STATE_DIR": str(state),
        "DEXSIM_PORT_OFFSET": "2000",
        "DEXSIM_GROUP_PREFIX": "dexsim-newsector",
        "DEXSIM_PROMETHEUS": "off",
        "COLUMNS": "160",
    }
    report = clone / "short.json"
    try:
        _run(clone, "-m", "dexsim.cli", "run", "--scenario", "poyang-flood-2020", "--seed", "7",
             "--hours", "240", "--no-flows", "--report", str(report), env=env)  # fmt: skip
    finally:
        subprocess.run([sys.executable, "-m", "dexsim.cli", "down", "--keep-kafka"], cwd=clone,
                       env=env, capture_output=True, check=False)  # fmt: skip
    doc = json.loads(report.read_text())
    assert doc["run"]["late"] == []
    demo = doc["sectors"]["demo-sector"]
    for mode in ("siloed", "fused"):
        assert demo[mode]["decisions"] > 0, demo
    assert demo["avoidable_yuan"] > 0, demo
