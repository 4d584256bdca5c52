"""The energy sector's world: the grid's customers, load areas and wind farms, and its monitors.

Assets (one of each kind per scenario city, from ``shared/world/sectors/energy.yaml``):

- ``grid``: a city's electricity customers (its people), cut off when ice on its weakest main
  corridor passes that corridor's design class (``power-line-icing`` in
  ``shared/world/damage.yaml``, calibrated to 2008); de-icing is counted in the city's
  ``line_crews`` (``shared/world/resources.yaml``);
- ``load_area``: a city's load against the capacity available to it; when the load exceeds it
  in a heat peak the shortfall is shed, and every ``UNSERVED_STEP_MWH`` of unserved energy costs
  that energy at the value of lost load (``heat-unserved-energy``, below); reserve and orderly
  power use are counted in blocks of ``block_mw``;
- ``wind_farm``: a city's mountain wind farms, damaged by rime and glaze on blades and towers
  (``turbine-icing`` in damage.yaml); a shutdown is counted in blocks of turbines.

Sensors (``energy.observations.v1``, every hour, with loss and delay): an ice-thickness and
tension monitor on each main corridor, an icing sensor on each wind farm, and each city's load
metering (its load and the capacity available), all from the true fields with noise.
"""

from __future__ import annotations

import math

from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    CodedRule,
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
)
from shared.contracts.energy import (
    ENERGY_OBSERVATIONS,
    SECTOR,
    EnergyAction,
    GridReading,
    SiteKind,
)
from shared.contracts.simulator import HazardKind
from shared.world import DamageRule
from shared.world.costs import Per
from shared.world.sectors.energy import grid

#: Unserved energy is counted in steps of this many MWh (each step one impact), up to
#: ``UNSERVED_STEPS`` of them per city and run: a resolution of ¥6 million at ¥30 a kWh.
UNSERVED_STEP_MWH = 200.0
UNSERVED_STEPS = 150
#: Conductor tension with no ice, and its rise per mm of radial ice (?, a 400 mm2 conductor on a
#: 400 m span: tens of kN, growing with the ice's weight).
TENSION_BASE_KN = 30.0
TENSION_KN_PER_MM = 1.6


def customers(state: WorldState) -> list[Asset]:
    """Every scenario city's electricity customers (its people), by the line crews it has."""
    world = state.world
    crews = {r.city: r.line_crews for r in world.resources}
    per_person = world.damage.constants.asset_yuan_per_person
    return [
        Asset(
            id=f"grid-{city.code}",
            kind="grid",
            region=city.code,
            value_yuan=city.population * per_person,
            people=city.population,
            lat=city.lat,
            units={
                EnergyAction.DEICE_POWER_LINES.value: (Per.CREW, float(crews.get(city.code, 0)))
            },
        )
        for city in world.cities
        if city.code in state.cities
    ]


def load_areas(state: WorldState) -> list[Asset]:
    """Every scenario city's load area: the unserved energy it can suffer, at the value of lost
    load, and the blocks of reserve or curtailment a heat peak would take."""
    world = state.world
    g = grid(world)
    value = UNSERVED_STEPS * UNSERVED_STEP_MWH * 1000 * g.value_of_lost_load_yuan_per_kwh
    out = []
    for code in sorted(state.cities):
        blocks = g.reserve_blocks(code)
        out.append(
            Asset(
                id=f"load-{code}",
                kind="load_area",
                region=code,
                value_yuan=value,
                people=0,
                lat=world.city(code).lat,
                units={
                    EnergyAction.SCHEDULE_RESERVE.value: (Per.FACILITY, blocks),
                    EnergyAction.ORDERLY_POWER_USE.value: (Per.FACILITY, blocks),
                },
            )
        )
    return out


def wind_farms(state: WorldState) -> list[Asset]:
    """Every scenario city's wind farms (one asset per city that has turbines)."""
    world = state.world
    g = grid(world)
    out = []
    for code in sorted(state.cities):
        mw = g.city(code).wind_mw
        if mw <= 0:
            continue
        out.append(
            Asset(
                id=f"wind-{code}",
                kind="wind_farm",
                region=code,
                value_yuan=mw * 1000 * g.turbine_yuan_per_kw,
                people=0,
                lat=world.city(code).lat,
                units={EnergyAction.SHUTDOWN_TURBINES.value: (Per.FACILITY, g.blocks(mw))},
            )
        )
    return out


def ice_design_ratio(series: Series, asset: Asset) -> list[float]:
    """Ice on the city's lines as a multiple of its weakest corridor's design class."""
    design = grid(series.world).weakest_design_mm(asset.region)
    return [ice / design for ice in series.state.cities[asset.region].ice_mm]


def unserved_mwh(series: Series, asset: Asset) -> list[float]:
    """The city's unserved energy since the run began (MWh): load above capacity, hourly."""
    s, g, code = series.state, grid(series.world), asset.region
    temps = s.cities[code].temp
    total, out = 0.0, []
    for i, hour in enumerate(s.local_hours):
        total += max(0.0, g.load_mw(code, temps[i], hour) - g.available_mw(code, hour))
        out.append(total)
    return out


class GridSensors:
    """The grid's monitors: corridor ice and tension, turbine icing, city load metering."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("energy_grid", SensorNoise)
        self.grid = grid(run.state.world)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every monitor of the scenario's cities at hour ``i``."""
        rng, noise, s, g = self.run.rng, self.noise, self.run.state, self.grid
        for code in sorted(s.cities):
            ice = s.cities[code].ice_mm[i]
            sites: list[tuple[str, SiteKind]] = [
                (c.id, SiteKind.CORRIDOR) for c in g.corridors_of(code)
            ]
            if g.city(code).wind_mw > 0:
                sites.append((f"wind-{code}", SiteKind.WIND_FARM))
            for site_id, kind in sites:
                late = delay(rng, noise)
                if late is None:
                    continue
                # A monitor reads ice to about a millimetre, more loosely as it grows.
                measured = clip(ice + rng.gauss(0, noise.sd("ice_sd_mm") + 0.05 * ice), 0, 500)
                tension = (
                    round(TENSION_BASE_KN + TENSION_KN_PER_MM * measured, 1)
                    if kind is SiteKind.CORRIDOR
                    else None
                )
                emit(
                    i + late,
                    GridReading(
                        event_id=self.run.event_id("energy", site_id, i),
                        occurred_at=s.times[i],
                        source=SOURCE,
                        region=code,
                        site_id=site_id,
                        kind=kind,
                        ice_mm=round(measured, 1),
                        tension_kn=tension,
                    ),
                )
            late = delay(rng, noise)
            if late is None:
                continue
            hour = s.local_hours[i]
            load = g.load_mw(code, s.cities[code].temp[i], hour)
            load *= math.exp(rng.gauss(0, noise.sd("load_rel_sd")))
            emit(
                i + late,
                GridReading(
                    event_id=self.run.event_id("energy", f"load-{code}", i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=code,
                    site_id=f"load-{code}",
                    kind=SiteKind.LOAD_AREA,
                    load_mw=round(load, 1),
                    available_mw=round(g.available_mw(code, hour), 1),
                ),
            )


#: The unserved-energy rule: each step of ``UNSERVED_STEP_MWH`` is one impact at the value of
#: lost load; reserve avoids most of it, orderly power use (planned curtailment of interruptible
#: industry, sparing hospitals, pumping and water works) less.
HEAT_UNSERVED = DamageRule(
    id="heat-unserved-energy",
    sector=SECTOR.name,
    impact="unserved_energy",
    direct=False,
    hazards=(HazardKind.HEAT_WAVE,),
    asset="load_area",
    variable="unserved_mwh",
    op="ge",
    threshold=UNSERVED_STEP_MWH,
    unit="hour",
    mode="peak",
    steps=tuple((k * UNSERVED_STEP_MWH, k / UNSERVED_STEPS) for k in range(1, UNSERVED_STEPS + 1)),
    mitigations=(
        {"action": EnergyAction.SCHEDULE_RESERVE.value, "avoid_share": 0.9, "lead_h": 24},
        {"action": EnergyAction.ORDERLY_POWER_USE.value, "avoid_share": 0.6, "lead_h": 12},
    ),
)

PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(kind="grid", assets=customers, variables={"ice_design_ratio": ice_design_ratio}),
        Exposure(kind="load_area", assets=load_areas, variables={"unserved_mwh": unserved_mwh}),
        Exposure(kind="wind_farm", assets=wind_farms),
    ),
    sensors=(Sensor(name="energy_grid", topic=ENERGY_OBSERVATIONS, order=100, start=GridSensors),),
    parameters=(
        ModelSection(
            "energy_grid",
            SensorNoise,
            # (?) online line-icing monitors and SCADA metering: few readings lost or late,
            # ice to about a millimetre, load to about 2 %.
            default=SensorNoise(
                drop_p=0.01, delay_p=0.03, delay_max_h=2, ice_sd_mm=1.0, load_rel_sd=0.02
            ),
        ),
    ),
    rules=(
        CodedRule(
            rule=HEAT_UNSERVED,
            source=(
                "load above capacity in a heat peak is shed (load model and capacity in "
                "shared/world/sectors/energy.yaml (?)); each 200 MWh unserved costs it at the "
                "value of lost load, ¥30 a kWh (?, Chinese estimates ¥20-60); reserve bought a "
                "day ahead (inter-provincial trading is day-ahead) avoids 90 % (?), orderly power "
                "use with half a day's notice 60 % (?: curtailed industry still loses output)"
            ),
        ),
    ),
)
