"""The topic registry: the one place topic names are written.

Names follow ``<sector>.<event>.v<N>``; every topic has a dead-letter twin ``<name>.dlq``.
Services refer to topics through the constants here, never through string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.contracts.envelope import Classification, Event
from shared.contracts.simulator import ForecastIssued, StationObservation
from shared.contracts.weather import WarningIssued

DLQ_SUFFIX = ".dlq"


@dataclass(frozen=True)
class TopicSpec:
    """A topic: its name parts, the event model on it, and its data grade."""

    sector: str
    event: str
    version: int
    model: type[Event]
    classification: Classification
    partitions: int = 4
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for part in (self.sector, self.event):
            if not part or not all(c.islower() or c.isdigit() or c == "-" for c in part):
                raise ValueError(f"topic part {part!r} must be lower-case, digits or '-'")
        if self.version < 1:
            raise ValueError("topic version starts at 1")

    @property
    def name(self) -> str:
        """The Kafka topic name."""
        return f"{self.sector}.{self.event}.v{self.version}"

    @property
    def dlq(self) -> str:
        """The dead-letter topic for messages on this topic that fail decoding or validation."""
        return self.name + DLQ_SUFFIX


WEATHER_OBSERVATIONS = TopicSpec(
    "weather", "observations", 1, StationObservation, Classification.INTERNAL,
    description="Hourly weather-station readings (simulator and the ingestion API)",
)
WEATHER_FORECASTS = TopicSpec(
    "weather", "forecasts", 1, ForecastIssued, Classification.INTERNAL,
    description="Numerical forecast output per city",
)
WEATHER_WARNINGS = TopicSpec(
    "weather", "warnings", 1, WarningIssued, Classification.PUBLIC,
    description="CMA warning signals as CAP 1.2 alerts (Alert/Update/Cancel)",
)

#: Every topic, by name.
REGISTRY: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        WEATHER_OBSERVATIONS,
        WEATHER_FORECASTS,
        WEATHER_WARNINGS,
    )
}


def by_name(name: str) -> TopicSpec:
    """Look a topic up by name, with a clear error for an unknown one."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown topic {name!r}; registered topics: {known}") from None


def all_topic_names(*, with_dlq: bool = True) -> list[str]:
    """Every registered topic name, and optionally their dead-letter topics."""
    names = sorted(REGISTRY)
    if with_dlq:
        names += [REGISTRY[n].dlq for n in sorted(REGISTRY)]
    return names
