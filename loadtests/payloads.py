"""Realistic ingestion payloads built from the world model (stations, farms, expressways, cities).

Each sender owns a simulated clock that moves one hour per reading it posts, so its readings are
distinct events (the ingestion APIs derive event ids from the sender, the sensor and the time)
rather than retries of one another. Values follow a Jiangxi summer day: warm, humid, mostly dry
with showers, light traffic at night and peaks by day.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from shared.contracts.emergency import ReportKind
from shared.contracts.transport import SurfaceState
from shared.world import World, load_world

#: Relative frequency of what citizens report in a wet summer (most calls are about water).
REPORT_MIX: dict[ReportKind, float] = {
    ReportKind.WATERLOGGING: 0.40,
    ReportKind.FLOODING: 0.20,
    ReportKind.TRAFFIC_ACCIDENT: 0.12,
    ReportKind.LANDSLIDE: 0.06,
    ReportKind.POWER_OUTAGE: 0.06,
    ReportKind.HEAT_ILLNESS: 0.06,
    ReportKind.CROP_DAMAGE: 0.05,
    ReportKind.POOR_VISIBILITY: 0.03,
    ReportKind.WATER_SHORTAGE: 0.02,
}


@cache
def world() -> World:
    """The world model, loaded once per process."""
    return load_world()


@cache
def report_texts() -> dict[str, str]:
    """What a caller says per report kind (the simulator's phrasing, in Chinese)."""
    path = Path(__file__).resolve().parent.parent / "services/simulator/observation_model.yaml"
    texts: dict[str, str] = yaml.safe_load(path.read_text(encoding="utf-8"))["reports"]["text_zh"]
    return texts


@dataclass
class Clock:
    """A sender's simulated clock: starts at a random recent hour, one hour per step."""

    rng: random.Random
    at: datetime = field(init=False)

    def __post_init__(self) -> None:
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self.at = now - timedelta(hours=self.rng.randrange(24 * 365))

    def tick(self) -> datetime:
        """The next hour."""
        self.at += timedelta(hours=1)
        return self.at

    @property
    def local_hour(self) -> int:
        """Hour of day in Beijing time."""
        return (self.at.hour + 8) % 24


def _diurnal(hour: int) -> float:
    """0 at 05:00, 1 at 14:00 local (temperature shape)."""
    return 0.5 - 0.5 * math.cos((hour - 5) / 24 * 2 * math.pi)


def station_readings(rng: random.Random, clock: Clock, hours: int) -> list[dict[str, Any]]:
    """``hours`` consecutive hourly readings from one station (one request of a station feed)."""
    st = rng.choice(world().stations)
    out = []
    for _ in range(hours):
        at = clock.tick()
        d = _diurnal(clock.local_hour)
        shower = rng.random() < 0.08
        out.append(
            {
                "station_id": st.id,
                "region": st.city,
                "observed_at": at.isoformat(),
                "temp_c": round(25 + 8 * d + rng.gauss(0, 0.5), 1),
                "rain_mm": round(rng.expovariate(1 / 4), 1) if shower else 0.0,
                "wind_ms": round(abs(rng.gauss(2.5, 1.2)), 1),
                "gust_ms": round(abs(rng.gauss(5, 2)), 1),
                "visibility_m": round(rng.uniform(6_000, 25_000)),
                "humidity_pct": round(min(100, 92 - 20 * d + rng.gauss(0, 3)), 1),
                "ground_temp_c": round(27 + 14 * d + rng.gauss(0, 1), 1),
            }
        )
    return out


def farm_readings(rng: random.Random, clock: Clock, farms: int) -> list[dict[str, Any]]:
    """One hour's field-sensor readings from ``farms`` farms (a gateway's upload)."""
    at = clock.tick()
    d = _diurnal(clock.local_hour)
    out = []
    for farm in rng.sample(world().farms, k=min(farms, len(world().farms))):
        paddy = farm.industry.value in ("rice", "aquaculture")
        out.append(
            {
                "farm_id": farm.farm_id,
                "region": farm.city,
                "industry": farm.industry.value,
                "crop": farm.crop,
                "observed_at": at.isoformat(),
                "soil_moisture_pct": round(rng.uniform(24, 38), 1),
                "canopy_temp_c": round(26 + 9 * d + rng.gauss(0, 0.6), 1),
                "water_depth_cm": round(rng.uniform(3, 8), 1) if paddy else 0.0,
                "crop_stress": round(min(1.0, abs(rng.gauss(0.08, 0.05))), 2),
            }
        )
    return out


def road_readings(rng: random.Random, clock: Clock) -> list[dict[str, Any]]:
    """One hour's readings from both detectors of one expressway segment."""
    seg = rng.choice(world().segments)
    at = clock.tick()
    h = clock.local_hour
    share = 0.015 if h < 6 else 0.06 if 7 <= h <= 19 else 0.035  # of the daily traffic
    wet = rng.random() < 0.1
    out = []
    for end, city in (("A", seg.from_city), ("B", seg.to_city)):
        out.append(
            {
                "detector_id": f"{seg.id}-{end}",
                "segment_id": seg.id,
                "road": seg.road,
                "region": city,
                "observed_at": at.isoformat(),
                "speed_kmh": round(rng.gauss(88 if wet else 102, 6), 1),
                "volume_vph": max(0, round(seg.aadt * share * rng.gauss(1, 0.08))),
                "surface_temp_c": round(28 + 12 * _diurnal(h) + rng.gauss(0, 1), 1),
                "visibility_m": round(
                    rng.uniform(3_000, 12_000) if wet else rng.uniform(8_000, 25_000)
                ),
                "surface_state": (SurfaceState.WET if wet else SurfaceState.DRY).value,
            }
        )
    return out


def citizen_report(rng: random.Random, clock: Clock) -> dict[str, Any]:
    """One call to the 12345 hotline from somewhere in one city."""
    city = rng.choice(world().cities)
    kinds, weights = zip(*REPORT_MIX.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    return {
        "region": city.code,
        "reported_at": clock.tick().isoformat(),
        "report_kind": kind.value,
        "channel": rng.choice(("12345", "12345", "12345", "110", "app")),
        "lon": round(city.lon + rng.uniform(-0.3, 0.3), 3),
        "lat": round(city.lat + rng.uniform(-0.3, 0.3), 3),
        "people": rng.randint(1, 30),
        "text": report_texts().get(kind.value, ""),
    }


def red_rainstorm(region: str, at: datetime) -> list[dict[str, Any]]:
    """Three hours of 40 mm at one station: 120 mm in 3 h, a red rainstorm signal in any city."""
    return [
        {
            "station_id": f"load-{region}",
            "region": region,
            "observed_at": (at + timedelta(hours=i)).isoformat(),
            "rain_mm": 40.0,
            "temp_c": 24.0,
            "humidity_pct": 98.0,
        }
        for i in range(3)
    ]
