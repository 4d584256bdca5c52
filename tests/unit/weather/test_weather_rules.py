"""Each CMA criterion at its boundaries (services/weather/domain/rules.py)."""

from __future__ import annotations

from functools import partial

import pytest

from services.weather.domain import dry_spell_days, rules, top, within_lead
from services.weather.domain.rules import bit
from shared.contracts.weather import Colour, SignalType
from tests.factories.weather import catalogue

# Every rule with the shipped catalogue.
blizzard_colour = partial(rules.blizzard_colour, catalogue=catalogue())
cold_wave_colour = partial(rules.cold_wave_colour, catalogue=catalogue())
drought_colour = partial(rules.drought_colour, catalogue=catalogue())
fog_colour = partial(rules.fog_colour, catalogue=catalogue())
frost_colour = partial(rules.frost_colour, catalogue=catalogue())
gale_colour = partial(rules.gale_colour, catalogue=catalogue())
haze_colour = partial(rules.haze_colour, catalogue=catalogue())
heat_colour = partial(rules.heat_colour, catalogue=catalogue())
rainstorm_colour = partial(rules.rainstorm_colour, catalogue=catalogue())
road_icing_colour = partial(rules.road_icing_colour, catalogue=catalogue())
typhoon_colour = partial(rules.typhoon_colour, catalogue=catalogue())

BLUE, YELLOW, ORANGE, RED = Colour.BLUE, Colour.YELLOW, Colour.ORANGE, Colour.RED


def spread(total: float, hours: int, *, before: int = 0) -> list[float | None]:
    """``total`` mm spread evenly over the last ``hours`` hours, after ``before`` dry hours."""
    return [0.0] * before + [total / hours] * hours


# --- rainstorm -------------------------------------------------------------------------------


def test_49_9_mm_in_12_hours_raises_no_rainstorm_signal() -> None:
    assert rainstorm_colour(spread(49.9, 12)) is None


def test_50_mm_in_12_hours_is_a_blue_rainstorm() -> None:
    assert rainstorm_colour(spread(50.0, 12)) is BLUE


def test_50_mm_in_6_hours_is_a_yellow_rainstorm() -> None:
    assert rainstorm_colour(spread(50.0, 6, before=6)) is YELLOW


def test_50_mm_in_3_hours_is_an_orange_rainstorm() -> None:
    assert rainstorm_colour(spread(50.0, 3, before=9)) is ORANGE


def test_100_mm_in_3_hours_is_a_red_rainstorm() -> None:
    assert rainstorm_colour(spread(100.0, 3, before=9)) is RED


def test_99_9_mm_in_3_hours_stays_orange() -> None:
    assert rainstorm_colour(spread(99.9, 3)) is ORANGE


def test_50_mm_in_7_hours_is_blue_not_yellow() -> None:
    assert rainstorm_colour(spread(50.0, 7)) is BLUE


def test_rain_older_than_12_hours_does_not_count() -> None:
    # 13 hours of rain: only 12/13 of the 52 mm is inside the window (48 mm).
    assert rainstorm_colour(spread(52.0, 13)) is None


def test_sums_that_reach_50_mm_in_binary_floating_point_still_count() -> None:
    assert rainstorm_colour([16.6, 16.7, 16.7]) is ORANGE


def test_missing_rain_hours_count_as_dry() -> None:
    assert rainstorm_colour([None, 30.0, None, 19.9]) is None


# --- blizzard ----------------------------------------------------------------------------------


def test_4_mm_of_snow_in_12_hours_is_a_blue_blizzard() -> None:
    assert blizzard_colour(spread(4.0, 12), [-2.0] * 12) is BLUE


def test_the_same_water_falling_as_rain_is_no_blizzard() -> None:
    assert blizzard_colour(spread(4.0, 12), [5.0] * 12) is None


def test_10_mm_of_snow_in_6_hours_is_an_orange_blizzard() -> None:
    assert blizzard_colour(spread(10.0, 6), [-1.0] * 6) is ORANGE


# --- wind --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wind", "gust", "expected"),
    [
        (10.7, None, None),
        (10.8, None, BLUE),  # force 6
        (None, 13.8, None),
        (None, 13.9, BLUE),  # gust force 7
        (17.1, None, BLUE),
        (17.2, None, YELLOW),  # force 8
        (None, 20.8, YELLOW),  # gust force 9
        (24.4, None, YELLOW),
        (24.5, None, ORANGE),  # force 10
        (None, 28.5, ORANGE),  # gust force 11
        (32.6, None, ORANGE),
        (32.7, None, RED),  # force 12
        (None, 37.0, RED),  # gust force 13
    ],
)
def test_gale_colour_follows_the_beaufort_thresholds(
    wind: float | None, gust: float | None, expected: Colour | None
) -> None:
    assert gale_colour(wind, gust) is expected


def test_a_force_8_gust_is_a_blue_typhoon_but_a_force_7_gust_is_not() -> None:
    assert typhoon_colour(None, 17.2) is BLUE
    assert typhoon_colour(None, 17.1) is None


# --- cold wave ---------------------------------------------------------------------------------


def days(*minima: float) -> list[float | None]:
    """Hourly minima: 24 hours at each given value, oldest day first."""
    return [float(m) for m in minima for _ in range(24)]


def test_a_10_degree_drop_to_4_degrees_in_24_hours_is_a_yellow_cold_wave() -> None:
    assert cold_wave_colour(days(14, 4)) is YELLOW


def test_a_drop_that_ends_above_4_degrees_is_no_cold_wave() -> None:
    assert cold_wave_colour(days(14.6, 4.5)) is None


def test_an_8_degree_drop_over_48_hours_is_a_blue_cold_wave() -> None:
    assert cold_wave_colour(days(12, 8, 4)) is BLUE


def test_a_7_9_degree_drop_over_48_hours_is_no_cold_wave() -> None:
    assert cold_wave_colour(days(11.9, 8, 4)) is None


def test_a_12_degree_drop_to_0_is_an_orange_cold_wave() -> None:
    assert cold_wave_colour(days(12, 0)) is ORANGE


def test_a_16_degree_drop_to_0_is_a_red_cold_wave_and_15_9_is_orange() -> None:
    assert cold_wave_colour(days(16, 0)) is RED
    assert cold_wave_colour(days(15.9, 0)) is ORANGE


def test_a_16_degree_drop_that_stays_above_0_is_only_yellow() -> None:
    assert cold_wave_colour(days(16.5, 0.5)) is YELLOW


def test_one_day_of_minima_is_not_enough_for_a_cold_wave() -> None:
    assert cold_wave_colour(days(-5)) is None


# --- heat ----------------------------------------------------------------------------------------


def test_three_days_at_35_degrees_are_a_yellow_heat_warning() -> None:
    assert heat_colour([35.0, 35.0, 35.0]) is YELLOW


def test_two_days_at_35_degrees_are_not_enough() -> None:
    assert heat_colour([34.9, 35.0, 35.0]) is None
    assert heat_colour([35.0, 35.0]) is None


def test_a_missing_day_breaks_the_run_of_hot_days() -> None:
    assert heat_colour([35.0, None, 35.0], 35.0) is None


def test_37_degrees_in_one_hour_is_orange_even_on_the_first_hot_day() -> None:
    assert heat_colour([30.0, 30.0, 37.0], 37.0) is ORANGE
    assert heat_colour([30.0, 30.0, 36.9], 36.9) is None


def test_40_degrees_is_a_red_heat_warning() -> None:
    assert heat_colour([36.0, 36.0, 40.0], 40.0) is RED


# --- fog and haze ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("visibility", "expected"),
    [(500, None), (499, YELLOW), (200, YELLOW), (199, ORANGE), (50, ORANGE), (49, RED)],
)
def test_fog_colour_follows_500_200_50_metres(visibility: float, expected: Colour | None) -> None:
    assert fog_colour(visibility, 95.0) is expected


def test_low_visibility_in_dry_air_is_haze_not_fog() -> None:
    assert fog_colour(400, 60.0) is None
    assert haze_colour(400, 60.0) is ORANGE


def test_haze_follows_3000_and_2000_metres() -> None:
    assert haze_colour(3000, 60.0) is None
    assert haze_colour(2999, 60.0) is YELLOW
    assert haze_colour(1999, 60.0) is ORANGE


def test_haze_needs_a_humidity_reading_and_fog_does_not() -> None:
    assert haze_colour(1500, None) is None
    assert fog_colour(150, None) is ORANGE


# --- road icing and frost ----------------------------------------------------------------------


def test_a_frozen_road_with_precipitation_is_red_road_icing() -> None:
    assert road_icing_colour(-0.1, [0.1]) is RED


def test_a_road_at_0_degrees_does_not_ice() -> None:
    assert road_icing_colour(0.0, [2.0]) is None


def test_a_frozen_dry_road_does_not_ice() -> None:
    assert road_icing_colour(-3.0, [0.0, 0.0, 0.0]) is None


def test_a_road_that_freezes_after_rain_two_hours_ago_ices() -> None:
    assert road_icing_colour(-1.0, [0.5, 0.0, 0.0]) is RED
    assert road_icing_colour(-1.0, [0.5, 0.0, 0.0, 0.0]) is None


@pytest.mark.parametrize(
    ("ground", "expected"),
    [(0.1, None), (0.0, BLUE), (-2.9, BLUE), (-3.0, YELLOW), (-4.9, YELLOW), (-5.0, ORANGE)],
)
def test_frost_colour_follows_0_minus_3_minus_5_degrees(
    ground: float, expected: Colour | None
) -> None:
    assert frost_colour(ground) is expected


# --- drought -----------------------------------------------------------------------------------


def test_29_dry_days_are_no_drought_and_30_are_orange() -> None:
    assert drought_colour([5.0] + [0.0] * 29) is None
    assert drought_colour([5.0] + [0.0] * 30) is ORANGE


def test_45_dry_days_are_a_red_drought() -> None:
    assert drought_colour([0.9] * 45) is RED


def test_a_wet_day_or_a_missing_day_ends_the_dry_spell() -> None:
    assert dry_spell_days([0.0] * 10 + [1.0] + [0.0] * 3, 1.0) == 3
    assert dry_spell_days([0.0] * 10 + [None] + [0.0] * 3, 1.0) == 3


# --- forecast lead times -----------------------------------------------------------------------


def test_a_red_rainstorm_forecast_is_only_as_red_as_its_lead_time_allows() -> None:
    spec = catalogue().signals[SignalType.RAINSTORM]
    every = bit(BLUE) | bit(YELLOW) | bit(ORANGE) | bit(RED)
    assert top(within_lead(every, 0, spec)) is RED
    assert top(within_lead(every, 3, spec)) is RED
    assert top(within_lead(every, 4, spec)) is YELLOW
    assert top(within_lead(every, 12, spec)) is BLUE
    assert top(within_lead(every, 13, spec)) is None


def test_forecast_road_icing_is_yellow_12_hours_ahead_and_orange_6_hours_ahead() -> None:
    spec = catalogue().signals[SignalType.ROAD_ICING]
    every = bit(YELLOW) | bit(ORANGE) | bit(RED)
    assert top(within_lead(every, 12, spec)) is YELLOW
    assert top(within_lead(every, 6, spec)) is ORANGE
    assert top(within_lead(every, 2, spec)) is RED
