"""Raw observations: what each sector's sensors report about the true state, with seeded noise,
gaps (missing fields), losses (missing readings) and delay.

The sensors themselves are declared by the sector plug-ins (``Sensor``); this module runs them
hour by hour and gives them what they share: their random stream, their parameters from
``observation_model.yaml`` and the event-id scheme. Each sensor draws from its own random
stream, seeded from the scenario, the run's seed and the sensor's name, so one sensor's volume
never shifts another's noise.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, RootModel

from services.simulator.domain.fields import WorldState
from services.simulator.domain.scenario import Cadence
from shared.contracts.envelope import Event, derived_id
from shared.contracts.spec import TopicSpec

_M = TypeVar("_M", bound=BaseModel)


#: The section whose ``calibration`` holds only for the forecast it was fitted on.
CALIBRATED = "forecast_probability"
#: The forecast section's fields that set the size of its errors (the rest set the phantom
#: cells' shape): ``varied(forecast_error=k)`` scales these by k.
FORECAST_ERROR_FIELDS = (
    "temp_sd_0",
    "temp_sd_per_day",
    "wind_rel_sd_per_day",
    "vis_log_sd_0",
    "vis_log_sd_per_day",
    "position_km_0",
    "position_km_per_day",
    "timing_h_0",
    "timing_h_per_day",
    "intensity_log_sd_0",
    "intensity_log_sd_per_day",
    "phantom_per_day",
)


class ObservationModel(RootModel[dict[str, dict[str, Any]]]):
    """``observation_model.yaml`` as parsed: its sections by name, each owned by one plug-in.

    A plug-in declares the sections it reads (``ModelSection``) and validates them with its own
    models when a simulation is assembled, so a section no plug-in owns is an error.
    """

    def varied(
        self, *, forecast_error: float = 1.0, sensor_dropout: float = 0.0
    ) -> ObservationModel:
        """The model with its forecast errors scaled and every sensor's loss raised.

        ``forecast_error`` multiplies the size of every forecast error (0 gives perfect
        forecasts: no position, timing or intensity error and no phantom cells); a reading is
        lost with ``1 - (1 - drop_p)(1 - sensor_dropout)``. The defaults return the model as is.
        """
        if forecast_error == 1.0 and sensor_dropout == 0.0:
            return self
        if forecast_error < 0 or not 0 <= sensor_dropout < 1:
            raise ValueError("forecast_error must be >= 0 and sensor_dropout in [0, 1)")
        sections: dict[str, dict[str, Any]] = {}
        for name, section in self.root.items():
            section = dict(section)
            if name == "forecast":
                for key in FORECAST_ERROR_FIELDS:
                    if key in section:
                        section[key] = section[key] * forecast_error
            if name == CALIBRATED and forecast_error != 1.0:
                # Fitted for the unscaled forecast: a scaled one needs its own fit.
                section.pop("calibration", None)
            if "drop_p" in section:
                section["drop_p"] = 1 - (1 - section["drop_p"]) * (1 - sensor_dropout)
            sections[name] = section
        return ObservationModel(sections)

    def with_section(self, name: str, update: dict[str, Any]) -> ObservationModel:
        """The model with keys of section ``name`` replaced (a sweep's own calibration)."""
        sections = {k: dict(v) for k, v in self.root.items()}
        sections[name] = {**sections.get(name, {}), **update}
        return ObservationModel(sections)


class SensorNoise(BaseModel):
    """Loss and delay of one sensor kind, plus its noise parameters."""

    model_config = ConfigDict(frozen=True, extra="allow")

    field_gap_p: float = 0.0
    drop_p: float
    delay_p: float
    delay_max_h: int

    def sd(self, name: str) -> float:
        """A named noise parameter."""
        return float(getattr(self, name))


@dataclass(frozen=True)
class ModelSection:
    """A section of ``observation_model.yaml`` a plug-in reads, and the model that validates it.

    ``default`` serves when the file has no such section: a new sector can ship its parameters
    in code (say where each figure comes from, as the file does) without editing the file.
    """

    name: str
    model: type[BaseModel]
    default: BaseModel | None = None

    def __post_init__(self) -> None:
        if self.default is not None and not isinstance(self.default, self.model):
            raise TypeError(f"section {self.name}: the default is not a {self.model.__name__}")


def bind_parameters(
    model: ObservationModel, sections: Sequence[ModelSection]
) -> dict[str, BaseModel]:
    """Validate every declared section of ``model``; no section may be unowned or owned twice."""
    raw = model.root
    owned = [s.name for s in sections]
    twice = sorted({n for n in owned if owned.count(n) > 1})
    if twice:
        raise ValueError(f"observation model sections declared twice: {twice}")
    unowned = sorted(set(raw) - set(owned))
    if unowned:
        raise ValueError(f"observation model sections no sector plug-in reads: {unowned}")
    out: dict[str, BaseModel] = {}
    for section in sections:
        if section.name in raw:
            out[section.name] = section.model.model_validate(raw[section.name])
        elif isinstance(section.default, section.model):
            out[section.name] = section.default
        else:
            raise ValueError(f"the observation model has no section {section.name!r}")
    return out


#: Hands a reading to the run: ``emit(publish_hour, event)``; the sensor's topic is implied.
Emit = Callable[[int, Event], None]
#: One sensor of one run: ``reader(hour, emit)`` derives the readings measured at ``hour``.
Reader = Callable[[int, Emit], None]


@dataclass(frozen=True)
class SensorRun:
    """What one sensor gets for one run: the true state, its random stream and parameters."""

    state: WorldState
    seed: int
    world_key: str
    #: The sensor's own random stream (draw from nothing else, so streams stay independent).
    rng: random.Random
    parameters: Mapping[str, BaseModel]

    def parameter(self, name: str, kind: type[_M]) -> _M:
        """The validated section ``name`` of the observation model, as a ``kind``."""
        value = self.parameters[name]
        if not isinstance(value, kind):
            raise TypeError(f"observation model section {name!r} is not a {kind.__name__}")
        return value

    def event_id(self, *parts: object) -> uuid.UUID:
        """A reading's id: derived from the world's key, so a replayed world keeps its ids."""
        return derived_id(self.world_key, *parts)


@dataclass(frozen=True)
class Sensor:
    """A kind of sensor a sector has: the topic it feeds, how often and in what order it reads.

    ``name`` names its random stream (unique; changing it changes the noise). Within one hour
    the sensors of every plug-in read in ascending ``order`` (ties: plug-in name order, then
    declaration order): the published order of a tick's events follows it, so an existing
    sensor's order must not change. ``every`` gives the hours between readings from the
    scenario's cadence (``None``: every hour). ``start`` builds the sensor's reader for a run.
    """

    name: str
    topic: TopicSpec
    order: int
    start: Callable[[SensorRun], Reader]
    every: Callable[[Cadence], int] | None = None


def stream(seed: int, scenario: str, name: str) -> random.Random:
    """The random stream of sensor ``name`` in a run of ``scenario`` with ``seed``."""
    return random.Random(f"{scenario}:{seed}:{name}")


def delay(rng: random.Random, noise: SensorNoise) -> int | None:
    """None = lost; otherwise hours of delay (usually 0)."""
    r = rng.random()
    if r < noise.drop_p:
        return None
    if r < noise.drop_p + noise.delay_p:
        return rng.randint(1, noise.delay_max_h)
    return 0


def gap(rng: random.Random, noise: SensorNoise, n_fields: int) -> int:
    """Index of a field to blank out, or -1 (one draw for the whole reading)."""
    if rng.random() < noise.field_gap_p * n_fields:
        return rng.randrange(n_fields)
    return -1


def clip(v: float, lo: float, hi: float) -> float:
    """``v`` limited to ``[lo, hi]``."""
    return lo if v < lo else hi if v > hi else v


class ObservationDeriver:
    """Derives every sector's raw observations from a world state for one seed."""

    def __init__(
        self,
        state: WorldState,
        seed: int,
        world_key: str,
        sensors: Sequence[Sensor],
        parameters: Mapping[str, BaseModel],
    ) -> None:
        cadence = state.scenario.cadence
        self._readers: list[tuple[int, TopicSpec, Reader]] = []
        # Stable: sensors of equal order keep the order they are given in.
        for sensor in sorted(sensors, key=lambda s: s.order):
            run = SensorRun(
                state=state,
                seed=seed,
                world_key=world_key,
                rng=stream(seed, state.scenario.name, sensor.name),
                parameters=parameters,
            )
            every = 1 if sensor.every is None else sensor.every(cadence)
            self._readers.append((every, sensor.topic, sensor.start(run)))

    def emit_hour(self, i: int, emit: Callable[[int, TopicSpec, Event], None]) -> None:
        """Derive every observation measured at hour ``i`` (published at ``i`` + delay)."""
        for every, topic, reader in self._readers:
            if i % every == 0:
                reader(i, _to(topic, emit))


def _to(topic: TopicSpec, emit: Callable[[int, TopicSpec, Event], None]) -> Emit:
    def emit_on_topic(hour: int, event: Event) -> None:
        emit(hour, topic, event)

    return emit_on_topic
