"""The emergency service's manifest: gauges, citizen reports, safety alarms and the public weather
warnings (and, fused, agriculture's advisories and transport's road status) in; response levels
with pre-positioned rescue forces, evacuations and suspended operations out (levees are the water
sector's, power lines the energy sector's)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.emergency import api, streams
from services.emergency.domain import ResponseModel, ResponseRules
from shared.contracts.emergency import SECTOR
from shared.contracts.envelope import Mode
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import load_world

DATA_DIR = Path(__file__).resolve().parent / "data"

#: The rules file shipped with the service.
RULES_FILE = DATA_DIR / "response_rules.yaml"


class EmergencySettings(ServiceSettings):
    """Settings of the emergency service (``DEXSIM_EMERGENCY_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_EMERGENCY_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=RULES_FILE, description="Response-rules file (DEXSIM_EMERGENCY_RULES_PATH)"
    )


def load_rules(path: Path) -> ResponseRules:
    """Read and validate a response-rules file."""
    return ResponseRules.model_validate(read_yaml(path))


def new_models(settings: EmergencySettings) -> Paired[ResponseModel]:
    """The service's state: the siloed and the fused model, with the world and rules they read."""
    world, rules = load_world(), load_rules(settings.rules_path)
    # One ledger for both modes: a situation gets the same decision key in each.
    ledger = SituationLedger()
    return Paired(
        siloed=ResponseModel(Mode.SILOED, world=world, rules=rules, ledger=ledger, defer=True),
        fused=ResponseModel(Mode.FUSED, world=world, rules=rules, ledger=ledger, defer=True),
    )


MANIFEST: Manifest[Paired[ResponseModel]] = Manifest(
    name="emergency",
    port=8104,
    settings=EmergencySettings,
    state=new_models,
    agents=(streams.RESPOND,),
    routers=(api.responses_router, api.resources_router, api.incidents_router),
    ingest=(api.REPORTS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "Gauges, citizen reports, safety alarms and public weather warnings (and, fused, "
        "agriculture advisories and road status) in; response levels with pre-positioned rescue "
        "forces, evacuations and suspended operations out."
    ),
    data_files=("services/emergency/data/response_rules.yaml",),
)
