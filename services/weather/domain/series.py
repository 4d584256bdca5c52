"""Hourly and daily series of one station, indexed by absolute hour, with bounded memory.

Time model:
- An hour index ``h`` is the hour ``[h, h+1)`` in hours since the Unix epoch (UTC). An hourly
  reading stamped ``HH:00`` reports the hour *ending* at ``HH:00`` ("rain in the past hour"),
  so it belongs to index ``HH-1``; a reading a few minutes late still lands in the same hour.
- Days are Beijing calendar days (UTC+8), the days CMA's daily maxima and totals are kept in.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

#: Beijing time (UTC+8), in which identifiers, days and CAP ``sent`` are written.
BEIJING = timezone(timedelta(hours=8), "CST")

#: Hours of history each station keeps: three Beijing days back from any hour of the fourth,
#: which the heat (3 days) and cold-wave (72 h) rules need.
HOURLY_CAPACITY = 96

#: Days of daily totals each station keeps: the longest drought run plus slack.
DAILY_CAPACITY = 64

Values = list[float | None]


def hour_of(moment: datetime) -> int:
    """The index of the hour an hourly reading (or forecast step) stamped ``moment`` covers."""
    return math.floor(moment.timestamp() / 3600 + 0.5) - 1


def hour_end(hour: int) -> datetime:
    """The end of hour ``hour`` (the stamp an on-time reading for it carries), in UTC."""
    return datetime.fromtimestamp((hour + 1) * 3600, UTC)


def beijing_day(hour: int) -> int:
    """The Beijing calendar day (days since 1970-01-01) that hour ``hour`` falls in."""
    return (hour + 8) // 24


@dataclass(slots=True)
class Reading:
    """One hour's values at one station (``None`` = not measured)."""

    rain_mm: float | None = None
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    wind_ms: float | None = None
    gust_ms: float | None = None
    visibility_m: float | None = None
    humidity_pct: float | None = None
    ground_c: float | None = None


class HourlySeries:
    """Columns of hourly values from ``base`` onwards, plus daily rain totals and maxima.

    Lists grow at the end and are trimmed from the front once they reach twice their capacity,
    so appends are amortised O(1) and rules can read plain list slices without copying a ring.
    """

    __slots__ = (
        "base",
        "day_base",
        "day_rain",
        "day_tmax",
        "ground",
        "gust",
        "hum",
        "rain",
        "temp",
        "tmax",
        "tmin",
        "vis",
        "wind",
    )  # fmt: skip

    def __init__(self) -> None:
        self.base = 0
        self.rain: Values = []
        self.temp: Values = []
        self.tmin: Values = []
        self.tmax: Values = []
        self.wind: Values = []
        self.gust: Values = []
        self.vis: Values = []
        self.hum: Values = []
        self.ground: Values = []
        self.day_base = 0
        self.day_rain: Values = []
        self.day_tmax: Values = []

    def _columns(self) -> tuple[Values, ...]:
        return (
            self.rain, self.temp, self.tmin, self.tmax, self.wind, self.gust, self.vis,
            self.hum, self.ground,
        )  # fmt: skip

    @property
    def empty(self) -> bool:
        """True until the first hour is stored."""
        return not self.rain

    @property
    def last_hour(self) -> int:
        """The latest hour stored (meaningless while empty)."""
        return self.base + len(self.rain) - 1

    def index(self, hour: int) -> int:
        """The list index of ``hour`` (may be out of range)."""
        return hour - self.base

    def put(self, hour: int, reading: Reading) -> bool:
        """Store a reading; False if it is older than the history kept (then it is ignored)."""
        if self.empty:
            self.base = hour
            self.day_base = beijing_day(hour)
        elif hour > self.last_hour + HOURLY_CAPACITY:
            # A jump past the whole window: nothing kept is still inside any rule's window,
            # and the missing days would break any dry run anyway.
            for column in (*self._columns(), self.day_rain, self.day_tmax):
                column.clear()
            self.base = hour
            self.day_base = beijing_day(hour)
        elif hour < self.last_hour - HOURLY_CAPACITY + 1:
            return False
        elif hour < self.base:
            self._prepend_to(hour)
        self._extend_to(hour)
        i = hour - self.base
        old_rain = self.rain[i]
        # Re-delivered or corrected readings overwrite field by field; a field the new reading
        # lacks keeps what an earlier reading said.
        if reading.rain_mm is not None:
            self.rain[i] = reading.rain_mm
        if reading.temp_c is not None:
            self.temp[i] = reading.temp_c
        tmin = reading.tmin_c if reading.tmin_c is not None else reading.temp_c
        if tmin is not None:
            self.tmin[i] = tmin
        tmax = reading.tmax_c if reading.tmax_c is not None else reading.temp_c
        if tmax is not None:
            self.tmax[i] = tmax
        if reading.wind_ms is not None:
            self.wind[i] = reading.wind_ms
        if reading.gust_ms is not None:
            self.gust[i] = reading.gust_ms
        if reading.visibility_m is not None:
            self.vis[i] = reading.visibility_m
        if reading.humidity_pct is not None:
            self.hum[i] = reading.humidity_pct
        if reading.ground_c is not None:
            self.ground[i] = reading.ground_c
        self._add_to_day(hour, old_rain, self.rain[i], self.tmax[i])
        self._trim()
        return True

    def _extend_to(self, hour: int) -> None:
        missing = hour - self.last_hour if self.rain else hour - self.base + 1
        if missing > 0:
            for column in self._columns():
                column.extend([None] * missing)

    def _prepend_to(self, hour: int) -> None:
        # A late reading from before the first one kept: open room for it at the front.
        missing = self.base - hour
        for column in self._columns():
            column[:0] = [None] * missing
        self.base = hour
        missing_days = self.day_base - beijing_day(hour)
        if missing_days > 0:
            self.day_rain[:0] = [None] * missing_days
            self.day_tmax[:0] = [None] * missing_days
            self.day_base -= missing_days

    def _add_to_day(
        self, hour: int, old_rain: float | None, rain: float | None, tmax: float | None
    ) -> None:
        day = beijing_day(hour)
        j = day - self.day_base
        if j < 0:
            return
        if j >= len(self.day_rain):
            grow = j - len(self.day_rain) + 1
            self.day_rain.extend([None] * grow)
            self.day_tmax.extend([None] * grow)
        if rain is not None:
            # Add the change, not the value, so a re-delivered hour is not counted twice.
            self.day_rain[j] = (self.day_rain[j] or 0.0) + rain - (old_rain or 0.0)
        if tmax is not None:
            current = self.day_tmax[j]
            self.day_tmax[j] = tmax if current is None else max(current, tmax)

    def _trim(self) -> None:
        extra = len(self.rain) - HOURLY_CAPACITY
        if extra >= HOURLY_CAPACITY:
            for column in self._columns():
                del column[:extra]
            self.base += extra
        extra_days = len(self.day_rain) - DAILY_CAPACITY
        if extra_days >= DAILY_CAPACITY // 2:
            del self.day_rain[:extra_days]
            del self.day_tmax[:extra_days]
            self.day_base += extra_days

    def days_before(self, day: int, count: int) -> tuple[Values, Values]:
        """Daily rain and maxima of the ``count`` days before ``day`` (oldest first, padded)."""
        start = day - count - self.day_base
        stop = day - self.day_base
        return _pad_slice(self.day_rain, start, stop), _pad_slice(self.day_tmax, start, stop)

    def day_values(self, day: int) -> tuple[float | None, float | None]:
        """Rain total and maximum of one day so far."""
        j = day - self.day_base
        if 0 <= j < len(self.day_rain):
            return self.day_rain[j], self.day_tmax[j]
        return None, None

    def copy(self) -> HourlySeries:
        """An independent copy (forecast evaluation extends a copy, never the station itself)."""
        other = HourlySeries()
        other.base = self.base
        other.day_base = self.day_base
        for mine, theirs in zip(self._columns(), other._columns(), strict=True):
            theirs.extend(mine)
        other.day_rain.extend(self.day_rain)
        other.day_tmax.extend(self.day_tmax)
        return other

    def fill(self, readings: list[tuple[int, Reading]]) -> None:
        """Add forecast values, ascending by hour, where nothing was observed (observations win)."""
        readings = [(hour, r) for hour, r in readings if self.empty or hour >= self.base]
        if not readings:
            return
        if self.empty:
            self.base = readings[0][0]
            self.day_base = beijing_day(self.base)
        self._extend_to(readings[-1][0])  # once, not per hour: this runs 240 times a forecast
        base = self.base
        rain, temp, tmin, tmax = self.rain, self.temp, self.tmin, self.tmax
        for hour, reading in readings:
            i = hour - base
            rain_added = None
            if rain[i] is None and reading.rain_mm is not None:
                rain[i] = rain_added = reading.rain_mm
            if temp[i] is None:
                temp[i] = reading.temp_c
            if tmin[i] is None:
                tmin[i] = reading.tmin_c if reading.tmin_c is not None else reading.temp_c
            tmax_added = None
            if tmax[i] is None:
                tmax[i] = tmax_added = (
                    reading.tmax_c if reading.tmax_c is not None else reading.temp_c
                )
            if self.wind[i] is None:
                self.wind[i] = reading.wind_ms
            if self.gust[i] is None:
                self.gust[i] = reading.gust_ms
            if self.vis[i] is None:
                self.vis[i] = reading.visibility_m
            if self.ground[i] is None:
                self.ground[i] = reading.ground_c
            if rain_added is not None or tmax_added is not None:
                self._add_to_day(hour, None, rain_added, tmax_added)


def _pad_slice(values: Values, start: int, stop: int) -> Values:
    """``values[start:stop]`` with ``None`` wherever the range leaves the list."""
    if start >= 0 and stop <= len(values):
        return values[start:stop]
    return [values[k] if 0 <= k < len(values) else None for k in range(start, stop)]
