"""The dashboard's board: what the page shows, aggregated and public-grade only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from services.dashboard.domain.board import Board, CityRef
from services.weather.domain import WarningEngine
from shared.contracts.agriculture import AgricultureAction, Industry
from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import StationObservation, WarningIssued
from shared.world import load_world

T0 = datetime(2020, 7, 7, tzinfo=UTC)
JINGDEZHEN = "360200"


def board() -> Board:
    return Board([CityRef(c.code, c.name_zh, c.name_en) for c in load_world().cities])


def rain_warnings(region: str, amounts: list[float], start: datetime = T0) -> list[WarningIssued]:
    """Real warnings from the weather engine for hourly rain at one station."""
    engine = WarningEngine()
    out: list[WarningIssued] = []
    for i, mm in enumerate(amounts):
        obs = StationObservation(
            occurred_at=start + timedelta(hours=i + 1), source="t", region=region,
            station_id="58527", rain_mm=mm,
        )  # fmt: skip
        out += engine.on_observation(obs)
    return out


def tick(n: int, run_id: str = "poyang-flood-2020-s7") -> TickAdvanced:
    return TickAdvanced(
        occurred_at=T0 + timedelta(hours=n + 1), source="simulator", region="360000",
        run_id=run_id, scenario="poyang-flood-2020", seed=7, tick=n, total_ticks=480,
        tick_start=T0 + timedelta(hours=n),
    )  # fmt: skip


def decision(mode: Mode, inputs: tuple[str, ...] = ()) -> DecisionMade:
    return DecisionMade(
        occurred_at=T0, source="agriculture", region=JINGDEZHEN, sector="agriculture",
        mode=mode, action=AgricultureAction.DRAIN_FIELDS, decision_key="k",
        asset_ids=("360200-early_rice",), industry=Industry.RICE, effective_at=T0,
        cost_yuan=1_500_000, expected_loss_avoided_yuan=9_000_000,
        reason="secret farm detail", cross_sector_inputs=inputs,
    )  # fmt: skip


def city(snapshot: dict[str, object], code: str) -> dict[str, object]:
    cities = snapshot["cities"]
    assert isinstance(cities, list)
    found: dict[str, object] = next(c for c in cities if c["code"] == code)
    return found


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
