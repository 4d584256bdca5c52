"""A sector's part of the world as one plug-in: what hazards can damage, and what its sensors see.

How to write one
================
Add a module ``services/simulator/sectors/<sector>.py`` (named after the sector) that declares
one ``PLUGIN = SectorPlugin(...)``. The simulator finds every module of that package by itself;
no list names them, and no other file of the simulator changes. A plug-in declares:

- ``sector``: the ``SECTOR`` of the sector's contracts module (``shared.contracts.<sector>``),
  which must exist first (it declares the sector's topics and actions).
- ``exposures``: the assets hazards can damage, one ``Exposure`` per asset kind. ``assets(state)``
  lists the kind's assets in the scenario's cities; ``variables`` computes the variables only
  this kind has (from ``series.state``, the true hourly state; ``Series`` memoises). Kinds are
  the plug-in's own: the sector's rules run over its exposures only, so two sectors may both
  have a ``city`` kind. (``DamageRule.asset`` accepts ``farm``, ``segment``, ``zone``, ``city``
  and ``facility`` today, so a new sector names its kinds among those.)
- ``rules``: the sector's damage rules, each naming one of its kinds in ``asset`` and comparing
  one variable. Those in ``shared/world/damage.yaml`` that name the sector are the plug-in's
  without being listed; a sector whose rules are not in that file declares them here as
  ``CodedRule(rule=DamageRule(...), source="...")``, the source saying where the thresholds and
  shares come from (``(?)`` marks an estimate, as in the file). Rule ids are unique overall.
- ``sensors``: the sector's observations, one ``Sensor`` per kind of sensor: the topic it feeds
  (one of the sector's ``OBSERVATIONS`` topics, marked for the simulator), its stream ``name``
  (unique overall), its place in the hour (``order``; ties go by plug-in name, then declaration;
  existing sensors keep theirs, as the published order follows it), its cadence and
  ``start(run) -> reader``. The reader ``reader(hour, emit)`` derives the readings measured at
  ``hour`` from ``run.state`` and calls ``emit(publish_hour, event)``; ids come from
  ``run.event_id(...)`` and randomness only from ``run.rng`` (the sensor's own stream).
- ``parameters``: the sections of ``observation_model.yaml`` the sensors read, with the pydantic
  model validating each (``run.parameter(name, Model)`` returns it). A new sector may give a
  ``default`` in code instead of adding a section to the file.

A plug-in imports only ``shared.contracts.*``, ``shared.world`` (types and data classes) and this
package (``services.simulator.domain``); it reads no file and calls no loader: the adapter
(``services.simulator.data``) loads the world and the observation model and passes them in.
Everything here is a deterministic function of the scenario and the seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from services.simulator.domain.fields import CityState, WorldState
from services.simulator.domain.impacts import (
    SOURCE,
    Asset,
    Exposure,
    SectorImpacts,
    Series,
    Variable,
)
from services.simulator.domain.observations import (
    Emit,
    ModelSection,
    ObservationModel,
    Reader,
    Sensor,
    SensorNoise,
    SensorRun,
    bind_parameters,
    clip,
    delay,
    gap,
)
from shared.contracts.spec import SectorInfo, TopicRole
from shared.world import DamageRule, World

__all__ = [
    "SOURCE",
    "Asset",
    "CityState",
    "CodedRule",
    "Emit",
    "Exposure",
    "ModelSection",
    "Reader",
    "SectorImpacts",
    "SectorPlugin",
    "Sectors",
    "Sensor",
    "SensorNoise",
    "SensorRun",
    "Series",
    "Variable",
    "WorldState",
    "assemble",
    "clip",
    "delay",
    "gap",
]


@dataclass(frozen=True)
class CodedRule:
    """A damage rule a plug-in declares in code, with where its figures come from."""

    rule: DamageRule
    source: str

    def __post_init__(self) -> None:
        if not self.source.strip():
            raise ValueError(f"rule {self.rule.id}: say where its figures come from (source)")


@dataclass(frozen=True)
class SectorPlugin:
    """One sector's part of the simulated world (see the module doc for how to write one)."""

    sector: SectorInfo
    exposures: tuple[Exposure, ...] = ()
    sensors: tuple[Sensor, ...] = ()
    parameters: tuple[ModelSection, ...] = ()
    rules: tuple[CodedRule, ...] = ()

    def __post_init__(self) -> None:
        for coded in self.rules:
            if coded.rule.sector != self.sector.name:
                raise ValueError(
                    f"{self.sector.name} plug-in: rule {coded.rule.id} is "
                    f"{coded.rule.sector}'s, not this sector's"
                )

    def damage_rules(self, world: World) -> tuple[DamageRule, ...]:
        """The sector's damage rules: the world's rules that name it, then its own."""
        named = tuple(r for r in world.damage.rules if r.sector == self.sector.name)
        return named + tuple(c.rule for c in self.rules)


@dataclass(frozen=True)
class Sectors:
    """The plug-ins of one simulation, put together and checked against each other."""

    impacts: tuple[SectorImpacts, ...]
    #: Every sensor, in the order they read within an hour.
    sensors: tuple[Sensor, ...]
    parameters: dict[str, BaseModel]


def assemble(plugins: Sequence[SectorPlugin], world: World, model: ObservationModel) -> Sectors:
    """Put the plug-ins together; fail on anything two of them claim or none of them covers."""
    sectors = [p.sector.name for p in plugins]
    _unique("sector plug-ins", sectors)
    orphans = sorted({r.id for r in world.damage.rules if r.sector not in sectors})
    if orphans:
        raise ValueError(f"damage rules of sectors without a simulator plug-in: {orphans}")
    impacts = []
    for plugin in plugins:
        name = plugin.sector.name
        kinds = [e.kind for e in plugin.exposures]
        _unique(f"{name} plug-in: asset kinds", kinds)
        rules = plugin.damage_rules(world)
        for rule in rules:
            if rule.asset not in kinds:
                raise ValueError(f"rule {rule.id}: the {name} plug-in has no {rule.asset!r} assets")
        impacts.append(SectorImpacts(sector=name, exposures=plugin.exposures, rules=rules))
        for sensor in plugin.sensors:
            topic = sensor.topic
            if topic.sector != name or topic.role is not TopicRole.OBSERVATIONS:
                raise ValueError(f"sensor {sensor.name}: {topic.name} is not its sector's feed")
            if not topic.marked:
                raise ValueError(f"sensor {sensor.name}: {topic.name} carries no tick markers")
    _unique("damage rule ids", [r.id for i in impacts for r in i.rules])
    # Stable: equal orders keep the plug-ins' order (by name), then their declaration order.
    sensors = tuple(sorted((s for p in plugins for s in p.sensors), key=lambda s: s.order))
    _unique("sensor names", [s.name for s in sensors])
    parameters = bind_parameters(model, [s for p in plugins for s in p.parameters])
    return Sectors(impacts=tuple(impacts), sensors=sensors, parameters=parameters)


def _unique(what: str, names: list[str]) -> None:
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise ValueError(f"{what} declared twice: {twice}")
