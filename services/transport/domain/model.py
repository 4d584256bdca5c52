"""The road-control model: per expressway segment, what controls the known conditions call for.

Every input becomes a *demand* on one or more segments: a detector's held readings, a weather
warning or forecast for a city the segment touches, an emergency route over the segment. A
segment's controls are the fold of its live demands (strictest speed, widest gap, union of bans;
any closure; any de-icing). A decision is published only when a control starts, changes its
terms or ends, so a persisting situation is decided once.

Decisions by cost and loss: each (demand, ask) is weighed on its own before the fold. It counts
only when the expected loss it avoids exceeds the control's cost, p x L > C
(``shared.world.costs.worth_acting``), or when the law requires the control on that evidence (the
rules' ``decide.duties``). p comes from the kind of evidence (``decide.probability``: a detector's
stated accuracy, a warning's colour, a forecast's constant, an emergency route's); L is the
accident loss the control avoids if the condition comes (``_estimate``, before p); C is the
control's charge over its trigger's episode hours, the hours L is estimated over. A situation not
worth acting on opens nothing, and later, stronger evidence can still open it; a control whose
remaining evidence is no longer worth acting on is lifted like one whose evidence has gone. Since
the weighing depends only on the demand and the segment, a control is still decided once per
situation and changes only when its inputs do. The decision carries the highest p among the
evidence that passed and ``expected_loss_avoided_yuan = p x L``.

The same class serves both modes: the siloed instance is fed detector readings and the public
CMA warnings every agency receives, the fused one also gets the cross-sector inputs (forecasts,
emergency routes). With the same inputs they decide the same. The two
instances of a service share one situation ledger, so both name a situation alike.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from services.transport.domain.rules import (
    EvidenceKind,
    RoadRules,
    VisibilityTier,
    WarningEffect,
)
from shared.contracts.emergency import ResponseDecided
from shared.contracts.envelope import Event, Mode, derived_id
from shared.contracts.transport import (
    ControlBasis,
    ControlTrigger,
    RoadControl,
    RoadControlApplied,
    RoadObservation,
    RoadStatus,
    RoadStatusChanged,
    SurfaceState,
    TransportAction,
    VehicleClass,
)
from shared.contracts.weather import Basis, ForecastIssued, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world import Segment, World
from shared.world.costs import NO_CHARGE, Charge, Per, worth_acting

log = logging.getLogger(__name__)

SERVICE = "transport"

#: Largest number of input ids one decision lists (the contract's bound).
_MAX_INPUTS = 200


@dataclass(frozen=True)
class Ask:
    """One thing a demand asks of a segment."""

    control: RoadControl
    trigger: ControlTrigger
    speed_limit_kmh: int | None = None
    min_gap_m: int | None = None
    banned: tuple[VehicleClass, ...] = ()
    visibility_m: float | None = None


@dataclass(frozen=True)
class Demand:
    """What one source (a detector, a warning, a forecast, a request) asks, and until when, with
    ``probability``, the p its kind of evidence gives the loss it asks to guard against."""

    asks: tuple[Ask, ...]
    basis: ControlBasis
    causes: tuple[UUID, ...]
    evidence: EvidenceKind
    probability: float
    sector: str | None = None  # None: own-sector data
    expires_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        """Still in force at ``now``."""
        return self.expires_at is None or now < self.expires_at


@dataclass
class _Held:
    """A level that rises at once and falls only after ``clear`` consecutive lower readings."""

    level: int = 0
    cause: UUID | None = None
    lower_readings: int = 0

    def update(self, level: int, cause: UUID, clear: int) -> None:
        if level >= self.level:
            if level > self.level:
                self.cause = cause
            self.level, self.lower_readings = level, 0
            return
        self.lower_readings += 1
        if self.lower_readings >= clear:
            self.level, self.lower_readings = level, 0
            self.cause = cause if level else None


@dataclass
class _Detector:
    visibility: _Held = field(default_factory=_Held)
    icing: _Held = field(default_factory=_Held)  # 0 none, 1 freezing and moist, 2 ice reported
    flooded: _Held = field(default_factory=_Held)
    last_at: datetime | None = None
    visibility_m: float | None = None
    surface_temp_c: float | None = None


@dataclass(frozen=True)
class _Terms:
    """The terms of one control; a change of terms is a new decision."""

    speed_limit_kmh: int | None = None
    min_gap_m: int | None = None
    banned: tuple[VehicleClass, ...] = ()


@dataclass
class _Active:
    key: str
    rev: int
    terms: _Terms
    decision: RoadControlApplied
    episode: int = 1


@dataclass
class _Segment:
    segment: Segment
    detectors: dict[str, _Detector] = field(default_factory=dict)
    requests: dict[str, Demand] = field(default_factory=dict)
    active: dict[RoadControl, _Active] = field(default_factory=dict)
    status: RoadStatusChanged | None = None
    status_rev: int = 0


@dataclass(frozen=True)
class SegmentView:
    """A segment as the HTTP API shows it."""

    mode: Mode
    segment_id: str
    road: str
    from_city: str
    to_city: str
    length_km: float
    status: RoadStatus
    speed_limit_kmh: int | None
    banned_vehicles: tuple[VehicleClass, ...]
    controls: tuple[RoadControl, ...]
    visibility_m: float | None
    surface_temp_c: float | None
    last_observed_at: datetime | None


class RoadModel:
    """Road controls of one mode over the world's expressway segments."""

    def __init__(
        self,
        mode: Mode,
        *,
        world: World,
        rules: RoadRules,
        ledger: SituationLedger | None = None,
    ) -> None:
        self.mode = mode
        self.world = world
        self.rules = rules
        # the other mode's model is given the same ledger, so a situation has one key in both
        self.ledger = ledger or SituationLedger()
        self._segments = {s.id: _Segment(s) for s in self.world.segments}
        self._by_city: dict[str, list[_Segment]] = {}
        for seg in self._segments.values():
            for city in {seg.segment.from_city, seg.segment.to_city}:
                self._by_city.setdefault(city, []).append(seg)
        self._city_demands: dict[str, dict[str, Demand]] = {}
        self._damage_rules = {r.id: r for r in self.world.damage.rules}
        # C by (segment, control, trigger): fixed by the world and the rules, asked often
        self._costs: dict[tuple[str, RoadControl, ControlTrigger], float] = {}
        self._now: datetime | None = None
        self._next_expiry: datetime | None = None

    # ----------------------------------------------------------------------------- inputs

    def on_observation(self, obs: RoadObservation) -> list[Event]:
        """Take a detector reading (own-sector data); return the decisions it causes."""
        seg = self._segments.get(obs.segment_id)
        if seg is None:
            log.warning("reading for unknown segment %s ignored", obs.segment_id)
            return []
        now = self._advance(obs.occurred_at)
        det = seg.detectors.setdefault(obs.detector_id, _Detector())
        det.last_at = max(det.last_at or obs.occurred_at, obs.occurred_at)
        clear = self.rules.clear_readings
        if obs.visibility_m is not None:
            det.visibility_m = obs.visibility_m
            tier = self.rules.visibility_tier(obs.visibility_m)
            det.visibility.update(self.rules.tier_rank(tier), obs.event_id, clear)
        if obs.surface_temp_c is not None:
            det.surface_temp_c = obs.surface_temp_c
        icing = self._icing_level(obs)
        if icing is not None:
            det.icing.update(icing, obs.event_id, clear)
        if obs.surface_state is not None:
            flooded = int(obs.surface_state is SurfaceState.FLOODED)
            det.flooded.update(flooded, obs.event_id, clear)
        demand = self._detector_demand(det)
        if demand.asks and demand.expires_at is not None:
            self._note_expiry(demand.expires_at)
        return self._expire(now, obs.event_id) + self._evaluate(seg, now, obs.event_id)

    def on_warning(self, warning: WarningIssued) -> list[Event]:
        """Take a public CMA warning (both modes; not another sector's data); return the
        decisions it causes."""
        now = self._advance(warning.occurred_at)
        source = f"warning:{warning.signal}"
        demands = self._city_demands.setdefault(warning.region, {})
        rule = self.rules.warnings.get(warning.signal)
        effect = rule.colours.get(warning.colour) if rule else None
        if warning.alert.msg_type == "Cancel" or rule is None or effect is None:
            demands.pop(source, None)
        else:
            forecast = warning.basis is Basis.FORECAST
            basis = ControlBasis.FORECAST if forecast else ControlBasis.OBSERVED
            expires = max(info.expires for info in warning.alert.info)
            demands[source] = Demand(
                asks=self._warning_asks(rule.trigger, effect),
                basis=basis,
                causes=(warning.event_id,),
                evidence=EvidenceKind.WARNING,
                probability=self.rules.decide.probability.of(EvidenceKind.WARNING, warning.colour),
                sector=None,  # public: every agency receives it
                expires_at=expires,
            )
            self._note_expiry(expires)
        out = self._expire(now, warning.event_id)
        for seg in self._by_city.get(warning.region, []):
            out += self._evaluate(seg, now, warning.event_id)
        return out

    def on_forecast(self, forecast: ForecastIssued) -> list[Event]:
        """Take a numerical forecast for a city (cross-sector); return the decisions it causes."""
        now = self._advance(forecast.occurred_at)
        rules = self.rules.forecast
        asks: list[Ask] = []
        last_hit: datetime | None = None
        icing_until = now + timedelta(hours=rules.icing_horizon_h)
        fog_until = now + timedelta(hours=rules.fog_horizon_h)
        worst_visibility: float | None = None
        for step in forecast.steps:
            if step.valid_at < now:
                continue
            ground = step.ground_temp_c if step.ground_temp_c is not None else step.temp_c
            if (
                step.valid_at <= icing_until
                and ground is not None
                and ground <= rules.icing_ground_max_c
                and (step.rain_mm or 0.0) >= rules.icing_min_rain_mm
            ):
                last_hit = max(last_hit or step.valid_at, step.valid_at)
                if not any(a.control is RoadControl.DE_ICING for a in asks):
                    asks.append(Ask(RoadControl.DE_ICING, ControlTrigger.ICING))
            if step.valid_at <= fog_until and step.visibility_m is not None:
                tier = self.rules.visibility_tier(step.visibility_m)
                if tier is not None:
                    last_hit = max(last_hit or step.valid_at, step.valid_at)
                    if worst_visibility is None or step.visibility_m < worst_visibility:
                        worst_visibility = step.visibility_m
        if worst_visibility is not None:
            asks.extend(self._visibility_asks(worst_visibility))
        demands = self._city_demands.setdefault(forecast.region, {})
        if asks and last_hit is not None:
            expires = last_hit + timedelta(hours=rules.hold_h)
            demands["forecast"] = Demand(
                asks=tuple(asks),
                basis=ControlBasis.FORECAST,
                causes=(forecast.event_id,),
                evidence=EvidenceKind.FORECAST,
                probability=self._forecast_probability(forecast, asks),
                sector="weather",
                expires_at=expires,
            )
            self._note_expiry(expires)
        else:
            demands.pop("forecast", None)
        out = self._expire(now, forecast.event_id)
        for seg in self._by_city.get(forecast.region, []):
            out += self._evaluate(seg, now, forecast.event_id)
        return out

    def on_emergency(self, response: ResponseDecided) -> list[Event]:
        """Take an emergency dispatch (cross-sector): pre-treat cold segments on its routes."""
        if response.mode is not self.mode:
            return []  # a mode only serves the emergency decisions of its own world
        now = self._advance(response.occurred_at)
        source = f"access:{response.decision_key}"
        touched: dict[str, _Segment] = {}
        for seg in self._segments.values():
            if seg.requests.pop(source, None) is not None:
                touched[seg.segment.id] = seg
        if response.status == "taken":
            expires = now + timedelta(hours=self.rules.access.hold_h)
            for deployment in response.deployments:
                for segment_id in deployment.route:
                    on_route = self._segments.get(segment_id)
                    if on_route is None or not self._cold(on_route, now):
                        continue
                    on_route.requests[source] = Demand(
                        asks=(Ask(RoadControl.DE_ICING, ControlTrigger.EMERGENCY_ACCESS),),
                        basis=ControlBasis.REQUEST,
                        causes=(response.event_id,),
                        evidence=EvidenceKind.REQUEST,
                        probability=self.rules.decide.probability.of(EvidenceKind.REQUEST),
                        sector="emergency",
                        expires_at=expires,
                    )
                    touched[segment_id] = on_route
            self._note_expiry(expires)
        out = self._expire(now, response.event_id)
        for seg in touched.values():
            out += self._evaluate(seg, now, response.event_id)
        return out

    def advance(self, now: datetime) -> list[Event]:
        """Move the model's clock (e.g. on a clock tick): lift what expired."""
        return self._expire(self._advance(now), None)

    # ----------------------------------------------------------------------------- queries

    def segments(self) -> list[SegmentView]:
        """Every segment with its current status, controls and latest readings."""
        views = []
        for seg in self._segments.values():
            status = seg.status
            fresh = [d for d in seg.detectors.values() if d.last_at is not None]
            visibilities = [d.visibility_m for d in fresh if d.visibility_m is not None]
            temps = [d.surface_temp_c for d in fresh if d.surface_temp_c is not None]
            views.append(
                SegmentView(
                    mode=self.mode,
                    segment_id=seg.segment.id,
                    road=seg.segment.road,
                    from_city=seg.segment.from_city,
                    to_city=seg.segment.to_city,
                    length_km=seg.segment.length_km,
                    status=status.status if status else RoadStatus.OPEN,
                    speed_limit_kmh=status.speed_limit_kmh if status else None,
                    banned_vehicles=status.banned_vehicles if status else (),
                    controls=tuple(sorted(seg.active)),
                    visibility_m=min(visibilities) if visibilities else None,
                    surface_temp_c=min(temps) if temps else None,
                    last_observed_at=max((d.last_at for d in fresh if d.last_at), default=None),
                )
            )
        return views

    def active_controls(self) -> list[RoadControlApplied]:
        """The decision in force for every active control, by segment."""
        return [
            active.decision for seg in self._segments.values() for active in seg.active.values()
        ]

    # ----------------------------------------------------------------------------- internals

    def _advance(self, at: datetime) -> datetime:
        if self._now is None or at > self._now:
            self._now = at
        return self._now

    def _note_expiry(self, at: datetime) -> None:
        if self._next_expiry is None or at < self._next_expiry:
            self._next_expiry = at

    def _expire(self, now: datetime, cause: UUID | None) -> list[Event]:
        """Re-evaluate every segment once the earliest expiry has passed (rarely: cheap)."""
        if self._next_expiry is None or now < self._next_expiry:
            return []
        out: list[Event] = []
        for seg in self._segments.values():
            out += self._evaluate(seg, now, cause)
        upcoming = [
            d.expires_at
            for d in self._all_demands()
            if d.asks and d.expires_at is not None and d.expires_at > now
        ]
        self._next_expiry = min(upcoming, default=None)
        return out

    def _all_demands(self) -> Iterable[Demand]:
        for demands in self._city_demands.values():
            yield from demands.values()
        for seg in self._segments.values():
            yield from seg.requests.values()
            yield from (self._detector_demand(d) for d in seg.detectors.values())

    def _icing_level(self, obs: RoadObservation) -> int | None:
        rule = self.rules.icing
        if obs.surface_state is SurfaceState.ICY:
            return 2
        if obs.surface_temp_c is None or obs.surface_state is None:
            return None if obs.surface_temp_c is None and obs.surface_state is None else 0
        freezing = obs.surface_temp_c <= rule.surface_max_c
        return 1 if freezing and obs.surface_state in rule.moist_states else 0

    def _cold(self, seg: _Segment, now: datetime) -> bool:
        limit = self.rules.access.pretreat_surface_max_c
        return any(
            d.surface_temp_c is not None and d.surface_temp_c <= limit
            for d in seg.detectors.values()
            if self._fresh(d, now)
        )

    def _fresh(self, det: _Detector, now: datetime) -> bool:
        stale = timedelta(hours=self.rules.stale_after_h)
        return det.last_at is not None and now - det.last_at < stale

    def _visibility_asks(self, visibility_m: float) -> list[Ask]:
        tier = self.rules.visibility_tier(visibility_m)
        return self._tier_asks(tier, visibility_m) if tier is not None else []

    def _tier_asks(self, tier: VisibilityTier, visibility_m: float) -> list[Ask]:
        asks = [
            Ask(
                RoadControl.RESTRICTION,
                ControlTrigger.LOW_VISIBILITY,
                speed_limit_kmh=tier.speed_limit_kmh,
                min_gap_m=tier.min_gap_m,
                visibility_m=visibility_m,
            )
        ]
        if tier.close:
            asks.append(
                Ask(RoadControl.CLOSURE, ControlTrigger.LOW_VISIBILITY, visibility_m=visibility_m)
            )
        return asks

    def _icing_asks(self, *, icy: bool) -> list[Ask]:
        rule = self.rules.icing
        asks = [
            Ask(
                RoadControl.RESTRICTION,
                ControlTrigger.ICING,
                speed_limit_kmh=rule.speed_limit_kmh,
                banned=rule.banned_vehicles,
            ),
            Ask(RoadControl.DE_ICING, ControlTrigger.ICING),
        ]
        if icy and rule.close_when_icy:
            asks.append(Ask(RoadControl.CLOSURE, ControlTrigger.ICING))
        return asks

    def _warning_asks(self, trigger: ControlTrigger, effect: WarningEffect) -> tuple[Ask, ...]:
        asks: list[Ask] = []
        if effect.visibility_m is not None:
            asks += self._visibility_asks(effect.visibility_m)
        if effect.icing:
            asks += [
                a for a in self._icing_asks(icy=False) if a.control is not RoadControl.DE_ICING
            ]
        if effect.de_ice:
            asks.append(Ask(RoadControl.DE_ICING, trigger))
        if effect.close:
            asks.append(Ask(RoadControl.CLOSURE, trigger))
        if effect.speed_limit_kmh is not None:
            asks.append(
                Ask(RoadControl.RESTRICTION, trigger, speed_limit_kmh=effect.speed_limit_kmh)
            )
        return tuple(asks)

    def _detector_demand(self, det: _Detector) -> Demand:
        asks: list[Ask] = []
        causes: list[UUID] = []
        tier = self.rules.tier_of_rank(det.visibility.level)
        if tier is not None and det.visibility.cause is not None:
            # the held tier, not the latest reading: a relaxing tier waits for clear readings
            shown = det.visibility_m if det.visibility_m is not None else tier.below_m
            asks += self._tier_asks(tier, min(shown, tier.below_m))
            causes.append(det.visibility.cause)
        if det.icing.level and det.icing.cause is not None:
            asks += self._icing_asks(icy=det.icing.level >= 2)
            causes.append(det.icing.cause)
        if det.flooded.level and det.flooded.cause is not None and self.rules.flooding.close:
            asks.append(Ask(RoadControl.CLOSURE, ControlTrigger.FLOODING))
            causes.append(det.flooded.cause)
        expires = det.last_at + timedelta(hours=self.rules.stale_after_h) if det.last_at else None
        return Demand(
            tuple(asks),
            ControlBasis.OBSERVED,
            tuple(causes),
            EvidenceKind.DETECTOR,
            self.rules.decide.probability.of(EvidenceKind.DETECTOR),
            None,
            expires,
        )

    def _live_demands(self, seg: _Segment, now: datetime) -> list[Demand]:
        # a detector that holds no hazard asks nothing (most readings): skip building its demand
        demands = [
            self._detector_demand(d)
            for d in seg.detectors.values()
            if d.visibility.level or d.icing.level or d.flooded.level
        ]
        demands += seg.requests.values()
        for city in dict.fromkeys((seg.segment.from_city, seg.segment.to_city)):
            demands += self._city_demands.get(city, {}).values()
        return [d for d in demands if d.asks and d.live(now)]

    def _evaluate(self, seg: _Segment, now: datetime, cause: UUID | None) -> list[Event]:
        """Fold the segment's live demands into controls; decide on every change."""
        demands = self._live_demands(seg, now)
        out: list[Event] = []
        for control in RoadControl:
            # own-sector demands first, so ties are explained by own data in both modes; only
            # what is worth acting on (or a legal duty) contributes
            contributing = sorted(
                (
                    (d, a)
                    for d in demands
                    for a in d.asks
                    if a.control is control and self._acts(seg.segment, d, a)
                ),
                key=lambda da: da[0].sector is not None,
            )
            decision = self._decide(seg, control, contributing, now, cause)
            if decision is not None:
                out.append(decision)
        status = self._status_change(seg, now, cause)
        if status is not None:
            out.append(status)
        return out

    def _decide(
        self,
        seg: _Segment,
        control: RoadControl,
        contributing: Sequence[tuple[Demand, Ask]],
        now: datetime,
        cause: UUID | None,
    ) -> RoadControlApplied | None:
        active = seg.active.get(control)
        subject = f"{SERVICE}:{seg.segment.id}:{control}"
        if not contributing:
            if active is None:
                return None
            del seg.active[control]
            self.ledger.close(subject, self.mode)
            return self._lifted(seg, active, now, cause)
        speeds = [a.speed_limit_kmh for _, a in contributing if a.speed_limit_kmh is not None]
        gaps = [a.min_gap_m for _, a in contributing if a.min_gap_m is not None]
        banned = sorted({v for _, a in contributing for v in a.banned})
        terms = _Terms(min(speeds, default=None), max(gaps, default=None), tuple(banned))
        if active is not None and active.terms == terms:
            return None
        binding_demand, binding = contributing[0]
        if terms.speed_limit_kmh is not None:
            binding_demand, binding = next(
                (d, a) for d, a in contributing if a.speed_limit_kmh == terms.speed_limit_kmh
            )
        if active is None:
            key, rev = self.ledger.open(subject, self.mode, now), 0
            episode = self.ledger.episode(subject, self.mode)
        else:
            key, rev, episode = active.key, active.rev + 1, active.episode
        inputs = list(dict.fromkeys(c for d, _ in contributing for c in d.causes))
        sectors = sorted({d.sector for d, _ in contributing if d.sector is not None})
        # several pieces of evidence for one control: the highest p among them
        probability = max(d.probability for d, _ in contributing)
        loss = self._estimate(seg.segment, control.action, binding)
        reason = _reason(control, binding, terms, binding_demand.basis)
        duty = self.rules.decide.duty(control, binding.trigger, binding_demand.evidence)
        if duty is not None and not worth_acting(
            probability, loss, self._cost(seg.segment, binding)
        ):
            reason += "; a legal duty (p x L <= C)"
        decision = RoadControlApplied(
            event_id=derived_id(SERVICE, self.mode, *id_parts(key, episode), rev),
            occurred_at=now,
            source=SERVICE,
            region=seg.segment.from_city,
            causation_id=cause,
            mode=self.mode,
            action=control.action,
            decision_key=key,
            asset_ids=(seg.segment.id,),
            effective_at=now + timedelta(hours=self.rules.effect_delay_h.get(control, 0.0)),
            **self._charge(seg.segment, control.action).fields(),
            probability=probability,
            expected_loss_avoided_yuan=round(probability * loss, 2),
            reason=reason,
            inputs=tuple(inputs[:_MAX_INPUTS]),
            cross_sector_inputs=tuple(sectors),
            segment_id=seg.segment.id,
            road=seg.segment.road,
            control=control,
            trigger=binding.trigger,
            basis=binding_demand.basis,
            speed_limit_kmh=terms.speed_limit_kmh if control is RoadControl.RESTRICTION else None,
            min_gap_m=terms.min_gap_m if control is RoadControl.RESTRICTION else None,
            banned_vehicles=terms.banned if control is RoadControl.RESTRICTION else (),
            visibility_m=binding.visibility_m,
        )
        seg.active[control] = _Active(key, rev, terms, decision, episode=episode)
        return decision

    def _forecast_probability(self, forecast: ForecastIssued, asks: list[Ask]) -> float:
        """The p of a numerical forecast's conditions: the forecaster's calibrated probability
        of each condition asked for (freezing rain, fog; the highest of them), or the rules'
        documented constant for a forecast that carries none."""
        icing, fog = self.rules.forecast_criteria()
        wanted = [
            icing if a.trigger is ControlTrigger.ICING else fog
            for a in asks
            if a.trigger in (ControlTrigger.ICING, ControlTrigger.LOW_VISIBILITY)
        ]
        issued = [p for c in wanted if (p := forecast.probability(c.product)) is not None]
        return max(issued) if issued else self.rules.decide.probability.forecast

    def _acts(self, segment: Segment, demand: Demand, ask: Ask) -> bool:
        """Whether this demand's ask is acted on: a legal duty on this evidence, or p x L > C
        with C the control's charge over the hours L is estimated over (its episode hours)."""
        if self.rules.decide.duty(ask.control, ask.trigger, demand.evidence) is not None:
            return True
        loss = self._estimate(segment, ask.control.action, ask)
        return worth_acting(demand.probability, loss, self._cost(segment, ask))

    def _cost(self, segment: Segment, ask: Ask) -> float:
        """C: the control's charge over its trigger's expected episode (the rules' hours)."""
        key = (segment.id, ask.control, ask.trigger)
        if key not in self._costs:
            hours = self.rules.estimate.episode_hours.get(ask.trigger, 1.0)
            self._costs[key] = self._charge(segment, ask.control.action).over(hours)
        return self._costs[key]

    def _charge(self, segment: Segment, action: str) -> Charge:
        """De-icing is priced per km of the segment, the other controls per vehicle that meets
        them: the segment's flow (AADT / 24 vehicles an hour) for every hour in force."""
        if action == TransportAction.DE_ICE_ROAD:
            return self.world.charge(action, Per.KM, segment.length_km)
        return self.world.charge(action, Per.VEHICLE, segment.aadt / 24)

    def _lifted(
        self, seg: _Segment, active: _Active, now: datetime, cause: UUID | None
    ) -> RoadControlApplied:
        taken = active.decision
        return taken.model_copy(
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
                "reason": f"{taken.control} lifted: conditions cleared",
                "inputs": (cause,) if cause else (),
                "cross_sector_inputs": (),
            }
        )

    def _status_change(
        self, seg: _Segment, now: datetime, cause: UUID | None
    ) -> RoadStatusChanged | None:
        restriction = seg.active.get(RoadControl.RESTRICTION)
        speed: int | None = None
        banned: tuple[VehicleClass, ...] = ()
        if RoadControl.CLOSURE in seg.active:
            status, reason = RoadStatus.CLOSED, seg.active[RoadControl.CLOSURE].decision.reason
        elif restriction is not None:
            status, reason = RoadStatus.RESTRICTED, restriction.decision.reason
            speed, banned = restriction.terms.speed_limit_kmh, restriction.terms.banned
        else:
            status, reason = RoadStatus.OPEN, "no control in force"
        previous = seg.status
        if previous is None and status is RoadStatus.OPEN:
            return None
        if previous is not None and (
            previous.status,
            previous.speed_limit_kmh,
            previous.banned_vehicles,
        ) == (status, speed, banned):
            return None
        seg.status_rev += 1
        seg.status = RoadStatusChanged(
            event_id=derived_id(SERVICE, "status", self.mode, seg.segment.id, seg.status_rev),
            occurred_at=now,
            source=SERVICE,
            region=seg.segment.from_city,
            causation_id=cause,
            mode=self.mode,
            segment_id=seg.segment.id,
            road=seg.segment.road,
            from_city=seg.segment.from_city,
            to_city=seg.segment.to_city,
            status=status,
            speed_limit_kmh=speed,
            banned_vehicles=banned,
            reason=reason[:300],
        )
        return seg.status

    def _estimate(self, segment: Segment, action: str, ask: Ask) -> float:
        """L: the accident losses this control spares if its condition comes (before p), from
        the world's damage rules, over the trigger's episode hours."""
        est = self.rules.estimate
        rule_id = est.rule_by_trigger.get(ask.trigger)
        rule = self._damage_rules.get(rule_id) if rule_id is not None else None
        if rule is None:
            return 0.0
        share = max((m.avoid_share for m in rule.mitigations if m.action == action), default=0.0)
        bands = rule.bands or ()
        multiplier = bands[0][1] if bands else 1.0
        if ask.visibility_m is not None and rule.op == "lt":
            under = [m for threshold, m in bands if ask.visibility_m < threshold]
            multiplier = max(under, default=multiplier)
        c = self.world.damage.constants
        accidents_per_h = segment.aadt / 24 * segment.length_km / 1e6 * c.accident_rate_per_mveh_km
        hours = est.episode_hours.get(ask.trigger, 1.0)
        excess = max(multiplier - 1.0, 0.0)
        return accidents_per_h * excess * hours * c.cost_per_accident_yuan * share


def _reason(control: RoadControl, ask: Ask, terms: _Terms, basis: ControlBasis) -> str:
    """A short human explanation of a control."""
    what = {
        ControlTrigger.LOW_VISIBILITY: (
            f"visibility {ask.visibility_m:.0f} m" if ask.visibility_m is not None else "fog"
        ),
        ControlTrigger.ICING: "road icing",
        ControlTrigger.FLOODING: "flooded carriageway",
        ControlTrigger.HEAVY_RAIN: "heavy rain",
        ControlTrigger.HIGH_WIND: "gale",
        ControlTrigger.EMERGENCY_ACCESS: "emergency route",
    }[ask.trigger]
    text = f"{control} for {what} ({basis})"
    if control is RoadControl.RESTRICTION:
        text += f": <= {terms.speed_limit_kmh} km/h"
        if terms.min_gap_m:
            text += f", gap >= {terms.min_gap_m} m"
        if terms.banned:
            text += ", banned: " + ", ".join(terms.banned)
    return text
