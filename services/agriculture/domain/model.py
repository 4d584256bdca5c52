"""The agriculture risk model: farm readings and public warnings (and, fused, forecasts) in;
advisories out.

One class serves both modes. Both instances see farm observations, the public CMA warnings
every county agriculture bureau receives and the climate record (the month's chance of each
forecast product's condition and how long and bad its spells are, ``shared.world.Climatology``):
the fair siloed baseline. The fused instance is also fed the weather service's numerical
forecasts; while a forecast run covers a city, its calibrated chance replaces the climate
record's there (it already knows the season). With no cross-sector input both run the same code
on the same data and so make the same decisions (up to ``mode`` and the ids derived from it).
A decision lists ``weather`` in ``cross_sector_inputs`` only when a forecast caused it.

A *situation* is one risk on one farm (a city's area of one crop): it opens with one ``taken``
advisory, never repeats while the risk lasts, and closes with one ``lifted`` advisory once no
evidence (sensor condition, warning in force, forecast run) has supported it for the rule's
``clear_after_h``. Lifted advisories carry no cost and no expected benefit.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from services.agriculture.domain.farms import FarmDirectory, FarmInfo, FarmState, LocalClock
from services.agriculture.domain.outlook import (
    ActiveWarning,
    Expectation,
    expect,
    is_cancel,
    level_from_colour,
    warning_of,
)
from services.agriculture.domain.rules import CropRule, CropRules
from shared.contracts.agriculture import (
    AdvisoryBasis,
    AdvisoryIssued,
    FarmObservation,
    Industry,
    RiskKind,
    RiskLevel,
)
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.weather import ForecastIssued, SignalType, WarningIssued
from shared.world import World
from shared.world.costs import NO_CHARGE, Charge, Per, worth_acting

log = logging.getLogger(__name__)

SOURCE = "agriculture"
#: Advisories kept for queries (the topic is the record; this is a window for the HTTP API).
HISTORY_LIMIT = 20_000
#: How many days past a warning's onset the stage check looks (a spell's usual length).
_SPELL_DAYS = 3


def _nth(status: str, n: int) -> tuple[str, ...]:
    """Id parts of a situation's ``n``-th opening (the first keeps the plain ids)."""
    return (status,) if n == 1 else (status, str(n))


class CrossSectorInputError(RuntimeError):
    """A siloed model was handed another sector's event."""


@dataclass(frozen=True)
class Trigger:
    """Why a rule fires now: its basis, level, expected onset, evidence horizon and inputs."""

    basis: AdvisoryBasis
    level: RiskLevel
    onset: datetime
    evidence_until: datetime
    causation_id: UUID
    inputs: tuple[UUID, ...]
    stage: str | None
    detail: str
    #: The chance the condition comes (p in p x L > C; see crop_rules.yaml).
    probability: float
    #: Levels the condition may reach, equally likely, when the evidence gives a spread (the
    #: climate record's spells): L is then their mean loss (``level`` is the median one).
    spread: tuple[RiskLevel, ...] = ()


@dataclass(frozen=True)
class Appraisal:
    """A trigger worth acting on for one farm: when the action is due, what it saves, its cost."""

    effective: datetime
    loss_avoided: float
    charge: Charge


@dataclass
class Situation:
    """An open risk on one farm, the advisory that opened it, and what holds it open: each kind
    of evidence's horizon (the latest warning and forecast run replace their kind's; sensor
    streaks extend theirs)."""

    key: str
    rule: CropRule
    advisory: AdvisoryIssued
    level: RiskLevel
    #: Each rule's and kind of evidence's horizon (rules of one risk share its situation).
    held: dict[tuple[str, AdvisoryBasis], datetime]
    #: Which opening of its key this is (1 the first).
    n: int = 1

    @property
    def evidence_until(self) -> datetime:
        """Until when some evidence supports the risk (when none does, since it was opened)."""
        return max(self.held.values(), default=self.advisory.occurred_at)


@dataclass(frozen=True)
class RiskView:
    """Current risk of one farm, for queries."""

    region: str
    industry: Industry
    crop: str
    farm_id: str
    risk: RiskKind
    level: RiskLevel
    mode: Mode
    decision_key: str
    since: datetime
    basis: AdvisoryBasis
    action: str


class AgricultureModel:
    """Crop-risk advisories for one mode (instantiate once per mode; same code for both)."""

    def __init__(self, *, mode: Mode, rules: CropRules, world: World, defer: bool = False) -> None:
        """``defer``: a farm reading decides on the farm's own sensors at once, and leaves
        the warnings, forecasts and climate record (the same for every reading of an hour) to
        :meth:`flush`, once per farm read (the service calls it after each batch: per tick in
        a scenario). Without it every reading weighs them at once (what unit tests read)."""
        self.mode = mode
        self.defer = defer
        # farms read since the last flush: their latest reading's time and id
        self._dirty: dict[str, tuple[FarmInfo, datetime, UUID]] = {}
        self.rules = rules
        self.world = world
        self.clock = LocalClock(rules.timezone_offset_h)
        self.farms = FarmDirectory(world)
        self._states: dict[str, FarmState] = {}
        self._by_crop: dict[str, list[CropRule]] = {}
        for rule in rules.rules:
            for crop in rule.crops:
                self._by_crop.setdefault(crop, []).append(rule)
        self._open: dict[tuple[str, RiskKind], Situation] = {}
        #: How many times each situation key has been opened (a key may reopen after a lift).
        self._opened: dict[str, int] = {}
        self._warnings: dict[tuple[str, SignalType], ActiveWarning] = {}
        self._expectations: dict[tuple[str, str], Expectation] = {}
        #: Signals cancelled after their onset (the condition came and went), by city.
        self._ended: set[tuple[str, SignalType]] = set()
        self._rule_by_id = {rule.id: rule for rule in rules.rules}
        #: Until when each city's latest forecast run reaches (its last step).
        self._forecast_until: dict[str, datetime] = {}
        self.history: deque[AdvisoryIssued] = deque(maxlen=HISTORY_LIMIT)
        self._decide_ahead = timedelta(hours=rules.decide_ahead_h)

    # -- inputs ------------------------------------------------------------------------------

    def on_farm_observation(self, obs: FarmObservation) -> list[AdvisoryIssued]:
        """Own-sector input: fold a farm reading in and return the advisories it causes."""
        info = self.farms.of(obs)
        state = self._states.get(info.farm_id)
        if state is None:
            state = self._states[info.farm_id] = FarmState(info=info)
        if state.last_seen is not None and obs.occurred_at < state.last_seen:
            # A late reading must not rewind the day aggregates; it still counts as seen.
            log.debug("late reading %s for %s ignored", obs.event_id, info.farm_id)
            return []
        now = obs.occurred_at
        stage = obs.crop_stage or self._calendar_stage(info, self.clock.day(now))
        rules = self._by_crop.get(info.crop, [])
        out: list[AdvisoryIssued] = []
        for rule, streak, _ in state.observe(obs, rules, self.clock, stage):
            c = rule.sensor
            assert c is not None
            clear = self._clear(rule)
            self._refresh(info, rule, AdvisoryBasis.SENSORS, now + clear)
            if streak.count < c.persist or streak.start is None:
                continue
            unit = "d" if c.daily else "h"
            trigger = Trigger(
                basis=AdvisoryBasis.SENSORS,
                level=rule.level_for(duration=streak.count, extreme=streak.extreme),
                onset=streak.start, evidence_until=now + clear, causation_id=obs.event_id,
                inputs=(obs.event_id,), stage=stage,
                detail=f"sensors: {c.variable} {c.op} {c.threshold_at(stage):g} "
                f"for {streak.count}{unit}",
                probability=self.rules.sensor_probability,
            )  # fmt: skip
            worth = self._appraise(info, rule, trigger, now)
            if worth is not None:  # p x L > C on this evidence (stronger evidence may be later)
                out.extend(self._decide(info, rule, trigger, worth, now, cross=False))
        if self.defer:
            self._dirty[info.farm_id] = (info, now, obs.event_id)
            return out
        out.extend(self._cross_triggers(info, now, state))
        out.extend(self._lift_passed(info, now, obs.event_id))
        return out

    def flush(self) -> list[AdvisoryIssued]:
        """Weigh the warnings, forecasts and climate record for every farm read since the last
        flush (``defer``), as of its latest reading, in the order the farms were first read."""
        if not self._dirty:
            return []
        dirty, self._dirty = self._dirty, {}
        out: list[AdvisoryIssued] = []
        for info, now, cause in dirty.values():
            out.extend(self._cross_triggers(info, now, self._states.get(info.farm_id)))
            out.extend(self._lift_passed(info, now, cause))
        return out

    def on_warning(self, w: WarningIssued) -> list[AdvisoryIssued]:
        """A public CMA warning issued, upgraded or cancelled for a city (both modes: every
        county agriculture bureau receives it, so it is not another sector's data)."""
        key = (w.region, w.signal)
        if is_cancel(w):
            gone = self._warnings.pop(key, None)
            if gone is not None and gone.onset <= w.occurred_at:
                self._passed(w.region, w.signal, w.occurred_at)
            return []
        self._ended.discard(key)
        self._warnings[key] = warning_of(w)
        return self._cross_region(w.region, w.occurred_at)

    def on_forecast(self, fc: ForecastIssued) -> list[AdvisoryIssued]:
        """Cross-sector input (fused only): a numerical forecast for a city."""
        self._require_fused("a weather forecast")
        crops = {f.crop for f in self.farms.in_region(fc.region)}
        self._forecast_until[fc.region] = fc.steps[-1].valid_at
        done: set[str] = set()
        for crop in crops:
            for rule in self._by_crop.get(crop, []):
                if rule.forecast is None or rule.id in done:
                    continue
                done.add(rule.id)
                found = expect(fc, rule.forecast)
                if found is None:
                    self._expectations.pop((fc.region, rule.id), None)
                else:
                    self._expectations[(fc.region, rule.id)] = found
        return self._cross_region(fc.region, fc.occurred_at)

    # -- queries -----------------------------------------------------------------------------

    def current_risks(
        self, *, region: str | None = None, industry: Industry | None = None
    ) -> list[RiskView]:
        """Open situations, optionally for one city and/or industry."""
        out: list[RiskView] = []
        for (farm_id, risk), sit in sorted(self._open.items()):
            a = sit.advisory
            if (region and a.region != region) or (industry and a.industry != industry):
                continue
            out.append(
                RiskView(
                    region=a.region, industry=a.industry, crop=a.crop, farm_id=farm_id, risk=risk,
                    level=sit.level, mode=self.mode, decision_key=sit.key, since=a.effective_at,
                    basis=a.basis, action=a.action,
                )
            )  # fmt: skip
        return out

    def advisories(self) -> Iterable[AdvisoryIssued]:
        """Advisories issued so far (the most recent ``HISTORY_LIMIT``), oldest first."""
        return iter(self.history)

    # -- internals ---------------------------------------------------------------------------

    def _require_fused(self, what: str) -> None:
        if self.mode != Mode.FUSED:
            raise CrossSectorInputError(f"the siloed model must not be fed {what}")

    def _clear(self, rule: CropRule) -> timedelta:
        """How long a risk stays open after the last evidence of it (``clear_after_h``)."""
        return timedelta(hours=self.rules.clear_after_h(rule))

    def _calendar_stage(self, info: FarmInfo, day: date) -> str | None:
        return self.world.calendars.stage(info.crop, day, info.lat)

    def _stage_on(self, info: FarmInfo, day: date) -> str | None:
        state = self._states.get(info.farm_id)
        if state is not None and state.day == day and state.stage is not None:
            return state.stage
        return self._calendar_stage(info, day)

    def _refresh(
        self, info: FarmInfo, rule: CropRule, basis: AdvisoryBasis, until: datetime | None
    ) -> None:
        """Set what ``basis`` says of an open risk: a sensor streak extends its horizon, the
        latest warning or forecast replaces its kind's (None: it no longer supports the risk)."""
        sit = self._open.get((info.farm_id, rule.risk))
        if sit is None:
            return
        key = (rule.id, basis)
        if until is None:
            sit.held.pop(key, None)
        elif basis is AdvisoryBasis.SENSORS:
            sit.held[key] = max(until, sit.held.get(key, until))
        else:
            sit.held[key] = until

    def _cross_region(self, region: str, now: datetime) -> list[AdvisoryIssued]:
        out: list[AdvisoryIssued] = []
        for info in self.farms.in_region(region):
            out.extend(self._cross_triggers(info, now, self._states.get(info.farm_id)))
        return out

    def _cross_triggers(
        self, info: FarmInfo, now: datetime, state: FarmState | None
    ) -> list[AdvisoryIssued]:
        out: list[AdvisoryIssued] = []
        extra: tuple[UUID, ...] = (
            (state.last_obs_id,) if state is not None and isinstance(state.last_obs_id, UUID)
            else ()
        )  # fmt: skip
        for rule in self._by_crop.get(info.crop, []):
            acted = False
            for basis, find in (
                (AdvisoryBasis.WARNING, self._warning_trigger),
                (AdvisoryBasis.FORECAST, self._forecast_trigger),
                (AdvisoryBasis.CLIMATOLOGY, self._climate_trigger),
            ):
                trigger = find(info, rule, now, extra)
                worth = None if trigger is None else self._appraise(info, rule, trigger, now)
                # A warning in force holds an open risk; a forecast run only while it is still
                # worth keeping the action on (the latest run replaces what the earlier ones
                # said). Keeping weighs only the running cost: the setup is spent, and calling
                # the action off to set it up again on the next run would pay it twice. Evidence
                # that has merely passed keeps its horizon (its spell + clear_after_h); evidence
                # withdrawn (a cancel, a newer run without the condition) ends it now.
                if trigger is None:
                    if self._withdrawn(info.region, rule, basis):
                        self._refresh(info, rule, basis, None)
                elif (
                    worth is not None
                    or basis is AdvisoryBasis.WARNING
                    or (
                        (info.farm_id, rule.risk) in self._open
                        and self._appraise(info, rule, trigger, now, keeping=True) is not None
                    )
                ):
                    self._refresh(info, rule, basis, trigger.evidence_until)
                else:
                    self._refresh(info, rule, basis, None)
                if trigger is None or worth is None:
                    continue
                if worth.effective - now > self._decide_ahead:
                    continue  # not due yet: decide on the best evidence when it is
                if not acted:
                    cross = basis is AdvisoryBasis.FORECAST  # a warning is public
                    out.extend(self._decide(info, rule, trigger, worth, now, cross=cross))
                    acted = True
        return out

    def _withdrawn(self, region: str, rule: CropRule, basis: AdvisoryBasis) -> bool:
        """Whether the city's latest word of ``basis`` no longer names the rule's condition."""
        if basis is AdvisoryBasis.FORECAST:
            return (region, rule.id) not in self._expectations
        if basis is AdvisoryBasis.CLIMATOLOGY:
            return True  # the record no longer says so (another month, stage, or a forecast)
        return not any(
            ((w := self._warnings.get((region, wt.signal))) is not None
             and w.colour.rank >= wt.min_colour.rank)
            or (region, wt.signal) in self._ended
            for wt in rule.warnings
        )  # fmt: skip

    def _passed(self, region: str, signal: SignalType, now: datetime) -> None:
        """A warning cancelled after its onset: the condition came and went, so the risks it
        held stay open for their ``clear_after_h`` from now (as any evidence that has passed),
        not to its planned expiry; one cancelled before its onset withdraws its support."""
        self._ended.add((region, signal))
        for sit in self._open.values():
            if sit.advisory.region != region:
                continue
            for (rule_id, basis), until in list(sit.held.items()):
                rule = self._rule_by_id[rule_id]
                if basis is AdvisoryBasis.WARNING and any(
                    wt.signal is signal for wt in rule.warnings
                ):
                    sit.held[(rule_id, basis)] = min(until, now + self._clear(rule))

    def _appraise(
        self, info: FarmInfo, rule: CropRule, t: Trigger, now: datetime, *, keeping: bool = False
    ) -> Appraisal | None:
        """p x L against C for one farm (``crop_rules.yaml``); None when it is not worth it.
        ``keeping``: C of an action already in force (its running cost, not its setup)."""
        if rule.exposed_share(info.lowland_share, info.rainfed_share) <= 0:
            return None
        levels = t.spread or (t.level,)
        loss = (
            info.value_yuan
            * sum(
                rule.share_lost(level, t.stage, info.lowland_share, info.rainfed_share)
                for level in levels
            )
            / len(levels)
        )
        avoided = loss * rule.avoid_share
        charge = self._charge(info, rule)
        # Advice ahead of the condition takes effect when the action is due (its lead before
        # the onset), not before: the farm is not asked to pay for days it does not need.
        effective = max(now, t.onset - timedelta(hours=rule.lead_h))
        in_force_h = max(1.0, (t.evidence_until - effective).total_seconds() / 3600)
        cost = charge.keeping(in_force_h) if keeping else charge.over(in_force_h)
        if not worth_acting(t.probability, avoided, cost):
            return None
        return Appraisal(effective=effective, loss_avoided=avoided, charge=charge)

    def _susceptible_stage(
        self, info: FarmInfo, rule: CropRule, start: datetime, end: datetime
    ) -> tuple[bool, str | None]:
        # The crop must be in a susceptible stage on some day of the expected spell; the stage
        # on a future day comes from the crop calendar (own-sector knowledge).
        day, last = self.clock.day(start), self.clock.day(end)
        while day <= last:
            stage = self._stage_on(info, day)
            if rule.applies_to(info.crop, stage, day):
                return True, stage
            day += timedelta(days=1)
        return False, None

    def _warning_trigger(
        self, info: FarmInfo, rule: CropRule, now: datetime, extra: tuple[UUID, ...]
    ) -> Trigger | None:
        for wt in rule.warnings:
            w = self._warnings.get((info.region, wt.signal))
            if w is None or w.colour.rank < wt.min_colour.rank or w.expires <= now:
                continue
            start = max(w.onset, now)
            end = min(w.expires, start + timedelta(days=_SPELL_DAYS))
            ok, stage = self._susceptible_stage(info, rule, start, end)
            if not ok or rule.exposed_share(info.lowland_share, info.rainfed_share) <= 0:
                continue
            return Trigger(
                basis=AdvisoryBasis.WARNING,
                level=level_from_colour(rule, w.colour, self.rules.colour_levels),
                onset=w.onset, evidence_until=w.expires + self._clear(rule),
                causation_id=w.event_id,
                inputs=(w.event_id, *extra), stage=stage,
                detail=f"warning: {w.signal.value} {w.colour.value}",
                probability=self.rules.warning_probability[w.colour],
            )  # fmt: skip
        return None

    def _forecast_trigger(
        self, info: FarmInfo, rule: CropRule, now: datetime, extra: tuple[UUID, ...]
    ) -> Trigger | None:
        e = self._expectations.get((info.region, rule.id))
        if e is None or e.until <= now or rule.forecast is None:
            return None
        ok, stage = self._susceptible_stage(info, rule, max(e.onset, now), e.until)
        if not ok or rule.exposed_share(info.lowland_share, info.rainfed_share) <= 0:
            return None
        c = rule.forecast
        unit = "d" if c.daily else "h"
        # A run short of the condition still has a chance of it: the rule's mildest level then.
        level = (
            rule.level_for(duration=e.duration, extreme=e.extreme) if e.met else rule.levels[0][1]
        )
        return Trigger(
            basis=AdvisoryBasis.FORECAST,
            level=level,
            onset=e.onset, evidence_until=e.until + self._clear(rule), causation_id=e.event_id,
            inputs=(e.event_id, *extra), stage=stage,
            detail=f"forecast: {c.variable} {c.op} {c.threshold:g} for {e.duration:g}{unit}, "
            f"p={e.probability:.2f}",
            probability=e.probability,
        )  # fmt: skip

    def _climate_trigger(
        self, info: FarmInfo, rule: CropRule, now: datetime, extra: tuple[UUID, ...]
    ) -> Trigger | None:
        """The climate record's chance of the rule's condition within its forecast horizon, for
        a city no forecast run covers now (the siloed mode's always; the fused mode's before its
        first run or after its last): the cost-loss literature's climatological strategy."""
        c = rule.forecast
        if c is None or now < self._forecast_until.get(info.region, now):
            return None
        normal = self.world.climatology.normal(c.product, now)
        if normal is None or not normal.rate:
            return None
        p = normal.rate
        # how long and how bad the condition is when it comes: each decile of the record's spells
        spread = tuple(
            rule.level_for(duration=d, extreme=e)
            for d, e in zip(normal.durations, normal.extremes, strict=True)
        )
        until = now + timedelta(hours=c.horizon_h)
        ok, stage = self._susceptible_stage(info, rule, now, until)
        if not ok or rule.exposed_share(info.lowland_share, info.rainfed_share) <= 0:
            return None
        return Trigger(
            basis=AdvisoryBasis.CLIMATOLOGY,
            level=spread[len(spread) // 2], spread=spread,
            onset=now, evidence_until=until + self._clear(rule),
            causation_id=extra[0] if extra else derived_id(SOURCE, "climate", c.product),
            inputs=extra, stage=stage,
            detail=f"climate record: {c.product} in {c.horizon_h:g} h, p={p:.2f}",
            probability=p,
        )  # fmt: skip

    def _decide(
        self,
        info: FarmInfo,
        rule: CropRule,
        t: Trigger,
        worth: Appraisal,
        now: datetime,
        *,
        cross: bool,
    ) -> list[AdvisoryIssued]:
        open_key = (info.farm_id, rule.risk)
        sit = self._open.get(open_key)
        if sit is not None:
            if t.level.rank > sit.level.rank:
                sit.level = t.level  # shown in queries; one advisory per situation
            return []
        onset_day = self.clock.day(t.onset).isoformat()
        key = ":".join(
            (SOURCE, info.region, info.industry.value, info.crop, rule.risk.value, onset_day)
        )
        city_zh, city_en = self.farms.city_names(info.region)
        crop = self.rules.crop_name(info.crop)
        # A key reopened after its lift is a new decision: it needs ids of its own, or every
        # consumer would drop it as a duplicate of the first.
        n = self._opened[key] = self._opened.get(key, 0) + 1
        advisory = AdvisoryIssued(
            event_id=derived_id(SOURCE, "advisory", self.mode.value, key, *_nth("taken", n)),
            correlation_id=derived_id(SOURCE, "situation", key),
            causation_id=t.causation_id,
            occurred_at=now,
            source=SOURCE,
            region=info.region,
            mode=self.mode,
            action=rule.action,
            decision_key=key,
            asset_ids=(info.farm_id,),
            industry=info.industry,
            crop=info.crop,
            crop_stages=(t.stage,) if t.stage else (),
            risk=rule.risk,
            risk_level=t.level,
            basis=t.basis,
            expected_onset=t.onset,
            effective_at=worth.effective,
            **worth.charge.fields(),
            probability=round(t.probability, 4),
            expected_loss_avoided_yuan=round(t.probability * worth.loss_avoided, 2),
            reason=f"{rule.id}: {t.detail}"[:500],
            inputs=t.inputs,
            cross_sector_inputs=("weather",) if cross else (),
            advice_zh=f"{city_zh}{crop.zh}：{rule.advice_zh}"[:500],
            advice_en=f"{city_en} {crop.en}: {rule.advice_en}"[:500],
        )
        self._open[open_key] = Situation(
            key=key,
            rule=rule,
            advisory=advisory,
            level=t.level,
            held={(rule.id, t.basis): t.evidence_until},
            n=n,
        )
        self.history.append(advisory)
        return [advisory]

    def _charge(self, info: FarmInfo, rule: CropRule) -> Charge:
        """The cost of the rule's action over the part of the farm it protects."""
        exposed = rule.exposed_share(info.lowland_share, info.rainfed_share)
        if info.heads:
            return self.world.charge(rule.action, Per.HEAD, info.heads * exposed)
        return self.world.charge(rule.action, Per.MU, info.area_mu * exposed)

    def _lift_passed(self, info: FarmInfo, now: datetime, cause: UUID) -> list[AdvisoryIssued]:
        out: list[AdvisoryIssued] = []
        for risk in RiskKind:
            sit = self._open.get((info.farm_id, risk))
            if sit is None or now < sit.evidence_until:
                continue
            del self._open[(info.farm_id, risk)]
            a = sit.advisory
            lifted = a.model_copy(
                update={
                    "event_id": derived_id(
                        SOURCE, "advisory", self.mode.value, sit.key, *_nth("lifted", sit.n)
                    ),
                    "status": "lifted",
                    "causation_id": cause,
                    "occurred_at": now,
                    "effective_at": now,
                    **NO_CHARGE,
                    "expected_loss_avoided_yuan": 0.0,
                    "inputs": (cause,),
                    "reason": f"{sit.rule.id}: risk passed (no evidence since "
                    f"{sit.evidence_until.isoformat()})",
                }
            )
            self.history.append(lifted)
            out.append(lifted)
        return out
