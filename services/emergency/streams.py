"""Emergency stream adapter: gauges, reports, alarms (and, fused, other sectors) -> both modes.

Own-sector events go to both models. Weather warnings, agriculture advisories and transport road
status go to the fused model only, and the service subscribes to them only when its ``fusion``
setting is on (the control run where the multiplier must be 1.0). Of the advisories and road
status only the fused world's events are used (and counted): the siloed world's are not read.

Road status is read by a second agent: the transport service reads this service's responses, so
if one agent waited for both, the two services' tick markers would wait for each other forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.emergency.domain import EmergencyDesk, load_rules
from shared import metrics
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    EMERGENCY_RESPONSES,
    CitizenReport,
    GaugeReading,
    SafetyAlarm,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import TopicSpec
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatusChanged
from shared.contracts.weather import WEATHER_WARNINGS, WarningIssued
from shared.runtime import Outbox, ServiceRuntime
from shared.world import load_world


def desk(runtime: ServiceRuntime) -> EmergencyDesk:
    """The service's two models (state shared by the stream and the HTTP queries)."""
    found = runtime.state.get("desk")
    if not isinstance(found, EmergencyDesk):
        path = getattr(runtime.settings, "rules_path", None)
        rules = load_rules(path) if path is not None else load_rules()
        found = runtime.state["desk"] = EmergencyDesk(
            fusion=runtime.settings.fusion, world=load_world(), rules=rules
        )
    return found


def input_topics(fusion: bool) -> list[TopicSpec]:
    """What the main agent reads: own sector, plus weather and agriculture when fusion is on."""
    own = [EMERGENCY_OBSERVATIONS, EMERGENCY_REPORTS, EMERGENCY_ALARMS]
    return [*own, WEATHER_WARNINGS, AGRICULTURE_ADVISORIES] if fusion else own


def outbox(events: Iterable[Event]) -> Outbox:
    """Every decision on the responses topic."""
    return [(EMERGENCY_RESPONSES, e) for e in events]


def register(runtime: ServiceRuntime) -> None:
    """Declare the emergency agents."""
    both = desk(runtime)
    from_weather = metrics.CROSS_SECTOR.labels("weather", "emergency")
    from_agriculture = metrics.CROSS_SECTOR.labels("agriculture", "emergency")
    from_transport = metrics.CROSS_SECTOR.labels("transport", "emergency")

    def on_batch(events: Sequence[Event]) -> Outbox:
        decided: list[Event] = []
        weather = agriculture = 0
        for event in events:
            if isinstance(event, GaugeReading | CitizenReport | SafetyAlarm):
                decided += both.on_own(event)
            elif isinstance(event, WarningIssued):
                weather += 1
                decided += both.on_cross(event)
            elif isinstance(event, DecisionMade) and event.mode is Mode.FUSED:
                agriculture += 1
                decided += both.on_cross(event)
        if weather:
            from_weather.inc(weather)
        if agriculture:
            from_agriculture.inc(agriculture)
        return outbox(decided)

    def on_tick(marker: TickAdvanced) -> Outbox:
        return outbox(both.advance(marker.occurred_at))

    def on_road_status(events: Sequence[Event]) -> Outbox:
        used = [e for e in events if isinstance(e, RoadStatusChanged) and e.mode is Mode.FUSED]
        decided: list[Event] = []
        for event in used:
            decided += both.on_cross(event)
        if used:
            from_transport.inc(len(used))
        return outbox(decided)

    fusion = runtime.settings.fusion
    runtime.handle(
        input_topics(fusion),
        on_batch,
        name="respond",
        outputs=[EMERGENCY_RESPONSES],
        on_tick=on_tick,
    )
    if fusion:
        runtime.handle([TRANSPORT_ROAD_STATUS], on_road_status, name="roads")
