"""One advisory per situation, lifted once when the risk has passed, and queryable state."""

from __future__ import annotations

from datetime import timedelta

from shared.contracts.agriculture import Industry, RiskKind
from shared.contracts.envelope import Mode
from shared.contracts.weather import Colour, SignalType
from tests.factories.agriculture import (
    JUNE15,
    NC,
    feed,
    forecast,
    model,
    obs,
    rice_days,
    rules,
    warning,
)


def test_a_week_of_heat_yields_one_advisory_not_one_per_hour() -> None:
    out = feed(model(Mode.SILOED), rice_days([37.0] * 7))
    assert [a.status for a in out] == ["taken"]


def test_the_advisory_is_lifted_once_a_day_after_the_last_hot_reading() -> None:
    out = feed(model(Mode.SILOED), rice_days([36.0] * 3 + [30.0] * 4))
    assert [a.status for a in out] == ["taken", "lifted"]
    taken, lifted = out
    assert lifted.decision_key == taken.decision_key
    assert lifted.event_id != taken.event_id
    assert lifted.cost_over(1e6) == lifted.expected_loss_avoided_yuan == 0.0
    # last hot reading at 23:00 of day three; clear_after_h is 24
    assert lifted.effective_at == JUNE15 + timedelta(days=3, hours=23)


def test_a_second_heat_spell_after_lifting_is_a_new_situation() -> None:
    out = feed(model(Mode.SILOED), rice_days([36.0] * 3 + [30.0] * 2 + [36.0] * 3))
    assert [a.status for a in out] == ["taken", "lifted", "taken"]
    assert out[0].decision_key != out[2].decision_key


def test_an_advisory_from_a_warning_that_never_comes_true_is_lifted_after_it_expires() -> None:
    heat = warning(SignalType.HEAT, Colour.YELLOW, at=JUNE15, onset=JUNE15, hours_long=48)
    out = feed(model(Mode.FUSED), [heat, *rice_days([30.0] * 4)])
    assert [a.status for a in out] == ["taken", "lifted"]
    # the rule's clear_after_h after the warning's expiry: no evidence for that long
    clear = timedelta(hours=rules().default_clear_after_h)
    assert out[1].effective_at == JUNE15 + timedelta(hours=48) + clear


def test_nightly_frosts_of_one_cold_spell_keep_one_advisory_in_force() -> None:
    """A spell that has passed holds the risk for clear_after_h: the next night's frost, forecast
    by the next run, finds the protection still in place instead of paying its setup again."""
    m = model(Mode.FUSED)
    gz = "360700"
    jan10 = JUNE15.replace(month=1, day=10)

    def night(run_at):  # type: ignore[no-untyped-def]
        # 18 h mild, then 3 h at -6 °C, then mild again
        return forecast(run_at, [2.0] * 18 + [-6.0] * 3 + [2.0] * 27, region=gz)

    readings = [
        obs(f"{gz}-navel_orange", jan10 + timedelta(hours=h), crop="navel_orange",
            industry=Industry.FRUIT_VEG, region=gz, crop_stage="dormant", canopy_temp_c=2.0)
        for h in range(48)
    ]  # fmt: skip
    out = feed(m, [night(jan10), *readings[:24], night(jan10 + timedelta(hours=24)),
                   *readings[24:]])  # fmt: skip
    citrus = [a for a in out if a.crop == "navel_orange"]
    assert [a.status for a in citrus] == ["taken"]


def test_sensors_confirming_a_warned_risk_do_not_repeat_the_advisory() -> None:
    heat = warning(SignalType.HEAT, Colour.YELLOW, at=JUNE15, onset=JUNE15)
    out = feed(model(Mode.FUSED), [heat, *rice_days([36.0] * 4)])
    assert [a.status for a in out] == ["taken"]


def test_current_risk_is_queryable_by_city_and_industry_while_open() -> None:
    m = model(Mode.SILOED)
    feed(m, rice_days([36.0] * 3))
    (risk,) = m.current_risks(region=NC, industry=Industry.RICE)
    assert (risk.risk, risk.farm_id, risk.mode) == (RiskKind.HEAT, f"{NC}-early_rice", Mode.SILOED)
    assert m.current_risks(region="360700") == []
    assert m.current_risks(industry=Industry.TEA) == []
    feed(m, rice_days([30.0] * 2, start=JUNE15 + timedelta(days=3)))
    assert m.current_risks() == []
    assert [a.status for a in m.advisories()] == ["taken", "lifted"]
