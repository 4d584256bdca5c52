"""Events produced by the weather service: CMA warning signals shaped like CAP 1.2."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import AwareDatetime, Classification, Event, RegionCode


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
