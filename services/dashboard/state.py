"""The dashboard's state: what its stream agents and its HTTP routes share.

The manifest's factory (``service.py``) builds it; the agents feed the board, the routes read the
board, start runs with the launcher and list the scenario library (once, on first use).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.dashboard.domain import Board
from services.dashboard.launcher import (
    Launcher,
    Scenario,
    parse_scenarios,
    run_scenarios_command,
)

#: Lists the scenario library as parsed JSON (the default runs ``dexsim scenarios --json``).
ScenarioLister = Callable[[], list[dict[str, Any]]]


@dataclass
class DashboardState:
    """The board, the run launcher, the page's labels and the scenario library."""

    board: Board
    launcher: Launcher
    #: The page's own labels (``data/labels.yaml``); sector and action labels come from the
    #: contracts.
    labels: dict[str, Any]
    #: The seam tests replace to fake the operator's command.
    list_scenarios: ScenarioLister = run_scenarios_command
    _scenarios: list[Scenario] | None = field(default=None, init=False, repr=False)
    # Routes list the scenarios from worker threads (the command takes a while): one at a time.
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def scenarios(self) -> list[Scenario]:
        """The scenario library, listed on first use and kept (a failure is not kept)."""
        with self._lock:
            if self._scenarios is None:
                self._scenarios = parse_scenarios(self.list_scenarios())
            return self._scenarios

    def snapshot(self) -> dict[str, Any]:
        """What a fresh page needs: the board's aggregates and the state of a dashboard run."""
        return {**self.board.snapshot(), "run": self.launcher.status()}
