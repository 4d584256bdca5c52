"""The transport service's spec: its settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.transport import api, streams
from services.transport.domain.rules import RULES_FILE
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class TransportSettings(ServiceSettings):
    """Settings of the transport service (``DEXSIM_TRANSPORT_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_TRANSPORT_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=RULES_FILE, description="Road-rules file (DEXSIM_TRANSPORT_RULES_PATH)"
    )


SPEC = ServiceSpec(
    name="transport",
    settings_cls=TransportSettings,
    streams=streams.register,
    routers=(api.ingest_router, api.roads_router, api.controls_router),
    description=(
        "Expressway detectors (and, fused, weather warnings, forecasts and emergency routes) in; "
        "road controls and road status out."
    ),
)
