"""Forecast conditions and their probabilities: one definition for the forecaster and its readers.

A ``ForecastCriterion`` is a condition on a forecast variable held for ``persist`` consecutive
units (hours, or local days for the ``*_day`` variables) starting within ``horizon_h`` of the
run: "Tmax >= 35 °C for 3 days within 72 h". ``find_spell`` evaluates it on an hourly series:
the forecast's steps, or the truth's hours when the forecaster verifies itself. It returns the
first spell that meets the condition or, when none does, the window that comes nearest, with its
*margin*: how far the window's weakest unit is past the threshold (negative when short of it).

The simulated forecaster issues, with every run, the probability that each of its products (a
list of criteria) comes true. ``Calibration`` turns a spell's margin and lead time into that
probability with a logistic model per variable (model output statistics: Glahn and Lowry 1972,
"The use of model output statistics (MOS) in objective weather forecasting", J. Appl. Meteor. 11;
Wilks, "Statistical Methods in the Atmospheric Sciences", ch. 7), fitted on hindcasts whose truth
is known (``fit_logistic``). This module is pure: no I/O.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Op = Literal["ge", "gt", "le", "lt"]
#: Forecast variables read per step (hour) or aggregated per local day.
ForecastVariable = Literal[
    "temp",
    "tmin",
    "tmax_day",
    "tmin_day",
    "tmean_day",
    "rain_24h",
    # the hour's precipitation where the ground (or, without it, the air) is at or below 0 °C
    "freezing_rain",
    "visibility",
]
#: Variables whose errors grow with their size: margins as log ratios.
_LOG_SCALE = ("rain_24h", "freezing_rain", "visibility")

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)
#: A day's mean needs this many hourly values to count (a partial first day may not).
MIN_STEPS_FOR_MEAN = 12
#: Beijing time, the local day of every daily variable.
LOCAL_OFFSET_H = 8.0


def compare(value: float, op: Op, threshold: float) -> bool:
    """Whether ``value op threshold`` holds."""
    if op == "ge":
        return value >= threshold
    if op == "gt":
        return value > threshold
    if op == "le":
        return value <= threshold
    return value < threshold


def is_daily(variable: str) -> bool:
    """Whether a variable is evaluated per local day rather than per hour."""
    return variable.endswith("_day")


class ForecastCriterion(BaseModel):
    """A forecast condition held for ``persist`` units starting within ``horizon_h`` of the run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    variable: ForecastVariable
    op: Op
    threshold: float
    persist: int = Field(ge=1)
    horizon_h: float = Field(gt=0, le=240)

    @property
    def daily(self) -> bool:
        """True when ``persist`` counts local days, False when it counts hours."""
        return is_daily(self.variable)

    @property
    def product(self) -> str:
        """The name under which the forecaster issues this condition's probability."""
        unit = "d" if self.daily else "h"
        return (
            f"{self.variable}_{self.op}_{self.threshold:g}"
            f"_x{self.persist}{unit}_{self.horizon_h:g}h"
        )

    def signed(self, value: float) -> float:
        """How far ``value`` is past the threshold (negative when short of it).

        Temperatures in °C; rain and visibility as the log ratio ln((v + 1) / (T + 1)), since
        their errors grow with their size.
        """
        if self.variable in _LOG_SCALE:
            gap = math.log((max(value, 0.0) + 1) / (max(self.threshold, 0.0) + 1))
        else:
            gap = value - self.threshold
        return gap if self.op in ("ge", "gt") else -gap


@dataclass(frozen=True)
class Spell:
    """Where a criterion is met (or comes nearest) in a series: when, how long, how bad."""

    onset: datetime
    until: datetime
    #: Consecutive units (hours or days) the condition holds; ``persist`` for an unmet window.
    duration: int
    #: The worst value over the spell (the highest for ge/gt, the lowest for le/lt).
    extreme: float
    #: The weakest unit's distance past the threshold, best over the windows (< 0: unmet).
    margin: float
    met: bool


#: One unit of a series: its start, end and value.
Unit = tuple[datetime, datetime, float]


def units(
    criterion: ForecastCriterion,
    times: Sequence[datetime],
    temps: Sequence[float | None],
    rains: Sequence[float | None],
    tmins: Sequence[float | None] | None = None,
    tmaxs: Sequence[float | None] | None = None,
    grounds: Sequence[float | None] | None = None,
    visibilities: Sequence[float | None] | None = None,
) -> list[Unit]:
    """The criterion's variable over an hourly series: hourly units, or one per local day."""
    v = criterion.variable
    if v in ("freezing_rain", "visibility"):
        out_h: list[Unit] = []
        for k, at in enumerate(times):
            if v == "visibility":
                vis = visibilities[k] if visibilities is not None else None
                if vis is not None:
                    out_h.append((at, at + _HOUR, vis))
                continue
            ground = grounds[k] if grounds is not None and grounds[k] is not None else temps[k]
            if ground is not None:
                frozen = ground <= 0.0
                out_h.append((at, at + _HOUR, (rains[k] or 0.0) if frozen else 0.0))
        return out_h
    if v == "rain_24h":
        out: list[Unit] = []
        window: list[float] = []
        for at, r in zip(times, rains, strict=True):
            window.append(r or 0.0)
            if len(window) > 24:
                window.pop(0)
            out.append((at, at + _HOUR, sum(window)))
        return out
    if not criterion.daily:
        out = []
        for k, at in enumerate(times):
            low = tmins[k] if tmins is not None and v == "tmin" else None
            value = low if low is not None else temps[k]
            if value is not None:
                out.append((at, at + _HOUR, value))
        return out
    offset = timedelta(hours=LOCAL_OFFSET_H)
    days: dict[date, list[float]] = {}
    for k, at in enumerate(times):
        value = temps[k]
        if v == "tmax_day" and tmaxs is not None and tmaxs[k] is not None:
            value = tmaxs[k]
        elif v == "tmin_day" and tmins is not None and tmins[k] is not None:
            value = tmins[k]
        if value is not None:
            days.setdefault((at + offset).date(), []).append(value)
    out = []
    for day, values in sorted(days.items()):
        start = datetime.combine(day, datetime.min.time(), tzinfo=times[0].tzinfo) - offset
        if v == "tmax_day":
            out.append((start, start + _DAY, max(values)))
        elif v == "tmin_day":
            out.append((start, start + _DAY, min(values)))
        elif len(values) >= MIN_STEPS_FOR_MEAN:
            out.append((start, start + _DAY, sum(values) / len(values)))
    return out


def find_spell(
    criterion: ForecastCriterion, series: Sequence[Unit], run_at: datetime, first: datetime
) -> Spell | None:
    """The first spell meeting ``criterion`` that starts within its horizon of ``run_at``; else
    the window of ``persist`` consecutive units that comes nearest (``met`` False); None when the
    series holds no such window. ``first`` is the series' first valid time (onsets are clipped
    to it)."""
    c = criterion
    latest = run_at + timedelta(hours=c.horizon_h)
    unit = _DAY if c.daily else _HOUR
    worse = min if c.op in ("le", "lt") else max
    # The nearest window: the best, over windows of `persist` consecutive units starting within
    # the horizon, of the weakest unit's margin.
    best: tuple[float, int] | None = None
    run_start = 0
    for k in range(len(series)):
        if k and series[k][0] - series[k - 1][0] != unit:
            run_start = k  # a gap in the series breaks every window across it
        lo = k - c.persist + 1
        if lo >= run_start and series[lo][0] <= latest:
            margin = min(c.signed(series[j][2]) for j in range(lo, k + 1))
            if best is None or margin > best[0]:
                best = (margin, lo)
    if best is None:
        return None
    # The first spell that meets the condition (runs of consecutive met units, in order).
    i = 0
    while i < len(series):
        if not compare(series[i][2], c.op, c.threshold):
            i += 1
            continue
        if series[i][0] > latest:
            break
        j = i
        while (
            j + 1 < len(series)
            and series[j + 1][0] - series[j][0] == unit
            and compare(series[j + 1][2], c.op, c.threshold)
        ):
            j += 1
        if j - i + 1 >= c.persist:
            return Spell(
                onset=max(series[i][0], first), until=series[j][1], duration=j - i + 1,
                extreme=worse(series[n][2] for n in range(i, j + 1)),
                margin=max(best[0], 0.0), met=True,
            )  # fmt: skip
        i = j + 1
    lo = best[1]
    hi = lo + c.persist - 1
    return Spell(
        onset=max(series[lo][0], first), until=series[hi][1], duration=c.persist,
        extreme=worse(series[n][2] for n in range(lo, hi + 1)), margin=min(best[0], 0.0),
        met=False,
    )  # fmt: skip


# -- probabilities ---------------------------------------------------------------------------


def features(margin: float, lead_h: float) -> tuple[float, float, float, float]:
    """The calibration's predictors: 1, the margin, the margin times the lead in days, the lead."""
    days = max(lead_h, 0.0) / 24
    return (1.0, margin, margin * days, days)


class LogisticFit(BaseModel):
    """One product's fitted model: a score s = 1 / (1 + exp(-b · features(margin, lead))),
    then an increasing map from the score to the chance (``recalibration``: pairs of the
    highest score of a bin and the bin's chance, by isotonic regression on the hindcasts;
    Zadrozny and Elkan 2002, "Transforming classifier scores into accurate multiclass
    probability estimates", KDD). The map corrects the logistic curve's shape, which cannot
    level off below 1 where even a strong forecast spell sometimes misses."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    coefficients: tuple[float, float, float, float]
    recalibration: tuple[tuple[float, float], ...] = ()
    examples: int = Field(ge=0)
    events: int = Field(ge=0)

    def score(self, margin: float, lead_h: float) -> float:
        """The logistic score of a spell."""
        z = sum(b * x for b, x in zip(self.coefficients, features(margin, lead_h), strict=True))
        return _sigmoid(z)

    def probability(self, margin: float, lead_h: float) -> float:
        """The chance the condition comes true, given the spell's margin and lead."""
        s = self.score(margin, lead_h)
        if not self.recalibration:
            return s
        i = bisect.bisect_left(self.recalibration, (s, -1.0))
        return self.recalibration[min(i, len(self.recalibration) - 1)][1]


class Calibration(BaseModel):
    """The forecaster's probability model, per product, and what it was fitted on.

    Model output statistics are fitted per season as well as per station (Glahn and Lowry
    1972): each library scenario is a season and region of its own, so each has its own fit
    (``seasons``), and a scenario outside the library gets the fit pooled over all of them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: The forecast skill and products it was fitted for (``fingerprint``).
    fingerprint: str = Field(min_length=8)
    scenarios: tuple[str, ...]
    seeds: tuple[int, ...]
    products: dict[str, LogisticFit]
    seasons: dict[str, dict[str, LogisticFit]] = Field(default_factory=dict)

    def fits(self, season: str | None) -> dict[str, LogisticFit]:
        """The fits for a season (a library scenario's name), else the pooled ones."""
        return self.seasons.get(season or "", self.products)

    def probability(
        self,
        criterion: ForecastCriterion,
        spell: Spell,
        run_at: datetime,
        season: str | None = None,
    ) -> float:
        """The chance ``criterion`` comes true given the spell found for it in a run."""
        fit = self.fits(season).get(criterion.product)
        if fit is None:
            raise KeyError(
                f"the forecast calibration has no model for {criterion.product!r}: "
                "refit it with `dexsim calibrate-forecasts`"
            )
        lead = (spell.onset - run_at).total_seconds() / 3600
        return fit.probability(spell.margin, lead)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


#: Fewer events (or non-events) than this in the hindcasts leave the slopes unfitted.
MIN_EVENTS = 10


def fit_logistic(
    rows: Sequence[tuple[float, float, bool]], *, ridge: float = 1.0, iterations: int = 50
) -> LogisticFit:
    """Fit p(event | margin, lead) by penalised maximum likelihood (Newton's method).

    ``rows`` are (margin, lead hours, event). The predictors are standardised for the fit and
    the slopes carry a small ridge penalty, so a perfectly separable hindcast (perfect
    forecasts) gives steep but finite coefficients.
    """
    if not rows:
        raise ValueError("no hindcast examples to fit")
    xs = [features(m, lead) for m, lead, _ in rows]
    ys = [1.0 if e else 0.0 for _, _, e in rows]
    events = int(sum(ys))
    if min(events, len(ys) - events) < MIN_EVENTS:
        # Too few of one outcome to fit slopes: the hindcasts' rate (Jeffreys' estimate).
        rate = (events + 0.5) / (len(ys) + 1)
        return LogisticFit(
            coefficients=(math.log(rate / (1 - rate)), 0.0, 0.0, 0.0),
            examples=len(rows),
            events=events,
        )
    k = 4
    means = [sum(x[j] for x in xs) / len(xs) for j in range(k)]
    sds = [math.sqrt(sum((x[j] - means[j]) ** 2 for x in xs) / len(xs)) or 1.0 for j in range(k)]
    zs = [[1.0] + [(x[j] - means[j]) / sds[j] for j in range(1, k)] for x in xs]
    rate = min(max(sum(ys) / len(ys), 1e-6), 1 - 1e-6)
    beta = [math.log(rate / (1 - rate)), 0.0, 0.0, 0.0]
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for z, y in zip(zs, ys, strict=True):
            p = _sigmoid(sum(b * v for b, v in zip(beta, z, strict=True)))
            w = p * (1 - p)
            for a in range(k):
                grad[a] += (y - p) * z[a]
                for b in range(a, k):
                    hess[a][b] += w * z[a] * z[b]
        for a in range(k):
            for b in range(a):
                hess[a][b] = hess[b][a]
        for a in range(k):
            # The intercept's penalty only keeps the system solvable.
            penalty = ridge if a else 1e-3
            grad[a] -= penalty * beta[a]
            hess[a][a] += penalty
        step = _solve(hess, grad)
        largest = max(abs(v) for v in step)
        if largest > _MAX_STEP:  # damped Newton: a near-separable hindcast cannot run away
            step = [v * _MAX_STEP / largest for v in step]
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-8:
            break
    # Back to the raw predictors: b0 + sum b_j (x_j - m_j) / s_j.
    raw = [beta[0] - sum(beta[j] * means[j] / sds[j] for j in range(1, k))]
    raw += [beta[j] / sds[j] for j in range(1, k)]
    logistic = LogisticFit(
        coefficients=(raw[0], raw[1], raw[2], raw[3]), examples=len(rows), events=events
    )
    scored = sorted((logistic.score(m, lead), y) for (m, lead, _), y in zip(rows, ys, strict=True))
    return logistic.model_copy(update={"recalibration": isotonic(scored)})


#: The largest Newton step on a standardised coefficient.
_MAX_STEP = 2.0

#: Hindcasts per bin of the score before the isotonic fit (a bin's chance rests on this many).
BIN_ROWS = 200


def isotonic(scored: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """An increasing step map from score to chance: equal-count bins of sorted (score, outcome)
    pairs, pooled where adjacent violators (pool-adjacent-violators); (highest score, chance)."""
    blocks: list[list[float]] = []  # [highest score, events, count]
    for start in range(0, len(scored), BIN_ROWS):
        chunk = scored[start : start + BIN_ROWS]
        blocks.append([chunk[-1][0], sum(y for _, y in chunk), float(len(chunk))])
    if len(blocks) > 1 and blocks[-1][2] < BIN_ROWS / 2:
        last = blocks.pop()  # a short last bin joins its neighbour
        blocks[-1] = [last[0], blocks[-1][1] + last[1], blocks[-1][2] + last[2]]
    pooled: list[list[float]] = []
    for b in blocks:
        pooled.append(b)
        while len(pooled) > 1 and pooled[-2][1] / pooled[-2][2] >= pooled[-1][1] / pooled[-1][2]:
            hi = pooled.pop()
            lo = pooled.pop()
            pooled.append([hi[0], lo[1] + hi[1], lo[2] + hi[2]])
    # Jeffreys' estimate keeps a bin of all misses (or all hits) off exactly 0 (or 1).
    return tuple((round(b[0], 6), round((b[1] + 0.5) / (b[2] + 1), 4)) for b in pooled)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve ``a x = b`` for a small symmetric positive-definite ``a`` (Gaussian elimination)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        if abs(m[col][col]) < 1e-300:
            raise ValueError("singular system in the calibration fit")
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x
