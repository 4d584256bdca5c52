"""Cross-sector outlook of one city: what weather warnings and forecasts say is coming."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from services.agriculture.domain.farms import LocalClock
from services.agriculture.domain.rules import CropRule, ForecastCriterion, compare
from shared.contracts.agriculture import RiskLevel
from shared.contracts.weather import Colour, ForecastIssued, ForecastStep, SignalType, WarningIssued

_HOUR = timedelta(hours=1)
#: A forecast day's mean needs this many hourly steps to count (a partial first day may not).
_MIN_STEPS_FOR_MEAN = 12


@dataclass(frozen=True)
class ActiveWarning:
    """A warning signal in force for a city."""

    signal: SignalType
    colour: Colour
    onset: datetime
    expires: datetime
    event_id: UUID
    issued_at: datetime


@dataclass(frozen=True)
class Expectation:
    """A rule's condition, as a forecast expects it: when, how long, how bad, from which event."""

    onset: datetime
    until: datetime
    duration: float
    extreme: float
    event_id: UUID
    issued_at: datetime


def warning_of(w: WarningIssued) -> ActiveWarning:
    """The in-force view of a warning message (onset and expiry from its first CAP info)."""
    info = w.alert.info[0]
    return ActiveWarning(
        signal=w.signal, colour=w.colour, onset=info.onset, expires=info.expires,
        event_id=w.event_id, issued_at=w.occurred_at,
    )  # fmt: skip


def is_cancel(w: WarningIssued) -> bool:
    """Whether the message lifts the signal (CAP msgType Cancel)."""
    return w.alert.msg_type.lower() == "cancel"


def _hourly(steps: tuple[ForecastStep, ...], variable: str) -> list[tuple[datetime, float]]:
    out: list[tuple[datetime, float]] = []
    if variable == "rain_24h":
        window: list[float] = []
        for st in steps:
            window.append(st.rain_mm or 0.0)
            if len(window) > 24:
                window.pop(0)
            out.append((st.valid_at, sum(window)))
        return out
    for st in steps:
        value = st.tmin_c if variable == "tmin" and st.tmin_c is not None else st.temp_c
        if value is not None:
            out.append((st.valid_at, value))
    return out


def _daily(
    steps: tuple[ForecastStep, ...], variable: str, clock: LocalClock
) -> list[tuple[date, float]]:
    days: dict[date, list[float]] = {}
    for st in steps:
        if variable == "tmax_day":
            value = st.tmax_c if st.tmax_c is not None else st.temp_c
        elif variable == "tmin_day":
            value = st.tmin_c if st.tmin_c is not None else st.temp_c
        else:
            value = st.temp_c
        if value is not None:
            days.setdefault(clock.day(st.valid_at), []).append(value)
    out: list[tuple[date, float]] = []
    for day, values in sorted(days.items()):
        if variable == "tmax_day":
            out.append((day, max(values)))
        elif variable == "tmin_day":
            out.append((day, min(values)))
        elif len(values) >= _MIN_STEPS_FOR_MEAN:
            out.append((day, sum(values) / len(values)))
    return out


def expect(fc: ForecastIssued, c: ForecastCriterion, clock: LocalClock) -> Expectation | None:
    """The first run of ``c`` in the forecast that starts within its horizon, if any."""
    latest_start = fc.run_at + timedelta(hours=c.horizon_h)
    worse = min if c.op in ("le", "lt") else max
    if c.daily:
        runs: list[tuple[datetime, datetime, float]] = []  # (start, end, value) per met day
        for day, value in _daily(fc.steps, c.variable, clock):
            if compare(value, c.op, c.threshold):
                runs.append((clock.start(day), clock.start(day + timedelta(days=1)), value))
        unit = timedelta(days=1)
    else:
        runs = [
            (at, at + _HOUR, value)
            for at, value in _hourly(fc.steps, c.variable)
            if compare(value, c.op, c.threshold)
        ]
        unit = _HOUR
    i = 0
    while i < len(runs):
        j = i
        while j + 1 < len(runs) and runs[j + 1][0] - runs[j][0] == unit:
            j += 1
        length = j - i + 1
        if runs[i][0] > latest_start:
            return None
        if length >= c.persist:
            onset = max(runs[i][0], fc.steps[0].valid_at)
            return Expectation(
                onset=onset, until=runs[j][1], duration=length,
                extreme=worse(v for _, _, v in runs[i : j + 1]),
                event_id=fc.event_id, issued_at=fc.occurred_at,
            )  # fmt: skip
        i = j + 1
    return None


def level_from_colour(
    rule: CropRule, colour: Colour, mapping: dict[Colour, RiskLevel]
) -> RiskLevel:
    """The rule's level for a warning colour: the highest level of the rule not above it."""
    wanted = mapping[colour].rank
    level = rule.levels[0][1]
    for _, lvl in rule.levels:
        if lvl.rank <= wanted:
            level = lvl
    return level
