"""Faults without loss, through ``dexsim chaos`` as a user runs it.

Each run plays the first three days of the 2020 flood with a fault plan and reconciles every
event the services published, and the referee's scores, against the undisturbed run of the
same world (the in-process bus, which the scenario tests show scores as the broker does). The
command exits non-zero unless nothing was lost or duplicated and the scores are identical; the
tests also check from the report that every fault was really applied.

Broker faults need a cluster the command may stop, so those runs get a system of their own:
their own state folder, Kafka port, service ports and consumer groups.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dexsim.registry import clocked
from shared.settings import PROJECT_ROOT
from tests.e2e.conftest import Dexsim
from tests.support import TEST_STATE

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

SCENARIO = "poyang-flood-2020"
HOURS = 72


def chaos(dexsim: Dexsim, out: Path, plan: str, *extra: str) -> dict[str, Any]:
    done = dexsim(
        "chaos", "--scenario", SCENARIO, "--seed", "7", "--hours", str(HOURS),
        "--reference", "in-process", "--plan", plan, "--out", str(out), *extra,
    )  # fmt: skip
    assert out.exists(), done.stdout[-3000:] + done.stderr[-3000:]
    report: dict[str, Any] = json.loads(out.read_text())
    assert done.returncode == 0, (done.stdout[-4000:], report["score_differences"])
    assert "0 lost, 0 duplicated, scores identical" in done.stdout
    assert report["nothing_lost"] and report["scores_identical"]
    assert report["lost"] == report["duplicated"] == report["changed"] == 0
    assert report["decisions"]["run"] == report["decisions"]["reference"] > 0
    return report


def test_kill_9_of_each_service_in_turn_and_of_the_referee_loses_nothing(
    dexsim: Dexsim, tmp_path: Path
) -> None:
    names = [e.name for e in clocked()]
    assert "referee" in names
    ticks = sorted(random.Random(15).sample(range(2, HOURS - 10), len(names)))
    plan = ",".join(f"kill:{name}@{tick}" for name, tick in zip(names, ticks, strict=True))
    report = chaos(dexsim, tmp_path / "kills.json", plan)
    assert [f["note"] for f in report["faults"]] == ["killed"] * len(names)
    assert {f["target"] for f in report["faults"]} == set(names)
    # Counters are part of the state: the events consumed survive the restarts.
    assert report["events"]["run"]["consumed"] > 0


def _free_block(size: int) -> int:
    """The first of ``size`` consecutive free loopback ports."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = int(s.getsockname()[1])
        if base + size >= 65535:
            continue
        try:
            for port in range(base, base + size):
                with socket.socket() as probe:
                    probe.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of free ports")


@pytest.fixture
def own_system(kafka_bootstrap: str) -> Iterator[Callable[[int], Dexsim]]:
    """A ``dexsim`` with a local cluster of its own (``kafka_bootstrap`` has fetched the jars)."""
    made: list[dict[str, str]] = []

    def make(brokers: int) -> Dexsim:
        state = TEST_STATE / f"chaos-{brokers}"
        shutil.rmtree(state, ignore_errors=True)
        state.mkdir(parents=True)
        (state / "kafka-libs").symlink_to(PROJECT_ROOT / ".dexsim" / "kafka-libs")
        env = {
            **os.environ,
            "DEXSIM_STATE_DIR": str(state),
            "DEXSIM_KAFKA_PORT": str(_free_block(2 * brokers)),
            "DEXSIM_PORT_OFFSET": str(2000 + brokers),
            "DEXSIM_GROUP_PREFIX": f"dexsim-chaos-{brokers}",
            "DEXSIM_PROMETHEUS": "off",
            "COLUMNS": "160",
        }
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        env.pop("DEXSIM_KAFKA_BROKERS", None)
        made.append(env)

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "dexsim.cli", *args],
                env=env, capture_output=True, text=True, timeout=1500, check=False,
            )  # fmt: skip

        return run

    try:
        yield make
    finally:
        for env in made:
            subprocess.run(
                [sys.executable, "-m", "dexsim.cli", "down"],
                env=env, capture_output=True, timeout=120, check=False,
            )  # fmt: skip
            shutil.rmtree(env["DEXSIM_STATE_DIR"], ignore_errors=True)


def test_a_broker_restart_mid_run_loses_nothing(
    own_system: Callable[[int], Dexsim], tmp_path: Path
) -> None:
    report = chaos(own_system(1), tmp_path / "restart.json", "broker-restart@30")
    (fault,) = report["faults"]
    assert fault["note"].startswith("restarted"), fault
    assert report["brokers"] == report["cluster"]["brokers"] == 1


@pytest.mark.slow
def test_one_broker_of_three_killed_mid_run_loses_nothing(
    own_system: Callable[[int], Dexsim], tmp_path: Path
) -> None:
    dexsim = own_system(3)
    up = dexsim("kafka", "up", "--brokers", "3")
    assert up.returncode == 0, up.stdout + up.stderr
    report = chaos(dexsim, tmp_path / "three.json", "broker-kill:2:20@25,kill:agriculture@40")
    assert report["brokers"] == 3
    assert report["faults"][0]["note"].startswith("killed"), report["faults"]
    # The cluster as the broker describes it: every write needed two of three replicas.
    assert report["cluster"]["brokers"] == 3
    assert (report["cluster"]["replicas"], report["cluster"]["min_insync_replicas"]) == (3, 2)
