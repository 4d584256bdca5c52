"""The latest ensemble and sweep of each scenario on the board, and multipliers never negative."""

from __future__ import annotations

import json

import pytest

from services.dashboard.domain.summaries import (
    MAX_SCENARIOS,
    NEGATIVE_BAND,
    UNDEFINED,
    Summaries,
    shown_band,
    shown_ratio,
)
from shared.contracts.referee import Band
from tests.factories.dashboard import board, tick
from tests.unit.dashboard.summaries import SCENARIO, ensemble, later, scores, sweep


def test_an_ensemble_is_its_scenarios_latest_with_its_bands_and_the_best_flows_first() -> None:
    b = board()
    before = b.version
    b.on_ensemble(ensemble(gain=1.2e8))
    assert b.version > before
    shown = b.summaries.ensemble(SCENARIO)
    assert shown is not None
    assert (shown["scenario"], shown["seeds"], shown["first_seed"]) == (SCENARIO, 3, 1)
    assert shown["overall"]["sector"] == "overall"
    assert shown["overall"]["gain_yuan"] == pytest.approx(
        {"p5": 0.96e8, "p50": 1.2e8, "p95": 1.44e8}
    )
    assert shown["overall"]["rev_fused"]["p50"] == 0.5
    assert shown["overall"]["rev_siloed"]["p50"] == 0.3
    assert shown["overall"]["gap_closed"]["p50"] == 0.25
    assert [s["sector"] for s in shown["sectors"]] == ["agriculture", "transport"]
    assert [(f["source"], f["target"]) for f in shown["flows"]] == [
        ("weather", "agriculture"),
        ("weather", "transport"),
        ("agriculture", "emergency"),  # valued in no world: last, with no band
    ]
    assert shown["flows"][0]["value_yuan"]["p50"] == 9.0e7
    assert shown["flows"][-1]["value_yuan"] is None
    assert b.summaries.ensemble("fog-expressway") is None


def test_a_newer_ensemble_replaces_the_last_and_an_older_one_changes_nothing() -> None:
    b = board()
    b.on_ensemble(ensemble(gain=1.0e8, at=later(10)))
    b.on_ensemble(ensemble(gain=2.0e8, at=later(20)))
    version = b.version
    b.on_ensemble(ensemble(gain=3.0e8, at=later(5)))  # an old summary delivered late
    assert b.version == version
    shown = b.summaries.ensemble(SCENARIO)
    assert shown is not None and shown["overall"]["gain_yuan"]["p50"] == 2.0e8


def test_ensembles_and_sweeps_outlive_a_new_run_and_a_cleared_board() -> None:
    b = board()
    b.on_ensemble(ensemble())
    b.on_sweep(sweep())
    b.on_tick(tick(0, run_id="fog-expressway-s7"))
    b.on_tick(tick(0))  # another run: the map and feed start afresh
    b.clear()  # a run started from the page
    assert b.summaries.ensemble(SCENARIO) is not None
    assert b.summaries.sweep(SCENARIO) is not None
    assert [e["scenario"] for e in b.snapshot()["summaries"]["ensembles"]] == [SCENARIO]


def test_the_snapshot_lists_the_summaries_latest_first_with_ids_but_not_their_bands() -> None:
    b = board()
    first, second = ensemble("fog-expressway", at=later(1)), ensemble(at=later(2))
    b.on_ensemble(first)
    b.on_ensemble(second)
    b.on_sweep(sweep(at=later(3)))
    index = b.snapshot()["summaries"]
    assert [(e["scenario"], e["id"]) for e in index["ensembles"]] == [
        (SCENARIO, str(second.event_id)),
        ("fog-expressway", str(first.event_id)),
    ]
    assert index["ensembles"][0]["flows"] == 3
    assert [(s["scenario"], s["param"], s["points"]) for s in index["sweeps"]] == [
        (SCENARIO, "forecast_error", 3)
    ]
    assert "gain_yuan" not in json.dumps(index)  # the page fetches the bands when an id changes
    b.on_ensemble(ensemble("fog-expressway", at=later(4)))
    assert b.snapshot()["summaries"]["ensembles"][0]["scenario"] == "fog-expressway"


def test_a_sweep_lists_its_points_in_the_order_of_the_swept_value() -> None:
    b = board()
    b.on_sweep(sweep())
    shown = b.summaries.sweep(SCENARIO)
    assert shown is not None
    assert (shown["param"], shown["seeds"], shown["first_seed"]) == ("forecast_error", 2, 4)
    assert [p["value"] for p in shown["points"]] == [0.0, 1.0, 2.0]
    assert [p["overall"]["gain_yuan"]["p50"] for p in shown["points"]] == [3e8, 1.2e8, 0.5e8]
    assert [s["sector"] for s in shown["points"][0]["sectors"]] == ["agriculture"]


def test_an_ensemble_multiplier_is_shown_only_where_defined_everywhere_and_not_negative() -> None:
    b = board()
    b.on_ensemble(ensemble())
    shown = b.summaries.ensemble(SCENARIO)
    assert shown is not None
    by_sector = {s["sector"]: s for s in shown["sectors"]}
    assert shown["overall"]["multiplier"] == pytest.approx({"p5": 1.12, "p50": 1.4, "p95": 1.68})
    assert shown["overall"]["multiplier_reason"] is None
    transport = by_sector["transport"]
    assert transport["multiplier"] is None
    assert transport["multiplier_reason"] == "n/a in 2 of 3 worlds; siloed value ≤ 0"


@pytest.mark.parametrize(
    ("band", "shown", "why"),
    [
        (Band(p5=0.8, p50=1.2, p95=2.0), {"p5": 0.8, "p50": 1.2, "p95": 2.0}, None),
        (Band(p5=0.0, p50=0.5, p95=1.0), {"p5": 0.0, "p50": 0.5, "p95": 1.0}, None),
        (Band(p5=-0.4, p50=1.1, p95=1.5), None, NEGATIVE_BAND % -0.4),
        (Band(p5=-3.0, p50=-2.0, p95=-1.0), None, NEGATIVE_BAND % -3.0),
        (None, None, UNDEFINED),
    ],
)
def test_a_multiplier_band_reaching_below_zero_is_withheld_with_why(
    band: Band | None, shown: dict[str, float] | None, why: str | None
) -> None:
    assert shown_band(band, None) == (shown, why)


def test_a_withheld_band_keeps_the_referees_reason() -> None:
    assert shown_band(None, "siloed value ≤ 0") == (None, "siloed value ≤ 0")


def test_a_negative_run_multiplier_is_shown_as_na_with_why_and_a_positive_one_as_it_is() -> None:
    assert shown_ratio(1.5, "ratio", None) == (1.5, "ratio", None)
    assert shown_ratio(None, "n/a", "too little at stake") == (None, "n/a", "too little at stake")
    ratio, basis, reason = shown_ratio(-0.4, "ratio", None)
    assert (ratio, basis) == (None, "n/a")
    assert reason is not None and "negative" in reason and "×-0.40" in reason


def test_the_live_cards_never_get_a_negative_multiplier() -> None:
    b = board()
    b.on_scores(scores(multiplier=-0.4))
    shown = b.snapshot()["scores"]
    assert shown is not None
    (agriculture,) = shown["sectors"]
    for figures in (agriculture, shown["overall"]):
        assert figures["multiplier"] is None
        assert figures["basis"] == "n/a"
        assert "negative" in figures["reason"]
    b.on_scores(scores(multiplier=1.25, fused=6.25e6))
    shown = b.snapshot()["scores"]
    assert shown is not None and shown["overall"]["multiplier"] == 1.25
    assert shown["overall"]["basis"] == "ratio"


def test_only_so_many_scenarios_are_remembered_the_oldest_first_forgotten() -> None:
    kept = Summaries()
    for n in range(MAX_SCENARIOS + 2):
        kept.on_ensemble(ensemble(f"scenario-{n}", at=later(n)))
    names = [e["scenario"] for e in kept.index()["ensembles"]]
    assert len(names) == MAX_SCENARIOS
    assert "scenario-0" not in names and "scenario-1" not in names
    assert names[0] == f"scenario-{MAX_SCENARIOS + 1}"
