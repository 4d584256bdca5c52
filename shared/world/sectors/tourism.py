"""The tourism sector's world data (``tourism.yaml``): scenic areas, visitors, harm, landscapes.

Both the tourism service (through its adapter) and the simulator's tourism plug-in read it from
the ``World`` they are given, and both take a city's weather to a scenic area, judge the harm it
does to the visitors and recognise a landscape with ``TourismWorld``'s methods: the truth and the
service's estimate of it use one model of the areas. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import RegionCode
from shared.contracts.tourism import Landscape, TourismAction, TourismHazard
from shared.contracts.weather import at_height
from shared.world import World
from shared.world.sectors import section


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Area(_Frozen):
    """One scenic area: where it is, how many visit it, what it runs and what it is known for."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,47}$")
    name_zh: str = Field(min_length=1)
    name_en: str = Field(min_length=1)
    city: RegionCode
    lat: float = Field(ge=20, le=35)
    lon: float = Field(ge=110, le=125)
    elevation_m: float = Field(ge=0, le=3000, description="Where the visitors are")
    annual_visitors: float = Field(gt=0)
    capacity_per_day: float = Field(gt=0)
    ticket_yuan: float = Field(ge=0)
    spend_yuan: float = Field(ge=0, description="Spent in the area beyond the gate")
    cable_cars: int = Field(ge=0)
    road_km: float = Field(ge=0)
    exposure: float = Field(gt=0, le=1, description="Share of the weather harm its visitors meet")
    access: tuple[str, ...] = Field(default=(), description="Expressway segments to it")
    landscapes: tuple[Landscape, ...] = ()


class HarmSpec(_Frozen):
    """What one visitor-day exposed to a hazard all day costs, and how severity grows.

    ``steps`` are ``[threshold, severity]``: ascending thresholds for storms and gales (the
    severity of the highest one reached), descending visibilities for fog (the lowest one below
    which the visibility is). Heat's severity is ``(T - base_c) * per_c`` from ``from_c``, at most
    ``max_severity``."""

    yuan_per_visitor_day: float = Field(gt=0)
    steps: tuple[tuple[float, float], ...] = ()
    from_c: float | None = None
    base_c: float | None = None
    per_c: float | None = None
    max_severity: float | None = None


@dataclass(frozen=True)
class MitigationSpec:
    """The share of a harm an action avoids when in place ``lead_h`` ahead."""

    avoid_share: float
    lead_h: float


_A = TourismAction
#: What share of each harm each action avoids when in place ``lead_h`` hours before the harm
#: starts (?): closing the area avoids nearly all of it (visitors are off the mountain before it
#: comes; a little less for storms and fog, which come quicker than the last visitors leave);
#: limiting visitors (half the capacity, the exposed trails and roads shut) about half; advising
#: visitors (SMS and app alerts, guides on the trails, shuttles instead of private cars) a fifth to
#: two fifths, most for heat (shade, water, the visit moved to the morning: 12 h ahead, the
#: evening before); stopping the cable cars most of a gale's harm (cableways stop at about
#: 15-20 m/s, GB 12352) and a little of a storm's or ice's (lightning, cabins stuck on iced cables).
#: The simulator's damage rules and the service's decisions both use these figures.
MITIGATIONS: dict[TourismHazard, dict[TourismAction, MitigationSpec]] = {
    TourismHazard.ICE: {
        _A.CLOSE_AREA: MitigationSpec(0.9, 6),
        _A.LIMIT_VISITORS: MitigationSpec(0.5, 6),
        _A.ADVISE_VISITORS: MitigationSpec(0.2, 3),
        _A.STOP_CABLE_CARS: MitigationSpec(0.1, 1),
    },
    TourismHazard.STORM: {
        _A.CLOSE_AREA: MitigationSpec(0.85, 3),
        _A.LIMIT_VISITORS: MitigationSpec(0.45, 3),
        _A.ADVISE_VISITORS: MitigationSpec(0.3, 3),
        _A.STOP_CABLE_CARS: MitigationSpec(0.15, 1),
    },
    TourismHazard.HEAT: {
        _A.CLOSE_AREA: MitigationSpec(0.95, 6),
        _A.LIMIT_VISITORS: MitigationSpec(0.5, 6),
        _A.ADVISE_VISITORS: MitigationSpec(0.4, 12),
    },
    TourismHazard.FOG: {
        _A.CLOSE_AREA: MitigationSpec(0.8, 2),
        _A.LIMIT_VISITORS: MitigationSpec(0.4, 2),
        _A.ADVISE_VISITORS: MitigationSpec(0.35, 2),
    },
    TourismHazard.GALE: {
        _A.CLOSE_AREA: MitigationSpec(0.9, 2),
        _A.LIMIT_VISITORS: MitigationSpec(0.3, 2),
        _A.ADVISE_VISITORS: MitigationSpec(0.2, 2),
        _A.STOP_CABLE_CARS: MitigationSpec(0.6, 1),
    },
}
#: A landscape forecast brings most (0.7 (?)) of a landscape day's extra visitors when it is out
#: 18 h ahead, the evening before (visitors from Nanchang, Jiujiang and beyond plan the day
#: before; an announcement on the morning itself brings only the nearby ones).
PUBLISH = MitigationSpec(0.7, 18)


class LandscapeRules(_Frozen):
    """When a rime or a sea-of-clouds morning comes, and what announcing it brings."""

    uplift_share: float = Field(gt=0, le=2)
    rime_max_c: float
    rime_min_humidity: float = Field(ge=0, le=100)
    sea_hours: tuple[int, ...] = Field(min_length=1)
    rime_hours: tuple[int, ...] = Field(min_length=1)
    sea_max_visibility_m: float = Field(gt=0)
    sea_min_rain_24h_mm: float = Field(ge=0)
    sea_min_humidity: float = Field(ge=0, le=100)
    sea_max_gust_ms: float = Field(gt=0)


@dataclass(frozen=True)
class Conditions:
    """The weather where an area's visitors are, in one hour (from its city's, or measured).

    ``humidity_pct`` is None where the source carries none (a forecast): the landscape test then
    takes a visibility under 5 km or rain in the past 12 h for cloud."""

    temp_c: float
    rain_mm: float
    rain_24h_mm: float
    gust_ms: float
    visibility_m: float
    humidity_pct: float | None
    icy: bool
    rain_12h_mm: float = 0.0


@dataclass(frozen=True)
class CityHour:
    """A city's weather in one hour, as the simulator's truth or a forecast step gives it."""

    temp_c: float
    rain_mm: float
    rain_24h_mm: float
    gust_ms: float
    visibility_m: float
    humidity_pct: float | None = None
    rain_12h_mm: float = 0.0


class TourismWorld(_Frozen):
    """The whole of ``tourism.yaml``, with the arithmetic of areas, visitors and harm."""

    orographic_rain_per_km: float = Field(ge=0)
    gust_per_km: float = Field(ge=0)
    humidity_per_km: float = Field(ge=0)
    revenue_lost_share: float = Field(gt=0, le=1)
    revenue_block_yuan: float = Field(gt=0)
    month_factor: tuple[float, ...] = Field(min_length=12, max_length=12)
    presence: tuple[float, ...] = Field(min_length=24, max_length=24)
    harm: dict[TourismHazard, HarmSpec]
    ice_precip_24h_mm: float = Field(gt=0)
    landscape: LandscapeRules
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TourismWorld:
        ids = [a.id for a in self.areas]
        if len(ids) != len(set(ids)):
            raise ValueError("tourism.yaml: an area is listed twice")
        if abs(sum(self.presence) - 1) > 1e-6:
            raise ValueError("tourism.yaml: presence must sum to 1")
        if abs(sum(self.month_factor) / 12 - 1) > 0.01:
            raise ValueError("tourism.yaml: month_factor must average 1")
        missing = set(TourismHazard) - set(self.harm)
        if missing:
            raise ValueError(f"tourism.yaml: no harm for {sorted(missing)}")
        return self

    # -- areas and visitors ---------------------------------------------------------------------

    def area(self, area_id: str) -> Area:
        """Area ``area_id``."""
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(f"no scenic area {area_id!r}")

    def areas_in(self, code: str) -> tuple[Area, ...]:
        """The areas of city ``code``."""
        return tuple(a for a in self.areas if a.city == code)

    def visitors(self, area: Area, month: int) -> float:
        """A day's visitors to ``area`` in ``month`` (1-12): its mean day times the month's
        factor, never above its capacity."""
        day = area.annual_visitors / 365 * self.month_factor[month - 1]
        return min(day, area.capacity_per_day)

    def revenue_blocks(self, area: Area, month: int) -> float:
        """The revenue a day's closure of ``area`` in ``month`` loses, in blocks of
        ``revenue_block_yuan`` (the unit closing and limiting are priced in)."""
        lost = (
            self.visitors(area, month)
            * (area.ticket_yuan + area.spend_yuan)
            * self.revenue_lost_share
        )
        return round(max(0.01, lost / self.revenue_block_yuan), 3)

    def units(self, area: Area, action: TourismAction, month: int) -> float:
        """How many units of ``action`` ``area`` counts (0: the action does not apply)."""
        if action in (TourismAction.CLOSE_AREA, TourismAction.LIMIT_VISITORS):
            return self.revenue_blocks(area, month)
        if action is TourismAction.STOP_CABLE_CARS:
            return float(area.cable_cars)
        if action is TourismAction.PUBLISH_LANDSCAPE_FORECAST:
            return 1.0 if area.landscapes else 0.0
        return 1.0

    # -- weather at the area ---------------------------------------------------------------------

    def at_area(self, area: Area, city: CityHour) -> Conditions:
        """City weather taken to the height of ``area``'s visitors."""
        km = max(0.0, area.elevation_m) / 1000
        temp = at_height(city.temp_c, area.elevation_m)
        rain_factor = 1 + self.orographic_rain_per_km * km
        rain_24h = city.rain_24h_mm * rain_factor
        humidity = (
            None
            if city.humidity_pct is None
            else min(100.0, city.humidity_pct + self.humidity_per_km * km)
        )
        return Conditions(
            temp_c=temp,
            rain_mm=city.rain_mm * rain_factor,
            rain_24h_mm=rain_24h,
            gust_ms=city.gust_ms * (1 + self.gust_per_km * km),
            visibility_m=city.visibility_m,
            humidity_pct=humidity,
            icy=temp <= 0 and rain_24h >= self.ice_precip_24h_mm,
            rain_12h_mm=city.rain_12h_mm * rain_factor,
        )

    def severity(self, hazard: TourismHazard, c: Conditions) -> float:
        """How bad ``hazard`` is in conditions ``c``: 0 when absent."""
        spec = self.harm[hazard]
        if hazard is TourismHazard.ICE:
            return 1.0 if c.icy else 0.0
        if hazard is TourismHazard.HEAT:
            if spec.from_c is None or c.temp_c < spec.from_c:
                return 0.0
            raw = (c.temp_c - (spec.base_c or 0.0)) * (spec.per_c or 0.0)
            return min(spec.max_severity or raw, raw)
        if hazard is TourismHazard.FOG:
            return max((s for v, s in spec.steps if c.visibility_m < v), default=0.0)
        value = c.rain_24h_mm if hazard is TourismHazard.STORM else c.gust_ms
        return max((s for v, s in spec.steps if value >= v), default=0.0)

    def harm_yuan(
        self, area: Area, hazard: TourismHazard, severity: float, month: int, local_hour: int
    ) -> float:
        """The expected harm to ``area``'s visitors in one local hour of ``hazard`` at
        ``severity`` with the area open and nothing done."""
        if severity <= 0:
            return 0.0
        exposure = 1.0 if hazard is TourismHazard.HEAT else area.exposure
        return (
            self.visitors(area, month)
            * self.presence[local_hour % 24]
            * self.harm[hazard].yuan_per_visitor_day
            * severity
            * exposure
        )

    def day_share(self, local_hour: int, hours: int) -> float:
        """The share of a day's visitor-hours in the ``hours`` hours from ``local_hour``."""
        return sum(self.presence[(local_hour + k) % 24] for k in range(max(0, hours)))

    # -- landscapes --------------------------------------------------------------------------------

    def landscape_at(
        self, area: Area, c: Conditions, city: CityHour, local_hour: int
    ) -> Landscape | None:
        """The landscape ``area`` shows in this hour, if any (see tourism.yaml)."""
        rules = self.landscape
        if (
            Landscape.RIME in area.landscapes
            and local_hour in rules.rime_hours
            and c.temp_c <= rules.rime_max_c
            and not c.icy
            and self._in_cloud(c)
        ):
            return Landscape.RIME
        if (
            Landscape.SEA_OF_CLOUDS in area.landscapes
            and local_hour in rules.sea_hours
            and city.rain_mm < 0.1
            and c.gust_ms < rules.sea_max_gust_ms
            and (
                city.visibility_m < rules.sea_max_visibility_m
                or (
                    city.rain_24h_mm >= rules.sea_min_rain_24h_mm
                    and (city.humidity_pct is None or city.humidity_pct >= rules.sea_min_humidity)
                )
            )
        ):
            return Landscape.SEA_OF_CLOUDS
        return None

    def _in_cloud(self, c: Conditions) -> bool:
        if c.humidity_pct is not None:
            return c.humidity_pct >= self.landscape.rime_min_humidity
        return c.visibility_m < 5000 or c.rain_12h_mm >= 0.1

    def landscape_gain_yuan(self, area: Area, month: int) -> float:
        """What an announced landscape day brings: its extra visitors' revenue kept."""
        return (
            self.visitors(area, month)
            * self.landscape.uplift_share
            * (area.ticket_yuan + area.spend_yuan)
            * self.revenue_lost_share
        )


def tourism(world: World) -> TourismWorld:
    """``world``'s tourism data."""
    return section(world, "tourism", TourismWorld)
