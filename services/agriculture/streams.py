"""Agriculture stream adapter: farm readings and warnings (and, fused, forecasts) -> advisories.

Every farm reading and every public CMA warning goes to both models, siloed first (the fair
baseline: every agency receives the warnings); forecasts, another sector's data, go to the fused
model only, and only when the service's ``fusion`` setting is on (otherwise the service does not
even subscribe to them: the control run, where the multiplier must come out at 1.0).
"""

from __future__ import annotations

from services.agriculture.domain import AgricultureModel
from shared.contracts.agriculture import (
    AGRICULTURE_ADVISORIES,
    AGRICULTURE_OBSERVATIONS,
    FarmObservation,
)
from shared.contracts.envelope import Event
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

Models = Paired[AgricultureModel]


def on_farm_observation(models: Models, event: FarmObservation) -> list[Event]:
    """A farm reading (own sector): both models fold it in, siloed first."""
    return models.both(lambda m: m.on_farm_observation(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning: both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def after_batch(models: Models) -> list[Event]:
    """Weigh warnings, forecasts and the climate record once per farm the batch read."""
    return models.both(lambda m: m.flush())


#: One ordered stream over farm readings, public warnings and, fused, weather forecasts.
ADVISE: Agent[Models] = Agent(
    name="advise",
    reads=(AGRICULTURE_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS,),
    handlers={
        FarmObservation: on_farm_observation,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
    },
    after_batch=after_batch,
    outputs=(AGRICULTURE_ADVISORIES,),
)
