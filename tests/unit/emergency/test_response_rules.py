"""Response-level and measure rules at their thresholds, and standing down after the hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.emergency.domain import ResponseModel
from shared.contracts.emergency import (
    AlarmKind,
    EmergencyAction,
    FacilityKind,
    Measure,
    ReportKind,
    ResponseDecided,
    ResponseLevel,
    SafetyAlarm,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import HazardKind
from tests.factories import emergency as make
from tests.factories.emergency import JIUJIANG, NANCHANG, PINGXIANG, T0, gauge, report


def decisions(events: list[Event], measure: Measure | None = None) -> list[ResponseDecided]:
    return [
        e for e in events
        if isinstance(e, ResponseDecided) and (measure is None or e.measure is measure)
    ]  # fmt: skip


def level_of(events: list[Event], city: str) -> ResponseLevel | None:
    found = [d for d in decisions(events, Measure.RESPONSE_LEVEL) if d.region == city]
    return found[-1].level if found else None


@pytest.fixture
def model() -> ResponseModel:
    return make.model(Mode.SILOED)


@pytest.mark.parametrize(
    ("level_m", "expected"),
    [
        (18.99, None),
        (19.0, ResponseLevel.IV),
        (19.99, ResponseLevel.IV),
        (20.0, ResponseLevel.III),
        (21.0, ResponseLevel.II),
        (22.0, ResponseLevel.I),
    ],
)
def test_xingzi_over_its_warning_level_sets_the_response_level_metre_by_metre(
    model: ResponseModel, level_m: float, expected: ResponseLevel | None
) -> None:
    assert level_of(model.on_gauge(gauge(0, level_m)), JIUJIANG) == expected


def test_the_key_gauge_raises_every_city_whose_lake_zone_it_floods(model: ResponseModel) -> None:
    events = model.on_gauge(gauge(0, 20.2))
    assert level_of(events, JIUJIANG) is ResponseLevel.III
    assert level_of(events, NANCHANG) is ResponseLevel.III  # Nanchang's lake gauge is Xingzi


def test_a_rising_lake_raises_the_level_and_prepositions_more(model: ResponseModel) -> None:
    first = decisions(model.on_gauge(gauge(0, 19.2)), Measure.RESPONSE_LEVEL)
    second = decisions(model.on_gauge(gauge(1, 21.3)), Measure.RESPONSE_LEVEL)
    nanchang_first = next(d for d in first if d.region == NANCHANG)
    nanchang_second = next(d for d in second if d.region == NANCHANG)
    assert nanchang_second.level is ResponseLevel.II
    assert nanchang_second.decision_key == nanchang_first.decision_key
    assert nanchang_second.deployments  # more teams to reach the level II quota
    assert nanchang_first.action == EmergencyAction.PREPOSITION_RESCUE


def test_a_lake_at_its_warning_level_calls_for_the_response_level_and_nothing_else(
    model: ResponseModel,
) -> None:
    # levees are the water sector's: emergency reinforces nothing at the warning level
    at_warning = decisions(model.on_gauge(gauge(0, 19.0)))
    assert at_warning
    assert {d.measure for d in at_warning} == {Measure.RESPONSE_LEVEL}
    assert {d.action for d in at_warning} == {EmergencyAction.PREPOSITION_RESCUE}


@pytest.mark.parametrize(("level_m", "evacuates"), [(19.49, False), (19.5, True)])
def test_evacuation_starts_half_a_metre_over_the_warning_level(
    model: ResponseModel, level_m: float, evacuates: bool
) -> None:
    over = [d for d in decisions(model.on_gauge(gauge(0, level_m)), Measure.EVACUATION)]
    jiujiang = [d for d in over if d.region == JIUJIANG]
    assert bool(jiujiang) is evacuates
    if evacuates:
        assert jiujiang[0].people_to_evacuate > 0
        assert jiujiang[0].hazard is HazardKind.LAKE_RISE
        assert jiujiang[0].action == EmergencyAction.EVACUATE


def test_a_steady_high_lake_is_decided_once(model: ResponseModel) -> None:
    model.on_gauge(gauge(0, 20.5))
    assert decisions(model.on_gauge(gauge(1, 20.6))) == []


def test_the_level_lowers_only_after_the_hold_and_then_stands_down(model: ResponseModel) -> None:
    model.on_gauge(gauge(0, 20.5))
    assert decisions(model.on_gauge(gauge(2, 18.0)), Measure.RESPONSE_LEVEL) == []
    later = decisions(model.on_gauge(gauge(27, 18.0)), Measure.RESPONSE_LEVEL)
    assert later
    assert {d.status for d in later} == {"lifted"}
    assert all(not d.deployments for d in later)


@pytest.mark.parametrize(("count", "expected"), [(2, None), (3, ResponseLevel.IV)])
def test_three_flood_reports_in_six_hours_call_for_level_iv(
    count: int, expected: ResponseLevel | None
) -> None:
    # The count's level (the rule); whether it is taken is p x L > C, and a rainstorm's reports
    # leave emergency no loss its rescue teams would spare (the hills' flash floods are the
    # rural sector's): see test_response_cost_loss.
    assert make.rules().report_level(count) == expected


def test_reports_older_than_the_window_do_not_count(model: ResponseModel) -> None:
    model.on_report(report(0, ReportKind.FLOODING))
    model.on_report(report(1, ReportKind.FLOODING))
    assert level_of(model.on_report(report(7, ReportKind.FLOODING)), PINGXIANG) is None


@pytest.mark.parametrize("kind", [ReportKind.POWER_OUTAGE, ReportKind.ROAD_ICING])
def test_outage_and_icing_reports_call_for_no_measure(
    model: ResponseModel, kind: ReportKind
) -> None:
    # power lines are the energy sector's: however many such reports come, emergency decides
    # nothing on them (they are still listed as incidents)
    events: list[Event] = []
    for i in range(12):
        events += model.on_report(report(i * 0.25, kind))
    assert decisions(events) == []
    assert [i.kind for i in model.incidents()][:1] == [kind.value]


def test_a_safety_alarm_suspends_operations_at_that_facility_once(model: ResponseModel) -> None:
    alarm = SafetyAlarm(
        occurred_at=T0, source="simulator", region=PINGXIANG, facility_id="px-coal-1",
        facility_kind=FacilityKind.MINE, alarm=AlarmKind.WATER_INFLOW,
    )  # fmt: skip
    (decision,) = decisions(model.on_alarm(alarm))
    assert decision.asset_ids == ("px-coal-1",)
    assert decision.measure is Measure.SUSPEND_OPERATIONS
    again = alarm.model_copy(update={"event_id": alarm.event_id.__class__(int=1)})
    assert decisions(model.on_alarm(again)) == []
    assert [d.status for d in decisions(model.advance(T0 + timedelta(hours=13)))] == ["lifted"]


def test_incidents_list_reports_newest_first(model: ResponseModel) -> None:
    model.on_report(report(0, ReportKind.LANDSLIDE))
    model.on_report(report(1, ReportKind.FLOODING))
    assert [i.kind for i in model.incidents()] == ["flooding", "landslide"]
