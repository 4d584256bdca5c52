"""The agriculture service's manifest: farm sensors (and, fused, weather) in; advisories out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.agriculture import api, streams
from services.agriculture.domain import AgricultureModel, CropRules, parse_crop_rules
from shared.contracts.agriculture import SECTOR
from shared.contracts.envelope import Mode
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world

DATA_DIR = Path(__file__).resolve().parent / "data"


class AgricultureSettings(ServiceSettings):
    """Settings of the agriculture service (``DEXSIM_AGRICULTURE_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_AGRICULTURE_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=DATA_DIR / "crop_rules.yaml",
        description="Crop-risk rules file (DEXSIM_AGRICULTURE_RULES_PATH)",
    )


def load_crop_rules(path: Path) -> CropRules:
    """Read and validate a crop-rules file."""
    return parse_crop_rules(read_yaml(path))


def paired_models(rules: CropRules, world: World) -> Paired[AgricultureModel]:
    """A siloed and a fused model over the same rules and world."""
    return Paired(
        siloed=AgricultureModel(mode=Mode.SILOED, rules=rules, world=world, defer=True),
        fused=AgricultureModel(mode=Mode.FUSED, rules=rules, world=world, defer=True),
    )


def new_models(settings: AgricultureSettings) -> Paired[AgricultureModel]:
    """The service's state: both models, with the rules file and the world they read."""
    return paired_models(load_crop_rules(settings.rules_path), load_world())


MANIFEST: Manifest[Paired[AgricultureModel]] = Manifest(
    name="agriculture",
    port=8102,
    settings=AgricultureSettings,
    state=new_models,
    agents=(streams.ADVISE,),
    routers=(api.risks, api.advisories),
    ingest=(api.FARM_READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description="Farm sensors (and, fused, weather warnings and forecasts) in; advisories out.",
    data_files=("services/agriculture/data/crop_rules.yaml",),
)
