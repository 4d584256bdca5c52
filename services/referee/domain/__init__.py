"""The referee's pure domain: scoring rules, the scoreboard and its state: no I/O, no frameworks."""

from services.referee.domain.scoring import (
    OUTCOMES,
    ModeFigures,
    MultiplierBasis,
    Outcome,
    Scoreboard,
    Settlement,
    multiplier,
)
from services.referee.domain.state import RefereeState

__all__ = [
    "OUTCOMES",
    "ModeFigures",
    "MultiplierBasis",
    "Outcome",
    "RefereeState",
    "Scoreboard",
    "Settlement",
    "multiplier",
]
