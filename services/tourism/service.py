"""The manifest of the tourism service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.tourism import api, streams
from services.tourism.domain import AreaModel, TourismRules
from shared.contracts.envelope import Mode
from shared.contracts.tourism import SECTOR, TourismAction
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.situations import SituationLedger
from shared.world import World, load_world
from shared.world.costs import CostSpec, Per
from shared.world.sectors.tourism import tourism

DATA_DIR = Path(__file__).resolve().parent / "data"

#: What each action is counted in (the simulator's plug-in counts the same units): closing and
#: limiting in blocks of a day's lost revenue, cable cars by the line, advice and landscape
#: forecasts by the area.
UNITS: dict[TourismAction, Per] = {a: Per.FACILITY for a in TourismAction}


class TourismSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_TOURISM_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_TOURISM_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> TourismRules:
    """Read and validate a rules file."""
    return TourismRules.model_validate(read_yaml(path))


def prices(world: World) -> dict[TourismAction, CostSpec]:
    """Each action's price in ``shared/world/actions.yaml``, in the units it is counted in."""
    out: dict[TourismAction, CostSpec] = {}
    for action, per in UNITS.items():
        spec = world.price(action.value, per)
        if spec is None:
            raise ValueError(f"actions.yaml has no price of {action.value} per {per.value}")
        out[action] = spec
    return out


def new_models(settings: TourismSettings) -> Paired[AreaModel]:
    """The service's state: a siloed and a fused model over the same rules, areas and ledger."""
    world = load_world()
    rules, t, priced = load_rules(settings.rules_path), tourism(world), prices(world)
    ledger = SituationLedger()
    return Paired(
        siloed=AreaModel(
            mode=Mode.SILOED,
            rules=rules,
            world=t,
            areas=list(t.areas),
            prices=priced,
            ledger=ledger,
        ),
        fused=AreaModel(
            mode=Mode.FUSED, rules=rules, world=t, areas=list(t.areas), prices=priced, ledger=ledger
        ),
    )


MANIFEST: Manifest[Paired[AreaModel]] = Manifest(
    name="tourism",
    port=8109,
    settings=TourismSettings,
    state=new_models,
    agents=(streams.PROTECT,),
    routers=(api.decisions, api.views),
    ingest=(api.READINGS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "tourism: scenic areas' stations, road sensors, gates and webcams and warnings (fused: "
        "forecasts, road status) in; closures, visitor limits, cable-car stops, advice and "
        "landscape forecasts out."
    ),
    data_files=("services/tourism/data/rules.yaml", "shared/world/sectors/tourism.yaml"),
)
