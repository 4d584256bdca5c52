"""The emergency service's spec: its settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.emergency import api, streams
from services.emergency.domain.rules import RULES_FILE
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class EmergencySettings(ServiceSettings):
    """Settings of the emergency service (``DEXSIM_EMERGENCY_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_EMERGENCY_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=RULES_FILE, description="Response-rules file (DEXSIM_EMERGENCY_RULES_PATH)"
    )


SPEC = ServiceSpec(
    name="emergency",
    settings_cls=EmergencySettings,
    streams=streams.register,
    routers=(
        api.ingest_router,
        api.responses_router,
        api.resources_router,
        api.incidents_router,
    ),
    description=(
        "Gauges, citizen reports and safety alarms (and, fused, weather warnings, agriculture "
        "advisories and road status) in; response levels, pre-positioning and evacuations out."
    ),
)
