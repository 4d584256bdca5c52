"""The manifest of the finance service."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.finance import api, streams
from services.finance.domain import Book, FinanceModel, FinanceRules, IndexStation
from shared.contracts.envelope import Mode
from shared.contracts.finance import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest, Paired
from shared.settings import ServiceSettings
from shared.world import World, load_world
from shared.world.sectors.finance import finance_data, index_station, loan_books, pools

DATA_DIR = Path(__file__).resolve().parent / "data"


class FinanceSettings(ServiceSettings):
    """Its settings: environment variables ``DEXSIM_FINANCE_*``."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_FINANCE_", frozen=True, extra="ignore")

    rules_path: Path = Field(default=DATA_DIR / "rules.yaml", description="The service's rules")


def load_rules(path: Path) -> FinanceRules:
    """Read and validate a rules file."""
    return FinanceRules.model_validate(read_yaml(path))


def book_of(world: World) -> Book:
    """The sector's book in ``world``: its pools, loan books, terms and index stations (the
    simulator's plug-in reads the same book)."""
    data = finance_data(world)
    stations = []
    for city in world.cities:
        station = next(s for s in world.stations if s.id == index_station(world, city.code))
        stations.append(IndexStation(station.id, city.code, station.elevation_m))
    return Book(
        pools=tuple(pools(world)),
        loan_books=tuple(loan_books(world)),
        claim_terms=data.claims,
        loan_terms=data.loans,
        stations=tuple(stations),
        calendars=world.calendars,
    )


def new_models(settings: FinanceSettings) -> Paired[FinanceModel]:
    """The service's state: a siloed and a fused model over the same rules and book."""
    rules, book = load_rules(settings.rules_path), book_of(load_world())
    return Paired(
        siloed=FinanceModel(mode=Mode.SILOED, rules=rules, book=book),
        fused=FinanceModel(mode=Mode.FUSED, rules=rules, book=book),
    )


MANIFEST: Manifest[Paired[FinanceModel]] = Manifest(
    name="finance",
    port=8107,
    settings=FinanceSettings,
    state=new_models,
    agents=(streams.DECIDE,),
    routers=(api.views,),
    ingest=(api.CLAIMS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description=(
        "finance: claims filed, repayments, warnings (fused: station readings, advisories, "
        "responses) in; claims paid and loans extended out."
    ),
    data_files=("services/finance/data/rules.yaml", "shared/world/sectors/finance.yaml"),
)
