"""Transport stream adapter: detectors and warnings (and, fused, forecasts and emergency) -> both
modes -> controls.

Detector readings and the public CMA warnings (every agency receives them: the fair siloed
baseline) go to both models, siloed first. Weather forecasts and the emergency service's fused
dispatches (access requests), other sectors' data, go to the fused model only; the runtime
subscribes to them only when the service's ``fusion`` setting is on (the control run, where both
modes must decide the same).

Emergency responses are read by a second agent, ``access``, which does not forward tick markers:
the emergency service routes on this service's road status, so if one agent waited for both, the
two services' tick markers would wait for each other for ever.
"""

from __future__ import annotations

from services.transport.domain import RoadModel
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.transport import (
    TRANSPORT_CONTROLS,
    TRANSPORT_OBSERVATIONS,
    TRANSPORT_ROAD_STATUS,
    RoadObservation,
)
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused road model.
Models = Paired[RoadModel]


def on_reading(models: Models, event: RoadObservation) -> list[Event]:
    """A detector reading (own-sector data): decided on by both modes, siloed first."""
    return models.both(lambda m: m.on_observation(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning: both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_forecast(models: Models, event: ForecastIssued) -> list[Event]:
    """A weather forecast (cross-sector): the fused model only."""
    return models.fused_only(lambda m: m.on_forecast(event))


def on_response(models: Models, event: ResponseDecided) -> list[Event]:
    """An emergency dispatch (cross-sector): the fused model pre-treats cold segments on its
    routes."""
    if event.mode is not Mode.FUSED:
        # only the fused world's dispatches concern the fused model; the siloed ones are not read
        return []
    return models.fused_only(lambda m: m.on_emergency(event))


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks on, so expired controls are lifted."""
    return models.both(lambda m: m.advance(tick.occurred_at))


#: Detectors, and (fused) weather: both modes' controls and road status.
CONTROL: Agent[Models] = Agent(
    name="control",
    reads=(TRANSPORT_OBSERVATIONS, WEATHER_WARNINGS),
    fused_reads=(WEATHER_FORECASTS,),
    handlers={
        RoadObservation: on_reading,
        WarningIssued: on_warning,
        ForecastIssued: on_forecast,
    },
    on_tick=on_tick,
    outputs=(TRANSPORT_CONTROLS, TRANSPORT_ROAD_STATUS),
)

#: The emergency service's dispatches (fused only); exists only when fusion is on.
ACCESS: Agent[Models] = Agent(
    name="access",
    reads=(),
    fused_reads=(EMERGENCY_RESPONSES,),
    handlers={ResponseDecided: on_response},
    outputs=(TRANSPORT_CONTROLS, TRANSPORT_ROAD_STATUS),
    # emergency reads this service's road status: forwarding would make the two wait for each other
    forward_markers=False,
)
