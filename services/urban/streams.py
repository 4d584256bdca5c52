"""The urban stream adapter: drainage readings and warnings (and, fused, other sectors) -> models.

The zones' own readings and the public CMA warnings go to both models, siloed first. The weather
service's forecasts and the water department's station readings (the stages that shut the
zones' outfalls) are other sectors' data: ``fused_reads``, subscribed to only when the service's
``fusion`` setting is on, and fed to the fused model only. Neither carries a mode: the weather
service issues one forecast for everyone, and a gauge reads one stage.
"""

from __future__ import annotations

from services.urban.domain import DrainageModel
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.urban import URBAN_DECISIONS, URBAN_OBSERVATIONS, DrainageReading
from shared.contracts.water import WATER_OBSERVATIONS, HydroReading
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused drainage model, over one situation ledger.
Models = Paired[DrainageModel]


def on_reading(models: Models, event: DrainageReading) -> list[Event]:
    """A drainage zone's sensors (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_gauge(models: Models, event: HydroReading) -> list[Event]:
    """A water-department station's reading (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_gauge(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: actions with no fresh evidence are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


PROTECT: Agent[Models] = Agent(
    name="protect",
    reads=(URBAN_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS, WATER_OBSERVATIONS),
    handlers={
        DrainageReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
        HydroReading: on_gauge,
    },
    on_tick=on_tick,
    outputs=(URBAN_DECISIONS,),
)
