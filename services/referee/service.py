"""The referee's manifest: ground truth and every sector's decisions in, scores out."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.referee import api, streams
from services.referee.domain import RefereeState
from shared.runtime import Manifest
from shared.settings import ServiceSettings


class RefereeSettings(ServiceSettings):
    """Settings of the referee (``DEXSIM_REFEREE_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_REFEREE_", frozen=True, extra="ignore")

    interim_scores: bool = Field(
        default=True,
        description="Publish scores after every tick (the live dashboard); off, only each run's "
        "final scores (the in-process ensembles, which read only those)",
    )


def new_state(settings: RefereeSettings) -> RefereeState:
    """The service's state: an empty scoreboard (the referee reads no data files)."""
    return RefereeState(interim_scores=settings.interim_scores)


MANIFEST: Manifest[RefereeState] = Manifest(
    name="referee",
    port=8105,
    settings=RefereeSettings,
    state=new_state,
    agents=(streams.SCORE, streams.ENSEMBLES),
    routers=(api.scores_router,),
    sector=None,
    clocked=True,
    description=(
        "Ground truth and every sector's siloed and fused decisions in; hits, misses, false "
        "alarms, lead times, loss avoided and the multiplier out (events, metrics, HTTP)."
    ),
)
