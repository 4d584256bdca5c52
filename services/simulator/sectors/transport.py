"""Transport's world: expressway segments as assets, and the detectors at both their ends."""

from __future__ import annotations

import math
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict

from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    Emit,
    Exposure,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    Series,
    WorldState,
    clip,
    delay,
    gap,
)
from shared.contracts.transport import (
    SECTOR,
    TRANSPORT_OBSERVATIONS,
    RoadObservation,
    SurfaceState,
    TransportAction,
)
from shared.world import Segment
from shared.world.costs import Per


class Traffic(BaseModel):
    """Expressway traffic model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    free_speed_kmh: float
    hourly_share: tuple[float, ...]
    speed_limits: tuple[tuple[float, float], ...]
    icy_speed_kmh: float
    heavy_rain_mm_h: float
    heavy_rain_speed_kmh: float
    hazard_volume_factor: float


def segments(state: WorldState) -> list[Asset]:
    """Every segment with both ends in the scenario's cities; exposure is its vehicle-km."""
    world = state.world
    return [
        Asset(
            id=s.id,
            kind="segment",
            region=s.from_city,
            value_yuan=s.length_km * world.damage.constants.expressway_yuan_per_km,
            people=0,
            lat=world.city(s.from_city).lat,
            unit="km",
            quantity=s.length_km,
            vehicle_km_per_day=s.aadt * s.length_km,
            units={
                TransportAction.SPEED_LIMIT.value: (Per.VEHICLE, s.aadt / 24),
                TransportAction.CLOSE_ROAD.value: (Per.VEHICLE, s.aadt / 24),
                TransportAction.DE_ICE_ROAD.value: (Per.KM, s.length_km),
            },
        )
        for s in world.segments
        if s.from_city in state.cities and s.to_city in state.cities
    ]


def _segment(series: Series, asset: Asset) -> Segment:
    return next(x for x in series.world.segments if x.id == asset.id)


def _both_ends(
    series: Series,
    asset: Asset,
    values: Callable[[str], list[float]],
    worse: Callable[[float, float], float],
) -> list[float]:
    # A segment is as bad as its worse end, hour by hour.
    seg = _segment(series, asset)
    a, b = values(seg.from_city), values(seg.to_city)
    return [worse(x, y) for x, y in zip(a, b, strict=True)]


def visibility(series: Series, asset: Asset) -> list[float]:
    """The worse visibility of the segment's two cities."""
    return _both_ends(series, asset, lambda c: series.state.cities[c].visibility, min)


def rain_24h(series: Series, asset: Asset) -> list[float]:
    """The heavier 24-hour rain of the segment's two cities."""
    return _both_ends(series, asset, lambda c: series.state.cities[c].rain_24h, max)


def rain(series: Series, asset: Asset) -> list[float]:
    """The heavier rain of the segment's two cities."""
    return _both_ends(series, asset, lambda c: series.state.cities[c].rain, max)


def gust(series: Series, asset: Asset) -> list[float]:
    """The stronger gust of the segment's two cities."""
    return _both_ends(series, asset, lambda c: series.state.cities[c].gust, max)


def icy(series: Series, asset: Asset) -> list[float]:
    """1.0 while either end of the segment is icy."""
    return _both_ends(series, asset, series.state.icy, max)


class Roads:
    """Expressway detectors at both ends of every segment: speed, volume, surface, visibility."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("road", SensorNoise)
        self.traffic = run.parameter("traffic", Traffic)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every detector in the scenario's cities at hour ``i``."""
        rng, noise, tr, s = self.run.rng, self.noise, self.traffic, self.run.state
        t = s.times[i]
        share = tr.hourly_share[s.local_hours[i]]
        for seg in s.world.segments:
            for end, code in (("A", seg.from_city), ("B", seg.to_city)):
                cs = s.cities.get(code)
                if cs is None:
                    continue
                late = delay(rng, noise)
                if late is None:
                    continue
                vis, rain_h, is_icy = cs.visibility[i], cs.rain[i], s.icy(code)[i] > 0
                speed = tr.free_speed_kmh
                for below, limit in tr.speed_limits:
                    if vis < below:
                        speed = min(speed, limit)
                if is_icy:
                    speed = min(speed, tr.icy_speed_kmh)
                if rain_h >= tr.heavy_rain_mm_h:
                    speed = min(speed, tr.heavy_rain_speed_kmh)
                volume = seg.aadt * share
                if speed < tr.free_speed_kmh:
                    volume *= tr.hazard_volume_factor
                if is_icy:
                    state = SurfaceState.ICY
                elif rain_h >= 30:
                    state = SurfaceState.FLOODED
                elif sum(cs.rain[max(0, i - 2) : i + 1]) > 0.2:
                    state = SurfaceState.WET
                else:
                    state = SurfaceState.DRY
                values: list[float | None] = [
                    round(clip(speed + rng.gauss(0, noise.sd("speed_sd")), 0, 200), 1),
                    max(0, round(volume * (1 + rng.gauss(0, noise.sd("volume_rel_sd"))))),
                    round(cs.ground_temp[i] + rng.gauss(0, noise.sd("surface_sd")), 1),
                    round(clip(vis * math.exp(rng.gauss(0, noise.sd("vis_rel_sd"))), 5, 100_000)),
                ]
                g = gap(rng, noise, len(values))
                if g >= 0:
                    values[g] = None
                vol = values[1]
                emit(
                    i + late,
                    RoadObservation(
                        event_id=self.run.event_id("road", seg.id, end, i),
                        occurred_at=t,
                        source=SOURCE,
                        region=code,
                        detector_id=f"{seg.id}-{end}",
                        segment_id=seg.id,
                        road=seg.road,
                        speed_kmh=values[0],
                        volume_vph=None if vol is None else int(vol),
                        surface_temp_c=values[2],
                        visibility_m=values[3],
                        surface_state=state,
                    ),
                )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="segment",
            assets=segments,
            variables={
                "visibility": visibility,
                "rain": rain,
                "rain_24h": rain_24h,
                "gust": gust,
                "icy": icy,
            },
            city_variables=False,
        ),
    ),
    sensors=(
        Sensor(
            name="road",
            topic=TRANSPORT_OBSERVATIONS,
            order=30,
            every=lambda cadence: cadence.road_h,
            start=Roads,
        ),
    ),
    parameters=(ModelSection("road", SensorNoise), ModelSection("traffic", Traffic)),
)
