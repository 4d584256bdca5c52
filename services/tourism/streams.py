"""The tourism stream adapter: area readings and warnings (and, fused, forecasts and road
status) -> models.

The areas' own readings and the public CMA warnings go to both models, siloed first. The
weather service's forecasts and transport's road status are other sectors' data:
``fused_reads``, subscribed to only when the service's ``fusion`` setting is on; of the road
status only the fused world's events (``mode`` fused) feed the fused model. The forecasts carry
no mode: the weather service issues one forecast for everyone.
"""

from __future__ import annotations

from services.tourism.domain import AreaModel
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.tourism import TOURISM_DECISIONS, TOURISM_OBSERVATIONS, TourismReading
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatusChanged
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused model, over one situation ledger.
Models = Paired[AreaModel]


def on_reading(models: Models, event: TourismReading) -> list[Event]:
    """An area's own reading: both models, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_road_status(models: Models, event: RoadStatusChanged) -> list[Event]:
    """A road segment's status: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_road_status(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: actions with no fresh evidence are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


PROTECT: Agent[Models] = Agent(
    name="protect",
    reads=(TOURISM_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS, TRANSPORT_ROAD_STATUS),
    handlers={
        TourismReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
        RoadStatusChanged: on_road_status,
    },
    on_tick=on_tick,
    outputs=(TOURISM_DECISIONS,),
)
