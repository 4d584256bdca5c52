"""What a contracts module declares: its topics, and (for a sector) the sector itself.

Every module of ``shared.contracts`` that owns topics lists them in ``TOPICS``; a sector's
module also declares ``SECTOR`` (its name, its labels and the protective actions it decides).
``shared.contracts.topics`` discovers these declarations, so adding a sector adds one module
and edits no registry. Everything that needs "every sector" or "every decision topic" (the
referee, the dashboard, the operator's tools) derives it from them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator

from shared.contracts.envelope import Classification, Event

DLQ_SUFFIX = ".dlq"

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_ACTION = re.compile(r"^[a-z][a-z0-9_]{0,47}$")


class TopicRole(StrEnum):
    """What a topic carries, which tells every generic reader whether it concerns it."""

    #: A sector's own raw data (the simulator's sensors and the sector's ingestion API).
    OBSERVATIONS = "observations"
    #: Public warnings every agency receives (CMA warning signals).
    WARNINGS = "warnings"
    #: Siloed and fused decisions (``DecisionMade``), which the referee scores.
    DECISIONS = "decisions"
    #: A sector's published state that others may fuse (road status, say).
    STATUS = "status"
    #: Ground truth: the referee's only.
    TRUTH = "truth"
    #: The simulated clock and the services' watermarks.
    CLOCK = "clock"
    #: The referee's scores.
    SCORES = "scores"


@dataclass(frozen=True)
class TopicSpec:
    """A topic: its name parts, the event model on it, its data grade and its role."""

    sector: str
    event: str
    version: int
    model: type[Event]
    classification: Classification
    role: TopicRole
    partitions: int = 4
    #: The simulator feeds this topic (a sector's observations, or the truth) and writes its
    #: in-band tick markers into every partition of it.
    marked: bool = False
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        for part in (self.sector, self.event):
            if not part or not all(c.islower() or c.isdigit() or c == "-" for c in part):
                raise ValueError(f"topic part {part!r} must be lower-case, digits or '-'")
        if self.version < 1:
            raise ValueError("topic version starts at 1")
        if self.marked and self.role not in (TopicRole.OBSERVATIONS, TopicRole.TRUTH):
            raise ValueError(f"{self.name}: only the simulator's feeds carry the clock's markers")

    @property
    def name(self) -> str:
        """The Kafka topic name."""
        return f"{self.sector}.{self.event}.v{self.version}"

    @property
    def dlq(self) -> str:
        """The dead-letter topic for messages on this topic that fail decoding or handling."""
        return self.name + DLQ_SUFFIX


@dataclass(frozen=True)
class ActionInfo:
    """A protective action a sector decides, with its labels (the referee matches on it)."""

    name: str
    label_zh: str
    label_en: str

    def __post_init__(self) -> None:
        if not _ACTION.match(self.name):
            raise ValueError(f"action name {self.name!r} must be snake_case")


@dataclass(frozen=True)
class SectorInfo:
    """One of the plan's sectors: its name, its labels, its colour and the actions it decides."""

    name: str
    label_zh: str
    label_en: str
    #: The sector's colour on the dashboard (a CSS colour).
    colour: str
    actions: tuple[ActionInfo, ...] = ()
    #: The plan's section that names it (for example "二.2"), for the README's table.
    plan_section: str = ""

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"sector name {self.name!r} must be lower-case letters and '-'")
        names = [a.name for a in self.actions]
        if len(names) != len(set(names)):
            raise ValueError(f"sector {self.name}: an action is declared twice")


def actions_of(enum: type[StrEnum], labels: dict[str, tuple[str, str]]) -> tuple[ActionInfo, ...]:
    """The ``ActionInfo`` of every member of a sector's action enum, with its (zh, en) labels."""
    missing = {m.value for m in enum} - set(labels)
    if missing:
        raise ValueError(f"{enum.__name__}: no labels for {sorted(missing)}")
    return tuple(ActionInfo(m.value, *labels[m.value]) for m in enum)


def _known_sector(value: str) -> str:
    from shared.contracts.topics import SECTORS

    if value not in SECTORS:
        raise ValueError(f"unknown sector {value!r}; known: {', '.join(sorted(SECTORS))}")
    return value


def _known_action(value: str) -> str:
    from shared.contracts.topics import ACTIONS

    if value not in ACTIONS:
        raise ValueError(f"unknown protective action {value!r}")
    return value


#: The name of a registered sector (validated against the discovered ``SECTOR`` declarations).
SectorName = Annotated[str, AfterValidator(_known_sector)]
#: The name of a protective action some registered sector declares.
ActionName = Annotated[str, AfterValidator(_known_action)]
