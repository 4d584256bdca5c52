"""Events produced by the world simulator (and by ingestion APIs that accept the same readings).

Raw observations are what a sector's own sensors would report; they may have gaps (``None``).
Ground truth is published only for the referee.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import AwareDatetime, Classification, Event


class StationObservation(Event):
    """One hourly reading from a weather station (own-sector data of the weather service)."""

    EVENT_TYPE = "StationObservation"
    classification: Classification = Classification.INTERNAL

    station_id: str = Field(min_length=1, max_length=32)
    temp_c: float | None = Field(default=None, ge=-60, le=60, description="Air temperature, °C")
    tmin_c: float | None = Field(default=None, ge=-60, le=60, description="Min over the hour, °C")
    tmax_c: float | None = Field(default=None, ge=-60, le=60, description="Max over the hour, °C")
    rain_mm: float | None = Field(default=None, ge=0, le=500, description="Rain in the past hour")
    wind_ms: float | None = Field(default=None, ge=0, le=90, description="10-min mean wind, m/s")
    gust_ms: float | None = Field(default=None, ge=0, le=120, description="Max gust, m/s")
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)
    ground_temp_c: float | None = Field(default=None, ge=-60, le=80, description="Ground surface")


class ForecastStep(BaseModel):
    """Forecast values for one hour ahead of the run time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_at: AwareDatetime
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    rain_mm: float | None = Field(default=None, ge=0)
    wind_ms: float | None = Field(default=None, ge=0)
    gust_ms: float | None = Field(default=None, ge=0)
    visibility_m: float | None = Field(default=None, ge=0)
    ground_temp_c: float | None = None


class ForecastIssued(Event):
    """Numerical forecast output for one city: hourly steps from the run time onwards."""

    EVENT_TYPE = "ForecastIssued"
    classification: Classification = Classification.INTERNAL

    run_at: AwareDatetime
    steps: tuple[ForecastStep, ...] = Field(min_length=1, max_length=240)
