"""One possible world per seed: the scenario's hazards moved, stretched and scaled at random within
the scenario's ``spread``, centred on the historical reconstruction.

Every draw is uniform and symmetric about the reconstruction, so over many seeds each hazard's
timing, duration, track, peak, the lake's initial level and the Yangtze's stage are centred on
the scenario file's values. Each hazard takes the same number of draws whatever its kind, from a
stream seeded by the scenario and the seed alone, so adding a hazard at the end of a file leaves
the others' draws as they were.
"""

from __future__ import annotations

import math
import random
from datetime import timedelta

from services.simulator.domain.scenario import HazardSpec, Scenario, Spread
from shared.contracts.simulator import HazardKind

_KM_PER_DEG_LAT = 111.2


def truth_stream(scenario: str, seed: int) -> random.Random:
    """The random stream that samples the truth of ``scenario`` for ``seed``."""
    return random.Random(f"{scenario}:{seed}:truth")


def sample(scenario: Scenario, seed: int) -> Scenario:
    """The seed's version of ``scenario``: one plausible event around the reconstruction."""
    spread = scenario.spread
    rng = truth_stream(scenario.name, seed)
    hazards = tuple(_hazard(h, spread, rng) for h in scenario.hazards)
    lake = rng.uniform(-1, 1) * spread.lake_m
    yangtze = rng.uniform(-1, 1) * spread.yangtze_m
    flow = 1 + rng.uniform(-1, 1) * spread.river_flow_share
    base = scenario.baseline
    return Scenario.model_validate(
        {
            **scenario.model_dump(),
            "hazards": [h.model_dump() for h in hazards],
            "baseline": {
                **base.model_dump(),
                "lake_level_m": max(0.0, base.lake_level_m + lake),
                "river_flow_ratio": base.river_flow_ratio * flow,
            },
            "yangtze_hukou": (
                [
                    {"at": p.at, "level_m": max(0.0, p.level_m + yangtze)}
                    for p in scenario.yangtze_hukou
                ]
                if scenario.yangtze_hukou
                else None
            ),
        }
    )


def _hazard(h: HazardSpec, spread: Spread, rng: random.Random) -> HazardSpec:
    # Five draws for every hazard, used or not.
    shift_u, stretch_u, peak_u, bearing_u, distance_u = (rng.random() for _ in range(5))
    if h.kind == HazardKind.LAKE_RISE:
        # The lake comes from the rivers; its window only names the episode.
        return h
    shift = timedelta(hours=round((2 * shift_u - 1) * spread.timing_h))
    half = (h.end - h.start) / 2
    stretch = 1 + (2 * stretch_u - 1) * spread.duration_share
    middle = h.start + half + shift
    start = middle - half * stretch
    end = middle + half * stretch
    start = start.replace(minute=0, second=0, microsecond=0)
    end = max(start + timedelta(hours=1), end.replace(minute=0, second=0, microsecond=0))
    factor = 1 + (2 * peak_u - 1) * spread.peak_share
    # A fog's peak is its lowest visibility: a stronger fog is a lower one.
    peak = h.peak / factor if h.kind == HazardKind.FOG else h.peak * factor
    update: dict[str, object] = {"start": start, "end": end, "peak": peak}
    if h.centre is not None:
        bearing = 2 * math.pi * bearing_u
        # Uniform over a disc of radius track_km.
        km = spread.track_km * math.sqrt(distance_u)
        dlat = km * math.cos(bearing) / _KM_PER_DEG_LAT
        update["centre"] = _moved(h.centre, dlat, km * math.sin(bearing))
        if h.centre_end is not None:
            update["centre_end"] = _moved(h.centre_end, dlat, km * math.sin(bearing))
    # Validated again: a sampled hazard obeys the same rules as a written one.
    return HazardSpec.model_validate({**h.model_dump(), **update})


def _moved(point: tuple[float, float], dlat: float, east_km: float) -> tuple[float, float]:
    lon, lat = point
    dlon = east_km / (_KM_PER_DEG_LAT * math.cos(math.radians(lat)))
    return (round(lon + dlon, 4), round(lat + dlat, 4))
