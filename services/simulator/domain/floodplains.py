"""The flood plains two sectors share as assets: a city's lake-side plain and its riverside land.

A flood's loss has two owners (``shared/world/damage.yaml``): emergency the people and the
movable contents, water the fixed assets behind the levees. Both plug-ins list the same plains
with the same ids (so the same levee breaches at the same hour in both); each counts its own
actions' units on them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from services.simulator.domain.fields import WorldState
from services.simulator.domain.impacts import Asset, Series
from shared.world import City
from shared.world.costs import Per

#: What a plain's actions are counted in, for the sector listing it: (state, city, people) ->
#: ``{action: (unit, units the whole plain has)}``.
Units = Callable[[WorldState, City, int], dict[str, tuple[Per, float]]]


def flood_zones(state: WorldState, units: Units) -> list[Asset]:
    """The lake-side flood plain of every scenario city with a lake gauge."""
    return [
        Asset(
            id=f"{city.code}-floodplain",
            kind="zone",
            region=city.code,
            value_yuan=city.flood_exposed_assets_yuan,
            people=city.flood_exposed_pop,
            lat=city.lat,
            gauge=city.lake_gauge,
            units=units(state, city, city.flood_exposed_pop),
        )
        for city in state.world.cities
        if city.code in state.cities and city.lake_gauge is not None
    ]


def riversides(state: WorldState, units: Units) -> list[Asset]:
    """The riverside land of every scenario city on a gauged river, behind its levees."""
    return [
        Asset(
            id=f"{city.code}-riverside",
            kind="river_zone",
            region=city.code,
            value_yuan=city.river_exposed_assets_yuan,
            people=city.river_exposed_pop,
            lat=city.lat,
            gauge=city.river_gauge,
            units=units(state, city, city.river_exposed_pop),
        )
        for city in state.world.cities
        if city.code in state.cities and city.river_gauge is not None
    ]


def breach_hour(
    levels: list[float],
    *,
    warning_m: float,
    guaranteed_m: float,
    rate_at_guaranteed: float,
    growth_per_m: float,
    draw: float,
) -> int | None:
    """The hour a levee fails, or None: its breach hazard accumulates while the stage is above
    ``warning_m``, per hour ``rate_at_guaranteed * exp(growth_per_m * (stage - guaranteed))``,
    and it fails once the accumulated hazard reaches ``-ln(1 - draw)`` (``draw`` uniform in
    [0, 1), so the chance of failing by an hour is ``1 - exp(-hazard so far)``).
    """
    threshold = -math.log(1.0 - draw)
    hazard = 0.0
    for i, level in enumerate(levels):
        if level > warning_m:
            hazard += rate_at_guaranteed * math.exp(growth_per_m * (level - guaranteed_m))
            if hazard >= threshold:
                return i
    return None


def breached(series: Series, asset: Asset) -> list[float]:
    """1.0 from the hour the riverside land's levee breaches (see ``breach_hour``); the world's
    key draws when, if ever, it fails (the same for every sector listing the land)."""
    if asset.gauge is None:
        raise ValueError(f"flood zone {asset.id} has no gauge")
    gauge = series.world.gauge(asset.gauge)
    c = series.world.damage.constants
    levels = series.state.gauge_levels[gauge.id]
    at = breach_hour(
        levels,
        warning_m=gauge.warning_m,
        guaranteed_m=gauge.guaranteed_m,
        rate_at_guaranteed=c.levee_breach_per_h_at_guaranteed,
        growth_per_m=c.levee_breach_growth_per_m,
        draw=random.Random(f"{series.state.key}:levee:{asset.id}").random(),
    )
    return [0.0 if at is None or i < at else 1.0 for i in range(len(levels))]


def zone_level(series: Series, asset: Asset) -> list[float]:
    """A flood zone's own gauge above its warning level."""
    if asset.gauge is None:
        raise ValueError(f"flood zone {asset.id} has no gauge")
    return series.gauge_above(asset.gauge)
