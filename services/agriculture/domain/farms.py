"""What the agriculture service knows of each farm: static facts and its sensors' recent past."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from services.agriculture.domain.rules import CropRule, SensorCriterion, compare
from shared.contracts.agriculture import FarmObservation, Industry
from shared.world import World

#: Latitude used for an unknown farm's crop calendar (Nanchang, the calendars' base).
_FALLBACK_LAT = 28.7


@dataclass(frozen=True)
class FarmInfo:
    """Static facts about a farm (shared/world/farms.csv), or what an observation tells of one."""

    farm_id: str
    region: str
    industry: Industry
    crop: str
    area_mu: float
    value_yuan: float
    lowland_share: float
    lat: float
    heads: int = 0
    #: the share with no secure irrigation source (damage.yaml's rainfed_paddy_share)
    rainfed_share: float = 1.0


class FarmDirectory:
    """Every farm the service knows, by id and by city (world data plus farms seen on the wire)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self._lat = {c.code: c.lat for c in world.cities}
        self._by_id: dict[str, FarmInfo] = {}
        self._by_region: dict[str, list[FarmInfo]] = defaultdict(list)
        for f in world.farms:
            self._add(
                FarmInfo(
                    farm_id=f.farm_id, region=f.city, industry=f.industry, crop=f.crop,
                    area_mu=f.area_mu, value_yuan=f.value_yuan, lowland_share=f.lowland_share,
                    lat=self._lat.get(f.city, _FALLBACK_LAT), heads=f.heads,
                    rainfed_share=world.damage.constants.rainfed_paddy_share,
                )
            )  # fmt: skip

    def _add(self, info: FarmInfo) -> None:
        self._by_id[info.farm_id] = info
        self._by_region[info.region].append(info)

    def of(self, obs: FarmObservation) -> FarmInfo:
        """The farm an observation comes from; an unknown farm is registered with no value."""
        found = self._by_id.get(obs.farm_id)
        if found is None:
            found = FarmInfo(
                farm_id=obs.farm_id, region=obs.region, industry=obs.industry, crop=obs.crop,
                area_mu=0.0, value_yuan=0.0, lowland_share=0.0,
                lat=self._lat.get(obs.region, _FALLBACK_LAT),
            )  # fmt: skip
            self._add(found)
        return found

    def in_region(self, region: str) -> list[FarmInfo]:
        """The farms of one city."""
        return self._by_region.get(region, [])

    def city_names(self, region: str) -> tuple[str, str]:
        """The city's Chinese and English names (the code itself for an unknown city)."""
        for c in self.world.cities:
            if c.code == region:
                return c.name_zh, c.name_en
        return region, region


class LocalClock:
    """Converts simulated UTC instants to local crop days and back (Beijing time by default)."""

    def __init__(self, offset_h: float) -> None:
        self.offset = timedelta(hours=offset_h)

    def day(self, at: datetime) -> date:
        """The local day of an instant."""
        return (at.astimezone(UTC) + self.offset).date()

    def start(self, day: date) -> datetime:
        """The UTC instant a local day starts."""
        return datetime.combine(day, time(0), tzinfo=UTC) - self.offset


@dataclass
class Streak:
    """How long one sensor condition has held on one farm (hours or consecutive local days)."""

    count: int = 0
    start: datetime | None = None
    last_day: date | None = None
    extreme: float | None = None

    def reset(self) -> None:
        """The condition stopped holding."""
        self.count, self.start, self.last_day, self.extreme = 0, None, None, None


@dataclass
class _DayAgg:
    total: float = 0.0
    n: int = 0
    hi: float = float("-inf")
    lo: float = float("inf")

    def add(self, v: float) -> None:
        self.total += v
        self.n += 1
        self.hi = max(self.hi, v)
        self.lo = min(self.lo, v)


#: Which observation field each sensor variable reads.
_SOURCE = {
    "canopy_temp": "canopy_temp_c",
    "soil_moisture": "soil_moisture_pct",
    "water_depth": "water_depth_cm",
    "crop_stress": "crop_stress",
    "canopy_tmax_day": "canopy_temp_c",
    "canopy_tmin_day": "canopy_temp_c",
    "canopy_tmean_day": "canopy_temp_c",
    "soil_moisture_day": "soil_moisture_pct",
}


def _aggregate(variable: str, agg: _DayAgg) -> float | None:
    if agg.n == 0:
        return None
    if variable.endswith("tmax_day"):
        return agg.hi
    if variable.endswith("tmin_day"):
        return agg.lo
    return agg.total / agg.n


def _known_early(c: SensorCriterion) -> bool:
    # A day's max >= x (or min <= x) is settled by the first reading that reaches x; a mean is
    # only known once the day is over.
    return (c.variable.endswith("tmax_day") and c.op in ("ge", "gt")) or (
        c.variable.endswith("tmin_day") and c.op in ("le", "lt")
    )


@dataclass
class FarmState:
    """A farm's recent sensor past: today's aggregates and one streak per sensor rule."""

    info: FarmInfo
    stage: str | None = None
    last_seen: datetime | None = None
    last_obs_id: object = None
    day: date | None = None
    aggs: dict[str, _DayAgg] = field(default_factory=dict)
    streaks: dict[str, Streak] = field(default_factory=dict)

    def streak(self, rule: CropRule) -> Streak:
        """The streak of ``rule``'s sensor condition on this farm."""
        found = self.streaks.get(rule.id)
        if found is None:
            found = self.streaks[rule.id] = Streak()
        return found

    def observe(
        self, obs: FarmObservation, rules: list[CropRule], clock: LocalClock, stage: str | None
    ) -> list[tuple[CropRule, Streak, bool]]:
        """Fold a reading into the streaks; return (rule, streak, condition met now) per rule."""
        today = clock.day(obs.occurred_at)
        out: list[tuple[CropRule, Streak, bool]] = []
        if self.day is not None and today > self.day:
            out.extend(self._close_day(rules, clock, today))
            self.aggs = {}
        if self.day is None or today >= self.day:
            self.day = today
        self.stage = stage
        self.last_seen = obs.occurred_at
        self.last_obs_id = obs.event_id
        for name in {"canopy_temp_c", "soil_moisture_pct"}:
            value = getattr(obs, name)
            if value is not None:
                self.aggs.setdefault(name, _DayAgg()).add(value)
        for rule in rules:
            c = rule.sensor
            if c is None:
                continue
            s = self.streak(rule)
            applies = rule.applies_to(self.info.crop, stage, today)
            if c.daily:
                if not _known_early(c):
                    continue
                agg = self.aggs.get(_SOURCE[c.variable])
                value = _aggregate(c.variable, agg) if agg else None
                if value is None or not applies or not compare(value, c.op, c.threshold_at(stage)):
                    continue
                if s.last_day != today:
                    self._count_day(s, today, clock)
                s.extreme = value if s.extreme is None else _worse(c, s.extreme, value)
                out.append((rule, s, True))
                continue
            raw = getattr(obs, _SOURCE[c.variable])
            if raw is None:  # a gap in the reading says nothing either way
                continue
            value = float(raw)
            if applies and compare(value, c.op, c.threshold_at(stage)):
                if s.count == 0:
                    s.start = obs.occurred_at
                assert s.start is not None
                s.count = int((obs.occurred_at - s.start).total_seconds() // 3600) + 1
                s.extreme = value if s.extreme is None else _worse(c, s.extreme, value)
                out.append((rule, s, True))
            else:
                s.reset()
        return out

    def _close_day(
        self, rules: list[CropRule], clock: LocalClock, today: date
    ) -> list[tuple[CropRule, Streak, bool]]:
        closed = self.day
        assert closed is not None
        out: list[tuple[CropRule, Streak, bool]] = []
        for rule in rules:
            c = rule.sensor
            if c is None or not c.daily:
                continue
            s = self.streak(rule)
            agg = self.aggs.get(_SOURCE[c.variable])
            value = _aggregate(c.variable, agg) if agg else None
            met = (
                value is not None
                and rule.applies_to(self.info.crop, self.stage, closed)
                and compare(value, c.op, c.threshold_at(self.stage))
            )
            if not met:
                s.reset()
                continue
            if s.last_day != closed:
                self._count_day(s, closed, clock)
                assert value is not None
                s.extreme = value if s.extreme is None else _worse(c, s.extreme, value)
                out.append((rule, s, True))
            if (today - closed).days > 1:
                # A day with no readings at all breaks the run of consecutive days.
                s.reset()
        return out

    @staticmethod
    def _count_day(s: Streak, day: date, clock: LocalClock) -> None:
        if s.last_day is not None and (day - s.last_day).days == 1:
            s.count += 1
        else:
            s.count, s.start = 1, clock.start(day)
        s.last_day = day


def _worse(c: SensorCriterion, a: float, b: float) -> float:
    return min(a, b) if c.op in ("le", "lt") else max(a, b)
