"""The manifest of the energy service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.energy import api, streams
from services.energy.domain import CityGrid, EnergyRules, GridModel
from shared.contracts.energy import SECTOR, EnergyAction
from shared.contracts.envelope import Mode
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import World, load_world
from shared.world.costs import CostSpec, Per
from shared.world.sectors.energy import grid

DATA_DIR = Path(__file__).resolve().parent / "data"

#: What each action is counted in (the simulator's plug-in counts the same units).
UNITS: dict[EnergyAction, Per] = {
    EnergyAction.DEICE_POWER_LINES: Per.CREW,
    EnergyAction.SHUTDOWN_TURBINES: Per.FACILITY,
    EnergyAction.SCHEDULE_RESERVE: Per.FACILITY,
    EnergyAction.ORDERLY_POWER_USE: Per.FACILITY,
}


class EnergySettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_ENERGY_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_ENERGY_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> EnergyRules:
    """Read and validate a rules file."""
    return EnergyRules.model_validate(read_yaml(path))


def prices(world: World) -> dict[EnergyAction, CostSpec]:
    """Each action's price in ``shared/world/actions.yaml``, in the units it is counted in."""
    out: dict[EnergyAction, CostSpec] = {}
    for action, per in UNITS.items():
        spec = world.price(action.value, per)
        if spec is None:
            raise ValueError(f"actions.yaml has no price of {action.value} per {per.value}")
        out[action] = spec
    return out


def cities_of(world: World) -> list[CityGrid]:
    """Every city's grid as the models see it: what an outage costs, what each action covers."""
    g = grid(world)
    c = world.damage.constants
    crews = {r.city: float(r.line_crews) for r in world.resources}
    out = []
    for city in world.cities:
        wind = g.city(city.code).wind_mw
        out.append(
            CityGrid(
                code=city.code,
                outage_cost_yuan=city.population
                / c.people_per_customer
                * c.outage_cost_yuan_per_customer,
                wind_value_yuan=wind * 1000 * g.turbine_yuan_per_kw,
                units={
                    EnergyAction.DEICE_POWER_LINES: crews.get(city.code, 0.0),
                    EnergyAction.SHUTDOWN_TURBINES: g.blocks(wind) if wind > 0 else 0.0,
                    EnergyAction.SCHEDULE_RESERVE: g.reserve_blocks(city.code),
                    EnergyAction.ORDERLY_POWER_USE: g.reserve_blocks(city.code),
                },
            )
        )
    return out


def new_models(settings: EnergySettings) -> Paired[GridModel]:
    """The service's state: a siloed and a fused model over the same rules, grid and ledger."""
    world = load_world()
    rules, g, cities, priced = (
        load_rules(settings.rules_path),
        grid(world),
        cities_of(world),
        prices(world),
    )
    ledger = SituationLedger()
    return Paired(
        siloed=GridModel(
            mode=Mode.SILOED, rules=rules, grid=g, cities=cities, prices=priced, ledger=ledger
        ),
        fused=GridModel(
            mode=Mode.FUSED, rules=rules, grid=g, cities=cities, prices=priced, ledger=ledger
        ),
    )


MANIFEST: Manifest[Paired[GridModel]] = Manifest(
    name="energy",
    port=8108,
    settings=EnergySettings,
    state=new_models,
    agents=(streams.DISPATCH,),
    routers=(api.decisions, api.views),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "energy: line, turbine and load monitors and warnings (fused: forecasts, road status, "
        "water works, emergency responses) in; de-icing, turbine shutdown, reserve and orderly "
        "power use out."
    ),
    data_files=("services/energy/data/rules.yaml", "shared/world/sectors/energy.yaml"),
)
