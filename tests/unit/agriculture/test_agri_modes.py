"""Siloed versus fused: one model code; same decisions on the same data; fused acts ahead."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.agriculture.domain import AgricultureModel, CrossSectorInputError
from shared.contracts.agriculture import AdvisoryBasis, AdvisoryIssued, RiskKind
from shared.contracts.envelope import Mode
from shared.contracts.weather import Colour, SignalType
from tests.factories.agriculture import (
    JUNE15,
    NC,
    comparable,
    feed,
    forecast,
    model,
    rice_days,
    rules,
    warning,
    world,
)

HOT_SPELL = [30.0, 30.0, 36.0, 36.0, 36.0, 36.0, 30.0, 30.0, 30.0]
#: The heat begins on the third day; the forecast-based warning comes a day and a half earlier.
HEAT_ONSET = JUNE15 + timedelta(days=2)
WARNED_AT = JUNE15 + timedelta(hours=12)
#: The rice heat rule's action is due 12 h (its lead_h) before the heat, and decided once that is
#: within decide_ahead_h (crop_rules.yaml): on the first reading from then on.
DUE_AT = HEAT_ONSET - timedelta(hours=12)
DECIDED_AT = DUE_AT - timedelta(hours=rules().decide_ahead_h)


def test_a_public_warning_advises_both_modes_alike_and_counts_as_no_other_sectors_data() -> None:
    readings = rice_days(HOT_SPELL)
    # orange: a yellow signal's chance (crop_rules.yaml) is not worth a week's irrigation here
    heat = warning(SignalType.HEAT, Colour.ORANGE, at=WARNED_AT, onset=HEAT_ONSET)
    # the warning arrives between the readings of noon and 13:00 on the first day
    inputs = [*readings[:13], heat, *readings[13:]]

    def rice(advisories):  # type: ignore[no-untyped-def]
        # (an orange heat signal also reaches the city's hog farms)
        return [a for a in advisories if a.status == "taken" and a.crop == "early_rice"]

    sensors_only = rice(feed(model(Mode.SILOED), readings))
    siloed = rice(feed(model(Mode.SILOED), inputs))
    fused = rice(feed(model(Mode.FUSED), inputs))
    assert len(sensors_only) == len(siloed) == len(fused) == 1
    # every county agriculture bureau receives the warning: siloed acts on it as early as fused,
    # both when the action comes within decide_ahead_h of being due, not at once
    assert WARNED_AT < DECIDED_AT
    assert siloed[0].occurred_at == fused[0].occurred_at == DECIDED_AT
    # ... and both schedule the irrigation for its lead (12 h) before the heat, not before
    assert siloed[0].effective_at == fused[0].effective_at == DUE_AT
    assert sensors_only[0].effective_at == HEAT_ONSET + timedelta(days=2)
    for a in (siloed[0], fused[0]):
        assert a.basis == AdvisoryBasis.WARNING
        assert a.cross_sector_inputs == ()  # public, not another sector's data
        assert a.causation_id == heat.event_id
        assert heat.event_id in a.inputs
    # the same situation for both modes: same key, same correlation id
    assert fused[0].decision_key == siloed[0].decision_key
    assert fused[0].correlation_id == siloed[0].correlation_id
    assert fused[0].event_id != siloed[0].event_id


def test_fused_advises_ahead_on_a_numerical_forecast_alone() -> None:
    run_at = JUNE15
    temps = [30.0] * 48 + [36.0] * 72 + [30.0] * 24  # three hot days from day three
    fc = forecast(run_at, temps)
    m = model(Mode.FUSED)
    # two days out the action is not due yet: the run is held, not acted on
    assert feed(m, [fc]) == []
    out = [a for a in feed(m, rice_days([30.0, 30.0])) if a.crop == "early_rice"]
    assert [(a.risk, a.basis, a.occurred_at) for a in out] == [
        (RiskKind.HEAT, AdvisoryBasis.FORECAST, DECIDED_AT)
    ]
    assert out[0].expected_onset == HEAT_ONSET
    assert out[0].causation_id == fc.event_id
    # decided ahead of the heat (the sensors alone act two days into it), in force from the
    # action's lead (12 h) before the heat
    assert out[0].effective_at == DUE_AT


def test_a_forecast_withdrawn_before_its_action_is_due_is_never_acted_on() -> None:
    hot = forecast(JUNE15, [30.0] * 48 + [36.0] * 72 + [30.0] * 24)
    later = JUNE15 + timedelta(hours=6)  # before DECIDED_AT: a newer run without the heat
    cool = forecast(later, [30.0] * 144)
    m = model(Mode.FUSED)
    out = feed(m, [hot, *rice_days([30.0])[:6], cool, *rice_days([30.0, 30.0], start=later)])
    assert [a for a in out if a.crop == "early_rice"] == []


def test_a_forecast_heat_spell_beyond_the_horizon_is_not_acted_on_yet() -> None:
    temps = [30.0] * 96 + [36.0] * 72  # heat starts 96 h out, horizon is 72 h
    assert feed(model(Mode.FUSED), [forecast(JUNE15, temps)]) == []


def test_a_forecast_of_two_hot_days_is_not_a_heat_spell() -> None:
    temps = [30.0] * 24 + [36.0] * 48 + [30.0] * 48
    assert feed(model(Mode.FUSED), [forecast(JUNE15, temps)]) == []


def test_a_warning_below_the_rules_colour_is_ignored() -> None:
    blue = warning(SignalType.RAINSTORM, Colour.YELLOW, at=JUNE15, onset=JUNE15)
    assert feed(model(Mode.FUSED), [*rice_days([28.0]), blue]) == []


def test_a_cancelled_warning_no_longer_triggers_advice() -> None:
    m = model(Mode.FUSED)
    heat = warning(SignalType.HEAT, Colour.ORANGE, at=JUNE15, onset=HEAT_ONSET)
    cancel = warning(SignalType.HEAT, Colour.ORANGE, at=JUNE15, onset=HEAT_ONSET, msg_type="Cancel")
    assert feed(m, [cancel]) == []
    # acted on once due (readings up to then), but not when cancelled before it was due
    assert feed(model(Mode.FUSED), [heat, *rice_days([30.0, 30.0])]) != []
    assert feed(model(Mode.FUSED), [heat, cancel, *rice_days([30.0, 30.0])]) == []
    assert feed(model(Mode.FUSED), [cancel, *rice_days([30.0, 30.0])]) == []


def test_siloed_refuses_cross_sector_input_but_takes_public_warnings() -> None:
    with pytest.raises(CrossSectorInputError):
        model(Mode.SILOED).on_forecast(forecast(JUNE15, [30.0] * 24))
    heat = warning(SignalType.HEAT, Colour.YELLOW, at=JUNE15, onset=HEAT_ONSET)
    # public: no CrossSectorInputError (that the siloed model then acts on it is checked by
    # test_a_public_warning_advises_both_modes_alike_and_counts_as_no_other_sectors_data)
    model(Mode.SILOED).on_warning(heat)


def test_siloed_and_fused_are_identical_without_cross_sector_input() -> None:
    readings = rice_days(HOT_SPELL + [30.0] * 3) + rice_days(
        [21.0] * 4 + [25.0] * 3, start=JUNE15 + timedelta(days=92), crop="late_rice"
    )
    siloed = feed(model(Mode.SILOED), readings)
    fused = feed(model(Mode.FUSED), readings)
    assert len(siloed) >= 4  # heat taken + lifted, cold dew wind taken + lifted
    assert [comparable(a) for a in siloed] == [comparable(a) for a in fused]
    assert {a.mode for a in fused} == {Mode.FUSED}
    assert all(s.event_id != f.event_id for s, f in zip(siloed, fused, strict=True))


def test_advisories_are_deterministic_across_runs() -> None:
    first = feed(model(Mode.SILOED), rice_days(HOT_SPELL))
    again = feed(model(Mode.SILOED), rice_days(HOT_SPELL))
    assert [a.event_id for a in first] == [a.event_id for a in again]
    assert all(a.region == NC for a in first)


def test_a_deferred_model_decides_as_the_immediate_one_when_each_input_is_its_own_batch() -> None:
    readings = rice_days(HOT_SPELL)
    heat = warning(SignalType.HEAT, Colour.ORANGE, at=WARNED_AT, onset=HEAT_ONSET)
    inputs = [*readings[:13], heat, *readings[13:]]
    fc = forecast(JUNE15, [30.0] * 48 + [36.0] * 72 + [30.0] * 24)
    for mode, events in ((Mode.SILOED, inputs), (Mode.FUSED, [fc, *inputs])):
        at_once = feed(model(mode), events)
        deferred = AgricultureModel(mode=mode, rules=rules(), world=world(), defer=True)
        batched: list[AdvisoryIssued] = []
        for event in events:
            batched += feed(deferred, [event]) + deferred.flush()
        assert at_once  # the case decides something
        assert [comparable(a) for a in batched] == [comparable(a) for a in at_once]


def test_a_deferred_model_weighs_each_farm_once_per_batch() -> None:
    deferred = AgricultureModel(mode=Mode.FUSED, rules=rules(), world=world(), defer=True)
    feed(deferred, [forecast(JUNE15, [30.0] * 48 + [36.0] * 72 + [30.0] * 24)])
    day = rice_days([30.0, 30.0])
    during = feed(deferred, day)
    assert [a for a in during if a.basis is AdvisoryBasis.FORECAST] == []  # not per reading
    flushed = [a for a in deferred.flush() if a.crop == "early_rice"]
    assert [(a.risk, a.basis) for a in flushed] == [(RiskKind.HEAT, AdvisoryBasis.FORECAST)]
    assert deferred.flush() == []
