"""Weather's world: station readings and NWP-like forecasts (weather damages no asset itself)."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict

from services.simulator.domain.plugin import (
    SOURCE,
    Emit,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    clip,
    delay,
    gap,
)
from shared.contracts.weather import (
    SECTOR,
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    ForecastIssued,
    ForecastStep,
    StationObservation,
    at_height,
)


class ForecastError(BaseModel):
    """Forecast error growth with lead time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temp_sd_0: float
    temp_sd_per_day: float
    rain_log_sd_0: float
    rain_log_sd_per_day: float
    timing_sd_h_per_day: float
    wind_rel_sd_per_day: float
    vis_log_sd_0: float
    vis_log_sd_per_day: float


class Stations:
    """Hourly station readings: the city's true state at the station's height, with noise."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("station", SensorNoise)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every station of the scenario's cities at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        t = s.times[i]
        for st in s.world.stations:
            cs = s.cities.get(st.city)
            if cs is None:
                continue
            late = delay(rng, noise)
            if late is None:
                continue
            # The truth is at the reference height; a station higher up really is colder.
            temp = round(
                at_height(cs.temp[i], st.elevation_m) + rng.gauss(0, noise.sd("temp_sd")), 1
            )
            rain_true = cs.rain[i]
            rain = round(max(0.0, rain_true * (1 + rng.gauss(0, noise.sd("rain_rel_sd")))), 1)
            wind = round(max(0.0, cs.wind[i] + rng.gauss(0, noise.sd("wind_sd"))), 1)
            vis = cs.visibility[i] * math.exp(rng.gauss(0, noise.sd("vis_rel_sd")))
            values: list[float | None] = [
                temp,
                min(rain, 500.0),
                wind,
                round(wind * 1.6, 1),
                round(clip(vis, 10, 100_000)),
                round(clip(cs.humidity[i] + rng.gauss(0, noise.sd("hum_sd")), 0, 100)),
                round(
                    at_height(cs.ground_temp[i], st.elevation_m)
                    + rng.gauss(0, noise.sd("temp_sd")),
                    1,
                ),
            ]
            g = gap(rng, noise, len(values))
            if g >= 0:
                values[g] = None
            emit(
                i + late,
                StationObservation(
                    event_id=self.run.event_id("stn", st.id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=st.city,
                    station_id=st.id,
                    temp_c=values[0],
                    rain_mm=values[1],
                    wind_ms=values[2],
                    gust_ms=values[3],
                    visibility_m=values[4],
                    humidity_pct=values[5],
                    ground_temp_c=values[6],
                    elevation_m=st.elevation_m,
                ),
            )


class Forecasts:
    """Per-city forecasts: the truth ahead, with errors that grow with lead time."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.error = run.parameter("forecast", ForecastError)

    def __call__(self, i: int, emit: Emit) -> None:
        """Issue every city's forecast run at hour ``i``."""
        rng, fe, s = self.run.rng, self.error, self.run.state
        n = s.hours
        horizon = min(s.scenario.cadence.forecast_horizon_h, n - 1 - i)
        if horizon < 1:
            return
        run_at = s.times[i]
        for code, cs in s.cities.items():
            t_bias, r_bias = rng.gauss(0, 1), rng.gauss(0, 1)
            shift_z = rng.gauss(0, 1)
            steps = []
            for lead in range(1, horizon + 1):
                days = lead / 24
                j = i + lead
                shift = round(shift_z * fe.timing_sd_h_per_day * days)
                k = min(n - 1, max(0, j + shift))
                t_sd = fe.temp_sd_0 + fe.temp_sd_per_day * days
                temp = cs.temp[j] + t_sd * (0.8 * t_bias + 0.6 * rng.gauss(0, 1))
                r_sd = fe.rain_log_sd_0 + fe.rain_log_sd_per_day * days
                rain = cs.rain[k] * math.exp(r_sd * (0.7 * r_bias + 0.7 * rng.gauss(0, 1)))
                wind = cs.wind[j] * max(0.0, 1 + fe.wind_rel_sd_per_day * days * rng.gauss(0, 1))
                v_sd = fe.vis_log_sd_0 + fe.vis_log_sd_per_day * days
                vis = cs.visibility[k] * math.exp(v_sd * rng.gauss(0, 1))
                steps.append(
                    ForecastStep(
                        valid_at=s.times[j],
                        temp_c=round(temp, 1),
                        rain_mm=round(rain, 1),
                        wind_ms=round(wind, 1),
                        gust_ms=round(wind * 1.6, 1),
                        visibility_m=round(clip(vis, 10, 100_000)),
                        ground_temp_c=round(temp + cs.ground_temp[j] - cs.temp[j], 1),
                    )
                )
            emit(
                i,
                ForecastIssued(
                    event_id=self.run.event_id("fc", code, i),
                    occurred_at=run_at,
                    source=SOURCE,
                    region=code,
                    run_at=run_at,
                    steps=tuple(steps),
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    sensors=(
        Sensor(
            name="station",
            topic=WEATHER_OBSERVATIONS,
            order=10,
            every=lambda cadence: cadence.station_h,
            start=Stations,
        ),
        Sensor(
            name="forecast",
            topic=WEATHER_FORECASTS,
            order=50,
            every=lambda cadence: cadence.forecast_every_h,
            start=Forecasts,
        ),
    ),
    parameters=(ModelSection("station", SensorNoise), ModelSection("forecast", ForecastError)),
)
