"""The health rules at their thresholds and cost-loss boundaries, siloed and fused, and lifts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.health.domain import HEAT_ACTIONS, CityHealth, HealthModel, HealthRules
from services.health.service import HealthSettings, cities_of, load_rules, prices
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import EmergencyAction, Measure, ResponseDecided
from shared.contracts.energy import EnergyAction
from shared.contracts.envelope import Mode
from shared.contracts.health import HealthAction, HealthDecision, HealthReading
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import Colour, ForecastIssued, ForecastStep, SignalType
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.sectors.health import Pathway, health
from tests.factories.weather import cap_warning

T0 = datetime(2013, 7, 24, 1, tzinfo=UTC)  # 09:00 in Beijing: the morning report
CITY = "360100"  # Nanchang: a lake plain and riverside land
INLAND = "360300"  # Pingxiang: riverside land only


def rules() -> HealthRules:
    return load_rules(HealthSettings().rules_path)


def model(mode: Mode = Mode.SILOED, r: HealthRules | None = None) -> HealthModel:
    world = load_world()
    return HealthModel(
        mode=mode,
        rules=r or rules(),
        world=health(world),
        cities=cities_of(world),
        prices=prices(world),
        ledger=SituationLedger(),
    )


def city(code: str = CITY) -> CityHealth:
    return next(c for c in cities_of(load_world()) if c.code == code)


def report(
    visits: int | None = None, missed: int | None = None, *, at: datetime = T0, code: str = CITY
) -> HealthReading:
    return HealthReading(
        occurred_at=at,
        source="test",
        region=code,
        site_id=f"health-{code}",
        day=date(2013, 7, 23),
        heat_illness_visits=visits,
        missed_treatments=missed,
    )


def boundary_deaths(action: HealthAction, p: float, factor: float = 1.0) -> float:
    """The excess deaths a day at which ``action`` is just worth taking: p × L = C."""
    r, world = rules(), load_world()
    pathway = next(pw for pw in Pathway if pw.action is action)
    per_death = health(world).yuan_per_excess_death(pathway)
    c = city()
    cost = prices(world)[action].charge(c.units[action]).over(r.hold_h)
    loss_per_death = r.hold_h / 24 * per_death * r.heat.avoid_share[action] * factor
    return cost / (p * loss_per_death)


def visits_for(deaths: float) -> int:
    """Visits a city reports for ``deaths`` excess deaths a day, with its ordinary background."""
    r, c = rules(), city()
    background = r.heat.background_visits_per_million * c.pop_m
    return round(background + deaths * health(load_world()).heat.cases_per_excess_death)


def actions(decisions: list[HealthDecision]) -> set[HealthAction]:
    return {HealthAction(d.action) for d in decisions if d.status == "taken"}


# -- the heat model ------------------------------------------------------------------------------


def test_the_heat_s_excess_deaths_start_at_the_threshold_and_rise_3_44_percent_a_degree() -> None:
    h = health(load_world())
    t = h.heat.threshold_tmean_c
    assert h.excess_share(t - 0.1) == 0 and h.excess_share(t) == 0
    assert h.excess_share(t + 1) == pytest.approx(0.0344)
    assert h.excess_share(t + 2) == pytest.approx(1.0344**2 - 1)
    # Jiangxi's 6.93 per thousand: Nanchang's 6.255 million lose about 119 people a day.
    assert city().baseline_deaths_per_day == pytest.approx(118.76, abs=0.01)


# -- own surveillance (both modes) ---------------------------------------------------------------


def test_ordinary_heat_illness_visits_call_for_nothing() -> None:
    assert model().on_reading(report(visits_for(0))) == []
    assert model().on_reading(report(0)) == []


@pytest.mark.parametrize("action", HEAT_ACTIONS)
def test_each_heat_action_is_taken_from_yesterday_s_visits_just_past_its_cost_loss_boundary(
    action: HealthAction,
) -> None:
    p = rules().chances.sensor
    deaths = boundary_deaths(action, p)
    below = model().on_reading(report(visits_for(deaths * 0.97)))
    assert action not in actions(below)
    above = model().on_reading(report(visits_for(deaths * 1.03)))
    (decision,) = [d for d in above if d.action == action]
    assert decision.basis == "sensor" and decision.probability == p
    assert decision.cross_sector_inputs == () and decision.quantity == city().units[action]
    assert decision.excess_deaths_per_day == pytest.approx(deaths * 1.03, rel=0.02)


def test_an_action_in_force_is_kept_not_repeated_and_lifted_after_its_last_evidence() -> None:
    m, r = model(), rules()
    hot = visits_for(30)
    taken = m.on_reading(report(hot))
    assert actions(taken) == set(HEAT_ACTIONS)
    assert m.on_reading(report(hot, at=T0 + timedelta(hours=24))) == []  # kept going
    assert m.advance(T0 + timedelta(hours=24 + r.hold_h - 1)) == []
    lifts = m.advance(T0 + timedelta(hours=24 + r.hold_h))
    assert {d.status for d in lifts} == {"lifted"} and len(lifts) == len(HEAT_ACTIONS)
    assert {d.decision_key for d in lifts} == {d.decision_key for d in taken}
    assert m.in_force() == []


def test_patients_reported_cut_off_are_transferred_in_both_modes() -> None:
    for mode in (Mode.SILOED, Mode.FUSED):
        (decision,) = model(mode).on_reading(report(missed=50))
        assert decision.action == HealthAction.TRANSFER_PATIENTS and decision.basis == "sensor"
        assert decision.patients == city().patients == decision.quantity
        assert set(decision.asset_ids) == set(city().zones)
        assert decision.cost_unit == "person-day"
    assert model().on_reading(report(missed=0)) == []


def test_the_transfer_s_cost_loss_boundary() -> None:
    r, c = rules(), city()
    world = load_world()
    cost = prices(world)[HealthAction.TRANSFER_PATIENTS].charge(c.patients).over(r.hold_h)
    harm = c.patients * health(world).harm_per_patient_yuan() * r.patients.avoid_share
    needed_share = cost / (r.chances.missed * harm)
    # Every share the rule can hold passes at Nanchang's prices: a flood there is worth moving for.
    assert needed_share < r.patients.expected_cut_off_share
    # A city where a transfer costs more than it saves does not transfer.
    dear = r.model_copy(update={"patients": r.patients.model_copy(update={"avoid_share": 0.001})})
    assert model(r=dear).on_reading(report(missed=50)) == []


# -- public warnings (both modes) ---------------------------------------------------------------


def test_a_yellow_heat_warning_is_at_the_threshold_and_orange_and_red_act_in_both_modes() -> None:
    yellow = cap_warning(0, SignalType.HEAT, Colour.YELLOW, region=CITY, t0=T0)
    assert model().on_warning(yellow) == []  # Tmax 35 °C: a mean of 30 °C, no excess
    orange = cap_warning(0, SignalType.HEAT, Colour.ORANGE, region=CITY, t0=T0)
    red = cap_warning(0, SignalType.HEAT, Colour.RED, region=CITY, t0=T0)
    for mode in (Mode.SILOED, Mode.FUSED):
        taken = model(mode).on_warning(orange)
        # 37 °C: a mean of 32 °C; at the world's value of a statistical life every heat action
        # pays at an orange warning's odds (the boundary of each is tested above).
        assert actions(taken) == set(HEAT_ACTIONS)
        assert {d.basis for d in taken} == {"warning"}
        assert {d.probability for d in taken} == {rules().chances.warning[Colour.ORANGE]}
        assert all(d.cross_sector_inputs == () for d in taken)
        assert actions(model(mode).on_warning(red)) == set(HEAT_ACTIONS)
    cancel = cap_warning(0, SignalType.HEAT, Colour.ORANGE, region=CITY, t0=T0, msg_type="Cancel")
    assert model().on_warning(cancel) == []
    rain = cap_warning(0, SignalType.RAINSTORM, Colour.RED, region=CITY, t0=T0)
    assert model().on_warning(rain) == []  # a rainstorm says nothing of the lake's patients


# -- other sectors' data (fused only) ------------------------------------------------------------


def forecast(temp_c: float, hours: int = 72, product: float | None = None) -> ForecastIssued:
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h + 1), temp_c=temp_c) for h in range(hours)
    )
    exceedance = (
        ()
        if product is None
        else ({"product": rules().heat.forecast_product, "probability": product},)
    )
    return ForecastIssued.model_validate(
        {
            "occurred_at": T0,
            "source": "weather",
            "region": CITY,
            "run_at": T0,
            "steps": steps,
            "exceedance": exceedance,
        }
    )


def test_a_forecast_of_heat_acts_in_the_fused_mode_only_with_the_forecaster_s_probability() -> None:
    threshold = health(load_world()).heat.threshold_tmean_c
    assert model(Mode.FUSED).on_forecast(forecast(threshold)) == []
    taken = model(Mode.FUSED).on_forecast(forecast(threshold + 4, product=0.8))
    assert actions(taken) == set(HEAT_ACTIONS)
    assert {d.basis for d in taken} == {"forecast"} and {d.probability for d in taken} == {0.8}
    assert {d.cross_sector_inputs for d in taken} == {("weather",)}
    with pytest.raises(ValueError, match="siloed"):
        model(Mode.SILOED).on_forecast(forecast(threshold + 4))


def test_a_forecast_s_part_days_are_not_judged() -> None:
    r = rules()
    short = forecast(40, hours=r.heat.min_steps_per_day - 1)
    # The run is at 09:00 Beijing: the first day has 14 hours and the next none.
    assert model(Mode.FUSED).on_forecast(short) == []


def test_the_forecast_days_average_excess_is_acted_on_not_the_hottest_day() -> None:
    h = health(load_world())
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=k + 1), temp_c=36.0 if k < 38 else 30.0)
        for k in range(72)
    )
    fc = ForecastIssued(occurred_at=T0, source="weather", region=CITY, run_at=T0, steps=steps)
    (decision, *_) = model(Mode.FUSED).on_forecast(fc)
    # From 10:00 Beijing: a part day (not judged), a day at 36 °C, one at 30 °C, a part day.
    expected = h.excess_share(36.0) / 2 * city().baseline_deaths_per_day
    assert decision.excess_deaths_per_day == pytest.approx(expected, rel=0.01)


def evacuation(status: str = "taken", code: str = CITY, mode: Mode = Mode.FUSED) -> ResponseDecided:
    return ResponseDecided(
        occurred_at=T0,
        source="emergency",
        region=code,
        mode=mode,
        action=EmergencyAction.EVACUATE,
        measure=Measure.EVACUATION,
        status=status,
        decision_key=f"evac:{code}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
        people_to_evacuate=1000,
    )


def test_an_evacuation_moves_the_patients_first_and_keeps_them_away_while_it_lasts() -> None:
    m, r = model(Mode.FUSED), rules()
    (decision,) = m.on_response(evacuation())
    assert decision.action == HealthAction.TRANSFER_PATIENTS and decision.basis == "evacuation"
    assert decision.cross_sector_inputs == ("emergency",)
    assert decision.probability == r.chances.evacuation
    later = T0 + timedelta(hours=5 * r.hold_h)
    assert m.advance(later) == []  # the evacuation is still in force
    m.on_response(evacuation("lifted"))
    assert m.advance(later + timedelta(hours=r.hold_h - 1)) == []
    (lift,) = m.advance(later + timedelta(hours=r.hold_h))
    assert lift.status == "lifted" and lift.decision_key == decision.decision_key
    with pytest.raises(ValueError, match="siloed"):
        model().on_response(evacuation())


def test_a_city_on_a_river_only_moves_its_riverside_patients() -> None:
    (decision,) = model(Mode.FUSED).on_response(evacuation(code=INLAND))
    assert decision.asset_ids == ("patients-360300-riverside",)
    world = load_world()
    assert decision.patients == health(world).patients_in(world.city(INLAND).river_exposed_pop)


def energy_orderly(status: str = "taken") -> DecisionMade:
    return DecisionMade(
        occurred_at=T0,
        source="energy",
        region=CITY,
        sector="energy",
        mode=Mode.FUSED,
        action=EnergyAction.ORDERLY_POWER_USE,
        status=status,
        decision_key=f"orderly:{CITY}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
    )


def test_orderly_power_use_makes_cooling_centres_worth_opening_at_less_heat() -> None:
    r = rules()
    action = HealthAction.OPEN_COOLING_CENTRES
    p = r.chances.sensor
    between = (
        boundary_deaths(action, p) + boundary_deaths(action, p, r.heat.grid_strain_loss_factor)
    ) / 2
    plain = model(Mode.FUSED)
    assert action not in actions(plain.on_reading(report(visits_for(between))))
    strained = model(Mode.FUSED)
    strained.on_energy_decision(energy_orderly())
    (decision,) = [
        d for d in strained.on_reading(report(visits_for(between))) if d.action == action
    ]
    assert "energy" in decision.cross_sector_inputs
    # The siloed model never hears of it, and a lifted order is forgotten.
    with pytest.raises(ValueError, match="siloed"):
        model().on_energy_decision(energy_orderly())
    strained.on_energy_decision(energy_orderly("lifted"))
    assert not strained.grid_strained(CITY)


def test_a_closed_road_makes_a_transfer_worth_more() -> None:
    m = model(Mode.FUSED)
    m.on_road_status(
        RoadStatusChanged(
            occurred_at=T0,
            source="transport",
            region=CITY,
            mode=Mode.FUSED,
            segment_id="G60-1",
            road="G60",
            from_city=CITY,
            to_city="361100",
            status=RoadStatus.CLOSED,
        )
    )
    assert m.roads_closed(CITY) and m.roads_closed("361100")
    (decision,) = m.on_reading(report(missed=10))
    assert decision.cross_sector_inputs == ("transport",)
    plain = model(Mode.FUSED).on_reading(report(missed=10))[0]
    assert decision.expected_loss_avoided_yuan == pytest.approx(
        plain.expected_loss_avoided_yuan * rules().patients.roads_closed_loss_factor
    )


# -- the rules file ------------------------------------------------------------------------------


def test_the_rules_refuse_a_heat_action_without_its_share() -> None:
    raw = rules().model_dump(mode="json")
    del raw["heat"]["avoid_share"]["surge_staffing"]
    with pytest.raises(ValidationError, match="each heat action"):
        HealthRules.model_validate(raw)
