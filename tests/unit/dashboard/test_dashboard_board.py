"""The dashboard's board: what the page shows, aggregated and public-grade only."""

from __future__ import annotations

import json
from datetime import timedelta

from shared.contracts.envelope import Mode
from tests.factories.dashboard import (
    JINGDEZHEN,
    T0,
    board,
    city,
    decision,
    rain_warnings,
    tick,
)


def test_a_red_rainstorm_colours_its_city_and_a_cancel_clears_it() -> None:
    b = board()
    warnings = rain_warnings(JINGDEZHEN, [40, 40, 40] + [0] * 30)
    for w in warnings:
        b.on_warning(w)
        if w.alert.msg_type != "Cancel":
            assert city(b.snapshot(), JINGDEZHEN)["colour"] == w.colour.value
    assert "red" in {w.colour.value for w in warnings}
    assert warnings[-1].alert.msg_type == "Cancel"
    assert city(b.snapshot(), JINGDEZHEN)["colour"] is None


def test_only_aggregated_public_data_reaches_the_page() -> None:
    b = board()
    b.on_decision(decision(Mode.FUSED, ("weather",)))
    text = json.dumps(b.snapshot())
    for private in ("360200-early_rice", "secret farm detail", "1500000", "9000000"):
        assert private not in text


def test_cross_sector_flows_count_the_fused_decisions_that_used_them() -> None:
    b = board()
    b.on_decision(decision(Mode.FUSED, ("weather",)))
    b.on_decision(decision(Mode.FUSED, ("weather",)))
    b.on_decision(decision(Mode.SILOED))
    assert b.snapshot()["flows"] == [{"source": "weather", "target": "agriculture", "decisions": 2}]


def test_a_new_run_starts_from_a_clean_map() -> None:
    b = board()
    b.on_tick(tick(0, run_id="fog-expressway-s7"))
    for w in rain_warnings(JINGDEZHEN, [40, 40, 40], start=T0 - timedelta(days=30)):
        b.on_warning(w)
    assert city(b.snapshot(), JINGDEZHEN)["colour"] == "red"
    b.on_tick(tick(0))
    assert city(b.snapshot(), JINGDEZHEN)["colour"] is None
    clock = b.snapshot()["clock"]
    assert isinstance(clock, dict) and clock["run_id"] == "poyang-flood-2020-s7"


def test_the_version_moves_whenever_the_page_must_redraw() -> None:
    b = board()
    before = b.version
    b.on_tick(tick(0))
    assert b.version > before
    same = b.version
    b.on_tick(tick(0))  # the same tick again (another partition's marker) changes nothing
    assert b.version == same
