"""The health stream adapter: surveillance and warnings (and, fused, other sectors) -> models.

The cities' own surveillance and the public CMA warnings go to both models, siloed first. The
weather service's forecasts, emergency's responses, energy's decisions and transport's road
status are other sectors' data: ``fused_reads``, subscribed to only when the service's
``fusion`` setting is on, and of those only the fused world's events (``mode`` fused) feed the
fused model. The forecasts carry no mode: the weather service issues one forecast for everyone.
"""

from __future__ import annotations

from services.health.domain import HealthModel
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.energy import ENERGY_DECISIONS
from shared.contracts.envelope import Event
from shared.contracts.health import HEALTH_DECISIONS, HEALTH_OBSERVATIONS, HealthReading
from shared.contracts.simulator import TickAdvanced
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatusChanged
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused health model, over one situation ledger.
Models = Paired[HealthModel]


def on_reading(models: Models, event: HealthReading) -> list[Event]:
    """A city's daily surveillance (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_response(models: Models, event: ResponseDecided) -> list[Event]:
    """An emergency response (an evacuation): the fused world's ones, fused model only."""
    return models.fused_world(event, lambda m: m.on_response(event))


def on_energy_decision(models: Models, event: Event) -> list[Event]:
    """An energy decision (orderly power use): the fused world's ones, fused model only.

    Only the fields every ``DecisionMade`` has are read (region, action, status, key)."""
    if not isinstance(event, DecisionMade):
        return []
    return models.fused_world(event, lambda m: m.on_energy_decision(event))


def on_road_status(models: Models, event: RoadStatusChanged) -> list[Event]:
    """A road segment's status: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_road_status(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: actions with no fresh evidence are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


CARE: Agent[Models] = Agent(
    name="care",
    reads=(HEALTH_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS, EMERGENCY_RESPONSES, ENERGY_DECISIONS, TRANSPORT_ROAD_STATUS),
    handlers={
        HealthReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
        ResponseDecided: on_response,
        ENERGY_DECISIONS.model: on_energy_decision,
        RoadStatusChanged: on_road_status,
    },
    on_tick=on_tick,
    outputs=(HEALTH_DECISIONS,),
)
