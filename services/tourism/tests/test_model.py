"""The tourism rules at their thresholds, siloed and fused, the cost-loss boundary, the ladder
and the lifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.tourism.domain import AreaModel, TourismRules
from services.tourism.service import TourismSettings, load_rules, prices
from shared.contracts.envelope import Mode
from shared.contracts.tourism import (
    Landscape,
    TourismAction,
    TourismDecision,
    TourismHazard,
    TourismReading,
)
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import (
    Colour,
    Exceedance,
    ForecastIssued,
    ForecastStep,
    SignalType,
    at_height,
)
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.sectors.tourism import MITIGATIONS, tourism
from tests.factories.weather import cap_warning

JAN = datetime(2008, 1, 20, 1, tzinfo=UTC)  # 09:00 in Beijing, January
JUL = datetime(2013, 7, 25, 1, tzinfo=UTC)  # 09:00 in Beijing, July
LUSHAN, TENGWANGGE, LONGHUSHAN = "lushan", "tengwangge", "longhushan"
WORLD = tourism(load_world())


def rules() -> TourismRules:
    return load_rules(TourismSettings().rules_path)


def model(mode: Mode = Mode.SILOED, r: TourismRules | None = None) -> AreaModel:
    return AreaModel(
        mode=mode,
        rules=r or rules(),
        world=WORLD,
        areas=list(WORLD.areas),
        prices=prices(load_world()),
        ledger=SituationLedger(),
    )


def reading(area: str = LUSHAN, at: datetime = JAN, **fields: object) -> TourismReading:
    a = WORLD.area(area)
    return TourismReading(occurred_at=at, source="test", region=a.city, site_id=a.id, **fields)


def taken(decisions: list[TourismDecision]) -> list[tuple[str, str]]:
    return [(str(d.action), d.site_id) for d in decisions if d.status == "taken"]


def forecast(
    city: str,
    at: datetime,
    *,
    hours: int = 36,
    temp_c: float = 20.0,
    rain_mm: float = 0.0,
    visibility_m: float = 20_000.0,
    gust_ms: float = 2.0,
    exceedance: tuple[Exceedance, ...] = (),
) -> ForecastIssued:
    steps = tuple(
        ForecastStep(
            valid_at=at + timedelta(hours=h + 1),
            temp_c=temp_c,
            rain_mm=rain_mm,
            visibility_m=visibility_m,
            gust_ms=gust_ms,
        )
        for h in range(hours)
    )
    return ForecastIssued(
        occurred_at=at, source="weather", region=city, run_at=at, steps=steps, exceedance=exceedance
    )


# -- own sensors, each hazard at its threshold -----------------------------------------------------


def test_ice_on_the_roads_closes_or_limits_lushan_and_dry_roads_do_nothing() -> None:
    assert model().on_reading(reading(road_icy=False, temp_c=-5)) == []
    decisions = model().on_reading(reading(road_icy=True, temp_c=-5))
    assert taken(decisions) in ([("close_area", LUSHAN)], [("limit_visitors", LUSHAN)])
    (d,) = decisions
    assert d.hazard is TourismHazard.ICE and d.basis == "sensor" and d.cross_sector_inputs == ()
    assert d.quantity == WORLD.revenue_blocks(WORLD.area(LUSHAN), 1)


def test_a_rainstorm_day_acts_at_fifty_millimetres_and_not_below() -> None:
    assert model().on_reading(reading(rain_24h_mm=49.9, at=JUL)) == []
    (d,) = model().on_reading(reading(rain_24h_mm=50, at=JUL))
    assert d.hazard is TourismHazard.STORM


def test_heat_acts_at_thirty_five_degrees_where_the_visitors_are() -> None:
    assert model().on_reading(reading(TENGWANGGE, JUL, temp_c=34.9)) == []
    (d,) = model().on_reading(reading(TENGWANGGE, JUL, temp_c=35.0))
    assert d.hazard is TourismHazard.HEAT and d.action == TourismAction.ADVISE_VISITORS


def test_fog_acts_below_two_hundred_metres() -> None:
    assert model().on_reading(reading(visibility_m=200)) == []
    (d,) = model().on_reading(reading(visibility_m=199))
    assert d.hazard is TourismHazard.FOG


def test_a_gale_acts_at_fifteen_metres_a_second() -> None:
    assert model().on_reading(reading(gust_ms=14.9, at=JUL)) == []
    (d,) = model().on_reading(reading(gust_ms=15.0, at=JUL))
    assert d.hazard is TourismHazard.GALE


def test_an_unknown_area_is_ignored() -> None:
    r = TourismReading(occurred_at=JAN, source="t", region="360400", site_id="x", road_icy=True)
    assert model().on_reading(r) == []


# -- the cost-loss boundary ------------------------------------------------------------------------


def test_advice_is_taken_only_where_p_times_the_loss_it_avoids_exceeds_its_cost() -> None:
    area = WORLD.area(TENGWANGGE)
    share = MITIGATIONS[TourismHazard.HEAT][TourismAction.ADVISE_VISITORS].avoid_share
    # Heat all day at 37 °C (severity 1) from 09:00 for persist_h hours.
    loss = sum(
        WORLD.harm_yuan(area, TourismHazard.HEAT, 1.0, 7, (9 + k) % 24)
        for k in range(rules().persist_h)
    )
    cost = prices(load_world())[TourismAction.ADVISE_VISITORS].charge(1).over(rules().persist_h)
    boundary = cost / (loss * share)
    below = rules().model_copy(
        update={"chances": rules().chances.model_copy(update={"sensor": boundary * 0.98})}
    )
    above = rules().model_copy(
        update={"chances": rules().chances.model_copy(update={"sensor": boundary * 1.02})}
    )
    hot = reading(TENGWANGGE, JUL, temp_c=37.0)
    assert model(r=below).on_reading(hot) == []
    assert taken(model(r=above).on_reading(hot)) == [("advise_visitors", TENGWANGGE)]


def test_the_best_action_wins_advice_for_a_light_harm_closure_for_a_heavy_one() -> None:
    light = model().on_reading(reading(TENGWANGGE, JUL, temp_c=35.5))
    assert taken(light) == [("advise_visitors", TENGWANGGE)]
    heavy = model().on_reading(reading(LUSHAN, JUL, rain_24h_mm=260))
    assert taken(heavy) == [("close_area", LUSHAN)]


# -- the ladder and lifting ------------------------------------------------------------------------


def test_a_stronger_action_replaces_a_weaker_and_a_weaker_one_is_not_added() -> None:
    m = model()
    assert taken(m.on_reading(reading(LUSHAN, JUL, rain_24h_mm=55))) == [
        ("advise_visitors", LUSHAN)
    ]
    out = m.on_reading(reading(LUSHAN, JUL, rain_24h_mm=260))
    assert taken(out) == [("close_area", LUSHAN)]
    (lift,) = [d for d in out if d.status == "lifted"]
    assert lift.action == TourismAction.ADVISE_VISITORS and "replaced" in lift.reason
    assert m.on_reading(reading(LUSHAN, JUL, rain_24h_mm=55)) == []  # the closure is kept
    assert [str(d.action) for d in m.in_force()] == ["close_area"]


def test_an_action_is_lifted_once_its_evidence_is_older_than_the_hold() -> None:
    m = model()
    (d,) = m.on_reading(reading(TENGWANGGE, JUL, temp_c=36))
    r = rules()
    end = JUL + timedelta(hours=r.hold_h)  # a reading every hour would have kept it
    assert m.advance(end - timedelta(minutes=1)) == []
    (lift,) = m.advance(end)
    assert lift.status == "lifted" and lift.decision_key == d.decision_key
    assert lift.cost_yuan_per_h == 0 and m.in_force() == []
    again = m.on_reading(reading(TENGWANGGE, end + timedelta(hours=1), temp_c=36))
    assert taken(again) == [("advise_visitors", TENGWANGGE)] and again[0].event_id != d.event_id


def test_cable_cars_are_not_stopped_in_a_closed_area() -> None:
    m = model()
    assert taken(m.on_reading(reading(LUSHAN, JUL, rain_24h_mm=260))) == [("close_area", LUSHAN)]
    assert m.on_reading(reading(LUSHAN, JUL, gust_ms=25)) == []


# -- warnings (both modes) -------------------------------------------------------------------------


def test_a_heat_warning_advises_the_city_pavilion_but_not_the_mountain_above_it() -> None:
    w = cap_warning(0, SignalType.HEAT, Colour.ORANGE, region="360100", t0=JUL)
    assert taken(model().on_warning(w)) == [("advise_visitors", TENGWANGGE)]
    cool = at_height(37, WORLD.area(LUSHAN).elevation_m)
    assert cool < 35
    w = cap_warning(0, SignalType.HEAT, Colour.ORANGE, region="360400", t0=JUL)
    assert model().on_warning(w) == []


def test_an_icing_warning_protects_the_area_and_a_cancel_does_nothing() -> None:
    w = cap_warning(0, SignalType.ROAD_ICING, Colour.ORANGE, region="360400", t0=JAN)
    (d,) = model().on_warning(w)
    assert d.basis == "warning" and d.hazard is TourismHazard.ICE and d.probability == 0.55
    cancel = cap_warning(
        0, SignalType.ROAD_ICING, Colour.ORANGE, region="360400", t0=JAN, msg_type="Cancel"
    )
    assert model().on_warning(cancel) == []


def test_a_fog_warning_announces_a_sea_of_clouds_where_the_area_has_one() -> None:
    w = cap_warning(0, SignalType.FOG, Colour.YELLOW, region="360400", t0=JAN)
    out = model().on_warning(w)
    assert taken(out) == [("publish_landscape_forecast", LUSHAN)]
    assert out[0].landscape is Landscape.SEA_OF_CLOUDS
    w = cap_warning(0, SignalType.FOG, Colour.YELLOW, region="360600", t0=JAN)
    assert model().on_warning(w) == []  # Longhushan: no landscape, and yellow fog harms no one


# -- landscapes seen on site -----------------------------------------------------------------------


def test_rime_on_the_webcam_announces_it_for_the_morning_after() -> None:
    m = model()
    (d,) = m.on_reading(reading(LUSHAN, JAN, landscape=Landscape.RIME))
    assert d.action == TourismAction.PUBLISH_LANDSCAPE_FORECAST and d.setup_cost_yuan > 0
    assert d.cost_yuan_per_h == 0  # a one-off price
    assert m.on_reading(reading(LUSHAN, JAN, landscape=Landscape.RIME)) == []  # in force


# -- fused: forecasts and road status --------------------------------------------------------------


def test_the_siloed_model_refuses_other_sectors_data() -> None:
    with pytest.raises(ValueError, match="siloed"):
        model().on_forecast(forecast("360400", JUL))
    status = RoadStatusChanged(
        occurred_at=JAN,
        source="transport",
        region="360100",
        mode=Mode.FUSED,
        segment_id="G70-NC-JJ",
        road="G70",
        from_city="360100",
        to_city="360400",
        status=RoadStatus.CLOSED,
    )
    with pytest.raises(ValueError, match="siloed"):
        model().on_road_status(status)


def test_a_forecast_storm_closes_the_area_its_lead_before_the_rain_reaches_the_visitors() -> None:
    at = datetime(2020, 7, 7, 14, tzinfo=UTC)  # 22:00 in Beijing: tomorrow's visitors ahead
    f = forecast(
        "360400",
        at,
        rain_mm=8.0,
        exceedance=(Exceedance(product="rain_24h_ge_50_x1h_24h", probability=0.9),),
    )
    out = model(Mode.FUSED).on_forecast(f)
    (d,) = [x for x in out if x.site_id == LUSHAN and x.hazard is TourismHazard.STORM]
    assert d.action == TourismAction.CLOSE_AREA and d.probability == 0.9
    assert d.cross_sector_inputs == ("weather",)
    lead = MITIGATIONS[TourismHazard.STORM][TourismAction.CLOSE_AREA].lead_h
    first_visitors = datetime(2020, 7, 7, 23, tzinfo=UTC)  # 07:00 in Beijing
    assert d.effective_at == first_visitors - timedelta(hours=lead)


def test_a_forecast_of_heat_is_not_acted_on_where_the_visitors_are_too_high_for_it() -> None:
    f = forecast(
        "360400",
        JUL,
        temp_c=45.0,
        exceedance=(Exceedance(product="tmax_day_ge_37_x2d_72h", probability=0.9),),
    )
    assert [d for d in model(Mode.FUSED).on_forecast(f) if d.site_id == LUSHAN] == []
    f = forecast(
        "360100",
        JUL,
        temp_c=38.0,
        exceedance=(Exceedance(product="tmax_day_ge_35_x3d_72h", probability=0.9),),
    )
    (d,) = model(Mode.FUSED).on_forecast(f)
    assert d.site_id == TENGWANGGE and d.probability == 0.9


def ice_p(p: float) -> tuple[Exceedance, ...]:
    return (Exceedance(product="freezing_rain_ge_0.1_x1h_12h", probability=p),)


def test_a_forecast_is_acted_on_only_with_the_forecasters_issued_probability() -> None:
    # freezing rain all day ahead: no probability issued, or an issued 0, is not acted on
    f = forecast("360400", JAN, temp_c=-3.0, rain_mm=1.0)
    assert model(Mode.FUSED).on_forecast(f) == []
    f = forecast("360400", JAN, temp_c=-3.0, rain_mm=1.0, exceedance=ice_p(0.0))
    assert model(Mode.FUSED).on_forecast(f) == []
    # the city's product is the mountain area's chance too (a lower bound up there)
    f = forecast("360400", JAN, temp_c=-3.0, rain_mm=1.0, exceedance=ice_p(0.9))
    (d,) = model(Mode.FUSED).on_forecast(f)
    assert d.site_id == LUSHAN and d.hazard is TourismHazard.ICE and d.probability == 0.9
    assert "freezing_rain_ge_0.1_x1h_12h" in d.reason


def test_gales_and_landscapes_have_no_product_and_their_forecasts_are_not_acted_on() -> None:
    every = tuple(
        Exceedance(product=p, probability=0.99)
        for p in (*rules().products.values(), *(p for _, p in rules().heat_products))
    )
    gale = forecast("360400", JUL, gust_ms=30.0, exceedance=every)
    assert model(Mode.FUSED).on_forecast(gale) == []
    at = datetime(2018, 12, 9, 10, tzinfo=UTC)  # 18:00 in Beijing: a sea of clouds at dawn
    sea = forecast("360400", at, temp_c=8.0, visibility_m=500, exceedance=every)
    assert model(Mode.FUSED).on_forecast(sea) == []  # (fog at the 3 km valley is no harm)


def test_harm_beyond_the_products_horizon_is_not_acted_on() -> None:
    fog = (Exceedance(product="visibility_lt_200_x1h_3h", probability=0.9),)
    at = datetime(2020, 1, 20, 19, tzinfo=UTC)  # 03:00 in Beijing: visitors from 07:00
    f = forecast("360400", at, visibility_m=100, exceedance=fog)
    assert model(Mode.FUSED).on_forecast(f) == []  # the harm starts 4 h on: past 3 h
    f = forecast("360400", at + timedelta(hours=1), visibility_m=100, exceedance=fog)
    (d,) = model(Mode.FUSED).on_forecast(f)  # 3 h on: at the product's horizon
    assert d.hazard is TourismHazard.FOG and d.probability == 0.9


def test_a_fresh_reading_without_the_hazard_outweighs_the_forecasts_next_hours() -> None:
    r = rules()
    at = datetime(2008, 1, 19, 23, tzinfo=UTC)  # 07:00 in Beijing: visitors from the first hour
    f = forecast("360400", at, temp_c=-3.0, rain_mm=1.0, exceedance=ice_p(0.9))
    lone = model(Mode.FUSED).on_forecast(f)
    (d,) = lone
    m = model(Mode.FUSED)
    m.on_reading(reading(LUSHAN, at - timedelta(hours=r.reading_fresh_h), road_icy=False))
    (n,) = m.on_forecast(f)
    # the first nowcast_h hours after the reading are not taken: the harm starts later, is less
    assert n.reason != d.reason and n.expected_loss_avoided_yuan < d.expected_loss_avoided_yuan
    stale = model(Mode.FUSED)
    old = at - timedelta(hours=r.reading_fresh_h + 0.5)
    stale.on_reading(reading(LUSHAN, old, road_icy=False))
    (s,) = stale.on_forecast(f)
    assert s.reason == d.reason  # a reading too old to outweigh it
    icy = model(Mode.FUSED)
    icy.on_reading(reading(LUSHAN, at - timedelta(hours=1), road_icy=True, temp_c=-4))
    assert all(x.reason != n.reason for x in icy.on_forecast(f))  # the site agrees: all taken


def test_evidence_worth_only_advice_does_not_keep_an_area_closed() -> None:
    m = model()
    (c,) = m.on_reading(reading(LUSHAN, JUL, rain_24h_mm=260))
    assert c.action == TourismAction.CLOSE_AREA
    later = JUL + timedelta(hours=3)
    assert m.on_reading(reading(LUSHAN, later, rain_24h_mm=55)) == []  # advice's worth only
    closing_until = JUL + timedelta(hours=rules().hold_h)
    assert m.advance(closing_until - timedelta(minutes=1)) == []
    out = m.advance(closing_until)  # the closure lapses on its own evidence, advice takes over
    assert [(str(d.action), d.status) for d in out] == [
        ("close_area", "lifted"),
        ("advise_visitors", "taken"),
    ]
    assert out[1].effective_at == closing_until and out[1].hazard is TourismHazard.STORM
    # evidence worth the closure itself keeps it on
    m2 = model()
    m2.on_reading(reading(LUSHAN, JUL, rain_24h_mm=260))
    assert m2.on_reading(reading(LUSHAN, later, rain_24h_mm=260)) == []
    assert m2.advance(closing_until) == []


def test_a_measured_condition_is_priced_for_a_day_whatever_the_hour() -> None:
    for rain, action in ((120, TourismAction.ADVISE_VISITORS), (260, TourismAction.CLOSE_AREA)):
        for hour in range(24):
            at = datetime(2013, 7, 25, hour, tzinfo=UTC)
            (d,) = model().on_reading(reading(LUSHAN, at, rain_24h_mm=rain))
            assert d.action == action, (rain, hour)


def test_a_closed_access_road_advises_the_areas_visitors() -> None:
    m = model(Mode.FUSED)
    status = RoadStatusChanged(
        occurred_at=JAN,
        source="transport",
        region="360100",
        mode=Mode.FUSED,
        segment_id="G70-NC-JJ",
        road="G70",
        from_city="360100",
        to_city="360400",
        status=RoadStatus.CLOSED,
    )
    (d,) = m.on_road_status(status)
    assert (d.action, d.site_id, d.basis) == (TourismAction.ADVISE_VISITORS, LUSHAN, "road")
    assert d.cross_sector_inputs == ("transport",) and m.roads_closed(LUSHAN) == ("G70-NC-JJ",)
    assert d.probability == rules().chances.road
    later = JAN + timedelta(days=2)
    assert taken(m.advance(later)) == []  # the advice lapses; the road stays closed
    reopened = status.model_copy(update={"status": RoadStatus.OPEN})
    assert m.on_road_status(reopened) == [] and m.roads_closed(LUSHAN) == ()
