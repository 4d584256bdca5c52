"""The weather service's spec: its settings, streams and routers, wired by the shared runtime."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from services.weather import api, streams
from shared.runtime import ServiceSpec
from shared.settings import ServiceSettings


class WeatherSettings(ServiceSettings):
    """Settings of the weather service (``DEXSIM_WEATHER_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_WEATHER_", frozen=True, extra="ignore")


SPEC = ServiceSpec(
    name="weather",
    settings_cls=WeatherSettings,
    streams=streams.register,
    routers=(api.ingest_router, api.warnings_router),
    description="Station observations and forecasts in; CMA warning signals (CAP 1.2) out.",
)
