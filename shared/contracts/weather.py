"""The weather sector's contracts: station observations and forecasts in, CMA warnings out.

Warnings are CMA warning signals shaped like CAP 1.2 alerts: public, received by every agency.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import AwareDatetime, Classification, Event, RegionCode
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec


class SignalType(StrEnum):
    """CMA warning signal types (CMA Order No. 16, 2007)."""

    RAINSTORM = "rainstorm"
    BLIZZARD = "blizzard"
    TYPHOON = "typhoon"
    GALE = "gale"
    COLD_WAVE = "cold_wave"
    HEAT = "heat"
    FOG = "fog"
    HAZE = "haze"
    ROAD_ICING = "road_icing"
    FROST = "frost"
    LIGHTNING = "lightning"
    HAIL = "hail"
    DROUGHT = "drought"


class Colour(StrEnum):
    """Warning colour, lowest to highest."""

    BLUE = "blue"
    YELLOW = "yellow"
    ORANGE = "orange"
    RED = "red"

    @property
    def rank(self) -> int:
        """1 (blue) to 4 (red): a higher rank is a more severe warning."""
        return list(Colour).index(self) + 1


class Basis(StrEnum):
    """What a warning rests on: measurements, or a forecast (the source of lead time)."""

    OBSERVED = "observed"
    FORECAST = "forecast"


class CapArea(BaseModel):
    """CAP ``area``: the description and the GB/T 2260 geocode."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    area_desc: str = Field(min_length=1)
    geocode: RegionCode


class CapInfo(BaseModel):
    """CAP ``info`` block in one language."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    language: str
    category: str
    event: str
    event_code: str
    response_type: str
    urgency: str
    severity: str
    certainty: str
    effective: AwareDatetime
    onset: AwareDatetime
    expires: AwareDatetime
    sender_name: str
    headline: str
    description: str
    instruction: str
    area: CapArea


class CapAlert(BaseModel):
    """CAP 1.2 ``alert`` with the identifier in the GB/T 35965.1 form."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    identifier: str
    sender: str
    sent: AwareDatetime
    status: str
    msg_type: str
    scope: str
    references: tuple[str, ...] = ()
    info: tuple[CapInfo, ...] = Field(min_length=1)


class WarningIssued(Event):
    """A warning signal was issued, upgraded (Update) or cancelled (Cancel) for one city."""

    EVENT_TYPE = "WarningIssued"
    classification: Classification = Classification.PUBLIC

    signal: SignalType
    colour: Colour
    basis: Basis
    alert: CapAlert


# -- own observations (the simulator's stations and NWP, and the ingestion API) -----------------

#: The height every city-level temperature refers to (forecasts, warnings, the simulator's truth):
#: the plains around the cities' seats, most of which lie between 30 and 140 m (stations.yaml).
REFERENCE_ELEVATION_M = 50.0
#: The standard atmosphere's lapse rate (ICAO: 6.5 °C per km).
LAPSE_C_PER_M = 0.0065


def at_height(temp_c: float, elevation_m: float) -> float:
    """A reference-height temperature as it is at ``elevation_m`` (colder higher up)."""
    return temp_c - (elevation_m - REFERENCE_ELEVATION_M) * LAPSE_C_PER_M


def to_reference(temp_c: float, elevation_m: float) -> float:
    """A temperature measured at ``elevation_m``, reduced to the reference height."""
    return temp_c + (elevation_m - REFERENCE_ELEVATION_M) * LAPSE_C_PER_M


class StationObservation(Event):
    """One hourly reading from a weather station (own-sector data of the weather service)."""

    EVENT_TYPE = "StationObservation"
    classification: Classification = Classification.INTERNAL

    station_id: str = Field(min_length=1, max_length=32)
    temp_c: float | None = Field(default=None, ge=-60, le=60, description="Air temperature, °C")
    tmin_c: float | None = Field(default=None, ge=-60, le=60, description="Min over the hour, °C")
    tmax_c: float | None = Field(default=None, ge=-60, le=60, description="Max over the hour, °C")
    rain_mm: float | None = Field(default=None, ge=0, le=500, description="Rain in the past hour")
    wind_ms: float | None = Field(default=None, ge=0, le=90, description="10-min mean wind, m/s")
    gust_ms: float | None = Field(default=None, ge=0, le=120, description="Max gust, m/s")
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)
    ground_temp_c: float | None = Field(default=None, ge=-60, le=80, description="Ground surface")
    elevation_m: float | None = Field(
        default=None,
        ge=-500,
        le=9000,
        description="The station's height; city-level rules use temperatures reduced from it",
    )


class ForecastStep(BaseModel):
    """Forecast values for one hour ahead of the run time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_at: AwareDatetime
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    rain_mm: float | None = Field(default=None, ge=0)
    wind_ms: float | None = Field(default=None, ge=0)
    gust_ms: float | None = Field(default=None, ge=0)
    visibility_m: float | None = Field(default=None, ge=0)
    ground_temp_c: float | None = None


class Exceedance(BaseModel):
    """The forecaster's chance that one of its products (a condition; see
    ``shared.forecasts.ForecastCriterion.product``) comes true within its horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product: str = Field(min_length=1, max_length=64)
    probability: float = Field(ge=0, le=1)


class ForecastIssued(Event):
    """Numerical forecast output for one city: hourly steps from the run time onwards, and the
    calibrated probabilities of the forecaster's products (empty when it issues none)."""

    EVENT_TYPE = "ForecastIssued"
    classification: Classification = Classification.INTERNAL

    run_at: AwareDatetime
    steps: tuple[ForecastStep, ...] = Field(min_length=1, max_length=240)
    exceedance: tuple[Exceedance, ...] = Field(default=(), max_length=32)

    def probability(self, product: str) -> float | None:
        """The issued chance of ``product``, or None when this run carries none."""
        for e in self.exceedance:
            if e.product == product:
                return e.probability
        return None


SECTOR = SectorInfo(
    name="weather",
    label_zh="气象服务",
    label_en="Meteorology",
    colour="#5ab1ef",
    plan_section="二.10",
)

WEATHER_OBSERVATIONS = TopicSpec(
    sector="weather",
    event="observations",
    version=1,
    model=StationObservation,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.INTERNAL,
    description="Hourly weather-station readings (simulator and the ingestion API)",
)
WEATHER_FORECASTS = TopicSpec(
    sector="weather",
    event="forecasts",
    version=1,
    model=ForecastIssued,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.INTERNAL,
    description="Numerical forecast output per city",
)
WEATHER_WARNINGS = TopicSpec(
    sector="weather",
    event="warnings",
    version=1,
    model=WarningIssued,
    role=TopicRole.WARNINGS,
    classification=Classification.PUBLIC,
    description="CMA warning signals as CAP 1.2 alerts (Alert/Update/Cancel)",
)

TOPICS = (WEATHER_OBSERVATIONS, WEATHER_FORECASTS, WEATHER_WARNINGS)
