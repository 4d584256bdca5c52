"""The water sector's works: reservoirs, flood storage areas and levees (``water.yaml``).

The water service (through its adapter) and the simulator's water plug-in both read them from
the ``World`` they are given, so a reservoir, a storage area or a levee has the same id, city and
figures on both sides.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.world import World
from shared.world.sectors import section

_CODE = r"^36\d{4}$"


class Reservoir(BaseModel):
    """A flood-control reservoir on one of the five rivers' catchments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=32)
    name_zh: str
    name_en: str
    city: str = Field(pattern=_CODE)
    river: str = Field(min_length=1, description="The rivers.yaml catchment that feeds it")
    catchment_km2: float = Field(gt=0)
    total_storage_1e8m3: float = Field(gt=0)
    flood_storage_1e8m3: float = Field(gt=0, description="Between flood-limit and flood-high")
    normal_level_m: float
    flood_limit_level_m: float
    max_discharge_m3s: float = Field(gt=0, description="Safe discharge to the reach below")
    pre_release_1e8m3: float = Field(gt=0, description="Room a pre-release makes")
    protects: tuple[str, ...] = Field(min_length=1, description="Cities downstream (riverside)")

    @model_validator(mode="after")
    def _levels(self) -> Reservoir:
        if self.flood_limit_level_m > self.normal_level_m:
            raise ValueError(f"{self.id}: the flood-limit level is above the normal level")
        if self.pre_release_1e8m3 > self.flood_storage_1e8m3:
            raise ValueError(f"{self.id}: a pre-release larger than the flood storage")
        return self


class StorageArea(BaseModel):
    """A national flood storage area (蓄滞洪区) by the lake."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=32)
    name_zh: str
    name_en: str
    city: str = Field(pattern=_CODE)
    area_km2: float = Field(gt=0)
    storage_1e8m3: float = Field(gt=0)
    people: int = Field(ge=0)
    farmland_mu: float = Field(ge=0)
    design_gauge: str = Field(min_length=1, description="The lake gauge its use is judged on")
    design_level_m: float = Field(description="The lake level at which it is used (启用)")
    lake_drop_m: float = Field(gt=0, description="How far filling it lowers the lake")


class Levee(BaseModel):
    """The levees one city patrols and reinforces (its km: the city's ``levee_km``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=32)
    name_zh: str
    name_en: str
    city: str = Field(pattern=_CODE)


class WaterWorks(BaseModel):
    """Everything in ``water.yaml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reservoirs: tuple[Reservoir, ...]
    storage_areas: tuple[StorageArea, ...]
    levees: tuple[Levee, ...]

    @model_validator(mode="after")
    def _unique(self) -> WaterWorks:
        ids = [r.id for r in self.reservoirs]
        ids += [a.id for a in self.storage_areas] + [v.id for v in self.levees]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"water works named twice: {twice}")
        return self

    def reservoir(self, reservoir_id: str) -> Reservoir:
        """The reservoir with this id."""
        for r in self.reservoirs:
            if r.id == reservoir_id:
                return r
        raise KeyError(f"unknown reservoir {reservoir_id!r}")

    def upstream_of(self, city: str) -> tuple[Reservoir, ...]:
        """The reservoirs whose release reaches ``city``'s riverside land."""
        return tuple(r for r in self.reservoirs if city in r.protects)


def works(world: World) -> WaterWorks:
    """``world``'s water works, validated once per world."""
    return section(world, "water", WaterWorks)
