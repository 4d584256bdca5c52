"""Agriculture stream adapter: farm readings (and, fused, weather) -> both models -> advisories.

Every farm reading goes to both models; warnings and forecasts go to the fused model only, and
only when the service's ``fusion`` setting is on (otherwise the service does not even subscribe
to them, which is the control run where the multiplier must come out at 1.0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.agriculture.domain import AgricultureModel, load_crop_rules
from shared import metrics
from shared.contracts.agriculture import (
    AGRICULTURE_ADVISORIES,
    AGRICULTURE_OBSERVATIONS,
    FarmObservation,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.spec import TopicSpec
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    WarningIssued,
)
from shared.runtime import Outbox, ServiceRuntime
from shared.world import load_world


@dataclass(frozen=True)
class Models:
    """The service's two models: same code, siloed and fused inputs."""

    siloed: AgricultureModel
    fused: AgricultureModel

    def of(self, mode: Mode) -> AgricultureModel:
        """The model of one mode."""
        return self.siloed if mode is Mode.SILOED else self.fused


def models(runtime: ServiceRuntime) -> Models:
    """The service's models (state shared by the stream and the HTTP queries)."""
    found = runtime.state.get("models")
    if not isinstance(found, Models):
        path = getattr(runtime.settings, "rules_path", None)
        rules = load_crop_rules(path) if path is not None else load_crop_rules()
        world = load_world()
        found = runtime.state["models"] = Models(
            siloed=AgricultureModel(mode=Mode.SILOED, rules=rules, world=world),
            fused=AgricultureModel(mode=Mode.FUSED, rules=rules, world=world),
        )
    return found


def input_topics(fusion: bool) -> list[TopicSpec]:
    """What the service subscribes to: its own sector, plus weather when fusion is on."""
    own = [AGRICULTURE_OBSERVATIONS]
    return [*own, WEATHER_WARNINGS, WEATHER_FORECASTS] if fusion else own


def register(runtime: ServiceRuntime) -> None:
    """Declare the agriculture agent."""
    both = models(runtime)
    weather_to_agriculture = metrics.CROSS_SECTOR.labels("weather", "agriculture")

    def on_batch(events: Sequence[Event]) -> Outbox:
        out: Outbox = []
        cross = 0
        for event in events:
            if isinstance(event, FarmObservation):
                advised = both.siloed.on_farm_observation(event)
                advised += both.fused.on_farm_observation(event)
            elif isinstance(event, WarningIssued):
                cross += 1
                advised = both.fused.on_warning(event)
            elif isinstance(event, ForecastIssued):
                cross += 1
                advised = both.fused.on_forecast(event)
            else:
                continue
            out.extend((AGRICULTURE_ADVISORIES, a) for a in advised)
        if cross:
            weather_to_agriculture.inc(cross)
        return out

    runtime.handle(
        input_topics(runtime.settings.fusion),
        on_batch,
        name="advise",
        outputs=[AGRICULTURE_ADVISORIES],
    )
