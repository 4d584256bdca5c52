"""When the tourism service acts: closing an area, limiting or advising its visitors, stopping
its cable cars, and publishing a landscape forecast.

Every decision concerns one scenic area and one action and is taken where the cost-loss rule
p × L > C holds (``shared.world.costs.worth_acting``). L is the harm the weather would do to the
area's visitors with nothing done, by the world's model of the areas
(``shared.world.sectors.tourism``: the city's weather taken to the visitors' height, visitors
present by hour and season, the harm of a visitor-day by hazard and severity), times the share
the action avoids (``MITIGATIONS``); C is the action's price (``shared/world/actions.yaml``) for
the area's units over the span L covers. Of the actions worth taking for a hazard, the one with
the largest p × L − C is taken; the actions form a ladder (advice, a limit, a closure: a stronger
one in force is kept rather than a weaker one added, a weaker one in force is lifted when a
stronger one is taken); cable cars are stopped apart from it, unless the area is closed. An
action stays in force ``hold_h`` after its last evidence and is then lifted (``advance``).

* **both modes** (the area's own station, road sensor, gates and webcam, the public warnings):

  - a hazard measured on site (ice on the roads, a rainstorm day, 35 °C, fog, a gale) is taken
    to last ``persist_h`` (L over that span's visiting hours) with p ``chances.sensor``;
  - a warning for the area's city gives the weather its colour stands for (``warnings``), taken
    to the area's height, with p by colour;
  - a landscape the webcam shows now is announced for the next morning (p
    ``chances.landscape_seen``), and a fog or cold-wave warning foretells a sea of clouds or
    rime (p ``chances.landscape_warning``); L is the landscape day's extra visitors' revenue.

* **fused** (also other sectors' data): the weather service's forecasts give each hazard's harm
  over the next ``forecast_horizon_h`` hour by hour at the area, with p only ever the
  forecaster's issued probability of the product in ``products`` (a hazard with no product, or a
  run without its probability, is not acted on: no chance is typed in for a forecast), acted on
  when it starts within ``act_within_h`` and the product's horizon, in place its lead before it
  (``effective_at``); within ``nowcast_h`` of a fresh reading that shows the hazard absent the
  forecast's harm is not taken (the site measures the next hours better). Transport's road
  status tells when an access expressway of the area is closed: visitors are advised (L: the
  strandings, ``road``).

* **the ladder** (both modes): an action in force is kept on only by evidence worth that action
  itself; evidence worth only a weaker one takes the weaker one to start when the stronger one
  lapses, so a forecast worth advice never keeps an area closed.

Pure: no I/O; the adapter reads the rules, the prices and the world and passes them in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.tourism.domain.rules import TourismRules
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.tourism import (
    Landscape,
    TourismAction,
    TourismDecision,
    TourismHazard,
    TourismReading,
)
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import (
    Colour,
    ForecastIssued,
    SignalType,
    WarningIssued,
    to_reference,
)
from shared.situations import SituationLedger, id_parts
from shared.world import BEIJING_OFFSET
from shared.world.costs import NO_CHARGE, CostSpec, worth_acting
from shared.world.sectors.tourism import (
    MITIGATIONS,
    PUBLISH,
    Area,
    CityHour,
    Conditions,
    TourismWorld,
)

SOURCE = "tourism"

#: The ladder of visitor actions: a stronger one in force makes a weaker one needless.
RANK: dict[TourismAction, int] = {
    TourismAction.ADVISE_VISITORS: 1,
    TourismAction.LIMIT_VISITORS: 2,
    TourismAction.CLOSE_AREA: 3,
}


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


def local(at: datetime) -> datetime:
    """``at`` on Beijing's clock (its hour and month drive visitors)."""
    return at.astimezone(UTC) + BEIJING_OFFSET


@dataclass(frozen=True)
class Hour:
    """One hour ahead at an area: its local hour, month and weather."""

    at: datetime
    local_hour: int
    month: int
    conditions: Conditions
    city: CityHour


@dataclass
class _InForce:
    decision: TourismDecision
    until: datetime


@dataclass
class _Fallback:
    """A weaker visitor action evidence was worth while a stronger one was in force: taken
    when the stronger one lapses, if its evidence still holds then (``until``)."""

    action: TourismAction
    ev: _Evidence
    share: float
    until: datetime


@dataclass
class _Evidence:
    """Why an action may be worth taking: a harm (or a landscape) to come, and its chance."""

    basis: str
    probability: float
    cause: UUID
    at: datetime
    reason: str
    #: Hours from ``at`` to the first and past the last hour of harm (0 and ``persist_h`` for a
    #: condition measured now).
    onset_h: float
    end_h: float
    loss_yuan: float
    hazard: TourismHazard | None = None
    landscape: Landscape | None = None
    cross: tuple[str, ...] = ()
    #: A warning's expiry (its CAP ``expires``): an action on it lapses ``hold_h`` after.
    expires: datetime | None = None


class AreaModel:
    """One mode's view of the scenic areas and the actions it has in force."""

    def __init__(
        self,
        *,
        mode: Mode,
        rules: TourismRules,
        world: TourismWorld,
        areas: list[Area],
        prices: dict[TourismAction, CostSpec],
        ledger: SituationLedger,
    ) -> None:
        self.mode = mode
        self.rules = rules
        self.world = world
        self.areas = {a.id: a for a in areas}
        self.prices = prices
        self.ledger = ledger
        self._in_force: dict[tuple[str, TourismAction], _InForce] = {}
        #: When each (area, action) was last lifted: a decision after it takes effect no earlier.
        self._lifted: dict[tuple[str, TourismAction], datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[TourismDecision] = deque(maxlen=DECISIONS_KEPT)
        self._last: dict[str, TourismReading] = {}
        self._closed_roads: dict[str, set[str]] = {}
        self._fallback: dict[str, _Fallback] = {}

    # -- own data and public warnings (both modes) --------------------------------------------

    def on_reading(self, reading: TourismReading) -> list[TourismDecision]:
        """An area's hourly reading: the hazards it measures, the landscape it shows."""
        area = self.areas.get(reading.site_id)
        if area is None:
            return []
        self._last[area.id] = reading
        c = conditions_of(reading)
        at = reading.occurred_at
        hours: list[Hour] | None = None  # made for the first hazard measured (most hours: none)
        p = self.rules.chances.sensor
        out: list[TourismDecision] = []
        for hazard in TourismHazard:
            severity = self.world.severity(hazard, c)
            if severity <= 0:
                continue
            if hours is None:
                hours = self._persisting(at, c, CityHour(c.temp_c, 0, 0, 0, c.visibility_m))
            ev = self._harm_evidence(area, hazard, hours, "sensor", p, reading.event_id, at)
            if ev is not None:
                ev.reason = f"{hazard.value} measured on site (severity {severity:g})"
                ev.onset_h, ev.end_h = 0.0, float(self.rules.persist_h)
                out += self._protect(area, ev)
        if reading.landscape is not None:
            out += self._publish(
                area,
                reading.landscape,
                _Evidence(
                    "sensor",
                    self.rules.chances.landscape_seen,
                    reading.event_id,
                    at,
                    f"{reading.landscape.value} on the webcam this morning",
                    onset_h=24.0,
                    end_h=24.0,
                    loss_yuan=self.world.landscape_gain_yuan(area, local(at).month),
                    landscape=reading.landscape,
                ),
            )
        return out

    def on_warning(self, warning: WarningIssued) -> list[TourismDecision]:
        """A public warning for an area's city: the weather its colour stands for."""
        if warning.alert.msg_type == "Cancel":
            return []
        out: list[TourismDecision] = []
        for area in self.world.areas_in(warning.region):
            if area.id in self.areas:
                out += self._on_warning(area, warning)
        return out

    # -- other sectors' data (fused only) -----------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[TourismDecision]:
        """The weather service's forecast for a city: each of its areas' harm hour by hour."""
        self._fused_only("forecast")
        out: list[TourismDecision] = []
        for area in self.world.areas_in(forecast.region):
            if area.id in self.areas:
                out += self._on_forecast(area, forecast)
        return out

    def on_road_status(self, status: RoadStatusChanged) -> list[TourismDecision]:
        """Transport's status of a segment: a closed access road strands visitors."""
        self._fused_only("road status")
        out: list[TourismDecision] = []
        for area in self.areas.values():
            if status.segment_id not in area.access:
                continue
            closed = self._closed_roads.setdefault(area.id, set())
            if status.status is not RoadStatus.CLOSED:
                closed.discard(status.segment_id)
                continue
            closed.add(status.segment_id)
            at = status.occurred_at
            road = self.rules.road
            now = local(at)
            visitors = self.world.visitors(area, now.month)
            share = self.world.day_share(now.hour, self.rules.persist_h)
            loss = visitors * share * road.stranded_share * road.stranding_yuan
            ev = _Evidence(
                "road",
                self.rules.chances.road,
                status.event_id,
                at,
                f"access road {status.segment_id} closed",
                onset_h=0.0,
                end_h=float(self.rules.persist_h),
                loss_yuan=loss,
                cross=("transport",),
            )
            out += self._take_best(area, ev, {TourismAction.ADVISE_VISITORS: road.avoid_share})
        return out

    # -- the clock ----------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[TourismDecision]:
        """Lift every action whose evidence is older than ``hold_h``."""
        out: list[TourismDecision] = []
        for key, held in sorted(self._in_force.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if now < held.until:
                continue
            out.append(self._lift(key, now, f"no fresh evidence for {self.rules.hold_h:.0f} h"))
            out += self._fall_back(key[0], now)
        return out

    def _fall_back(self, area_id: str, now: datetime) -> list[TourismDecision]:
        """Once no visitor action is in force at ``area_id``, the weaker one its last evidence
        was worth (``_Fallback``), if that evidence still holds."""
        if any((area_id, a) in self._in_force for a in RANK):
            return []
        fallback = self._fallback.pop(area_id, None)
        if fallback is None or fallback.until <= now:
            return []
        reason = f"{fallback.ev.reason}; the stronger action lapsed"
        ev = replace(fallback.ev, at=now, reason=reason)
        return self._act(
            self.areas[area_id], fallback.action, ev, fallback.share, now, fallback.until
        )

    def decisions(self) -> list[TourismDecision]:
        """The latest decisions (at most ``DECISIONS_KEPT``), taken and lifted, in the order
        decided."""
        return list(self._decided)

    def in_force(self) -> list[TourismDecision]:
        """The decisions in force now."""
        return [h.decision for h in self._in_force.values()]

    def last_readings(self) -> dict[str, TourismReading]:
        """Each area's last reading."""
        return dict(self._last)

    def roads_closed(self, area_id: str) -> tuple[str, ...]:
        """The access segments of ``area_id`` transport reports closed (fused)."""
        return tuple(sorted(self._closed_roads.get(area_id, ())))

    # -- evidence ----------------------------------------------------------------------------

    def _persisting(self, at: datetime, c: Conditions, city: CityHour) -> list[Hour]:
        """Conditions ``c`` held through the next ``persist_h`` hours."""
        start = local(at)
        hours = [timedelta(hours=k) for k in range(self.rules.persist_h)]
        # Beijing has no daylight saving: the local time k hours on is the local time plus k.
        return [Hour(at + h, (start + h).hour, (start + h).month, c, city) for h in hours]

    def _harm_evidence(
        self,
        area: Area,
        hazard: TourismHazard,
        hours: list[Hour],
        basis: str,
        p: float,
        cause: UUID,
        at: datetime,
        cross: tuple[str, ...] = (),
    ) -> _Evidence | None:
        """The harm ``hazard`` would do to ``area``'s visitors over ``hours`` (None: none)."""
        harm = [
            (
                h,
                self.world.harm_yuan(
                    area,
                    hazard,
                    self.world.severity(hazard, h.conditions),
                    h.month,
                    h.local_hour,
                ),
            )
            for h in hours
        ]
        hit = [(h, y) for h, y in harm if y > 0]
        if not hit:
            return None
        onset = (hit[0][0].at - at).total_seconds() / 3600
        end = (hit[-1][0].at - at).total_seconds() / 3600 + 1
        loss = sum(y for _, y in hit)
        return _Evidence(basis, p, cause, at, "", onset, end, loss, hazard=hazard, cross=cross)

    def _on_warning(self, area: Area, warning: WarningIssued) -> list[TourismDecision]:
        w = self.rules.warnings
        colour, signal = warning.colour, warning.signal
        p = self.rules.chances.of("warning", colour)
        at = warning.occurred_at
        reason = f"{colour.value} {signal.value} warning"
        out: list[TourismDecision] = []
        city = _warned_city(self.rules, signal, colour)
        if city is not None:
            start = local(at)
            hours = []
            for k in range(self.rules.persist_h):
                lh = (start.hour + k) % 24
                hour_city = city
                if signal is SignalType.HEAT and lh not in w.heat_hours:
                    hour_city = replace(city, temp_c=city.temp_c - 4)
                hours.append(
                    Hour(
                        at + timedelta(hours=k),
                        lh,
                        local(at + timedelta(hours=k)).month,
                        self.world.at_area(area, hour_city),
                        hour_city,
                    )
                )
            expires = min(i.expires for i in warning.alert.info)
            for hazard in TourismHazard:
                ev = self._harm_evidence(area, hazard, hours, "warning", p, warning.event_id, at)
                if ev is not None:
                    ev.reason = reason
                    ev.expires = expires
                    ev.end_h = max(ev.end_h, float(self.rules.persist_h))
                    out += self._protect(area, ev)
        landscape = w.landscape.get(signal)
        if landscape is not None and landscape in area.landscapes:
            out += self._publish(
                area,
                landscape,
                _Evidence(
                    "warning",
                    self.rules.chances.landscape_warning,
                    warning.event_id,
                    at,
                    f"{reason}: {landscape.value} likely",
                    onset_h=12.0,
                    end_h=36.0,
                    loss_yuan=self.world.landscape_gain_yuan(area, local(at).month),
                    landscape=landscape,
                ),
            )
        return out

    def _on_forecast(self, area: Area, forecast: ForecastIssued) -> list[TourismDecision]:
        at, run = forecast.occurred_at, forecast.run_at
        steps = sorted(forecast.steps, key=lambda s: s.valid_at)
        rains = [s.rain_mm or 0.0 for s in steps]
        hours: list[Hour] = []
        for i, s in enumerate(steps):
            if s.temp_c is None:
                continue
            city = CityHour(
                temp_c=s.temp_c,
                rain_mm=rains[i],
                rain_24h_mm=sum(rains[max(0, i - 23) : i + 1]),
                gust_ms=s.gust_ms or 0.0,
                visibility_m=s.visibility_m if s.visibility_m is not None else 20_000.0,
                rain_12h_mm=sum(rains[max(0, i - 11) : i + 1]),
            )
            lt = local(s.valid_at)
            hours.append(Hour(s.valid_at, lt.hour, lt.month, self.world.at_area(area, city), city))
        ahead = [
            h for h in hours if (h.at - run).total_seconds() / 3600 <= self.rules.forecast_horizon_h
        ]
        out: list[TourismDecision] = []
        for hazard in TourismHazard:
            found = self._forecast_p(area, hazard, forecast)
            if found is None:
                continue
            p, product = found
            ev = self._harm_evidence(
                area, hazard, self._nowcast(area, hazard, at, ahead), "forecast", p,
                forecast.event_id, at, ("weather",),
            )  # fmt: skip
            if ev is None or ev.onset_h > _horizon_h(product) - (at - run).total_seconds() / 3600:
                continue  # no harm, or none within the horizon the product's p speaks for
            ev.reason = (
                f"forecast {hazard.value}: ¥{ev.loss_yuan:,.0f} of harm from "
                f"{ev.onset_h:.0f} h ({product} p={p:.2f})"
            )
            out += self._protect(area, ev)
        return out

    def _nowcast(
        self, area: Area, hazard: TourismHazard, at: datetime, hours: list[Hour]
    ) -> list[Hour]:
        """``hours`` less those a fresh reading of the area outweighs: within ``nowcast_h`` of a
        reading no older than ``reading_fresh_h`` at ``at`` that shows no ``hazard``, the
        forecast's harm of the hazard is not taken (the site measures the next hours better)."""
        last = self._last.get(area.id)
        if last is None or self.rules.nowcast_h <= 0:
            return hours
        if (at - last.occurred_at).total_seconds() / 3600 > self.rules.reading_fresh_h:
            return hours
        if self.world.severity(hazard, conditions_of(last)) > 0:
            return hours
        until = last.occurred_at + timedelta(hours=self.rules.nowcast_h)
        return [h for h in hours if h.at > until]

    def _forecast_p(
        self, area: Area, hazard: TourismHazard, forecast: ForecastIssued
    ) -> tuple[float, str] | None:
        """The chance of ``hazard`` at ``area`` a forecast gives, and the product it comes from:
        the forecaster's issued probability of the product that speaks for the area (None: no
        product does, or the run issues none, and the forecast of the hazard is not acted on).

        Heat: the product of the city Tmax the area's 35 °C stands for (none for a mountain
        area's visitors, too high up for the city's heat products). Ice, storms and fog: the
        city's product, a lower bound of the area's chance wherever the area is higher (colder
        and wetter: freezing rain or a 50 mm day in the city means ice or a rainstorm day
        there too)."""
        r = self.rules
        product: str | None = None
        if hazard is TourismHazard.HEAT:
            need = to_reference(self.world.harm[hazard].from_c or 35.0, area.elevation_m)
            product = next((pr for t, pr in r.heat_products if need <= t + 0.5), None)
        else:
            product = r.products.get(hazard)
        if product is None:
            return None
        p = forecast.probability(product)
        return None if p is None else (p, product)

    # -- deciding -----------------------------------------------------------------------------

    def _protect(self, area: Area, ev: _Evidence) -> list[TourismDecision]:
        """The best visitor action for ``ev``'s hazard, if any is worth it."""
        if ev.hazard is None:
            return []
        shares = {a: m.avoid_share for a, m in MITIGATIONS[ev.hazard].items()}
        return self._take_best(area, ev, shares)

    def _options(
        self, area: Area, ev: _Evidence, shares: dict[TourismAction, float]
    ) -> dict[TourismAction, tuple[float, float, datetime]]:
        """The actions worth taking on ``ev`` (p × L > C), each with its net value p × L − C,
        the share it avoids and when it takes effect."""
        month = local(ev.at).month
        found: dict[TourismAction, tuple[float, float, datetime]] = {}
        for action, share in shares.items():
            if ev.basis == "forecast" and ev.onset_h > self.rules.act_within_h.get(action, 0.0):
                continue
            lead = self._lead(ev.hazard, action)
            effective = ev.at + timedelta(hours=max(0.0, ev.onset_h - lead))
            if ev.basis != "forecast":
                effective = ev.at
            # C over the hours it will be in force: from when it takes effect to the end of the
            # harm (a forecast's: and ``hold_h`` after it, as ``_until`` keeps it)
            end = ev.end_h + (self.rules.hold_h if ev.basis == "forecast" else 0.0)
            span = max(1.0, end - (effective - ev.at).total_seconds() / 3600)
            quantity = self.world.units(area, action, month)
            price = self.prices.get(action)
            if quantity <= 0 or price is None:
                continue
            cost = price.charge(quantity).over(span)
            if worth_acting(ev.probability, ev.loss_yuan * share, cost):
                found[action] = (ev.probability * ev.loss_yuan * share - cost, share, effective)
        return found

    def _take_best(
        self, area: Area, ev: _Evidence, shares: dict[TourismAction, float]
    ) -> list[TourismDecision]:
        """The best action worth taking on ``ev``, within the ladder: an action in force is
        kept on (``until`` moved on) only by evidence worth that action itself, so evidence
        that only justifies advice never keeps an area closed; a weaker action than the one in
        force is then taken to start when the stronger one lapses."""
        options = self._options(area, ev, shares)
        if not options:
            return []
        action = max(options, key=lambda a: options[a][0])
        _, share, effective = options[action]
        until = self._until(ev)
        if action is TourismAction.STOP_CABLE_CARS:
            closed = self._in_force.get((area.id, TourismAction.CLOSE_AREA))
            if closed is not None:
                if TourismAction.CLOSE_AREA in options:
                    closed.until = max(closed.until, until)
                return []
            return self._keep_or_act(area, action, ev, share, effective, until)
        stronger = [a for a in RANK if RANK[a] > RANK[action] and (area.id, a) in self._in_force]
        if not stronger:
            out = self._keep_or_act(area, action, ev, share, effective, until)
            for weaker in RANK:
                if RANK[weaker] < RANK[action] and (area.id, weaker) in self._in_force:
                    out.append(self._lift((area.id, weaker), ev.at, f"replaced by {action.value}"))
            return out
        top = max(stronger, key=RANK.__getitem__)
        held = self._in_force[(area.id, top)]
        if top in options:  # the evidence is worth the stronger action too: keep it on
            held.until = max(held.until, until)
        elif until > held.until:  # worth only a weaker one: taken if the stronger one lapses
            fallback = self._fallback.get(area.id)
            if fallback is None or RANK[action] >= RANK[fallback.action]:
                self._fallback[area.id] = _Fallback(action, ev, share, until)
        return []

    def _keep_or_act(
        self,
        area: Area,
        action: TourismAction,
        ev: _Evidence,
        share: float,
        effective: datetime,
        until: datetime,
    ) -> list[TourismDecision]:
        """``action`` on ``ev``: kept on where it is in force already, else taken; one decided
        to take effect later than ``ev`` needs it is lifted before it starts (costing only its
        setup) and taken again from ``effective``."""
        held = self._in_force.get((area.id, action))
        if held is None:
            return self._act(area, action, ev, share, effective, until)
        if held.decision.effective_at <= effective:
            held.until = max(held.until, until)
            return []
        until = max(held.until, until)
        lift = self._lift((area.id, action), ev.at, f"brought forward: {ev.reason}"[:500])
        return [lift, *self._act(area, action, ev, share, effective, until)]

    def _publish(self, area: Area, landscape: Landscape, ev: _Evidence) -> list[TourismDecision]:
        if landscape not in area.landscapes:
            return []
        action = TourismAction.PUBLISH_LANDSCAPE_FORECAST
        until = ev.at + timedelta(hours=ev.end_h + self.rules.hold_h)
        held = self._in_force.get((area.id, action))
        if held is not None:
            held.until = max(held.until, until)
            return []
        price = self.prices.get(action)
        quantity = self.world.units(area, action, local(ev.at).month)
        if price is None or quantity <= 0:
            return []
        cost = price.charge(quantity).over(ev.end_h)
        if not worth_acting(ev.probability, ev.loss_yuan * PUBLISH.avoid_share, cost):
            return []
        return self._act(area, action, ev, PUBLISH.avoid_share, ev.at, until)

    def _until(self, ev: _Evidence) -> datetime:
        """When an action on ``ev`` lapses without fresh evidence: ``hold_h`` after a reading
        (the sensors report every hour while the condition lasts), after a warning's expiry,
        or after the last hour of a forecast harm (a road closure: ``persist_h``)."""
        last = ev.at if ev.basis == "sensor" else ev.at + timedelta(hours=ev.end_h)
        if ev.expires is not None:
            last = max(ev.at, ev.expires)
        return last + timedelta(hours=self.rules.hold_h)

    @staticmethod
    def _lead(hazard: TourismHazard | None, action: TourismAction) -> float:
        if hazard is None:
            return 0.0
        m = MITIGATIONS[hazard].get(action)
        return 0.0 if m is None else m.lead_h

    def _act(
        self,
        area: Area,
        action: TourismAction,
        ev: _Evidence,
        share: float,
        effective: datetime,
        until: datetime,
    ) -> list[TourismDecision]:
        key = (area.id, action)
        lifted = self._lifted.get(key)
        if lifted is not None and effective < lifted:
            effective = lifted
        price = self.prices[action]
        charge = price.charge(self.world.units(area, action, local(ev.at).month))
        subject = f"{action.value}:{area.id}"
        decision_key = self.ledger.open(subject, self.mode, ev.at)
        episode = self.ledger.episode(subject, self.mode)
        decision = TourismDecision(
            event_id=derived_id(SOURCE, self.mode.value, *id_parts(decision_key, episode)),
            occurred_at=ev.at,
            source=SOURCE,
            region=area.city,
            causation_id=ev.cause,
            mode=self.mode,
            action=action,
            decision_key=decision_key,
            asset_ids=(area.id,),
            effective_at=effective,
            **charge.fields(),
            probability=ev.probability,
            expected_loss_avoided_yuan=round(ev.probability * ev.loss_yuan * share, 2),
            reason=ev.reason[:500],
            inputs=(ev.cause,),
            cross_sector_inputs=tuple(dict.fromkeys(ev.cross)),
            site_id=area.id,
            basis=ev.basis,
            hazard=ev.hazard,
            landscape=ev.landscape,
        )
        self._in_force[key] = _InForce(decision, max(until, effective))
        self._decided.append(decision)
        return [decision]

    def _lift(self, key: tuple[str, TourismAction], now: datetime, reason: str) -> TourismDecision:
        held = self._in_force.pop(key)
        self._lifted[key] = now
        taken = held.decision
        subject = f"{taken.action}:{taken.site_id}"
        episode = self.ledger.episode(subject, self.mode)
        self.ledger.close(subject, self.mode)
        lift = TourismDecision(
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
            asset_ids=taken.asset_ids,
            effective_at=now,
            **NO_CHARGE,
            expected_loss_avoided_yuan=0.0,
            reason=reason,
            inputs=(taken.event_id,),
            site_id=taken.site_id,
            basis="lift",
            hazard=taken.hazard,
            landscape=taken.landscape,
        )
        self._decided.append(lift)
        return lift

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")


def conditions_of(reading: TourismReading) -> Conditions:
    """The conditions an area's reading measures (missing values: harmless ones)."""
    return Conditions(
        temp_c=reading.temp_c if reading.temp_c is not None else 15.0,
        rain_mm=reading.rain_mm or 0.0,
        rain_24h_mm=reading.rain_24h_mm or 0.0,
        gust_ms=reading.gust_ms or 0.0,
        visibility_m=reading.visibility_m if reading.visibility_m is not None else 20_000.0,
        humidity_pct=reading.humidity_pct,
        icy=bool(reading.road_icy),
    )


def _horizon_h(product: str) -> float:
    """The horizon of a forecaster's product, from its name (``..._12h``; see
    ``shared.forecasts.ForecastCriterion.product``)."""
    return float(product.rsplit("_", 1)[-1].removesuffix("h"))


def _warned_city(rules: TourismRules, signal: SignalType, colour: Colour) -> CityHour | None:
    """The city weather a warning stands for (None: a signal that harms no visitor)."""
    w = rules.warnings
    calm = CityHour(temp_c=20.0, rain_mm=0.0, rain_24h_mm=0.0, gust_ms=0.0, visibility_m=20_000.0)
    if signal in w.ice_signals:
        return replace(calm, temp_c=-0.5, rain_24h_mm=1.0)
    if signal in w.storm_signals:
        return replace(calm, rain_24h_mm=min(w.rain_24h_mm.values()))
    table: dict[SignalType, tuple[dict[Colour, float], str]] = {
        SignalType.RAINSTORM: (w.rain_24h_mm, "rain_24h_mm"),
        SignalType.HEAT: (w.heat_tmax_c, "temp_c"),
        SignalType.FOG: (w.fog_visibility_m, "visibility_m"),
        SignalType.GALE: (w.gale_gust_ms, "gust_ms"),
    }
    found = table.get(signal)
    if found is None or colour not in found[0]:
        return None
    values, field = found
    return replace(calm, **{field: values[colour]})
