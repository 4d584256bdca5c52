"""The topic registry: the one place topic names are written."""

from __future__ import annotations

import re
import subprocess

import pytest

from shared.contracts.envelope import Classification, Event
from shared.contracts.topics import REGISTRY, TopicSpec, all_topic_names, by_name
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
        TopicSpec("Weather", "obs", 1, Event, Classification.PUBLIC)
    with pytest.raises(ValueError):
        TopicSpec("weather", "obs", 0, Event, Classification.PUBLIC)


def test_no_service_writes_a_topic_name_as_a_literal() -> None:
    """Topic names appear only in the registry, never as strings in services."""
    names = [n for n in REGISTRY]
    pattern = "|".join(re.escape(f'"{n}"') for n in names)
    out = subprocess.run(
        ["grep", "-rnE", pattern, "services", "shared", "--include=*.py"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    offenders = [line for line in out.stdout.splitlines() if "contracts/topics.py" not in line]
    assert offenders == []
