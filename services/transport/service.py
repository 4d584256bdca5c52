"""The transport service's manifest: detectors (and, fused, weather and emergency) in; road
controls and road status out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.transport import api, streams
from services.transport.domain import RoadModel, RoadRules, SituationLedger
from shared.contracts.envelope import Mode
from shared.contracts.transport import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world

DATA_DIR = Path(__file__).resolve().parent / "data"


class TransportSettings(ServiceSettings):
    """Settings of the transport service (``DEXSIM_TRANSPORT_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_TRANSPORT_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=DATA_DIR / "road_rules.yaml",
        description="Road-rules file (DEXSIM_TRANSPORT_RULES_PATH)",
    )


def load_rules(path: Path) -> RoadRules:
    """Read and validate a road-rules file."""
    return RoadRules.model_validate(read_yaml(path))


def paired(world: World, rules: RoadRules) -> Paired[RoadModel]:
    """The siloed and the fused road model over one situation ledger."""
    ledger = SituationLedger()
    return Paired(
        siloed=RoadModel(Mode.SILOED, world=world, rules=rules, ledger=ledger),
        fused=RoadModel(Mode.FUSED, world=world, rules=rules, ledger=ledger),
    )


def new_models(settings: TransportSettings) -> Paired[RoadModel]:
    """The service's state: both modes' road models, with the world and the rules file read."""
    return paired(load_world(), load_rules(settings.rules_path))


MANIFEST: Manifest[Paired[RoadModel]] = Manifest(
    name="transport",
    port=8103,
    settings=TransportSettings,
    state=new_models,
    agents=(streams.CONTROL, streams.ACCESS),
    routers=(api.roads, api.controls),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "Expressway detectors (and, fused, weather warnings, forecasts and emergency routes) in; "
        "road controls and road status out."
    ),
    data_files=("services/transport/data/road_rules.yaml",),
)
