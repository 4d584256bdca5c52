"""When the energy service acts: de-icing, turbine shutdown, reserve and orderly power use.

Every decision concerns one city's grid and one action, is taken where the cost-loss rule
p × L > C holds (``shared.world.costs.worth_acting``: C is keeping the action ``hold_h``, L the
loss it avoids), stays in force while evidence keeps coming and is lifted ``hold_h`` after the
last (``advance``). Siloed and fused share the keys through one ``SituationLedger``.

* **both modes** (the grid's own monitors and the public CMA warnings):

  - *de-icing* (``deice_power_lines``): a corridor's monitor reads ``act_share_of_design`` of its
    ice design class, or a road-icing or blizzard warning at ``min_colour`` or above;
  - *turbine shutdown* (``shutdown_turbines``): a wind farm's icing sensor reads
    ``turbine_act_ice_mm``, or the same warnings;
  - *reserve* (``schedule_reserve``): the metered load reaches ``reserve_at_share`` of the capacity
    available, or a heat warning whose temperature (``warning_temp_c``) would, by the load model,
    push the city's load past its capacity;
  - *orderly power use* (``orderly_power_use``): the metered load exceeds the capacity and the
    reserve in force.

* **fused** (also other sectors' data): the weather service's forecasts give the ice to come
  (freezing rain at or below ``freezing_temp_c`` times ``accretion_mm_per_mm``) within
  ``forecast_horizon_h`` (``road_closed_extra_h`` more where transport reports a road of the city
  closed: crews take longer to reach the lines), the turbines' ice within ``turbine_horizon_h``,
  and the load to come from the forecast temperatures within ``forecast_horizon_h`` (reserve) or
  ``orderly_horizon_h`` (orderly use, beyond the reserve); its p is the forecaster's issued
  probability of the product named in the rules. Where the water service runs pumping works or
  emergency has a response in force, an outage costs ``priority_loss_factor`` times more
  (hospitals, pumps and shelters must be kept supplied), so the fused model acts there at
  lower odds.

Pure: no I/O; the adapter reads the rules, the prices and the grid's world data and passes them in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.energy.domain.rules import EnergyRules
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import ResponseDecided
from shared.contracts.energy import EnergyAction, EnergyDecision, GridReading, SiteKind
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import ForecastIssued, SignalType, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world import BEIJING_OFFSET
from shared.world.costs import NO_CHARGE, CostSpec, worth_acting
from shared.world.sectors.energy import GridWorld

SOURCE = "energy"


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


@dataclass(frozen=True)
class CityGrid:
    """What the model knows of one city's grid: what an outage costs and what each action
    covers (``units``: crews, blocks of turbines, blocks of reserve or curtailment)."""

    code: str
    outage_cost_yuan: float
    wind_value_yuan: float
    units: dict[EnergyAction, float]


@dataclass
class _InForce:
    decision: EnergyDecision
    until: datetime


@dataclass
class _Evidence:
    """Why an action is worth taking now."""

    basis: str
    probability: float
    loss_yuan: float
    cause: UUID
    at: datetime
    reason: str
    cross: tuple[str, ...] = ()
    deficit_mw: float | None = None
    ice_mm: float | None = None
    inputs: tuple[UUID, ...] = field(default_factory=tuple)


class GridModel:
    """One mode's view of the province's grid and the actions it has in force."""

    def __init__(
        self,
        *,
        mode: Mode,
        rules: EnergyRules,
        grid: GridWorld,
        cities: list[CityGrid],
        prices: dict[EnergyAction, CostSpec],
        ledger: SituationLedger,
    ) -> None:
        self.mode = mode
        self.rules = rules
        self.grid = grid
        self.cities = {c.code: c for c in cities}
        self.prices = prices
        self.ledger = ledger
        self._in_force: dict[tuple[str, EnergyAction], _InForce] = {}
        #: When each (city, action) was last lifted: a decision after it takes effect no earlier
        #: (a late reading handled after the lift does not reach back before it).
        self._lifted: dict[tuple[str, EnergyAction], datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[EnergyDecision] = deque(maxlen=DECISIONS_KEPT)
        self._ice: dict[str, float] = {}
        self._load: dict[str, tuple[float, float]] = {}
        self._closed: dict[str, set[str]] = {}
        self._pumping: dict[str, set[str]] = {}
        self._responding: dict[str, set[str]] = {}

    # -- own data and public warnings (both modes) ------------------------------------------

    def on_reading(self, reading: GridReading) -> list[EnergyDecision]:
        """A monitor's reading: ice on a corridor or turbines, or a city's load."""
        city = self.cities.get(reading.region)
        if city is None:
            return []
        if reading.kind is SiteKind.LOAD_AREA:
            return self._on_load(city, reading)
        ice = reading.ice_mm
        if ice is None:
            return []
        if reading.kind is SiteKind.WIND_FARM:
            if ice < self.rules.icing.turbine_act_ice_mm:
                return []
            return self._act(
                city,
                EnergyAction.SHUTDOWN_TURBINES,
                self._turbine_evidence(
                    city, "sensor", self.rules.chances.sensor, reading, f"turbine ice {ice:.0f} mm"
                ),
            )
        design = self._design(reading.site_id, city.code)
        self._ice[city.code] = max(self._ice.get(city.code, 0.0), ice)
        if ice < self.rules.icing.act_share_of_design * design:
            return []
        return self._act(
            city,
            EnergyAction.DEICE_POWER_LINES,
            self._deice_evidence(
                city,
                "sensor",
                self.rules.chances.sensor,
                reading.event_id,
                reading.occurred_at,
                f"{reading.site_id}: ice {ice:.0f} mm of a {design:.0f} mm design",
                ice,
            ),
        )

    def on_warning(self, warning: WarningIssued) -> list[EnergyDecision]:
        """A public warning: icing warnings pre-position crews and stop turbines; heat warnings
        schedule reserve where the warned heat would push the load past the capacity."""
        city = self.cities.get(warning.region)
        if city is None or warning.alert.msg_type == "Cancel":
            return []
        p = self.rules.chances.of("warning", warning.colour)
        reason = f"{warning.colour.value} {warning.signal.value} warning"
        icing = self.rules.icing
        if warning.signal in icing.warning_signals and warning.colour.rank >= icing.min_colour.rank:
            out = self._act(
                city,
                EnergyAction.DEICE_POWER_LINES,
                self._deice_evidence(
                    city, "warning", p, warning.event_id, warning.occurred_at, reason, None
                ),
            )
            if city.wind_value_yuan > 0:
                out += self._act(
                    city,
                    EnergyAction.SHUTDOWN_TURBINES,
                    self._turbine_evidence(city, "warning", p, warning, reason),
                )
            return out
        if warning.signal is SignalType.HEAT:
            temp = self.rules.heat.warning_temp_c.get(warning.colour)
            if temp is None:
                return []
            deficit = max(
                self.grid.load_mw(city.code, temp, h) - self.grid.available_mw(city.code, h)
                for h in range(24)
            )
            if deficit <= 0:
                return []
            return self._reserve(
                city, "warning", p, warning.event_id, warning.occurred_at, reason, deficit, ()
            )
        return []

    # -- other sectors' data (fused only) ---------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[EnergyDecision]:
        """The weather service's forecast: the ice and the load to come in its city."""
        self._fused_only("forecast")
        city = self.cities.get(forecast.region)
        if city is None:
            return []
        return self._forecast_ice(city, forecast) + self._forecast_load(city, forecast)

    def on_road_status(self, status: RoadStatusChanged) -> list[EnergyDecision]:
        """Transport's road status: a closed segment delays crews into both its end cities."""
        self._fused_only("road status")
        for code in (status.from_city, status.to_city):
            closed = self._closed.setdefault(code, set())
            if status.status is RoadStatus.CLOSED:
                closed.add(status.segment_id)
            else:
                closed.discard(status.segment_id)
        return []

    def on_water_decision(self, decision: DecisionMade) -> list[EnergyDecision]:
        """A water decision in force: its works (pumps, sluices) must be kept supplied."""
        self._fused_only("water decision")
        self._track(self._pumping, decision)
        return []

    def on_response(self, response: ResponseDecided) -> list[EnergyDecision]:
        """An emergency response in force (a response level, an evacuation): priority supply."""
        self._fused_only("emergency response")
        self._track(self._responding, response)
        return []

    # -- the clock -------------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[EnergyDecision]:
        """Lift every action whose evidence is older than ``hold_h``."""
        out: list[EnergyDecision] = []
        for key, held in sorted(self._in_force.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            if now < held.until:
                continue
            del self._in_force[key]
            self._lifted[key] = now
            out.append(self._lift(held.decision, now))
        return out

    def decisions(self) -> list[EnergyDecision]:
        """The latest decisions (at most ``DECISIONS_KEPT``), taken and lifted, in the order
        decided."""
        return list(self._decided)

    def in_force(self) -> list[EnergyDecision]:
        """The decisions in force now."""
        return [h.decision for h in self._in_force.values()]

    def metered(self) -> dict[str, tuple[float, float]]:
        """Each city's last metered load and the capacity available to it (MW)."""
        return dict(self._load)

    def ice(self) -> dict[str, float]:
        """The most ice each city's corridor monitors have read so far (mm)."""
        return dict(self._ice)

    def priority(self, code: str) -> bool:
        """Whether the fused model knows of pumping works or a response to keep supplied."""
        return bool(self._pumping.get(code) or self._responding.get(code))

    def roads_closed(self, code: str) -> bool:
        """Whether transport reports a road into ``code`` closed."""
        return bool(self._closed.get(code))

    # -- evidence ----------------------------------------------------------------------------

    def _on_load(self, city: CityGrid, reading: GridReading) -> list[EnergyDecision]:
        load, available = reading.load_mw or 0.0, reading.available_mw or 0.0
        self._load[city.code] = (load, available)
        if available <= 0 or load < self.rules.heat.reserve_at_share * available:
            return []
        # Load at the margin today foretells a peak short by about the margin a record heat
        # peak can lack: the city's reserve blocks (GridWorld.reserve_blocks).
        deficit = city.units.get(EnergyAction.SCHEDULE_RESERVE, 0.0) * self.grid.block_mw
        reason = f"load {load:.0f} MW of {available:.0f} MW available"
        p = self.rules.chances.sensor
        out = self._reserve(
            city, "sensor", p, reading.event_id, reading.occurred_at, reason, deficit, ()
        )
        beyond = load - available - self._reserve_mw(city.code)
        if beyond > 0:
            out += self._orderly(
                city, "sensor", p, reading.event_id, reading.occurred_at, reason, beyond, ()
            )
        return out

    def _forecast_ice(self, city: CityGrid, forecast: ForecastIssued) -> list[EnergyDecision]:
        icing = self.rules.icing
        p = forecast.probability(icing.forecast_product) or self.rules.chances.forecast
        cross: tuple[str, ...] = ("weather",)
        horizon = icing.forecast_horizon_h
        if self.roads_closed(city.code):
            horizon += icing.road_closed_extra_h
            cross += ("transport",)
        ice_lines = self._ice.get(city.code, 0.0) + self._accretion(forecast, horizon)
        out: list[EnergyDecision] = []
        design = self.grid.weakest_design_mm(city.code)
        if ice_lines >= icing.act_share_of_design * design:
            reason = f"forecast ice {ice_lines:.0f} mm within {horizon:.0f} h"
            out += self._act(
                city,
                EnergyAction.DEICE_POWER_LINES,
                self._deice_evidence(
                    city,
                    "forecast",
                    p,
                    forecast.event_id,
                    forecast.occurred_at,
                    reason,
                    ice_lines,
                    cross,
                ),
            )
        turbine_ice = self._accretion(forecast, icing.turbine_horizon_h)
        if city.wind_value_yuan > 0 and turbine_ice >= icing.turbine_act_ice_mm:
            evidence = self._turbine_evidence(
                city, "forecast", p, forecast, f"forecast turbine ice {turbine_ice:.0f} mm"
            )
            evidence.cross = ("weather",)
            out += self._act(city, EnergyAction.SHUTDOWN_TURBINES, evidence)
        return out

    def _forecast_load(self, city: CityGrid, forecast: ForecastIssued) -> list[EnergyDecision]:
        heat = self.rules.heat
        p = forecast.probability(heat.forecast_product) or self.rules.chances.forecast
        deficits: list[tuple[float, float]] = []  # (hours ahead, MW short)
        for step in forecast.steps:
            ahead = (step.valid_at - forecast.run_at).total_seconds() / 3600
            if step.temp_c is None or ahead > heat.forecast_horizon_h:
                continue
            hour = (step.valid_at.astimezone(UTC) + BEIJING_OFFSET).hour
            short = self.grid.load_mw(city.code, step.temp_c, hour) - self.grid.available_mw(
                city.code, hour
            )
            deficits.append((ahead, short))
        worst = max((s for _, s in deficits), default=0.0)
        if worst <= 0:
            return []
        at, cause = forecast.occurred_at, forecast.event_id
        reason = f"forecast shortfall {worst:.0f} MW within {heat.forecast_horizon_h:.0f} h"
        out = self._reserve(city, "forecast", p, cause, at, reason, worst, ("weather",))
        near = max((s for a, s in deficits if a <= heat.orderly_horizon_h), default=0.0)
        beyond = near - self._reserve_mw(city.code)
        if beyond > 0:
            reason = f"forecast shortfall {beyond:.0f} MW beyond the reserve"
            out += self._orderly(city, "forecast", p, cause, at, reason, beyond, ("weather",))
        return out

    def _accretion(self, forecast: ForecastIssued, horizon_h: float) -> float:
        icing = self.rules.icing
        until = forecast.run_at + timedelta(hours=horizon_h)
        freezing = sum(
            s.rain_mm or 0.0
            for s in forecast.steps
            if s.valid_at <= until and s.temp_c is not None and s.temp_c <= icing.freezing_temp_c
        )
        return freezing * icing.accretion_mm_per_mm

    def _deice_evidence(
        self,
        city: CityGrid,
        basis: str,
        p: float,
        cause: UUID,
        at: datetime,
        reason: str,
        ice: float | None,
        cross: tuple[str, ...] = (),
    ) -> _Evidence:
        icing = self.rules.icing
        loss = city.outage_cost_yuan * icing.outage_share * icing.avoid_share
        return _Evidence(basis, p, loss, cause, at, reason, cross, ice_mm=ice)

    def _turbine_evidence(
        self,
        city: CityGrid,
        basis: str,
        p: float,
        event: GridReading | WarningIssued | ForecastIssued,
        reason: str,
    ) -> _Evidence:
        icing = self.rules.icing
        loss = city.wind_value_yuan * icing.turbine_loss_share * icing.turbine_avoid_share
        return _Evidence(basis, p, loss, event.event_id, event.occurred_at, reason)

    def _reserve(
        self,
        city: CityGrid,
        basis: str,
        p: float,
        cause: UUID,
        at: datetime,
        reason: str,
        deficit_mw: float,
        cross: tuple[str, ...],
    ) -> list[EnergyDecision]:
        return self._cover_shortfall(
            EnergyAction.SCHEDULE_RESERVE,
            self.rules.heat.reserve_avoid_share,
            city,
            _Evidence(basis, p, 0.0, cause, at, reason, cross, deficit_mw=deficit_mw),
        )

    def _orderly(
        self,
        city: CityGrid,
        basis: str,
        p: float,
        cause: UUID,
        at: datetime,
        reason: str,
        deficit_mw: float,
        cross: tuple[str, ...],
    ) -> list[EnergyDecision]:
        return self._cover_shortfall(
            EnergyAction.ORDERLY_POWER_USE,
            self.rules.heat.orderly_avoid_share,
            city,
            _Evidence(basis, p, 0.0, cause, at, reason, cross, deficit_mw=deficit_mw),
        )

    def _cover_shortfall(
        self, action: EnergyAction, avoid_share: float, city: CityGrid, ev: _Evidence
    ) -> list[EnergyDecision]:
        """Reserve or curtail for a heat shortfall: the loss it avoids is ``avoid_share`` of the
        unserved energy of the evidence's deficit."""
        ev.loss_yuan = self._unserved_yuan(ev.deficit_mw or 0.0) * avoid_share
        return self._act(city, action, ev)

    def _unserved_yuan(self, deficit_mw: float) -> float:
        """What ``deficit_mw`` short at the peak for the days an action is held would cost."""
        days = self.rules.hold_h / 24
        mwh = deficit_mw * self.rules.heat.peak_hours_per_day * days
        return mwh * 1000 * self.grid.value_of_lost_load_yuan_per_kwh

    def _reserve_mw(self, code: str) -> float:
        held = self._in_force.get((code, EnergyAction.SCHEDULE_RESERVE))
        return held.decision.quantity * self.grid.block_mw if held else 0.0

    def _design(self, site_id: str, code: str) -> float:
        for corridor in self.grid.corridors_of(code):
            if corridor.id == site_id:
                return corridor.design_ice_mm
        return self.grid.weakest_design_mm(code)

    # -- deciding -----------------------------------------------------------------------------

    def _act(self, city: CityGrid, action: EnergyAction, ev: _Evidence) -> list[EnergyDecision]:
        """Take ``action`` for ``city`` when p × L > C, or keep the one in force going."""
        key = (city.code, action)
        lifted = self._lifted.get(key)
        if lifted is not None and ev.at < lifted:
            ev = replace(ev, at=lifted)
        until = ev.at + timedelta(hours=self.rules.hold_h)
        held = self._in_force.get(key)
        if held is not None:
            held.until = max(held.until, until)
            return []
        quantity = city.units.get(action, 0.0)
        price = self.prices.get(action)
        if quantity <= 0 or price is None:
            return []
        charge = price.charge(quantity)
        priority = self.mode is Mode.FUSED and self.priority(city.code)
        loss = ev.loss_yuan * (self.rules.priority_loss_factor if priority else 1.0)
        if not worth_acting(ev.probability, loss, charge.over(self.rules.hold_h)):
            return []
        cross = ev.cross
        if priority:
            cross += tuple(
                s
                for s, held_by in (("water", self._pumping), ("emergency", self._responding))
                if held_by.get(city.code)
            )
        subject = f"{action.value}:{city.code}"
        decision_key = self.ledger.open(subject, self.mode, ev.at)
        episode = self.ledger.episode(subject, self.mode)
        decision = EnergyDecision(
            event_id=derived_id(SOURCE, self.mode.value, *id_parts(decision_key, episode)),
            occurred_at=ev.at,
            source=SOURCE,
            region=city.code,
            causation_id=ev.cause,
            mode=self.mode,
            action=action,
            decision_key=decision_key,
            effective_at=ev.at,
            **charge.fields(),
            probability=ev.probability,
            expected_loss_avoided_yuan=round(ev.probability * loss, 2),
            reason=ev.reason,
            inputs=(ev.cause,),
            cross_sector_inputs=tuple(dict.fromkeys(cross)),
            basis=ev.basis,
            priority_sites=priority,
            deficit_mw=None if ev.deficit_mw is None else round(ev.deficit_mw, 1),
            ice_mm=None if ev.ice_mm is None else round(ev.ice_mm, 1),
        )
        self._in_force[key] = _InForce(decision, until)
        self._decided.append(decision)
        return [decision]

    def _lift(self, taken: EnergyDecision, now: datetime) -> EnergyDecision:
        subject = f"{taken.action}:{taken.region}"
        episode = self.ledger.episode(subject, self.mode)
        self.ledger.close(subject, self.mode)
        lift = EnergyDecision(
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
            reason=f"no fresh evidence for {self.rules.hold_h:.0f} h",
            inputs=(taken.event_id,),
            basis="lift",
        )
        self._decided.append(lift)
        return lift

    def _track(self, table: dict[str, set[str]], decision: DecisionMade) -> None:
        held = table.setdefault(decision.region, set())
        if decision.status == "taken":
            held.add(decision.decision_key)
        else:
            held.discard(decision.decision_key)

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")
