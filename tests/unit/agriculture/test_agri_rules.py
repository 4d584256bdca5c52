"""Each crop rule at its thresholds, from the farms' own sensors (the siloed path's only input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.contracts.agriculture import (
    AdvisoryBasis,
    AgricultureAction,
    Industry,
    RiskKind,
    RiskLevel,
)
from shared.contracts.envelope import Mode
from shared.world import load_world
from tests.factories.agriculture import (
    BEIJING,
    JUNE15,
    NC,
    feed,
    hours,
    model,
    obs,
    rice_days,
    rules,
)

SILOED = Mode.SILOED


def taken(advisories):  # type: ignore[no-untyped-def]
    return [a for a in advisories if a.status == "taken"]


# --- the rules file ----------------------------------------------------------------------------


def test_every_rule_advises_an_action_the_world_prices_for_the_farms_it_concerns() -> None:
    world = load_world()
    for rule in rules().rules:
        for farm in (f for f in world.farms if f.crop in rule.crops):
            assert world.charge(rule.action, farm.per, farm.units()).over(24) > 0, rule.id


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("rice-heat-heading", "rice-heat-heading"),
        ("late-rice-cold-dew-wind", "late-rice-cold-dew-wind"),
        ("citrus-freeze", "citrus-freeze"),
        ("tea-frost", "tea-freeze"),
        ("drought-stress", "drought-crops"),
        ("drought-paddy", "drought-paddy"),
        ("rapeseed-freeze", "rapeseed-freeze"),
    ],
)
def test_sensor_thresholds_agree_with_the_simulators_damage_rules(ours: str, theirs: str) -> None:
    rule = next(r for r in rules().rules if r.id == ours)
    truth = next(r for r in load_world().damage.rules if r.id == theirs)
    assert rule.sensor is not None
    assert (rule.sensor.op, rule.sensor.threshold) == (truth.op, truth.threshold)
    assert {m.action for m in truth.mitigations} >= {rule.action}
    assert rule.lead_h == next(m.lead_h for m in truth.mitigations if m.action == rule.action)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        ("rice-heat-heading", "rice-heat-heading"),
        ("rice-heat-milk", "rice-heat-milk"),
        ("late-rice-cold-dew-wind", "late-rice-cold-dew-wind"),
        ("livestock-heat", "livestock-heat"),
        ("citrus-freeze", "citrus-freeze"),
        ("tea-frost", "tea-freeze"),
        ("rapeseed-freeze", "rapeseed-freeze"),
    ],
)
def test_a_weather_rule_expects_the_loss_the_world_does(ours: str, theirs: str) -> None:
    """The bureau's loss by duration is the world's damage rule: it triggers on the shortest
    spell that does harm and expects the harm that spell does, so p x L weighs the real loss."""
    rule = next(r for r in rules().rules if r.id == ours)
    truth = next(r for r in load_world().damage.rules if r.id == theirs)
    assert truth.steps and rule.level_by == "duration"
    assert [(x, rule.loss_share[level]) for x, level in rule.levels] == [
        (x, share) for x, share in truth.steps
    ]
    for c in (rule.sensor, rule.forecast):
        assert c is not None
        assert (c.op, c.threshold, c.persist) == (truth.op, truth.threshold, truth.steps[0][0])


# --- rice heat at heading ----------------------------------------------------------------------


def test_three_days_at_35_degrees_at_heading_advise_irrigation_on_the_third_day() -> None:
    out = taken(feed(model(SILOED), rice_days([35.0, 35.0, 35.0])))
    assert len(out) == 1
    a = out[0]
    assert (a.action, a.risk, a.basis) == (
        AgricultureAction.IRRIGATE,
        RiskKind.HEAT,
        AdvisoryBasis.SENSORS,
    )
    assert a.occurred_at == JUNE15 + timedelta(days=2)  # first reading of the third hot day
    assert a.expected_onset == JUNE15
    assert a.asset_ids == (f"{NC}-early_rice",)
    # irrigation is priced per mu-day over the farm's whole area (heat reaches all of it)
    farm = next(f for f in load_world().farms if f.farm_id == f"{NC}-early_rice")
    price = load_world().actions[AgricultureAction.IRRIGATE].costs[0]
    assert (a.quantity, a.cost_unit) == (farm.area_mu, "mu-day")
    assert a.cost_yuan_per_h == pytest.approx(farm.area_mu * price.unit_cost_yuan / 24)
    assert a.expected_loss_avoided_yuan > 0


def test_heat_just_below_35_degrees_advises_nothing() -> None:
    assert feed(model(SILOED), rice_days([34.9, 34.9, 34.9, 34.9])) == []


def test_two_hot_days_are_not_enough() -> None:
    assert feed(model(SILOED), rice_days([35.0, 35.0, 30.0, 35.0, 35.0])) == []


def test_heat_at_tillering_is_not_heat_damage() -> None:
    assert feed(model(SILOED), rice_days([38.0] * 4, stage="tillering")) == []


def test_longer_heat_would_not_raise_a_second_advisory_but_raises_the_level() -> None:
    m = model(SILOED)
    out = taken(feed(m, rice_days([36.0] * 6)))
    assert len(out) == 1
    assert out[0].risk_level == RiskLevel.LOW
    (risk,) = m.current_risks(region=NC, industry=Industry.RICE)
    assert risk.level == RiskLevel.HIGH


# --- cold dew wind -----------------------------------------------------------------------------

SEP15 = datetime(2020, 9, 15, tzinfo=UTC) - BEIJING


def test_three_days_with_mean_below_22_at_late_rice_heading_advise_irrigation() -> None:
    days = rice_days([21.9] * 3 + [25.0], start=SEP15, crop="late_rice")
    out = taken(feed(model(SILOED), days))
    assert [a.risk for a in out] == [RiskKind.COLD_DEW_WIND]
    # a day's mean is known once the day is over: the first reading of the fourth day
    assert out[0].occurred_at == SEP15 + timedelta(days=3)
    assert out[0].risk_level == RiskLevel.MODERATE


def test_a_daily_mean_of_exactly_22_is_not_cold_dew_wind() -> None:
    assert feed(model(SILOED), rice_days([22.0] * 5, start=SEP15, crop="late_rice")) == []


def test_cold_dew_wind_only_counts_in_its_season() -> None:
    aug = SEP15 - timedelta(days=30)
    assert feed(model(SILOED), rice_days([18.0] * 5, start=aug, crop="late_rice")) == []


# --- submergence -------------------------------------------------------------------------------


def _flooded(depth: float, n_hours: int, *, stage: str, region: str = NC) -> list:  # type: ignore[type-arg]
    farm = f"{region}-early_rice"
    return [
        obs(farm, at, crop="early_rice", industry=Industry.RICE, region=region,
            crop_stage=stage, water_depth_cm=depth)
        for at in hours(JUNE15, n_hours)
    ]  # fmt: skip


def test_six_hours_two_thirds_under_water_at_heading_advise_draining() -> None:
    out = taken(feed(model(SILOED), _flooded(65.0, 6, stage="heading")))
    assert [(a.action, a.risk) for a in out] == [
        (AgricultureAction.DRAIN_FIELDS, RiskKind.WATERLOGGING)
    ]


def test_five_hours_under_water_or_a_shallower_flood_advise_nothing() -> None:
    assert feed(model(SILOED), _flooded(65.0, 5, stage="heading")) == []
    assert feed(model(SILOED), _flooded(64.9, 12, stage="heading")) == []


def test_tillering_rice_is_advised_at_a_shallower_depth() -> None:
    assert taken(feed(model(SILOED), _flooded(30.0, 6, stage="tillering")))


def test_ripening_rice_under_water_is_advised_to_harvest_early_only_where_worth_its_cost() -> None:
    """p x L > C with the world's own figures: L = the farm's value x the mature stage's loss
    share x the harvest's avoided share, C = the early harvest's charge over a day."""
    m = model(SILOED)
    rule = next(r for r in rules().rules if r.action == AgricultureAction.EARLY_HARVEST)
    info = next(f for f in m.farms.in_region(NC) if f.crop == "early_rice")
    loss = info.value_yuan * rule.share_lost(
        RiskLevel.MODERATE, "mature", info.lowland_share, info.rainfed_share
    )
    cost = m._charge(info, rule).over(rules().clear_after_h(rule))
    worth = rules().sensor_probability * loss * rule.avoid_share > cost
    out = taken(feed(m, _flooded(70.0, 6, stage="mature")))
    assert [a.action for a in out] == ([AgricultureAction.EARLY_HARVEST] if worth else [])


def test_farms_without_lowland_are_not_advised_about_floods() -> None:
    # Ji'an's farms lie on no modelled flood plain (lowland_share 0 in farms.csv).
    assert feed(model(SILOED), _flooded(90.0, 12, stage="heading", region="360800")) == []


# --- citrus freeze -----------------------------------------------------------------------------

GZ = "360700"
JAN10 = datetime(2020, 1, 10, tzinfo=UTC) - BEIJING


def _orange(*temps: float) -> list:  # type: ignore[type-arg]
    return [
        obs(f"{GZ}-navel_orange", JAN10 + timedelta(hours=i), crop="navel_orange",
            industry=Industry.FRUIT_VEG, region=GZ, crop_stage="dormant", canopy_temp_c=t)
        for i, t in enumerate(temps)
    ]  # fmt: skip


def test_citrus_at_minus_4_9_is_not_advised() -> None:
    assert feed(model(SILOED), _orange(-2.0, -4.9, -4.9)) == []


@pytest.mark.parametrize(
    ("hours_cold", "level"),
    [(1, RiskLevel.LOW), (5, RiskLevel.LOW), (6, RiskLevel.MODERATE), (12, RiskLevel.HIGH),
     (24, RiskLevel.SEVERE)],
)  # fmt: skip
def test_citrus_freeze_grades_by_the_hours_at_minus_5(hours_cold: int, level: RiskLevel) -> None:
    m = model(SILOED)
    out = taken(feed(m, _orange(-2.0, *[-5.0] * hours_cold)))
    # one advisory, on the first hour; the open risk's level follows the hours since
    assert [(a.action, a.risk, a.risk_level) for a in out] == [
        (AgricultureAction.FROST_PROTECTION, RiskKind.FREEZE, RiskLevel.LOW)
    ]
    (risk,) = [r for r in m.current_risks(region=GZ) if r.risk == RiskKind.FREEZE]
    assert risk.level == level


def test_rapeseed_frost_pays_for_protection_only_at_36_hours_at_minus_5() -> None:
    def rapeseed(n: int) -> list:  # type: ignore[type-arg]
        temps = [-2.0, *[-5.0] * n]
        return [
            obs(f"{NC}-rapeseed", JAN10 + timedelta(hours=i), crop="rapeseed",
                industry=Industry.OILSEED, crop_stage="seedling", canopy_temp_c=t)
            for i, t in enumerate(temps)
        ]  # fmt: skip

    # no harm before 12 h (the persistence is checked against the world above); then 10 % of
    # Nanchang's rapeseed does not pay a day of covers, and 20 % from 36 h does
    assert taken(feed(model(SILOED), rapeseed(35))) == []
    out = taken(feed(model(SILOED), rapeseed(36)))
    assert [(a.action, a.risk, a.risk_level) for a in out] == [
        (AgricultureAction.FROST_PROTECTION, RiskKind.FREEZE, RiskLevel.MODERATE)
    ]


# --- tea frost ---------------------------------------------------------------------------------

SR = "361100"


def _tea(*temps: float) -> list:  # type: ignore[type-arg]
    start = datetime(2020, 3, 20, tzinfo=UTC) - BEIJING
    return [
        obs(f"{SR}-tea", start + timedelta(hours=i), crop="tea", industry=Industry.TEA,
            region=SR, crop_stage="spring_flush", canopy_temp_c=t)
        for i, t in enumerate(temps)
    ]  # fmt: skip


def test_six_hours_of_tea_at_minus_3_are_advised_frost_protection_and_less_is_not() -> None:
    assert feed(model(SILOED), _tea(1.0, *[-2.9] * 8)) == []
    assert feed(model(SILOED), _tea(1.0, *[-3.0] * 5)) == []
    out = taken(feed(model(SILOED), _tea(1.0, *[-3.0] * 6)))
    assert [(a.action, a.risk) for a in out] == [
        (AgricultureAction.FROST_PROTECTION, RiskKind.FROST)
    ]


# --- drought -----------------------------------------------------------------------------------


def _dry_days(*soil: float, farm: str = "360400-tea", crop: str = "tea") -> list:  # type: ignore[type-arg]
    start = datetime(2022, 8, 20, tzinfo=UTC) - BEIJING
    industry = Industry.RICE if crop.endswith("rice") else Industry.TEA
    out = []
    for d, s in enumerate(soil):
        for at in hours(start + timedelta(days=d), 24):
            out.append(
                obs(farm, at, crop=crop, industry=industry, region=farm.split("-")[0],
                    crop_stage="tillering", soil_moisture_pct=s)
            )  # fmt: skip
    return out


def test_two_days_of_soil_moisture_below_13_percent_advise_irrigation() -> None:
    out = taken(feed(model(SILOED), _dry_days(12.9, 12.9, 20.0)))
    assert [(a.action, a.risk) for a in out] == [(AgricultureAction.IRRIGATE, RiskKind.DROUGHT)]


def test_soil_moisture_of_exactly_13_percent_is_not_drought() -> None:
    assert feed(model(SILOED), _dry_days(13.0, 13.0, 13.0, 20.0)) == []


def test_a_paddy_is_in_drought_only_below_9_percent_and_only_its_rain_fed_share_is_watered() -> (
    None
):
    paddy = {"farm": f"{NC}-late_rice", "crop": "late_rice"}
    assert feed(model(SILOED), _dry_days(9.0, 9.0, 9.0, 20.0, **paddy)) == []
    (a,) = taken(feed(model(SILOED), _dry_days(8.9, 8.9, 20.0, **paddy)))
    farm = next(f for f in load_world().farms if f.farm_id == f"{NC}-late_rice")
    rainfed = load_world().damage.constants.rainfed_paddy_share
    assert a.quantity == pytest.approx(farm.area_mu * rainfed)
