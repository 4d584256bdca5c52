"""The water stream adapter: its stations and the public warnings (and, fused, other sectors)
-> both modes.

Own-sector readings and the public CMA warnings go to both models, siloed first. Weather's
forecasts, agriculture's advisories, emergency's responses and transport's road status are other
sectors' data: ``fused_reads``, subscribed only when the service's ``fusion`` setting is on, and
of the advisories, responses and road status only the fused world's events are used (the siloed
world's are skipped), as emergency's adapter does.
"""

from __future__ import annotations

from services.water.domain import WaterModel
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES, AdvisoryIssued
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatusChanged
from shared.contracts.water import WATER_DECISIONS, WATER_OBSERVATIONS, HydroReading
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused model, over one situation ledger.
Models = Paired[WaterModel]


def on_reading(models: Models, event: HydroReading) -> list[Event]:
    """A station's reading (own sector): both models, siloed first."""
    return models.both(lambda m: m.on_reading(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning (every agency receives it): both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (another sector's data): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_advisory(models: Models, event: AdvisoryIssued) -> list[Event]:
    """An agriculture advisory: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_advisory(event))


def on_response(models: Models, event: ResponseDecided) -> list[Event]:
    """An emergency response: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_response(event))


def on_road_status(models: Models, event: RoadStatusChanged) -> list[Event]:
    """A road segment's status: the fused model takes the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_road_status(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: holds that ran out are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


#: One ordered stream over the stations, the public warnings and, fused, the other sectors.
CONTROL: Agent[Models] = Agent(
    name="control",
    reads=(WATER_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(
        WEATHER_FORECASTS,
        AGRICULTURE_ADVISORIES,
        EMERGENCY_RESPONSES,
        TRANSPORT_ROAD_STATUS,
    ),
    handlers={
        HydroReading: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
        AdvisoryIssued: on_advisory,
        ResponseDecided: on_response,
        RoadStatusChanged: on_road_status,
    },
    on_tick=on_tick,
    outputs=(WATER_DECISIONS,),
)
