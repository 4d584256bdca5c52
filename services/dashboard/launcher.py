"""The operator's commands the dashboard uses, run as processes: list the scenarios, start a run.

Both are the operator's own commands (``python -m dexsim.cli``), started as processes: the
dashboard never imports the operator's code nor the simulator's. ``dexsim scenarios --json``
lists the scenario library. ``dexsim run`` restarts the services fresh, plays the scenario in
lockstep and writes the report; the dashboard only starts it and says whether it is still going.
The run gets its own session, so it outlives a restart of the dashboard, and what is known
about it is kept in the state folder, not only in memory.
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

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from shared.processes import pid_alive
from shared.settings import PROJECT_ROOT, SystemSettings

log = logging.getLogger(__name__)

#: The operator's command that prints the scenario library as JSON.
SCENARIOS_COMMAND = (sys.executable, "-m", "dexsim.cli", "scenarios", "--json")
#: Listing imports the simulator's library and reads every scenario file: seconds, not minutes.
SCENARIOS_TIMEOUT_S = 60.0


class ScenariosUnavailableError(RuntimeError):
    """The scenario library could not be listed (the command failed or printed no list)."""


class Scenario(BaseModel):
    """One scenario as ``dexsim scenarios --json`` lists it."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    description_zh: str
    description_en: str
    ticks: int = Field(ge=1)
    tick_hours: int = Field(ge=1)
    seed: int = Field(ge=0)


_SCENARIO_LIST = TypeAdapter(list[Scenario])


def parse_scenarios(found: Any) -> list[Scenario]:
    """Validate what the command printed (parsed JSON): a list of scenarios."""
    try:
        return _SCENARIO_LIST.validate_python(found)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top)"
        raise ScenariosUnavailableError(
            f"`dexsim scenarios --json` printed no scenario list: {where}: {first['msg']}"
        ) from None


def run_scenarios_command() -> list[dict[str, Any]]:
    """Run ``dexsim scenarios --json`` and return its parsed output."""
    try:
        done = subprocess.run(
            SCENARIOS_COMMAND,
            cwd=PROJECT_ROOT,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=SCENARIOS_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ScenariosUnavailableError(f"`dexsim scenarios --json` did not run: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        why = lines[-1] if lines else "no message"
        raise ScenariosUnavailableError(
            f"`dexsim scenarios --json` exited with status {done.returncode}: {why}"
        )
    try:
        found: list[dict[str, Any]] = json.loads(done.stdout)
    except ValueError as exc:
        raise ScenariosUnavailableError(
            f"`dexsim scenarios --json` printed no JSON: {exc}"
        ) from None
    return found


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
        system = SystemSettings()
        return cls(system.run_dir / "dashboard-run.json", system.logs_dir / "dashboard-run.log")

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
        argv = [sys.executable, "-m", "dexsim.cli", "run", "--scenario", scenario]
        # The page shows the flows' values from ensembles (dexsim ensemble --flows); the run
        # it starts does not spend minutes valuing them again for one seed.
        argv += ["--fusion", "on" if fusion else "off", "--no-flows"]
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
