"""The forecaster's probability products: spells found as the readers find them, a fit that can
be checked, a calibration that matches the shipped model, and every reader's rule covered."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest

from dexsim.calibrate import uncalibrated
from services.simulator.data import get_scenario, load_observation_model, simulation
from services.simulator.domain.forecast import ForecastRun, ForecastSkill
from services.simulator.domain.probability import SECTION, ForecastProbability, fingerprint
from shared.contracts.simulator import HazardKind
from shared.forecasts import ForecastCriterion, find_spell, fit_logistic, units
from tests.factories.agriculture import rules
from tests.factories.transport import rules as road_rules

RUN = datetime(2022, 7, 1, 16, tzinfo=UTC)  # local midnight
HOT = ForecastCriterion(variable="tmax_day", op="ge", threshold=35, persist=3, horizon_h=72)


def _spell(c: ForecastCriterion, temps: list[float]):  # type: ignore[no-untyped-def]
    times = [RUN + timedelta(hours=i) for i in range(len(temps))]
    return find_spell(c, units(c, times, temps, [0.0] * len(temps)), RUN, times[0])


def test_a_three_day_heat_spell_is_met_with_its_weakest_day_as_margin() -> None:
    days = [36.0, 37.5, 35.5, 30.0]
    s = _spell(HOT, [t for d in days for t in [d] * 24])
    assert s is not None and s.met and s.duration == 3
    assert s.margin == pytest.approx(0.5) and s.extreme == 37.5


def test_a_spell_one_day_short_is_unmet_with_the_shortfall_as_margin() -> None:
    days = [36.0, 33.0, 36.0, 36.0]
    s = _spell(HOT, [t for d in days for t in [d] * 24])
    assert s is not None and not s.met
    assert s.margin == pytest.approx(-2.0)  # the nearest window's weakest day: 33 vs 35


def test_a_spell_starting_beyond_the_horizon_does_not_count() -> None:
    days = [30.0, 30.0, 30.0, 30.0, 36.0, 36.0, 36.0]
    s = _spell(HOT, [t for d in days for t in [d] * 24])
    assert s is not None and not s.met


def test_the_fit_recovers_a_known_chance_and_stays_monotone() -> None:
    rng = random.Random(3)
    rows = []
    for _ in range(4000):
        m = rng.uniform(-4, 4)
        p_true = 1 / (1 + math.exp(-1.5 * m))
        rows.append((m, 24.0, rng.random() < p_true))
    fit = fit_logistic(rows)
    for m in (-2.0, 0.0, 2.0):
        assert fit.probability(m, 24.0) == pytest.approx(
            1 / (1 + 2.718281828 ** (-1.5 * m)), abs=0.08
        )
    ps = [fit.probability(m / 10, 24.0) for m in range(-40, 41)]
    assert ps == sorted(ps)


def test_a_hindcast_of_one_outcome_gives_its_rate_not_a_runaway_fit() -> None:
    fit = fit_logistic([(float(m), 12.0, False) for m in range(100)])
    assert 0 < fit.probability(50.0, 12.0) < 0.01


def test_the_shipped_calibration_is_for_the_shipped_forecast_and_products() -> None:
    model = load_observation_model()
    section = ForecastProbability.model_validate(model.root[SECTION])
    skill = ForecastSkill.model_validate(model.root["forecast"])
    assert section.calibration is not None, "run `dexsim calibrate-forecasts`"
    assert section.calibration.fingerprint == fingerprint(skill, section.products), (
        "observation_model.yaml changed since the fit: run `dexsim calibrate-forecasts`"
    )
    assert set(section.calibration.products) == {p.product for p in section.products}


def test_a_scaled_forecast_drops_the_fit_it_no_longer_matches() -> None:
    varied = load_observation_model().varied(forecast_error=2.0)
    assert "calibration" not in varied.root[SECTION]
    assert uncalibrated().root[SECTION]["calibration"] is None


def test_every_forecast_rule_of_a_reader_is_a_product_the_forecaster_issues() -> None:
    section = ForecastProbability.model_validate(load_observation_model().root[SECTION])
    products = {p.product for p in section.products}
    wanted = {f"agriculture {r.id}": r.forecast.product for r in rules().rules if r.forecast}
    icing, fog = road_rules().forecast_criteria()
    wanted |= {"transport icing": icing.product, "transport fog": fog.product}
    missing = {k: v for k, v in wanted.items() if v not in products}
    assert missing == {}, "add these to forecast_probability.products and refit"


def test_freezing_rain_counts_hours_on_frozen_ground_and_visibility_is_a_ratio() -> None:
    c = ForecastCriterion(variable="freezing_rain", op="ge", threshold=0.1, persist=1, horizon_h=12)
    times = [RUN + timedelta(hours=i) for i in range(4)]
    series = units(c, times, [1.0] * 4, [0.5, 0.5, 0.0, 0.5], grounds=[1.0, -1.0, -1.0, None])
    assert [v for _, _, v in series] == [0.0, 0.5, 0.0, 0.0]  # no ground: the air (1 °C) counts
    fog = ForecastCriterion(variable="visibility", op="lt", threshold=200, persist=1, horizon_h=3)
    assert fog.signed(99.0) == pytest.approx(-math.log(100 / 201))


def test_a_forecaster_without_error_sees_the_fog_at_the_hours_it_comes() -> None:
    """Radiation fog follows the local clock (it peaks at dawn): a forecast with no error of
    position, timing or intensity puts it at the same hours as the truth (its local hour once
    read as the +08:00 time plus eight hours, so forecast fog came at dusk)."""
    model = load_observation_model()
    skill = ForecastSkill.model_validate(model.root["forecast"]).model_copy(
        update={
            name: 0.0
            for name in (
                "position_km_0",
                "position_km_per_day",
                "timing_h_0",
                "timing_h_per_day",
                "intensity_log_sd_0",
                "intensity_log_sd_per_day",
                "phantom_per_day",
            )
        }
    )
    state = simulation(get_scenario("fog-expressway"), 1).state
    run = ForecastRun(state, 0, random.Random(1), skill)
    fog = next(h for h in state.scenario.hazards if h.kind == HazardKind.FOG)
    nanchang = state.cities["360100"].city
    truth = state.shapes[fog.id]["360100"]
    seen = [run.shape(fog, nanchang, state.times[j], j) for j in range(1, 36)]
    assert max(truth[1:36]) > 0.5
    assert seen == pytest.approx(truth[1:36], abs=1e-9)
