"""A short headless Locust run against every load-tested service on the test broker, with verdict.

The services, their keys and the request names all come from the manifests' load profiles.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dexsim.registry import sectors
from loadtests.slo import SLO_FILE
from shared.settings import PROJECT_ROOT
from tests.support import STARTED, ServiceProcess

pytestmark = pytest.mark.integration

#: The services a load run drives, and each sector's key.
LOADED = [e for e in sectors() if e.manifest.load]
KEYS = {
    f"load-{e.manifest.sector.name}:{e.manifest.sector.name}": f"load-{e.name}-key"
    for e in LOADED
    if e.manifest.sector is not None
}
SECTORS = tuple(e.name for e in LOADED)


@pytest.fixture(scope="module")
def sector_services(kafka_bootstrap: str) -> Iterator[dict[str, str]]:
    """Every load-tested service with its key, on free loopback ports; their URLs."""
    # A service of the same name left running by an earlier test (the session's weather service)
    # would join the same consumer group and take half the partitions, so the end-to-end user
    # would wait on this weather for warnings decided by the other one. Those tests are done.
    for other in STARTED:
        if other.name in SECTORS:
            other.stop()
    started = []
    try:
        for name in SECTORS:
            env = {
                f"DEXSIM_{name.upper()}_API_KEYS": json.dumps(KEYS),
                "DEXSIM_GROUP_PREFIX": "dexsim-load",
            }
            started.append(ServiceProcess(name, kafka_bootstrap, env=env).start())
        yield {svc.name: svc.url for svc in started}
    finally:
        for svc in started:
            svc.stop()


def run_load(urls: dict[str, str], out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m loadtests.run`` against ``urls``, never starting anything itself."""
    env = {
        **os.environ,
        "DEXSIM_LOAD_URLS": json.dumps(urls),
        "DEXSIM_LOAD_API_KEYS": json.dumps(KEYS),
        "COLUMNS": "160",
    }
    return subprocess.run(
        [sys.executable, "-m", "loadtests.run", "--no-start", "--out", str(out), *args],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def stats_rows(out: Path) -> dict[str, dict[str, str]]:
    """Locust's CSV statistics by ``"<type> <name>"``."""
    with (out / "locust_stats.csv").open() as f:
        return {f"{r['Type']} {r['Name']}": r for r in csv.DictReader(f)}


def test_a_short_storm_run_meets_the_slo_and_writes_its_reports(
    sector_services: dict[str, str], tmp_path: Path
) -> None:
    done = run_load(
        sector_services, tmp_path, "--shape", "storm", "--users", "13", "--seconds", "15"
    )
    verdict = json.loads((tmp_path / "verdict.json").read_text())
    assert done.returncode == 0, (verdict, done.stdout[-2000:], done.stderr[-3000:])
    assert verdict == {"passed": True, "violations": []}
    assert (tmp_path / "report.html").stat().st_size > 10_000
    rows = stats_rows(tmp_path)
    for path in (p.ingest.path for e in LOADED for p in e.manifest.load):
        row = rows[f"POST /ingest/{path}"]
        assert int(row["Request Count"]) > 0 and int(row["Failure Count"]) == 0, row
    e2e = rows["E2E observation->warning"]
    assert int(e2e["Request Count"]) >= 3 and int(e2e["Failure Count"]) == 0, e2e


def test_a_broken_objective_fails_the_run_and_is_named(
    sector_services: dict[str, str], tmp_path: Path
) -> None:
    strict = tmp_path / "slo.yaml"
    strict.write_text(
        SLO_FILE.read_text().replace(
            "{p99_ms: 1000, min_samples: 3}", "{p99_ms: 1, min_samples: 3}"
        )
    )
    done = run_load(
        sector_services, tmp_path, "--shape", "steady", "--users", "2", "--seconds", "6",
        "--slo", str(strict),
    )  # fmt: skip
    assert done.returncode == 1, done.stdout[-2000:] + done.stderr[-2000:]
    assert "E2E observation->warning: p99" in done.stdout + done.stderr
