"""Weather's world: station readings and NWP-like forecasts (weather damages no asset itself)."""

from __future__ import annotations

import math

from services.simulator.domain.forecast import TEMP_SIGN, ForecastRun, ForecastSkill
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
from services.simulator.domain.probability import SECTION, ForecastProbability, check, exceedances
from shared.contracts.simulator import HazardKind
from shared.contracts.weather import (
    SECTOR,
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    ForecastIssued,
    ForecastStep,
    StationObservation,
    at_height,
)


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
    """Per-city forecasts from the forecast's own view of the hazards (``ForecastRun``).

    What the hazards do is forecast through the run's error field (position, timing and
    intensity errors growing with lead time, and phantom cells); the rest of the weather (the
    season's diurnal cycle, fair-weather wind) is the truth with noise; fair-weather showers are
    forecast as the season's mean rain.
    """

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.skill = run.parameter("forecast", ForecastSkill)
        self.products = run.parameter(SECTION, ForecastProbability)
        check(self.skill, self.products)

    def __call__(self, i: int, emit: Emit) -> None:
        """Issue every city's forecast run at hour ``i``."""
        rng, sk, s = self.run.rng, self.skill, self.run.state
        n = s.hours
        horizon = min(s.scenario.cadence.forecast_horizon_h, n - 1 - i)
        if horizon < 1:
            return
        run_at = s.times[i]
        forecast = ForecastRun(s, i, rng, sk)
        hazards = s.scenario.hazards
        showers = s.scenario.baseline.rain_mm_day / 24
        fair_vis = math.log(s.scenario.baseline.visibility_m)
        for code, cs in s.cities.items():
            city = cs.city
            t_bias = rng.gauss(0, 1)
            steps = []
            for lead in range(1, horizon + 1):
                days = lead / 24
                j = i + lead
                valid = s.times[j]
                true_heat = sum(
                    TEMP_SIGN[h.kind] * h.peak * s.shapes[h.id][code][j]
                    for h in hazards
                    if h.kind in TEMP_SIGN
                )
                true_gale = sum(
                    h.peak * s.shapes[h.id][code][j] for h in hazards if h.kind == HazardKind.GALE
                )
                t_sd = sk.temp_sd_0 + sk.temp_sd_per_day * days
                temp = (
                    cs.temp[j]
                    - true_heat
                    + forecast.temp_delta(city, valid, lead)
                    + t_sd * (0.8 * t_bias + 0.6 * rng.gauss(0, 1))
                )
                rain = showers * (1 - forecast.drought(city, valid, lead))
                rain += forecast.hazard_rain(city, valid, lead)
                fair_wind = max(0.0, cs.wind[j] - true_gale) + forecast.gale(city, valid, lead)
                wind = fair_wind * max(0.0, 1 + sk.wind_rel_sd_per_day * days * rng.gauss(0, 1))
                vis_log = fair_vis
                for share, lowest in forecast.fog(city, valid, lead):
                    vis_log = vis_log * (1 - share) + math.log(lowest) * share
                if rain > 0:
                    vis_log = min(vis_log, math.log(max(500.0, 20_000 / (1 + rain))))
                v_sd = sk.vis_log_sd_0 + sk.vis_log_sd_per_day * days
                vis = math.exp(vis_log + v_sd * rng.gauss(0, 1))
                steps.append(
                    ForecastStep(
                        valid_at=valid,
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
                    exceedance=exceedances(self.products, run_at, steps, s.scenario.name),
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
    parameters=(
        ModelSection("station", SensorNoise),
        ModelSection("forecast", ForecastSkill),
        ModelSection(SECTION, ForecastProbability),
    ),
)
