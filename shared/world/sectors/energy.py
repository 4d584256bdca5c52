"""The energy sector's world data (``energy.yaml``): corridors, wind farms, solar, the load curve.

Both the energy service (through its adapter) and the simulator's energy plug-in read it from
the ``World`` they are given, and both compute a city's load and capacity with ``GridWorld``'s
methods, so the truth and the service's estimate of it use one load model. Pure: no I/O.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import RegionCode
from shared.world import World
from shared.world.sectors import section


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Corridor(_Frozen):
    """One main line corridor of a city: its voltage, length and ice design class."""

    id: str = Field(min_length=1, max_length=48)
    city: RegionCode
    kv: int = Field(ge=110, le=1000)
    km: float = Field(gt=0)
    design_ice_mm: float = Field(gt=0, le=60, description="GB 50545 / DL/T 5440 ice class")


class CityGrid(_Frozen):
    """A city's renewable capacity: wind on its ridges and solar."""

    code: RegionCode
    wind_mw: float = Field(ge=0)
    solar_mw: float = Field(ge=0)


class LoadModel(_Frozen):
    """The province's load curve and its temperature sensitivity, and its firm capacity."""

    base_peak_mw: float = Field(gt=0)
    comfort_temp_c: float
    mw_per_degc: float = Field(ge=0)
    firm_available_mw: float = Field(gt=0)
    hourly_shape: tuple[float, ...] = Field(min_length=24, max_length=24)
    solar_profile: tuple[float, ...] = Field(min_length=24, max_length=24)

    @model_validator(mode="after")
    def _shares(self) -> LoadModel:
        if any(not 0 <= s <= 1 for s in self.hourly_shape + self.solar_profile):
            raise ValueError("hourly_shape and solar_profile are shares between 0 and 1")
        return self


class GridWorld(_Frozen):
    """The whole of ``energy.yaml``, with the load model's arithmetic."""

    value_of_lost_load_yuan_per_kwh: float = Field(gt=0)
    turbine_yuan_per_kw: float = Field(gt=0)
    block_mw: float = Field(gt=0)
    load: LoadModel
    cities: tuple[CityGrid, ...]
    corridors: tuple[Corridor, ...]
    #: Each city's share of the province's load (filled by ``grid`` from the world's populations).
    load_shares: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_city_once(self) -> GridWorld:
        codes = [c.code for c in self.cities]
        if len(codes) != len(set(codes)):
            raise ValueError("energy.yaml: a city is listed twice")
        ids = [c.id for c in self.corridors]
        if len(ids) != len(set(ids)):
            raise ValueError("energy.yaml: a corridor id is listed twice")
        missing = {c.city for c in self.corridors} - set(codes)
        if missing:
            raise ValueError(f"energy.yaml: corridors in cities not listed: {sorted(missing)}")
        return self

    def city(self, code: str) -> CityGrid:
        """City ``code``'s renewables (none when it is not listed)."""
        for c in self.cities:
            if c.code == code:
                return c
        return CityGrid(code=code, wind_mw=0, solar_mw=0)

    def corridors_of(self, code: str) -> tuple[Corridor, ...]:
        """City ``code``'s main corridors."""
        return tuple(c for c in self.corridors if c.city == code)

    def weakest_design_mm(self, code: str) -> float:
        """The lowest ice design class among ``code``'s corridors: the first to fail."""
        designs = [c.design_ice_mm for c in self.corridors_of(code)]
        if not designs:
            raise KeyError(f"no corridors in city {code}")
        return min(designs)

    def load_mw(self, code: str, temp_c: float, local_hour: int) -> float:
        """City ``code``'s load at ``temp_c`` in local hour ``local_hour``: its share of the
        base curve plus the cooling load above comfort."""
        m = self.load
        cooling = m.mw_per_degc * max(0.0, temp_c - m.comfort_temp_c)
        return self.load_shares.get(code, 0.0) * (
            m.base_peak_mw * m.hourly_shape[local_hour % 24] + cooling
        )

    def available_mw(self, code: str, local_hour: int) -> float:
        """The capacity available to city ``code`` in local hour ``local_hour``: its share of the
        firm capacity and its own solar output."""
        m = self.load
        solar = self.city(code).solar_mw * m.solar_profile[local_hour % 24]
        return self.load_shares.get(code, 0.0) * m.firm_available_mw + solar

    def blocks(self, mw: float) -> float:
        """``mw`` in the blocks the prices count (at least one)."""
        return max(1.0, round(mw / self.block_mw, 2))

    def reserve_blocks(self, code: str) -> float:
        """The reserve or curtailment a city would schedule for a heat peak: a tenth of its
        share of the base peak (?, the margin a record heat peak can lack)."""
        return self.blocks(0.1 * self.load_shares.get(code, 0.0) * self.load.base_peak_mw)


def grid(world: World) -> GridWorld:
    """``world``'s energy data, with each city's load share by population (?)."""
    parsed = section(world, "energy", GridWorld)
    if not parsed.load_shares:
        total = sum(c.pop_m for c in world.cities)
        shares = {c.code: c.pop_m / total for c in world.cities}
        # The parsed model is cached per world; fill its shares once, in place.
        parsed.load_shares.update(shares)
    return parsed
