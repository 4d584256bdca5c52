"""Raw observations: what each sector's sensors report about the true state, with seeded noise,
gaps (missing fields), losses (missing readings) and delay.

Each sensor kind draws from its own random stream, seeded from the run's seed, so one stream's
volume never shifts another's noise.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from services.simulator.domain.fields import WorldState
from services.simulator.domain.impacts import SOURCE, icy_series
from shared.contracts.agriculture import AGRICULTURE_OBSERVATIONS, FarmObservation, Industry
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    AlarmKind,
    CitizenReport,
    FacilityKind,
    GaugeReading,
    ReportKind,
    SafetyAlarm,
)
from shared.contracts.envelope import Event, derived_id
from shared.contracts.spec import TopicSpec
from shared.contracts.transport import TRANSPORT_OBSERVATIONS, RoadObservation, SurfaceState
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    ForecastIssued,
    ForecastStep,
    StationObservation,
)

MODEL_FILE = Path(__file__).resolve().parent.parent / "observation_model.yaml"

_LAPSE_C_PER_M = 0.0065


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SensorNoise(_Frozen):
    """Loss and delay of one sensor kind, plus its noise parameters."""

    model_config = ConfigDict(frozen=True, extra="allow")

    field_gap_p: float = 0.0
    drop_p: float
    delay_p: float
    delay_max_h: int

    def sd(self, name: str) -> float:
        """A named noise parameter."""
        return float(getattr(self, name))


class ForecastError(_Frozen):
    """Forecast error growth with lead time."""

    temp_sd_0: float
    temp_sd_per_day: float
    rain_log_sd_0: float
    rain_log_sd_per_day: float
    timing_sd_h_per_day: float
    wind_rel_sd_per_day: float
    vis_log_sd_0: float
    vis_log_sd_per_day: float


class Traffic(_Frozen):
    """Expressway traffic model."""

    free_speed_kmh: float
    hourly_share: tuple[float, ...]
    speed_limits: tuple[tuple[float, float], ...]
    icy_speed_kmh: float
    heavy_rain_mm_h: float
    heavy_rain_speed_kmh: float
    hazard_volume_factor: float


class Reports(_Frozen):
    """Citizen-report rates and texts."""

    false_per_city_hour: float
    rates: dict[ReportKind, float]
    text_zh: dict[ReportKind, str]


class Alarms(_Frozen):
    """Industrial-safety alarm model."""

    false_per_facility_hour: float
    p_when_triggered: float
    fireworks_temp_c: float
    mine_rain_24h_mm: float
    chemicals_gust_ms: float


class ObservationModel(_Frozen):
    """Everything in observation_model.yaml."""

    station: SensorNoise
    farm: SensorNoise
    road: SensorNoise
    gauge: SensorNoise
    forecast: ForecastError
    traffic: Traffic
    reports: Reports
    alarms: Alarms


@cache
def load_observation_model() -> ObservationModel:
    """Parse observation_model.yaml once."""
    with MODEL_FILE.open(encoding="utf-8") as fh:
        return ObservationModel.model_validate(yaml.safe_load(fh))


Emit = Callable[[int, TopicSpec, Event], None]


def _stream(seed: int, name: str, stream: str) -> random.Random:
    return random.Random(f"{name}:{seed}:{stream}")


def _delay(rng: random.Random, noise: SensorNoise) -> int | None:
    """None = lost; otherwise hours of delay (usually 0)."""
    r = rng.random()
    if r < noise.drop_p:
        return None
    if r < noise.drop_p + noise.delay_p:
        return rng.randint(1, noise.delay_max_h)
    return 0


def _gap(rng: random.Random, noise: SensorNoise, n_fields: int) -> int:
    """Index of a field to blank out, or -1 (one draw for the whole reading)."""
    if rng.random() < noise.field_gap_p * n_fields:
        return rng.randrange(n_fields)
    return -1


def _clip(v: float, lo: float, hi: float) -> float:
    return lo if v < lo else hi if v > hi else v


class ObservationDeriver:
    """Derives every sector's raw observations from a world state for one seed."""

    def __init__(self, state: WorldState, seed: int, world_key: str) -> None:
        self.s = state
        self.seed = seed
        self.world_key = world_key
        self.m = load_observation_model()
        self.w = state.world
        self.cad = state.scenario.cadence
        name = state.scenario.name
        self.rng = {
            k: _stream(seed, name, k)
            for k in ("station", "farm", "road", "gauge", "forecast", "report", "alarm")
        }
        self.icy = {code: icy_series(c.ground_temp, c.rain) for code, c in state.cities.items()}
        self._stage: dict[tuple[str, int, float], str | None] = {}

    def _id(self, *parts: object) -> uuid.UUID:
        return derived_id(self.world_key, *parts)

    def emit_hour(self, i: int, emit: Emit) -> None:
        """Derive every observation measured at hour ``i`` (published at ``i`` + delay)."""
        if i % self.cad.station_h == 0:
            self._stations(i, emit)
        if i % self.cad.farm_h == 0:
            self._farms(i, emit)
        if i % self.cad.road_h == 0:
            self._roads(i, emit)
        if i % self.cad.gauge_h == 0:
            self._gauges(i, emit)
        if i % self.cad.forecast_every_h == 0:
            self._forecasts(i, emit)
        self._reports(i, emit)
        self._alarms(i, emit)

    # -- weather ---------------------------------------------------------------------------
    def _stations(self, i: int, emit: Emit) -> None:
        rng, noise = self.rng["station"], self.m.station
        t = self.s.times[i]
        for st in self.w.stations:
            cs = self.s.cities.get(st.city)
            if cs is None:
                continue
            delay = _delay(rng, noise)
            if delay is None:
                continue
            lapse = (st.elevation_m - 50) * _LAPSE_C_PER_M
            temp = round(cs.temp[i] - lapse + rng.gauss(0, noise.sd("temp_sd")), 1)
            rain_true = cs.rain[i]
            rain = round(max(0.0, rain_true * (1 + rng.gauss(0, noise.sd("rain_rel_sd")))), 1)
            wind = round(max(0.0, cs.wind[i] + rng.gauss(0, noise.sd("wind_sd"))), 1)
            vis = cs.visibility[i] * math.exp(rng.gauss(0, noise.sd("vis_rel_sd")))
            values: list[float | None] = [
                temp,
                min(rain, 500.0),
                wind,
                round(wind * 1.6, 1),
                round(_clip(vis, 10, 100_000)),
                round(_clip(cs.humidity[i] + rng.gauss(0, noise.sd("hum_sd")), 0, 100)),
                round(cs.ground_temp[i] - lapse + rng.gauss(0, noise.sd("temp_sd")), 1),
            ]
            g = _gap(rng, noise, len(values))
            if g >= 0:
                values[g] = None
            emit(
                i + delay,
                WEATHER_OBSERVATIONS,
                StationObservation(
                    event_id=self._id("stn", st.id, i),
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
                ),
            )

    def _forecasts(self, i: int, emit: Emit) -> None:
        rng, fe = self.rng["forecast"], self.m.forecast
        n = self.s.hours
        horizon = min(self.cad.forecast_horizon_h, n - 1 - i)
        if horizon < 1:
            return
        run_at = self.s.times[i]
        for code, cs in self.s.cities.items():
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
                        valid_at=self.s.times[j],
                        temp_c=round(temp, 1),
                        rain_mm=round(rain, 1),
                        wind_ms=round(wind, 1),
                        gust_ms=round(wind * 1.6, 1),
                        visibility_m=round(_clip(vis, 10, 100_000)),
                        ground_temp_c=round(temp + cs.ground_temp[j] - cs.temp[j], 1),
                    )
                )
            emit(
                i,
                WEATHER_FORECASTS,
                ForecastIssued(
                    event_id=self._id("fc", code, i),
                    occurred_at=run_at,
                    source=SOURCE,
                    region=code,
                    run_at=run_at,
                    steps=tuple(steps),
                ),
            )

    # -- agriculture -----------------------------------------------------------------------
    def _stage_of(self, crop: str, i: int, lat: float) -> str | None:
        day = i // 24
        key = (crop, day, lat)
        if key not in self._stage:
            self._stage[key] = self.w.calendars.stage(crop, self.s.times[i].date(), lat)
        return self._stage[key]

    def _farms(self, i: int, emit: Emit) -> None:
        rng, noise = self.rng["farm"], self.m.farm
        t = self.s.times[i]
        depth_full = self.w.damage.full_flood_depth_m
        for farm in self.w.farms:
            cs = self.s.cities.get(farm.city)
            if cs is None:
                continue
            delay = _delay(rng, noise)
            if delay is None:
                continue
            city = cs.city
            above = 0.0
            if city.lake_gauge is not None and farm.lowland_share > 0:
                g = self.w.gauge(city.lake_gauge)
                above = max(0.0, self.s.gauge_levels[g.id][i] - g.warning_m)
            depth = above * 100 + max(0.0, cs.rain_24h[i] - 50) * 0.3
            soil, temp = cs.soil_moisture[i], cs.temp[i]
            stress = max(
                _clip((temp - 33) / 6, 0, 1),
                _clip((18 - soil) / 8, 0, 1),
                _clip(above / depth_full, 0, 1) if depth > 10 else 0.0,
                _clip(-temp / 6, 0, 1),
            )
            land = farm.industry not in (Industry.LIVESTOCK, Industry.AQUACULTURE)
            values: list[float | None] = [
                round(_clip(soil + rng.gauss(0, noise.sd("soil_sd")), 0, 100), 1) if land else None,
                round(
                    temp + 2 * _clip((20 - soil) / 10, 0, 1) + rng.gauss(0, noise.sd("canopy_sd")),
                    1,
                ),
                round(_clip(depth + rng.gauss(0, noise.sd("depth_sd")), 0, 1000), 1),
                round(_clip(stress + rng.gauss(0, noise.sd("stress_sd")), 0, 1), 2),
            ]
            g_i = _gap(rng, noise, len(values))
            if g_i >= 0:
                values[g_i] = None
            emit(
                i + delay,
                AGRICULTURE_OBSERVATIONS,
                FarmObservation(
                    event_id=self._id("farm", farm.farm_id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=farm.city,
                    farm_id=farm.farm_id,
                    industry=farm.industry,
                    crop=farm.crop,
                    crop_stage=self._stage_of(farm.crop, i, city.lat),
                    soil_moisture_pct=values[0],
                    canopy_temp_c=values[1],
                    water_depth_cm=values[2],
                    crop_stress=values[3],
                ),
            )

    # -- transport -------------------------------------------------------------------------
    def _roads(self, i: int, emit: Emit) -> None:
        rng, noise, tr = self.rng["road"], self.m.road, self.m.traffic
        t = self.s.times[i]
        share = tr.hourly_share[self.s.local_hours[i]]
        for seg in self.w.segments:
            for end, code in (("A", seg.from_city), ("B", seg.to_city)):
                cs = self.s.cities.get(code)
                if cs is None:
                    continue
                delay = _delay(rng, noise)
                if delay is None:
                    continue
                vis, rain, icy = cs.visibility[i], cs.rain[i], self.icy[code][i] > 0
                speed = tr.free_speed_kmh
                for below, limit in tr.speed_limits:
                    if vis < below:
                        speed = min(speed, limit)
                if icy:
                    speed = min(speed, tr.icy_speed_kmh)
                if rain >= tr.heavy_rain_mm_h:
                    speed = min(speed, tr.heavy_rain_speed_kmh)
                volume = seg.aadt * share
                if speed < tr.free_speed_kmh:
                    volume *= tr.hazard_volume_factor
                if icy:
                    state = SurfaceState.ICY
                elif rain >= 30:
                    state = SurfaceState.FLOODED
                elif sum(cs.rain[max(0, i - 2) : i + 1]) > 0.2:
                    state = SurfaceState.WET
                else:
                    state = SurfaceState.DRY
                values: list[float | None] = [
                    round(_clip(speed + rng.gauss(0, noise.sd("speed_sd")), 0, 200), 1),
                    max(0, round(volume * (1 + rng.gauss(0, noise.sd("volume_rel_sd"))))),
                    round(cs.ground_temp[i] + rng.gauss(0, noise.sd("surface_sd")), 1),
                    round(_clip(vis * math.exp(rng.gauss(0, noise.sd("vis_rel_sd"))), 5, 100_000)),
                ]
                g = _gap(rng, noise, len(values))
                if g >= 0:
                    values[g] = None
                vol = values[1]
                emit(
                    i + delay,
                    TRANSPORT_OBSERVATIONS,
                    RoadObservation(
                        event_id=self._id("road", seg.id, end, i),
                        occurred_at=t,
                        source=SOURCE,
                        region=code,
                        detector_id=f"{seg.id}-{end}",
                        segment_id=seg.id,
                        road=seg.road,
                        speed_kmh=values[0],
                        volume_vph=None if vol is None else int(vol),
                        surface_temp_c=values[2],
                        visibility_m=values[3],
                        surface_state=state,
                    ),
                )

    # -- emergency -------------------------------------------------------------------------
    def _gauges(self, i: int, emit: Emit) -> None:
        rng, noise = self.rng["gauge"], self.m.gauge
        t = self.s.times[i]
        for g in self.w.gauges:
            delay = _delay(rng, noise)
            if delay is None:
                continue
            level = self.s.gauge_levels[g.id][i] + rng.gauss(0, noise.sd("level_sd"))
            emit(
                i + delay,
                EMERGENCY_OBSERVATIONS,
                GaugeReading(
                    event_id=self._id("gauge", g.id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=g.city,
                    gauge_id=g.id,
                    water_level_m=round(_clip(level, 0, 60), 2),
                ),
            )

    def _conditions(self, code: str, i: int) -> list[ReportKind]:
        cs = self.s.cities[code]
        city = cs.city
        found: list[ReportKind] = []
        if city.lake_gauge is not None:
            g = self.w.gauge(city.lake_gauge)
            if self.s.gauge_levels[g.id][i] > g.warning_m:
                found.append(ReportKind.FLOODING)
        if cs.rain[i] >= 20 or cs.rain_24h[i] >= 80:
            found.append(ReportKind.WATERLOGGING)
        if cs.rain_24h[i] >= 150:
            found.append(ReportKind.LANDSLIDE)
        if self.icy[code][i] > 0:
            found.append(ReportKind.ROAD_ICING)
        if cs.visibility[i] < 200:
            found.append(ReportKind.POOR_VISIBILITY)
        if cs.ice_mm[i] >= 15:
            found.append(ReportKind.POWER_OUTAGE)
        if cs.temp[i] >= 37:
            found.append(ReportKind.HEAT_ILLNESS)
        if cs.soil_moisture[i] < 12:
            found.append(ReportKind.WATER_SHORTAGE)
        if cs.soil_moisture[i] < 12 or cs.temp[i] >= 37 or cs.temp[i] <= -5:
            found.append(ReportKind.CROP_DAMAGE)
        return found

    def _reports(self, i: int, emit: Emit) -> None:
        rng, rep = self.rng["report"], self.m.reports
        t = self.s.times[i]
        kinds = list(ReportKind)
        for code, cs in self.s.cities.items():
            hits = [k for k in self._conditions(code, i) if rng.random() < rep.rates.get(k, 0.0)]
            if rng.random() < rep.false_per_city_hour:
                hits.append(kinds[rng.randrange(len(kinds))])
            for n, kind in enumerate(hits):
                emit(
                    i,
                    EMERGENCY_REPORTS,
                    CitizenReport(
                        event_id=self._id("report", code, i, n),
                        occurred_at=t,
                        source=SOURCE,
                        region=code,
                        report_kind=kind,
                        lon=round(cs.city.lon + rng.uniform(-0.3, 0.3), 3),
                        lat=round(cs.city.lat + rng.uniform(-0.3, 0.3), 3),
                        people=rng.randint(1, 30),
                        text=rep.text_zh.get(kind, ""),
                    ),
                )

    def _alarms(self, i: int, emit: Emit) -> None:
        rng, al = self.rng["alarm"], self.m.alarms
        t = self.s.times[i]
        for fac in self.w.facilities:
            cs = self.s.cities.get(fac.city)
            if cs is None:
                continue
            kind: AlarmKind | None = None
            value = threshold = 0.0
            if fac.kind == FacilityKind.FIREWORKS and cs.temp[i] >= al.fireworks_temp_c:
                kind, value, threshold = AlarmKind.TEMPERATURE, cs.temp[i], al.fireworks_temp_c
            elif fac.kind == FacilityKind.MINE and cs.rain_24h[i] >= al.mine_rain_24h_mm:
                kind, value, threshold = AlarmKind.WATER_INFLOW, cs.rain_24h[i], al.mine_rain_24h_mm
            elif (
                fac.kind == FacilityKind.HAZARDOUS_CHEMICALS and cs.gust[i] >= al.chemicals_gust_ms
            ):
                kind, value, threshold = AlarmKind.WIND_LOAD, cs.gust[i], al.chemicals_gust_ms
            fire = kind is not None and rng.random() < al.p_when_triggered
            if not fire and rng.random() < al.false_per_facility_hour:
                # A sensor fault: power loss or a spurious gas reading, with nothing behind it.
                kind = AlarmKind.POWER_LOSS if rng.random() < 0.5 else AlarmKind.GAS_CONCENTRATION
                value, threshold, fire = 0.0, 0.0, True
            if not fire or kind is None:
                continue
            emit(
                i,
                EMERGENCY_ALARMS,
                SafetyAlarm(
                    event_id=self._id("alarm", fac.id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=fac.city,
                    facility_id=fac.id,
                    facility_kind=fac.kind,
                    alarm=kind,
                    value=round(value, 1) if threshold else None,
                    threshold=threshold or None,
                ),
            )
