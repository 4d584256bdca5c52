"""Durable state's pure parts: the signed snapshot record, the de-duplication window, counters,
and the log filter that keeps a broker outage from flooding the logs."""

from __future__ import annotations

import logging
from uuid import uuid4

import pytest

from shared import metrics
from shared.codec import Deduper
from shared.logs import RepeatLimit
from shared.runtime.durable import (
    MAX_SNAPSHOT_BYTES,
    Snapshot,
    SnapshotError,
    decode,
    encode,
)

KEY = b"k" * 32


def snap(**body: object) -> Snapshot:
    return Snapshot(
        service="agriculture",
        seq=3,
        positions={("agriculture.observations.v1", 0): 42},
        published={("agriculture.advisories.v1", 1): 7},
        body=dict(body),
    )


def test_a_snapshot_comes_back_as_it_was_written() -> None:
    original = snap(state={"held": [1, 2, 3]}, dedupe=b"\x01" * 32)
    back = decode(encode(original, KEY), KEY)
    assert back == original


def test_a_snapshot_altered_on_the_topic_is_refused_unread() -> None:
    data = bytearray(encode(snap(state="x"), KEY))
    data[-1] ^= 0xFF
    with pytest.raises(SnapshotError, match="signature"):
        decode(bytes(data), KEY)


def test_a_snapshot_signed_under_another_key_is_refused() -> None:
    with pytest.raises(SnapshotError, match="another state key"):
        decode(encode(snap(state="x"), KEY), b"other" * 8)


def test_a_record_that_is_no_snapshot_is_refused() -> None:
    with pytest.raises(SnapshotError, match="unknown format"):
        decode(b'{"event_id": "x"}', KEY)


def test_a_state_too_large_for_the_topic_says_so() -> None:
    import os

    with pytest.raises(SnapshotError, match="more than the state topic takes"):
        encode(snap(state=os.urandom(MAX_SNAPSHOT_BYTES)), KEY)


def test_the_dedupe_window_survives_export_and_load_in_order() -> None:
    ids = [uuid4() for _ in range(5)]
    first = Deduper(capacity=1000)
    for i in ids:
        first.first_time(i)
    second = Deduper(capacity=1000)
    second.load(first.export())
    assert [second.first_time(i) for i in ids] == [False] * 5
    assert second.first_time(uuid4())


def test_a_loaded_window_keeps_only_its_capacity_newest_last() -> None:
    ids = [uuid4() for _ in range(1200)]
    big = Deduper(capacity=5000)
    for i in ids:
        big.first_time(i)
    small = Deduper(capacity=1000)
    small.load(big.export())
    assert len(small) == 1000
    assert not small.first_time(ids[-1])
    assert small.first_time(ids[0])


def test_a_forgotten_id_is_new_again() -> None:
    d = Deduper(capacity=1000)
    event = uuid4()
    assert d.first_time(event)
    d.forget(event)
    assert d.first_time(event)
    assert not d.first_time(event)


def test_counter_values_add_back_onto_a_fresh_process() -> None:
    child = metrics.EVENTS_CONSUMED.labels("durable-test", "t.v1")
    child.inc(5)
    saved = [s for s in metrics.counter_values() if s[1].get("service") == "durable-test"]
    assert saved == [("dex_events_consumed", {"service": "durable-test", "topic": "t.v1"}, 5.0)]
    metrics.restore_counters(saved)
    assert child._value.get() == 10.0  # the 5 it had, and the 5 a restart would add back


def _record(msg: str, name: str = "aiokafka", args: tuple[object, ...] = ()) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, None)


def test_a_client_line_repeated_is_let_through_once_per_interval_with_its_count() -> None:
    limit = RepeatLimit(interval_s=3600)
    first = _record("Unable connect to node %s", args=(1,))
    assert limit.filter(first)
    assert not any(limit.filter(_record("Unable connect to node %s", args=(i,))) for i in range(50))
    limit._last = {k: (v[0] - 7200, v[1]) for k, v in limit._last.items()}  # an hour on
    again = _record("Unable connect to node %s", args=(1,))
    assert limit.filter(again)
    assert "50 more like this" in again.getMessage()


def test_the_projects_own_lines_are_never_held_back() -> None:
    limit = RepeatLimit(interval_s=3600)
    assert all(
        limit.filter(_record("tick %d late", name="services.simulator", args=(i,)))
        for i in range(5)
    )
