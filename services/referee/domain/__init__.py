"""The referee's pure domain: scoring rules and the scoreboard (no I/O, no frameworks)."""

from services.referee.domain.scoring import (
    OUTCOMES,
    ModeFigures,
    MultiplierBasis,
    Outcome,
    Scoreboard,
    Settlement,
    multiplier,
)

__all__ = [
    "OUTCOMES",
    "ModeFigures",
    "MultiplierBasis",
    "Outcome",
    "Scoreboard",
    "Settlement",
    "multiplier",
]
