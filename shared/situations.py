"""Situation keys shared by the siloed and the fused model of one service.

The referee compares the two modes' decisions on the same situation by ``decision_key``. The
two models see different inputs, so neither can name the situation alone: the fused model may
open it hours before the siloed one. The ledger names a situation when the first mode opens it,
hands the same key to the other mode while either still holds it, and forgets it once both have
let go. Keys are built from the subject and the simulated time of opening, so replaying the same
events gives the same keys.

A mode may let go of a situation and open it again while the other mode still holds it: it then
gets the same key again, and ``episode`` tells its second opening from its first, so that event
ids derived from the key (``id_parts``) never repeat. Without it the second opening's decision
would carry the first one's id and be dropped as a duplicate, and what one mode decides would
depend on whether the other mode runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.contracts.envelope import Mode


@dataclass
class _Open:
    key: str
    holders: set[Mode] = field(default_factory=set)
    opened: dict[Mode, int] = field(default_factory=dict)


class SituationLedger:
    """Names situations for both modes of one service (one instance shared by the two models)."""

    def __init__(self) -> None:
        self._open: dict[str, _Open] = {}

    def open(self, subject: str, mode: Mode, at: datetime) -> str:
        """The key of ``subject``'s current situation for ``mode``, opening one if none is open."""
        situation = self._open.get(subject)
        if situation is None:
            situation = self._open[subject] = _Open(
                key=f"{subject}:{at.astimezone(UTC):%Y%m%dT%H%MZ}"
            )
        if mode not in situation.holders:
            situation.opened[mode] = situation.opened.get(mode, 0) + 1
        situation.holders.add(mode)
        return situation.key

    def episode(self, subject: str, mode: Mode) -> int:
        """How many times ``mode`` has opened ``subject``'s current situation (0: never)."""
        situation = self._open.get(subject)
        return situation.opened.get(mode, 0) if situation else 0

    def close(self, subject: str, mode: Mode) -> str | None:
        """Let ``mode`` go of ``subject``'s situation; return its key (None if it held none)."""
        situation = self._open.get(subject)
        if situation is None or mode not in situation.holders:
            return None
        situation.holders.discard(mode)
        if not situation.holders:
            del self._open[subject]
        return situation.key

    def key(self, subject: str) -> str | None:
        """The key of ``subject``'s open situation, if any."""
        situation = self._open.get(subject)
        return situation.key if situation else None


def id_parts(key: str, episode: int) -> tuple[str, ...]:
    """What a decision's event id derives from: the key, and the episode after the first."""
    return (key,) if episode <= 1 else (key, f"episode {episode}")
