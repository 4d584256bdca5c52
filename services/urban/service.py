"""The manifest of the urban service: its drainage zones' sensors and the public warnings (and,
fused, weather's forecasts and the water department's gauge stages) in; pre-lowering the
network, mobile pumps and sandbags, and underpass closures out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.urban import api, streams
from services.urban.domain import DrainageModel, UrbanRules
from shared.contracts.envelope import Mode
from shared.contracts.urban import SECTOR, UrbanAction
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import World, load_world
from shared.world.costs import CostSpec
from shared.world.sectors.urban import urban

DATA_DIR = Path(__file__).resolve().parent / "data"


class UrbanSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_URBAN_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_URBAN_", frozen=True, extra="ignore")

    rules_path: Path = Field(
        default=DATA_DIR / "rules.yaml", description="The service's rules (DEXSIM_URBAN_RULES_PATH)"
    )


def load_rules(path: Path) -> UrbanRules:
    """Read and validate a rules file."""
    return UrbanRules.model_validate(read_yaml(path))


def prices(world: World) -> dict[UrbanAction, CostSpec]:
    """Each action's price in ``shared/world/actions.yaml``, in the units a zone counts it in."""
    zone = urban(world).zones[0]
    out: dict[UrbanAction, CostSpec] = {}
    for action in UrbanAction:
        per, _ = zone.units(action)
        spec = world.price(action.value, per)
        if spec is None:
            raise ValueError(f"actions.yaml has no price of {action.value} per {per.value}")
        out[action] = spec
    return out


def warning_levels(world: World) -> dict[str, float]:
    """The warning level of every gauge a zone's outfalls are judged by."""
    gauges = {g for z in urban(world).zones for g in z.outfalls}
    return {g: world.gauge(g).warning_m for g in sorted(gauges)}


def new_models(settings: UrbanSettings) -> Paired[DrainageModel]:
    """The service's state: a siloed and a fused model over the same rules, zones and ledger."""
    world = load_world()
    rules, zones, priced, levels = (
        load_rules(settings.rules_path),
        urban(world),
        prices(world),
        warning_levels(world),
    )
    ledger = SituationLedger()
    return Paired(
        siloed=DrainageModel(
            mode=Mode.SILOED,
            rules=rules,
            urban=zones,
            warning_levels=levels,
            prices=priced,
            ledger=ledger,
        ),
        fused=DrainageModel(
            mode=Mode.FUSED,
            rules=rules,
            urban=zones,
            warning_levels=levels,
            prices=priced,
            ledger=ledger,
        ),
    )


MANIFEST: Manifest[Paired[DrainageModel]] = Manifest(
    name="urban",
    port=8111,
    settings=UrbanSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions, api.views),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "urban: drainage sensors and warnings (fused: forecasts, the water department's gauge "
        "stages) in; network pre-lowering, mobile pumps and underpass closures out."
    ),
    data_files=("services/urban/data/rules.yaml", "shared/world/sectors/urban.yaml"),
)
