"""The agriculture service's spec: settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.agriculture import api, streams
from services.agriculture.domain.rules import DEFAULT_RULES_PATH
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class AgricultureSettings(ServiceSettings):
    """Settings of the agriculture service (``DEXSIM_AGRICULTURE_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_AGRICULTURE_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=DEFAULT_RULES_PATH,
        description="Crop-risk rules file (DEXSIM_AGRICULTURE_RULES_PATH)",
    )


SPEC = ServiceSpec(
    name="agriculture",
    settings_cls=AgricultureSettings,
    streams=streams.register,
    routers=(api.ingest_router, api.risks_router, api.advisories_router),
    description="Farm sensors (and, fused, weather warnings and forecasts) in; advisories out.",
)
