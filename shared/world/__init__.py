"""Static reference data of Jiangxi Province: cities, stations, farms, roads, gauges, resources.

The figures live in the YAML/CSV files next to this module, each with its sources in a header
comment; figures marked (?) there are inferred. ``load_world()`` parses and validates them once.
"""

from __future__ import annotations

import csv
import itertools
import logging
import math
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.contracts.agriculture import Industry
from shared.contracts.emergency import FacilityKind
from shared.contracts.envelope import RegionCode
from shared.contracts.simulator import HazardKind
from shared.contracts.spec import ActionName, SectorName
from shared.world.costs import Charge, CostSpec, Per

log = logging.getLogger(__name__)

#: Folder holding the data files.
DATA_DIR = Path(__file__).resolve().parent
#: The climate record, written by ``dexsim calibrate-forecasts``.
CLIMATOLOGY_FILE = DATA_DIR / "climatology.yaml"

_EARTH_RADIUS_KM = 6371.0


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class City(_Frozen):
    """A prefecture-level city."""

    code: RegionCode
    name_zh: str
    name_en: str
    lon: float = Field(ge=113, le=119)
    lat: float = Field(ge=24, le=31)
    pop_m: float = Field(gt=0)
    climate_offset_c: float
    lake_gauge: str | None
    flood_exposed_pop: int = Field(ge=0)
    flood_exposed_assets_yuan: float = Field(ge=0)
    river_gauge: str | None = Field(
        default=None, description="The river gauge whose stage floods the city's riverside land"
    )
    river_exposed_pop: int = Field(default=0, ge=0)
    river_exposed_assets_yuan: float = Field(default=0.0, ge=0)
    levee_km: float = Field(default=0.0, ge=0, description="River and lake levees patrolled")

    @property
    def population(self) -> int:
        """Residents (2020 census)."""
        return round(self.pop_m * 1_000_000)


class Station(_Frozen):
    """A surface weather station."""

    id: str
    name_en: str
    name_zh: str
    city: RegionCode
    lon: float
    lat: float
    elevation_m: float
    guessed: bool


class Farm(_Frozen):
    """A production base: one city's area in one crop, with field sensors."""

    farm_id: str
    city: RegionCode
    industry: Industry
    crop: str
    area_mu: float = Field(ge=0)
    value_yuan: float = Field(ge=0)
    lowland_share: float = Field(ge=0, le=1)
    heads: int = Field(default=0, ge=0, description="Livestock in stock (0 for crops)")

    @property
    def per(self) -> Per:
        """What the farm's protective actions are counted in: head of livestock or mu."""
        return Per.HEAD if self.heads else Per.MU

    def units(self, share: float = 1.0) -> float:
        """``share`` of the farm in its own unit (head or mu)."""
        return (self.heads if self.heads else self.area_mu) * share


class Segment(_Frozen):
    """An expressway segment between two cities, with a detector at each end."""

    id: str
    road: str
    from_city: RegionCode = Field(alias="from")
    to_city: RegionCode = Field(alias="to")
    length_km: float = Field(gt=0)
    aadt: int = Field(gt=0, description="Annual average daily traffic, vehicles/day")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Rating(_Frozen):
    """A river gauge's rating curve, stage = z0 + a * sqrt(flow), through two points."""

    low_m: float
    low_flow_m3s: float = Field(gt=0)
    warning_flow_m3s: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> Rating:
        if self.warning_flow_m3s <= self.low_flow_m3s:
            raise ValueError("the warning flow must exceed the low flow")
        return self


class Gauge(_Frozen):
    """A lake or river water-level gauge.

    A lake gauge follows the key gauge with ``offset_m``; a river gauge reads its ``river``'s
    flow through its ``rating`` curve.
    """

    id: str
    name_zh: str
    name_en: str
    city: RegionCode
    lon: float
    lat: float
    warning_m: float
    guaranteed_m: float
    offset_m: float | None = Field(
        default=None, description="A lake gauge's level relative to the key gauge"
    )
    river: str | None = None
    rating: Rating | None = None

    @model_validator(mode="after")
    def _lake_or_river(self) -> Gauge:
        if self.guaranteed_m <= self.warning_m:
            raise ValueError(f"gauge {self.id}: the guaranteed level must exceed the warning level")
        lake = self.offset_m is not None
        river = self.river is not None and self.rating is not None
        if lake == river:
            raise ValueError(f"gauge {self.id}: give offset_m (lake) or river and rating (river)")
        if river and self.rating is not None and not self.rating.low_m < self.warning_m:
            raise ValueError(f"gauge {self.id}: the low-flow stage must lie below the warning")
        return self

    def stage(self, flow_m3s: float) -> float:
        """A river gauge's stage at ``flow_m3s`` (its rating curve)."""
        if self.rating is None:
            raise ValueError(f"gauge {self.id} is a lake gauge")
        r = self.rating
        a = (self.warning_m - r.low_m) / (math.sqrt(r.warning_flow_m3s) - math.sqrt(r.low_flow_m3s))
        return r.low_m + a * (math.sqrt(max(0.0, flow_m3s)) - math.sqrt(r.low_flow_m3s))


class SamplePoint(_Frozen):
    """A point of a catchment where the rain is sampled; its city gives the soil and temperature."""

    lon: float = Field(ge=113, le=119)
    lat: float = Field(ge=24, le=31)
    city: RegionCode


def _points(value: Any) -> Any:
    # The data file writes a point as [lon, lat, city].
    if isinstance(value, list | tuple):
        return [
            {"lon": p[0], "lat": p[1], "city": p[2]} if isinstance(p, list | tuple) else p
            for p in value
        ]
    return value


class River(_Frozen):
    """A river's catchment above its control gauge, and the reaches to the gauge and the lake."""

    id: str
    name_zh: str
    gauge: str
    area_km2: float = Field(gt=0)
    quick_k_h: float = Field(gt=0, description="Linear-reservoir constant of quick flow")
    reach_k_h: float = Field(gt=0, description="Muskingum K, catchment to gauge")
    reach_x: float = Field(ge=0, le=0.5)
    lake_k_h: float | None = Field(default=None, gt=0, description="Muskingum K, gauge to lake")
    lake_x: float | None = Field(default=None, ge=0, le=0.5)
    points: tuple[SamplePoint, ...] = Field(min_length=1)
    drains: str = Field(
        default="lake",
        description="lake; outside (leaves the basin); or the river whose catchment holds it",
    )

    _parse_points = field_validator("points", mode="before")(_points)

    @model_validator(mode="after")
    def _reach_to_lake(self) -> River:
        if (self.drains == "lake") != (self.lake_k_h is not None and self.lake_x is not None):
            raise ValueError(
                f"river {self.id}: lake_k_h and lake_x are given exactly when it drains to the lake"
            )
        return self


class Outlet(_Frozen):
    """The lake's outflow at Hukou: Q = c * (L - bed)^(5/3) * sqrt(L - Yangtze)."""

    c: float = Field(gt=0)
    bed_m: float


class Lake(_Frozen):
    """Poyang Lake: its ungauged local catchment, area by level and outlet."""

    local_area_km2: float = Field(ge=0)
    local_quick_k_h: float = Field(gt=0)
    local_points: tuple[SamplePoint, ...] = Field(min_length=1)
    area_km2_by_level: tuple[tuple[float, float], ...] = Field(min_length=2)
    outlet: Outlet

    _parse_points = field_validator("local_points", mode="before")(_points)

    @field_validator("area_km2_by_level")
    @classmethod
    def _increasing(cls, table: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        levels = [lv for lv, _ in table]
        areas = [a for _, a in table]
        if levels != sorted(set(levels)) or areas != sorted(areas) or areas[0] <= 0:
            raise ValueError("lake areas must rise with the level, from a positive area")
        return table

    def area_km2(self, level_m: float) -> float:
        """The lake's area at Xingzi level ``level_m`` (linear between the table's points)."""
        table = self.area_km2_by_level
        if level_m <= table[0][0]:
            return table[0][1]
        for (l0, a0), (l1, a1) in itertools.pairwise(table):
            if level_m <= l1:
                return a0 + (a1 - a0) * (level_m - l0) / (l1 - l0)
        return table[-1][1]


class RunoffCoefficient(_Frozen):
    """Storm runoff coefficient, linear in soil moisture between a dry and a wet soil."""

    dry: float = Field(ge=0, le=1)
    wet: float = Field(ge=0, le=1)
    soil_dry_pct: float
    soil_wet_pct: float

    def at(self, soil_pct: float) -> float:
        """The coefficient at volumetric soil moisture ``soil_pct``."""
        f = (soil_pct - self.soil_dry_pct) / (self.soil_wet_pct - self.soil_dry_pct)
        return self.dry + (self.wet - self.dry) * min(1.0, max(0.0, f))


class Hydrology(_Frozen):
    """The five rivers and the lake (rivers.yaml)."""

    runoff_mm_per_year: float = Field(gt=0)
    runoff_coefficient: RunoffCoefficient
    rivers: tuple[River, ...] = Field(min_length=1)
    lake: Lake

    @model_validator(mode="after")
    def _nesting(self) -> Hydrology:
        ids = {r.id: r for r in self.rivers}
        for r in self.rivers:
            if r.drains in ("lake", "outside"):
                continue
            outer = ids.get(r.drains)
            if outer is None or outer.drains != "lake":
                raise ValueError(f"river {r.id}: drains to {r.drains!r}, not a river to the lake")
            if r.area_km2 >= outer.area_km2:
                raise ValueError(f"river {r.id}: larger than {outer.id}, which holds it")
        return self

    def mean_flow_m3s(self, area_km2: float) -> float:
        """Long-term mean flow of a catchment of ``area_km2``."""
        return area_km2 * 1e6 * self.runoff_mm_per_year / 1000 / (365.25 * 86400)


class Resources(_Frozen):
    """Emergency resources of one city."""

    city: RegionCode
    rescue_teams: int = Field(ge=0)
    rescuers: int = Field(ge=0)
    boats: int = Field(ge=0)
    depots: int = Field(ge=0)
    tents: int = Field(ge=0)
    line_crews: int = Field(ge=0, description="Power-line crews for de-icing")


class Facility(_Frozen):
    """An industrial-safety facility under online monitoring."""

    id: str
    city: RegionCode
    kind: FacilityKind
    value_yuan: float = Field(gt=0)


class ActionSpec(_Frozen):
    """A protective action and its prices, one per kind of unit it can be counted in."""

    sector: SectorName
    name_zh: str
    costs: tuple[CostSpec, ...] = Field(min_length=1)

    @field_validator("costs")
    @classmethod
    def _one_price_per_unit(cls, costs: tuple[CostSpec, ...]) -> tuple[CostSpec, ...]:
        pers = [c.per for c in costs]
        if len(set(pers)) != len(pers):
            raise ValueError("an action has at most one price per kind of unit")
        return costs

    def find(self, per: Per) -> CostSpec | None:
        """The action's price per ``per``, or None when it is not priced that way."""
        return next((c for c in self.costs if c.per is per), None)

    def cost(self, per: Per) -> CostSpec:
        """The action's price per ``per``; a clear error when it is not priced that way."""
        found = self.find(per)
        if found is not None:
            return found
        known = ", ".join(c.per.value for c in self.costs)
        raise KeyError(f"the action is priced per {known}, not per {per.value}")


class StageSpan(_Frozen):
    """A crop stage from ``start`` to ``end`` (MM-DD, inclusive, may wrap over new year)."""

    stage: str
    start: str = Field(pattern=r"^\d\d-\d\d$")
    end: str = Field(pattern=r"^\d\d-\d\d$")


class Calendars(_Frozen):
    """Crop calendars with a latitude shift."""

    base_lat: float
    shift_days_per_deg_lat: float
    crops: dict[str, tuple[StageSpan, ...]]

    def stage(self, crop: str, day: date, lat: float) -> str | None:
        """The crop's stage on ``day`` at latitude ``lat``, or None when fallow."""
        spans = self.crops.get(crop)
        if not spans:
            return None
        shifted = day - timedelta(days=round((lat - self.base_lat) * self.shift_days_per_deg_lat))
        md = shifted.strftime("%m-%d")
        for span in spans:
            if span.start <= span.end:
                if span.start <= md <= span.end:
                    return span.stage
            elif md >= span.start or md <= span.end:
                return span.stage
        return None


class Mitigation(_Frozen):
    """A protective action a damage rule credits, and how much of the loss it avoids."""

    action: ActionName
    avoid_share: float = Field(ge=0, le=1)
    people_share: float = Field(default=0, ge=0, le=1)
    lead_h: float = Field(ge=0)
    stages: tuple[str, ...] | None = None
    #: The action's price when actions.yaml has none (a new sector's coded rule says it here,
    #: as its service's rules file does).
    cost: CostSpec | None = None


class DamageRule(_Frozen):
    """One damage rule (see the header of damage.yaml)."""

    id: str
    sector: SectorName
    impact: str = Field(pattern=r"^[a-z][a-z0-9_]{0,47}$")
    hazards: tuple[HazardKind, ...] = Field(min_length=1)
    #: One of the owning sector's exposure kinds (its simulator plug-in checks it declares it).
    asset: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    crops: tuple[str, ...] | None = None
    stages: tuple[str, ...] | None = None
    facility_kinds: tuple[FacilityKind, ...] | None = None
    variable: str
    op: Literal["ge", "le", "lt", "gt"]
    threshold: float
    unit: Literal["hour", "day"]
    mode: Literal["duration", "peak", "rate"]
    value_basis: Literal["asset", "customers"] = "asset"
    #: Whether the loss counts in a disaster's direct economic loss as disaster statistics report
    #: it (property, crops, infrastructure); False for financial harm (a delayed payout, an
    #: indemnity, a loan default) and lost service (unserved energy), which would count the
    #: physical loss again or are not in those statistics.
    direct: bool = True
    reset_h: int | None = Field(default=None, ge=1)
    share_variable: str | None = None
    steps: tuple[tuple[float, ...], ...] | None = None
    steps_by_stage: dict[str, tuple[tuple[float, ...], ...]] | None = None
    bands: tuple[tuple[float, float], ...] | None = None
    mitigations: tuple[Mitigation, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> DamageRule:
        if self.mode == "rate" and not self.bands:
            raise ValueError(f"rule {self.id}: mode rate needs bands")
        if self.mode != "rate" and not (self.steps or self.steps_by_stage):
            raise ValueError(f"rule {self.id}: mode {self.mode} needs steps or steps_by_stage")
        for steps in [self.steps or (), *(self.steps_by_stage or {}).values()]:
            shares = [s[1] for s in steps]
            if shares != sorted(shares) or any(not 2 <= len(s) <= 3 for s in steps):
                raise ValueError(f"rule {self.id}: steps must be [x, share(, people)] ascending")
        return self


class DamageConstants(_Frozen):
    """Scalars the damage rules use (see damage.yaml)."""

    asset_yuan_per_person: float
    people_per_customer: float
    outage_cost_yuan_per_customer: float
    accident_rate_per_mveh_km: float
    cost_per_accident_yuan: float
    people_per_accident: float
    expressway_yuan_per_km: float = Field(gt=0)
    levee_breach_per_h_at_guaranteed: float = Field(gt=0, lt=1)
    levee_breach_growth_per_m: float = Field(gt=0)
    waterlog_from_mm: float = Field(ge=0)
    waterlog_full_mm: float = Field(gt=0)
    waterlog_max_share: float = Field(ge=0, le=1)
    rainfed_paddy_share: float = Field(ge=0, le=1)
    failing_paddy_share: float = Field(ge=0, le=1)
    #: One value of a statistical life for every sector that counts deaths (health, urban,
    #: rural; tourism's harms per visitor-day are derived from it).
    value_of_statistical_life_yuan: float = Field(gt=0)

    @model_validator(mode="after")
    def _failing_within_rainfed(self) -> DamageConstants:
        if self.failing_paddy_share > self.rainfed_paddy_share:
            raise ValueError("failing_paddy_share is part of rainfed_paddy_share")
        return self

    @model_validator(mode="after")
    def _waterlog_span(self) -> DamageConstants:
        if self.waterlog_full_mm <= self.waterlog_from_mm:
            raise ValueError("waterlog_full_mm must exceed waterlog_from_mm")
        return self


class DamageModel(_Frozen):
    """The damage rules with their global settings and constants."""

    full_flood_depth_m: float = Field(gt=0)
    episode_reset_h: int = Field(ge=1)
    constants: DamageConstants
    rules: tuple[DamageRule, ...]


#: Beijing time's offset from UTC (the climate record's months are local).
BEIJING_OFFSET = timedelta(hours=8)


class Normal(_Frozen):
    """What the climate record says of one forecast product in one month."""

    #: Share of forecast runs after which the condition came within the product's horizon.
    rate: float = Field(ge=0, le=1)
    #: How long (the product's units: hours or days) and how bad (the worst value) the spells
    #: that came were: their deciles, each standing for a tenth of them (empty when none came).
    durations: tuple[float, ...] = ()
    extremes: tuple[float, ...] = ()

    @model_validator(mode="after")
    def _spells(self) -> Normal:
        if len(self.durations) != len(self.extremes):
            raise ValueError("durations and extremes must be deciles of the same spells")
        if self.rate > 0 and not self.durations:
            raise ValueError("a product that came needs the deciles of its spells")
        return self


class Climatology(_Frozen):
    """The climate record every agency has: how often each forecast product's condition came
    within its horizon (``climatology.yaml``, written by ``dexsim calibrate-forecasts`` from
    the forecaster's hindcasts). Public knowledge, so both modes may weigh it: it is the chance
    a decider without a forecast acts on.

    ``outlooks`` holds each month of the library's hazard seasons (``YYYY-MM``): the month's
    climate outlook, as CMA's public monthly climate prediction gives every agency, which knows
    the season as the forecaster's per-season fit does. Any other month falls back on
    ``months``, the calendar month pooled over the library's seasons.
    """

    scenarios: tuple[str, ...] = ()
    seeds: tuple[int, ...] = ()
    #: Forecast runs (per city) behind each outlook.
    runs: dict[str, int] = Field(default_factory=dict)
    #: ``YYYY-MM`` (Beijing time) -> product -> its normal.
    outlooks: dict[str, dict[str, Normal]] = Field(default_factory=dict)
    #: Calendar month (1..12) -> product -> its normal, over every outlook of that month.
    months: dict[int, dict[str, Normal]] = Field(default_factory=dict)

    @field_validator("months")
    @classmethod
    def _calendar(cls, months: dict[int, dict[str, Normal]]) -> dict[int, dict[str, Normal]]:
        bad = [m for m in months if not 1 <= m <= 12]
        if bad:
            raise ValueError(f"months {bad} are not 1..12")
        return months

    @field_validator("outlooks", "runs")
    @classmethod
    def _year_months(cls, by: dict[str, Any]) -> dict[str, Any]:
        for key in by:
            try:
                datetime.strptime(key, "%Y-%m")
            except ValueError:
                raise ValueError(f"{key!r} is not a YYYY-MM month") from None
        return by

    def normal(self, product: str, when: datetime) -> Normal | None:
        """What the record says of ``product`` in the local month of ``when``: its outlook,
        else the calendar month's (None: nothing)."""
        found = self.outlooks.get(year_month(when), {}).get(product)
        if found is not None:
            return found
        month = (when.astimezone(UTC) + BEIJING_OFFSET).month
        return self.months.get(month, {}).get(product)


def year_month(when: datetime) -> str:
    """``YYYY-MM`` of ``when`` in Beijing time (the climate record's outlook key)."""
    return f"{(when.astimezone(UTC) + BEIJING_OFFSET):%Y-%m}"


class World(_Frozen):
    """Everything static about Jiangxi that the simulator and the sector services share."""

    province_code: RegionCode
    cities: tuple[City, ...] = Field(min_length=1)
    stations: tuple[Station, ...]
    farms: tuple[Farm, ...]
    segments: tuple[Segment, ...]
    key_gauge: str
    gauges: tuple[Gauge, ...]
    low_water_bands_m: dict[str, float]
    resources: tuple[Resources, ...]
    facilities: tuple[Facility, ...]
    actions: dict[ActionName, ActionSpec]
    calendars: Calendars
    damage: DamageModel
    hydrology: Hydrology
    climatology: Climatology = Field(default_factory=Climatology)
    #: A sector's own reference data (works, lines, policies ...): ``sectors/<sector>.yaml``,
    #: raw; the sector's module ``shared.world.sectors.<sector>`` validates it (``SectorData``).
    sectors: dict[SectorName, Any] = Field(default_factory=dict)

    @field_validator("cities")
    @classmethod
    def _unique_codes(cls, cities: tuple[City, ...]) -> tuple[City, ...]:
        codes = [c.code for c in cities]
        if len(set(codes)) != len(codes):
            raise ValueError("duplicate city code")
        return cities

    @model_validator(mode="after")
    def _references_resolve(self) -> World:
        codes = {c.code for c in self.cities}
        gauges = {g.id for g in self.gauges}
        refs: list[tuple[str, str]] = [(s.id, s.city) for s in self.stations]
        refs += [(f.farm_id, f.city) for f in self.farms]
        refs += [(s.id, s.from_city) for s in self.segments]
        refs += [(s.id, s.to_city) for s in self.segments]
        refs += [(g.id, g.city) for g in self.gauges]
        refs += [(r.city, r.city) for r in self.resources]
        refs += [(f.id, f.city) for f in self.facilities]
        for owner, city in refs:
            if city not in codes:
                raise ValueError(f"{owner} names unknown city {city}")
        for c in self.cities:
            if c.lake_gauge is not None and c.lake_gauge not in gauges:
                raise ValueError(f"city {c.code} names unknown gauge {c.lake_gauge}")
            if c.river_gauge is not None and c.river_gauge not in gauges:
                raise ValueError(f"city {c.code} names unknown gauge {c.river_gauge}")
        rivers = {r.id: r for r in self.hydrology.rivers}
        for g in self.gauges:
            if g.river is not None and (g.river not in rivers or rivers[g.river].gauge != g.id):
                raise ValueError(f"gauge {g.id}: river {g.river} does not name it as its gauge")
        for r in self.hydrology.rivers:
            refs += [(r.id, p.city) for p in r.points]
        refs += [("lake", p.city) for p in self.hydrology.lake.local_points]
        for owner, city in refs:
            if city not in codes:
                raise ValueError(f"{owner} names unknown city {city}")
        if self.key_gauge not in gauges:
            raise ValueError(f"key gauge {self.key_gauge} is not a gauge")
        from shared.contracts.topics import ACTIONS

        for name, spec in self.actions.items():
            if ACTIONS[name] != spec.sector:
                raise ValueError(
                    f"actions.yaml: {name} is {ACTIONS[name]}'s action, not {spec.sector}'s"
                )
        for rule in self.damage.rules:
            for crop in rule.crops or ():
                if crop not in self.calendars.crops:
                    raise ValueError(f"rule {rule.id} names crop {crop} with no calendar")
        return self

    def city(self, code: str) -> City:
        """The city with GB/T 2260 ``code``."""
        for c in self.cities:
            if c.code == code:
                return c
        raise KeyError(f"unknown city {code!r}")

    def gauge(self, gauge_id: str) -> Gauge:
        """The gauge with id ``gauge_id``."""
        for g in self.gauges:
            if g.id == gauge_id:
                return g
        raise KeyError(f"unknown gauge {gauge_id!r}")

    def price(self, action: str, per: Per) -> CostSpec | None:
        """The action's price per ``per`` in actions.yaml, or None when it has none."""
        spec = self.actions.get(action)
        return None if spec is None else spec.find(per)

    def charge(self, action: str, per: Per, quantity: float) -> Charge:
        """What a decision to take ``action`` over ``quantity`` units of ``per`` costs."""
        try:
            spec = self.actions[action]
        except KeyError:
            raise KeyError(f"actions.yaml prices no action {action!r}") from None
        try:
            return spec.cost(per).charge(quantity)
        except KeyError as exc:
            raise KeyError(f"actions.yaml: {action}: {exc.args[0]}") from None


def distance_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def _yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _farms() -> list[dict[str, str]]:
    with (DATA_DIR / "farms.csv").open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


def _climatology() -> Any:
    if not CLIMATOLOGY_FILE.exists():  # only while `dexsim calibrate-forecasts` first writes it
        log.warning(
            "%s is missing: no climate record (run `dexsim calibrate-forecasts`)",
            CLIMATOLOGY_FILE.name,
        )
        return {}
    return _yaml(CLIMATOLOGY_FILE.name)


@cache
def load_world() -> World:
    """Load and validate the world's reference data (parsed once per process)."""
    cities = _yaml("cities.yaml")
    gauges = _yaml("gauges.yaml")
    damage = _yaml("damage.yaml")
    return World.model_validate(
        {
            "province_code": cities["province_code"],
            "cities": cities["cities"],
            "stations": _yaml("stations.yaml")["stations"],
            "farms": _farms(),
            "segments": _yaml("expressways.yaml")["segments"],
            "key_gauge": gauges["key_gauge"],
            "gauges": gauges["gauges"],
            "low_water_bands_m": gauges["low_water_bands_m"],
            "resources": _yaml("resources.yaml")["resources"],
            "facilities": _yaml("facilities.yaml")["facilities"],
            "actions": _yaml("actions.yaml")["actions"],
            "calendars": _yaml("calendars.yaml"),
            "damage": {
                **damage["globals"],
                "constants": damage["constants"],
                "rules": damage["rules"],
            },
            "hydrology": _yaml("rivers.yaml"),
            "climatology": _climatology(),
            "sectors": _sector_files(),
        }
    )


#: Folder of the sectors' own reference data, one ``<sector>.yaml`` each.
SECTORS_DIR = DATA_DIR / "sectors"


def _sector_files() -> dict[str, Any]:
    """Every ``sectors/<sector>.yaml``, raw, by sector (found, not listed)."""
    return {path.stem: _yaml(f"sectors/{path.name}") for path in sorted(SECTORS_DIR.glob("*.yaml"))}
