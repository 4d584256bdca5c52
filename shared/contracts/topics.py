"""The topic registry, discovered from the contracts modules: the one place topics are looked up.

Names follow ``<sector>.<event>.v<N>``; every topic has a dead-letter twin ``<name>.dlq``. Each
module of this package that owns topics lists them in ``TOPICS`` (and a sector's module declares
``SECTOR``); this module imports them all, so a new sector's contracts module is registered by
being there. Services refer to topics through the constants of the module that owns them, never
through string literals.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import shared.contracts as _package
from shared.contracts.spec import DLQ_SUFFIX, SectorInfo, TopicRole, TopicSpec

__all__ = [
    "ACTIONS",
    "DLQ_SUFFIX",
    "REFEREE_ONLY",
    "REGISTRY",
    "SECTORS",
    "STATE_TOPIC_CONFIG",
    "TopicRole",
    "TopicSpec",
    "all_topic_names",
    "by_name",
    "by_role",
    "contract_modules",
    "sector_of",
    "state_topic",
]

#: Modules of the package that declare nothing (the building blocks the others use).
_BUILDING_BLOCKS = frozenset({"envelope", "spec", "topics", "decisions"})


def contract_modules() -> list[ModuleType]:
    """Every contracts module that may declare topics or a sector, in name order."""
    return [
        importlib.import_module(f"{_package.__name__}.{info.name}")
        for info in sorted(pkgutil.iter_modules(_package.__path__), key=lambda i: i.name)
        if info.name not in _BUILDING_BLOCKS and not info.name.startswith("_")
    ]


def _discover() -> tuple[dict[str, TopicSpec], dict[str, SectorInfo]]:
    topics: dict[str, TopicSpec] = {}
    sectors: dict[str, SectorInfo] = {}
    for module in contract_modules():
        sector = getattr(module, "SECTOR", None)
        if sector is not None:
            if not isinstance(sector, SectorInfo):
                raise TypeError(f"{module.__name__}.SECTOR is not a SectorInfo")
            if sector.name in sectors:
                raise ValueError(f"sector {sector.name!r} is declared twice")
            sectors[sector.name] = sector
        for spec in getattr(module, "TOPICS", ()):
            if not isinstance(spec, TopicSpec):
                raise TypeError(f"{module.__name__}.TOPICS holds {spec!r}, not a TopicSpec")
            if spec.name in topics:
                raise ValueError(f"topic {spec.name} is declared twice")
            topics[spec.name] = spec
    actions = [a.name for s in sectors.values() for a in s.actions]
    twice = {a for a in actions if actions.count(a) > 1}
    if twice:
        raise ValueError(f"protective actions declared by two sectors: {sorted(twice)}")
    return topics, sectors


#: Every topic, by name.
REGISTRY: dict[str, TopicSpec]
#: Every sector, by name, in name order.
SECTORS: dict[str, SectorInfo]
REGISTRY, SECTORS = _discover()

#: Every protective action a sector declares, with the sector that decides it.
ACTIONS: dict[str, str] = {a.name: s.name for s in SECTORS.values() for a in s.actions}

#: Topics that only the referee may consume (ground truth); no sector service subscribes.
REFEREE_ONLY: frozenset[str] = frozenset(
    name for name, spec in REGISTRY.items() if spec.role is TopicRole.TRUTH
)


def by_name(name: str) -> TopicSpec:
    """Look a topic up by name, with a clear error for an unknown one."""
    try:
        return REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY))
        raise KeyError(f"unknown topic {name!r}; registered topics: {known}") from None


def by_role(*roles: TopicRole) -> tuple[TopicSpec, ...]:
    """The topics with any of these roles, in name order."""
    return tuple(REGISTRY[n] for n in sorted(REGISTRY) if REGISTRY[n].role in roles)


def sector_of(name: str) -> SectorInfo:
    """A sector by name, with a clear error for an unknown one."""
    try:
        return SECTORS[name]
    except KeyError:
        known = ", ".join(SECTORS)
        raise KeyError(f"unknown sector {name!r}; known sectors: {known}") from None


def all_topic_names(*, with_dlq: bool = True) -> list[str]:
    """Every registered topic name, and optionally their dead-letter topics."""
    names = sorted(REGISTRY)
    if with_dlq:
        names += [REGISTRY[n].dlq for n in sorted(REGISTRY)]
    return names


#: Topic configuration of a service's state topic (``shared.runtime.durable``): one key,
#: compacted soon, and room for a whole service's compressed state in one record.
STATE_TOPIC_CONFIG: dict[str, str] = {
    "cleanup.policy": "compact",
    "max.message.bytes": str(16 * 1024 * 1024),
    "segment.ms": str(10 * 60 * 1000),
    "min.cleanable.dirty.ratio": "0.1",
}


def state_topic(group: str) -> str:
    """The topic of one service's state snapshots in one system: ``<group>.state.v1``.

    ``group`` is the service's consumer group (``<prefix>-<service>``), so two systems sharing
    a cluster (a demo and the tests, say) keep their states apart as they keep their offsets.
    """
    return f"{group}.state.v1"
