"""The urban rules at their thresholds, siloed and fused, the cost-loss boundary and the lifts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.urban.domain import DrainageModel, UrbanRules
from services.urban.service import UrbanSettings, load_rules, prices, warning_levels
from shared.contracts.envelope import Mode
from shared.contracts.urban import DrainageReading, UrbanAction, UrbanDecision
from shared.contracts.water import HydroReading, StationKind
from shared.contracts.weather import Colour, Exceedance, ForecastIssued, ForecastStep, SignalType
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.costs import CostSpec, Per
from shared.world.sectors.urban import UrbanWorld, urban
from tests.factories.weather import cap_warning

T0 = datetime(2010, 6, 20, 4, tzinfo=UTC)  # noon in Beijing
CITY = "360100"
OLD_TOWN = "nc-laocheng"  # outfalls on the Ganjiang (Waizhou)
CHANGBEI = "nc-changbei"  # outfalls to the lake (Xingzi)


def rules() -> UrbanRules:
    return load_rules(UrbanSettings().rules_path)


def world() -> UrbanWorld:
    return urban(load_world())


def model(
    mode: Mode = Mode.SILOED,
    priced: dict[UrbanAction, CostSpec] | None = None,
    r: UrbanRules | None = None,
) -> DrainageModel:
    w = load_world()
    return DrainageModel(
        mode=mode,
        rules=r or rules(),
        urban=urban(w),
        warning_levels=warning_levels(w),
        prices=priced or prices(w),
        ledger=SituationLedger(),
    )


def reading(
    zone: str = OLD_TOWN,
    *,
    depth_cm: float = 0.0,
    fill: float = 0.2,
    rain: float = 0.0,
    at: datetime = T0,
) -> DrainageReading:
    return DrainageReading(
        occurred_at=at,
        source="test",
        region=CITY,
        zone_id=zone,
        pipe_fill=fill,
        street_depth_cm=depth_cm,
        rain_mm=rain,
    )


def gauge(station: str, level: float) -> HydroReading:
    return HydroReading(
        occurred_at=T0,
        source="simulator",
        region=CITY,
        station_kind=StationKind.GAUGE,
        station_id=station,
        level_m=level,
    )


def forecast(
    rain_by_hour: dict[int, float], probabilities: dict[str, float] | None = None
) -> ForecastIssued:
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h), rain_mm=rain_by_hour.get(h, 0.0))
        for h in range(1, 49)
    )
    exceedance = tuple(
        Exceedance(product=k, probability=v) for k, v in (probabilities or {}).items()
    )
    return ForecastIssued(
        occurred_at=T0, source="weather", region=CITY, run_at=T0, steps=steps, exceedance=exceedance
    )


def actions(decisions: list[UrbanDecision]) -> set[tuple[str, str]]:
    return {(d.zone_id, d.action) for d in decisions if d.status == "taken"}


def closure_depth_cm() -> float:
    """The low streets' depth at which an underpass reaches its first loss step (0.3 m)."""
    return 0.3 / world().underpass_depth_factor * 100


# -- own sensors (both modes) ------------------------------------------------------------------


def test_a_dry_network_does_nothing() -> None:
    assert model().on_reading(reading(fill=0.3)) == []


def test_ponding_just_below_an_underpass_s_first_step_does_nothing_and_at_it_closes_it() -> None:
    below = closure_depth_cm() - 0.1
    assert model().on_reading(reading(depth_cm=below)) == []
    decided = model().on_reading(reading(depth_cm=closure_depth_cm() + 0.01))
    # pumps and a lowered network spare underpasses some of it too
    assert actions(decided) == {(OLD_TOWN, a) for a in UrbanAction}
    closure = next(d for d in decided if d.action == UrbanAction.CLOSE_UNDERPASS)
    assert closure.basis == "sensor" and closure.cross_sector_inputs == ()
    assert closure.asset_ids == (f"{OLD_TOWN}-underpasses",)
    assert closure.quantity == world().zone(OLD_TOWN).underpasses


def test_street_ponding_at_its_first_step_brings_the_network_down_too() -> None:
    decided = model().on_reading(reading(depth_cm=15.0))
    assert (OLD_TOWN, UrbanAction.PRE_LOWER_NETWORK) in actions(decided)


def test_heavy_rain_measured_now_is_projected_ahead_and_light_rain_is_not() -> None:
    zone = world().zone(OLD_TOWN)
    light = zone.design_rain_mm_h * 0.9  # the network takes it all
    assert model().on_reading(reading(rain=light, fill=0.9)) == []
    heavy = model().on_reading(reading(rain=zone.design_rain_mm_h * 1.5, fill=1.0))
    assert {a for _, a in actions(heavy)} == set(UrbanAction)
    assert all(d.depth_m and d.depth_m > 0 for d in heavy)


def test_an_action_is_taken_only_where_p_times_the_loss_avoided_exceeds_its_cost() -> None:
    m = model()
    zone = world().zone(OLD_TOWN)
    depth = (closure_depth_cm() + 0.01) / 100
    loss = m.urban.avoided_yuan(zone, UrbanAction.CLOSE_UNDERPASS, depth, 0)
    p = rules().chances.sensor
    hold = rules().actions[UrbanAction.CLOSE_UNDERPASS].hold_h

    def priced(cost: float) -> dict[UrbanAction, CostSpec]:
        out = prices(load_world())
        per_unit_h = cost / zone.underpasses / hold
        out[UrbanAction.CLOSE_UNDERPASS] = CostSpec(
            per=Per.FACILITY, period_h=1, unit_cost_yuan=per_unit_h, source="test"
        )
        return out

    at = reading(depth_cm=depth * 100)
    dear = model(priced=priced(p * loss * 1.001)).on_reading(at)
    cheap = model(priced=priced(p * loss * 0.999)).on_reading(at)
    assert (OLD_TOWN, UrbanAction.CLOSE_UNDERPASS) not in actions(dear)
    assert (OLD_TOWN, UrbanAction.CLOSE_UNDERPASS) in actions(cheap)


# -- public warnings (both modes) ----------------------------------------------------------------


def test_a_blue_rainstorm_warning_leaves_an_open_network_dry_and_a_red_one_ponds_the_old_town() -> (
    None
):
    blue = cap_warning(0, SignalType.RAINSTORM, Colour.BLUE, region=CITY, t0=T0)
    assert model().on_warning(blue) == []
    red = cap_warning(0, SignalType.RAINSTORM, Colour.RED, region=CITY, t0=T0)
    decided = model().on_warning(red)
    assert (OLD_TOWN, UrbanAction.DEPLOY_PUMPS) in actions(decided)
    assert {d.basis for d in decided} == {"warning"}
    assert all(d.probability == rules().chances.warning[Colour.RED] for d in decided)


def test_another_signal_does_nothing() -> None:
    heat = cap_warning(0, SignalType.HEAT, Colour.RED, region=CITY, t0=T0)
    assert model().on_warning(heat) == []


# -- backwater and forecasts (fused) ---------------------------------------------------------------


def test_the_siloed_model_refuses_other_sectors_data() -> None:
    with pytest.raises(ValueError, match="siloed"):
        model().on_gauge(gauge("xingzi", 20.0))
    with pytest.raises(ValueError, match="siloed"):
        model().on_forecast(forecast({3: 10.0}))


def test_the_lake_above_warning_shuts_the_lake_side_zones_outfalls_only_for_the_fused_model() -> (
    None
):
    fused = model(Mode.FUSED)
    warning = load_world().gauge("xingzi").warning_m
    fused.on_gauge(gauge("xingzi", warning - 0.01))
    assert not fused.outfalls_shut(world().zone(CHANGBEI))
    fused.on_gauge(gauge("xingzi", warning))
    assert fused.outfalls_shut(world().zone(CHANGBEI))
    assert not fused.outfalls_shut(world().zone(OLD_TOWN))  # it drains to the Ganjiang


def test_behind_shut_outfalls_a_steady_rain_ponds_what_the_siloed_model_thinks_drains() -> None:
    steady = reading(CHANGBEI, rain=10.0, fill=1.0)
    assert model().on_reading(steady) == []
    fused = model(Mode.FUSED)
    fused.on_gauge(gauge("xingzi", 21.0))
    decided = fused.on_reading(steady)
    assert decided and all(d.backwater for d in decided)
    assert all(d.cross_sector_inputs == ("water",) for d in decided)


def test_a_convective_forecast_acts_on_its_product_s_chance_and_its_design_storm() -> None:
    r = rules()
    product = r.forecast.open.product
    convective = {4: r.forecast.convective_mm_h}
    assert model(Mode.FUSED).on_forecast(forecast(convective, {product: 0.0})) == []
    decided = model(Mode.FUSED).on_forecast(forecast(convective, {product: 0.3}))
    old_town = [d for d in decided if d.zone_id == OLD_TOWN]
    assert old_town and all(d.probability == 0.3 for d in old_town)
    assert all(d.basis == "forecast" and d.cross_sector_inputs == ("weather",) for d in old_town)


def test_a_steady_rain_forecast_keeps_its_shape_and_an_open_network_drains_it() -> None:
    r = rules()
    steady = {h: r.forecast.convective_mm_h / 2 for h in range(1, 25)}
    assert model(Mode.FUSED).on_forecast(forecast(steady, {r.forecast.open.product: 0.9})) == []


def test_a_storm_a_day_ahead_pre_lowers_the_network_but_sends_no_crews_yet() -> None:
    r = rules()
    product = r.forecast.open.product
    storm = {20: r.forecast.convective_mm_h}
    decided = model(Mode.FUSED).on_forecast(forecast(storm, {product: 0.5}))
    taken = {a for z, a in actions(decided) if z == OLD_TOWN}
    assert taken == {UrbanAction.PRE_LOWER_NETWORK}


def test_behind_shut_outfalls_the_fused_model_weighs_the_rainstorm_day_product() -> None:
    r = rules()
    fused = model(Mode.FUSED)
    fused.on_gauge(gauge("xingzi", 21.0))
    assert fused.on_reading(reading(CHANGBEI, fill=0.9)) == []  # a full network, no rain yet
    steady = {h: 4.0 for h in range(1, 25)}  # 96 mm over the day, no convective hour
    only_blocked = forecast(steady, {r.forecast.blocked.product: 0.4})
    decided = [d for d in fused.on_forecast(only_blocked) if d.zone_id == CHANGBEI]
    assert decided and all(d.probability == 0.4 and d.backwater for d in decided)
    assert all(set(d.cross_sector_inputs) == {"weather", "water"} for d in decided)


# -- holding and lifting ---------------------------------------------------------------------------


def test_an_action_is_kept_while_evidence_comes_and_lifted_its_hold_after_the_last() -> None:
    m = model()
    hold = rules().actions[UrbanAction.CLOSE_UNDERPASS].hold_h
    deep = closure_depth_cm() + 5
    (first, *_) = [
        d for d in m.on_reading(reading(depth_cm=deep)) if d.action == UrbanAction.CLOSE_UNDERPASS
    ]
    later = T0 + timedelta(hours=2)
    assert m.on_reading(reading(depth_cm=deep, at=later)) == []  # kept, not repeated
    early = m.advance(T0 + timedelta(hours=hold))  # the second reading kept it going
    assert all(d.action != UrbanAction.CLOSE_UNDERPASS for d in early)
    lifts = m.advance(later + timedelta(hours=hold))
    closure = [d for d in lifts if d.action == UrbanAction.CLOSE_UNDERPASS]
    assert len(closure) == 1 and closure[0].status == "lifted"
    assert closure[0].decision_key == first.decision_key
    assert closure[0].cost_yuan_per_h == 0


def test_both_modes_share_a_situation_s_key() -> None:
    ledger = SituationLedger()
    w = load_world()
    siloed, fused = (
        DrainageModel(
            mode=mode,
            rules=rules(),
            urban=urban(w),
            warning_levels=warning_levels(w),
            prices=prices(w),
            ledger=ledger,
        )
        for mode in (Mode.SILOED, Mode.FUSED)
    )
    at = reading(depth_cm=20.0)
    keys_s = {d.action: d.decision_key for d in siloed.on_reading(at)}
    keys_f = {d.action: d.decision_key for d in fused.on_reading(at)}
    assert keys_s == keys_f and keys_s
    assert not {d.event_id for d in siloed.decisions()} & {d.event_id for d in fused.decisions()}
