"""The water rules at their thresholds, siloed and fused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.water.domain import WaterModel, WaterRules
from services.water.service import WaterSettings, load_rules
from shared.contracts.agriculture import (
    AdvisoryBasis,
    AdvisoryIssued,
    Industry,
    RiskKind,
    RiskLevel,
)
from shared.contracts.emergency import EmergencyAction, Measure, ResponseDecided
from shared.contracts.envelope import Mode
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.water import HydroReading, StationKind, WaterAction, WaterDecision
from shared.contracts.weather import Colour, Exceedance, ForecastIssued, ForecastStep
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.costs import Per
from shared.world.sectors.water import works
from tests.factories.weather import rain_warnings

T0 = datetime(2020, 7, 7, tzinfo=UTC)
WORLD = load_world()
WORKS = works(WORLD)
FUZHOU = "361000"  # riverside on the Fuhe (Lijiadu), below Hongmen
JIUJIANG = "360400"  # its lake-side plain is judged on Hukou
LIJIADU = WORLD.gauge("lijiadu")
HONGMEN = WORKS.reservoir("hongmen")
WANAN = WORKS.reservoir("wanan")  # protects Ji'an and Nanchang
KANGSHAN = next(a for a in WORKS.storage_areas if a.id == "kangshan")
LAKE_CITIES = sorted(c.code for c in WORLD.cities if c.lake_gauge is not None)


def rules() -> WaterRules:
    return load_rules(WaterSettings().rules_path)


def model(mode: Mode = Mode.SILOED, r: WaterRules | None = None, **kw: object) -> WaterModel:
    ledger = kw.get("ledger")
    return WaterModel(
        mode,
        world=WORLD,
        works=WORKS,
        rules=r or rules(),
        ledger=ledger if isinstance(ledger, SituationLedger) else None,
    )


def stage(gauge: str, level: float, at: datetime = T0) -> HydroReading:
    return HydroReading(
        occurred_at=at,
        source="test",
        region=WORLD.gauge(gauge).city,
        station_kind=StationKind.GAUGE,
        station_id=gauge,
        level_m=level,
    )


def inflow(reservoir: str, q: float, at: datetime = T0) -> HydroReading:
    r = WORKS.reservoir(reservoir)
    return HydroReading(
        occurred_at=at,
        source="test",
        region=r.city,
        station_kind=StationKind.RESERVOIR,
        station_id=reservoir,
        level_m=r.flood_limit_level_m,
        inflow_m3s=q,
    )


def actions(decisions: list[WaterDecision]) -> list[str]:
    return sorted(d.action for d in decisions)


def of(decisions: list[WaterDecision], action: WaterAction) -> list[WaterDecision]:
    return [d for d in decisions if d.action == action]


#: What a reach at its warning level gets (the reinforcement margin over it is 0 m).
AT_WARNING = sorted([WaterAction.PATROL_LEVEE, WaterAction.REINFORCE_LEVEE])


# -- patrol and reinforcement ----------------------------------------------------------------


def test_below_the_warning_level_no_patrol_at_it_a_patrol_of_the_city_s_levees() -> None:
    assert model().on_reading(stage("lijiadu", LIJIADU.warning_m - 0.01)) == []
    assert rules().levee.reinforce_above_warning_m == 0
    for mode in Mode:
        decided = model(mode).on_reading(stage("lijiadu", LIJIADU.warning_m))
        assert actions(decided) == AT_WARNING
        (patrol,) = of(decided, WaterAction.PATROL_LEVEE)
        assert patrol.action == WaterAction.PATROL_LEVEE and patrol.region == FUZHOU
        assert patrol.asset_ids == (f"{FUZHOU}-riverside",) and patrol.basis == "gauge"
        assert patrol.quantity == WORLD.city(FUZHOU).levee_km and patrol.cost_unit == "km-day"
        assert patrol.cross_sector_inputs == () and patrol.effective_at == T0


def test_a_lake_gauge_patrols_the_lake_side_plain_of_its_city() -> None:
    xingzi = WORLD.gauge("xingzi")
    decided = model().on_reading(stage("xingzi", xingzi.warning_m))
    assert actions(decided) == AT_WARNING
    (patrol,) = of(decided, WaterAction.PATROL_LEVEE)
    assert patrol.asset_ids == ("360100-floodplain",) and patrol.region == "360100"


def test_reinforcement_starts_at_its_margin_over_the_warning_level() -> None:
    at = LIJIADU.warning_m + rules().levee.reinforce_above_warning_m
    m = model()
    assert m.on_reading(stage("lijiadu", at - 0.01, T0 - timedelta(hours=1))) == []
    (reinforce,) = of(
        m.on_reading(stage("lijiadu", at, T0 + timedelta(hours=1))), WaterAction.REINFORCE_LEVEE
    )
    assert reinforce.action == WaterAction.REINFORCE_LEVEE and reinforce.setup_cost_yuan > 0
    assert reinforce.expected_loss_avoided_yuan > 0 and 0 < reinforce.probability <= 1
    assert m.on_reading(stage("lijiadu", at + 0.5, T0 + timedelta(hours=2))) == []  # once


def test_a_lake_rising_towards_warning_is_reinforced_when_its_trend_gets_there_in_time() -> None:
    xingzi = WORLD.gauge("xingzi")
    lv = rules().levee
    ahead, window = lv.reinforce_ahead_h["lake"], timedelta(hours=lv.trend_window_h)
    now = xingzi.warning_m - 1.0
    # a day's rise that, held, brings the lake to warning in exactly the lead time
    rise = 1.0 * lv.trend_window_h / ahead
    for start, expected in ((now - rise + 0.01, []), (now - rise, [WaterAction.REINFORCE_LEVEE])):
        m = model()
        assert m.on_reading(stage("xingzi", start, T0 - window)) == []
        decided = m.on_reading(stage("xingzi", now, T0))
        assert actions(decided) == expected
        for d in decided:
            assert d.basis == "trend" and d.effective_at == T0 and d.cross_sector_inputs == ()
    # it stands for its hold, though the lake has been below warning for longer than that
    hold = timedelta(hours=lv.stand_down_h)
    assert m.advance(T0 + hold - timedelta(hours=1)) == []
    assert actions(m.advance(T0 + hold)) == [WaterAction.REINFORCE_LEVEE]
    # a falling or flat lake is not reinforced below warning
    flat = model()
    flat.on_reading(stage("xingzi", now, T0 - window))
    assert flat.on_reading(stage("xingzi", now, T0)) == []


def test_a_levee_operation_stands_down_after_its_hold_below_warning() -> None:
    hold = timedelta(hours=rules().levee.stand_down_h)
    m = model()
    m.on_reading(stage("lijiadu", LIJIADU.warning_m + 0.5))
    below = T0 + timedelta(hours=5)
    m.on_reading(stage("lijiadu", LIJIADU.warning_m - 0.2, below))
    assert m.advance(below + hold - timedelta(hours=1)) == []
    lifts = m.advance(below + hold)
    assert actions(lifts) == AT_WARNING
    for lift in lifts:
        assert lift.status == "lifted"
        assert lift.setup_cost_yuan == 0 and lift.cost_yuan_per_h == 0
        (taken,) = [d for d in m.decisions() if d.status == "taken" and d.action == lift.action]
        assert lift.decision_key == taken.decision_key


# -- pre-release -------------------------------------------------------------------------------


def test_pre_release_on_own_inflow_at_its_share_of_the_safe_discharge() -> None:
    at = rules().pre_release.inflow_share * WANAN.max_discharge_m3s
    assert model().on_reading(inflow("wanan", at - 1)) == []
    decided = model().on_reading(inflow("wanan", at))
    assert sorted(d.region for d in decided) == sorted(WANAN.protects)
    for d in decided:
        assert d.action == WaterAction.PRE_RELEASE and d.works_id == "wanan"
        assert d.share == pytest.approx(1 / len(WANAN.protects))
        assert d.asset_ids == (f"{d.region}-riverside",) and d.basis == "reservoir"
        assert d.quantity == pytest.approx(d.share) and d.cost_unit == "facility-day"


def test_an_orange_rainstorm_warning_pre_releases_in_both_modes_a_yellow_does_not() -> None:
    warnings = rain_warnings(HONGMEN.city, [20, 20, 20])
    orange = [w for w in warnings if w.colour is Colour.ORANGE]
    assert orange
    for mode in Mode:
        (d,) = model(mode).on_warning(orange[0])
        assert d.works_id == "hongmen" and d.region == FUZHOU and d.basis == "warning"
        assert d.cross_sector_inputs == ()
    yellow = [w for w in rain_warnings(HONGMEN.city, [9] * 6) if w.colour is Colour.YELLOW]
    assert yellow and all(model().on_warning(w) == [] for w in yellow)


def forecast(region: str, p: float | None, rain_per_hour: float = 0.0) -> ForecastIssued:
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h + 1), rain_mm=rain_per_hour) for h in range(48)
    )
    exceedance = (
        ()
        if p is None
        else (Exceedance(product=rules().pre_release.forecast_product, probability=p),)
    )
    return ForecastIssued(
        occurred_at=T0,
        source="weather",
        region=region,
        run_at=T0,
        steps=steps,
        exceedance=exceedance,
    )


def pre_release_break_even() -> float:
    """The forecast chance at which p x L = C for Hongmen's pre-release for Fuzhou."""
    r = rules().pre_release
    loss = WORLD.city(FUZHOU).river_exposed_assets_yuan * r.inundation_share * r.avoid_share
    cost = WORLD.charge(WaterAction.PRE_RELEASE, Per.FACILITY, 1.0).over(r.hold_h)
    return cost / loss / r.flood_given_rain


def test_a_forecast_pre_releases_in_the_fused_mode_only_above_the_cost_loss_ratio() -> None:
    p = pre_release_break_even()
    assert model(Mode.FUSED).on_forecast(forecast(HONGMEN.city, p * 0.999)) == []
    (d,) = model(Mode.FUSED).on_forecast(forecast(HONGMEN.city, p * 1.01))
    assert d.basis == "forecast" and d.cross_sector_inputs == ("weather",)
    assert d.probability == pytest.approx(p * 1.01 * rules().pre_release.flood_given_rain)
    with pytest.raises(ValueError, match="siloed"):
        model(Mode.SILOED).on_forecast(forecast(HONGMEN.city, 0.9))


def test_fused_a_heavy_rain_forecast_reinforces_from_its_watch_margin_below_warning() -> None:
    watch = LIJIADU.warning_m - rules().levee.forecast_watch_m
    heavy = forecast(FUZHOU, 0.9)
    low = model(Mode.FUSED)
    low.on_reading(stage("lijiadu", watch - 0.01, T0 - timedelta(hours=1)))
    assert of(low.on_forecast(heavy), WaterAction.REINFORCE_LEVEE) == []
    near = model(Mode.FUSED)
    near.on_reading(stage("lijiadu", watch, T0 - timedelta(hours=1)))
    (ahead,) = of(near.on_forecast(heavy), WaterAction.REINFORCE_LEVEE)
    assert ahead.basis == "forecast" and ahead.cross_sector_inputs == ("weather",)
    assert ahead.probability == pytest.approx(0.9 * rules().levee.reinforce_probability)
    with pytest.raises(ValueError, match="siloed"):
        model().on_forecast(heavy)


def test_a_pre_release_is_lifted_its_hold_after_its_last_trigger() -> None:
    hold = timedelta(hours=rules().pre_release.hold_h)
    q = HONGMEN.max_discharge_m3s
    m = model()
    (taken,) = m.on_reading(inflow("hongmen", q))
    later = T0 + timedelta(hours=10)
    assert m.on_reading(inflow("hongmen", q, later)) == []  # held, not decided again
    assert m.advance(later + hold - timedelta(hours=1)) == []
    (lift,) = m.advance(later + hold)
    assert lift.status == "lifted" and lift.decision_key == taken.decision_key


# -- storage areas -----------------------------------------------------------------------------


def unreinforced() -> WaterRules:
    """The rules with no levee reinforcement below 10 m over warning (the storage rule alone)."""
    r = rules()
    levee = r.levee.model_copy(update={"reinforce_above_warning_m": 10.0})
    return r.model_copy(update={"levee": levee})


def test_a_storage_area_opens_for_every_lake_city_at_its_margin_and_rising() -> None:
    at = KANGSHAN.design_level_m - rules().storage.margin_m
    m = model(r=unreinforced())
    m.on_reading(stage("hukou", at - 0.3))
    assert m.on_reading(stage("hukou", at - 0.01, T0 + timedelta(hours=1))) == []
    opened = [
        d
        for d in m.on_reading(stage("hukou", at, T0 + timedelta(hours=2)))
        if d.action == WaterAction.OPEN_STORAGE_AREA
    ]
    assert {d.works_id for d in opened} == {"kangshan"}
    assert sorted(d.region for d in opened) == LAKE_CITIES
    cost = m.storage_cost(KANGSHAN)[0]
    assert sum(d.setup_cost_yuan for d in opened) == pytest.approx(cost, rel=1e-6)
    assert all(d.cost_yuan_per_h == 0 for d in opened)


def test_behind_reinforced_levees_a_storage_area_saves_too_little_to_open() -> None:
    at = KANGSHAN.design_level_m - rules().storage.margin_m
    m = model()  # Hukou above its warning level: Jiujiang's lake levees are reinforced first
    first = m.on_reading(stage("hukou", at - 0.3))
    assert WaterAction.REINFORCE_LEVEE in actions(first)
    opened = of(
        m.on_reading(stage("hukou", at, T0 + timedelta(hours=1))), WaterAction.OPEN_STORAGE_AREA
    )
    assert JIUJIANG not in {d.region for d in opened}


def test_a_falling_lake_at_the_design_level_opens_nothing() -> None:
    m = model()
    m.on_reading(stage("hukou", KANGSHAN.design_level_m + 0.1))
    falling = m.on_reading(stage("hukou", KANGSHAN.design_level_m, T0 + timedelta(hours=1)))
    assert [d for d in falling if d.action == WaterAction.OPEN_STORAGE_AREA] == []


def evacuation(city: str) -> ResponseDecided:
    return ResponseDecided(
        occurred_at=T0,
        source="emergency",
        region=city,
        mode=Mode.FUSED,
        action=EmergencyAction.EVACUATE,
        measure=Measure.EVACUATION,
        decision_key=f"evac:{city}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
        people_to_evacuate=1000,
    )


def early_harvest(city: str) -> AdvisoryIssued:
    return AdvisoryIssued(
        occurred_at=T0,
        source="agriculture",
        region=city,
        mode=Mode.FUSED,
        action="early_harvest",
        decision_key=f"harvest:{city}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
        industry=Industry.RICE,
        crop="early_rice",
        risk=RiskKind.WATERLOGGING,
        risk_level=RiskLevel.HIGH,
        basis=AdvisoryBasis.SENSORS,
        advice_zh="抢收",
        advice_en="harvest early",
    )


def test_fused_an_evacuation_and_an_early_harvest_make_opening_cheaper() -> None:
    siloed, fused = model(Mode.SILOED), model(Mode.FUSED)
    fused.on_response(evacuation(KANGSHAN.city))
    fused.on_advisory(early_harvest(KANGSHAN.city))
    cost_s, sectors_s, _ = siloed.storage_cost(KANGSHAN)
    cost_f, sectors_f, causes = fused.storage_cost(KANGSHAN)
    assert cost_f < cost_s and sectors_s == () and set(sectors_f) == {"agriculture", "emergency"}
    assert len(causes) == 2
    with pytest.raises(ValueError, match="siloed"):
        siloed.on_response(evacuation(KANGSHAN.city))


def test_where_only_the_cheaper_fused_opening_passes_p_x_l_over_c_only_fused_opens() -> None:
    base = rules()
    s = base.storage
    city = min((c for c in WORLD.cities if c.lake_gauge), key=lambda c: c.flood_exposed_assets_yuan)
    loss = city.flood_exposed_assets_yuan * s.inundation_share * s.avoid_share
    probe = model(Mode.FUSED)
    probe.on_response(evacuation(KANGSHAN.city))
    share = 1 / len(LAKE_CITIES)
    # p between the fused and the siloed break-even chance
    p_siloed = model().storage_cost(KANGSHAN)[0] * share / loss
    p_fused = probe.storage_cost(KANGSHAN)[0] * share / loss
    p = (p_siloed + p_fused) / 2
    assert 0 < p < 1
    tuned = base.model_copy(update={"storage": s.model_copy(update={"probability": p})})
    at = KANGSHAN.design_level_m - s.margin_m
    out: dict[Mode, list[WaterDecision]] = {}
    for mode in Mode:
        m = model(mode, tuned)
        if mode is Mode.FUSED:
            m.on_response(evacuation(KANGSHAN.city))
        m.on_reading(stage("hukou", at - 0.1))
        out[mode] = [
            d
            for d in m.on_reading(stage("hukou", at, T0 + timedelta(hours=1)))
            if d.action == WaterAction.OPEN_STORAGE_AREA
            and d.region == city.code
            and d.works_id == "kangshan"
        ]
    assert out[Mode.SILOED] == []
    (d,) = out[Mode.FUSED]
    assert d.cross_sector_inputs == ("emergency",)


# -- roads and keys ----------------------------------------------------------------------------


def closure(city: str, status: RoadStatus = RoadStatus.CLOSED) -> RoadStatusChanged:
    return RoadStatusChanged(
        occurred_at=T0,
        source="transport",
        region=city,
        mode=Mode.FUSED,
        segment_id="G70-test",
        road="G70",
        from_city="360100",
        to_city=city,
        status=status,
    )


def test_fused_a_closed_road_delays_the_levee_crew_and_says_so() -> None:
    delay = timedelta(hours=rules().road.closure_delay_h)
    fused = model(Mode.FUSED)
    fused.on_road_status(closure(FUZHOU))
    for late in fused.on_reading(stage("lijiadu", LIJIADU.warning_m)):
        assert late.effective_at == T0 + delay and late.delayed_h == delay.total_seconds() / 3600
        assert late.cross_sector_inputs == ("transport",)
    reopened = model(Mode.FUSED)
    reopened.on_road_status(closure(FUZHOU))
    reopened.on_road_status(closure(FUZHOU, RoadStatus.OPEN))
    for on_time in reopened.on_reading(stage("lijiadu", LIJIADU.warning_m)):
        assert on_time.effective_at == T0 and on_time.cross_sector_inputs == ()
    with pytest.raises(ValueError, match="siloed"):
        model().on_road_status(closure(FUZHOU))


def test_both_modes_share_a_situation_s_key_and_never_an_event_id() -> None:
    ledger = SituationLedger()
    s = model(Mode.SILOED, ledger=ledger)
    f = model(Mode.FUSED, ledger=ledger)
    (a,) = of(s.on_reading(stage("lijiadu", LIJIADU.warning_m)), WaterAction.PATROL_LEVEE)
    later = T0 + timedelta(hours=2)
    (b,) = of(f.on_reading(stage("lijiadu", LIJIADU.warning_m, later)), WaterAction.PATROL_LEVEE)
    assert a.decision_key == b.decision_key and a.event_id != b.event_id
