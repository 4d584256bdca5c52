"""The manifest of the rural service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.rural import api, streams
from services.rural.domain import Site, SiteModel, SiteRules
from shared.contracts.envelope import Mode
from shared.contracts.rural import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world

DATA_DIR = Path(__file__).resolve().parent / "data"


class RuralSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_RURAL_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_RURAL_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> SiteRules:
    """Read and validate a rules file."""
    return SiteRules.model_validate(read_yaml(path))


def sites_of(world: World) -> list[Site]:
    """The sector's sites: one per city (the simulator's plug-in places the same ones)."""
    return [Site(f"rural-{c.code}", c.code) for c in world.cities]


def new_models(settings: RuralSettings) -> Paired[SiteModel]:
    """The service's state: a siloed and a fused model over the same rules and sites."""
    rules, sites = load_rules(settings.rules_path), sites_of(load_world())
    return Paired(
        siloed=SiteModel(mode=Mode.SILOED, rules=rules, sites=sites),
        fused=SiteModel(mode=Mode.FUSED, rules=rules, sites=sites),
    )


MANIFEST: Manifest[Paired[SiteModel]] = Manifest(
    name="rural",
    port=8112,
    settings=RuralSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions,),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description="rural: sensors (fused: warnings) in; protections out.",
    data_files=("services/rural/data/rules.yaml",),
)
