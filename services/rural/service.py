"""The manifest of the rural service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.rural import api, streams
from services.rural.domain import RuralRules, Zone, ZoneModel
from shared.contracts.envelope import Mode
from shared.contracts.rural import SECTOR, RuralAction
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import World, load_world
from shared.world.costs import CostSpec, Per
from shared.world.sectors.rural import villages

DATA_DIR = Path(__file__).resolve().parent / "data"

#: What each action is counted in (the simulator's plug-in counts the same units).
UNITS: dict[RuralAction, Per] = {
    RuralAction.RELOCATE_VILLAGERS: Per.PERSON,
    RuralAction.PATROL_HAZARD_POINTS: Per.CREW,
}


class RuralSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_RURAL_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_RURAL_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> RuralRules:
    """Read and validate a rules file."""
    return RuralRules.model_validate(read_yaml(path))


def prices(world: World) -> dict[RuralAction, CostSpec]:
    """Each action's price in ``shared/world/actions.yaml``, in the units it is counted in."""
    out: dict[RuralAction, CostSpec] = {}
    for action, per in UNITS.items():
        spec = world.price(action.value, per)
        if spec is None:
            raise ValueError(f"actions.yaml has no price of {action.value} per {per.value}")
        out[action] = spec
    return out


def zones_of(world: World) -> list[Zone]:
    """Every city's hazard zones as the models see them (the plug-in places the same ones)."""
    return [
        Zone(
            code=z.city,
            people=z.people,
            villages=z.villages,
            dangerous_houses=z.dangerous_houses,
            hazard_points=z.hazard_points,
            patrol_crews=z.patrol_crews,
            grid_workers=z.grid_workers,
        )
        for z in villages(world).zones
        if z.people > 0
    ]


def new_models(settings: RuralSettings) -> Paired[ZoneModel]:
    """The service's state: a siloed and a fused model over the same rules, zones and ledger."""
    world = load_world()
    rules, rw, zones, priced = (
        load_rules(settings.rules_path),
        villages(world),
        zones_of(world),
        prices(world),
    )
    ledger = SituationLedger()
    return Paired(
        siloed=ZoneModel(
            mode=Mode.SILOED, rules=rules, world=rw, zones=zones, prices=priced, ledger=ledger
        ),
        fused=ZoneModel(
            mode=Mode.FUSED, rules=rules, world=rw, zones=zones, prices=priced, ledger=ledger
        ),
    )


MANIFEST: Manifest[Paired[ZoneModel]] = Manifest(
    name="rural",
    port=8112,
    settings=RuralSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions, api.views),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "rural: the hills' village rain gauges, grid workers' reports and warnings (fused: "
        "forecasts, emergency responses) in; relocations and hazard-point patrols out."
    ),
    data_files=("services/rural/data/rules.yaml", "shared/world/sectors/rural.yaml"),
)
