"""The e2e system: ``dexsim`` driven as a user drives it, against the test broker."""

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

Dexsim = Callable[..., subprocess.CompletedProcess[str]]

#: The e2e system's state folder and port offset (a demo can run beside it).
E2E_STATE = TEST_STATE / "e2e"
PORT_OFFSET = 1000


def e2e_env(kafka_bootstrap: str) -> dict[str, str]:
    """The environment of the e2e system's ``dexsim`` commands."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DEXSIM_STATE_DIR": str(E2E_STATE),
        "DEXSIM_PORT_OFFSET": str(PORT_OFFSET),
        "DEXSIM_GROUP_PREFIX": "dexsim-e2e",
        "DEXSIM_PROMETHEUS": "off",
        "COLUMNS": "160",
    }


@pytest.fixture(scope="module")
def dexsim(kafka_bootstrap: str) -> Iterator[Dexsim]:
    """Run the dexsim CLI against the test broker; stop its services afterwards."""
    env = e2e_env(kafka_bootstrap)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dexsim.cli", *args],
            env=env, capture_output=True, text=True, timeout=900, check=False,
        )  # fmt: skip

    try:
        yield run
    finally:
        run("down", "--keep-kafka")


def play(dexsim: Dexsim, report: Path, *extra: str, scenario: str, seed: int = 7) -> dict[str, Any]:
    """One ``dexsim run`` of a scenario; its JSON report."""
    done = dexsim(
        "run", "--scenario", scenario, "--seed", str(seed), "--report", str(report), *extra
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "multiplier" in done.stdout
    doc: dict[str, Any] = json.loads(report.read_text())
    return doc
