"""The manifest of the water service: its stations' readings and the public warnings (and,
fused, weather's forecasts, agriculture's advisories, emergency's responses and transport's road
status) in; pre-releases, levee patrols and reinforcements and storage-area openings out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.water import api, streams
from services.water.domain import WaterModel, WaterRules
from shared.contracts.envelope import Mode
from shared.contracts.water import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.sectors.water import works

DATA_DIR = Path(__file__).resolve().parent / "data"


class WaterSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_WATER_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_WATER_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=DATA_DIR / "rules.yaml", description="The service's rules (DEXSIM_WATER_RULES_PATH)"
    )


def load_rules(path: Path) -> WaterRules:
    """Read and validate a rules file."""
    return WaterRules.model_validate(read_yaml(path))


def new_models(settings: WaterSettings) -> Paired[WaterModel]:
    """The service's state: a siloed and a fused model over the same world, works and rules."""
    world, rules = load_world(), load_rules(settings.rules_path)
    # One ledger for both modes: a situation gets the same decision key in each.
    ledger = SituationLedger()
    return Paired(
        siloed=WaterModel(Mode.SILOED, world=world, works=works(world), rules=rules, ledger=ledger),
        fused=WaterModel(Mode.FUSED, world=world, works=works(world), rules=rules, ledger=ledger),
    )


MANIFEST: Manifest[Paired[WaterModel]] = Manifest(
    name="water",
    port=8106,
    settings=WaterSettings,
    state=new_models,
    agents=(streams.CONTROL,),
    routers=(api.decisions, api.works_router),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "Reservoir levels and inflows and gauge stages (and, fused, forecasts, advisories, "
        "responses and road status) in; pre-releases, levee patrols and reinforcements and "
        "storage-area openings out."
    ),
    data_files=("services/water/data/rules.yaml", "shared/world/sectors/water.yaml"),
)
