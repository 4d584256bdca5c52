"""Scenarios: a time span, a baseline climate and hazards, validated by pydantic.

The scenario files are read by the adapter (``services.simulator.data``); this module only
validates what it parsed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import AwareDatetime, RegionCode
from shared.contracts.simulator import HazardKind


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Baseline(_Frozen):
    """Fair-weather climate of the scenario's season (before hazards are added)."""

    temp_mean_c: float
    diurnal_range_c: float = Field(ge=0, le=25)
    temp_trend_c_per_day: float = 0.0
    rain_mm_day: float = Field(ge=0, le=30)
    wind_ms: float = Field(ge=0, le=15)
    visibility_m: float = Field(gt=0, le=50_000)
    humidity_pct: float = Field(ge=0, le=100)
    soil_moisture_pct: float = Field(ge=3, le=48)
    lake_level_m: float = Field(ge=0, le=30, description="Xingzi at the start")
    river_flow_ratio: float = Field(
        default=1.0,
        gt=0,
        le=10,
        description="Rivers' baseflow as a multiple of their long-term mean (wet season > 1)",
    )


class HydroPoint(_Frozen):
    """A water level at a time."""

    at: AwareDatetime
    level_m: float = Field(ge=0, le=30)


class HazardSpec(_Frozen):
    """One hazard episode as a space-time intensity field.

    Intensity = ``peak`` x temporal trapezoid (``ramp_h`` up and down) x spatial weight (a
    Gaussian of ``radius_km`` around a centre moving from ``centre`` to ``centre_end``, or the
    explicit per-city ``cities`` weights) x an optional diurnal weight. Units per kind: rainstorm
    and freezing_rain mm/h, heat_wave +°C, cold_wave -°C, gale m/s added to the wind, fog the
    minimum visibility in m, drought the extra soil-moisture loss in %/day. A lake_rise is the
    lake above its warning level, as the hydrology computes it: its window names the episode that
    lake floods are attributed to, and ``peak`` is informational (the level it was known to reach).
    """

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    kind: HazardKind
    start: AwareDatetime
    end: AwareDatetime
    peak: float = Field(gt=0, description="Intensity at the peak, in the kind's unit")
    ramp_h: float = Field(default=12, ge=0)
    centre: tuple[float, float] | None = None
    centre_end: tuple[float, float] | None = None
    radius_km: float = Field(default=150, gt=0)
    cities: dict[RegionCode, float] | None = None
    diurnal: Literal["night"] | None = None

    @model_validator(mode="after")
    def _check(self) -> HazardSpec:
        if self.end <= self.start:
            raise ValueError(f"hazard {self.id}: end must follow start")
        if self.centre is None and self.cities is None and self.kind != HazardKind.LAKE_RISE:
            raise ValueError(f"hazard {self.id}: give a centre or per-city weights")
        if self.kind == HazardKind.FOG and not 0 < self.peak < 1000:
            raise ValueError(f"hazard {self.id}: fog peak is a minimum visibility in m (<1000)")
        return self

    @property
    def unit(self) -> str:
        """Unit of ``peak``."""
        return _UNITS[self.kind]


_UNITS: dict[HazardKind, str] = {
    HazardKind.RAINSTORM: "mm/h",
    HazardKind.FREEZING_RAIN: "mm/h",
    HazardKind.HEAT_WAVE: "degC",
    HazardKind.COLD_WAVE: "degC",
    HazardKind.GALE: "m/s",
    HazardKind.FOG: "m",
    HazardKind.DROUGHT: "%/day",
    HazardKind.LAKE_RISE: "m",
}


class Spread(_Frozen):
    """How far a seed's world may stray from the reconstruction (uniform, ± each figure).

    The defaults are estimates: storm timing and track errors of analyses and short-range
    forecasts are of the order of half a day and 50 km (the figures in observation_model.yaml's
    forecast section grow from there), intensities within a quarter, and the lake's and the
    Yangtze's levels within a few decimetres of what was recorded.
    """

    timing_h: float = Field(default=12, ge=0, le=72, description="start and end move together")
    duration_share: float = Field(default=0.2, ge=0, lt=1, description="duration x (1 ± this)")
    track_km: float = Field(default=50, ge=0, le=300, description="centre moved within a disc")
    peak_share: float = Field(default=0.25, ge=0, lt=1, description="peak x (1 ± this)")
    lake_m: float = Field(default=0.3, ge=0, le=3, description="initial lake level ± this")
    yangtze_m: float = Field(default=0.2, ge=0, le=3, description="Yangtze stage ± this")
    river_flow_share: float = Field(default=0.2, ge=0, lt=1, description="baseflow x (1 ± this)")

    @classmethod
    def none(cls) -> Spread:
        """No spread: every seed gets the reconstruction itself."""
        return cls(
            timing_h=0,
            duration_share=0,
            track_km=0,
            peak_share=0,
            lake_m=0,
            yangtze_m=0,
            river_flow_share=0,
        )


class Cadence(_Frozen):
    """How often each sensor kind reports, in hours (a multiple of the 1-hour field step)."""

    station_h: int = Field(default=1, ge=1, le=24)
    farm_h: int = Field(default=3, ge=1, le=24)
    road_h: int = Field(default=1, ge=1, le=24)
    gauge_h: int = Field(default=1, ge=1, le=24)
    forecast_every_h: int = Field(default=12, ge=1, le=48)
    forecast_horizon_h: int = Field(default=72, ge=1, le=240)


class Scenario(_Frozen):
    """A scenario file."""

    name: str = Field(pattern=r"^[a-z0-9-]+$")
    description_zh: str = Field(min_length=1, max_length=120)
    description_en: str = Field(min_length=1, max_length=160)
    start: AwareDatetime
    end: AwareDatetime
    tick_hours: int = Field(default=1, ge=1, le=24)
    seed: int = Field(ge=0)
    cities: tuple[RegionCode, ...] | None = Field(default=None, description="None = all 11")
    baseline: Baseline
    cadence: Cadence = Cadence()
    hazards: tuple[HazardSpec, ...] = ()
    spread: Spread = Field(
        default=Spread(), description="How far each seed's world strays from the reconstruction"
    )
    yangtze_hukou: tuple[HydroPoint, ...] | None = Field(
        default=None,
        description="The Yangtze's stage at Hukou (the lake's outlet boundary); None = steady",
    )

    @model_validator(mode="after")
    def _check(self) -> Scenario:
        if self.end <= self.start:
            raise ValueError("end must follow start")
        if self.start.minute or self.start.second or self.start.microsecond:
            raise ValueError("start must be on the hour")
        if self.hours % self.tick_hours:
            raise ValueError("the span must be a whole number of ticks")
        ids = [h.id for h in self.hazards]
        if len(set(ids)) != len(ids):
            raise ValueError("hazard ids must be unique")
        points = self.yangtze_hukou or ()
        if [p.at for p in points] != sorted(p.at for p in points):
            raise ValueError("yangtze_hukou: the points must be in time order")
        return self

    @property
    def hours(self) -> int:
        """Length of the span in hours."""
        return int((self.end - self.start) / timedelta(hours=1))

    @property
    def ticks(self) -> int:
        """Number of clock ticks."""
        return self.hours // self.tick_hours

    def hour_at(self, h: int) -> datetime:
        """Simulated time of field hour ``h``."""
        return self.start + timedelta(hours=h)
