"""Decisions by cost and loss: a measure is taken when p x L > C, or when the law requires it.

L and C are worked out here from the world's damage rules and prices, independently of the
model, so a wrong estimate, a wrong hour count or a wrong p in the model fails these tests.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.emergency.domain import ResponseModel, ResponseRules
from shared.contracts.agriculture import (
    AdvisoryBasis,
    AdvisoryIssued,
    AgricultureAction,
    Industry,
    RiskKind,
    RiskLevel,
)
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
from shared.contracts.weather import Colour, SignalType
from shared.world import City, Facility
from shared.world.costs import Per
from tests.factories.emergency import (
    JIUJIANG,
    PINGXIANG,
    SHANGRAO,
    T0,
    gauge,
    report,
    rules,
    warning,
    world,
)

JIAN = "360800"  # Ji'an: riverside land on the Gan only, no lake zone


def decisions(
    events: list[Event], measure: Measure, region: str | None = None
) -> list[ResponseDecided]:
    return [
        e
        for e in events
        if isinstance(e, ResponseDecided)
        and e.measure is measure
        and (region is None or e.region == region)
    ]


def city(code: str) -> City:
    return next(c for c in world().cities if c.code == code)


def facility(facility_id: str) -> Facility:
    return next(f for f in world().facilities if f.id == facility_id)


def hours(measure: Measure) -> float:
    return rules().decide.expected_hours[measure]


def step_share(rule_id: str, x: float | None) -> float:
    """The damage rule's loss share at ``x`` (its first step when ``x`` is below all or None)."""
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    steps = rule.steps or ()
    hit = [s for s in steps if x is not None and x >= s[0]]
    return (hit[-1] if hit else steps[0])[1]


def avoid(rule_id: str, action: str) -> float:
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    return max(m.avoid_share for m in rule.mitigations if m.action == action)


def with_rules(**decide_probability: Any) -> ResponseRules:
    raw = rules().model_dump(mode="json")
    raw["decide"]["probability"].update(decide_probability)
    return ResponseRules.model_validate(raw)


def model(mode: Mode = Mode.SILOED, response_rules: ResponseRules | None = None) -> ResponseModel:
    return ResponseModel(mode, world=world(), rules=response_rules or rules())


def alarm(hours_after: float, facility_id: str = "px-coal-1") -> SafetyAlarm:
    return SafetyAlarm(
        occurred_at=T0 + timedelta(hours=hours_after),
        source="simulator",
        region=PINGXIANG,
        facility_id=facility_id,
        facility_kind=FacilityKind.MINE,
        alarm=AlarmKind.WATER_INFLOW,
    )


def advisory(hours_after: float, region: str) -> AdvisoryIssued:
    """A fused waterlogging advisory at high risk for the city's rice farms."""
    return AdvisoryIssued(
        occurred_at=T0 + timedelta(hours=hours_after),
        source="agriculture",
        region=region,
        mode=Mode.FUSED,
        action=AgricultureAction.DRAIN_FIELDS,
        decision_key=f"agriculture:{region}:rice:waterlogging:20180124T0000Z",
        effective_at=T0 + timedelta(hours=hours_after + 1),
        expected_loss_avoided_yuan=0,
        industry=Industry.RICE,
        crop="late_rice",
        risk=RiskKind.WATERLOGGING,
        risk_level=RiskLevel.HIGH,
        basis=AdvisoryBasis.SENSORS,
        advice_zh="排涝",
        advice_en="drain the fields",
    )


def suspension_ratio(facility_id: str) -> float:
    """C / L of suspending a facility: the p above which it is worth it."""
    fac = facility(facility_id)
    rule = next(r for r in world().damage.rules if fac.kind in (r.facility_kinds or ()))
    loss = fac.value_yuan * step_share(rule.id, None) * avoid(rule.id, "suspend_operations")
    cost = world().charge(EmergencyAction.SUSPEND_OPERATIONS, Per.FACILITY, 1)
    return cost.over(hours(Measure.SUSPEND_OPERATIONS)) / loss


def flash_evacuation(code: str) -> tuple[float, float]:
    """(L, C) of evacuating a city against flash floods: the model's flash-flood estimate."""
    rule_id, c = rules().estimate_rules.flash, world().damage.constants
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    people = round(city(code).population * (rule.steps or ())[0][2])
    loss = city(code).population * c.asset_yuan_per_person * step_share(rule_id, None)
    loss *= avoid(rule_id, "evacuate")
    cost = world().charge(EmergencyAction.EVACUATE, Per.PERSON, people)
    return loss, cost.over(hours(Measure.EVACUATION))


# ------------------------------------------------------------------- the rule at its threshold


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_an_alarm_suspends_a_mine_just_above_the_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    m = model(response_rules=with_rules(alarm=suspension_ratio("px-coal-1") * above))
    assert bool(decisions(m.on_alarm(alarm(0)), Measure.SUSPEND_OPERATIONS)) is taken


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_flood_reports_evacuate_just_above_the_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    loss, cost = flash_evacuation(PINGXIANG)
    m = model(response_rules=with_rules(reports=cost / loss * above))
    events: list[Event] = []
    for i in range(rules().reports.evacuate_count):
        events += m.on_report(report(i * 0.25, ReportKind.FLOODING))
    assert bool(decisions(events, Measure.EVACUATION, PINGXIANG)) is taken
    # the level the reports call for costs far less than it may spare: taken either way
    assert decisions(events, Measure.RESPONSE_LEVEL, PINGXIANG)


# ------------------------------------------------------------------- p by evidence, p x L


def test_a_gauge_decision_carries_the_gauges_p_and_p_times_l_over_both_zones() -> None:
    # Ji'an has no lake zone: the loss a levee spares is on its riverside land (warning 50.5 m)
    events = model().on_gauge(gauge(0, 51.0, "jian"))
    (levee,) = decisions(events, Measure.LEVEE_REINFORCEMENT, JIAN)
    p = rules().decide.probability.gauge
    river = rules().estimate_rules.river
    loss = city(JIAN).river_exposed_assets_yuan * step_share(river, 0.5)
    loss *= avoid(river, "reinforce_levee")
    assert loss > 0
    assert levee.probability == p
    assert levee.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)


def test_a_lake_decision_counts_the_lake_zone_and_the_riverside_land() -> None:
    events = model().on_gauge(gauge(0, 19.0))  # Xingzi at its warning level: Jiujiang's levees
    (levee,) = decisions(events, Measure.LEVEE_REINFORCEMENT, JIUJIANG)
    names, jj = rules().estimate_rules, city(JIUJIANG)
    loss = jj.flood_exposed_assets_yuan * step_share(names.lake, 0.0) * avoid(
        names.lake, "reinforce_levee"
    ) + jj.river_exposed_assets_yuan * step_share(names.river, 0.0) * avoid(
        names.river, "reinforce_levee"
    )
    p = rules().decide.probability.gauge
    assert levee.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)


def test_reports_and_alarms_carry_their_stated_p() -> None:
    m = model()
    events: list[Event] = []
    for i in range(3):
        events += m.on_report(report(i, ReportKind.FLOODING))
    (level,) = decisions(events, Measure.RESPONSE_LEVEL, PINGXIANG)
    assert level.probability == rules().decide.probability.reports
    (suspension,) = decisions(m.on_alarm(alarm(4)), Measure.SUSPEND_OPERATIONS)
    assert suspension.probability == rules().decide.probability.alarm
    fac = facility("px-coal-1")
    rule = next(r for r in world().damage.rules if fac.kind in (r.facility_kinds or ()))
    loss = fac.value_yuan * step_share(rule.id, None) * avoid(rule.id, "suspend_operations")
    assert suspension.expected_loss_avoided_yuan == pytest.approx(
        rules().decide.probability.alarm * loss, abs=0.01
    )


@pytest.mark.parametrize("colour", list(Colour))
def test_a_warning_decision_carries_the_p_of_its_colour(colour: Colour) -> None:
    # every colour of the road-icing signal calls for line de-icing here (the shipped rules
    # start at yellow)
    raw = rules().model_dump(mode="json")
    raw["warnings"]["road_icing"] = {c.value: {"deice_power_lines": True} for c in Colour}
    m = model(response_rules=ResponseRules.model_validate(raw))
    events = m.on_warning(warning(0, SignalType.ROAD_ICING, colour, region=SHANGRAO))
    (deice,) = decisions(events, Measure.POWER_LINE_DEICING, SHANGRAO)
    p = rules().decide.probability.warning[colour]
    assert deice.probability == p
    icing, c = rules().estimate_rules.icing, world().damage.constants
    customers = city(SHANGRAO).population / c.people_per_customer
    loss = customers * c.outage_cost_yuan_per_customer * step_share(icing, None)
    loss *= avoid(icing, "deice_power_lines")
    assert deice.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)


def test_a_measure_only_a_warnings_expected_rise_calls_for_carries_the_warnings_p() -> None:
    m = model()
    m.on_gauge(gauge(0, 18.7))  # 0.3 m under warning: nothing yet
    events = m.on_warning(warning(60, SignalType.RAINSTORM, Colour.ORANGE, region=JIUJIANG))
    (levee,) = decisions(events, Measure.LEVEE_REINFORCEMENT, JIUJIANG)
    assert levee.probability == rules().decide.probability.warning[Colour.ORANGE]


def test_an_advisory_carries_the_advisorys_p() -> None:
    m = model(Mode.FUSED)
    (level,) = decisions(m.on_advisory(advisory(0, PINGXIANG)), Measure.RESPONSE_LEVEL)
    assert level.probability == rules().decide.probability.advisory
    assert level.cross_sector_inputs == ("agriculture",)


def test_several_pieces_of_evidence_for_one_level_carry_the_highest_p() -> None:
    p = rules().decide.probability
    assert p.advisory > p.warning[Colour.ORANGE]
    m = model(Mode.FUSED)
    m.on_warning(warning(0, SignalType.TYPHOON, Colour.ORANGE, region=PINGXIANG, hours=72))  # IV
    m.on_advisory(advisory(0.5, PINGXIANG))  # IV as well: nothing new
    m.on_warning(warning(60, SignalType.RAINSTORM, Colour.RED, region=PINGXIANG, hours=2))  # III
    # back to IV only after the hold (the mine the red signal suspended reopens meanwhile)
    assert decisions(m.advance(T0 + timedelta(hours=4)), Measure.RESPONSE_LEVEL) == []
    later = m.advance(T0 + timedelta(hours=4 + rules().hold_h[Measure.RESPONSE_LEVEL]))
    (level,) = decisions(later, Measure.RESPONSE_LEVEL, PINGXIANG)
    assert level.level is ResponseLevel.IV
    assert level.trigger == "typhoon warning"  # the public signal explains the level ...
    assert level.probability == p.advisory  # ... the advisory's higher p is carried
    assert level.cross_sector_inputs == ("agriculture",)


# ------------------------------------------------------------------- gated, and legal duties


def test_a_level_on_the_gauges_is_a_legal_duty_though_the_world_gives_it_no_loss() -> None:
    doubtful = model(response_rules=with_rules(gauge=1e-6, warning=dict.fromkeys(Colour, 1e-6)))
    (level,) = decisions(doubtful.on_gauge(gauge(0, 19.2)), Measure.RESPONSE_LEVEL, JIUJIANG)
    assert level.level is ResponseLevel.IV
    assert level.expected_loss_avoided_yuan == 0
    assert level.reason.endswith("a legal duty (p x L <= C)")
    # the same doubt gates what a warning alone would call for
    events = doubtful.on_warning(warning(0, SignalType.RAINSTORM, Colour.RED, region=PINGXIANG))
    assert decisions(events, Measure.RESPONSE_LEVEL, PINGXIANG) == []
    assert decisions(events, Measure.EVACUATION, PINGXIANG) == []


def test_a_measure_worth_taking_does_not_claim_a_legal_duty() -> None:
    (levee,) = decisions(model().on_gauge(gauge(0, 19.2)), Measure.LEVEE_REINFORCEMENT, JIUJIANG)
    assert "legal duty" not in levee.reason


# ------------------------------------------------------------------- stand-downs are never gated


def test_a_suspension_stands_down_when_its_alarm_has_gone_at_no_cost() -> None:
    barely = model(response_rules=with_rules(alarm=suspension_ratio("px-coal-1") * (1 + 1e-6)))
    assert decisions(barely.on_alarm(alarm(0)), Measure.SUSPEND_OPERATIONS)
    (lift,) = barely.advance(T0 + timedelta(hours=rules().alarms.hold_h + 1))
    assert isinstance(lift, ResponseDecided) and lift.status == "lifted"
    assert lift.cost_over(24) == 0 and lift.expected_loss_avoided_yuan == 0


def test_a_level_stands_down_after_its_hold_when_the_lake_falls() -> None:
    m = model()
    m.on_gauge(gauge(0, 19.2))
    m.on_gauge(gauge(1, 18.0))
    events = m.on_gauge(gauge(2 + rules().hold_h[Measure.RESPONSE_LEVEL], 18.0))
    lifted = decisions(events, Measure.RESPONSE_LEVEL)
    assert lifted and {d.status for d in lifted} == {"lifted"}


# ------------------------------------------------------------------- validation


def _raw(**probability: Any) -> dict[str, Any]:
    raw = rules().model_dump(mode="json")
    raw["decide"]["probability"].update(probability)
    return raw


@pytest.mark.parametrize("bad", [0.0, 1.5])
def test_a_probability_outside_0_to_1_is_refused(bad: float) -> None:
    with pytest.raises(ValidationError, match="gauge"):
        ResponseRules.model_validate(_raw(gauge=bad))


def test_warning_probabilities_that_fall_with_the_colour_are_refused() -> None:
    falling = {"blue": 0.4, "yellow": 0.3, "orange": 0.5, "red": 0.7}
    with pytest.raises(ValidationError, match=r"yellow .* is below blue"):
        ResponseRules.model_validate(_raw(warning=falling))


def test_a_measure_without_expected_hours_is_refused() -> None:
    raw = rules().model_dump(mode="json")
    del raw["decide"]["expected_hours"]["evacuation"]
    with pytest.raises(ValidationError, match=r"no hours for the measure.* evacuation"):
        ResponseRules.model_validate(raw)
