"""The weather service's manifest: stations and forecasts in, CMA warnings (CAP 1.2) out."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.weather import api, streams
from services.weather.domain import Catalogue, Text, WarningEngine, parse_areas
from shared.contracts.weather import SECTOR
from shared.datafile import read_yaml
from shared.runtime import Manifest
from shared.settings import ServiceSettings

DATA_DIR = Path(__file__).resolve().parent / "data"


class WeatherSettings(ServiceSettings):
    """Settings of the weather service (``DEXSIM_WEATHER_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_WEATHER_", frozen=True, extra="ignore")

    signals_path: Path = Field(
        default=DATA_DIR / "cma_signals.yaml",
        description="CMA warning criteria, CAP mapping and texts (DEXSIM_WEATHER_SIGNALS_PATH)",
    )
    areas_path: Path = Field(
        default=DATA_DIR / "areas.yaml", description="Area names in both languages"
    )


def load_catalogue(path: Path) -> Catalogue:
    """Read and validate a signal catalogue file."""
    return Catalogue.model_validate(read_yaml(path))


def load_areas(path: Path) -> dict[str, Text]:
    """Read the area names file."""
    return parse_areas(read_yaml(path))


def new_engine(settings: WeatherSettings) -> WarningEngine:
    """The service's state: one warning engine, with the catalogue and area names it reads."""
    catalogue = load_catalogue(settings.signals_path)
    return WarningEngine(catalogue=catalogue, areas=load_areas(settings.areas_path))


MANIFEST: Manifest[WarningEngine] = Manifest(
    name="weather",
    port=8101,
    settings=WeatherSettings,
    state=new_engine,
    agents=(streams.WARN,),
    routers=(api.warnings,),
    ingest=(api.OBSERVATIONS,),
    load=(api.LOAD,),
    sector=SECTOR,
    description="Station observations and forecasts in; CMA warning signals (CAP 1.2) out.",
    data_files=("services/weather/data/cma_signals.yaml", "services/weather/data/areas.yaml"),
)
