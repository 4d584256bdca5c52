"""The climate record as evidence (both modes), and a cancelled warning that had passed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.agriculture.domain import AgricultureModel
from shared.contracts.agriculture import AdvisoryBasis, AdvisoryIssued
from shared.contracts.envelope import Mode
from shared.contracts.weather import Colour, Exceedance, SignalType
from shared.world import Climatology, Normal, load_world
from tests.factories.agriculture import (
    JUNE15,
    feed,
    forecast,
    model,
    rice_days,
    rules,
    warning,
)

#: The rice heat rule's forecast product (services/simulator/observation_model.yaml).
HEAT_PRODUCT = "tmax_day_ge_35_x3d_72h"


def _with_record(rate: float, mode: Mode, month: int = 6) -> AgricultureModel:
    """A model whose world's record gives the month's heat spells ``rate`` (3 days, 36 °C)."""
    normal = Normal(rate=rate, durations=(3.0,) * 10, extremes=(36.0,) * 10)
    record = Climatology(months={month: {HEAT_PRODUCT: normal}})
    world = load_world().model_copy(update={"climatology": record})
    return AgricultureModel(mode=mode, rules=rules(), world=world)


def _taken(advisories: list[AdvisoryIssued]) -> list[AdvisoryIssued]:
    return [a for a in advisories if a.status == "taken" and a.crop == "early_rice"]


def test_both_modes_act_on_the_climate_record_where_its_chance_covers_the_cost() -> None:
    for mode in Mode:
        (a,) = _taken(feed(_with_record(0.9, mode), rice_days([30.0])))
        assert a.basis is AdvisoryBasis.CLIMATOLOGY
        assert a.probability == 0.9
        assert a.cross_sector_inputs == ()  # public knowledge, as the warnings
        assert _taken(feed(_with_record(0.001, mode), rice_days([30.0]))) == []


def test_the_record_says_nothing_outside_the_susceptible_stage_or_without_a_record() -> None:
    may = JUNE15 - timedelta(days=45)  # early rice tillers; heading is weeks away
    spring = _with_record(0.9, Mode.SILOED, month=5)
    assert _taken(feed(spring, rice_days([30.0], start=may, stage="tillering"))) == []
    assert _taken(feed(model(Mode.SILOED), rice_days([30.0]))) == []  # an empty record


def test_a_forecast_run_replaces_the_climate_record_while_it_covers_the_city() -> None:
    cool = forecast(JUNE15, [30.0] * 112).model_copy(
        update={"exceedance": (Exceedance(product=HEAT_PRODUCT, probability=0.0),)}
    )
    fused = _with_record(0.9, Mode.FUSED)
    assert _taken(feed(fused, [cool, *rice_days([30.0])])) == []
    # once the run's last step has passed, the record speaks again
    after = JUNE15 + timedelta(hours=112)
    (a,) = _taken(feed(fused, rice_days([30.0], start=after)))
    assert a.basis is AdvisoryBasis.CLIMATOLOGY


def _lifted(advisories: list[AdvisoryIssued]) -> list[AdvisoryIssued]:
    return [a for a in advisories if a.status == "lifted" and a.crop == "early_rice"]


def _lift_after_cancel(cancel_h: int) -> tuple[AdvisoryIssued, AdvisoryIssued]:
    """The rice heat advisory a warning (onset 6 h in) opens, and its lift once the warning is
    cancelled ``cancel_h`` hours in (readings run two days past the cancel)."""
    onset = JUNE15 + timedelta(hours=6)
    heat = warning(SignalType.HEAT, Colour.ORANGE, at=JUNE15, onset=onset)
    m = model(Mode.SILOED)
    (opened,) = _taken(feed(m, [heat, *rice_days([30.0])[:cancel_h]]))
    at = JUNE15 + timedelta(hours=cancel_h)
    cancel = warning(SignalType.HEAT, Colour.ORANGE, at=at, onset=onset, msg_type="Cancel")
    (lifted,) = _lifted(feed(m, [cancel, *rice_days([30.0, 30.0], start=at)]))
    assert lifted.decision_key == opened.decision_key
    return opened, lifted


def test_a_warning_cancelled_after_its_onset_keeps_the_action_for_clear_after_h() -> None:
    _, lifted = _lift_after_cancel(12)
    rule = next(r for r in rules().rules if r.id == "rice-heat-heading")
    clear = timedelta(hours=rules().clear_after_h(rule))
    # lifted at the first reading once clear_after_h has run from the cancel, not at once and
    # not at the warning's planned expiry (+ clear_after_h)
    assert lifted.occurred_at == JUNE15 + timedelta(hours=12) + clear


def test_a_warning_cancelled_before_its_onset_withdraws_its_support_at_once() -> None:
    _, lifted = _lift_after_cancel(2)
    assert lifted.occurred_at == JUNE15 + timedelta(hours=2)


def test_the_loss_weighed_on_the_record_is_the_mean_over_its_spells() -> None:
    def advised(durations: tuple[float, ...]) -> AdvisoryIssued:
        normal = Normal(rate=0.9, durations=durations, extremes=(36.0,) * len(durations))
        record = Climatology(months={6: {HEAT_PRODUCT: normal}})
        world = load_world().model_copy(update={"climatology": record})
        m = AgricultureModel(mode=Mode.SILOED, rules=rules(), world=world)
        (a,) = _taken(feed(m, rice_days([30.0])))
        return a

    rule = next(r for r in rules().rules if r.id == "rice-heat-heading")
    short, long_ = (
        rule.level_for(duration=3, extreme=None),
        rule.level_for(duration=7, extreme=None),
    )
    share = {lvl: rule.share_lost(lvl, "heading", 0.0, 1.0) for lvl in (short, long_)}
    assert share[short] < share[long_]
    mixed = advised((3.0,) * 5 + (7.0,) * 5).expected_loss_avoided_yuan
    shorts = advised((3.0,) * 10).expected_loss_avoided_yuan
    assert mixed / shorts == pytest.approx((share[short] + share[long_]) / 2 / share[short])
