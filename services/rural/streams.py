"""The rural stream adapter: gauges, grid reports and warnings (and, fused, others) -> models.

The zones' own rain gauges and grid workers' reports and the public CMA warnings go to both
models, siloed first. The weather service's forecasts and emergency's responses are other
sectors' data: ``fused_reads``, subscribed to only when the service's ``fusion`` setting is on;
of emergency's responses only the fused world's (``mode`` fused) feed the fused model. The
forecasts carry no mode: the weather service issues one forecast for everyone.
"""

from __future__ import annotations

from services.rural.domain import ZoneModel
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.envelope import Event
from shared.contracts.rural import RURAL_DECISIONS, RURAL_OBSERVATIONS, RuralReading
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused zone model, over one situation ledger.
Models = Paired[ZoneModel]


def on_reading(models: Models, event: RuralReading) -> list[Event]:
    """A gauge reading or a grid report (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_response(models: Models, event: ResponseDecided) -> list[Event]:
    """An emergency response: the fused world's ones, fused model only."""
    return models.fused_world(event, lambda m: m.on_response(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: actions with no fresh evidence are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


PROTECT: Agent[Models] = Agent(
    name="protect",
    reads=(RURAL_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS, EMERGENCY_RESPONSES),
    handlers={
        RuralReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
        ResponseDecided: on_response,
    },
    on_tick=on_tick,
    outputs=(RURAL_DECISIONS,),
)
