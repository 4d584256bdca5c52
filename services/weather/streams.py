"""Weather stream adapter: observations and forecasts -> warning engine -> warnings."""

from __future__ import annotations

from collections.abc import Sequence

from services.weather.domain import WarningEngine
from shared.contracts.envelope import Event
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    WEATHER_WARNINGS,
    ForecastIssued,
    StationObservation,
)
from shared.runtime import Outbox, ServiceRuntime


def engine(runtime: ServiceRuntime) -> WarningEngine:
    """The service's one warning engine (state shared by the stream and the HTTP queries)."""
    found = runtime.state.get("engine")
    if not isinstance(found, WarningEngine):
        found = runtime.state["engine"] = WarningEngine()
    return found


def register(runtime: ServiceRuntime) -> None:
    """Declare the weather agent: one ordered stream over observations and forecasts."""
    warnings = engine(runtime)

    def on_batch(events: Sequence[Event]) -> Outbox:
        out: Outbox = []
        for event in events:
            if isinstance(event, StationObservation):
                issued = warnings.on_observation(event)
            elif isinstance(event, ForecastIssued):
                issued = warnings.on_forecast(event)
            else:
                continue
            out.extend((WEATHER_WARNINGS, w) for w in issued)
        return out

    def on_tick(tick: TickAdvanced) -> Outbox:
        # The end of a tick moves every city's clock on, so lapsed warnings are cancelled even
        # when a city's stations fall silent.
        return [
            (WEATHER_WARNINGS, w)
            for w in warnings.advance_to(tick.occurred_at, causation_id=tick.event_id)
        ]

    runtime.handle(
        [WEATHER_OBSERVATIONS, WEATHER_FORECASTS],
        on_batch,
        name="warn",
        outputs=[WEATHER_WARNINGS],
        on_tick=on_tick,
    )
