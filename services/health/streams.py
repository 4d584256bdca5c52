"""The health stream adapter: readings and warnings (and, fused, forecasts) -> models."""

from __future__ import annotations

from services.health.domain import SiteModel
from shared.contracts.envelope import Event
from shared.contracts.health import HEALTH_DECISIONS, HEALTH_OBSERVATIONS, HealthReading
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

Models = Paired[SiteModel]


def on_reading(models: Models, event: HealthReading) -> list[Event]:
    """A site's own reading: both models see it, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


PROTECT: Agent[Models] = Agent(
    name="protect",
    reads=(HEALTH_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS,),
    handlers={
        HealthReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
    },
    outputs=(HEALTH_DECISIONS,),
)
