"""Transport stream adapter: detectors (and, fused, weather, emergency) -> both modes -> controls.

Detector readings go to both models. Weather warnings and forecasts, and the emergency service's
fused dispatches (access requests), go to the fused model only, and the service subscribes to
them only when its ``fusion`` setting is on (the control run where the multiplier must be 1.0).

Emergency responses are read by a second agent: the emergency service routes on this service's
road status, so if one agent waited for both, the two services' tick markers would wait for each
other forever.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from services.transport.domain import TransportDesk, load_rules
from shared import metrics
from shared.contracts.emergency import EMERGENCY_RESPONSES, ResponseDecided
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.spec import TopicSpec
from shared.contracts.transport import (
    TRANSPORT_CONTROLS,
    TRANSPORT_OBSERVATIONS,
    TRANSPORT_ROAD_STATUS,
    RoadControlApplied,
    RoadObservation,
    RoadStatusChanged,
)
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Outbox, ServiceRuntime
from shared.world import load_world

#: Where each kind of output goes.
_OUTPUT_TOPIC: dict[type[Event], TopicSpec] = {
    RoadControlApplied: TRANSPORT_CONTROLS,
    RoadStatusChanged: TRANSPORT_ROAD_STATUS,
}


def desk(runtime: ServiceRuntime) -> TransportDesk:
    """The service's two models (state shared by the stream and the HTTP queries)."""
    found = runtime.state.get("desk")
    if not isinstance(found, TransportDesk):
        path = getattr(runtime.settings, "rules_path", None)
        rules = load_rules(path) if path is not None else load_rules()
        found = runtime.state["desk"] = TransportDesk(
            fusion=runtime.settings.fusion, world=load_world(), rules=rules
        )
    return found


def input_topics(fusion: bool) -> list[TopicSpec]:
    """What the main agent reads: own detectors, plus weather when fusion is on."""
    own = [TRANSPORT_OBSERVATIONS]
    return [*own, WEATHER_WARNINGS, WEATHER_FORECASTS] if fusion else own


def outbox(events: Iterable[Event]) -> Outbox:
    """Each decision or status change with its topic."""
    return [(_OUTPUT_TOPIC[type(e)], e) for e in events]


def register(runtime: ServiceRuntime) -> None:
    """Declare the transport agents."""
    both = desk(runtime)
    from_weather = metrics.CROSS_SECTOR.labels("weather", "transport")
    from_emergency = metrics.CROSS_SECTOR.labels("emergency", "transport")

    def on_batch(events: Sequence[Event]) -> Outbox:
        decided: list[Event] = []
        cross = 0
        for event in events:
            if isinstance(event, RoadObservation):
                decided += both.on_own(event)
            elif isinstance(event, WarningIssued | ForecastIssued):
                cross += 1
                decided += both.on_cross(event)
        if cross:
            from_weather.inc(cross)
        return outbox(decided)

    def on_tick(marker: TickAdvanced) -> Outbox:
        return outbox(both.advance(marker.occurred_at))

    def on_requests(events: Sequence[Event]) -> Outbox:
        decided: list[Event] = []
        # only the fused world's dispatches concern the fused model; the siloed ones are not read
        used = [e for e in events if isinstance(e, ResponseDecided) and e.mode is Mode.FUSED]
        for event in used:
            decided += both.on_cross(event)
        if used:
            from_emergency.inc(len(used))
        return outbox(decided)

    fusion = runtime.settings.fusion
    runtime.handle(
        input_topics(fusion),
        on_batch,
        name="control",
        outputs=[TRANSPORT_CONTROLS, TRANSPORT_ROAD_STATUS],
        on_tick=on_tick,
    )
    if fusion:
        runtime.handle([EMERGENCY_RESPONSES], on_requests, name="access")
