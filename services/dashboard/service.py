"""The dashboard's spec: its settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator
from pydantic_settings import SettingsConfigDict

from services.dashboard import api, streams
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class DashboardSettings(ServiceSettings):
    """Settings of the dashboard (``DEXSIM_DASHBOARD_*``); its default port is 8080."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_DASHBOARD_", frozen=True, extra="ignore")

    @field_validator("tick_sync", mode="before")
    @classmethod
    def _never_tick_sync(cls, value: Any) -> bool:
        # Holding events until their tick completes needs tick markers on every input, and
        # referee.scores.v1 carries none: scores would be held for ever. The page shows events
        # as they arrive; `dexsim run` may set DEXSIM_DASHBOARD_TICK_SYNC for every service.
        return False


SPEC = ServiceSpec(
    name="dashboard",
    settings_cls=DashboardSettings,
    streams=streams.register,
    routers=(api.page_router, api.data_router),
    description=(
        "The leadership dashboard: warnings, response levels, decisions, cross-sector flows and "
        "the referee's multiplier per sector, live over server-sent events (public aggregates)."
    ),
)
