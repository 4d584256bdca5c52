"""Forecasts have the skill CMA's rainstorm forecasts have: threat scores within their bands at
24, 48 and 72 h, falling with lead time, with false alarms where the truth is dry and misses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.simulator.data import get_scenario, load_records, simulation
from services.simulator.domain.verification import Contingency, rain_contingency
from shared.contracts.weather import ForecastIssued
from tests.factories.simulator import forecasts

SKILL: dict[str, Any] = load_records()["forecast_skill"]
LEADS = tuple(int(k) for k in SKILL["bands"])


@pytest.fixture(scope="module")
def tables() -> dict[int, Contingency]:
    total = {lead: Contingency() for lead in LEADS}
    for seed in range(1, 11):
        sim = simulation(get_scenario(SKILL["scenario"]), seed)
        for lead, c in rain_contingency(
            forecasts(sim),
            sim.state,
            threshold_mm=SKILL["threshold_mm"],
            window_h=SKILL["window_h"],
            leads_h=LEADS,
        ).items():
            total[lead].merge(c)
    return total


@pytest.mark.parametrize("lead", LEADS)
def test_threat_scores_fall_in_their_band(tables: dict[int, Contingency], lead: int) -> None:
    lo, hi = SKILL["bands"][lead]
    ts = tables[lead].threat_score
    assert ts is not None and lo <= ts <= hi, f"TS at {lead} h = {ts}"


def test_skill_falls_with_lead_time(tables: dict[int, Contingency]) -> None:
    scores = [tables[lead].threat_score or 0.0 for lead in LEADS]
    assert scores[0] > scores[-1]


def test_forecasts_raise_false_alarms_where_nothing_falls_and_miss_storms(
    tables: dict[int, Contingency],
) -> None:
    for lead in LEADS:
        assert tables[lead].dry_false_alarms > 0, lead
        assert tables[lead].misses > 0, lead


def test_a_perfect_forecast_scores_one_and_a_forecast_of_nothing_zero() -> None:
    # The scorer itself: the truth as its own forecast, and a forecast that never warns.
    sim = simulation(get_scenario(SKILL["scenario"]), 1)
    state = sim.state
    index = {t: i for i, t in enumerate(state.times)}
    issued = forecasts(sim)

    def with_rain(rain: Callable[[str, int], float]) -> list[ForecastIssued]:
        return [
            f.model_copy(
                update={
                    "steps": tuple(
                        s.model_copy(update={"rain_mm": rain(f.region, index[s.valid_at])})
                        for s in f.steps
                    )
                }
            )
            for f in issued
        ]

    perfect = with_rain(lambda city, hour: state.cities[city].rain[hour])
    assert rain_contingency(perfect, state)[24].threat_score == 1.0
    assert rain_contingency(with_rain(lambda city, hour: 0.0), state)[24].threat_score == 0.0
