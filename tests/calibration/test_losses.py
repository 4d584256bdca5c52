"""Losses with no protective action against the public record, as `dexsim calibrate` computes
them: the median over seeds 1..10 of each recorded figure within its band; and the scorer itself
(windows, causes, the 10% rule for crop area, the ratio and its band)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dexsim.cli import app
from services.simulator.data import get_scenario, loss_records, simulation
from services.simulator.domain.calibration import RecordFigure, compare, measure
from services.simulator.domain.impacts import derive_truth
from shared.contracts.simulator import HazardKind, ImpactOccurred

RECORDS = loss_records()
CASES = [(name, i) for name, figures in sorted(RECORDS.items()) for i in range(len(figures))]


def _impacts(name: str, seed: int) -> list[ImpactOccurred]:
    sim = simulation(get_scenario(name), seed)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred)
    ]


@pytest.fixture(scope="module")
def worlds() -> dict[str, list[list[ImpactOccurred]]]:
    return {name: [_impacts(name, seed) for seed in range(1, 11)] for name in RECORDS}


@pytest.mark.parametrize(("scenario", "index"), CASES)
def test_the_median_world_meets_the_record(
    worlds: dict[str, list[list[ImpactOccurred]]], scenario: str, index: int
) -> None:
    figure = RECORDS[scenario][index]
    result = compare(figure, [measure(figure, impacts) for impacts in worlds[scenario]])
    assert result.within, (scenario, figure.metric, round(result.ratio, 3), figure.band)


def test_the_ten_worlds_differ(worlds: dict[str, list[list[ImpactOccurred]]]) -> None:
    totals = [sum(e.loss_yuan for e in impacts) for impacts in worlds["poyang-flood-2020"]]
    assert len(set(totals)) == 10


T0 = datetime.fromisoformat("2020-07-06T00:00:00+08:00")


def _impact(hours: int, **kw: object) -> ImpactOccurred:
    base: dict[str, object] = {
        "occurred_at": T0 + timedelta(hours=hours),
        "source": "simulator",
        "region": "360100",
        "impact_id": f"x:{hours}:{kw.get('asset_id', 'a')}",
        "hazard_id": "h",
        "hazard": HazardKind.RAINSTORM,
        "sector": "agriculture",
        "impact_kind": "crop_loss",
        "asset_id": "a",
        "exposure_started_at": T0,
        "loss_yuan": 100.0,
    }
    return ImpactOccurred.model_validate({**base, **kw})


def _farm(hours: int, farm: str, *, affected: float, share: float) -> ImpactOccurred:
    return _impact(
        hours,
        asset_id=farm,
        unit="mu",
        quantity=100.0,
        affected_quantity=affected,
        loss_share=share,
    )


def _figure(metric: str, **kw: object) -> RecordFigure:
    return RecordFigure.model_validate(
        {
            "metric": metric,
            "recorded": 100.0,
            "window": [T0, T0 + timedelta(days=2)],
            "band": [1.0, 2.5],
            "source": "test",
            **kw,
        }
    )


def test_measures_count_the_window_the_cause_and_the_ten_and_eighty_percent_rules() -> None:
    impacts = [
        _impact(1, loss_yuan=50.0, people_affected=7),
        _impact(2, sector="emergency", loss_yuan=30.0, hazard=HazardKind.LAKE_RISE),
        _impact(60, loss_yuan=1000.0),  # after the window
        _impact(
            3, asset_id="f1", unit="mu", quantity=100.0, affected_quantity=40.0, loss_share=0.12
        ),
        _impact(
            4, asset_id="f1", unit="mu", quantity=100.0, affected_quantity=60.0, loss_share=0.3
        ),
        _impact(
            5, asset_id="f2", unit="mu", quantity=100.0, affected_quantity=90.0, loss_share=0.05
        ),
    ]
    assert measure(_figure("direct_loss_yuan"), impacts) == 50 + 30 + 100 + 100 + 100
    assert measure(_figure("agriculture_loss_yuan"), impacts) == 50 + 100 + 100 + 100
    assert measure(_figure("people_affected"), impacts) == 7
    # f1 counts once, by its largest part hit; f2 lost under 10% and is not affected.
    assert measure(_figure("crop_area_affected_mu"), impacts) == 60
    # failed (绝收) at 80%: f1's 60 mu lost 30%, so nothing failed; then a part that lost 85%
    assert measure(_figure("crop_area_failed_mu"), impacts) == 0
    failed = _impact(
        6, asset_id="f1", unit="mu", quantity=100.0, affected_quantity=5.0, loss_share=0.85
    )
    assert measure(_figure("crop_area_failed_mu"), [*impacts, failed]) == 5
    assert measure(_figure("crop_area_affected_mu"), [*impacts, failed]) == 60
    cause = _figure("direct_loss_yuan", hazards=["lake_rise"])
    assert measure(cause, impacts) == 30
    # a financial transfer (a loan default, an indemnity) is not a direct loss, and has no people
    default = _impact(7, sector="finance", loss_yuan=400.0, direct_loss=False)
    assert measure(_figure("direct_loss_yuan"), [*impacts, default]) == 380
    assert measure(_figure("people_affected"), [*impacts, default]) == 7


def test_the_ratio_is_the_median_over_the_record_and_the_band_is_inclusive() -> None:
    figure = _figure("direct_loss_yuan")
    assert compare(figure, [50.0, 100.0, 400.0]).ratio == 1.0
    assert compare(figure, [250.0]).within
    assert not compare(figure, [99.0]).within
    with pytest.raises(ValueError):
        _figure("direct_loss_yuan", band=[2.0, 1.0])


def test_calibrate_writes_its_report_and_fails_outside_a_band(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import services.simulator.cli as sim_cli

    flood = RECORDS["poyang-flood-2020"][0]
    impossible = flood.model_copy(update={"band": (100.0, 200.0)})
    monkeypatch.setattr(sim_cli, "loss_records", lambda: {"poyang-flood-2020": (flood, impossible)})
    out = tmp_path / "calibration.json"
    result = CliRunner().invoke(app, ["calibrate", "--seeds", "2", "--out", str(out)])
    assert result.exit_code == 1, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    entry = doc["poyang-flood-2020"]["direct_loss_yuan"]
    assert {"simulated", "recorded", "ratio", "band", "source"} <= set(entry)
    assert entry["ratio"] == pytest.approx(entry["simulated"] / entry["recorded"], rel=1e-3)
    assert "outside their band" in result.output
