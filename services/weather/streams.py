"""Weather stream adapter: observations and forecasts -> warning engine -> warnings."""

from __future__ import annotations

from services.weather.domain import WarningEngine
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    WEATHER_WARNINGS,
    ForecastIssued,
    StationObservation,
    WarningIssued,
)
from shared.runtime import Agent


def on_observation(engine: WarningEngine, event: StationObservation) -> list[WarningIssued]:
    """A station reading: warnings issued, updated or cancelled for its city."""
    return engine.on_observation(event)


def on_forecast(engine: WarningEngine, event: ForecastIssued) -> list[WarningIssued]:
    """A forecast run: warnings ahead of the onset (the source of lead time)."""
    return engine.on_forecast(event)


def on_tick(engine: WarningEngine, tick: TickAdvanced) -> list[WarningIssued]:
    """The end of a tick moves every city's clock on, so lapsed warnings are cancelled even
    when a city's stations fall silent."""
    return engine.advance_to(tick.occurred_at, causation_id=tick.event_id)


#: One ordered stream over observations and forecasts.
WARN: Agent[WarningEngine] = Agent(
    name="warn",
    reads=(WEATHER_OBSERVATIONS, WEATHER_FORECASTS),
    handlers={StationObservation: on_observation, ForecastIssued: on_forecast},
    on_tick=on_tick,
    outputs=(WEATHER_WARNINGS,),
)
