"""The referee's state: the live scoreboard of the run, the last scores and the response levels."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.referee.domain.scoring import Scoreboard
from shared.contracts.referee import EnsembleSummarized, ScoresPublished


@dataclass
class RefereeState:
    """The live scoreboard of the current run and the last scores published."""

    board: Scoreboard = field(default_factory=Scoreboard)
    run_id: str | None = None
    latest: ScoresPublished | None = None
    latest_summary: dict[str, Any] | None = None
    #: (region, mode) -> (effective_at, rank) of the latest response-level decision
    levels: dict[tuple[str, str], tuple[datetime, int]] = field(default_factory=dict)
    #: Publish scores after every tick (the live dashboard); off, only a run's final scores.
    interim_scores: bool = True
    #: The last ensemble summary per scenario.
    ensembles: dict[str, EnsembleSummarized] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """The current run's summary, or the last completed run's once a new one has not begun."""
        if self.latest_summary is not None and not any(self.board.counts().values()):
            return self.latest_summary
        return self.board.summary()
