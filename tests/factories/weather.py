"""The weather service's data, loaded the way the service loads it, and engines built on it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from itertools import count

from services.weather.domain import Catalogue, Text, WarningEngine
from services.weather.service import WeatherSettings, load_areas, load_catalogue
from shared.contracts.weather import (
    Basis,
    CapAlert,
    CapArea,
    CapInfo,
    Colour,
    SignalType,
    StationObservation,
    WarningIssued,
)

#: 2020-07-08 00:00 UTC = 08:00 Beijing time, a day of the Poyang flood.
T0 = datetime(2020, 7, 8, 0, tzinfo=UTC)


@cache
def catalogue() -> Catalogue:
    """The shipped CMA signal catalogue."""
    return load_catalogue(WeatherSettings().signals_path)


@cache
def areas() -> dict[str, Text]:
    """The shipped area names."""
    return load_areas(WeatherSettings().areas_path)


def engine() -> WarningEngine:
    """A fresh warning engine with the shipped catalogue and area names."""
    return WarningEngine(catalogue=catalogue(), areas=areas())


def rain_warnings(
    region: str, amounts: list[float], start: datetime = T0, station: str = "58527"
) -> list[WarningIssued]:
    """Real warnings from a fresh engine for hourly rain (mm) at one station of ``region``."""
    eng = engine()
    out: list[WarningIssued] = []
    for i, mm in enumerate(amounts):
        obs = StationObservation(
            occurred_at=start + timedelta(hours=i + 1),
            source="test",
            region=region,
            station_id=station,
            rain_mm=mm,
        )
        out += eng.on_observation(obs)
    return out


#: The 2008 freezing rain's first day: the road-icing and power-line tests' clock.
T0_ICING = datetime(2018, 1, 24, 0, 0, tzinfo=UTC)
NANCHANG = "360100"
_SEQ = count()


def cap_warning(
    minutes: float,
    signal: SignalType,
    colour: Colour,
    *,
    basis: Basis = Basis.FORECAST,
    msg_type: str = "Alert",
    region: str = NANCHANG,
    hours: float = 12,
    t0: datetime = T0_ICING,
) -> WarningIssued:
    """A CAP warning for ``region`` issued ``minutes`` after ``t0``, valid for ``hours``."""
    sent = t0 + timedelta(minutes=minutes)
    info = CapInfo(
        language="en-US",
        category="Met",
        event=str(signal),
        event_code="11B17",
        response_type="Prepare",
        urgency="Expected",
        severity="Severe",
        certainty="Likely",
        effective=sent,
        onset=sent + timedelta(hours=2),
        expires=sent + timedelta(hours=hours),
        sender_name="Jiangxi Meteorological Bureau",
        headline="test",
        description="test",
        instruction="test",
        area=CapArea(area_desc="Nanchang", geocode=region),
    )
    alert = CapAlert(
        identifier=f"{region}41600000_{next(_SEQ):014d}",
        sender="test",
        sent=sent,
        status="Actual",
        msg_type=msg_type,
        scope="Public",
        info=(info,),
    )
    return WarningIssued(
        occurred_at=sent,
        source="weather",
        region=region,
        signal=signal,
        colour=colour,
        basis=basis,
        alert=alert,
    )
