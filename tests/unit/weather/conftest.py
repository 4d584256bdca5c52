"""Builders for the weather domain tests: observations, forecasts and an engine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.weather.domain import WarningEngine
from shared.contracts.weather import ForecastIssued, ForecastStep, StationObservation
from tests.factories.weather import engine as new_engine

#: 2020-07-08 00:00 UTC = 08:00 Beijing time, a day of the Poyang flood.
T0 = datetime(2020, 7, 8, 0, tzinfo=UTC)
NANCHANG = "360100"

ObsFactory = Callable[..., StationObservation]
ForecastFactory = Callable[..., ForecastIssued]


@pytest.fixture
def engine() -> WarningEngine:
    """A fresh engine with the shipped catalogue."""
    return new_engine()


@pytest.fixture
def obs() -> ObsFactory:
    """``obs(hour, **values)``: a reading stamped ``T0 + hour`` h (reporting the hour before)."""

    def make(
        hour: int, *, region: str = NANCHANG, station: str = "58606", **values: Any
    ) -> StationObservation:
        return StationObservation(
            occurred_at=T0 + timedelta(hours=hour),
            source="simulator",
            region=region,
            station_id=station,
            **values,
        )

    return make


@pytest.fixture
def forecast() -> ForecastFactory:
    """``forecast(run_hour, {step_hour: {values}}, hours=n)``: hourly steps after the run."""

    def make(
        run_hour: int,
        values: dict[int, dict[str, float]] | None = None,
        *,
        hours: int = 24,
        region: str = NANCHANG,
        base: dict[str, float] | None = None,
    ) -> ForecastIssued:
        run_at = T0 + timedelta(hours=run_hour)
        steps = tuple(
            ForecastStep(
                valid_at=run_at + timedelta(hours=k),
                **{**(base or {}), **(values or {}).get(k, {})},
            )
            for k in range(1, hours + 1)
        )
        return ForecastIssued(
            occurred_at=run_at, source="simulator", region=region, run_at=run_at, steps=steps
        )

    return make
