"""The warning engine: lifecycles, hysteresis, forecasts, aggregation, determinism."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.weather.domain import WarningEngine
from shared.contracts.weather import (
    Basis,
    Colour,
    ForecastIssued,
    SignalType,
    StationObservation,
    WarningIssued,
)
from tests.factories.weather import engine as new_engine

# The same start and city as the builders in conftest.py use.
T0 = datetime(2020, 7, 8, 0, tzinfo=UTC)
NANCHANG = "360100"

ObsFactory = Callable[..., StationObservation]
ForecastFactory = Callable[..., ForecastIssued]


def feed(engine: WarningEngine, readings: list[StationObservation]) -> list[WarningIssued]:
    """Every warning the readings produce, in order."""
    return [w for reading in readings for w in engine.on_observation(reading)]


def rain(obs: ObsFactory, amounts: list[float], *, start: int = 1, **kw: object) -> list:
    """Hourly rain readings from hour ``start`` on."""
    return [obs(start + k, rain_mm=mm, **kw) for k, mm in enumerate(amounts)]


def test_a_rising_rainstorm_is_alerted_then_updated_then_cancelled(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    readings = rain(obs, [20, 20, 20, 40, 40] + [0] * 30)
    warnings = feed(engine, readings)
    kinds = [(w.alert.msg_type, w.colour) for w in warnings]
    assert kinds[0] == ("Alert", Colour.ORANGE)
    assert kinds[1] == ("Update", Colour.RED)
    assert kinds[-1][0] == "Cancel"
    assert [w.alert.msg_type for w in warnings].count("Alert") == 1
    assert engine.active() == []


def test_an_update_references_the_previous_message_and_keeps_the_correlation(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    readings = rain(obs, [20, 20, 20, 40, 40])
    alert, update = feed(engine, readings)
    assert any(alert.alert.identifier in ref for ref in update.alert.references)
    assert alert.correlation_id == alert.event_id
    assert update.correlation_id == alert.event_id
    assert update.causation_id == readings[4].event_id
    assert update.occurred_at == readings[4].occurred_at


def test_the_same_colour_again_issues_nothing(engine: WarningEngine, obs: ObsFactory) -> None:
    first = feed(engine, rain(obs, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 50]))
    assert [w.colour for w in first] == [Colour.ORANGE]
    again = feed(engine, [obs(12, rain_mm=50), obs(13, rain_mm=0.5), obs(14, rain_mm=0.5)])
    assert again == []


def test_a_rainstorm_is_cancelled_only_after_its_hold_has_passed(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    # 50 mm in hour 1 keeps the 12 h sum at 50 until hour 12; the hold is 3 h more.
    warnings = feed(engine, rain(obs, [50] + [0] * 20))
    cancel = warnings[-1]
    assert cancel.alert.msg_type == "Cancel"
    assert cancel.occurred_at == T0 + timedelta(hours=16)


def test_a_falling_rainstorm_is_downgraded_before_it_is_cancelled(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    warnings = feed(engine, rain(obs, [0] * 9 + [50, 50, 50] + [0] * 20))
    colours = [(w.alert.msg_type, w.colour) for w in warnings]
    assert colours[0] == ("Alert", Colour.ORANGE)
    assert ("Update", Colour.RED) in colours
    downgrades = [c for m, c in colours[2:] if m == "Update"]
    assert downgrades and all(c.rank < Colour.RED.rank for c in downgrades)
    assert "降级" in warnings[2].alert.info[0].headline
    assert colours[-1][0] == "Cancel"


def test_the_worst_station_decides_the_city_colour(engine: WarningEngine, obs: ObsFactory) -> None:
    wet = rain(obs, [20, 20, 20], station="wet")
    dry = rain(obs, [0, 0, 0], station="dry")
    warnings = feed(engine, [r for pair in zip(dry, wet, strict=True) for r in pair])
    assert [w.colour for w in warnings] == [Colour.ORANGE]
    assert warnings[0].region == NANCHANG


def test_rain_at_two_stations_is_not_added_up(engine: WarningEngine, obs: ObsFactory) -> None:
    a = rain(obs, [30, 0, 0], station="a")
    b = rain(obs, [0, 0, 30], station="b")
    assert feed(engine, a + b) == []


def test_a_county_station_warns_its_city(engine: WarningEngine, obs: ObsFactory) -> None:
    warnings = feed(engine, rain(obs, [50], region="360121"))
    assert [w.region for w in warnings] == [NANCHANG]
    assert warnings[0].alert.info[0].area.geocode == NANCHANG


def test_out_of_order_readings_reach_the_same_warning_without_crashing(
    obs: ObsFactory,
) -> None:
    readings = rain(obs, [10, 10, 10, 10, 10, 10])
    shuffled = readings[:]
    random.Random(7).shuffle(shuffled)
    in_order, out_of_order = new_engine(), new_engine()
    feed(in_order, readings)
    feed(out_of_order, shuffled)
    assert [w.colour for w in in_order.active()] == [Colour.YELLOW]
    assert [w.colour for w in out_of_order.active()] == [Colour.YELLOW]


def test_a_reading_older_than_the_history_kept_is_ignored(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    feed(engine, [obs(200, rain_mm=0)])
    assert engine.on_observation(obs(1, rain_mm=200)) == []
    assert engine.active() == []


def test_reprocessing_the_same_inputs_yields_the_same_events(obs: ObsFactory) -> None:
    readings = rain(obs, [20, 20, 20, 40, 40] + [0] * 20)
    first = feed(new_engine(), readings)
    second = feed(new_engine(), readings)
    assert len(first) >= 3
    assert [w.event_id for w in first] == [w.event_id for w in second]
    assert [w.alert.identifier for w in first] == [w.alert.identifier for w in second]


def test_two_signals_in_the_same_second_get_distinct_identifiers(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    warnings = engine.on_observation(obs(1, rain_mm=50, wind_ms=25, temp_c=20))
    assert {w.signal for w in warnings} == {SignalType.RAINSTORM, SignalType.GALE}
    identifiers = {w.alert.identifier for w in warnings}
    assert len(identifiers) == 2


def test_active_filters_by_region_and_signal_and_get_finds_by_identifier(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    feed(engine, [obs(1, rain_mm=50, wind_ms=25), obs(1, region="360400", rain_mm=50)])
    assert len(engine.active()) == 3
    assert len(engine.active(region="360400")) == 1
    gales = engine.active(signal=SignalType.GALE)
    assert [(w.region, w.signal) for w in gales] == [(NANCHANG, SignalType.GALE)]
    assert engine.get(gales[0].alert.identifier) == gales[0]
    assert engine.get("36010041600000_19990101000000") is None


def test_three_observed_hot_days_raise_a_yellow_heat_warning(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    # Hours 1..72 from 08:00 Beijing time: the 3rd Beijing day is reached at hour 40.
    readings = [obs(h, temp_c=35.5 if (h + 7) % 24 in range(13, 17) else 28) for h in range(1, 73)]
    warnings = feed(engine, readings)
    assert warnings[0].colour is Colour.YELLOW
    assert warnings[0].signal is SignalType.HEAT
    assert warnings[0].basis is Basis.OBSERVED


def test_a_cold_front_raises_a_cold_wave(engine: WarningEngine, obs: ObsFactory) -> None:
    readings = [obs(h, temp_c=14.0 if h <= 24 else 3.0) for h in range(1, 49)]
    warnings = [w for w in feed(engine, readings) if w.signal is SignalType.COLD_WAVE]
    assert warnings[0].colour is Colour.YELLOW
    assert warnings[0].occurred_at == T0 + timedelta(hours=25)


def test_an_icy_wet_road_is_observed_red_road_icing(engine: WarningEngine, obs: ObsFactory) -> None:
    warnings = engine.on_observation(obs(1, ground_temp_c=-1.0, rain_mm=0.4, temp_c=-0.5))
    icing = [w for w in warnings if w.signal is SignalType.ROAD_ICING]
    assert [w.colour for w in icing] == [Colour.RED]
    assert {w.signal for w in warnings} >= {SignalType.FROST}


def test_thirty_dry_days_raise_an_orange_drought(engine: WarningEngine, obs: ObsFactory) -> None:
    readings = [obs(h, rain_mm=0.0) for h in range(1, 24 * 32)]
    warnings = [w for w in feed(engine, readings) if w.signal is SignalType.DROUGHT]
    assert [w.colour for w in warnings] == [Colour.ORANGE]


# --- forecasts ---------------------------------------------------------------------------------


def test_a_forecast_warning_is_likely_with_an_onset_in_the_future(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    fc = forecast(0, {4: {"rain_mm": 20}, 5: {"rain_mm": 20}, 6: {"rain_mm": 20}})
    (warning,) = engine.on_forecast(fc)
    assert warning.basis is Basis.FORECAST
    # 60 mm by 6 h ahead: yellow's criterion and lead; orange's 3 h lead is not yet reached.
    assert warning.colour is Colour.YELLOW
    info = warning.alert.info[0]
    assert info.certainty == "Likely"
    assert info.urgency == "Future"
    assert info.onset == fc.steps[5].valid_at  # the step where 50 mm in 6 h is crossed
    assert info.onset > warning.alert.sent
    assert warning.causation_id == fc.event_id


def test_an_observed_warning_is_observed_and_immediate(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    info = warning.alert.info[0]
    assert (info.certainty, info.urgency) == ("Observed", "Immediate")
    assert warning.basis is Basis.OBSERVED


def test_a_distant_red_rainstorm_forecast_starts_blue_and_rises_as_it_nears(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    fc = forecast(0, {10: {"rain_mm": 100}})
    first = engine.on_forecast(fc)
    assert [w.colour for w in first] == [Colour.BLUE]
    later = engine.advance_to(T0 + timedelta(hours=7))
    assert [(w.alert.msg_type, w.colour) for w in later] == [("Update", Colour.RED)]


def test_a_newer_forecast_without_the_event_cancels_the_warning_after_the_hold(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    # Support last seen at the run ending T0 (hour -1); the rainstorm hold is 3 h.
    engine.on_forecast(forecast(0, {4: {"rain_mm": 60}}))
    assert engine.on_forecast(forecast(1, {})) == []
    assert engine.advance_to(T0 + timedelta(hours=3)) == []
    (cancel,) = engine.advance_to(T0 + timedelta(hours=4))
    assert cancel.alert.msg_type == "Cancel"
    assert cancel.alert.info[0].response_type == "AllClear"


def test_forecast_runs_that_flicker_around_a_threshold_do_not_flap_the_warning(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    runs = [forecast(k, {6: {"rain_mm": 60 if k % 2 == 0 else 40}}) for k in range(4)]
    warnings = [w for run in runs for w in engine.on_forecast(run)]
    assert [(w.alert.msg_type, w.colour) for w in warnings] == [("Alert", Colour.YELLOW)]


def test_a_forecast_warning_that_never_verifies_lapses_after_its_hold(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    # 60 mm forecast for the hour ending T0+4h: its 12 h sum holds until the hour ending
    # T0+15h, and the 3 h hold lets the warning lapse at T0+19h; no observation confirms it.
    (alert,) = engine.on_forecast(forecast(0, {4: {"rain_mm": 60}}))
    later = [w for h in range(1, 25) for w in engine.advance_to(T0 + timedelta(hours=h))]
    assert later[-1].alert.msg_type == "Cancel"
    assert later[-1].occurred_at == T0 + timedelta(hours=19)
    assert all(w.basis is Basis.FORECAST for w in later)
    assert all(w.correlation_id == alert.event_id for w in later)


def test_an_observed_rise_upgrades_a_forecast_warning(
    engine: WarningEngine, forecast: ForecastFactory, obs: ObsFactory
) -> None:
    (alert,) = engine.on_forecast(forecast(0, {6: {"rain_mm": 50}}, hours=12))
    assert alert.colour is Colour.YELLOW  # 6 h ahead: within yellow's lead, not orange's
    (update,) = engine.on_observation(obs(2, rain_mm=100))
    assert (update.alert.msg_type, update.colour, update.basis) == (
        "Update",
        Colour.RED,
        Basis.OBSERVED,
    )
    assert update.correlation_id == alert.event_id


def test_an_older_or_repeated_forecast_changes_nothing(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    latest = forecast(6, {2: {"rain_mm": 60}})
    assert len(engine.on_forecast(latest)) == 1
    assert engine.on_forecast(latest) == []
    assert engine.on_forecast(forecast(0, {})) == []
    assert len(engine.active()) == 1


def test_a_forecast_heat_wave_is_warned_days_ahead(
    engine: WarningEngine, forecast: ForecastFactory
) -> None:
    # Steps every hour for 4 days; 36 °C from 12:00 to 16:00 Beijing time each day.
    hot = {k: {"temp_c": 36.0} for k in range(1, 97) if (k + 8) % 24 in range(12, 17)}
    (warning,) = engine.on_forecast(forecast(0, hot, hours=96, base={"temp_c": 30.0}))
    assert (warning.signal, warning.colour, warning.basis) == (
        SignalType.HEAT,
        Colour.YELLOW,
        Basis.FORECAST,
    )
    assert warning.alert.info[0].onset - warning.alert.sent > timedelta(hours=24)


def test_a_forecast_that_lags_far_behind_the_observations_does_not_break_the_engine() -> None:
    """In a live system the forecasts topic can lag: a run older than the kept history."""
    from datetime import UTC, datetime, timedelta

    from shared.contracts.weather import ForecastIssued, ForecastStep, StationObservation

    start = datetime(2020, 7, 1, tzinfo=UTC)
    engine = new_engine()
    for h in range(300):  # far more than the 96 hours a station keeps
        engine.on_observation(
            StationObservation(
                occurred_at=start + timedelta(hours=h),
                source="t",
                region="360100",
                station_id="58606",
                rain_mm=0.0,
                temp_c=28.0,
                wind_ms=3.0,
            )
        )
    steps = tuple(
        ForecastStep(valid_at=start + timedelta(hours=h), rain_mm=30.0, temp_c=28.0, wind_ms=3.0)
        for h in range(1, 73)
    )
    old = ForecastIssued(occurred_at=start, source="t", region="360100", run_at=start, steps=steps)
    assert isinstance(engine.on_forecast(old), list)


def test_a_mountain_station_speaks_for_its_city_at_the_reference_height(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    # Lushan (1,165 m) reads 7.2 °C colder than the plain below it: -1 °C on its ground is
    # about +6 °C at the reference height, so it warns of no frost for the whole city.
    mountain = [obs(h, station="58506", ground_temp_c=-1.0, elevation_m=1165) for h in range(1, 7)]
    assert feed(engine, mountain) == []
    # The same reading reported without its height, or from the plain, is frost.
    plain = [obs(h, station="58502", ground_temp_c=-1.0, elevation_m=50) for h in range(7, 13)]
    warnings = feed(engine, plain)
    assert [(w.signal, w.colour) for w in warnings] == [(SignalType.FROST, Colour.BLUE)]


def test_the_reduction_and_the_simulators_lapse_are_one_function() -> None:
    from shared.contracts.weather import REFERENCE_ELEVATION_M, at_height, to_reference

    for elevation in (0.0, REFERENCE_ELEVATION_M, 1165.0):
        assert to_reference(at_height(3.0, elevation), elevation) == 3.0
    assert at_height(3.0, REFERENCE_ELEVATION_M + 1000) == 3.0 - 6.5
