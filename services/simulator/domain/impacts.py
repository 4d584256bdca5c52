"""Ground truth: what each hazard really costs, by damage rule, asset and episode.

Each sector's rules (from ``shared/world/damage.yaml`` and from its plug-in, see ``plugin.py``)
run over the assets of that sector's own exposures (``Exposure``), which also give the variables
only their kind has. Every asset whose exposure allows it (``city_variables``) may also compare
its city's variables:

- ``temp``, ``rain_24h``, ``ice_mm``, ``gust``: hourly values;
- ``tmax_day``, ``tmean_day``, ``soil_moisture_day``: the local day's aggregate, every hour;
- ``level_above_warning``: the city's worse of its lake and river gauges above their warning
  levels (-99 without either); a flood zone's own exposure reads its own gauge instead.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from services.simulator.domain.fields import HAZARD_PRESENCE, WorldState
from shared.contracts.agriculture import Industry
from shared.contracts.envelope import derived_id
from shared.contracts.simulator import (
    PROVINCE_REGION,
    HazardKind,
    HazardOccurred,
    ImpactOccurred,
    Mitigation,
    ValueReference,
)
from shared.world import BEIJING_OFFSET, DamageRule, World
from shared.world import Mitigation as RuleMitigation
from shared.world.costs import CostSpec, Per

#: The ``source`` of every event the simulator publishes.
SOURCE = "simulator"

_OPS: dict[str, Callable[[float, float], bool]] = {
    "ge": operator.ge,
    "gt": operator.gt,
    "le": operator.le,
    "lt": operator.lt,
}


@dataclass(frozen=True)
class Asset:
    """Something a hazard can damage: a farm, road segment, flood zone, city or facility."""

    id: str
    kind: str
    region: str
    value_yuan: float
    people: int
    lat: float
    crop: str | None = None
    industry: Industry | None = None
    facility_kind: str | None = None
    unit: str | None = None
    quantity: float | None = None
    vehicle_km_per_day: float = 0.0
    gauge: str | None = None
    #: What each action it may take is counted in, and how many of those units the whole asset
    #: has (a farm's mu or head, a segment's vehicles an hour or km, a zone's people or levee
    #: km, a city's crews): the perfect decision-maker's and the "always act" reference's costs.
    units: Mapping[str, tuple[Per, float]] = field(default_factory=dict)


#: The hourly values of one variable of one asset, over the whole span.
Variable = Callable[["Series", Asset], list[float]]


@dataclass(frozen=True)
class Exposure:
    """A kind of asset hazards can damage: the ``asset`` a damage rule names.

    Kinds belong to one sector: only that sector's rules run over its assets. ``assets`` lists
    the scenario's assets of this kind (only in the scenario's cities); ``variables`` are the
    variables only this kind has (a rule compares them by name); with ``city_variables`` the
    asset may also compare its city's variables (see the module doc).
    """

    kind: str
    assets: Callable[[WorldState], list[Asset]]
    variables: Mapping[str, Variable] = field(default_factory=dict)
    city_variables: bool = True


@dataclass(frozen=True)
class SectorImpacts:
    """One sector's damage rules and the exposures they run over (its own, by kind)."""

    sector: str
    exposures: tuple[Exposure, ...]
    rules: tuple[DamageRule, ...]


@dataclass(frozen=True)
class TruthItem:
    """A ground-truth event and the field hour at which it becomes known (is published)."""

    publish_hour: int
    event: ImpactOccurred | HazardOccurred | ValueReference


class Series:
    """Hourly variables of assets, computed lazily from the world state (and memoised)."""

    def __init__(self, state: WorldState) -> None:
        self.state = state
        self.world = state.world
        self._cache: dict[tuple[int, str, str], list[float]] = {}
        # Local-day index of every hour, for daily aggregates.
        self.day_of_hour = [
            (t.astimezone(UTC) + BEIJING_OFFSET).date().toordinal() for t in state.times
        ]

    def hourly(self, exposure: Exposure, asset: Asset, var: str) -> list[float]:
        """The hourly values of variable ``var`` of ``asset`` (one of ``exposure``'s)."""
        # Keyed by the exposure too: two sectors may each have a kind named "city".
        key = (id(exposure), asset.id, var)
        if key not in self._cache:
            self._cache[key] = self._compute(exposure, asset, var)
        return self._cache[key]

    def level_above(self, code: str) -> list[float]:
        """City ``code``'s worst water above warning, hourly (-99 without a lake or river gauge)."""
        return self.state.flood_excess(code)

    def gauge_above(self, gauge_id: str) -> list[float]:
        """Gauge ``gauge_id``'s level above its warning level, hourly."""
        g = self.world.gauge(gauge_id)
        return [v - g.warning_m for v in self.state.gauge_levels[g.id]]

    def _compute(self, exposure: Exposure, asset: Asset, var: str) -> list[float]:
        own = exposure.variables.get(var)
        if own is not None:
            return own(self, asset)
        if not exposure.city_variables:
            raise ValueError(f"unknown {asset.kind} variable {var!r}")
        cs = self.state.cities[asset.region]
        if var == "level_above_warning":
            return self.level_above(asset.region)
        direct: dict[str, list[float]] = {
            "temp": cs.temp,
            "rain_24h": cs.rain_24h,
            "ice_mm": cs.ice_mm,
            "gust": cs.gust,
        }
        if var in direct:
            return direct[var]
        daily: dict[str, tuple[list[float], Callable[[list[float]], float]]] = {
            "tmax_day": (cs.temp, max),
            "tmean_day": (cs.temp, lambda v: sum(v) / len(v)),
            "soil_moisture_day": (cs.soil_moisture, lambda v: sum(v) / len(v)),
        }
        if var in daily:
            values, agg = daily[var]
            return self._daily(values, agg)
        raise ValueError(f"unknown {asset.kind} variable {var!r}")

    def _daily(self, values: list[float], agg: Callable[[list[float]], float]) -> list[float]:
        # Every hour carries its local day's aggregate (the truth knows the whole day).
        out: list[float] = []
        i = 0
        n = len(values)
        while i < n:
            j = i
            while j < n and self.day_of_hour[j] == self.day_of_hour[i]:
                j += 1
            out.extend([agg(values[i:j])] * (j - i))
            i = j
        return out


class _Attribution:
    """Which scenario hazard caused an exposure that began at hour ``i`` in a city."""

    def __init__(self, state: WorldState) -> None:
        self.s = state

    def find(self, kinds: tuple[HazardKind, ...], region: str, i: int) -> tuple[str, HazardKind]:
        best: tuple[float, str, HazardKind] | None = None
        for hz in self.s.scenario.hazards:
            if hz.kind not in kinds:
                continue
            shape = self.s.shapes[hz.id].get(region)
            if shape is None:
                continue
            # Look back three days (a flood or a dry spell outlives the rain that caused it) and
            # ahead one (a daily exposure starts at midnight, before the day's heat builds).
            score = max(shape[max(0, i - 72) : i + 25])
            if best is None or score > best[0]:
                best = (score, hz.id, hz.kind)
        if best is None or best[0] <= 0:
            return f"{self.s.scenario.name}-background", kinds[0]
        return best[1], best[2]


def derive_truth(state: WorldState, sectors: Sequence[SectorImpacts]) -> list[TruthItem]:
    """Every ground-truth impact and hazard episode of the scenario, in publication order.

    Each sector's rules run over its own exposures; a rule's ``asset`` names one of their kinds.
    """
    series = Series(state)
    attribution = _Attribution(state)
    items: list[TruthItem] = []
    for sector in sectors:
        assets = [(e, a) for e in sector.exposures for a in e.assets(state)]
        for rule in sector.rules:
            for exposure, asset in assets:
                if _applies(rule, asset):
                    items.extend(_evaluate(rule, exposure, asset, state, series, attribution))
        if sector.rules:
            items.append(TruthItem(0, _reference(sector, [a for _, a in assets], state)))
    items.extend(_hazard_episodes(state))
    # Stable publication order: by hour, then by id (the same scenario gives the same bytes,
    # whatever order the plug-ins list their assets and rules in).
    items.sort(key=lambda it: (it.publish_hour, _sort_key(it.event)))
    return items


def _sort_key(event: ImpactOccurred | HazardOccurred | ValueReference) -> str:
    if isinstance(event, ImpactOccurred):
        return "1" + event.impact_id
    if isinstance(event, ValueReference):
        return "2" + event.sector
    return "0" + event.hazard_id + event.region


def _price(world: World, m: RuleMitigation, asset: Asset) -> tuple[CostSpec, float] | None:
    """The price of ``m``'s action for ``asset`` and the asset's units of it, if it has both."""
    counted = asset.units.get(m.action)
    if counted is None:
        return None
    per, units = counted
    spec = m.cost if m.cost is not None and m.cost.per is per else world.price(m.action, per)
    return None if spec is None else (spec, units)


def _reference(sector: SectorImpacts, assets: list[Asset], state: WorldState) -> ValueReference:
    """What keeping every mitigating action in force on every asset for the whole run costs."""
    world = state.world
    total: list[float] = []
    unpriced: set[str] = set()
    for asset in assets:
        actions = {
            m.action: m for rule in sector.rules if _applies(rule, asset) for m in rule.mitigations
        }
        for action, m in sorted(actions.items()):
            priced = _price(world, m, asset)
            if priced is None:
                unpriced.add(action)
                continue
            spec, units = priced
            total.append(spec.charge(units).over(state.hours))
    return ValueReference(
        event_id=derived_id(state.key, "reference", sector.sector),
        occurred_at=state.times[0],
        source=SOURCE,
        region=PROVINCE_REGION,
        sector=sector.sector,
        always_cost_yuan=round(sum(total), 2),
        assets=len(assets),
        hours=state.hours,
        unpriced_actions=tuple(sorted(unpriced)),
    )


def _per_person(world: World, m: RuleMitigation, asset: Asset) -> bool:
    """Whether ``m``'s action is counted per person on ``asset`` (an evacuation moves people)."""
    priced = _price(world, m, asset)
    return priced is not None and priced[0].per is Per.PERSON


def _perfect_cost(
    world: World,
    m: RuleMitigation,
    asset: Asset,
    ep: _Episode,
    window: tuple[datetime, datetime],
    people: int,
) -> float:
    """What ``m``'s action costs a perfect decision-maker for this impact.

    It covers only what the episode hits: the people this impact affects (moved from
    ``window[0]``, before the hazard, until their loss at ``window[1]``), or the hit share of a
    farm's mu or head, or the whole of anything else. Those last are protected once for the
    episode: its first impact pays the setup and the stretch up to its loss, each later one only
    the stretch since the one before, so the episode's impacts share one protection.
    """
    priced = _price(world, m, asset)
    if priced is None:
        return 0.0
    spec, units = priced
    start, end = window
    if spec.per is Per.PERSON:
        charge = spec.charge(float(people))
        return round(charge.over((end - start).total_seconds() / 3600), 2)
    charge = spec.charge(units * ep.max_share if spec.per in (Per.MU, Per.HEAD) else units)
    paid = ep.paid_until.get(m.action)
    ep.paid_until[m.action] = max(end, paid) if paid is not None else end
    if paid is None:
        return round(charge.over((end - start).total_seconds() / 3600), 2)
    return round(charge.yuan_per_h * max(0.0, (end - paid).total_seconds() / 3600), 2)


def _applies(rule: DamageRule, asset: Asset) -> bool:
    if rule.asset != asset.kind:
        return False
    if rule.crops is not None and asset.crop not in rule.crops:
        return False
    return not (
        rule.facility_kinds is not None
        and asset.facility_kind not in {k.value for k in rule.facility_kinds}
    )


@dataclass
class _Episode:
    start: int
    count: float = 0
    lost_share: float = 0.0
    lost_people_share: float = 0.0
    max_share: float = 0.0
    rate_loss: float = 0.0
    rate_people: float = 0.0
    off_hours: int = 0
    last: int = 0
    step: int = 0
    #: Per action, how far the perfect decision-maker's protection of the asset is already
    #: charged to the episode's earlier impacts (each step is charged only its own stretch).
    paid_until: dict[str, datetime] = field(default_factory=dict)


def _evaluate(
    rule: DamageRule,
    exposure: Exposure,
    asset: Asset,
    state: WorldState,
    series: Series,
    attribution: _Attribution,
) -> list[TruthItem]:
    values = series.hourly(exposure, asset, rule.variable)
    shares = series.hourly(exposure, asset, rule.share_variable) if rule.share_variable else None
    compare = _OPS[rule.op]
    reset = rule.reset_h or state.world.damage.episode_reset_h
    calendars = state.world.calendars
    n = state.hours
    # Daily rules are evaluated once per local day, at the day's last hour.
    if rule.unit == "day":
        hours = [
            i for i in range(n) if i == n - 1 or series.day_of_hour[i + 1] != series.day_of_hour[i]
        ]
        step_h = 24
    else:
        hours = list(range(n))
        step_h = 1
    out: list[TruthItem] = []
    ep: _Episode | None = None
    stage_cache: dict[int, str | None] = {}

    def stage_at(i: int) -> str | None:
        day = series.day_of_hour[i]
        if day not in stage_cache:
            stage_cache[day] = (
                calendars.stage(asset.crop, state.times[i].date(), asset.lat)
                if asset.crop
                else None
            )
        return stage_cache[day]

    for i in hours:
        stage = stage_at(i)
        met = compare(values[i], rule.threshold) and (rule.stages is None or stage in rule.stages)
        if met:
            if ep is None:
                first = i - (23 if rule.unit == "day" else 0)
                ep = _Episode(start=max(0, first))
            ep.off_hours = 0
            ep.last = i
            ep.count += 1
            share = shares[i] if shares is not None else 1.0
            ep.max_share = max(ep.max_share, share)
            if rule.mode == "duration":
                steps = (rule.steps_by_stage or {}).get(stage or "", rule.steps) or ()
                for step in steps:
                    if ep.count >= step[0] and step[1] > ep.lost_share:
                        out.append(_impact(rule, asset, state, attribution, ep, i, step, stage))
            elif rule.mode == "peak":
                for step in rule.steps or ():
                    if compare(values[i], step[0]) and step[1] > ep.lost_share:
                        out.append(_impact(rule, asset, state, attribution, ep, i, step, stage))
            else:
                _accrue_rate(rule, asset, state, ep, values[i])
        elif ep is not None:
            ep.off_hours += step_h
            if ep.off_hours >= reset:
                if rule.mode == "rate":
                    out.extend(_rate_impact(rule, asset, state, attribution, ep, i))
                ep = None
    if ep is not None and rule.mode == "rate":
        out.extend(_rate_impact(rule, asset, state, attribution, ep, n - 1))
    return out


def _impact(
    rule: DamageRule,
    asset: Asset,
    state: WorldState,
    attribution: _Attribution,
    ep: _Episode,
    i: int,
    step: tuple[float, ...],
    stage: str | None,
) -> TruthItem:
    share, people_share = step[1], (step[2] if len(step) > 2 else 0.0)
    inc = share - ep.lost_share
    inc_people = max(0.0, people_share - ep.lost_people_share)
    people_before = round(asset.people * ep.lost_people_share)
    ep.lost_share, ep.lost_people_share = share, max(ep.lost_people_share, people_share)
    ep.step += 1
    value = asset.value_yuan
    if rule.value_basis == "customers":
        c = state.world.damage.constants
        value = asset.people / c.people_per_customer * c.outage_cost_yuan_per_customer
    loss = value * ep.max_share * inc
    people = round(asset.people * inc_people)
    return _make(
        rule,
        asset,
        state,
        attribution,
        ep,
        i,
        loss,
        people,
        stage,
        ended=None,
        share=share,
        people_before=people_before,
    )


def _accrue_rate(rule: DamageRule, asset: Asset, state: WorldState, ep: _Episode, v: float) -> None:
    c = state.world.damage.constants
    mult = 1.0
    for threshold, m in rule.bands or ():
        if _OPS[rule.op](v, threshold):
            mult = max(mult, m)
    accidents = asset.vehicle_km_per_day / 24 / 1e6 * c.accident_rate_per_mveh_km * (mult - 1)
    ep.rate_loss += accidents * c.cost_per_accident_yuan
    ep.rate_people += accidents * c.people_per_accident


def _rate_impact(
    rule: DamageRule,
    asset: Asset,
    state: WorldState,
    attribution: _Attribution,
    ep: _Episode,
    publish: int,
) -> list[TruthItem]:
    if ep.rate_loss <= 0:
        return []
    item = _make(
        rule,
        asset,
        state,
        attribution,
        ep,
        ep.start,
        ep.rate_loss,
        round(ep.rate_people),
        None,
        ended=ep.last + 1,
    )
    return [TruthItem(publish_hour=max(publish, ep.last), event=item.event)]


def _make(
    rule: DamageRule,
    asset: Asset,
    state: WorldState,
    attribution: _Attribution,
    ep: _Episode,
    i: int,
    loss: float,
    people: int,
    stage: str | None,
    *,
    ended: int | None,
    share: float | None = None,
    people_before: int = 0,
) -> TruthItem:
    times = state.times
    started = times[ep.start]
    occurred = times[i]
    end_time = (
        times[ended]
        if ended is not None and ended < len(times)
        else (times[-1] + timedelta(hours=1) if ended is not None else None)
    )
    # Acting after the loss happened (or, for losses that accrue, after the episode) saves nothing.
    cutoff = end_time or occurred

    def perfect(m: RuleMitigation) -> float:
        in_place = min(started - timedelta(hours=m.lead_h), cutoff)
        return _perfect_cost(state.world, m, asset, ep, (in_place, cutoff), people)

    mitigations = tuple(
        Mitigation(
            action=m.action,
            avoidable_yuan=round(loss * m.avoid_share, 2),
            avoidable_people=round(people * m.people_share),
            full_benefit_by=min(started - timedelta(hours=m.lead_h), cutoff),
            no_benefit_after=cutoff,
            perfect_cost_yuan=perfect(m),
            people_before=people_before if _per_person(state.world, m, asset) else None,
        )
        for m in rule.mitigations
        if m.stages is None or stage in m.stages
    )
    hazard_id, hazard = attribution.find(rule.hazards, asset.region, ep.start)
    impact_id = f"{rule.id}:{asset.id}:{started:%Y%m%dT%H}:{ep.step}"
    event = ImpactOccurred(
        event_id=derived_id(state.key, "impact", impact_id),
        occurred_at=occurred,
        source=SOURCE,
        region=asset.region,
        impact_id=impact_id,
        hazard_id=hazard_id,
        hazard=hazard,
        sector=rule.sector,
        impact_kind=rule.impact,
        asset_id=asset.id,
        industry=asset.industry,
        exposure_started_at=started,
        ended_at=end_time,
        loss_yuan=round(loss, 2),
        direct_loss=rule.direct,
        people_affected=people,
        quantity=asset.quantity,
        affected_quantity=(
            round(asset.quantity * ep.max_share, 2) if asset.quantity is not None else None
        ),
        loss_share=share,
        unit=asset.unit,
        mitigations=mitigations,
    )
    return TruthItem(publish_hour=i, event=event)


def _hazard_episodes(state: WorldState) -> list[TruthItem]:
    out: list[TruthItem] = []
    n = state.hours
    for hz in state.scenario.hazards:
        for code, shape in state.shapes[hz.id].items():
            present = [i for i, s in enumerate(shape) if s >= HAZARD_PRESENCE]
            if not present:
                continue
            first, last = present[0], present[-1]
            peak_i = max(present, key=lambda i: shape[i])
            if hz.kind == HazardKind.FOG:
                intensity = state.cities[code].visibility[peak_i]
            elif hz.kind == HazardKind.LAKE_RISE:
                gauge = state.world.city(code).lake_gauge or state.world.key_gauge
                intensity = state.gauge_levels[gauge][peak_i]
            else:
                intensity = hz.peak * shape[peak_i]
            ended = state.times[last] + timedelta(hours=1)
            event = HazardOccurred(
                event_id=derived_id(state.key, "hazard", hz.id, code),
                occurred_at=state.times[first],
                source=SOURCE,
                region=code,
                hazard_id=hz.id,
                hazard=hz.kind,
                started_at=state.times[first],
                peak_at=state.times[peak_i],
                ended_at=ended,
                peak_intensity=round(intensity, 2),
                unit=hz.unit,
            )
            out.append(TruthItem(publish_hour=min(n - 1, last + 1), event=event))
    return out
