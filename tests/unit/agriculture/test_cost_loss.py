"""Decisions by cost and loss: an advisory only where p x L > C, with p as crop_rules.yaml says."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from services.agriculture.domain.model import AgricultureModel
from services.agriculture.domain.rules import parse_crop_rules
from shared.contracts.agriculture import Industry
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.weather import Colour, Exceedance, SignalType
from tests.factories.agriculture import (
    JUNE15,
    NC,
    feed,
    forecast,
    hours,
    model,
    obs,
    rice_days,
    rules,
    warning,
    world,
)

HEAT_ONSET = JUNE15 + timedelta(days=2)
#: The rice heat rule's forecast product (services/simulator/observation_model.yaml).
HEAT_PRODUCT = "tmax_day_ge_35_x3d_72h"


def _model(**update: Any) -> AgricultureModel:
    data = rules().model_dump()
    data.update(update)
    return AgricultureModel(mode=Mode.FUSED, rules=parse_crop_rules(data), world=world())


def _flooded(stage: str = "heading") -> list:  # type: ignore[type-arg]
    return [
        obs(f"{NC}-early_rice", at, crop="early_rice", industry=Industry.RICE, crop_stage=stage,
            water_depth_cm=70.0)
        for at in hours(JUNE15, 6)
    ]  # fmt: skip


def _taken(advisories):  # type: ignore[no-untyped-def]
    return [a for a in advisories if a.status == "taken" and a.crop == "early_rice"]


def _threshold() -> float:
    """C / L of draining the flooded paddy on its sensors: the p at which it becomes worth it."""
    (a,) = _taken(feed(_model(sensor_probability=1.0), _flooded()))
    hours_in_force = rules().default_clear_after_h
    cost = a.setup_cost_yuan + a.cost_yuan_per_h * hours_in_force
    return cost / a.expected_loss_avoided_yuan


def test_sensor_evidence_is_acted_on_just_above_the_cost_loss_ratio_and_not_just_below() -> None:
    p_star = _threshold()
    assert 0 < p_star < 1  # draining is worth it on sure evidence, not on any
    above = _taken(feed(_model(sensor_probability=min(1.0, p_star * 1.01)), _flooded()))
    below = _taken(feed(_model(sensor_probability=p_star * 0.99), _flooded()))
    assert len(above) == 1 and below == []
    assert above[0].probability == pytest.approx(p_star * 1.01, abs=1e-4)


def test_a_shipped_sensor_trigger_carries_the_documented_probability_and_p_times_l() -> None:
    (sure,) = _taken(feed(_model(sensor_probability=1.0), _flooded()))
    (a,) = _taken(feed(model(Mode.SILOED), _flooded()))
    p = rules().sensor_probability
    assert a.probability == p
    assert a.expected_loss_avoided_yuan == pytest.approx(p * sure.expected_loss_avoided_yuan, 1e-6)


@pytest.mark.parametrize("colour", [Colour.ORANGE, Colour.RED])
def test_a_warning_advisory_carries_its_colours_probability(colour: Colour) -> None:
    heat = warning(SignalType.HEAT, colour, at=JUNE15, onset=HEAT_ONSET)
    (a,) = _taken(feed(model(Mode.SILOED), [heat, *rice_days([30.0, 30.0])]))
    assert a.probability == rules().warning_probability[colour]


def test_an_unsure_warning_is_not_acted_on_where_its_chance_does_not_cover_the_cost() -> None:
    heat = warning(SignalType.HEAT, Colour.ORANGE, at=JUNE15, onset=HEAT_ONSET)
    probs = {c: 1e-3 for c in Colour}
    days = rice_days([30.0, 30.0])
    assert _taken(feed(_model(warning_probability=probs), [heat, *days])) == []


def _hot_forecast(p: float | None):  # type: ignore[no-untyped-def]
    temps = [30.0] * 40 + [38.0] * 72
    fc = forecast(JUNE15, temps)
    if p is None:
        return fc
    return fc.model_copy(update={"exceedance": (Exceedance(product=HEAT_PRODUCT, probability=p),)})


def test_a_forecast_advisory_acts_on_the_forecasters_probability() -> None:
    (a,) = _taken(feed(model(Mode.FUSED), [_hot_forecast(0.9), *rice_days([30.0])]))
    assert a.probability == 0.9
    assert a.cross_sector_inputs == ("weather",)
    assert _taken(feed(model(Mode.FUSED), [_hot_forecast(0.001), *rice_days([30.0])])) == []


def test_a_forecast_without_probabilities_counts_as_sure_where_it_meets_the_condition() -> None:
    (a,) = _taken(feed(model(Mode.FUSED), [_hot_forecast(None), *rice_days([30.0])]))
    assert a.probability == 1.0
    cool = forecast(JUNE15, [30.0] * 112)
    assert _taken(feed(model(Mode.FUSED), [cool, *rice_days([30.0])])) == []


def test_probabilities_must_rise_with_the_warning_colour() -> None:
    data = rules().model_dump()
    data["warning_probability"] = {"blue": 0.9, "yellow": 0.5, "orange": 0.7, "red": 0.9}
    with pytest.raises(ValueError, match=re.escape("yellow (p=0.5) is below blue (p=0.9)")):
        parse_crop_rules(data)


def test_a_later_forecast_run_without_the_heat_withdraws_the_earlier_runs_support() -> None:
    m = model(Mode.FUSED)
    (opened,) = _taken(feed(m, [_hot_forecast(0.9)]))
    later = JUNE15 + timedelta(hours=12)
    cool = forecast(later, [30.0] * 100).model_copy(
        update={"exceedance": (Exceedance(product=HEAT_PRODUCT, probability=0.0),)}
    )
    out = feed(m, [cool, *rice_days([30.0], start=later)])
    lifted = [a for a in out if a.status == "lifted" and a.decision_key == opened.decision_key]
    # lifted on the next reading, long before the first run's spell would have ended
    assert len(lifted) == 1 and lifted[0].occurred_at == later


def test_without_a_newer_run_the_forecasts_spell_holds_the_risk_open() -> None:
    m = model(Mode.FUSED)
    assert len(_taken(feed(m, [_hot_forecast(0.9)]))) == 1
    out = feed(m, rice_days([30.0], start=JUNE15 + timedelta(hours=12)))
    assert [a for a in out if a.status == "lifted"] == []


def test_a_situation_reopened_after_its_lift_gets_ids_of_its_own() -> None:
    m = model(Mode.FUSED)
    first = feed(m, [_hot_forecast(0.9)])
    later = JUNE15 + timedelta(hours=12)
    cool = forecast(later, [30.0] * 100).model_copy(
        update={"exceedance": (Exceedance(product=HEAT_PRODUCT, probability=0.0),)}
    )
    hot_again = _hot_forecast(0.9).model_copy(
        update={"event_id": derived_id("test", "again"), "occurred_at": later + timedelta(hours=1)}
    )
    out = first + feed(m, [cool, *rice_days([30.0], start=later)[:1], hot_again])
    rice = [a for a in out if a.crop == "early_rice"]
    assert [a.status for a in rice] == ["taken", "lifted", "taken"]
    assert rice[0].decision_key == rice[2].decision_key
    assert len({a.event_id for a in rice}) == 3
