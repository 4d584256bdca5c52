"""The event envelope: frozen, strict, typed, and stable on the wire."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from shared.contracts.envelope import Classification, derived_id
from shared.contracts.weather import StationObservation

T0 = datetime(2020, 7, 8, 6, tzinfo=UTC)


def obs(**kw: object) -> StationObservation:
    fields: dict[str, object] = {
        "occurred_at": T0,
        "source": "test",
        "region": "360100",
        "station_id": "58606",
    }
    fields.update(kw)
    return StationObservation(**fields)  # type: ignore[arg-type]


def test_envelope_fills_type_and_version_from_the_class() -> None:
    event = obs()
    assert event.event_type == "StationObservation"
    assert event.schema_version == 1
    assert event.classification is Classification.INTERNAL


def test_events_are_frozen() -> None:
    with pytest.raises(ValidationError):
        obs().region = "360200"  # type: ignore[misc]


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="extra"):
        obs(colour="red")


def test_region_must_be_a_six_digit_gb2260_code() -> None:
    with pytest.raises(ValidationError):
        obs(region="3601")
    with pytest.raises(ValidationError):
        obs(region="nanchang")


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError, match="offset"):
        obs(occurred_at=datetime(2020, 7, 8, 6))


def test_a_mismatched_event_type_is_refused() -> None:
    with pytest.raises(ValidationError, match="event_type"):
        obs(event_type="WarningIssued")


def test_an_unsupported_schema_version_is_refused() -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        obs(schema_version=2)


def test_round_trip_through_bytes_is_lossless() -> None:
    event = obs(rain_mm=12.5, causation_id=derived_id("x"))
    assert StationObservation.model_validate_json(event.to_bytes()) == event


def test_message_key_is_the_region_code() -> None:
    assert obs(region="360400").key == b"360400"


def test_derived_ids_are_deterministic_and_distinct() -> None:
    assert derived_id("a", 1) == derived_id("a", 1)
    assert derived_id("a", 1) != derived_id("a", 2)
