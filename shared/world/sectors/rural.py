"""The rural sector's world data (``rural.yaml``): the villages in each city's hazard zones.

Both the rural service (through its adapter) and the simulator's rural plug-in read it from the
``World`` they are given, and both compute a city's flash-flood index with ``flash_index``, so
the truth and the service's reading of its own gauges use one threshold curve. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import RegionCode
from shared.world import World
from shared.world.sectors import section


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HazardZone(_Frozen):
    """A city's villages in mapped flash-flood danger zones and at geological-hazard points."""

    city: RegionCode
    villages: int = Field(ge=0, description="Natural villages in the danger zones")
    people: int = Field(ge=0, description="People threatened in the zones")
    dangerous_houses: int = Field(ge=0, description="C- and D-class houses (危房) in the zones")
    hazard_points: int = Field(ge=0, description="Geological-hazard points the monitors watch")
    patrol_crews: int = Field(ge=0, description="Crews that patrol the points (about 20 a day)")
    grid_workers: int = Field(ge=0, description="Grid workers (网格员) who report from the zones")


class RuralWorld(_Frozen):
    """The whole of ``rural.yaml``, with the flash-flood index's arithmetic."""

    vsl_yuan: float = Field(gt=0, description="The value of a statistical life")
    house_yuan: float = Field(gt=0, description="A rural house with its contents")
    people_per_house: float = Field(gt=0)
    critical_3h_mm: float = Field(gt=0, description="Critical 3-h rain of the city's hills")
    critical_24h_mm: float = Field(gt=0, description="Critical 24-h rain of the city's hills")
    zones: tuple[HazardZone, ...]

    @model_validator(mode="after")
    def _every_city_once(self) -> RuralWorld:
        codes = [z.city for z in self.zones]
        if len(codes) != len(set(codes)):
            raise ValueError("rural.yaml: a city is listed twice")
        return self

    def zone(self, code: str) -> HazardZone | None:
        """City ``code``'s hazard zones (None when it has none listed)."""
        return next((z for z in self.zones if z.city == code), None)

    def houses(self, zone: HazardZone) -> float:
        """The houses in ``zone``: its people by household."""
        return zone.people / self.people_per_house

    def index(self, rain_3h_mm: float, rain_24h_mm: float) -> float:
        """The flash-flood index of rain over a city's hills: the larger of its 3-h and 24-h
        rain over their critical amounts (1 at the critical rainfall)."""
        return max(rain_3h_mm / self.critical_3h_mm, rain_24h_mm / self.critical_24h_mm)

    def flash_index(self, rain_hourly: Sequence[float]) -> list[float]:
        """The index at every hour of an hourly rain series (rolling 3-h and 24-h sums)."""
        out: list[float] = []
        r3 = r24 = 0.0
        for i, r in enumerate(rain_hourly):
            r3 += r - (rain_hourly[i - 3] if i >= 3 else 0.0)
            r24 += r - (rain_hourly[i - 24] if i >= 24 else 0.0)
            out.append(self.index(max(0.0, r3), max(0.0, r24)))
        return out


def villages(world: World) -> RuralWorld:
    """``world``'s rural data."""
    vsl = world.damage.constants.value_of_statistical_life_yuan
    return section(world, "rural", RuralWorld, vsl_yuan=vsl)
