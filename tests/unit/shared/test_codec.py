"""The codec: bytes in, a validated event or a reason out, never an exception."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from shared.codec import MAX_MESSAGE_BYTES, Codec, DecodeFailure, Deduper, dlq_headers
from shared.contracts.weather import WEATHER_OBSERVATIONS, StationObservation

GOOD = StationObservation(
    occurred_at=datetime(2020, 7, 8, tzinfo=UTC), source="t", region="360100", station_id="58606"
)


def codec() -> Codec[StationObservation]:
    return Codec(StationObservation)


def test_a_valid_message_decodes_to_its_event() -> None:
    assert codec().decode(GOOD.to_bytes()) == GOOD


def test_the_topic_registry_gives_the_codec_of_a_topic() -> None:
    assert Codec.for_topic(WEATHER_OBSERVATIONS).decode(GOOD.to_bytes()) == GOOD


def test_garbage_bytes_are_reported_as_not_json() -> None:
    result = codec().decode(b"\x00\xffnot json")
    assert isinstance(result, DecodeFailure)
    assert result.reason == "not_json"


def test_a_schema_violation_names_the_field() -> None:
    raw = GOOD.to_bytes().replace(b'"region":"360100"', b'"region":"36"')
    result = codec().decode(raw)
    assert isinstance(result, DecodeFailure)
    assert result.reason == "invalid"
    assert "region" in result.detail


def test_an_empty_message_is_a_failure_not_a_crash() -> None:
    assert isinstance(codec().decode(None), DecodeFailure)


def test_an_oversized_message_is_refused_unread() -> None:
    result = codec().decode(b"x" * (MAX_MESSAGE_BYTES + 1))
    assert isinstance(result, DecodeFailure)
    assert result.reason == "too_large"


def test_dlq_headers_say_where_the_message_came_from_and_why() -> None:
    headers = dict(
        dlq_headers(
            failure=DecodeFailure("invalid", "region: bad"),
            service="weather",
            topic="weather.observations.v1",
            partition=2,
            offset=41,
        )
    )
    assert headers["dlq.reason"] == b"invalid"
    assert headers["dlq.topic"] == b"weather.observations.v1"
    assert headers["dlq.offset"] == b"41"


def test_deduper_passes_an_id_once() -> None:
    d = Deduper(capacity=1000)
    a = uuid.uuid4()
    assert d.first_time(a)
    assert not d.first_time(a)


def test_deduper_forgets_the_oldest_beyond_its_capacity() -> None:
    d = Deduper(capacity=1000)
    ids = [uuid.uuid4() for _ in range(1001)]
    for i in ids:
        d.first_time(i)
    assert len(d) == 1000
    assert d.first_time(ids[0])  # forgotten, so seen "again" for the first time
    assert not d.first_time(ids[-1])


class _Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_deduper_forgets_ids_older_than_its_age_whatever_their_count() -> None:
    clock = _Clock()
    d = Deduper(capacity=1000, max_age_s=60, clock=clock)
    old = [uuid.uuid4() for _ in range(10)]
    for i in old:
        d.first_time(i)
    clock.now += 59
    fresh = uuid.uuid4()
    d.first_time(fresh)
    assert len(d) == 11  # nothing is 60 s old yet
    assert not d.first_time(old[0])  # a duplicate within the age: skipped (and seen again now)
    clock.now += 2  # old[1:] are 61 s old, old[0] was seen again 2 s ago
    assert len(d) == 2
    assert d.first_time(old[1])  # forgotten: it counts as new
    assert not d.first_time(fresh)
    assert not d.first_time(old[0])


def test_a_deduper_without_an_age_keeps_ids_until_its_count_is_reached() -> None:
    clock = _Clock()
    d = Deduper(capacity=1000, clock=clock)
    a = uuid.uuid4()
    d.first_time(a)
    clock.now += 10**9
    assert not d.first_time(a)


def test_loaded_ids_age_from_the_load() -> None:
    clock = _Clock()
    first = Deduper(capacity=1000, max_age_s=60, clock=clock)
    ids = [uuid.uuid4() for _ in range(5)]
    for i in ids:
        first.first_time(i)
    clock.now += 50
    second = Deduper(capacity=1000, max_age_s=60, clock=clock)
    second.load(first.export())
    clock.now += 30  # 80 s after they were first seen, 30 s after the load
    assert len(second) == 5
    assert not second.first_time(ids[0])
