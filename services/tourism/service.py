"""The manifest of the tourism service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.tourism import api, streams
from services.tourism.domain import Site, SiteModel, SiteRules
from shared.contracts.envelope import Mode
from shared.contracts.tourism import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world

DATA_DIR = Path(__file__).resolve().parent / "data"


class TourismSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_TOURISM_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_TOURISM_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> SiteRules:
    """Read and validate a rules file."""
    return SiteRules.model_validate(read_yaml(path))


def sites_of(world: World) -> list[Site]:
    """The sector's sites: one per city (the simulator's plug-in places the same ones)."""
    return [Site(f"tourism-{c.code}", c.code) for c in world.cities]


def new_models(settings: TourismSettings) -> Paired[SiteModel]:
    """The service's state: a siloed and a fused model over the same rules and sites."""
    rules, sites = load_rules(settings.rules_path), sites_of(load_world())
    return Paired(
        siloed=SiteModel(mode=Mode.SILOED, rules=rules, sites=sites),
        fused=SiteModel(mode=Mode.FUSED, rules=rules, sites=sites),
    )


MANIFEST: Manifest[Paired[SiteModel]] = Manifest(
    name="tourism",
    port=8109,
    settings=TourismSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions,),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description="tourism: sensors (fused: warnings) in; protections out.",
    data_files=("services/tourism/data/rules.yaml",),
)
