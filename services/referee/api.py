"""Referee HTTP adapter: the scores of the current (or last completed) run."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status

from services.referee.domain import RefereeState
from shared.contracts.referee import ScoresPublished
from shared.runtime import state_of

#: The referee's state, as a route dependency.
Referee = Annotated[RefereeState, Depends(state_of)]

#: GET /scores, /scores/latest and /scores/{sector}.
scores_router = APIRouter(prefix="/scores", tags=["scores"])


@scores_router.get("")
async def scores(referee: Referee) -> dict[str, Any]:
    """Per sector ``{"siloed", "fused", "multiplier", ...}`` and ``"overall"``."""
    return referee.summary()


# Declared before /{sector} so that "latest" is not taken for a sector name.
@scores_router.get("/latest", response_model=ScoresPublished)
async def latest(referee: Referee) -> ScoresPublished:
    """The last ``ScoresPublished`` (run, tick, ``final``): how far the scoring has got."""
    found = referee.latest
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no tick has been scored yet")
    return found


@scores_router.get("/{sector}")
async def sector_scores(referee: Referee, sector: str) -> dict[str, Any]:
    """One sector's figures (or ``overall``); the sectors are those the run has scored."""
    found = referee.summary()
    if sector not in found:
        known = ", ".join(sorted(found))
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no scores for {sector!r}; scored: {known}")
    figures: dict[str, Any] = found[sector]
    return figures
