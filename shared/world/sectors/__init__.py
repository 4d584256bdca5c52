"""A sector's own reference data: the works, lines, policies ... only that sector has.

How to add one
==============
Write ``shared/world/sectors/<sector>.yaml`` (sources in its header, ``(?)`` marking every
estimate with its reasoning, as in the other world files) and, beside it, ``<sector>.py`` with a
pydantic model of the file and a function that returns it for a world::

    def works(world: World) -> WaterWorks:
        return section(world, "water", WaterWorks)

``load_world()`` finds every ``<sector>.yaml`` here by itself and keeps it raw in
``World.sectors``; ``section`` validates it once per world. The sector's service (through its
adapter) and its simulator plug-in both read it from the ``World`` they are given, so the two
always agree on the same assets, and neither reads a file.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from shared.world import World

M = TypeVar("M", bound=BaseModel)

_PARSED: dict[tuple[int, str], tuple[World, BaseModel]] = {}


def section(world: World, sector: str, model: type[M], **common: object) -> M:
    """``world``'s data of ``sector``, validated as ``model`` (once per world and sector).

    ``common`` are fields the sector takes from the world's shared values (one value of a
    statistical life for every sector, say) rather than from its own file, which must not
    declare them again.
    """
    key = (id(world), sector)
    hit = _PARSED.get(key)
    if hit is not None and hit[0] is world:
        parsed = hit[1]
        if not isinstance(parsed, model):
            raise TypeError(f"{sector}: world data parsed as {type(parsed).__name__} already")
        return parsed
    raw = world.sectors.get(sector)
    if raw is None:
        raise KeyError(f"no shared/world/sectors/{sector}.yaml: the world has no {sector} data")
    again = sorted(set(common) & set(raw))
    if again:
        raise ValueError(
            f"shared/world/sectors/{sector}.yaml declares {again}: the world's shared values "
            "(shared/world/damage.yaml constants) give them"
        )
    parsed = model.model_validate({**raw, **common})
    _PARSED[key] = (world, parsed)
    return parsed
