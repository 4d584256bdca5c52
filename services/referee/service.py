"""The referee's spec: its settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.referee import api, streams
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class RefereeSettings(ServiceSettings):
    """Settings of the referee (``DEXSIM_REFEREE_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_REFEREE_", frozen=True, extra="ignore")


SPEC = ServiceSpec(
    name="referee",
    settings_cls=RefereeSettings,
    streams=streams.register,
    routers=(api.scores_router,),
    description=(
        "Ground truth and every sector's siloed and fused decisions in; hits, misses, false "
        "alarms, lead times, loss avoided and the multiplier out (events, metrics, HTTP)."
    ),
)
