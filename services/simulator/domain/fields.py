"""Hazard physics: the true hourly weather, soil, ice, river and lake state of every city.

Everything here is a deterministic function of the scenario it is given (no noise). The seed's
own version of a scenario (its hazards moved, stretched and scaled within the scenario's spread)
is made before, by ``ensemble.sample``; the rivers and the lake follow from the rain
(``hydrology``).
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from services.simulator.domain.hydrology import LOCAL, HydroState, simulate
from services.simulator.domain.scenario import HazardSpec, HydroPoint, Scenario
from shared.contracts.simulator import HazardKind
from shared.world import BEIJING_OFFSET, City, World, distance_km

#: Beijing time: the local clock of diurnal cycles.

# Share of rain that raises volumetric soil moisture (%/mm), and the relaxation of soil moisture
# towards a wilting floor: with r mm/day of rain the equilibrium is floor + r * gain * tau_days.
_SOIL_GAIN_PCT_PER_MM = 0.3
_SOIL_FLOOR_PCT = 10.0
_SOIL_TAU_H = 20 * 24
# Radial ice on lines per mm of freezing precipitation, and melt per hour per °C above 1 °C.
_ICE_ACCRETION = 0.8
_ICE_MELT_MM_PER_DEGC_H = 0.5
# Below this share of its peak a hazard is not counted as present in a city.
HAZARD_PRESENCE = 0.2


@dataclass
class CityState:
    """Hourly true state of one city over the whole span."""

    city: City
    temp: list[float] = field(default_factory=list)
    rain: list[float] = field(default_factory=list)
    wind: list[float] = field(default_factory=list)
    gust: list[float] = field(default_factory=list)
    visibility: list[float] = field(default_factory=list)
    humidity: list[float] = field(default_factory=list)
    ground_temp: list[float] = field(default_factory=list)
    soil_moisture: list[float] = field(default_factory=list)
    ice_mm: list[float] = field(default_factory=list)
    rain_24h: list[float] = field(default_factory=list)


@dataclass
class WorldState:
    """The true state of the world for a scenario: per city, per gauge, per hazard, hourly."""

    scenario: Scenario
    world: World
    times: list[datetime]
    local_hours: list[int]
    cities: dict[str, CityState]
    gauge_levels: dict[str, list[float]]
    #: hazard id -> city code -> hourly share (0..1) of the hazard's peak felt there.
    shapes: dict[str, dict[str, list[float]]]
    #: River flows, the lake and the Yangtze at its outlet.
    hydro: HydroState
    #: The world's key (scenario and seed): the truth's event ids derive from it.
    key: str
    # Several sectors read the icy road surface; computed once per city on first use.
    _icy: dict[str, list[float]] = field(default_factory=dict, repr=False, compare=False)
    _excess: dict[str, list[float]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def hours(self) -> int:
        """Number of hourly steps."""
        return len(self.times)

    def icy(self, code: str) -> list[float]:
        """City ``code``'s hourly icy road surface (1.0 or 0.0, see ``icy_series``)."""
        if code not in self._icy:
            city = self.cities[code]
            self._icy[code] = icy_series(city.ground_temp, city.rain)
        return self._icy[code]

    def flood_excess(self, code: str) -> list[float]:
        """City ``code``'s worst water above warning, hourly: its lake gauge or its river gauge.

        -99 for a city with neither.
        """
        if code not in self._excess:
            city = self.world.city(code)
            series = [
                [v - g.warning_m for v in self.gauge_levels[g.id]]
                for g in (self.world.gauge(x) for x in (city.lake_gauge, city.river_gauge) if x)
            ]
            self._excess[code] = (
                [max(col) for col in zip(*series, strict=True)] if series else [-99.0] * self.hours
            )
        return self._excess[code]


def icy_series(ground_temp: list[float], rain: list[float]) -> list[float]:
    """1.0 where the road surface is at or below 0 °C with precipitation in the last 6 hours."""
    out: list[float] = []
    for i, g in enumerate(ground_temp):
        wet = sum(rain[max(0, i - 5) : i + 1]) >= 0.5
        out.append(1.0 if g <= 0 and wet else 0.0)
    return out


class Place(Protocol):
    """Somewhere a hazard's field is evaluated: a city, or a point of a river's catchment."""

    @property
    def code(self) -> str:
        """The city it belongs to (per-city hazard weights and fair-weather showers are its)."""
        ...

    @property
    def lon(self) -> float:
        """Longitude."""
        ...

    @property
    def lat(self) -> float:
        """Latitude."""
        ...


@dataclass(frozen=True)
class _Point:
    code: str
    lon: float
    lat: float


def _trapezoid(h: HazardSpec, t: datetime) -> float:
    if t < h.start or t >= h.end:
        return 0.0
    if h.ramp_h <= 0:
        return 1.0
    up = (t - h.start).total_seconds() / 3600 / h.ramp_h
    down = (h.end - t).total_seconds() / 3600 / h.ramp_h
    return max(0.0, min(1.0, up, down))


def _night_weight(local_hour: int) -> float:
    # Radiation fog peaks around dawn (05:00) and burns off by late morning.
    dist = abs(((local_hour - 5 + 12) % 24) - 12)
    return max(0.0, 1.0 - dist / 7)


_KM_PER_DEG = 111.2


def _spatial(
    h: HazardSpec, c: Place, t: datetime, offset_km: tuple[float, float] = (0.0, 0.0)
) -> float:
    if h.cities is not None:
        return h.cities.get(c.code, 0.0)
    if h.centre is None:
        return 1.0
    lon, lat = h.centre
    if h.centre_end is not None:
        frac = (t - h.start) / (h.end - h.start)
        lon += (h.centre_end[0] - lon) * frac
        lat += (h.centre_end[1] - lat) * frac
    if offset_km != (0.0, 0.0):
        lat += offset_km[1] / _KM_PER_DEG
        lon += offset_km[0] / (_KM_PER_DEG * math.cos(math.radians(lat)))
    d = distance_km(lon, lat, c.lon, c.lat)
    return math.exp(-((d / h.radius_km) ** 2))


def _background_rain(code: str, day: int, local_hour: int, mm_day: float) -> float:
    # Deterministic fair-weather showers: an afternoon shower on roughly one day in three,
    # varying by city, so that the season's mean rainfall is mm_day.
    if mm_day <= 0 or not 14 <= local_hour <= 17:
        return 0.0
    if zlib.crc32(f"{code}:{day}".encode()) % 3:
        return 0.0
    return mm_day * 3 / 4


def hazard_shape(
    h: HazardSpec,
    c: Place,
    t: datetime,
    local_hour: int,
    offset_km: tuple[float, float] = (0.0, 0.0),
) -> float:
    """The share (0..1) of hazard ``h``'s peak felt in city ``c`` at time ``t``.

    ``offset_km`` (east, north) moves the hazard's centre: a forecast's position error.
    """
    temporal = _trapezoid(h, t)
    if temporal == 0.0:
        return 0.0
    s = temporal * _spatial(h, c, t, offset_km)
    if h.diurnal == "night":
        s *= _night_weight(local_hour)
    return s


def stage_at(points: tuple[HydroPoint, ...], t: datetime) -> float:
    """The level of a hydrograph at ``t`` (linear between points, flat beyond them)."""
    if t <= points[0].at:
        return points[0].level_m
    for a, b in itertools.pairwise(points):
        if t <= b.at:
            frac = (t - a.at) / (b.at - a.at)
            return a.level_m + (b.level_m - a.level_m) * frac
    return points[-1].level_m


def build_state(scenario: Scenario, world: World, *, key: str | None = None) -> WorldState:
    """Compute the true hourly state of every city, gauge and hazard for ``scenario``.

    ``key`` names the world (default: the scenario's name); the truth's event ids derive from it.
    """
    base = scenario.baseline
    n = scenario.hours
    times = [scenario.hour_at(h) for h in range(n)]
    local = [(t.astimezone(UTC) + BEIJING_OFFSET).hour for t in times]
    codes = set(scenario.cities or [c.code for c in world.cities])
    cities = [c for c in world.cities if c.code in codes]
    shapes: dict[str, dict[str, list[float]]] = {}
    for hz in scenario.hazards:
        shapes[hz.id] = {
            c.code: [hazard_shape(hz, c, times[i], local[i]) for i in range(n)] for c in cities
        }
    states: dict[str, CityState] = {}
    for c in cities:
        st = CityState(city=c)
        soil = base.soil_moisture_pct
        ice = 0.0
        window: list[float] = []
        for i in range(n):
            days = i / 24
            lh = local[i]
            diurnal = math.sin(2 * math.pi * (lh - 9) / 24)
            temp = (
                base.temp_mean_c
                + base.temp_trend_c_per_day * days
                + c.climate_offset_c
                + diurnal * base.diurnal_range_c / 2
            )
            rain = _background_rain(c.code, i // 24, lh, base.rain_mm_day)
            wind = base.wind_ms * (0.8 + 0.4 * max(0.0, diurnal))
            vis_log = math.log(base.visibility_m)
            humidity = base.humidity_pct - 10 * diurnal
            dry = 0.0
            for hz in scenario.hazards:
                s = shapes[hz.id][c.code][i]
                if s == 0.0:
                    continue
                k = hz.kind
                if k == HazardKind.RAINSTORM or k == HazardKind.FREEZING_RAIN:
                    rain += hz.peak * s
                elif k == HazardKind.HEAT_WAVE:
                    temp += hz.peak * s
                elif k == HazardKind.COLD_WAVE:
                    temp -= hz.peak * s
                elif k == HazardKind.GALE:
                    wind += hz.peak * s
                elif k == HazardKind.FOG:
                    vis_log = vis_log * (1 - s) + math.log(hz.peak) * s
                    humidity = max(humidity, 90 + 10 * s)
                elif k == HazardKind.DROUGHT:
                    rain *= 1 - s
                    dry += hz.peak * s / 24
                    humidity -= 15 * s
            if rain > 0:
                humidity = max(humidity, 85 + min(rain, 10))
                vis_log = min(vis_log, math.log(max(500.0, 20_000 / (1 + rain))))
            soil += rain * _SOIL_GAIN_PCT_PER_MM - (soil - _SOIL_FLOOR_PCT) / _SOIL_TAU_H - dry
            soil = min(48.0, max(3.0, soil))
            if temp <= 0 and rain > 0:
                ice += rain * _ICE_ACCRETION
            elif temp > 1:
                ice = max(0.0, ice - _ICE_MELT_MM_PER_DEGC_H * (temp - 1))
            window.append(rain)
            if len(window) > 24:
                window.pop(0)
            st.temp.append(temp)
            st.rain.append(rain)
            st.wind.append(wind)
            st.gust.append(wind * 1.6)
            st.visibility.append(math.exp(vis_log))
            st.humidity.append(min(100.0, max(5.0, humidity)))
            st.ground_temp.append(temp + 3 * max(0.0, diurnal) - 1.0)
            st.soil_moisture.append(soil)
            st.ice_mm.append(ice)
            st.rain_24h.append(sum(window))
        states[c.code] = st
    hydrology = world.hydrology
    catchments = {r.id: r.points for r in hydrology.rivers}
    catchments[LOCAL] = hydrology.lake.local_points
    water: dict[str, list[float]] = {}
    wetness: dict[str, list[float]] = {}
    for key, points in catchments.items():
        places = [_Point(p.city, p.lon, p.lat) for p in points]
        series = [_water_input(scenario, pl, times, local, states) for pl in places]
        water[key] = [sum(col) / len(col) for col in zip(*series, strict=True)]
        moist = [states[pl.code].soil_moisture for pl in places if pl.code in states]
        wetness[key] = (
            [sum(col) / len(col) for col in zip(*moist, strict=True)]
            if moist
            else [base.soil_moisture_pct] * n
        )
    hydro = simulate(
        hydrology,
        water_input=water,
        soil_moisture=wetness,
        hours=n,
        flow_ratio=base.river_flow_ratio,
        lake_initial_m=base.lake_level_m,
        yangtze=(
            [stage_at(scenario.yangtze_hukou, t) for t in times] if scenario.yangtze_hukou else None
        ),
    )
    levels = _gauge_levels(world, hydro)
    for hz in scenario.hazards:
        if hz.kind == HazardKind.LAKE_RISE:
            shapes[hz.id] = {c.code: _lake_shape(hz, c, world, levels) for c in cities}
    return WorldState(
        scenario=scenario,
        world=world,
        times=times,
        local_hours=local,
        cities=states,
        gauge_levels=levels,
        shapes=shapes,
        hydro=hydro,
        key=key or scenario.name,
    )


def _water_input(
    scenario: Scenario,
    place: Place,
    times: list[datetime],
    local: list[int],
    states: dict[str, CityState],
) -> list[float]:
    # Rain at a point of a catchment (the same field as a city's rain), less what falls frozen:
    # ice and snow wait for a thaw and then melt like the ice on lines.
    base = scenario.baseline
    temps = states[place.code].temp if place.code in states else None
    stored = 0.0
    out: list[float] = []
    for i, t in enumerate(times):
        rain = _background_rain(place.code, i // 24, local[i], base.rain_mm_day)
        for hz in scenario.hazards:
            if hz.kind in (HazardKind.RAINSTORM, HazardKind.FREEZING_RAIN):
                rain += hz.peak * hazard_shape(hz, place, t, local[i])
            elif hz.kind == HazardKind.DROUGHT:
                rain *= 1 - hazard_shape(hz, place, t, local[i])
        temp = temps[i] if temps is not None else 10.0
        if temp <= 0:
            stored += rain
            rain = 0.0
        elif stored > 0 and temp > 1:
            melt = min(stored, _ICE_MELT_MM_PER_DEGC_H * (temp - 1))
            stored -= melt
            rain += melt
        out.append(rain)
    return out


def _lake_shape(
    hz: HazardSpec, c: City, world: World, levels: dict[str, list[float]]
) -> list[float]:
    # A lake rise is felt where the city's lake gauge is above its warning level, in proportion
    # to how far it is towards the guaranteed level.
    del hz
    if c.lake_gauge is None:
        return [0.0] * len(next(iter(levels.values())))
    gauge = world.gauge(c.lake_gauge)
    span = gauge.guaranteed_m - gauge.warning_m
    return [min(1.0, max(0.0, (v - gauge.warning_m) / span)) for v in levels[gauge.id]]


def _gauge_levels(world: World, hydro: HydroState) -> dict[str, list[float]]:
    # Lake gauges follow the lake with their offset; river gauges read their river's flow.
    out: dict[str, list[float]] = {}
    for g in world.gauges:
        if g.offset_m is not None:
            out[g.id] = [v + g.offset_m for v in hydro.lake_level]
        elif g.river is not None:
            out[g.id] = [g.stage(q) for q in hydro.rivers[g.river].gauge]
    return out
