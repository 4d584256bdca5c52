"""The topic registry: the one place topic names are written.

Names follow ``<sector>.<event>.v<N>``; every topic has a dead-letter twin ``<name>.dlq``.
Services refer to topics through the constants here, never through string literals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from shared.contracts.agriculture import AdvisoryIssued
from shared.contracts.emergency import ResponseDecided
from shared.contracts.envelope import Classification, Event
from shared.contracts.referee import ScoresPublished
from shared.contracts.simulator import (
    CitizenReport,
    FarmObservation,
    ForecastIssued,
    GaugeReading,
    HazardOccurred,
    ImpactOccurred,
    RoadObservation,
    SafetyAlarm,
    StationObservation,
    TickAdvanced,
    WatermarkReported,
)
from shared.contracts.transport import RoadControlApplied, RoadStatusChanged
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
    sector="weather",
    event="observations",
    version=1,
    model=StationObservation,
    classification=Classification.INTERNAL,
    description="Hourly weather-station readings (simulator and the ingestion API)",
)
WEATHER_FORECASTS = TopicSpec(
    sector="weather",
    event="forecasts",
    version=1,
    model=ForecastIssued,
    classification=Classification.INTERNAL,
    description="Numerical forecast output per city",
)
WEATHER_WARNINGS = TopicSpec(
    sector="weather",
    event="warnings",
    version=1,
    model=WarningIssued,
    classification=Classification.PUBLIC,
    description="CMA warning signals as CAP 1.2 alerts (Alert/Update/Cancel)",
)
AGRICULTURE_OBSERVATIONS = TopicSpec(
    sector="agriculture",
    event="observations",
    version=1,
    model=FarmObservation,
    classification=Classification.INTERNAL,
    description="Farm field-sensor readings: soil moisture, canopy temperature, crop stress",
)
AGRICULTURE_ADVISORIES = TopicSpec(
    sector="agriculture",
    event="advisories",
    version=1,
    model=AdvisoryIssued,
    classification=Classification.INTERNAL,
    description="Crop-risk advisories to a city's farms, siloed and fused (and their lifting)",
)
TRANSPORT_OBSERVATIONS = TopicSpec(
    sector="transport",
    event="observations",
    version=1,
    model=RoadObservation,
    classification=Classification.INTERNAL,
    description="Expressway detectors: speed, volume, road-surface temperature, visibility",
)
EMERGENCY_OBSERVATIONS = TopicSpec(
    sector="emergency",
    event="observations",
    version=1,
    model=GaugeReading,
    classification=Classification.INTERNAL,
    description="Poyang Lake and river gauge water levels (Wusong datum)",
)
EMERGENCY_REPORTS = TopicSpec(
    sector="emergency",
    event="reports",
    version=1,
    model=CitizenReport,
    classification=Classification.SENSITIVE,
    description="Citizen reports (12345 hotline): early, noisy, sometimes wrong",
)
EMERGENCY_ALARMS = TopicSpec(
    sector="emergency",
    event="alarms",
    version=1,
    model=SafetyAlarm,
    classification=Classification.SENSITIVE,
    description="Industrial-safety monitoring alarms (mines, hazardous chemicals, fireworks)",
)
TRANSPORT_CONTROLS = TopicSpec(
    sector="transport",
    event="controls",
    version=1,
    model=RoadControlApplied,
    classification=Classification.INTERNAL,
    description="Road controls per expressway segment (siloed and fused decisions)",
)
TRANSPORT_ROAD_STATUS = TopicSpec(
    sector="transport",
    event="road-status",
    version=1,
    model=RoadStatusChanged,
    classification=Classification.PUBLIC,
    description="Open/restricted/closed per segment and mode; the emergency service routes on it",
)
EMERGENCY_RESPONSES = TopicSpec(
    sector="emergency",
    event="responses",
    version=1,
    model=ResponseDecided,
    classification=Classification.INTERNAL,
    description="Response levels, pre-positioning, evacuations per city (siloed and fused)",
)
SIMULATOR_TRUTH = TopicSpec(
    sector="simulator",
    event="truth",
    version=1,
    model=ImpactOccurred,
    classification=Classification.IMPORTANT,
    description="Ground-truth impacts with yuan cost and mitigations; read by the referee only",
)
SIMULATOR_HAZARDS = TopicSpec(
    sector="simulator",
    event="hazards",
    version=1,
    model=HazardOccurred,
    classification=Classification.IMPORTANT,
    description="Ground-truth hazard episodes per city; read by the referee only",
)
# The clock's topics have one partition: every event is province-wide and order is the point.
SIMULATOR_TICKS = TopicSpec(
    sector="simulator",
    event="ticks",
    version=1,
    model=TickAdvanced,
    classification=Classification.INTERNAL,
    partitions=1,
    description="The simulated clock: one event per finished tick",
)
SIMULATOR_WATERMARKS = TopicSpec(
    sector="simulator",
    event="watermarks",
    version=1,
    model=WatermarkReported,
    classification=Classification.INTERNAL,
    partitions=1,
    description="Each service reports the last tick it fully processed",
)
REFEREE_SCORES = TopicSpec(
    sector="referee",
    event="scores",
    version=1,
    model=ScoresPublished,
    classification=Classification.PUBLIC,
    partitions=1,  # one province-wide stream of score snapshots, in tick order
    description="Scores per sector and mode after each completed tick (aggregates only)",
)

#: Topics that only the referee may consume (ground truth); no sector service subscribes.
REFEREE_ONLY: frozenset[str] = frozenset({SIMULATOR_TRUTH.name, SIMULATOR_HAZARDS.name})

#: Every topic, by name.
REGISTRY: dict[str, TopicSpec] = {
    spec.name: spec
    for spec in (
        WEATHER_OBSERVATIONS,
        WEATHER_FORECASTS,
        WEATHER_WARNINGS,
        AGRICULTURE_OBSERVATIONS,
        AGRICULTURE_ADVISORIES,
        TRANSPORT_OBSERVATIONS,
        EMERGENCY_OBSERVATIONS,
        EMERGENCY_REPORTS,
        EMERGENCY_ALARMS,
        TRANSPORT_CONTROLS,
        TRANSPORT_ROAD_STATUS,
        EMERGENCY_RESPONSES,
        SIMULATOR_TRUTH,
        SIMULATOR_HAZARDS,
        SIMULATOR_TICKS,
        SIMULATOR_WATERMARKS,
        REFEREE_SCORES,
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
