"""Decisions by cost and loss: a control is taken when p x L > C, or when the law requires it.

L and C are worked out here from the world's damage rules and prices, independently of the
model, so a wrong estimate, a wrong hour count or a wrong p in the model fails these tests.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.transport.domain import RoadModel, RoadRules
from shared.contracts.envelope import Event, Mode
from shared.contracts.transport import (
    ControlTrigger,
    RoadControl,
    RoadControlApplied,
    RoadStatus,
    RoadStatusChanged,
    SurfaceState,
    TransportAction,
)
from shared.contracts.weather import Colour, Exceedance, SignalType
from shared.world.costs import Per
from tests.factories.transport import (
    SEGMENT,
    emergency_dispatch,
    forecast,
    reading,
    rules,
    warning,
    world,
)

#: Nanchang - Jiujiang: the busiest segment (AADT 58,000), 135 km.
BUSY = "G70-NC-JJ"
#: Xinyu - Yichun: a short one, 65 km.
SHORT = "G60-XY-YC"
#: A forecast of freezing rain from the fourth hour on (ground below 0 °C, rain in the hour).
FREEZING = [{"temp_c": 2.0, "rain_mm": 0.0}] * 3 + [
    {"temp_c": -1.0, "ground_temp_c": -1.5, "rain_mm": 1.2}
] * 6


def controls(events: list[Event], segment: str = SEGMENT) -> dict[RoadControl, RoadControlApplied]:
    """The taken controls of one segment, by control (the last decision of each)."""
    return {
        e.control: e
        for e in events
        if isinstance(e, RoadControlApplied) and e.segment_id == segment and e.status == "taken"
    }


def loss(segment_id: str, trigger: ControlTrigger, action: TransportAction) -> float:
    """L: the accident loss the control avoids on the segment over the trigger's episode, if the
    condition comes (the lowest band of the trigger's damage rule)."""
    seg = next(s for s in world().segments if s.id == segment_id)
    rule_id = rules().estimate.rule_by_trigger[trigger]
    rule = next(r for r in world().damage.rules if r.id == rule_id)
    share = max(m.avoid_share for m in rule.mitigations if m.action == action)
    multiplier = rule.bands[0][1] if rule.bands else 1.0
    c = world().damage.constants
    accidents_per_h = seg.aadt / 24 * seg.length_km / 1e6 * c.accident_rate_per_mveh_km
    hours = rules().estimate.episode_hours[trigger]
    return accidents_per_h * (multiplier - 1) * hours * c.cost_per_accident_yuan * share


def cost(segment_id: str, trigger: ControlTrigger, action: TransportAction) -> float:
    """C: the control's charge over the trigger's episode hours."""
    seg = next(s for s in world().segments if s.id == segment_id)
    hours = rules().estimate.episode_hours[trigger]
    if action == TransportAction.DE_ICE_ROAD:
        return world().charge(action, Per.KM, seg.length_km).over(hours)
    return world().charge(action, Per.VEHICLE, seg.aadt / 24).over(hours)


def ratio(segment_id: str, trigger: ControlTrigger, action: TransportAction) -> float:
    """C / L: the p above which the control is worth taking."""
    return cost(segment_id, trigger, action) / loss(segment_id, trigger, action)


def with_probability(**changes: Any) -> RoadRules:
    """The shipped rules with some of ``decide.probability`` changed."""
    raw = rules().model_dump(mode="json")
    raw["decide"]["probability"].update(changes)
    return RoadRules.model_validate(raw)


def every_colour(p: float) -> dict[str, float]:
    return {c.value: p for c in Colour}


def model(mode: Mode = Mode.SILOED, road_rules: RoadRules | None = None) -> RoadModel:
    return RoadModel(mode, world=world(), rules=road_rules or rules())


# ----------------------------------------------------------------------- the rule at its threshold


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_a_fog_warning_restricts_just_above_the_cost_loss_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    # an orange fog signal asks the < 200 m tier (60 km/h): L from the 5x accident band
    threshold = ratio(SEGMENT, ControlTrigger.LOW_VISIBILITY, TransportAction.SPEED_LIMIT)
    assert 0 < threshold < 1
    m = model(road_rules=with_probability(warning=every_colour(threshold * above)))
    events = m.on_warning(warning(0, SignalType.FOG, Colour.ORANGE))
    assert (RoadControl.RESTRICTION in controls(events)) is taken


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_a_forecast_de_ices_just_above_the_cost_loss_ratio_and_not_just_below(
    above: float, taken: bool
) -> None:
    threshold = ratio(SEGMENT, ControlTrigger.ICING, TransportAction.DE_ICE_ROAD)
    m = model(Mode.FUSED, with_probability(forecast=threshold * above))
    events = m.on_forecast(forecast(0, FREEZING))
    assert (RoadControl.DE_ICING in controls(events)) is taken


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_a_freezing_wet_detector_de_ices_at_the_ratio_but_restricts_as_a_legal_duty(
    above: float, taken: bool
) -> None:
    threshold = ratio(SEGMENT, ControlTrigger.ICING, TransportAction.DE_ICE_ROAD)
    m = model(road_rules=with_probability(detector=threshold * above))
    events = m.on_observation(reading(0, surface_temp_c=-0.5, surface_state=SurfaceState.WET))
    found = controls(events)
    assert (RoadControl.DE_ICING in found) is taken
    # Art. 46(4): <= 30 km/h on icy roads whatever p x L says (the world gives it no L)
    assert found[RoadControl.RESTRICTION].speed_limit_kmh == rules().icing.speed_limit_kmh


# ---------------------------------------------------------------------------- p by evidence, p x L


def test_a_detector_decision_carries_the_detectors_p_and_p_times_l() -> None:
    (decision,) = controls(model().on_observation(reading(0, visibility_m=150))).values()
    p = rules().decide.probability.detector
    assert decision.probability == p
    expected = p * loss(SEGMENT, ControlTrigger.LOW_VISIBILITY, TransportAction.SPEED_LIMIT)
    assert decision.expected_loss_avoided_yuan == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("colour", list(Colour))
def test_a_warning_decision_carries_the_p_of_its_colour(colour: Colour) -> None:
    # every colour of the road-icing signal asks for de-icing here; on the busiest segment
    # de-icing is worth it even at the lowest colour's p
    raw = rules().model_dump(mode="json")
    raw["warnings"]["road_icing"]["colours"] = {c.value: {"de_ice": True} for c in Colour}
    m = model(road_rules=RoadRules.model_validate(raw))
    p = rules().decide.probability.warning[colour]
    assert p > ratio(BUSY, ControlTrigger.ICING, TransportAction.DE_ICE_ROAD)
    events = m.on_warning(warning(0, SignalType.ROAD_ICING, colour))
    decision = controls(events, BUSY)[RoadControl.DE_ICING]
    assert decision.probability == p
    expected = p * loss(BUSY, ControlTrigger.ICING, TransportAction.DE_ICE_ROAD)
    assert decision.expected_loss_avoided_yuan == pytest.approx(expected, abs=0.01)


def test_the_shipped_warning_probabilities_rise_with_the_colour() -> None:
    by_colour = rules().decide.probability.warning
    assert [by_colour[c] for c in Colour] == sorted(by_colour[c] for c in Colour)
    assert by_colour[Colour.BLUE] < by_colour[Colour.RED]


def test_a_forecast_without_probabilities_gets_the_documented_p() -> None:
    events = model(Mode.FUSED).on_forecast(forecast(0, FREEZING))
    decision = controls(events)[RoadControl.DE_ICING]
    assert decision.probability == rules().decide.probability.forecast
    assert decision.cross_sector_inputs == ("weather",)


@pytest.mark.parametrize("p", [0.35, 0.95])
def test_a_forecast_decision_acts_on_the_forecasters_probability_of_freezing_rain(
    p: float,
) -> None:
    icing, fog = rules().forecast_criteria()
    fc = forecast(0, FREEZING)
    fc = fc.model_copy(
        update={
            "exceedance": (
                Exceedance(product=icing.product, probability=p),
                Exceedance(product=fog.product, probability=0.01),  # not asked for: ignored
            )
        }
    )
    decision = controls(model(Mode.FUSED).on_forecast(fc))[RoadControl.DE_ICING]
    assert decision.probability == p


def test_a_forecast_whose_freezing_rain_is_unlikely_de_ices_nothing() -> None:
    icing, _ = rules().forecast_criteria()
    fc = forecast(0, FREEZING).model_copy(
        update={"exceedance": (Exceedance(product=icing.product, probability=1e-4),)}
    )
    assert RoadControl.DE_ICING not in controls(model(Mode.FUSED).on_forecast(fc))


def test_an_emergency_route_decision_carries_the_requests_p() -> None:
    m = model(Mode.FUSED)
    m.on_observation(reading(0, surface_temp_c=1.5, surface_state=SurfaceState.DRY))
    decision = controls(m.on_emergency(emergency_dispatch(10)))[RoadControl.DE_ICING]
    assert decision.probability == rules().decide.probability.request


def test_several_pieces_of_evidence_for_one_control_carry_the_highest_p() -> None:
    p = rules().decide.probability
    assert p.detector > p.warning[Colour.RED]
    m = model()
    measured, signal = reading(0, visibility_m=150), warning(5, SignalType.FOG, Colour.RED)
    m.on_observation(measured)  # measured fog: 60 km/h
    decision = controls(m.on_warning(signal))[RoadControl.RESTRICTION]  # the signal: 20 km/h
    assert decision.speed_limit_kmh == 20
    assert decision.basis == "forecast"  # the signal sets the terms ...
    assert decision.probability == p.detector  # ... the detector's higher p is carried
    assert set(decision.inputs) == {measured.event_id, signal.event_id}


# --------------------------------------------------------------------- what is not worth acting on


def test_a_situation_not_worth_acting_on_opens_nothing_until_stronger_evidence_comes() -> None:
    # an orange signal on a short segment: p x L < C, and its neighbours are not touched either
    assert rules().decide.probability.warning[Colour.ORANGE] < ratio(
        SHORT, ControlTrigger.LOW_VISIBILITY, TransportAction.SPEED_LIMIT
    )
    m = model()
    weak = m.on_warning(warning(0, SignalType.FOG, Colour.ORANGE, region="360500"))
    assert controls(weak, SHORT) == {}
    assert [e for e in weak if isinstance(e, RoadStatusChanged) and e.segment_id == SHORT] == []
    # the fog is then measured on the segment: Art. 81 applies, whatever the ratio
    strong = m.on_observation(reading(30, visibility_m=150, segment=SHORT, detector="xy-a"))
    assert controls(strong, SHORT)[RoadControl.RESTRICTION].speed_limit_kmh == 60


def test_gale_and_rainstorm_speed_limits_on_warnings_cost_more_than_they_save() -> None:
    for trigger in (ControlTrigger.HIGH_WIND, ControlTrigger.HEAVY_RAIN):
        assert ratio(SEGMENT, trigger, TransportAction.SPEED_LIMIT) > 1
    m = model()
    assert controls(m.on_warning(warning(0, SignalType.GALE, Colour.RED))) == {}
    assert controls(m.on_warning(warning(0, SignalType.RAINSTORM, Colour.RED))) == {}


def test_a_red_icing_warning_closes_a_long_segment_but_not_a_short_one() -> None:
    red = rules().decide.probability.warning[Colour.RED]
    assert ratio(SEGMENT, ControlTrigger.ICING, TransportAction.CLOSE_ROAD) < red
    assert ratio(SHORT, ControlTrigger.ICING, TransportAction.CLOSE_ROAD) > 1
    m = model()
    long_one = m.on_warning(warning(0, SignalType.ROAD_ICING, Colour.RED))
    short_one = m.on_warning(warning(0, SignalType.ROAD_ICING, Colour.RED, region="360500"))
    assert RoadControl.CLOSURE in controls(long_one)
    assert RoadControl.CLOSURE not in controls(short_one, SHORT)
    assert RoadControl.RESTRICTION in controls(short_one, SHORT)  # the legal limit still applies


# ------------------------------------------------------------------------------------ legal duties


def test_ice_on_a_short_segment_closes_it_as_a_legal_duty_though_c_exceeds_l() -> None:
    assert ratio(SHORT, ControlTrigger.ICING, TransportAction.CLOSE_ROAD) > 1  # never worth it
    events = model().on_observation(
        reading(0, surface_state=SurfaceState.ICY, segment=SHORT, detector="xy-a")
    )
    closure = controls(events, SHORT)[RoadControl.CLOSURE]
    assert closure.reason.endswith("a legal duty (p x L <= C)")
    (status,) = [e for e in events if isinstance(e, RoadStatusChanged)]
    assert status.status is RoadStatus.CLOSED


def test_a_flooded_carriageway_is_closed_though_the_world_gives_closure_no_loss() -> None:
    closure = controls(model().on_observation(reading(0, surface_state=SurfaceState.FLOODED)))[
        RoadControl.CLOSURE
    ]
    assert closure.expected_loss_avoided_yuan == 0
    assert "legal duty" in closure.reason


def test_a_decision_worth_taking_does_not_claim_a_legal_duty() -> None:
    (restriction,) = controls(model().on_observation(reading(0, visibility_m=150))).values()
    assert "legal duty" not in restriction.reason  # 150 km at < 200 m: p x L > C anyway


# --------------------------------------------------------------------------- lifts are never gated


def test_a_cancelled_warning_lifts_what_it_imposed_whatever_the_ratio() -> None:
    m = model()
    taken = controls(m.on_warning(warning(0, SignalType.FOG, Colour.RED)))
    assert set(taken) == {RoadControl.RESTRICTION, RoadControl.CLOSURE}
    lifted = [
        e
        for e in m.on_warning(warning(30, SignalType.FOG, Colour.RED, msg_type="Cancel"))
        if isinstance(e, RoadControlApplied) and e.segment_id == SEGMENT
    ]
    assert {c.control for c in lifted} == set(taken)
    assert {c.status for c in lifted} == {"lifted"}
    assert all(c.cost_over(24) == 0 and c.expected_loss_avoided_yuan == 0 for c in lifted)


def test_a_control_whose_evidence_is_no_longer_worth_acting_on_is_lifted() -> None:
    p = rules().decide.probability.warning
    # on the short segment a red fog signal's 20 km/h pays; an orange one's 60 km/h does not
    m = model()
    red = m.on_warning(warning(0, SignalType.FOG, Colour.RED, region="360500"))
    assert controls(red, SHORT)[RoadControl.RESTRICTION].speed_limit_kmh == 20
    assert p[Colour.ORANGE] < ratio(
        SHORT, ControlTrigger.LOW_VISIBILITY, TransportAction.SPEED_LIMIT
    )
    orange = m.on_warning(warning(60, SignalType.FOG, Colour.ORANGE, region="360500"))
    (lift,) = [e for e in orange if isinstance(e, RoadControlApplied) and e.segment_id == SHORT]
    assert (lift.control, lift.status) == (RoadControl.RESTRICTION, "lifted")
    assert not [c for c in m.active_controls() if c.segment_id == SHORT]


def test_a_lift_is_decided_even_when_taking_the_control_would_not_be_worth_it_now() -> None:
    # the restriction was taken on measured fog (Art. 81); a model whose detectors are now
    # barely believed still lifts it when the fog clears
    doubtful = with_probability(detector=1e-6)
    m = model(road_rules=doubtful)
    m.on_observation(reading(0, visibility_m=150))
    m.on_observation(reading(5, visibility_m=5000))
    events = m.on_observation(reading(10, visibility_m=5000))
    (lift,) = [e for e in events if isinstance(e, RoadControlApplied)]
    assert (lift.control, lift.status) == (RoadControl.RESTRICTION, "lifted")


# -------------------------------------------------------------------------------------- validation


def _raw_with(**probability: Any) -> dict[str, Any]:
    raw = rules().model_dump(mode="json")
    raw["decide"]["probability"].update(probability)
    return raw


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.01])
def test_a_probability_outside_0_to_1_is_refused(bad: float) -> None:
    with pytest.raises(ValidationError, match="detector"):
        RoadRules.model_validate(_raw_with(detector=bad))


def test_warning_probabilities_that_fall_with_the_colour_are_refused() -> None:
    falling = {"blue": 0.2, "yellow": 0.3, "orange": 0.6, "red": 0.5}
    with pytest.raises(ValidationError, match=r"red .* is below orange"):
        RoadRules.model_validate(_raw_with(warning=falling))


def test_a_colour_without_a_probability_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"no probability for the colour.* blue"):
        RoadRules.model_validate(_raw_with(warning={"yellow": 0.3, "orange": 0.5, "red": 0.7}))


def test_a_duty_listed_twice_is_refused() -> None:
    raw = rules().model_dump(mode="json")
    raw["decide"]["duties"].append(raw["decide"]["duties"][0])
    with pytest.raises(ValidationError, match="list each control and trigger once"):
        RoadRules.model_validate(raw)
