"""The manifest of the health service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.health import api, streams
from services.health.domain import CityHealth, HealthModel, HealthRules
from shared.contracts.envelope import Mode
from shared.contracts.health import SECTOR, HealthAction
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import World, load_world
from shared.world.costs import CostSpec, Per
from shared.world.sectors.health import health

DATA_DIR = Path(__file__).resolve().parent / "data"

#: What each action is counted in (the simulator's plug-in counts the same units).
UNITS: dict[HealthAction, Per] = {
    HealthAction.SURGE_STAFFING: Per.CREW,
    HealthAction.OPEN_COOLING_CENTRES: Per.FACILITY,
    HealthAction.ELDERLY_OUTREACH: Per.CREW,
    HealthAction.TRANSFER_PATIENTS: Per.PERSON,
}


class HealthSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_HEALTH_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_HEALTH_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> HealthRules:
    """Read and validate a rules file."""
    return HealthRules.model_validate(read_yaml(path))


def prices(world: World) -> dict[HealthAction, CostSpec]:
    """Each action's price in ``shared/world/actions.yaml``, in the units it is counted in."""
    out: dict[HealthAction, CostSpec] = {}
    for action, per in UNITS.items():
        spec = world.price(action.value, per)
        if spec is None:
            raise ValueError(f"actions.yaml has no price of {action.value} per {per.value}")
        out[action] = spec
    return out


def cities_of(world: World) -> list[CityHealth]:
    """Every city as the models see it: its baseline deaths, what each action covers, and the
    patients of its flood zones."""
    h = health(world)
    out = []
    for city in world.cities:
        zones = h.patient_zones(city)
        patients = sum(z.patients for z in zones)
        units = dict(h.action_units(city))
        units[HealthAction.TRANSFER_PATIENTS] = float(patients)
        out.append(
            CityHealth(
                code=city.code,
                pop_m=city.pop_m,
                baseline_deaths_per_day=h.baseline_deaths_per_day(city.population),
                climate_offset_c=city.climate_offset_c,
                units=units,
                zones=tuple(z.asset_id for z in zones),
                patients=patients,
            )
        )
    return out


def new_models(settings: HealthSettings) -> Paired[HealthModel]:
    """The service's state: a siloed and a fused model over the same rules, world and ledger."""
    world = load_world()
    rules, h, cities, priced = (
        load_rules(settings.rules_path),
        health(world),
        cities_of(world),
        prices(world),
    )
    ledger = SituationLedger()
    return Paired(
        siloed=HealthModel(
            mode=Mode.SILOED, rules=rules, world=h, cities=cities, prices=priced, ledger=ledger
        ),
        fused=HealthModel(
            mode=Mode.FUSED, rules=rules, world=h, cities=cities, prices=priced, ledger=ledger
        ),
    )


MANIFEST: Manifest[Paired[HealthModel]] = Manifest(
    name="health",
    port=8110,
    settings=HealthSettings,
    state=new_models,
    agents=(streams.CARE,),
    routers=(api.decisions, api.views),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "health: heat-illness surveillance, patients cut off and warnings (fused: forecasts, "
        "emergency evacuations, energy's orderly power use, road status) in; surge staffing, "
        "cooling centres, outreach to the elderly and patient transfers out."
    ),
    data_files=("services/health/data/rules.yaml", "shared/world/sectors/health.yaml"),
)
