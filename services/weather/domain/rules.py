"""CMA warning criteria as pure functions of hourly (or daily) values of one place.

Every public ``*_colour`` function takes the values with the most recent last and returns the
highest colour whose criterion holds at the last value, or ``None``. Internally the rules work
on a *mask* of every colour that holds (bit ``1 << rank``), because some criteria are not
nested (heat orange, one hot hour, does not imply heat yellow, three hot days), and a forecast
may only use the colours whose lead time it is within.

Thresholds come from the catalogue (services/weather/data/cma_signals.yaml); none are typed here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from services.weather.domain.catalogue import (
    AccumulationSignal,
    Catalogue,
    ColdWaveSignal,
    DroughtSignal,
    FrostSignal,
    HeatSignal,
    RoadIcingSignal,
    SignalBase,
    SnowfallSignal,
    VisibilitySignal,
    WindSignal,
)
from services.weather.domain.series import HourlySeries, beijing_day
from shared.contracts.weather import Colour, SignalType

#: Sums and thresholds are compared with this tolerance, so 16.6 + 16.7 + 16.7 mm meets 50 mm
#: despite binary floating point, while 49.9 mm stays below it.
EPSILON = 1e-6

#: Colour by rank; index 0 is "no colour".
BY_RANK: tuple[Colour | None, ...] = (None, *Colour)

Series = Sequence[float | None]


def top(mask: int) -> Colour | None:
    """The highest colour in a mask, or None for an empty mask."""
    return BY_RANK[mask.bit_length() - 1] if mask else None


def bit(colour: Colour) -> int:
    """The mask bit of one colour."""
    return 1 << colour.rank


def within_lead(mask: int, lead_h: int, spec: SignalBase) -> int:
    """Keep the colours a forecast ``lead_h`` hours ahead may trigger (all of them if ≤ 0)."""
    if lead_h <= 0 or not mask:
        return mask
    allowed = 0
    for level in spec.levels:
        if level.lead_h >= lead_h:
            allowed |= bit(level.colour)
    return mask & allowed


def _total(values: Series, hours: int) -> float:
    """Sum of the last ``hours`` values; a missing hour counts as dry (never raises a warning)."""
    total = 0.0
    for value in values[-hours:]:
        if value is not None:
            total += value
    return total


def _minimum(values: Series) -> float | None:
    present = [value for value in values if value is not None]
    return min(present) if present else None


# --- masks: every colour that holds -------------------------------------------------------


def accumulation_mask(values: Series, spec: AccumulationSignal | SnowfallSignal) -> int:
    """Colours whose window sum reaches its amount (rainstorm, blizzard)."""
    mask = 0
    for level in spec.levels:
        if _total(values, level.window_h) + EPSILON >= level.amount_mm:
            mask |= bit(level.colour)
    return mask


def snow_values(precip_mm: Series, temp_c: Series, snow_max_temp_c: float) -> list[float | None]:
    """Precipitation that fell as snow: hours at or below the rain/snow temperature."""
    return [
        p if p is not None and t is not None and t <= snow_max_temp_c else None
        for p, t in zip(precip_mm, temp_c, strict=True)
    ]


def wind_mask(
    wind_ms: float | None, gust_ms: float | None, spec: WindSignal, catalogue: Catalogue
) -> int:
    """Colours whose mean-wind or gust force is reached."""
    mask = 0
    for level in spec.levels:
        if (wind_ms is not None and wind_ms + EPSILON >= catalogue.force_ms(level.force)) or (
            gust_ms is not None and gust_ms + EPSILON >= catalogue.force_ms(level.gust_force)
        ):
            mask |= bit(level.colour)
    return mask


def minimum_drops(tmin_c: Series) -> tuple[float | None, float | None, float | None]:
    """The last 24 h minimum, and its drop against the 24 h before and the 48 h before."""
    now = _minimum(tmin_c[-24:])
    day1 = _minimum(tmin_c[-48:-24]) if len(tmin_c) > 24 else None
    day2 = _minimum(tmin_c[-72:-48]) if len(tmin_c) > 48 else None
    if now is None:
        return None, None, None
    drop24 = day1 - now if day1 is not None else None
    # "Within 48 h" is the larger drop against either earlier day.
    earlier = [d for d in (day1, day2) if d is not None]
    drop48 = max(earlier) - now if earlier else None
    return now, drop24, drop48


def cold_wave_mask(tmin_c: Series, spec: ColdWaveSignal) -> int:
    """Colours whose minimum-temperature drop and end level are reached."""
    now, drop24, drop48 = minimum_drops(tmin_c)
    if now is None:
        return 0
    mask = 0
    for level in spec.levels:
        drop = drop24 if level.over_h == 24 else drop48
        if (
            drop is not None
            and drop + EPSILON >= level.drop_c
            and now <= level.tmin_at_most_c + EPSILON
        ):
            mask |= bit(level.colour)
    return mask


def heat_mask(daily_tmax_c: Series, tmax_c: float | None, spec: HeatSignal) -> int:
    """Colours whose run of hot days, or hot hour, is reached."""
    mask = 0
    for level in spec.levels:
        threshold = level.tmax_at_least_c - EPSILON
        if level.days == 1:
            if tmax_c is not None and tmax_c >= threshold:
                mask |= bit(level.colour)
        else:
            run = daily_tmax_c[-level.days :]
            if len(run) == level.days and all(t is not None and t >= threshold for t in run):
                mask |= bit(level.colour)
    return mask


def visibility_mask(
    visibility_m: float | None, humidity_pct: float | None, spec: VisibilitySignal
) -> int:
    """Colours whose visibility is undercut, if the humidity says it is this phenomenon."""
    if visibility_m is None:
        return 0
    if humidity_pct is None:
        if spec.humidity_required:
            return 0
    else:
        if spec.humidity_at_least_pct is not None and humidity_pct < spec.humidity_at_least_pct:
            return 0
        if spec.humidity_below_pct is not None and humidity_pct >= spec.humidity_below_pct:
            return 0
    mask = 0
    for level in spec.levels:
        if visibility_m < level.below_m:
            mask |= bit(level.colour)
    return mask


def icing_mask(ground_c: float | None, precip_mm: Series, spec: RoadIcingSignal) -> int:
    """Every colour if the road is frozen and wet now, else none (the lead picks the colour)."""
    if ground_c is None or ground_c >= spec.ground_below_c:
        return 0
    if _total(precip_mm, spec.wet_hours) + EPSILON < spec.min_precip_mm:
        return 0
    mask = 0
    for level in spec.levels:
        mask |= bit(level.colour)
    return mask


def frost_mask(ground_c: float | None, spec: FrostSignal) -> int:
    """Colours whose ground-minimum threshold is reached."""
    if ground_c is None:
        return 0
    mask = 0
    for level in spec.levels:
        if ground_c <= level.ground_at_most_c + EPSILON:
            mask |= bit(level.colour)
    return mask


def dry_spell_days(daily_precip_mm: Series, wet_day_mm: float) -> int:
    """Consecutive dry days at the end of the series; a missing day ends the run."""
    run = 0
    for value in reversed(daily_precip_mm):
        if value is None or value + EPSILON >= wet_day_mm:
            break
        run += 1
    return run


def drought_mask(daily_precip_mm: Series, spec: DroughtSignal) -> int:
    """Colours whose dry-spell length is reached."""
    days = dry_spell_days(daily_precip_mm, spec.wet_day_mm)
    mask = 0
    for level in spec.levels:
        if days >= level.dry_days:
            mask |= bit(level.colour)
    return mask


# --- the public rules: the highest colour that holds ----------------------------------------


def rainstorm_colour(rain_mm: Series, *, catalogue: Catalogue) -> Colour | None:
    """Rainstorm colour from hourly rain (mm), most recent hour last."""
    spec = catalogue.spec(SignalType.RAINSTORM, AccumulationSignal)
    return top(accumulation_mask(rain_mm, spec))


def blizzard_colour(precip_mm: Series, temp_c: Series, *, catalogue: Catalogue) -> Colour | None:
    """Blizzard colour from hourly precipitation (mm water) and air temperature (°C)."""
    spec = catalogue.spec(SignalType.BLIZZARD, SnowfallSignal)
    return top(accumulation_mask(snow_values(precip_mm, temp_c, spec.snow_max_temp_c), spec))


def gale_colour(
    wind_ms: float | None, gust_ms: float | None, *, catalogue: Catalogue
) -> Colour | None:
    """Gale colour from this hour's 10-min mean wind and maximum gust (m/s)."""
    cat = catalogue
    return top(wind_mask(wind_ms, gust_ms, cat.spec(SignalType.GALE, WindSignal), cat))


def typhoon_colour(
    wind_ms: float | None, gust_ms: float | None, *, catalogue: Catalogue
) -> Colour | None:
    """Typhoon colour from wind and gust (m/s), for when a tropical cyclone is known to be near."""
    cat = catalogue
    return top(wind_mask(wind_ms, gust_ms, cat.spec(SignalType.TYPHOON, WindSignal), cat))


def cold_wave_colour(tmin_c: Series, *, catalogue: Catalogue) -> Colour | None:
    """Cold-wave colour from hourly minimum temperatures (°C), the last 72 h used."""
    return top(cold_wave_mask(tmin_c, catalogue.spec(SignalType.COLD_WAVE, ColdWaveSignal)))


def heat_colour(
    daily_tmax_c: Series, tmax_c: float | None = None, *, catalogue: Catalogue
) -> Colour | None:
    """Heat colour from daily maxima (today so far last) and this hour's maximum (°C)."""
    if tmax_c is None and daily_tmax_c:
        tmax_c = daily_tmax_c[-1]
    spec = catalogue.spec(SignalType.HEAT, HeatSignal)
    return top(heat_mask(daily_tmax_c, tmax_c, spec))


def fog_colour(
    visibility_m: float | None,
    humidity_pct: float | None = None,
    *,
    catalogue: Catalogue,
) -> Colour | None:
    """Fog colour from this hour's visibility (m) and relative humidity (%)."""
    spec = catalogue.spec(SignalType.FOG, VisibilitySignal)
    return top(visibility_mask(visibility_m, humidity_pct, spec))


def haze_colour(
    visibility_m: float | None, humidity_pct: float | None, *, catalogue: Catalogue
) -> Colour | None:
    """Haze colour from this hour's visibility (m) and relative humidity (%)."""
    spec = catalogue.spec(SignalType.HAZE, VisibilitySignal)
    return top(visibility_mask(visibility_m, humidity_pct, spec))


def road_icing_colour(
    ground_temp_c: float | None, precip_mm: Series, *, catalogue: Catalogue
) -> Colour | None:
    """Road-icing colour when observed now: red ("already happening") or none."""
    spec = catalogue.spec(SignalType.ROAD_ICING, RoadIcingSignal)
    return top(icing_mask(ground_temp_c, precip_mm, spec))


def frost_colour(ground_temp_c: float | None, *, catalogue: Catalogue) -> Colour | None:
    """Frost colour from the ground (surface) temperature (°C)."""
    return top(frost_mask(ground_temp_c, catalogue.spec(SignalType.FROST, FrostSignal)))


def drought_colour(daily_precip_mm: Series, *, catalogue: Catalogue) -> Colour | None:
    """Drought colour from completed days' precipitation (mm), most recent day last."""
    spec = catalogue.spec(SignalType.DROUGHT, DroughtSignal)
    return top(drought_mask(daily_precip_mm, spec))


# --- evaluators: the rules applied to a station series at one hour --------------------------

#: ``(spec, catalogue, series, index) -> mask`` for one signal kind.
Evaluator = Callable[[SignalBase, Catalogue, HourlySeries, int], int]


def _ev_accumulation(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, AccumulationSignal)
    width = max(level.window_h for level in spec.levels)
    return accumulation_mask(s.rain[max(0, i - width + 1) : i + 1], spec)


def _ev_snowfall(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, SnowfallSignal)
    width = max(level.window_h for level in spec.levels)
    lo = max(0, i - width + 1)
    snow = snow_values(s.rain[lo : i + 1], s.temp[lo : i + 1], spec.snow_max_temp_c)
    return accumulation_mask(snow, spec)


def _ev_wind(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, WindSignal)
    return wind_mask(s.wind[i], s.gust[i], spec, cat)


def _ev_cold_wave(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, ColdWaveSignal)
    return cold_wave_mask(s.tmin[max(0, i - 71) : i + 1], spec)


def _ev_heat(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, HeatSignal)
    day = beijing_day(s.base + i)
    days = max(level.days for level in spec.levels)
    _, earlier = s.days_before(day, days - 1)
    _, today = s.day_values(day)
    return heat_mask([*earlier, today], s.tmax[i], spec)


def _ev_visibility(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, VisibilitySignal)
    return visibility_mask(s.vis[i], s.hum[i], spec)


def _ev_icing(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, RoadIcingSignal)
    return icing_mask(s.ground[i], s.rain[max(0, i - spec.wet_hours + 1) : i + 1], spec)


def _ev_frost(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, FrostSignal)
    return frost_mask(s.ground[i], spec)


def _ev_drought(spec: SignalBase, cat: Catalogue, s: HourlySeries, i: int) -> int:
    assert isinstance(spec, DroughtSignal)
    day = beijing_day(s.base + i)
    today, _ = s.day_values(day)
    if today is not None and today + EPSILON >= spec.wet_day_mm:
        return 0  # today is already wet: the run is broken, whatever came before
    days = max(level.dry_days for level in spec.levels)
    completed, _ = s.days_before(day, days)
    return drought_mask(completed, spec)


def reach_h(spec: SignalBase) -> int | None:
    """How many hours before the evaluated hour a rule reads (None: days, as far as it keeps)."""
    if isinstance(spec, AccumulationSignal | SnowfallSignal):
        return max(level.window_h for level in spec.levels) - 1
    if isinstance(spec, ColdWaveSignal):
        return 71
    if isinstance(spec, HeatSignal):
        # Whole Beijing days: the earliest day read starts at most this far back.
        return 24 * max(level.days for level in spec.levels) - 1
    if isinstance(spec, RoadIcingSignal):
        return spec.wet_hours - 1
    if isinstance(spec, WindSignal | VisibilitySignal | FrostSignal):
        return 0
    return None


#: One evaluator per signal kind: the registry the engine dispatches through.
EVALUATORS: dict[str, Evaluator] = {
    "accumulation": _ev_accumulation,
    "snowfall": _ev_snowfall,
    "wind": _ev_wind,
    "cold_wave": _ev_cold_wave,
    "heat": _ev_heat,
    "visibility": _ev_visibility,
    "road_icing": _ev_icing,
    "frost": _ev_frost,
    "drought": _ev_drought,
}
