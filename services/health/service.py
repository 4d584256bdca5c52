"""The manifest of the health service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.health import api, streams
from services.health.domain import Site, SiteModel, SiteRules
from shared.contracts.envelope import Mode
from shared.contracts.health import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world

DATA_DIR = Path(__file__).resolve().parent / "data"


class HealthSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_HEALTH_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_HEALTH_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> SiteRules:
    """Read and validate a rules file."""
    return SiteRules.model_validate(read_yaml(path))


def sites_of(world: World) -> list[Site]:
    """The sector's sites: one per city (the simulator's plug-in places the same ones)."""
    return [Site(f"health-{c.code}", c.code) for c in world.cities]


def new_models(settings: HealthSettings) -> Paired[SiteModel]:
    """The service's state: a siloed and a fused model over the same rules and sites."""
    rules, sites = load_rules(settings.rules_path), sites_of(load_world())
    return Paired(
        siloed=SiteModel(mode=Mode.SILOED, rules=rules, sites=sites),
        fused=SiteModel(mode=Mode.FUSED, rules=rules, sites=sites),
    )


MANIFEST: Manifest[Paired[SiteModel]] = Manifest(
    name="health",
    port=8110,
    settings=HealthSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions,),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description="health: sensors (fused: warnings) in; protections out.",
    data_files=("services/health/data/rules.yaml",),
)
