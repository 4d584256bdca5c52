"""Decisions by cost and loss: a measure is taken when p x L > C, or when the law requires it.

L and C are worked out here from the world's damage rules and prices, independently of the
model, so a wrong estimate, a wrong hour count or a wrong p in the model fails these tests.
"""

from __future__ import annotations

import math
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
    ResourceKind,
    ResponseDecided,
    ResponseLevel,
    SafetyAlarm,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import HazardKind
from shared.contracts.weather import Colour, SignalType
from shared.world import City, Facility
from shared.world.costs import Per
from tests.factories.emergency import (
    JIUJIANG,
    NANCHANG,
    PINGXIANG,
    SHANGRAO,
    T0,
    gauge,
    report,
    rules,
    warning,
    world,
)

JIAN = "360800"  # Ji'an: riverside land on the Gan only (gauge jian), no lake zone


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


def people_share(rule_id: str, x: float | None) -> float:
    """The damage rule's people share at ``x`` (its first step when ``x`` is below all)."""
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    steps = rule.steps or ()
    hit = [s for s in steps if x is not None and x >= s[0]]
    return (hit[-1] if hit else steps[0])[2]


def avoid(rule_id: str, action: str) -> float:
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    return max(m.avoid_share for m in rule.mitigations if m.action == action)


def over_warning(gauge_id: str, level_m: float) -> float:
    return level_m - world().gauge(gauge_id).warning_m


def breach_chance(gauge_id: str, level_m: float) -> float:
    """The chance the levee behind a river gauge at this stage fails within an evacuation's
    expected hours: the world's breach hazard, none at or below the warning level."""
    g, c = world().gauge(gauge_id), world().damage.constants
    if level_m <= g.warning_m:
        return 0.0
    per_h = c.levee_breach_per_h_at_guaranteed * math.exp(
        c.levee_breach_growth_per_m * (level_m - g.guaranteed_m)
    )
    return 1.0 - math.exp(-per_h * hours(Measure.EVACUATION))


def flood_evacuation(
    code: str, lake_x: float | None, river_x: float | None, breach: float
) -> tuple[float, int]:
    """(L, people) of evacuating a city's flood zones: the emergency-owned flood rules (people and
    movable contents) of the lake zone at ``lake_x`` and the riverside land at ``river_x`` metres
    over warning, and a breach of the riverside levee at chance ``breach``."""
    names, c = rules().estimate_rules, city(code)
    loss = (
        c.flood_exposed_assets_yuan * step_share(names.lake, lake_x) * avoid(names.lake, "evacuate")
    )
    loss += (
        c.river_exposed_assets_yuan
        * step_share(names.river, river_x)
        * avoid(names.river, "evacuate")
    )
    loss += (
        c.river_exposed_assets_yuan
        * breach
        * step_share(names.breach, None)
        * avoid(names.breach, "evacuate")
    )
    people = round(c.flood_exposed_pop * people_share(names.lake, lake_x)) + round(
        c.river_exposed_pop * people_share(names.river, river_x)
    )
    return loss, people


def level_cost(level: ResponseLevel) -> float:
    """C of a response level: its rescue teams on standby over the level's expected hours."""
    teams = rules().resources_per_level[level][ResourceKind.RESCUE_TEAM]
    return (
        world()
        .charge(EmergencyAction.PREPOSITION_RESCUE, Per.CREW, teams)
        .over(hours(Measure.RESPONSE_LEVEL))
    )


def evacuation_cost(people: int) -> float:
    return (
        world().charge(EmergencyAction.EVACUATE, Per.PERSON, people).over(hours(Measure.EVACUATION))
    )


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


def glaze_level_loss(code: str) -> float:
    """L of a response level against glaze on a city's buildings (freezing-rain evidence): the
    city-wide rule the model's estimate names for that hazard, its first step."""
    rule_id, c = rules().estimate_rules.city[HazardKind.FREEZING_RAIN], world().damage.constants
    loss = city(code).population * c.asset_yuan_per_person * step_share(rule_id, None)
    return loss * avoid(rule_id, "preposition_rescue")


# ------------------------------------------------------------------- the rule at its threshold


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_an_alarm_suspends_a_mine_just_above_the_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    m = model(response_rules=with_rules(alarm=suspension_ratio("px-coal-1") * above))
    assert bool(decisions(m.on_alarm(alarm(0)), Measure.SUSPEND_OPERATIONS)) is taken


@pytest.mark.parametrize("p", [1e-6, 1.0])
def test_flood_reports_move_no_one_and_call_for_no_level_whatever_their_p(p: float) -> None:
    # the hills' flash floods are the rural sector's (it moves the villages of the danger
    # zones); a rainstorm's reports leave emergency nothing its measures would spare
    m = model(response_rules=with_rules(reports=p))
    events: list[Event] = []
    for i in range(12):
        events += m.on_report(report(i * 0.25, ReportKind.FLOODING))
    assert decisions(events, Measure.EVACUATION) == []
    assert decisions(events, Measure.RESPONSE_LEVEL) == []


def test_a_red_rainstorm_warning_evacuates_no_one() -> None:
    events = model().on_warning(warning(0, SignalType.RAINSTORM, Colour.RED, region=PINGXIANG))
    assert decisions(events, Measure.EVACUATION) == []
    assert all(
        "evacuate" not in e.model_dump() for e in rules().warnings[SignalType.RAINSTORM].values()
    )


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_an_icing_warning_raises_a_level_just_above_the_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    level = rules().warnings[SignalType.ROAD_ICING][Colour.ORANGE].level
    assert level is not None
    cost = level_cost(level)
    ratio = cost / glaze_level_loss(PINGXIANG)
    assert ratio < 1
    m = model(response_rules=with_rules(warning=dict.fromkeys(Colour, ratio * above)))
    events = m.on_warning(warning(0, SignalType.ROAD_ICING, Colour.ORANGE, region=PINGXIANG))
    assert bool(decisions(events, Measure.RESPONSE_LEVEL, PINGXIANG)) is taken


# ------------------------------------------------------------------- p by evidence, p x L


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_a_gauge_evacuates_just_above_the_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    loss, people = flood_evacuation(
        JIAN, None, over_warning("jian", 51.0), breach_chance("jian", 51.0)
    )
    m = model(response_rules=with_rules(gauge=evacuation_cost(people) / loss * above))
    assert bool(decisions(m.on_gauge(gauge(0, 51.0, "jian")), Measure.EVACUATION, JIAN)) is taken


def test_the_estimate_rules_are_emergencys_flood_rules_that_evacuation_mitigates() -> None:
    # the flood's fixed assets are the water sector's: L counts only what evacuation saves
    names = rules().estimate_rules
    for rule_id in (names.lake, names.river, names.breach):
        rule = next(r for r in world().damage.rules if r.id == rule_id)
        assert rule.sector == "emergency"
        assert {m.action for m in rule.mitigations} == {"evacuate"}


@pytest.mark.parametrize("level_m", [51.0, 53.5, 54.5])
def test_a_riverside_evacuation_carries_the_gauges_p_and_p_times_l_with_the_breach_chance(
    level_m: float,
) -> None:
    # Ji'an has no lake zone: its riverside land (warning 50.5 m, guaranteed 53.5 m) and the
    # chance its levee fails, which grows tenfold per metre over the guaranteed level
    (evacuation,) = decisions(model().on_gauge(gauge(0, level_m, "jian")), Measure.EVACUATION, JIAN)
    breach = breach_chance("jian", level_m)
    assert breach > 0
    loss, people = flood_evacuation(JIAN, None, over_warning("jian", level_m), breach)
    p = rules().decide.probability.gauge
    assert evacuation.probability == p
    assert evacuation.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)
    # the people of the riverside land are moved, and paid for
    assert evacuation.people_to_evacuate == people > 0
    assert evacuation.quantity == people
    assert evacuation.cost_over(24) > 0


def test_the_breach_chance_grows_with_the_stage() -> None:
    chances = [breach_chance("jian", level) for level in (50.5, 51.0, 53.5, 54.5)]
    assert chances[0] == 0 < chances[1] < chances[2] < chances[3] < 1
    # at the guaranteed level: 0.002 an hour over the evacuation's expected hours
    assert chances[2] == pytest.approx(1 - math.exp(-0.002 * hours(Measure.EVACUATION)))


def test_a_lake_city_evacuation_weighs_each_zone_at_its_own_gauge() -> None:
    # Nanchang: the lake zone at Xingzi (warning 19.0 m), the riverside land at Waizhou
    # (warning 23.5 m); Waizhou just under the evacuation threshold calls for nothing itself
    m = model()
    assert decisions(m.on_gauge(gauge(0, 23.9, "waizhou")), Measure.EVACUATION, NANCHANG) == []
    (evacuation,) = decisions(m.on_gauge(gauge(1, 21.6)), Measure.EVACUATION, NANCHANG)
    loss, people = flood_evacuation(
        NANCHANG,
        over_warning("xingzi", 21.6),
        over_warning("waizhou", 23.9),
        breach_chance("waizhou", 23.9),
    )
    p = rules().decide.probability.gauge
    assert evacuation.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)
    assert evacuation.people_to_evacuate == people
    # not the riverside land at the lake's 2.6 m over warning
    assert people < round(city(NANCHANG).flood_exposed_pop * 0.6) + round(
        city(NANCHANG).river_exposed_pop * people_share(rules().estimate_rules.river, 2.6)
    )


def test_alarms_carry_their_stated_p() -> None:
    m = model()
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
    # every colour of the road-icing signal calls for level IV here (the shipped rules start at
    # orange); L is glaze on the city's buildings, the rule the estimate names for freezing rain
    raw = rules().model_dump(mode="json")
    raw["warnings"]["road_icing"] = {c.value: {"level": "IV"} for c in Colour}
    m = model(response_rules=ResponseRules.model_validate(raw))
    events = m.on_warning(warning(0, SignalType.ROAD_ICING, colour, region=SHANGRAO))
    (level,) = decisions(events, Measure.RESPONSE_LEVEL, SHANGRAO)
    p = rules().decide.probability.warning[colour]
    assert level.probability == p
    assert level.expected_loss_avoided_yuan == pytest.approx(
        p * glaze_level_loss(SHANGRAO), abs=0.01
    )


def test_the_estimate_names_no_rule_for_a_rainstorm_and_only_emergency_city_rules() -> None:
    names = rules().estimate_rules
    assert HazardKind.RAINSTORM not in names.city
    for rule_id in names.city.values():
        rule = next(r for r in world().damage.rules if r.id == rule_id)
        assert rule.sector == "emergency" and rule.asset == "city"
        assert "preposition_rescue" in {m.action for m in rule.mitigations}
    assert all(r.sector != "emergency" for r in world().damage.rules if r.id == "flash-flood")


def test_a_measure_only_a_warnings_expected_rise_calls_for_carries_the_warnings_p() -> None:
    m = model()
    m.on_gauge(gauge(0, 19.0))  # Xingzi at warning: level IV at Jiujiang, no evacuation yet
    events = m.on_warning(warning(60, SignalType.RAINSTORM, Colour.ORANGE, region=JIUJIANG))
    (evacuation,) = decisions(events, Measure.EVACUATION, JIUJIANG)
    p = rules().decide.probability.warning[Colour.ORANGE]
    assert evacuation.probability == p
    # L at the stage the warning's rise (0.5 m) brings; Jiujiang's own lake and river gauges
    # have not reported, so Xingzi stands in, and no river stage means no breach chance
    rise = rules().warnings[SignalType.RAINSTORM][Colour.ORANGE].flood_rise_m
    loss, people = flood_evacuation(JIUJIANG, rise, rise, 0.0)
    assert evacuation.expected_loss_avoided_yuan == pytest.approx(p * loss, abs=0.01)
    assert evacuation.people_to_evacuate == people


def test_an_advisory_of_waterlogging_calls_for_no_level_where_no_gauge_is_over_warning() -> None:
    # waterlogging is rainstorm evidence: nothing emergency owns in the city is spared by rescue
    # teams on standby (the hills' villages are the rural sector's)
    m = model(Mode.FUSED)
    assert decisions(m.on_advisory(advisory(0, PINGXIANG)), Measure.RESPONSE_LEVEL) == []


def test_several_pieces_of_evidence_for_one_level_carry_the_highest_p() -> None:
    p = rules().decide.probability
    assert p.warning[Colour.RED] > p.warning[Colour.ORANGE]
    m = model(Mode.FUSED)
    m.on_warning(warning(0, SignalType.BLIZZARD, Colour.ORANGE, region=PINGXIANG, hours=72))  # IV
    events = m.on_warning(
        warning(30, SignalType.ROAD_ICING, Colour.RED, region=PINGXIANG, hours=72)
    )  # IV as well: nothing new
    assert decisions(events, Measure.RESPONSE_LEVEL) == []
    m.on_warning(warning(60, SignalType.BLIZZARD, Colour.RED, region=PINGXIANG, hours=2))  # III
    # back to IV only after the hold
    assert decisions(m.advance(T0 + timedelta(hours=4)), Measure.RESPONSE_LEVEL) == []
    later = m.advance(T0 + timedelta(hours=4 + rules().hold_h[Measure.RESPONSE_LEVEL]))
    (level,) = decisions(later, Measure.RESPONSE_LEVEL, PINGXIANG)
    assert level.level is ResponseLevel.IV
    assert level.probability == p.warning[Colour.RED]  # the red icing signal's higher p


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
    (evacuation,) = decisions(model().on_gauge(gauge(0, 19.6)), Measure.EVACUATION, JIUJIANG)
    assert "legal duty" not in evacuation.reason


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
