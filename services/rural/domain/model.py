"""When the rural service moves villagers and patrols the hazard points of a city's hills.

Every decision concerns one city's hazard zones (the villages in its mapped flash-flood danger
zones and at its geological-hazard points) and one action. It is taken where the cost-loss rule
p x L > C holds (``shared.world.costs.worth_acting``): L is the harm the action spares if the
flood comes, the zones' people x the value of a statistical life x the expected harm per person
of the step of harm the evidence points to (``harm``, the world's ``flash-flood-casualties``
steps) less that of the steps the gauges have already passed (done), x the action's avoid share;
C is the action's charge over its expected hours. It stays in force while evidence keeps coming
and is lifted ``hold_h`` after the last (``advance``). Siloed and fused share the keys through
one ``SituationLedger``.

The flash-flood index is the larger of the hills' 3-h rain over its critical amount and their
24-h rain over its critical amount (``RuralWorld.index``): 1 at the critical rainfall (临界雨量).

* **both modes** (the zones' own rain gauges and grid workers, and the public CMA warnings):

  - *relocation* (``relocate_villagers``): the gauges' index reaches ``relocate.act_share`` of
    the next step's (p ``watch``; only while ``raining_3h_mm`` still falls); a grid worker's
    report of a precursor (cracks, muddy water, a small slide, a stream rising: the next step,
    p ``report``); a rainstorm or typhoon warning whose rain means an index of
    ``warning_index`` (orange 50 mm in 3 h: 1; red 100 mm in 3 h: 2; p by colour). It moves the
    share of the zones' people the step affects (``harm[].affected``), and more as the index
    climbs (a revision with the same key, whose setup is the transport of those not yet moved);
  - *patrol* (``patrol_hazard_points``): the gauges' index at ``patrol.act_index``, a report, or
    a rainstorm warning of ``patrol.min_colour`` or above: every crew of the city's hazard points.

* **fused** (also other sectors' data): the weather service's forecasts give the index to come
  (the forecast hourly rain's rolling 3-h and 24-h sums). At the first step's watch level within
  ``patrol.forecast_within_h`` the patrols go out, at the issued chance of
  ``relocate.forecast_product`` (100 mm in 24 h within 48 h); a forecast alone moves people only
  with ``relocate.forecast_alone``. While the gauges read rain (the patrols' index), the latest
  forecast reaching the next step's watch level within ``relocate.forecast_within_h`` moves that
  step's people before the gauges get there (p at least ``watch``). Emergency's response levels
  in force in the city raise the gauges' watch-level p to ``response``.

The geological-hazard risk level each decision carries (``risk``, blue to red) is the colour of
the index the evidence reads or forecasts, by ``risk_levels``, as the provincial
geological-hazard weather warnings grade it.

Pure: no I/O; the adapter reads the rules, the prices and the zones and passes them in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from services.rural.domain.rules import RuralRules
from shared.contracts.emergency import Measure, ResponseDecided
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.rural import ReadingKind, RuralAction, RuralDecision, RuralReading
from shared.contracts.weather import ForecastIssued, SignalType, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world.costs import NO_CHARGE, CostSpec, worth_acting
from shared.world.sectors.rural import RuralWorld

SOURCE = "rural"


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


@dataclass(frozen=True)
class Zone:
    """What the model knows of one city's hazard zones."""

    code: str
    people: int
    villages: int
    dangerous_houses: int
    hazard_points: int
    patrol_crews: int
    grid_workers: int


@dataclass
class _InForce:
    decision: RuralDecision
    until: datetime
    revisions: int = 0


@dataclass
class _Evidence:
    """Why an action is worth taking now."""

    basis: str
    probability: float
    index: float
    cause: UUID
    at: datetime
    reason: str
    cross: tuple[str, ...] = ()
    inputs: tuple[UUID, ...] = field(default_factory=tuple)
    #: The index the evidence reads or forecasts now (the risk colour); ``index`` is the step
    #: the action is for.
    observed: float | None = None


#: Index comparisons at a threshold (0.8 x 1.5 is 1.2000000000000002 in floating point).
_EPS = 1e-9


@dataclass
class _Seen:
    """One mode's view of a city's zones: the last gauge index, reports, responses in force."""

    index: float = 0.0
    index_at: datetime | None = None
    reports: list[tuple[datetime, UUID]] = field(default_factory=list)
    responses: dict[str, UUID] = field(default_factory=dict)
    #: Fused: the latest forecast's index path over the hills, its issued p and its id.
    forecast: tuple[UUID, float, list[tuple[datetime, float]]] | None = None


class ZoneModel:
    """One mode's view of the province's hazard zones and the actions it has in force."""

    def __init__(
        self,
        *,
        mode: Mode,
        rules: RuralRules,
        world: RuralWorld,
        zones: list[Zone],
        prices: dict[RuralAction, CostSpec],
        ledger: SituationLedger,
    ) -> None:
        self.mode = mode
        self.rules = rules
        self.world = world
        self.zones = {z.code: z for z in zones}
        self.prices = prices
        self.ledger = ledger
        self._in_force: dict[tuple[str, RuralAction], _InForce] = {}
        #: When each (city, action) was last lifted: a decision after it takes effect no earlier.
        self._lifted: dict[tuple[str, RuralAction], datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[RuralDecision] = deque(maxlen=DECISIONS_KEPT)
        self._seen: dict[str, _Seen] = {z.code: _Seen() for z in zones}

    # -- own data and public warnings (both modes) ------------------------------------------

    def on_reading(self, reading: RuralReading) -> list[RuralDecision]:
        """A gauge reading or a grid worker's report from a city's zones."""
        zone = self.zones.get(reading.region)
        if zone is None:
            return []
        seen = self._seen[zone.code]
        if reading.kind is ReadingKind.GRID_REPORT:
            return self._on_report(zone, seen, reading)
        r3, r24 = reading.rain_3h_mm, reading.rain_24h_mm
        if r3 is None and r24 is None:
            return []
        index = self.world.index(r3 or 0.0, r24 or 0.0)
        if seen.index_at is None or reading.occurred_at >= seen.index_at:
            seen.index, seen.index_at = index, reading.occurred_at
        if (r3 or 0.0) < self.rules.raining_3h_mm:
            # The 24-h sum stays high for a day after the rain: only rain still falling is
            # evidence (the slopes fail in the rain or within hours of it).
            return []
        chances, out = self.rules.chances, []
        reason = f"gauges: {r3 or 0:.0f} mm in 3 h, {r24 or 0:.0f} mm in 24 h (index {index:.2f})"
        ahead = self.rules.next_step(index)
        target = ahead.index if ahead is not None else index
        if index >= self.rules.patrol.act_index:
            ev = _Evidence("gauge", chances.watch, target, reading.event_id,
                           reading.occurred_at, reason, observed=index)  # fmt: skip
            out += self._act(zone, RuralAction.PATROL_HAZARD_POINTS, ev)
        if ahead is None or index >= self.rules.relocate.act_share * ahead.index - _EPS:
            ev = _Evidence("gauge", chances.watch, target, reading.event_id,
                           reading.occurred_at, reason, observed=index)  # fmt: skip
            if self.mode is Mode.FUSED and seen.responses and chances.response > ev.probability:
                ev.probability, ev.basis = chances.response, "response"
                ev.cross = ("emergency",)
                ev.reason += f"; emergency response in force ({len(seen.responses)})"
            out += self._act(zone, RuralAction.RELOCATE_VILLAGERS, ev)
        if self.mode is Mode.FUSED and index >= self.rules.patrol.act_index:
            out += self._forecast_ahead(zone, seen, index, reading)
        return out

    def _forecast_ahead(
        self, zone: Zone, seen: _Seen, index: float, reading: RuralReading
    ) -> list[RuralDecision]:
        """Fused: the gauges read rain and the latest forecast takes the index to the next step's
        watch level within ``forecast_within_h``: move that step's people before the gauges
        reach it."""
        if seen.forecast is None:
            return []
        cause, p, path = seen.forecast
        rel, now = self.rules.relocate, reading.occurred_at
        until = now + timedelta(hours=rel.forecast_within_h)
        predicted = max((x for t, x in path if now < t <= until), default=0.0)
        ahead = self.rules.next_step(index)
        if ahead is None or predicted < rel.act_share * ahead.index - _EPS:
            return []
        reason = (
            f"gauges at index {index:.2f}, "
            f"forecast {predicted:.2f} within {rel.forecast_within_h:.0f} h"
        )
        ev = _Evidence("forecast", max(p, self.rules.chances.watch), ahead.index, reading.event_id,
                       now, reason, ("weather",), (reading.event_id, cause),
                       observed=predicted)  # fmt: skip
        return self._act(zone, RuralAction.RELOCATE_VILLAGERS, ev)

    def on_warning(self, warning: WarningIssued) -> list[RuralDecision]:
        """A public warning: a rainstorm or typhoon signal's rain over the hills."""
        zone = self.zones.get(warning.region)
        if zone is None or warning.alert.msg_type == "Cancel":
            return []
        rel, pat = self.rules.relocate, self.rules.patrol
        if warning.signal not in rel.warning_signals:
            return []
        p = self.rules.chances.of("warning", warning.colour)
        reason = f"{warning.colour.value} {warning.signal.value} warning"
        out: list[RuralDecision] = []
        index = rel.warning_index.get(warning.colour)
        if warning.signal is SignalType.RAINSTORM and warning.colour.rank >= pat.min_colour.rank:
            ev = _Evidence("warning", p, max(index or 1.0, 1.0), warning.event_id,
                           warning.occurred_at, reason)  # fmt: skip
            out += self._act(zone, RuralAction.PATROL_HAZARD_POINTS, ev)
        if index is not None:
            ev = _Evidence("warning", p, index, warning.event_id, warning.occurred_at, reason)
            out += self._act(zone, RuralAction.RELOCATE_VILLAGERS, ev)
        return out

    # -- other sectors' data (fused only) ---------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[RuralDecision]:
        """The weather service's forecast: the index to come over the city's hills."""
        self._fused_only("forecast")
        zone = self.zones.get(forecast.region)
        if zone is None:
            return []
        rel, pat = self.rules.relocate, self.rules.patrol
        p = forecast.probability(rel.forecast_product) or self.rules.chances.forecast
        out: list[RuralDecision] = []
        self._seen[zone.code].forecast = (forecast.event_id, p, self._forecast_path(forecast))
        near = self._forecast_index(forecast, rel.forecast_within_h)
        ahead = self._forecast_index(forecast, pat.forecast_within_h)
        # The people of the highest step whose watch level the forecast reaches within
        # ``forecast_within_h``, at the issued chance of the product's event (100 mm in 24 h).
        first = self.rules.harm[0].index
        reached = [s.index for s in self.rules.harm if near >= rel.act_share * s.index - _EPS]
        if reached and rel.forecast_alone:
            reason = f"forecast index {near:.2f} within {rel.forecast_within_h:.0f} h"
            ev = _Evidence("forecast", p, reached[-1], forecast.event_id, forecast.occurred_at,
                           reason, ("weather",), observed=near)  # fmt: skip
            out += self._act(zone, RuralAction.RELOCATE_VILLAGERS, ev)
        if ahead >= rel.act_share * first - _EPS:
            reason = f"forecast index {ahead:.2f} within {pat.forecast_within_h:.0f} h"
            ev = _Evidence("forecast", p, first, forecast.event_id, forecast.occurred_at,
                           reason, ("weather",), observed=ahead)  # fmt: skip
            out += self._act(zone, RuralAction.PATROL_HAZARD_POINTS, ev)
        return out

    def on_response(self, response: ResponseDecided) -> list[RuralDecision]:
        """An emergency response level in force in a city (its own gauges, reports and warnings
        see the emergency): it corroborates the zones' gauges at the watch level."""
        self._fused_only("emergency response")
        seen = self._seen.get(response.region)
        if seen is None or response.measure is not Measure.RESPONSE_LEVEL:
            return []
        wanted = self.rules.relocate.response_levels
        if response.status == "taken" and response.level in wanted:
            seen.responses[response.decision_key] = response.event_id
        else:
            seen.responses.pop(response.decision_key, None)
        return []

    # -- the clock ----------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[RuralDecision]:
        """Lift every action whose last evidence is older than its hold."""
        out: list[RuralDecision] = []
        for key, held in sorted(self._in_force.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if now < held.until:
                continue
            del self._in_force[key]
            self._lifted[key] = now
            out.append(self._lift(held.decision, now))
        return out

    # -- views ------------------------------------------------------------------------------

    def decisions(self) -> list[RuralDecision]:
        """The latest decisions (at most ``DECISIONS_KEPT``), taken and lifted, in the order
        decided."""
        return list(self._decided)

    def in_force(self) -> list[RuralDecision]:
        """The decisions in force now."""
        return [h.decision for h in self._in_force.values()]

    def index(self, code: str) -> float:
        """The last flash-flood index the city's gauges gave (0 before any)."""
        seen = self._seen.get(code)
        return seen.index if seen else 0.0

    def reports(self, code: str) -> int:
        """Grid reports of the city still within the report window."""
        seen = self._seen.get(code)
        return len(seen.reports) if seen else 0

    def responding(self, code: str) -> bool:
        """Whether the fused model knows of an emergency response level in force in the city."""
        seen = self._seen.get(code)
        return bool(seen and seen.responses)

    # -- evidence ---------------------------------------------------------------------------

    def _on_report(self, zone: Zone, seen: _Seen, reading: RuralReading) -> list[RuralDecision]:
        at = reading.occurred_at
        window = timedelta(hours=self.rules.report_window_h)
        seen.reports = [(t, i) for t, i in seen.reports if at - t < window]
        seen.reports.append((at, reading.event_id))
        # A precursor means a slope or stream is failing: the next step's harm is coming.
        ahead = self.rules.next_step(seen.index)
        index = ahead.index if ahead is not None else seen.index
        p = self.rules.chances.report
        reason = f"grid report: {reading.precursor} ({len(seen.reports)} in the window)"
        out: list[RuralDecision] = []
        for action in (RuralAction.PATROL_HAZARD_POINTS, RuralAction.RELOCATE_VILLAGERS):
            ev = _Evidence("report", p, index, reading.event_id, at, reason)
            out += self._act(zone, action, ev)
        return out

    def _forecast_path(self, forecast: ForecastIssued) -> list[tuple[datetime, float]]:
        """The forecast's index over the hills at each of its hours (rolling sums of its rain)."""
        rain = [s.rain_mm or 0.0 for s in forecast.steps]
        return [
            (step.valid_at, self.world.index(sum(rain[max(0, i - 2) : i + 1]),
                                             sum(rain[max(0, i - 23) : i + 1])))
            for i, step in enumerate(forecast.steps)
        ]  # fmt: skip

    def _forecast_index(self, forecast: ForecastIssued, within_h: float) -> float:
        until = forecast.run_at + timedelta(hours=within_h)
        path = self._forecast_path(forecast)
        return max((x for t, x in path if t <= until), default=0.0)

    def _people(self, zone: Zone, index: float) -> int:
        """The people a relocation for a flood at ``index`` moves: the share of the zones it
        affects."""
        return round(zone.people * self.rules.step(index).affected)

    def _loss(self, zone: Zone, action: RuralAction, index: float) -> float:
        """L: the harm the action spares if the flood at ``index`` comes (before p): only the
        steps above the index the gauges have read (the harm of those passed is done)."""
        harm = self.rules.step(index).harm if index >= self.rules.harm[0].index else 0.0
        harm -= self.rules.passed(self._seen[zone.code].index)
        avoid = (
            self.rules.relocate.avoid_share
            if action is RuralAction.RELOCATE_VILLAGERS
            else self.rules.patrol.avoid_share
        )
        return zone.people * self.world.vsl_yuan * max(0.0, harm) * avoid

    # -- deciding ---------------------------------------------------------------------------

    def _quantity(self, zone: Zone, action: RuralAction, index: float) -> float:
        if action is RuralAction.RELOCATE_VILLAGERS:
            return float(self._people(zone, index))
        return float(zone.patrol_crews)

    def _act(self, zone: Zone, action: RuralAction, ev: _Evidence) -> list[RuralDecision]:
        """Take ``action`` for ``zone`` when p x L > C, keep the one in force going, or move
        more people when the evidence points to a higher index."""
        key = (zone.code, action)
        lifted = self._lifted.get(key)
        if lifted is not None and ev.at < lifted:
            ev = replace(ev, at=lifted)
        rules = (
            self.rules.relocate if action is RuralAction.RELOCATE_VILLAGERS else self.rules.patrol
        )
        until = ev.at + timedelta(hours=rules.hold_h)
        quantity = self._quantity(zone, action, ev.index)
        price = self.prices.get(action)
        if quantity <= 0 or price is None:
            return []
        held = self._in_force.get(key)
        if held is not None and quantity <= held.decision.quantity:
            held.until = max(held.until, until)
            return []
        charge = price.charge(quantity)
        loss = self._loss(zone, action, ev.index)
        fields = charge.fields()
        if held is not None:
            # A revision moves the people not yet moved: their transport only (those out stay).
            moved = held.decision.quantity
            fields["setup_cost_yuan"] = round(price.setup_yuan * (quantity - moved), 2)
        cost = fields["setup_cost_yuan"] + charge.yuan_per_h * rules.expected_hours
        if not worth_acting(ev.probability, loss, cost):
            if held is not None:
                held.until = max(held.until, until)
            return []
        subject = f"{action.value}:{zone.code}"
        if held is None:
            decision_key = self.ledger.open(subject, self.mode, ev.at)
            parts = id_parts(decision_key, self.ledger.episode(subject, self.mode))
        else:
            # More people to move: a revision with the same key replaces the decision in force.
            held.revisions += 1
            decision_key = held.decision.decision_key
            parts = (
                *id_parts(decision_key, self.ledger.episode(subject, self.mode)),
                f"revision {held.revisions}",
            )
        decision = RuralDecision(
            event_id=derived_id(SOURCE, self.mode.value, *parts),
            occurred_at=ev.at,
            source=SOURCE,
            region=zone.code,
            causation_id=ev.cause,
            mode=self.mode,
            action=action,
            decision_key=decision_key,
            effective_at=ev.at,
            **fields,
            probability=ev.probability,
            expected_loss_avoided_yuan=round(ev.probability * loss, 2),
            reason=ev.reason,
            inputs=(ev.cause,),
            cross_sector_inputs=tuple(dict.fromkeys(ev.cross)),
            basis=ev.basis,
            flash_index=round(ev.index, 3),
            risk=self.rules.risk(ev.index if ev.observed is None else ev.observed),
            people_to_relocate=int(quantity) if action is RuralAction.RELOCATE_VILLAGERS else 0,
        )
        if held is None:
            self._in_force[key] = _InForce(decision, until)
        else:
            held.decision, held.until = decision, max(held.until, until)
        self._decided.append(decision)
        return [decision]

    def _lift(self, taken: RuralDecision, now: datetime) -> RuralDecision:
        subject = f"{taken.action}:{taken.region}"
        episode = self.ledger.episode(subject, self.mode)
        self.ledger.close(subject, self.mode)
        hold = (
            self.rules.relocate.hold_h
            if taken.action == RuralAction.RELOCATE_VILLAGERS
            else self.rules.patrol.hold_h
        )
        lift = RuralDecision(
            event_id=derived_id(
                SOURCE, self.mode.value, "lift", *id_parts(taken.decision_key, episode)
            ),
            occurred_at=now,
            source=SOURCE,
            region=taken.region,
            causation_id=taken.event_id,
            mode=self.mode,
            action=taken.action,
            status="lifted",
            decision_key=taken.decision_key,
            effective_at=now,
            **NO_CHARGE,
            expected_loss_avoided_yuan=0.0,
            reason=f"no fresh evidence for {hold:.0f} h",
            inputs=(taken.event_id,),
            basis="lift",
        )
        self._decided.append(lift)
        return lift

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")
