"""Start a scenario run from the dashboard: ``dexsim run`` in the background, and its status.

The run is the CLI's own ``dexsim run`` (``shared/cli.py``, which uses ``shared/runner.py``): it
restarts the services fresh, plays the scenario in lockstep and writes the report. The dashboard
only starts it and says whether it is still going. ``dexsim run`` restarts every registered
service, possibly this one too, so the run gets its own session (it outlives a restart of the
dashboard) and what is known about it is kept in the state folder, not only in memory.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shared.settings import PROJECT_ROOT
from shared.supervisor import logs_dir, pid_alive, run_dir

log = logging.getLogger(__name__)


class RunAlreadyGoingError(RuntimeError):
    """A run started from the dashboard has not finished yet."""


@dataclass
class Launcher:
    """Starts at most one ``dexsim run`` at a time and reports on it."""

    state_file: Path
    log_file: Path
    _child: subprocess.Popen[bytes] | None = None

    @classmethod
    def default(cls) -> Launcher:
        """The launcher using the state folder (``DEXSIM_STATE_DIR``)."""
        return cls(run_dir() / "dashboard-run.json", logs_dir() / "dashboard-run.log")

    def _read(self) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        return found

    def _alive(self, pid: int) -> bool:
        if self._child is not None and self._child.pid == pid:
            return self._child.poll() is None  # reaps our own child when it has exited
        return pid_alive(pid)

    def status(self) -> dict[str, Any]:
        """``{"state": idle|running|finished|failed, "scenario", "fusion", "started_at"}``."""
        found = self._read()
        if found is None:
            return {"state": "idle", "scenario": None, "fusion": None, "started_at": None}
        running = self._alive(int(found["pid"]))
        state = "running" if running else "finished"
        if not running and self._child is not None and self._child.pid == found["pid"]:
            state = "finished" if self._child.returncode == 0 else "failed"
        return {
            "state": state,
            "scenario": found["scenario"],
            "fusion": found["fusion"],
            "started_at": found["started_at"],
        }

    def start(self, *, scenario: str, fusion: bool) -> dict[str, Any]:
        """Start ``dexsim run --scenario <scenario> --fusion on|off`` in its own session."""
        if self.status()["state"] == "running":
            raise RunAlreadyGoingError("a run started from the dashboard is still going")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "shared.cli", "run", "--scenario", scenario]
        argv += ["--fusion", "on" if fusion else "off"]
        with self.log_file.open("ab") as out:
            self._child = subprocess.Popen(
                argv,
                cwd=PROJECT_ROOT,
                env={**os.environ, "COLUMNS": "160"},
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        record = {
            "pid": self._child.pid,
            "scenario": scenario,
            "fusion": "on" if fusion else "off",
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        self.state_file.write_text(json.dumps(record))
        log.info(
            "started dexsim run of %s (pid %d), log %s", scenario, record["pid"], self.log_file
        )
        return self.status()
