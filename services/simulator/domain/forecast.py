"""A forecast's own view of the hazards: an error field independent of the truth.

Each forecast run draws, for every hazard of the world, a position, timing and intensity error
(standard normal draws scaled by a spread that grows with lead time), and may add phantom rain
cells that have no counterpart in the truth. The forecast's hazards are then evaluated with the
same field functions as the truth (``fields.hazard_shape``), moved, shifted and scaled. So a
forecast can put a storm where none falls (a false alarm) and miss one that does, more often the
further ahead it looks. The error parameters live in ``observation_model.yaml`` (``forecast``)
and are calibrated against threat scores in ``tests/calibration/``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from services.simulator.domain.fields import Place, WorldState, hazard_shape
from services.simulator.domain.scenario import HazardSpec
from shared.contracts.simulator import HazardKind
from shared.world import BEIJING_OFFSET

#: Where phantom cells may appear: Jiangxi's bounding box (lon, lat).
_BOX = ((113.6, 118.5), (24.5, 30.1))


class ForecastSkill(BaseModel):
    """How a forecast errs, by lead time (``*_0`` at lead 0, ``*_per_day`` added per day)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    temp_sd_0: float = Field(ge=0)
    temp_sd_per_day: float = Field(ge=0)
    wind_rel_sd_per_day: float = Field(ge=0)
    vis_log_sd_0: float = Field(ge=0)
    vis_log_sd_per_day: float = Field(ge=0)
    position_km_0: float = Field(ge=0)
    position_km_per_day: float = Field(ge=0)
    timing_h_0: float = Field(ge=0)
    timing_h_per_day: float = Field(ge=0)
    intensity_log_sd_0: float = Field(ge=0)
    intensity_log_sd_per_day: float = Field(ge=0)
    phantom_per_day: float = Field(ge=0, le=5, description="cells per lead day, wet season")
    phantom_wet_mm_day: float = Field(gt=0, description="season's rain at which that rate holds")
    phantom_peak_mm_h: float = Field(gt=0)
    phantom_radius_km: float = Field(gt=0)
    phantom_hours: int = Field(gt=0, le=72)

    def spread(self, lead_h: float) -> tuple[float, float, float]:
        """Position (km), timing (h) and log-intensity spread at ``lead_h`` hours ahead."""
        days = lead_h / 24
        return (
            self.position_km_0 + self.position_km_per_day * days,
            self.timing_h_0 + self.timing_h_per_day * days,
            self.intensity_log_sd_0 + self.intensity_log_sd_per_day * days,
        )


@dataclass(frozen=True)
class _Error:
    east: float
    north: float
    timing: float
    intensity: float


#: Hazard kinds whose peak adds precipitation.
_RAIN = (HazardKind.RAINSTORM, HazardKind.FREEZING_RAIN)
#: Hazard kinds that shift temperature, and the sign of their peak.
TEMP_SIGN = {HazardKind.HEAT_WAVE: 1.0, HazardKind.COLD_WAVE: -1.0}


class ForecastRun:
    """One forecast run: its error draws and phantom cells, and what it says per place and hour."""

    def __init__(
        self, state: WorldState, run_hour: int, rng: random.Random, skill: ForecastSkill
    ) -> None:
        self.state = state
        self.run_hour = run_hour
        self.skill = skill
        hazards = state.scenario.hazards
        self.errors = {
            h.id: _Error(rng.gauss(0, 1), rng.gauss(0, 1), rng.gauss(0, 1), rng.gauss(0, 1))
            for h in hazards
        }
        self.phantoms = self._phantoms(rng)

    def _phantoms(self, rng: random.Random) -> list[HazardSpec]:
        sk = self.skill
        wet = min(1.0, self.state.scenario.baseline.rain_mm_day / sk.phantom_wet_mm_day)
        horizon_days = math.ceil(self.state.scenario.cadence.forecast_horizon_h / 24)
        start = self.state.times[self.run_hour]
        cells: list[HazardSpec] = []
        for day in range(horizon_days):
            # A fixed number of draws per lead day keeps later days' draws where they were.
            u_occurs, u_lon, u_lat, u_hour, u_peak = (rng.random() for _ in range(5))
            if u_occurs >= sk.phantom_per_day * wet:
                continue
            onset = start + timedelta(hours=day * 24 + int(u_hour * 24))
            cells.append(
                HazardSpec(
                    id=f"phantom-{day}",
                    kind=HazardKind.RAINSTORM,
                    start=onset,
                    end=onset + timedelta(hours=sk.phantom_hours),
                    peak=sk.phantom_peak_mm_h * math.exp(0.5 * (2 * u_peak - 1)),
                    ramp_h=sk.phantom_hours / 4,
                    centre=(
                        _BOX[0][0] + u_lon * (_BOX[0][1] - _BOX[0][0]),
                        _BOX[1][0] + u_lat * (_BOX[1][1] - _BOX[1][0]),
                    ),
                    radius_km=sk.phantom_radius_km,
                )
            )
        return cells

    def shape(self, h: HazardSpec, place: Place, valid: datetime, lead_h: float) -> float:
        """The share of ``h``'s peak this run forecasts at ``place`` for time ``valid``."""
        err = self.errors[h.id]
        pos, timing, intensity = self.skill.spread(lead_h)
        # A storm forecast to come `timing` hours late is seen at `valid` as the truth was earlier.
        seen = valid - timedelta(hours=round(err.timing * timing))
        local = (seen.astimezone(UTC) + BEIJING_OFFSET).hour
        s = hazard_shape(h, place, seen, local, (err.east * pos, err.north * pos))
        return s * math.exp(err.intensity * intensity - intensity * intensity / 2)

    def hazard_rain(self, place: Place, valid: datetime, lead_h: float) -> float:
        """The precipitation (mm/h) this run's hazards and phantoms bring to ``place``."""
        rain = sum(
            h.peak * self.shape(h, place, valid, lead_h)
            for h in self.state.scenario.hazards
            if h.kind in _RAIN
        )
        local = (valid.astimezone(UTC) + BEIJING_OFFSET).hour
        return rain + sum(p.peak * hazard_shape(p, place, valid, local) for p in self.phantoms)

    def temp_delta(self, place: Place, valid: datetime, lead_h: float) -> float:
        """The heat or cold (°C) this run's hazards add at ``place``."""
        return sum(
            TEMP_SIGN[h.kind] * h.peak * self.shape(h, place, valid, lead_h)
            for h in self.state.scenario.hazards
            if h.kind in TEMP_SIGN
        )

    def gale(self, place: Place, valid: datetime, lead_h: float) -> float:
        """The wind (m/s) this run's gales add at ``place``."""
        return sum(
            h.peak * self.shape(h, place, valid, lead_h)
            for h in self.state.scenario.hazards
            if h.kind == HazardKind.GALE
        )

    def fog(self, place: Place, valid: datetime, lead_h: float) -> list[tuple[float, float]]:
        """The fogs this run forecasts at ``place``: (share of the fog, its lowest visibility)."""
        out: list[tuple[float, float]] = []
        for h in self.state.scenario.hazards:
            if h.kind != HazardKind.FOG:
                continue
            s = min(1.0, self.shape(h, place, valid, lead_h))
            if s > 0:
                out.append((s, h.peak))
        return out

    def drought(self, place: Place, valid: datetime, lead_h: float) -> float:
        """The share (0..1) by which this run's droughts suppress rain at ``place``."""
        dry = 0.0
        for h in self.state.scenario.hazards:
            if h.kind == HazardKind.DROUGHT:
                dry = max(dry, min(1.0, self.shape(h, place, valid, lead_h)))
        return dry
