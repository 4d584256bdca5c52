"""When the city operations centre acts on waterlogging: pre-lowering the drainage network,
putting out pumps and sandbags, closing underpasses, zone by zone.

Every decision concerns one drainage zone and one action. The model projects the zone's water
with the world's water balance (``UrbanWorld.step``, the one the truth runs) from its current
state (the network's fill and the ponding its own sensors measured) over the rain the evidence
gives, then runs it on ``drain_h`` dry hours to see how long the ponding stands. An action is
taken when

* the projection reaches a depth at which the action avoids some loss within the action's
  ``act_within_h`` (its lead time: pre-lowering a day ahead, crews six hours, a closure three);
* p × L > C (``shared.world.costs.worth_acting``): p the evidence's chance, L what the action
  avoids of the zone's losses at the projected peak (``UrbanWorld.avoided_yuan``: the loss steps
  and shares the truth uses), C its price for the zone (``shared/world/actions.yaml``) over its
  ``hold_h``.

It stays in force while evidence keeps passing that test and is lifted ``hold_h`` after the last
(``advance``). Siloed and fused share their keys through one ``SituationLedger``.

* **both modes** (the zone's own sensors and the public CMA warnings):

  - *sensors*: the rain its gauge measured in the last hour, if at least ``min_rain_mm``, held
    for ``persist_h`` hours (persistence), from the network's fill and the ponding measured;
  - *warnings*: a rainstorm warning's rain (its CMA criterion: 50 mm in 12, 6 or 3 h, 100 mm in
    3 h), spread evenly over its hours from now, over every zone of the warned city.

* **fused** (also other sectors' data):

  - the weather service's forecasts: their hourly rain over ``horizon_h``, with p the
    forecaster's issued chance of the ``blocked`` product (50 mm in 24 h) where the zone's
    outfalls are shut and of the ``open`` one (100 mm in 24 h) where they are open, and L the
    loss if the product's rain falls (``design_storm``): as a design storm around the wettest
    hour where the forecast shows a convective hour, else in the forecast's own shape;
  - the water department's gauge stages (backwater): a zone's outfalls are shut while one of
    its gauges stands within ``margin_m`` of its warning level, so its network empties only
    through its pumps. The siloed model does not know the river: it projects every zone as if
    its gravity outfalls were open, and sees the backwater only once the network fills and the
    streets pond.

Pure: no I/O; the adapter reads the rules, the prices and the zones and passes them in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from services.urban.domain.rules import UrbanRules
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.urban import DrainageReading, UrbanAction, UrbanDecision
from shared.contracts.water import HydroReading, StationKind
from shared.contracts.weather import ForecastIssued, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world.costs import NO_CHARGE, CostSpec, worth_acting
from shared.world.sectors.urban import DELAY_FROM_M, DrainageZone, UrbanWorld, Water, covered

SOURCE = "urban"


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


def city_of(region: str) -> str:
    """The prefecture-level city of a GB/T 2260 code (a county rolls up to its city)."""
    return region[:4] + "00"


@dataclass
class _InForce:
    decision: UrbanDecision
    until: datetime


@dataclass
class _Evidence:
    """Why an action may be worth taking now, and the rain it projects."""

    basis: str
    probability: float
    cause: UUID
    at: datetime
    reason: str
    rain_mm: list[float]
    cross: tuple[str, ...] = ()
    inputs: tuple[UUID, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Projection:
    """A zone's projected low-street depth, hour by hour from now (index 0: now)."""

    depths_m: tuple[float, ...]
    backwater: bool

    @property
    def peak_m(self) -> float:
        """The deepest the low streets stand."""
        return max(self.depths_m)

    @property
    def hours_deep(self) -> int:
        """Hours the low streets stand deep enough to hold up traffic."""
        return sum(1 for d in self.depths_m if d >= DELAY_FROM_M)


@dataclass(frozen=True)
class ZoneView:
    """A drainage zone as one mode sees it (the HTTP API's view)."""

    mode: Mode
    id: str
    name_zh: str
    name_en: str
    pipe_fill: float | None
    street_depth_m: float | None
    rain_mm: float | None
    outfalls_shut: bool
    actions: tuple[str, ...]


class DrainageModel:
    """One mode's view of the city's drainage zones and the actions it has in force."""

    def __init__(
        self,
        *,
        mode: Mode,
        rules: UrbanRules,
        urban: UrbanWorld,
        warning_levels: dict[str, float],
        prices: dict[UrbanAction, CostSpec],
        ledger: SituationLedger,
    ) -> None:
        self.mode = mode
        self.rules = rules
        self.urban = urban
        self.zones = {z.id: z for z in urban.zones}
        self.warning_levels = warning_levels
        self.prices = prices
        self.ledger = ledger
        self._water: dict[str, Water] = {}
        self._depth: dict[str, float] = {}
        self._rain: dict[str, float] = {}
        #: The water department's last stage of each gauge, and the reading's id (fused only).
        self._stage: dict[str, tuple[float, UUID]] = {}
        self._in_force: dict[tuple[str, UrbanAction], _InForce] = {}
        #: When each (zone, action) was last lifted: a decision after it takes effect no earlier
        #: (a late reading handled after the lift does not reach back before it).
        self._lifted: dict[tuple[str, UrbanAction], datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[UrbanDecision] = deque(maxlen=DECISIONS_KEPT)

    # -- own data and public warnings (both modes) ------------------------------------------

    def on_reading(self, reading: DrainageReading) -> list[UrbanDecision]:
        """A zone's sensors: its state now, and the rain it measures held for a few hours."""
        zone = self.zones.get(reading.zone_id)
        if zone is None:
            return []
        depth = reading.street_depth_cm / 100
        self._water[zone.id] = Water(
            surface_mm=self.urban.surface_mm(depth),
            stored_mm=min(1.0, reading.pipe_fill) * zone.storage_mm,
            fill=reading.pipe_fill,
        )
        self._depth[zone.id] = depth
        rain = reading.rain_mm or 0.0
        self._rain[zone.id] = rain
        sensor = self.rules.sensor
        ahead = [rain] * sensor.persist_h if rain >= sensor.min_rain_mm else []
        reason = f"fill {reading.pipe_fill:.2f}, ponding {reading.street_depth_cm:.0f} cm"
        if ahead:
            reason += f", {rain:.1f} mm/h for {sensor.persist_h} h"
        evidence = _Evidence(
            "sensor",
            self.rules.chances.sensor,
            reading.event_id,
            reading.occurred_at,
            reason,
            ahead,
        )
        return self._consider(zone, evidence)

    def on_warning(self, warning: WarningIssued) -> list[UrbanDecision]:
        """A public rainstorm warning: its rain over every zone of the warned city, from now."""
        rules = self.rules.warning
        if warning.alert.msg_type == "Cancel" or warning.signal not in rules.signals:
            return []
        hours = rules.hours[warning.colour]
        rate = rules.rain_mm[warning.colour] / hours
        p = self.rules.chances.of("warning", warning.colour)
        reason = f"{warning.colour.value} rainstorm warning: {rate * hours:.0f} mm in {hours} h"
        out: list[UrbanDecision] = []
        for zone in self.urban.zones_of(city_of(warning.region)):
            evidence = _Evidence(
                "warning", p, warning.event_id, warning.occurred_at, reason, [rate] * hours
            )
            out += self._consider(zone, evidence)
        return out

    # -- other sectors' data (fused only) ---------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[UrbanDecision]:
        """The weather service's forecast: its hourly rain over each zone of its city."""
        self._fused_only("forecast")
        rules = self.rules.forecast
        now = forecast.occurred_at
        until = now + timedelta(hours=rules.horizon_h)
        steps = [
            s.rain_mm or 0.0
            for s in sorted(forecast.steps, key=lambda s: s.valid_at)
            if now < s.valid_at <= until
        ]
        if not any(steps):
            return []
        out: list[UrbanDecision] = []
        for zone in self.urban.zones_of(city_of(forecast.region)):
            product = rules.blocked if self.outfalls_shut(zone) else rules.open
            p = forecast.probability(product.product)
            if p is None:
                p = self.rules.chances.forecast
            if p <= 0:
                continue
            rain = self.design_storm(steps, product.rain_mm)
            reason = (
                f"forecast {sum(steps):.0f} mm in {rules.horizon_h} h, p={p:.2f} of "
                f"{product.rain_mm:.0f} mm ({product.product})"
            )
            evidence = _Evidence(
                "forecast", p, forecast.event_id, now, reason, rain, cross=("weather",)
            )
            out += self._consider(zone, evidence)
        return out

    def design_storm(self, steps: list[float], rain_mm: float) -> list[float]:
        """The rain if the product's ``rain_mm`` falls: where the forecast shows a convective
        hour (``convective_mm_h``), as the rules' design storm centred on its wettest hour (each
        hour the wetter of the two); elsewhere the forecast's own hours, scaled up to it."""
        if max(steps) < self.rules.forecast.convective_mm_h:
            total = sum(steps)
            scale = max(1.0, rain_mm / total) if total > 0 else 1.0
            return [r * scale for r in steps]
        shares = self.rules.forecast.design_storm
        half = len(shares) // 2
        peak = max(range(len(steps)), key=lambda i: steps[i])
        out = list(steps)
        for k, share in enumerate(shares):
            i = peak - half + k
            if 0 <= i < len(out):
                out[i] = max(out[i], share * rain_mm)
        return out

    def on_gauge(self, reading: HydroReading) -> list[UrbanDecision]:
        """The water department's station: a gauge's stage (backwater at the zones' outfalls)."""
        self._fused_only("gauge reading")
        if reading.station_kind is StationKind.GAUGE:
            self._stage[reading.station_id] = (reading.level_m, reading.event_id)
        return []

    # -- the clock -------------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[UrbanDecision]:
        """Lift every action whose last evidence is older than its ``hold_h``."""
        out: list[UrbanDecision] = []
        for key, held in sorted(self._in_force.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if now < held.until:
                continue
            del self._in_force[key]
            self._lifted[key] = now
            out.append(self._lift(held.decision, now))
        return out

    # -- views ---------------------------------------------------------------------------------

    def decisions(self) -> list[UrbanDecision]:
        """The latest decisions (at most ``DECISIONS_KEPT``), taken and lifted, in the order
        decided."""
        return list(self._decided)

    def in_force(self) -> list[UrbanDecision]:
        """The decisions in force now."""
        return [h.decision for _, h in sorted(self._in_force.items())]

    def zone_views(self) -> list[ZoneView]:
        """Every zone's last readings, its outfalls as this mode knows them, its actions."""
        return [
            ZoneView(
                mode=self.mode,
                id=z.id,
                name_zh=z.name_zh,
                name_en=z.name_en,
                pipe_fill=self._water[z.id].fill if z.id in self._water else None,
                street_depth_m=self._depth.get(z.id),
                rain_mm=self._rain.get(z.id),
                outfalls_shut=self.outfalls_shut(z),
                actions=tuple(sorted(a.value for (zid, a) in self._in_force if zid == z.id)),
            )
            for z in self.urban.zones
        ]

    def outfalls_shut(self, zone: DrainageZone) -> bool:
        """Whether this mode knows the zone's outfalls shut by the river or the lake (only the
        fused model reads the water department's gauges)."""
        margin = self.rules.backwater.margin_m
        for gauge in zone.outfalls:
            stage = self._stage.get(gauge)
            warning = self.warning_levels.get(gauge)
            if stage is not None and warning is not None and stage[0] >= warning - margin:
                return True
        return False

    def project(self, zone: DrainageZone, rain_mm: list[float]) -> Projection:
        """The zone's low-street depth from now over ``rain_mm`` and ``drain_h`` dry hours."""
        start = self._water.get(zone.id, Water())
        shut = self.outfalls_shut(zone)
        hours = [*rain_mm, *([0.0] * self.rules.drain_h)]
        if start.surface_mm <= 0 and start.stored_mm <= 0 and not any(r > 0 for r in rain_mm):
            # Dry network, no rain to come: every hour stays empty (the balance's fixed point),
            # so most readings skip running it.
            return Projection(depths_m=(0.0,) * (len(hours) + 1), backwater=shut)
        run = self.urban.run(zone, hours, [shut] * len(hours), start=start)
        depths = (
            self.urban.street_depth_m(start.surface_mm),
            *(self.urban.street_depth_m(w.surface_mm) for w in run),
        )
        return Projection(depths_m=depths, backwater=shut)

    # -- deciding -----------------------------------------------------------------------------

    def _consider(self, zone: DrainageZone, ev: _Evidence) -> list[UrbanDecision]:
        """Each action the evidence's projection calls for, where p × L > C."""
        projection = self.project(zone, ev.rain_mm)
        if projection.peak_m <= 0:
            return []
        if projection.backwater:
            ev = replace(
                ev,
                cross=(*ev.cross, "water"),
                inputs=(*ev.inputs, *self._gauge_inputs(zone)),
                reason=ev.reason + "; outfalls shut by backwater",
            )
        out: list[UrbanDecision] = []
        for action in UrbanAction:
            first = next(
                (
                    h
                    for h, d in enumerate(projection.depths_m)
                    if self.urban.avoided_yuan(zone, action, d, 1) > 0
                ),
                None,
            )
            if first is None or first > self.rules.actions[action].act_within_h:
                continue
            loss = self.urban.avoided_yuan(zone, action, projection.peak_m, projection.hours_deep)
            out += self._act(zone, action, ev, loss, projection)
        return out

    def _act(
        self,
        zone: DrainageZone,
        action: UrbanAction,
        ev: _Evidence,
        loss: float,
        projection: Projection,
    ) -> list[UrbanDecision]:
        """Take ``action`` for ``zone`` when p × L > C, or keep the one in force going."""
        price = self.prices.get(action)
        _, quantity = zone.units(action)
        if price is None or quantity <= 0:
            return []
        hold = self.rules.actions[action].hold_h
        charge = price.charge(quantity)
        if not worth_acting(ev.probability, loss, charge.over(hold)):
            return []
        key = (zone.id, action)
        lifted = self._lifted.get(key)
        at = max(ev.at, lifted) if lifted is not None else ev.at
        until = at + timedelta(hours=hold)
        held = self._in_force.get(key)
        if held is not None:
            held.until = max(held.until, until)
            return []
        subject = f"{action.value}:{zone.id}"
        decision_key = self.ledger.open(subject, self.mode, at)
        episode = self.ledger.episode(subject, self.mode)
        decision = UrbanDecision(
            event_id=derived_id(SOURCE, self.mode.value, *id_parts(decision_key, episode)),
            occurred_at=at,
            source=SOURCE,
            region=zone.city,
            causation_id=ev.cause,
            mode=self.mode,
            action=action,
            decision_key=decision_key,
            asset_ids=covered(zone.id, action),
            effective_at=at,
            **charge.fields(),
            probability=ev.probability,
            expected_loss_avoided_yuan=round(ev.probability * loss, 2),
            reason=f"{zone.name_en}: {ev.reason}; {projection.peak_m:.2f} m at the low points"[
                :500
            ],
            inputs=tuple(dict.fromkeys((ev.cause, *ev.inputs))),
            cross_sector_inputs=tuple(dict.fromkeys(ev.cross)),
            zone_id=zone.id,
            basis=ev.basis,
            depth_m=round(projection.peak_m, 3),
            backwater=projection.backwater,
        )
        self._in_force[key] = _InForce(decision, until)
        self._decided.append(decision)
        return [decision]

    def _lift(self, taken: UrbanDecision, now: datetime) -> UrbanDecision:
        subject = f"{taken.action}:{taken.zone_id}"
        episode = self.ledger.episode(subject, self.mode)
        self.ledger.close(subject, self.mode)
        hold = self.rules.actions[UrbanAction(taken.action)].hold_h
        lift = UrbanDecision(
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
            reason=f"no fresh evidence for {hold:.0f} h",
            inputs=(taken.event_id,),
            zone_id=taken.zone_id,
            basis="lift",
        )
        self._decided.append(lift)
        return lift

    def _gauge_inputs(self, zone: DrainageZone) -> tuple[UUID, ...]:
        return tuple(self._stage[g][1] for g in zone.outfalls if g in self._stage)

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")
