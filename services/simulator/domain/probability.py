"""The forecaster's probability products: calibrated chances that its conditions come true.

Every forecast run carries, per city, the probability of each product in the observation
model's ``forecast_probability.products`` (``ForecastIssued.exceedance``). The probability
comes from the run's own steps: the spell ``shared.forecasts.find_spell`` finds for the
product's condition, its margin and lead, through the logistic model of ``Calibration``. That
model is fitted on hindcasts (``hindcast_rows``: the same spells, with whether the truth met
the condition over the same hours) by ``dexsim calibrate-forecasts``, and is valid only for the
forecast skill and products it was fitted on (``fingerprint``). A varied model (a sweep's
forecast error) needs its own fit: its forecaster knows how good it is, as a real one does from
its hindcasts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from services.simulator.domain.engine import Simulation
from services.simulator.domain.forecast import ForecastSkill
from services.simulator.domain.observations import CALIBRATED
from shared.contracts.weather import Exceedance, ForecastIssued, ForecastStep
from shared.forecasts import Calibration, ForecastCriterion, Spell, find_spell, units
from shared.world import year_month

#: The observation model's section of products and their calibration.
SECTION = CALIBRATED


class ForecastProbability(BaseModel):
    """The products the forecaster issues chances for, and the fit that gives them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    products: tuple[ForecastCriterion, ...]
    calibration: Calibration | None = None


def fingerprint(skill: ForecastSkill, products: Sequence[ForecastCriterion]) -> str:
    """What a calibration is valid for: the forecast's error model and the products."""
    doc = (
        sorted((k, float(v)) for k, v in skill.model_dump().items()),
        [p.product for p in products],
    )
    return hashlib.sha256(repr(doc).encode()).hexdigest()[:16]


def check(skill: ForecastSkill, section: ForecastProbability) -> None:
    """Refuse a calibration fitted for another forecast model, saying how to refit it."""
    cal = section.calibration
    if cal is not None and cal.fingerprint != fingerprint(skill, section.products):
        raise ValueError(
            "the forecast calibration was fitted for another forecast model or product list "
            "(observation_model.yaml changed): refit it with `dexsim calibrate-forecasts`"
        )


def exceedances(
    section: ForecastProbability,
    run_at: datetime,
    steps: Sequence[ForecastStep],
    season: str | None = None,
) -> tuple[Exceedance, ...]:
    """The chance of every product, from one run's steps for one city (``season``: the
    scenario's name, whose own fit applies when the calibration has one)."""
    cal = section.calibration
    if cal is None:
        return ()
    out = []
    for c in section.products:
        found = _spell(c, run_at, steps)
        p = 0.0 if found is None else cal.probability(c, found, run_at, season)
        out.append(Exceedance(product=c.product, probability=round(p, 4)))
    return tuple(out)


def _spell(c: ForecastCriterion, run_at: datetime, steps: Sequence[ForecastStep]) -> Spell | None:
    series = units(
        c,
        [s.valid_at for s in steps],
        [s.temp_c for s in steps],
        [s.rain_mm for s in steps],
        [s.tmin_c for s in steps],
        [s.tmax_c for s in steps],
        [s.ground_temp_c for s in steps],
        [s.visibility_m for s in steps],
    )
    return find_spell(c, series, run_at, steps[0].valid_at)


class Row(NamedTuple):
    """One hindcast example: a product's forecast spell in one run for one city, and whether
    the truth met the condition over the same hours."""

    product: str
    #: How far the forecast spell is past the threshold (its sign: met or not).
    margin: float
    #: Hours from the run to the spell's onset.
    lead: float
    event: bool
    #: The run's Beijing-local month, ``YYYY-MM`` (the climate record's key).
    month: str
    #: The true spell's length (units) and worst value, when ``event`` (else 0).
    duration: float = 0.0
    extreme: float = 0.0


def hindcast_rows(sim: Simulation, products: Sequence[ForecastCriterion]) -> Iterator[Row]:
    """Every forecast of a simulation against its truth: one row per city, run and product."""
    state = sim.state
    index = {t: i for i, t in enumerate(state.times)}
    for batch in sim.batches():
        for _, event in batch.events:
            if not isinstance(event, ForecastIssued):
                continue
            city = state.cities.get(event.region)
            if city is None:
                continue
            hours = [index[s.valid_at] for s in event.steps if s.valid_at in index]
            if len(hours) != len(event.steps):
                continue
            times = [state.times[h] for h in hours]
            month = year_month(event.run_at)
            for c in products:
                forecast = _spell(c, event.run_at, event.steps)
                if forecast is None:
                    continue
                truth_series = units(
                    c,
                    times,
                    [city.temp[h] for h in hours],
                    [city.rain[h] for h in hours],
                    grounds=[city.ground_temp[h] for h in hours],
                    visibilities=[city.visibility[h] for h in hours],
                )
                truth = find_spell(c, truth_series, event.run_at, times[0])
                lead = (forecast.onset - event.run_at).total_seconds() / 3600
                came = truth is not None and truth.met
                yield Row(
                    c.product, forecast.margin, lead, came, month,
                    truth.duration if came and truth else 0.0,
                    truth.extreme if came and truth else 0.0,
                )  # fmt: skip
