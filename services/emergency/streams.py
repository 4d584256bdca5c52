"""Emergency stream adapter: gauges, reports, alarms (and, fused, other sectors) -> both modes.

Out come response levels, evacuations and suspensions; levees are the water sector's and power
lines the energy sector's, so an icing or outage report is an incident here, not a measure.

Own-sector events and the public CMA warnings (every agency receives them: the fair siloed
baseline) go to both models, siloed first. Agriculture advisories and transport road status,
other sectors' data, go to the fused model only; they are ``fused_reads``, so the service
subscribes to them only when its ``fusion`` setting is on (the control run where the multiplier
must be 1.0). Of the advisories and road status only the fused world's events are used: the
siloed world's are skipped.

Road status is read by the same agent as everything else, so a tick's responses are decided
after that tick's road status is in, in the same order on every run. (Transport reads this
service's responses on a side agent that forwards no markers: its main agent never waits for
emergency, so the two services cannot wait for each other.)
"""

from __future__ import annotations

from services.emergency.domain import ResponseModel
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES, AdvisoryIssued
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    EMERGENCY_RESPONSES,
    CitizenReport,
    GaugeReading,
    SafetyAlarm,
)
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatusChanged
from shared.contracts.weather import WEATHER_WARNINGS, WarningIssued
from shared.runtime import Agent, Paired

#: The service's state: the siloed and the fused response model, over one situation ledger.
Models = Paired[ResponseModel]


def on_gauge(models: Models, event: GaugeReading) -> list[Event]:
    """A lake or river level (own sector): both modes decide on it."""
    return models.both(lambda m: m.on_gauge(event))


def on_report(models: Models, event: CitizenReport) -> list[Event]:
    """A citizen report (own sector): both modes decide on it."""
    return models.both(lambda m: m.on_report(event))


def on_alarm(models: Models, event: SafetyAlarm) -> list[Event]:
    """An industrial-safety alarm (own sector): both modes decide on it."""
    return models.both(lambda m: m.on_alarm(event))


def on_warning(models: Models, event: WarningIssued) -> list[Event]:
    """A public CMA warning: both models, siloed first."""
    return models.both(lambda m: m.on_warning(event))


def on_advisory(models: Models, event: AdvisoryIssued) -> list[Event]:
    """An agriculture advisory: the fused model takes the fused world's ones only."""
    if event.sector != "agriculture":
        return []
    return models.fused_world(event, lambda m: m.on_advisory(event))


def on_road_status(models: Models, event: RoadStatusChanged) -> list[Event]:
    """A segment's status: the fused model routes on the fused world's ones only."""
    return models.fused_world(event, lambda m: m.on_road_status(event))


def after_batch(models: Models) -> list[Event]:
    """Decide once on every city the batch's inputs touched (not once per reading)."""
    return models.both(lambda m: m.flush())


def on_tick(models: Models, tick: TickAdvanced) -> list[Event]:
    """The end of a tick moves both modes' clocks: measures whose hold ran out stand down."""
    return models.both(lambda m: m.advance(tick.occurred_at))


#: One ordered stream over the own sector's data, public warnings and, fused, advisories and road
#: status.
RESPOND: Agent[Models] = Agent(
    name="respond",
    reads=(EMERGENCY_OBSERVATIONS, EMERGENCY_REPORTS, EMERGENCY_ALARMS, WEATHER_WARNINGS),
    fused_reads=(AGRICULTURE_ADVISORIES, TRANSPORT_ROAD_STATUS),
    handlers={
        GaugeReading: on_gauge,
        CitizenReport: on_report,
        SafetyAlarm: on_alarm,
        WarningIssued: on_warning,
        AdvisoryIssued: on_advisory,
        RoadStatusChanged: on_road_status,
    },
    after_batch=after_batch,
    on_tick=on_tick,
    outputs=(EMERGENCY_RESPONSES,),
)
