"""The referee's manifest: ground truth and every sector's decisions in, scores out."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.referee import api, streams
from services.referee.domain import RefereeState
from shared.runtime import Manifest
from shared.settings import ServiceSettings


class RefereeSettings(ServiceSettings):
    """Settings of the referee (``DEXSIM_REFEREE_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_REFEREE_", frozen=True, extra="ignore")


def new_state(settings: RefereeSettings) -> RefereeState:
    """The service's state: an empty scoreboard (the referee reads no data files)."""
    return RefereeState()


MANIFEST: Manifest[RefereeState] = Manifest(
    name="referee",
    port=8105,
    settings=RefereeSettings,
    state=new_state,
    agents=(streams.SCORE,),
    routers=(api.scores_router,),
    sector=None,
    clocked=True,
    description=(
        "Ground truth and every sector's siloed and fused decisions in; hits, misses, false "
        "alarms, lead times, loss avoided and the multiplier out (events, metrics, HTTP)."
    ),
)
