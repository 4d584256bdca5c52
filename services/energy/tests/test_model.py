"""The energy rules at their thresholds, siloed and fused, and their lifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.energy.domain import EnergyRules, GridModel
from services.energy.service import EnergySettings, cities_of, load_rules, prices
from shared.contracts.decisions import DecisionMade
from shared.contracts.energy import EnergyAction, EnergyDecision, GridReading, SiteKind
from shared.contracts.envelope import Mode
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import Colour, ForecastIssued, ForecastStep, SignalType
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.sectors.energy import grid
from tests.factories.weather import cap_warning

T0 = datetime(2008, 1, 20, 4, tzinfo=UTC)  # noon in Beijing
CITY = "360100"
CORRIDOR = "360100-220"  # the 15 mm class


def rules() -> EnergyRules:
    return load_rules(EnergySettings().rules_path)


def model(mode: Mode = Mode.SILOED, r: EnergyRules | None = None) -> GridModel:
    world = load_world()
    return GridModel(
        mode=mode,
        rules=r or rules(),
        grid=grid(world),
        cities=cities_of(world),
        prices=prices(world),
        ledger=SituationLedger(),
    )


def ice(mm: float, site: str = CORRIDOR, kind: SiteKind = SiteKind.CORRIDOR) -> GridReading:
    return GridReading(
        occurred_at=T0, source="test", region=CITY, site_id=site, kind=kind, ice_mm=mm
    )


def load(load_mw: float, available_mw: float) -> GridReading:
    return GridReading(
        occurred_at=T0,
        source="test",
        region=CITY,
        site_id=f"load-{CITY}",
        kind=SiteKind.LOAD_AREA,
        load_mw=load_mw,
        available_mw=available_mw,
    )


def forecast(*, rain_mm: float = 0.0, temp_c: float = -2.0, hours: int = 48) -> ForecastIssued:
    """A forecast for the city: the same rain and temperature every hour from the run time."""
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h + 1), rain_mm=rain_mm, temp_c=temp_c)
        for h in range(hours)
    )
    return ForecastIssued(occurred_at=T0, source="weather", region=CITY, run_at=T0, steps=steps)


def test_a_corridor_below_half_its_design_ice_does_nothing_and_at_it_crews_go_out() -> None:
    threshold = rules().icing.act_share_of_design * 15
    assert model().on_reading(ice(threshold - 0.1)) == []
    m = model()
    (decision,) = m.on_reading(ice(threshold))
    assert decision.action == EnergyAction.DEICE_POWER_LINES and decision.basis == "sensor"
    assert decision.cross_sector_inputs == () and decision.quantity > 0
    assert m.on_reading(ice(threshold + 5)) == []  # in force already: kept, not repeated


def test_a_heavier_class_corridor_acts_later() -> None:
    at_15mm_class = rules().icing.act_share_of_design * 15
    assert model().on_reading(ice(at_15mm_class, site="360100-500")) == []  # a 20 mm class


def test_turbines_stop_at_their_icing_threshold() -> None:
    at = rules().icing.turbine_act_ice_mm
    # Nanchang has no wind farms; Ji'an has.
    reading = ice(at, site="wind-360800", kind=SiteKind.WIND_FARM).model_copy(
        update={"region": "360800"}
    )
    below = reading.model_copy(update={"ice_mm": at - 0.1})
    assert model().on_reading(below) == []
    (decision,) = model().on_reading(reading)
    assert decision.action == EnergyAction.SHUTDOWN_TURBINES and decision.region == "360800"


def test_reserve_is_bought_at_its_share_of_capacity_and_not_below() -> None:
    share = rules().heat.reserve_at_share
    assert model().on_reading(load(share * 1000 - 1, 1000)) == []
    (decision,) = model().on_reading(load(share * 1000, 1000))
    assert decision.action == EnergyAction.SCHEDULE_RESERVE and decision.deficit_mw


def test_orderly_power_use_once_the_load_exceeds_capacity_and_reserve() -> None:
    m = model()
    (reserve,) = m.on_reading(load(1000, 1000))  # at capacity: reserve, no curtailment
    reserve_mw = reserve.quantity * grid(load_world()).block_mw
    out = m.on_reading(load(1000 + reserve_mw + 50, 1000))
    assert [d.action for d in out] == [EnergyAction.ORDERLY_POWER_USE]


def test_an_orange_road_icing_warning_sends_crews_in_both_modes_and_yellow_does_not() -> None:
    orange = cap_warning(0, SignalType.ROAD_ICING, Colour.ORANGE, region=CITY)
    for mode in (Mode.SILOED, Mode.FUSED):
        (decision,) = model(mode).on_warning(orange)
        assert decision.basis == "warning" and decision.cross_sector_inputs == ()
        assert decision.probability == rules().chances.warning[Colour.ORANGE]
    yellow = cap_warning(0, SignalType.ROAD_ICING, Colour.YELLOW, region=CITY)
    assert model().on_warning(yellow) == []


def test_a_heat_warning_buys_reserve_only_where_its_heat_would_exceed_capacity() -> None:
    g = grid(load_world())
    red = cap_warning(0, SignalType.HEAT, Colour.RED, region=CITY)
    (decision,) = model().on_warning(red)  # 40 °C: the load model says short
    assert decision.action == EnergyAction.SCHEDULE_RESERVE
    yellow = cap_warning(0, SignalType.HEAT, Colour.YELLOW, region=CITY)
    short_at_35 = max(g.load_mw(CITY, 35, h) - g.available_mw(CITY, h) for h in range(24))
    assert short_at_35 <= 0 and model().on_warning(yellow) == []


def per_hour_for(ice_mm: float, hours: float) -> float:
    return ice_mm / rules().icing.accretion_mm_per_mm / hours


def test_forecast_ice_at_the_threshold_sends_crews_in_the_fused_mode_only() -> None:
    r = rules()
    need = r.icing.act_share_of_design * 15
    per_h = per_hour_for(need, r.icing.forecast_horizon_h)
    (decision,) = [
        d
        for d in model(Mode.FUSED).on_forecast(forecast(rain_mm=per_h * 1.01))
        if d.action == EnergyAction.DEICE_POWER_LINES
    ]
    assert decision.basis == "forecast" and decision.cross_sector_inputs == ("weather",)
    assert model(Mode.FUSED).on_forecast(forecast(rain_mm=per_h * 0.99)) == []
    # Above freezing the same rain makes no ice.
    assert model(Mode.FUSED).on_forecast(forecast(rain_mm=per_h * 2, temp_c=1.0)) == []
    with pytest.raises(ValueError, match="siloed"):
        model(Mode.SILOED).on_forecast(forecast(rain_mm=per_h))


def closed(mode: Mode = Mode.FUSED) -> RoadStatusChanged:
    return RoadStatusChanged(
        occurred_at=T0,
        source="transport",
        region=CITY,
        mode=mode,
        segment_id="G60-1",
        road="G60",
        from_city=CITY,
        to_city="361100",
        status=RoadStatus.CLOSED,
    )


def test_a_closed_road_makes_the_fused_model_send_crews_earlier() -> None:
    r = rules()
    need = r.icing.act_share_of_design * 15
    longer = r.icing.forecast_horizon_h + r.icing.road_closed_extra_h
    # Enough ice within the longer horizon, not within the usual one.
    per_h = per_hour_for(need, longer) * 1.01
    assert per_h * r.icing.forecast_horizon_h * r.icing.accretion_mm_per_mm < need
    assert model(Mode.FUSED).on_forecast(forecast(rain_mm=per_h)) == []
    m = model(Mode.FUSED)
    m.on_road_status(closed())
    (decision,) = m.on_forecast(forecast(rain_mm=per_h))
    assert decision.cross_sector_inputs == ("weather", "transport")


def test_forecast_heat_beyond_capacity_buys_reserve_and_orders_curtailment_beyond_it() -> None:
    out = model(Mode.FUSED).on_forecast(forecast(temp_c=41.0))
    assert {d.action for d in out} == {
        EnergyAction.SCHEDULE_RESERVE,
        EnergyAction.ORDERLY_POWER_USE,
    }
    assert all(d.cross_sector_inputs == ("weather",) for d in out)
    assert model(Mode.FUSED).on_forecast(forecast(temp_c=33.0)) == []


def water(status: str = "taken") -> DecisionMade:
    return DecisionMade(
        occurred_at=T0,
        source="water",
        region=CITY,
        sector="water",
        mode=Mode.FUSED,
        action="reinforce_levee",
        status=status,
        decision_key="works-1",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
    )


def test_pumping_works_make_an_outage_costlier_so_the_fused_model_acts_at_lower_odds() -> None:
    base = rules()
    m = model()
    city = m.cities[CITY]
    cost = m.prices[EnergyAction.DEICE_POWER_LINES]
    c = cost.charge(city.units[EnergyAction.DEICE_POWER_LINES]).over(base.hold_h)
    loss = city.outage_cost_yuan * base.icing.outage_share * base.icing.avoid_share
    # A monitor's chance just short of worth acting: p x L < C, but p x 1.5 L > C.
    p = 0.95 * c / loss
    assert p * base.priority_loss_factor > c / loss
    r = base.model_copy(update={"chances": base.chances.model_copy(update={"sensor": p})})
    reading = ice(base.icing.act_share_of_design * 15)
    assert model(Mode.FUSED, r).on_reading(reading) == []
    fused = model(Mode.FUSED, r)
    fused.on_water_decision(water())
    (decision,) = fused.on_reading(reading)
    assert decision.priority_sites and decision.cross_sector_inputs == ("water",)
    fused = model(Mode.FUSED, r)
    fused.on_water_decision(water())
    fused.on_water_decision(water("lifted"))
    assert fused.on_reading(reading) == []


def test_an_action_is_lifted_once_its_evidence_is_older_than_the_hold() -> None:
    m = model()
    (taken,) = m.on_reading(ice(10))
    hold = timedelta(hours=rules().hold_h)
    assert m.advance(T0 + hold - timedelta(hours=1)) == []
    (lift,) = m.advance(T0 + hold)
    assert isinstance(lift, EnergyDecision) and lift.status == "lifted"
    assert lift.decision_key == taken.decision_key and lift.action == taken.action
    assert lift.setup_cost_yuan == 0 and m.in_force() == []
    (again,) = m.on_reading(ice(10).model_copy(update={"occurred_at": T0 + 2 * hold}))
    assert again.event_id != taken.event_id


def test_a_late_reading_handled_after_a_lift_takes_effect_at_the_lift_not_before() -> None:
    """Else a lift would seem to end the newer decision (both modes may share its key)."""
    m = model()
    m.on_reading(ice(10))
    hold = timedelta(hours=rules().hold_h)
    (lift,) = m.advance(T0 + hold)
    late = ice(10).model_copy(update={"occurred_at": T0 + hold - timedelta(hours=1)})
    (again,) = m.on_reading(late)
    assert again.effective_at == again.occurred_at == lift.effective_at
    # a reading after the lift keeps its own time
    fresh = model()
    fresh.on_reading(ice(10))
    fresh.advance(T0 + hold)
    (later,) = fresh.on_reading(ice(10).model_copy(update={"occurred_at": T0 + 2 * hold}))
    assert later.effective_at == T0 + 2 * hold


def test_a_forecast_reads_the_same_load_whichever_offset_its_times_are_written_in() -> None:
    """The load curve follows the local hour of each step's instant: the same forecast with its
    times written at +08:00 (as the weather service sends them) or in UTC acts the same, on the
    load of the hot hour's local time (20:00 here, T0 being noon in Beijing)."""
    beijing = timezone(timedelta(hours=8))

    def hot_at_eight_pm(tz: timezone) -> ForecastIssued:
        steps = tuple(
            ForecastStep(
                valid_at=(T0 + timedelta(hours=h)).astimezone(tz),
                temp_c=41.0 if h == 8 else 20.0,
            )
            for h in range(1, 25)
        )
        return ForecastIssued(occurred_at=T0, source="weather", region=CITY, run_at=T0, steps=steps)

    # 41 °C at 20:00 leaves the city short (no solar then); at 04:00, where eight hours too many
    # would put it, the load is low
    g = grid(load_world())
    assert g.load_mw(CITY, 41.0, 20) > g.available_mw(CITY, 20)
    acted = [
        [(d.action, d.deficit_mw) for d in model(Mode.FUSED).on_forecast(hot_at_eight_pm(tz))]
        for tz in (UTC, beijing)
    ]
    assert acted[0] and acted[0] == acted[1]
