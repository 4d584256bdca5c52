"""Agriculture's world: farms (production bases) as assets, and their field sensors."""

from __future__ import annotations

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
from shared.contracts.agriculture import (
    AGRICULTURE_OBSERVATIONS,
    SECTOR,
    AgricultureAction,
    FarmObservation,
    Industry,
)


def farms(state: WorldState) -> list[Asset]:
    """Every farm of the scenario's cities, valued at its annual output."""
    world = state.world
    return [
        Asset(
            id=f.farm_id,
            kind="farm",
            region=f.city,
            value_yuan=f.value_yuan,
            people=0,
            lat=world.city(f.city).lat,
            crop=f.crop,
            industry=f.industry,
            unit="mu" if f.area_mu else None,
            quantity=f.area_mu or None,
            units={a.value: (f.per, f.units()) for a in AgricultureAction},
        )
        for f in world.farms
        if f.city in state.cities
    ]


def submerged_share(series: Series, asset: Asset) -> list[float]:
    """The farm's share under water: its lowland share, by the depth of the city's lake or river
    above warning."""
    world = series.world
    farm = next(f for f in world.farms if f.farm_id == asset.id)
    depth = world.damage.full_flood_depth_m
    return [
        farm.lowland_share * min(1.0, max(0.0, d / depth)) for d in series.level_above(asset.region)
    ]


def waterlogged_share(series: Series, asset: Asset) -> list[float]:
    """The farm's share waterlogged by the last 24 hours' rain on its city: none below
    waterlog_from_mm, rising to waterlog_max_share at waterlog_full_mm (damage.yaml)."""
    c = series.state.world.damage.constants
    rain = series.state.cities[asset.region].rain_24h
    span = c.waterlog_full_mm - c.waterlog_from_mm
    return [
        c.waterlog_max_share * min(1.0, max(0.0, (r - c.waterlog_from_mm) / span)) for r in rain
    ]


def rainfed_share(series: Series, asset: Asset) -> list[float]:
    """The farm's rain-fed share that has some water source (damage.yaml's rainfed_paddy_share
    less its failing_paddy_share; the same every hour)."""
    c = series.state.world.damage.constants
    return [c.rainfed_paddy_share - c.failing_paddy_share] * series.state.hours


def failing_share(series: Series, asset: Asset) -> list[float]:
    """The farm's hill terraces with no water source (damage.yaml's failing_paddy_share)."""
    return [series.state.world.damage.constants.failing_paddy_share] * series.state.hours


class Farms:
    """Field sensors: soil moisture, canopy temperature, standing water and crop stress."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("farm", SensorNoise)
        self._stage: dict[tuple[str, int, float], str | None] = {}

    def _stage_of(self, crop: str, i: int, lat: float) -> str | None:
        day = i // 24
        key = (crop, day, lat)
        if key not in self._stage:
            s = self.run.state
            self._stage[key] = s.world.calendars.stage(crop, s.times[i].date(), lat)
        return self._stage[key]

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every farm of the scenario's cities at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        w = s.world
        t = s.times[i]
        depth_full = w.damage.full_flood_depth_m
        for farm in w.farms:
            cs = s.cities.get(farm.city)
            if cs is None:
                continue
            late = delay(rng, noise)
            if late is None:
                continue
            city = cs.city
            above = 0.0
            if farm.lowland_share > 0:
                above = max(0.0, s.flood_excess(city.code)[i])
            depth = above * 100 + max(0.0, cs.rain_24h[i] - 50) * 0.3
            soil, temp = cs.soil_moisture[i], cs.temp[i]
            stress = max(
                clip((temp - 33) / 6, 0, 1),
                clip((18 - soil) / 8, 0, 1),
                clip(above / depth_full, 0, 1) if depth > 10 else 0.0,
                clip(-temp / 6, 0, 1),
            )
            land = farm.industry not in (Industry.LIVESTOCK, Industry.AQUACULTURE)
            values: list[float | None] = [
                round(clip(soil + rng.gauss(0, noise.sd("soil_sd")), 0, 100), 1) if land else None,
                round(
                    temp + 2 * clip((20 - soil) / 10, 0, 1) + rng.gauss(0, noise.sd("canopy_sd")),
                    1,
                ),
                round(clip(depth + rng.gauss(0, noise.sd("depth_sd")), 0, 1000), 1),
                round(clip(stress + rng.gauss(0, noise.sd("stress_sd")), 0, 1), 2),
            ]
            g_i = gap(rng, noise, len(values))
            if g_i >= 0:
                values[g_i] = None
            emit(
                i + late,
                FarmObservation(
                    event_id=self.run.event_id("farm", farm.farm_id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=farm.city,
                    farm_id=farm.farm_id,
                    industry=farm.industry,
                    crop=farm.crop,
                    crop_stage=self._stage_of(farm.crop, i, city.lat),
                    soil_moisture_pct=values[0],
                    canopy_temp_c=values[1],
                    water_depth_cm=values[2],
                    crop_stress=values[3],
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="farm",
            assets=farms,
            variables={
                "submerged_share": submerged_share,
                "waterlogged_share": waterlogged_share,
                "rainfed_share": rainfed_share,
                "failing_share": failing_share,
            },
        ),
    ),
    sensors=(
        Sensor(
            name="farm",
            topic=AGRICULTURE_OBSERVATIONS,
            order=20,
            every=lambda cadence: cadence.farm_h,
            start=Farms,
        ),
    ),
    parameters=(ModelSection("farm", SensorNoise),),
)
