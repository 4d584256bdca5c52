"""The response model: per city, what level of response and which measures the evidence calls for.

The measures are emergency management's coordination: a response level with the rescue forces it
pre-positions, evacuation, and suspending operations at industrial-safety facilities. Levees are
the water sector's and power lines the energy sector's (each loss has one owner in the world's
damage rules), so this model neither reinforces levees nor de-ices lines: of a flood it guards
the people and their movable contents, which only evacuation saves.

Evidence per city: lake gauges over their warning levels, citizen reports in a sliding window,
industrial-safety alarms (own-sector), the public CMA warnings every agency receives (level
floors and an expected lake rise), and for the fused mode agriculture waterlogging advisories and
transport road status (routing). Each measure is decided when it starts or changes and stood down
after its evidence has been gone for a hold time, so a persisting situation is decided once.

Decisions by cost and loss: every piece of evidence for a measure is weighed on its own. It
counts only when the expected loss the measure avoids exceeds its cost, p x L > C
(``shared.world.costs.worth_acting``), or when the law requires the measure on that evidence (the
rules' ``decide.duties``: the flood response level on the gauges' stage). p comes from the kind of
evidence (``decide.probability``: the stated accuracy of gauges, reports and alarms, a warning's
colour, an advisory's constant); L is the loss the measure avoids if the loss comes (``_estimate``
and ``_facility_estimate``, before p); C is the measure's charge over its expected hours in force
(``decide.expected_hours``). Among the evidence that passes, the measure is decided as before
(the strongest level; for the other measures the first in the order gauges, reports, warnings) and
carries the highest p among it, with ``expected_loss_avoided_yuan = p x L``. Evidence not worth
acting on opens nothing and holds nothing up; the weighing depends only on the evidence and the
city, so a measure is still decided once per situation, and stand-downs are never gated.

The same class serves both modes; the siloed instance is fed own-sector events and the public
warnings (the fair baseline), never another sector's data.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from services.emergency.domain.routing import RoadGraph, Route
from services.emergency.domain.rules import EvidenceKind, ResponseRules, WarningEffect
from shared.contracts.agriculture import AdvisoryIssued, RiskKind
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import (
    CitizenReport,
    Deployment,
    EmergencyAction,
    GaugeReading,
    Measure,
    ResourceKind,
    ResponseDecided,
    ResponseLevel,
    SafetyAlarm,
)
from shared.contracts.envelope import Event, Mode, derived_id
from shared.contracts.simulator import HazardKind
from shared.contracts.transport import RoadStatusChanged
from shared.contracts.weather import SignalType, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world import City, DamageRule, Facility, Gauge, World
from shared.world.costs import NO_CHARGE, Charge, Per, worth_acting

log = logging.getLogger(__name__)

SERVICE = "emergency"
_MAX_INPUTS = 200
#: How often (simulated) every city is re-checked for measures whose hold has run out.
_SWEEP = timedelta(hours=1)

_SIGNAL_HAZARD: dict[SignalType, HazardKind] = {
    SignalType.RAINSTORM: HazardKind.RAINSTORM,
    SignalType.TYPHOON: HazardKind.RAINSTORM,
    SignalType.ROAD_ICING: HazardKind.FREEZING_RAIN,
    SignalType.BLIZZARD: HazardKind.FREEZING_RAIN,
    SignalType.HEAT: HazardKind.HEAT_WAVE,
    SignalType.GALE: HazardKind.GALE,
}

_RESOURCE_STOCK = {
    ResourceKind.RESCUE_TEAM: "rescue_teams",
    ResourceKind.BOATS: "boats",
    ResourceKind.TENTS: "tents",
}


def _rank(value: object) -> int:
    """A response level's rank (0 for anything else)."""
    return value.rank if isinstance(value, ResponseLevel) else 0


def city_of(region: str) -> str:
    """The prefecture-level city of a GB/T 2260 code (a county rolls up to its city)."""
    return region[:4] + "00"


@dataclass(frozen=True)
class Evidence:
    """Why a measure is called for: the hazard, the event ids and the sectors they came from,
    the kind of evidence and ``probability``, the p it gives the loss the measure guards against;
    for the gauges' evidence, ``rise_m``, the rise the public warnings add to their stage."""

    hazard: HazardKind | None
    causes: tuple[UUID, ...]
    sectors: frozenset[str] = frozenset()
    trigger: str = ""
    kind: EvidenceKind = field(kw_only=True)
    probability: float = field(kw_only=True)
    rise_m: float = field(default=0.0, kw_only=True)


@dataclass
class _Active:
    key: str
    rev: int
    terms: tuple[object, ...]
    decision: ResponseDecided
    clear_since: datetime | None = None
    episode: int = 1


@dataclass
class _Warning:
    signal: SignalType
    effect: WarningEffect
    expires_at: datetime
    event_id: UUID
    probability: float  # p of its colour


@dataclass
class _CityState:
    city: City
    gauges: tuple[Gauge, ...]
    levels: dict[str, tuple[float, UUID]] = field(default_factory=dict)
    reports: deque[CitizenReport] = field(default_factory=deque)
    warnings: dict[SignalType, _Warning] = field(default_factory=dict)
    advisories: dict[str, UUID] = field(default_factory=dict)
    active: dict[Measure, _Active] = field(default_factory=dict)
    received: list[Deployment] = field(default_factory=list)


@dataclass
class _FacilityState:
    facility: Facility
    last_alarm: SafetyAlarm | None = None
    active: _Active | None = None


@dataclass(frozen=True)
class Incident:
    """A report or alarm as the HTTP API lists it."""

    at: datetime
    city: str
    kind: str
    detail: str
    event_id: UUID


@dataclass(frozen=True)
class CityView:
    """A city's response as one mode's model sees it (what the HTTP API shows)."""

    mode: Mode
    city: str
    name_zh: str
    name_en: str
    level: ResponseLevel | None
    measures: tuple[Measure, ...]
    lake_above_warning_m: float | None
    flood_reports_in_window: int
    resources_on_hand: dict[ResourceKind, int]


class ResponseModel:
    """Emergency responses of one mode for every city of the province."""

    def __init__(
        self,
        mode: Mode,
        *,
        world: World,
        rules: ResponseRules,
        ledger: SituationLedger | None = None,
        defer: bool = False,
    ) -> None:
        """``defer``: a reading, report, warning or advisory only marks its cities, and
        :meth:`flush` decides on each marked city once (the service calls it after each batch:
        per tick in a scenario). Without it every input decides at once (one call, one answer:
        what the unit tests read)."""
        self.mode = mode
        self.defer = defer
        # cities an input touched since the last flush, with the last input that did
        self._dirty: dict[str, tuple[_CityState, UUID]] = {}
        self.world = world
        self.rules = rules
        # the two modes of a service share one ledger, so a situation has one decision key
        self.ledger = ledger or SituationLedger()
        self.graph = RoadGraph(
            self.world.segments,
            convoy_speed_kmh=self.rules.convoy_speed_kmh,
            closure_wait_h=self.rules.closure_wait_h,
        )
        self._cities: dict[str, _CityState] = {}
        for c in self.world.cities:
            gauges = tuple(
                g
                for g in self.world.gauges
                if g.city == c.code or g.id in (c.lake_gauge, c.river_gauge)
            )
            self._cities[c.code] = _CityState(c, gauges)
        self._gauge_cities: dict[str, list[_CityState]] = {}
        for state in self._cities.values():
            for g in state.gauges:
                self._gauge_cities.setdefault(g.id, []).append(state)
        self._gauges = {g.id: g for g in self.world.gauges}
        self._facilities = {f.id: _FacilityState(f) for f in self.world.facilities}
        self._stock = {r.city: r for r in self.world.resources}
        self._sent: dict[tuple[str, ResourceKind], int] = {}
        self._incidents: deque[Incident] = deque(maxlen=500)
        self._now: datetime | None = None
        self._next_sweep: datetime | None = None

    # ----------------------------------------------------------------------------- inputs

    def on_gauge(self, reading: GaugeReading) -> list[Event]:
        """Take a water level (own-sector); return the decisions it causes."""
        now = self._advance(reading.occurred_at)
        cities = self._gauge_cities.get(reading.gauge_id, [])
        if reading.water_level_m is None or not cities:
            return self._on_input(now, reading.event_id)
        for state in cities:
            state.levels[reading.gauge_id] = (reading.water_level_m, reading.event_id)
        return self._on_input(now, reading.event_id) + self._touch(cities, now, reading.event_id)

    def on_report(self, report: CitizenReport) -> list[Event]:
        """Take a citizen report (own-sector); return the decisions it causes."""
        now = self._advance(report.occurred_at)
        state = self._cities.get(city_of(report.region))
        self._incidents.append(
            Incident(report.occurred_at, city_of(report.region), report.report_kind,
                     report.text[:120], report.event_id)
        )  # fmt: skip
        if state is None:
            return self._on_input(now, report.event_id)
        state.reports.append(report)
        return self._on_input(now, report.event_id) + self._touch([state], now, report.event_id)

    def on_alarm(self, alarm: SafetyAlarm) -> list[Event]:
        """Take an industrial-safety alarm (own-sector); return the decisions it causes."""
        now = self._advance(alarm.occurred_at)
        detail = f"{alarm.facility_kind} {alarm.facility_id}: {alarm.alarm}"
        self._incidents.append(
            Incident(alarm.occurred_at, city_of(alarm.region), "safety_alarm", detail,
                     alarm.event_id)
        )  # fmt: skip
        fac = self._facilities.get(alarm.facility_id)
        if fac is None:
            log.warning("alarm from unknown facility %s recorded, not acted on", alarm.facility_id)
            return self._on_input(now, alarm.event_id)
        fac.last_alarm = alarm
        out = self._on_input(now, alarm.event_id)
        decision = self._evaluate_facility(fac, now, alarm.event_id)
        return out + ([decision] if decision else [])

    def on_warning(self, warning: WarningIssued) -> list[Event]:
        """Take a public CMA warning (both modes; not another sector's data); return the
        decisions it causes."""
        now = self._advance(warning.occurred_at)
        state = self._cities.get(city_of(warning.region))
        if state is None:
            return self._on_input(now, warning.event_id)
        effect = self.rules.warnings.get(warning.signal, {}).get(warning.colour)
        if warning.alert.msg_type == "Cancel" or effect is None:
            state.warnings.pop(warning.signal, None)
        else:
            expires = max(info.expires for info in warning.alert.info)
            state.warnings[warning.signal] = _Warning(
                warning.signal,
                effect,
                expires,
                warning.event_id,
                self.rules.decide.probability.of(EvidenceKind.WARNING, warning.colour),
            )
        out = self._on_input(now, warning.event_id)
        out += self._touch([state], now, warning.event_id)
        for fac in self._facilities.values():
            if fac.facility.city == state.city.code:
                decision = self._evaluate_facility(fac, now, warning.event_id)
                out += [decision] if decision else []
        return out

    def on_advisory(self, advisory: DecisionMade) -> list[Event]:
        """Take an agriculture advisory (cross-sector): waterlogging is flood evidence."""
        if advisory.mode is not self.mode or not isinstance(advisory, AdvisoryIssued):
            return []
        now = self._advance(advisory.occurred_at)
        state = self._cities.get(city_of(advisory.region))
        if state is None or advisory.risk is not RiskKind.WATERLOGGING:
            return self._on_input(now, advisory.event_id)
        wanted = self.rules.agriculture.waterlogging_min_risk.rank
        if advisory.status == "taken" and advisory.risk_level.rank >= wanted:
            state.advisories[advisory.decision_key] = advisory.event_id
        else:
            state.advisories.pop(advisory.decision_key, None)
        return self._on_input(now, advisory.event_id) + self._touch([state], now, advisory.event_id)

    def on_road_status(self, status: RoadStatusChanged) -> list[Event]:
        """Take a road status (cross-sector) of this mode's world: future routes use it."""
        if status.mode is self.mode:
            self.graph.update(status)
        return []

    def flush(self) -> list[Event]:
        """Decide on every city an input touched since the last flush (``defer``), in the order
        they were first touched, as of the latest input's time."""
        if not self._dirty or self._now is None:
            return []
        dirty, self._dirty = self._dirty, {}
        out: list[Event] = []
        for state, cause in dirty.values():
            out += self._evaluate_cities([state], self._now, cause)
        return out

    def advance(self, now: datetime) -> list[Event]:
        """Move the clock (e.g. on a tick): stand down measures whose hold has run out."""
        return self._sweep(self._advance(now), None)

    # ----------------------------------------------------------------------------- queries

    def cities(self) -> list[CityView]:
        """Every city with its level, measures and resources on hand."""
        views = []
        for state in self._cities.values():
            level_measure = state.active.get(Measure.RESPONSE_LEVEL)
            views.append(
                CityView(
                    mode=self.mode,
                    city=state.city.code,
                    name_zh=state.city.name_zh,
                    name_en=state.city.name_en,
                    level=level_measure.decision.level if level_measure else None,
                    measures=tuple(sorted(state.active)),
                    lake_above_warning_m=self._excess(state)[0],
                    flood_reports_in_window=self._count(state, self.rules.reports.flood_kinds),
                    resources_on_hand=self._on_hand(state),
                )
            )
        return views

    def resources(self) -> list[dict[str, object]]:
        """Each city's stock, what it sent away, and what was moved to it (with routes)."""
        out: list[dict[str, object]] = []
        for code, stock in self._stock.items():
            out.append(
                {
                    "mode": self.mode,
                    "city": code,
                    "stock": {k: int(getattr(stock, a)) for k, a in _RESOURCE_STOCK.items()},
                    "sent_away": {k: self._sent.get((code, k), 0) for k in ResourceKind},
                    "deployed_here": [d.model_dump() for d in self._cities[code].received],
                }
            )
        return out

    def incidents(self, limit: int = 100) -> list[Incident]:
        """The latest reports and alarms, newest first."""
        return list(reversed(self._incidents))[:limit]

    def active_decisions(self) -> list[ResponseDecided]:
        """The decision in force for every active measure."""
        out = [a.decision for s in self._cities.values() for a in s.active.values()]
        out += [f.active.decision for f in self._facilities.values() if f.active]
        return out

    # ----------------------------------------------------------------------------- evidence

    def _advance(self, at: datetime) -> datetime:
        if self._now is None or at > self._now:
            self._now = at
        return self._now

    def _on_input(self, now: datetime, cause: UUID) -> list[Event]:
        """The hourly sweep, due at an input (``defer``: at the tick's :meth:`advance` only)."""
        return [] if self.defer else self._sweep(now, cause)

    def _sweep(self, now: datetime, cause: UUID | None) -> list[Event]:
        if self._next_sweep is not None and now < self._next_sweep:
            return []
        self._next_sweep = now + _SWEEP
        out = self._evaluate_cities(self._cities.values(), now, cause)
        for fac in self._facilities.values():
            decision = self._evaluate_facility(fac, now, cause)
            out += [decision] if decision else []
        return out

    def _excess(self, state: _CityState) -> tuple[float | None, tuple[UUID, ...]]:
        """Metres over warning at the city's worst gauge, and that reading's id."""
        worst: tuple[float, UUID] | None = None
        for g in state.gauges:
            known = state.levels.get(g.id)
            if known is not None and (worst is None or known[0] - g.warning_m > worst[0]):
                worst = (known[0] - g.warning_m, known[1])
        return (round(worst[0], 3), (worst[1],)) if worst else (None, ())

    def _count(self, state: _CityState, kinds: Iterable[str]) -> int:
        wanted = set(kinds)
        return sum(1 for r in state.reports if r.report_kind in wanted)

    def _prune(self, state: _CityState, now: datetime) -> None:
        window = timedelta(hours=self.rules.reports.window_h)
        while state.reports and now - state.reports[0].occurred_at >= window:
            state.reports.popleft()

    def _assess(self, state: _CityState, now: datetime) -> dict[Measure, tuple[object, Evidence]]:
        """What each measure should be for the city now: {measure: (terms value, evidence)}.

        Only evidence worth acting on (or a legal duty) counts (``_acts``)."""
        rules = self.rules
        p = rules.decide.probability
        self._prune(state, now)
        for signal in [s for s, w in state.warnings.items() if w.expires_at <= now]:
            del state.warnings[signal]
        public: frozenset[str] = frozenset()  # warnings are public, not another sector's data
        # per measure, the evidence that calls for it, in order of preference
        options: dict[Measure, list[tuple[object, Evidence]]] = {m: [] for m in Measure}
        levels = options[Measure.RESPONSE_LEVEL]

        excess, gauge_ids = self._excess(state)
        predicted = excess
        rise_from: list[_Warning] = []
        if excess is not None and excess >= -rules.near_warning_m:
            rise_from = [w for w in state.warnings.values() if w.effect.flood_rise_m > 0]
            predicted = excess + max((w.effect.flood_rise_m for w in rise_from), default=0.0)
        if excess is not None and predicted is not None:
            trigger = f"lake {predicted:+.2f} m over warning" + (
                " (forecast rise)" if rise_from else ""
            )
            rise_p = max((w.probability for w in rise_from), default=p.gauge)
            rise = predicted - excess

            def lake(observed: bool) -> Evidence:
                """The gauges' evidence; its p is the warnings' when only their rise calls for
                the measure."""
                return Evidence(
                    HazardKind.LAKE_RISE,
                    gauge_ids + tuple(w.event_id for w in rise_from),
                    public,
                    trigger,
                    kind=EvidenceKind.GAUGE,
                    probability=p.gauge if observed else rise_p,
                    rise_m=rise,
                )

            level = rules.flood_level(predicted)
            if level is not None:
                levels.append((level, lake(rules.flood_level(excess) == level)))
            if predicted >= rules.evacuate_above_warning_m:
                options[Measure.EVACUATION].append(
                    ((self._flood_people(state, rise),),
                     lake(excess >= rules.evacuate_above_warning_m))
                )  # fmt: skip

        flood_reports = [r for r in state.reports if r.report_kind in rules.reports.flood_kinds]
        report_level = rules.report_level(len(flood_reports))
        reports = Evidence(
            HazardKind.RAINSTORM,
            tuple(r.event_id for r in flood_reports),
            trigger=f"{len(flood_reports)} flood reports in {rules.reports.window_h:g} h",
            kind=EvidenceKind.REPORTS,
            probability=p.reports,
        )
        if report_level is not None:
            levels.append((report_level, reports))
        # Reports and warnings move no one: evacuation is on the flood zones' gauges; the hills'
        # villages are moved before a flash flood by the rural sector (each impact one owner).

        for w in sorted(state.warnings.values(), key=lambda w: w.signal):
            hazard = _SIGNAL_HAZARD.get(w.signal)
            ev = Evidence(
                hazard,
                (w.event_id,),
                public,
                f"{w.signal} warning",
                kind=EvidenceKind.WARNING,
                probability=w.probability,
            )
            if w.effect.level is not None:
                levels.append((w.effect.level, ev))

        if state.advisories:
            levels.append(
                (
                    rules.agriculture.level,
                    Evidence(
                        HazardKind.RAINSTORM,
                        tuple(state.advisories.values()),
                        frozenset({"agriculture"}),
                        f"{len(state.advisories)} waterlogging advisories",
                        kind=EvidenceKind.ADVISORY,
                        probability=p.advisory,
                    ),
                )
            )

        out: dict[Measure, tuple[object, Evidence]] = {}
        for measure, called in options.items():
            kept = [(v, ev) for v, ev in called if self._acts(state, measure, v, ev)]
            if not kept:
                continue
            if measure is Measure.RESPONSE_LEVEL:
                # the strongest level wins; among equals, own-sector evidence explains it
                value, ev = max(kept, key=lambda le: (_rank(le[0]), not le[1].sectors))
                same = [e for lv, e in kept if lv is value]
                causes = tuple(dict.fromkeys(c for e in same for c in e.causes))
                sectors = frozenset(s for e in same for s in e.sectors)
                ev = replace(ev, causes=causes, sectors=sectors)
            else:
                value, ev = kept[0]  # the first in the order gauges, reports, warnings
                same = [e for _, e in kept]
            # several pieces of evidence for one decision: the highest p among them
            out[measure] = (value, replace(ev, probability=max(e.probability for e in same)))
        return out

    def _acts(self, state: _CityState, measure: Measure, value: object, ev: Evidence) -> bool:
        """Whether this evidence is acted on: a legal duty, or p x L > C with C the measure's
        charge (for these terms) over its expected hours in force."""
        decide = self.rules.decide
        if decide.duty(measure, ev.kind) is not None:
            return True
        level = value if isinstance(value, ResponseLevel) else None
        people = value[0] if isinstance(value, tuple) and value else 0
        charge = self._charge(measure, level, people)
        cost = charge.over(decide.expected_hours[measure])
        return worth_acting(ev.probability, self._estimate(state, measure, ev), cost)

    # ----------------------------------------------------------------------------- decisions

    def _touch(self, states: Iterable[_CityState], now: datetime, cause: UUID) -> list[Event]:
        """Decide on these cities now, or mark them for :meth:`flush` (``defer``)."""
        if not self.defer:
            return self._evaluate_cities(states, now, cause)
        for state in states:
            code = state.city.code
            self._dirty[code] = (state, cause)
        return []

    def _evaluate_cities(
        self, states: Iterable[_CityState], now: datetime, cause: UUID | None
    ) -> list[Event]:
        out: list[Event] = []
        for state in states:
            wanted = self._assess(state, now)
            for measure in Measure:
                if measure is Measure.SUSPEND_OPERATIONS:
                    continue
                decision = self._settle(state, measure, wanted.get(measure), now, cause)
                if decision is not None:
                    out.append(decision)
        return out

    def _settle(
        self,
        state: _CityState,
        measure: Measure,
        wanted: tuple[object, Evidence] | None,
        now: datetime,
        cause: UUID | None,
    ) -> ResponseDecided | None:
        """Start, change, hold or stand down one measure of one city."""
        active = state.active.get(measure)
        hold = timedelta(hours=self.rules.hold_h.get(measure, 0.0))
        subject = f"{SERVICE}:{state.city.code}:{measure}"
        if wanted is None:
            if active is None:
                return None
            active.clear_since = active.clear_since or now
            if now - active.clear_since < hold:
                return None
            del state.active[measure]
            self.ledger.close(subject, self.mode)
            if measure is Measure.RESPONSE_LEVEL:
                self._release(state)
            return self._lifted(active, now, cause)
        value, evidence = wanted
        terms = (value,) if measure is Measure.RESPONSE_LEVEL else ()
        if active is not None:
            current = active.decision.level
            if isinstance(value, ResponseLevel) and current and value.rank < current.rank:
                # lower only after the stronger evidence has been gone for the hold time
                active.clear_since = active.clear_since or now
                if now - active.clear_since < hold:
                    return None
            active.clear_since = None
            if active.terms == terms:
                return None
            key, rev, episode = active.key, active.rev + 1, active.episode
        else:
            key, rev = self.ledger.open(subject, self.mode, now), 0
            episode = self.ledger.episode(subject, self.mode)
        decision = self._city_decision(
            state, measure, value, evidence, (key, episode, rev), now, cause
        )
        state.active[measure] = _Active(key, rev, terms, decision, episode=episode)
        return decision

    def _city_decision(
        self,
        state: _CityState,
        measure: Measure,
        value: object,
        evidence: Evidence,
        ident: tuple[str, int, int],
        now: datetime,
        cause: UUID | None,
    ) -> ResponseDecided:
        key, episode, rev = ident
        level = value if isinstance(value, ResponseLevel) else None
        people = value[0] if isinstance(value, tuple) and value else 0
        deployments: tuple[Deployment, ...] = ()
        ready_h = self.rules.mobilize_h
        if level is not None:
            deployments = self._preposition(state, level)
            ready_h = max((d.eta_hours for d in deployments), default=ready_h)
        charge = self._charge(measure, level, people)
        loss = self._estimate(state, measure, evidence)
        reason = f"{measure}: {evidence.trigger}"
        if self.rules.decide.duty(measure, evidence.kind) is not None and not worth_acting(
            evidence.probability, loss, charge.over(self.rules.decide.expected_hours[measure])
        ):
            reason += "; a legal duty (p x L <= C)"
        return ResponseDecided(
            event_id=derived_id(SERVICE, self.mode, *id_parts(key, episode), rev),
            occurred_at=now,
            source=SERVICE,
            region=state.city.code,
            causation_id=cause,
            mode=self.mode,
            action=measure.action,
            decision_key=key,
            effective_at=now + timedelta(hours=ready_h),
            **charge.fields(),
            probability=evidence.probability,
            expected_loss_avoided_yuan=round(evidence.probability * loss, 2),
            reason=reason[:500],
            inputs=evidence.causes[:_MAX_INPUTS],
            cross_sector_inputs=tuple(sorted(evidence.sectors)),
            measure=measure,
            hazard=evidence.hazard,
            level=level,
            deployments=deployments,
            people_to_evacuate=int(people) if isinstance(people, int | float) else 0,
            trigger=evidence.trigger[:200],
        )

    def _charge(self, measure: Measure, level: ResponseLevel | None, people: object) -> Charge:
        """What a city measure costs: people moved, or teams on standby for its level
        (resources.yaml; prices: actions.yaml)."""
        action = measure.action
        if measure is Measure.EVACUATION:
            count = people if isinstance(people, int | float) else 0
            return self.world.charge(action, Per.PERSON, count)
        quota = self.rules.resources_per_level[level] if level is not None else {}
        teams = quota.get(ResourceKind.RESCUE_TEAM, 0)
        return self.world.charge(action, Per.CREW, teams)

    def _lifted(self, active: _Active, now: datetime, cause: UUID | None) -> ResponseDecided:
        return active.decision.model_copy(
            update={
                "event_id": derived_id(
                    SERVICE, self.mode, *id_parts(active.key, active.episode), active.rev + 1
                ),
                "occurred_at": now,
                "causation_id": cause,
                "status": "lifted",
                "effective_at": now,
                **NO_CHARGE,
                "expected_loss_avoided_yuan": 0.0,
                "reason": f"{active.decision.measure} stood down: evidence gone",
                "inputs": (cause,) if cause else (),
                "cross_sector_inputs": (),
                "deployments": (),
            }
        )

    def _evaluate_facility(
        self, fac: _FacilityState, now: datetime, cause: UUID | None
    ) -> ResponseDecided | None:
        """Suspend operations at a facility on an alarm (or a matching public warning), when
        worth it: the alarm first, then the warnings; the highest p among those that pass."""
        p = self.rules.decide.probability
        called: list[Evidence] = []
        alarm = fac.last_alarm
        if alarm is not None and now - alarm.occurred_at < timedelta(
            hours=self.rules.alarms.hold_h
        ):
            called.append(
                Evidence(
                    None,
                    (alarm.event_id,),
                    trigger=f"{alarm.alarm} alarm",
                    kind=EvidenceKind.ALARM,
                    probability=p.alarm,
                )
            )
        state = self._cities.get(fac.facility.city)
        if state is not None:
            for w in state.warnings.values():
                if w.expires_at > now and fac.facility.kind in w.effect.suspend:
                    called.append(
                        Evidence(
                            _SIGNAL_HAZARD.get(w.signal),
                            (w.event_id,),
                            frozenset(),  # a public warning
                            f"{w.signal} warning",
                            kind=EvidenceKind.WARNING,
                            probability=w.probability,
                        )
                    )
        kept = [e for e in called if self._facility_acts(fac.facility, e)]
        evidence = replace(kept[0], probability=max(e.probability for e in kept)) if kept else None
        subject = f"{SERVICE}:{fac.facility.id}:{Measure.SUSPEND_OPERATIONS}"
        if evidence is None:
            if fac.active is None:
                return None
            active, fac.active = fac.active, None
            self.ledger.close(subject, self.mode)
            return self._lifted(active, now, cause)
        if fac.active is not None:
            return None
        key = self.ledger.open(subject, self.mode, now)
        episode = self.ledger.episode(subject, self.mode)
        decision = ResponseDecided(
            event_id=derived_id(SERVICE, self.mode, *id_parts(key, episode), 0),
            occurred_at=now,
            source=SERVICE,
            region=fac.facility.city,
            causation_id=cause,
            mode=self.mode,
            action=EmergencyAction.SUSPEND_OPERATIONS,
            decision_key=key,
            asset_ids=(fac.facility.id,),
            effective_at=now + timedelta(hours=self.rules.mobilize_h),
            **self._facility_charge().fields(),
            probability=evidence.probability,
            expected_loss_avoided_yuan=round(
                evidence.probability * self._facility_estimate(fac.facility), 2
            ),
            reason=f"suspend operations at {fac.facility.id}: {evidence.trigger}",
            inputs=evidence.causes,
            cross_sector_inputs=tuple(sorted(evidence.sectors)),
            measure=Measure.SUSPEND_OPERATIONS,
            hazard=evidence.hazard,
            trigger=evidence.trigger,
        )
        fac.active = _Active(key, 0, (), decision, episode=episode)
        return decision

    def _facility_charge(self) -> Charge:
        """What suspending one facility costs (a facility-day)."""
        return self.world.charge(EmergencyAction.SUSPEND_OPERATIONS, Per.FACILITY, 1)

    def _facility_acts(self, facility: Facility, ev: Evidence) -> bool:
        """Whether this evidence is worth suspending the facility for: p x L > C, C over the
        suspension's expected hours (no legal duty is listed for it unless the rules say so)."""
        decide = self.rules.decide
        if decide.duty(Measure.SUSPEND_OPERATIONS, ev.kind) is not None:
            return True
        cost = self._facility_charge().over(decide.expected_hours[Measure.SUSPEND_OPERATIONS])
        return worth_acting(ev.probability, self._facility_estimate(facility), cost)

    # ----------------------------------------------------------------------------- resources

    def _on_hand(self, state: _CityState) -> dict[ResourceKind, int]:
        on_hand = dict.fromkeys(ResourceKind, 0)
        for d in state.received:
            on_hand[d.kind] += d.quantity
        return on_hand

    def _available(self, city: str, kind: ResourceKind) -> int:
        stock = self._stock.get(city)
        if stock is None:
            return 0
        total = int(getattr(stock, _RESOURCE_STOCK[kind]))
        # a city keeps a reserve for its own other duties
        spare = int(total * (1 - self.rules.reserve_share))
        return max(spare - self._sent.get((city, kind), 0), 0)

    def _preposition(self, state: _CityState, level: ResponseLevel) -> tuple[Deployment, ...]:
        """Move resources towards the city to reach its level's quota: own first, then nearest."""
        target = state.city.code
        on_hand = self._on_hand(state)
        routes: dict[str, Route | None] = {}
        deployments: list[Deployment] = []
        for kind, quota in self.rules.resources_per_level[level].items():
            missing = quota - on_hand.get(kind, 0)
            if missing <= 0:
                continue
            for source in self._sources(target, routes):
                route = routes[source]
                take = min(missing, self._available(source, kind))
                if take <= 0 or route is None:
                    continue
                eta = self.rules.mobilize_h + route.hours
                deployment = Deployment(
                    resource_id=f"{source}-{kind}",
                    kind=kind,
                    quantity=take,
                    from_city=source,
                    to_city=target,
                    route=route.segments,
                    distance_km=route.distance_km,
                    eta_hours=round(eta, 3),
                    delayed_by_closure=route.through_closure,
                )
                self._sent[(source, kind)] = self._sent.get((source, kind), 0) + take
                state.received.append(deployment)
                deployments.append(deployment)
                missing -= take
                if missing <= 0:
                    break
        return tuple(deployments)

    def _sources(self, target: str, routes: dict[str, Route | None]) -> list[str]:
        """Cities that can send resources, quickest first (the target itself first)."""
        if not routes:
            for code in self._stock:
                routes[code] = self.graph.route(code, target)
        reachable = [(r.hours, c) for c, r in routes.items() if r is not None]
        return [c for _, c in sorted(reachable)]

    def _release(self, state: _CityState) -> None:
        """The response ended: the resources moved to the city go home."""
        for d in state.received:
            self._sent[(d.from_city, d.kind)] = (
                self._sent.get((d.from_city, d.kind), 0) - d.quantity
            )
        state.received.clear()

    # ----------------------------------------------------------------------------- estimates

    def _rule(self, rule_id: str) -> DamageRule | None:
        return next((r for r in self.world.damage.rules if r.id == rule_id), None)

    @staticmethod
    def _step(rule: DamageRule, x: float | None) -> tuple[float, ...]:
        steps = rule.steps or ()
        if not steps:
            return (0.0, 0.0, 0.0)
        hit = [s for s in steps if x is not None and x >= s[0]]
        return hit[-1] if hit else steps[0]

    @staticmethod
    def _avoid(rule: DamageRule, action: str) -> float:
        return max((m.avoid_share for m in rule.mitigations if m.action == action), default=0.0)

    def _people(self, rule_id: str, exposed: int, x: float | None) -> int:
        rule = self._rule(rule_id)
        if rule is None:
            return 0
        step = self._step(rule, x)
        return round(exposed * (step[2] if len(step) > 2 else 0.0))

    def _zone_excess(self, state: _CityState, gauge_id: str | None, rise_m: float) -> float | None:
        """Metres over warning at a flood zone's own gauge, plus the warnings' expected rise; the
        city's worst gauge stands in while the zone's own has not reported."""
        known = state.levels.get(gauge_id) if gauge_id is not None else None
        if known is None or gauge_id not in self._gauges:
            worst = self._excess(state)[0]
            return None if worst is None else worst + rise_m
        return known[0] - self._gauges[gauge_id].warning_m + rise_m

    def _flood_people(self, state: _CityState, rise_m: float) -> int:
        """People to move out of the city's lake zone and riverside land: each zone's people
        share (its flood rule's step) at its own gauge's stage."""
        names, city = self.rules.estimate_rules, state.city
        lake = self._zone_excess(state, city.lake_gauge, rise_m)
        river = self._zone_excess(state, city.river_gauge, rise_m)
        return self._people(names.lake, city.flood_exposed_pop, lake) + self._people(
            names.river, city.river_exposed_pop, river
        )

    def _breach_chance(self, state: _CityState, rise_m: float) -> float:
        """The chance the riverside levee fails while an evacuation is expected to be in force,
        at its gauge's stage (with the warnings' rise) held steady: the world's breach hazard
        (damage.yaml constants), which accumulates only above the warning level."""
        gauge_id = state.city.river_gauge
        known = state.levels.get(gauge_id) if gauge_id is not None else None
        gauge = self._gauges.get(gauge_id) if gauge_id is not None else None
        if known is None or gauge is None or known[0] + rise_m <= gauge.warning_m:
            return 0.0
        c = self.world.damage.constants
        per_h = c.levee_breach_per_h_at_guaranteed * math.exp(
            c.levee_breach_growth_per_m * (known[0] + rise_m - gauge.guaranteed_m)
        )
        return 1.0 - math.exp(-per_h * self.rules.decide.expected_hours[Measure.EVACUATION])

    def _estimate(self, state: _CityState, measure: Measure, evidence: Evidence) -> float:
        """L: yuan the measure spares if the loss it guards against comes (before p), from the
        world's damage rules. Gauge evidence is weighed against emergency's share of a flood
        (people and movable contents; the fixed assets are the water sector's): the lake zone and
        the riverside land, each at its own gauge's stage, and a breach of the riverside levee at
        the chance it fails (``_breach_chance``)."""
        names = self.rules.estimate_rules
        c = self.world.damage.constants
        city = state.city
        parts: list[tuple[str, float, float | None]]
        if evidence.hazard is HazardKind.LAKE_RISE:
            rise = evidence.rise_m
            breach = self._breach_chance(state, rise)
            parts = [
                (names.lake, city.flood_exposed_assets_yuan,
                 self._zone_excess(state, city.lake_gauge, rise)),
                (names.river, city.river_exposed_assets_yuan,
                 self._zone_excess(state, city.river_gauge, rise)),
                (names.breach, city.river_exposed_assets_yuan * breach, None),
            ]  # fmt: skip
        else:
            # Other evidence is weighed against emergency's own rule on the whole city for its
            # hazard (none for a rainstorm: flash floods in the hills are the rural sector's).
            rule_id = names.city.get(evidence.hazard) if evidence.hazard else None
            parts = [(rule_id, city.population * c.asset_yuan_per_person, None)] if rule_id else []
        return self._loss(parts, measure.action)

    def _loss(self, parts: Sequence[tuple[str, float, float | None]], action: str) -> float:
        """Σ over (damage rule, exposed yuan, hazard value) of the yuan ``action`` avoids."""
        total = 0.0
        for rule_id, base, x in parts:
            rule = self._rule(rule_id)
            if rule is not None and base > 0:
                total += base * self._step(rule, x)[1] * self._avoid(rule, action)
        return total

    def _facility_estimate(self, facility: Facility) -> float:
        rule = next(
            (r for r in self.world.damage.rules if facility.kind in (r.facility_kinds or ())),
            None,
        )
        if rule is None:
            return 0.0
        share = self._step(rule, None)[1]
        avoid = self._avoid(rule, EmergencyAction.SUSPEND_OPERATIONS)
        return facility.value_yuan * share * avoid
