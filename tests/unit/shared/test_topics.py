"""The topic registry: the one place topic names are written."""

from __future__ import annotations

import re
import subprocess

import pytest

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import TopicRole, TopicSpec
from shared.contracts.topics import (
    ACTIONS,
    REGISTRY,
    SECTORS,
    all_topic_names,
    by_name,
    by_role,
    contract_modules,
)
from shared.settings import PROJECT_ROOT

NAME = re.compile(r"^[a-z0-9-]+\.[a-z0-9-]+\.v\d+$")


def test_every_registered_name_follows_sector_event_version() -> None:
    for name, spec in REGISTRY.items():
        assert NAME.match(name), name
        assert spec.name == name
        assert spec.dlq == name + ".dlq"


def test_every_topic_carries_an_event_model() -> None:
    for spec in REGISTRY.values():
        assert issubclass(spec.model, Event)


def test_all_topic_names_include_the_dead_letter_topics() -> None:
    names = all_topic_names()
    assert len(names) == 2 * len(REGISTRY)
    assert all(n + ".dlq" in names for n in REGISTRY)


def test_an_unknown_topic_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="registered topics"):
        by_name("weather.nope.v1")


def test_bad_topic_parts_are_refused() -> None:
    with pytest.raises(ValueError):
        TopicSpec("Weather", "obs", 1, Event, Classification.PUBLIC, TopicRole.OBSERVATIONS)
    with pytest.raises(ValueError):
        TopicSpec("weather", "obs", 0, Event, Classification.PUBLIC, TopicRole.OBSERVATIONS)
    with pytest.raises(ValueError, match="markers"):
        TopicSpec("weather", "w", 1, Event, Classification.PUBLIC, TopicRole.DECISIONS, marked=True)


def test_topics_and_sectors_are_discovered_from_the_contracts_modules() -> None:
    """Every module that declares TOPICS or SECTOR is registered; nothing lists them by hand."""
    declared = {s.name for m in contract_modules() for s in getattr(m, "TOPICS", ())}
    assert declared == set(REGISTRY)
    assert set(SECTORS) == {m.SECTOR.name for m in contract_modules() if hasattr(m, "SECTOR")}
    for spec in REGISTRY.values():
        assert spec.sector in SECTORS or spec.sector in {"simulator", "referee"}, spec.name
    # the simulator marks exactly what it feeds: every observation topic and the truth
    marked = {s.name for s in by_role(TopicRole.OBSERVATIONS, TopicRole.TRUTH)}
    assert {s.name for s in REGISTRY.values() if s.marked} == marked
    # every decision topic carries a DecisionMade, and every action has one deciding sector
    for spec in by_role(TopicRole.DECISIONS):
        assert issubclass(spec.model, DecisionMade), spec.name
    assert {a.name: s.name for s in SECTORS.values() for a in s.actions} == ACTIONS


def test_an_unknown_sector_or_action_is_refused_in_a_decision() -> None:
    from pydantic import ValidationError

    from tests.factories.referee import decision

    decision("k")  # the factory's defaults are valid
    with pytest.raises(ValidationError, match="unknown sector"):
        decision("k", sector="astrology")
    with pytest.raises(ValidationError, match="unknown protective action"):
        decision("k", action="pray")


def test_no_service_writes_a_topic_name_as_a_literal() -> None:
    """Topic names appear only in the contracts modules, never as strings in services."""
    names = [n for n in REGISTRY]
    pattern = "|".join(re.escape(f'"{n}"') for n in names)
    out = subprocess.run(
        ["grep", "-rnE", pattern, "services", "shared", "--include=*.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    offenders = [line for line in out.stdout.splitlines() if "shared/contracts/" not in line]
    assert offenders == []
