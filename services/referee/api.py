"""Referee HTTP adapter: the scores of the current (or last completed) run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, status

from services.referee.streams import referee
from shared.contracts.referee import ScoresPublished
from shared.runtime import ServiceRuntime


def scores_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /scores, /scores/latest and /scores/{sector}."""
    router = APIRouter(prefix="/scores", tags=["scores"])

    @router.get("")
    async def scores() -> dict[str, Any]:
        """Per sector ``{"siloed", "fused", "multiplier", ...}`` and ``"overall"``."""
        return referee(runtime).summary()

    # Declared before /{sector} so that "latest" is not taken for a sector name.
    @router.get("/latest", response_model=ScoresPublished)
    async def latest() -> ScoresPublished:
        """The last ``ScoresPublished`` (run, tick, ``final``): how far the scoring has got."""
        found = referee(runtime).latest
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no tick has been scored yet")
        return found

    @router.get("/{sector}")
    async def sector_scores(sector: str) -> dict[str, Any]:
        """One sector's figures (or ``overall``)."""
        summary = referee(runtime).summary()
        if sector not in summary:
            known = ", ".join(sorted(summary))
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no scores for {sector!r}; scored: {known}"
            )
        found: dict[str, Any] = summary[sector]
        return found

    return router
