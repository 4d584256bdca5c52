"""When the health service acts: surge staffing, cooling centres, outreach to the elderly, and
transferring patients out of the flood zones.

Every decision concerns one city and one action, is taken where the cost-loss rule p × L > C
holds (``shared.world.costs.worth_acting``: C is keeping the action ``hold_h``, L the loss it
avoids), stays in force while evidence keeps coming and is lifted ``hold_h`` after the last
(``advance``). Siloed and fused share the keys through one ``SituationLedger``.

The heat's loss is its excess deaths (``HealthWorld``: the city's baseline deaths times the
relative risk of the day's mean temperature above the threshold, less one). Each heat action
reaches one pathway of them (``Pathway``) and avoids ``heat.avoid_share`` of it, so its L is the
excess deaths a day the evidence gives × the days it is held × that pathway's value of a death
× the share. A transfer's L is the city's flood-zone patients × the harm to one cut off × the
share a flood cuts off × ``patients.avoid_share``.

* **both modes** (the cities' own surveillance and the public CMA warnings):

  - *heat*: yesterday's heat-illness visits to the emergency departments (less the ordinary
    background), read as excess deaths through the cases per death: they lag the heat by a day;
    or a heat warning, whose Tmax (``warning_tmax_c``) gives a mean temperature and so the
    excess deaths it foretells;
  - *patients*: the flood zones' dialysis and home-oxygen patients reported as having missed
    treatment: the water has reached them, the rest are to be moved before it rises further.

* **fused** (also other sectors' data): the weather service's forecasts give the heat to come,
  day by day within ``forecast_horizon_h`` (p: the forecaster's issued probability of its heat
  product; the excess deaths are the forecast days' average); emergency's evacuation of a city
  means the water is coming to its flood zones before any patient is cut off; where energy has
  ordered orderly power use (hospitals are spared, homes' cooling is not) the old and those
  without cooling lose more (``grid_strain_loss_factor``); where transport reports a road into
  the city closed, cut-off patients have no ambulance route (``roads_closed_loss_factor``). Of
  energy's, emergency's and transport's events only the fused world's are used; of energy's
  decisions only the fields of ``DecisionMade``.

Pure: no I/O; the adapter reads the rules, the prices and the sector's world data and passes them
in.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

from services.health.domain.rules import HEAT_ACTIONS, HealthRules
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import Measure, ResponseDecided
from shared.contracts.energy import EnergyAction
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.health import HealthAction, HealthDecision, HealthReading
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.weather import ForecastIssued, SignalType, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world import BEIJING_OFFSET
from shared.world.costs import NO_CHARGE, CostSpec, worth_acting
from shared.world.sectors.health import HealthWorld, Pathway, heat_asset_id

SOURCE = "health"

#: The pathway of the heat's excess deaths each heat action reaches.
PATHWAY_OF: dict[HealthAction, Pathway] = {p.action: p for p in Pathway}


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


@dataclass(frozen=True)
class CityHealth:
    """What the model knows of one city: its people, its baseline deaths a day, its climate's
    offset (its heat threshold is as much higher), what each action covers there (``units``:
    teams, centres, patients) and its flood zones' patients."""

    code: str
    pop_m: float
    baseline_deaths_per_day: float
    climate_offset_c: float
    units: dict[HealthAction, float]
    zones: tuple[str, ...] = ()
    patients: int = 0


@dataclass
class _InForce:
    decision: HealthDecision
    until: datetime


@dataclass(frozen=True)
class _Evidence:
    """Why an action is worth taking now."""

    basis: str
    probability: float
    cause: UUID
    at: datetime
    reason: str
    cross: tuple[str, ...] = ()
    deaths_per_day: float | None = None
    cut_off_share: float | None = None


class HealthModel:
    """One mode's view of the cities' health and the actions it has in force."""

    def __init__(
        self,
        *,
        mode: Mode,
        rules: HealthRules,
        world: HealthWorld,
        cities: list[CityHealth],
        prices: dict[HealthAction, CostSpec],
        ledger: SituationLedger,
    ) -> None:
        self.mode = mode
        self.rules = rules
        self.world = world
        self.cities = {c.code: c for c in cities}
        self.prices = prices
        self.ledger = ledger
        self._in_force: dict[tuple[str, HealthAction], _InForce] = {}
        #: When each (city, action) was last lifted: a decision after it takes effect no earlier.
        self._lifted: dict[tuple[str, HealthAction], datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[HealthDecision] = deque(maxlen=DECISIONS_KEPT)
        self._deaths: dict[str, float] = {}
        self._missed: dict[str, int] = {}
        self._evacuating: dict[str, set[str]] = {}
        self._strained: dict[str, set[str]] = {}
        self._closed: dict[str, set[str]] = {}

    # -- own data and public warnings (both modes) ------------------------------------------

    def on_reading(self, reading: HealthReading) -> list[HealthDecision]:
        """A city's daily surveillance: its heat-illness visits and its cut-off patients."""
        city = self.cities.get(reading.region)
        if city is None:
            return []
        out: list[HealthDecision] = []
        visits = reading.heat_illness_visits
        if visits is not None:
            background = self.rules.heat.background_visits_per_million * city.pop_m
            deaths = max(0.0, visits - background) / self.world.heat.cases_per_excess_death
            self._deaths[city.code] = deaths
            if deaths > 0:
                out += self._heat(
                    city,
                    _Evidence(
                        "sensor",
                        self.rules.chances.sensor,
                        reading.event_id,
                        reading.occurred_at,
                        f"{visits} heat-illness visits in a day",
                        deaths_per_day=deaths,
                    ),
                )
        missed = reading.missed_treatments
        if missed is not None:
            self._missed[city.code] = missed
            if missed > 0 and city.patients > 0:
                out += self._transfer(
                    city,
                    _Evidence(
                        "sensor",
                        self.rules.chances.missed,
                        reading.event_id,
                        reading.occurred_at,
                        f"{missed} patients in the flood zones missed treatment",
                        cut_off_share=min(1.0, missed / city.patients),
                    ),
                )
        return out

    def on_warning(self, warning: WarningIssued) -> list[HealthDecision]:
        """A public heat warning: the excess deaths its Tmax foretells."""
        city = self.cities.get(warning.region)
        if (
            city is None
            or warning.alert.msg_type == "Cancel"
            or warning.signal is not SignalType.HEAT
        ):
            return []
        tmax = self.rules.heat.warning_tmax_c.get(warning.colour)
        if tmax is None:
            return []
        tmean = tmax - self.world.heat.tmax_minus_tmean_c
        share = self.world.excess_share(tmean, city.climate_offset_c)
        deaths = share * city.baseline_deaths_per_day
        if deaths <= 0:
            return []
        return self._heat(
            city,
            _Evidence(
                "warning",
                self.rules.chances.of("warning", warning.colour),
                warning.event_id,
                warning.occurred_at,
                f"{warning.colour.value} heat warning (Tmax {tmax:.0f} °C)",
                deaths_per_day=deaths,
            ),
        )

    # -- other sectors' data (fused only) ---------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[HealthDecision]:
        """The weather service's forecast: the heat to come in its city, day by day."""
        self._fused_only("forecast")
        city = self.cities.get(forecast.region)
        if city is None:
            return []
        heat = self.rules.heat
        until = forecast.run_at + timedelta(hours=heat.forecast_horizon_h)
        days: dict[object, list[float]] = {}
        for step in forecast.steps:
            if step.temp_c is not None and step.valid_at <= until:
                local = step.valid_at.astimezone(UTC) + BEIJING_OFFSET
                days.setdefault(local.date(), []).append(step.temp_c)
        means = [sum(t) / len(t) for t in days.values() if len(t) >= heat.min_steps_per_day]
        if not means:
            return []
        # The days' average excess, not the worst day's: a forecast's error grows with its lead.
        offset = city.climate_offset_c
        share = sum(self.world.excess_share(t, offset) for t in means) / len(means)
        deaths = share * city.baseline_deaths_per_day
        if deaths <= 0:
            return []
        p = forecast.probability(heat.forecast_product) or self.rules.chances.forecast
        return self._heat(
            city,
            _Evidence(
                "forecast",
                p,
                forecast.event_id,
                forecast.occurred_at,
                f"forecast daily means up to {max(means):.1f} °C within "
                f"{heat.forecast_horizon_h:.0f} h",
                ("weather",),
                deaths_per_day=deaths,
            ),
        )

    def on_response(self, response: ResponseDecided) -> list[HealthDecision]:
        """Emergency's evacuation of a city: its flood zones' patients are to be moved first."""
        self._fused_only("emergency response")
        if response.measure is not Measure.EVACUATION:
            return []
        held = self._evacuating.setdefault(response.region, set())
        if response.status != "taken":
            held.discard(response.decision_key)
            return []
        held.add(response.decision_key)
        city = self.cities.get(response.region)
        if city is None or city.patients <= 0:
            return []
        return self._transfer(
            city,
            _Evidence(
                "evacuation",
                self.rules.chances.evacuation,
                response.event_id,
                response.occurred_at,
                f"emergency evacuates {response.people_to_evacuate} people",
                ("emergency",),
            ),
        )

    def on_energy_decision(self, decision: DecisionMade) -> list[HealthDecision]:
        """Energy's orderly power use in force: homes' cooling at risk at the peak."""
        self._fused_only("energy decision")
        if decision.action != EnergyAction.ORDERLY_POWER_USE.value:
            return []
        held = self._strained.setdefault(decision.region, set())
        if decision.status == "taken":
            held.add(decision.decision_key)
        else:
            held.discard(decision.decision_key)
        return []

    def on_road_status(self, status: RoadStatusChanged) -> list[HealthDecision]:
        """Transport's road status: a closed segment cuts ambulance routes into its end cities."""
        self._fused_only("road status")
        for code in (status.from_city, status.to_city):
            closed = self._closed.setdefault(code, set())
            if status.status is RoadStatus.CLOSED:
                closed.add(status.segment_id)
            else:
                closed.discard(status.segment_id)
        return []

    # -- the clock -------------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[HealthDecision]:
        """Keep transfers going while emergency's evacuation of the city is in force; lift every
        action whose evidence is older than ``hold_h``."""
        hold = timedelta(hours=self.rules.hold_h)
        out: list[HealthDecision] = []
        for key, held in sorted(self._in_force.items(), key=lambda kv: (kv[0][0], kv[0][1])):
            code, action = key
            if action is HealthAction.TRANSFER_PATIENTS and self.evacuating(code):
                held.until = max(held.until, now + hold)
            if now < held.until:
                continue
            del self._in_force[key]
            self._lifted[key] = now
            out.append(self._lift(held.decision, now))
        return out

    def decisions(self) -> list[HealthDecision]:
        """The latest decisions (at most ``DECISIONS_KEPT``), taken and lifted, in the order
        decided."""
        return list(self._decided)

    def in_force(self) -> list[HealthDecision]:
        """The decisions in force now."""
        return [h.decision for h in self._in_force.values()]

    def excess_deaths(self) -> dict[str, float]:
        """Each city's excess deaths a day as its last surveillance reading gave them."""
        return dict(self._deaths)

    def missed_treatments(self) -> dict[str, int]:
        """Each city's flood-zone patients who missed treatment, as last reported."""
        return dict(self._missed)

    def evacuating(self, code: str) -> bool:
        """Whether the fused model knows of an evacuation in force in ``code``."""
        return bool(self._evacuating.get(code))

    def grid_strained(self, code: str) -> bool:
        """Whether the fused model knows of orderly power use in force in ``code``."""
        return bool(self._strained.get(code))

    def roads_closed(self, code: str) -> bool:
        """Whether transport reports a road into ``code`` closed."""
        return bool(self._closed.get(code))

    # -- the losses ------------------------------------------------------------------------------

    def _heat(self, city: CityHealth, ev: _Evidence) -> list[HealthDecision]:
        """Weigh each heat action against the excess deaths the evidence gives."""
        heat, days = self.rules.heat, self.rules.hold_h / 24
        out: list[HealthDecision] = []
        for action in HEAT_ACTIONS:
            per_death = self.world.yuan_per_excess_death(PATHWAY_OF[action])
            loss = (ev.deaths_per_day or 0.0) * days * per_death * heat.avoid_share[action]
            cross = ev.cross
            if (
                self.mode is Mode.FUSED
                and action in heat.grid_strain_actions
                and self.grid_strained(city.code)
            ):
                loss *= heat.grid_strain_loss_factor
                cross += ("energy",)
            out += self._act(city, action, replace(ev, cross=cross), loss)
        return out

    def _transfer(self, city: CityHealth, ev: _Evidence) -> list[HealthDecision]:
        """Weigh moving the city's flood-zone patients against the harm a flood would do them."""
        pr = self.rules.patients
        share = max(pr.expected_cut_off_share, ev.cut_off_share or 0.0)
        loss = city.patients * self.world.harm_per_patient_yuan() * share * pr.avoid_share
        cross = ev.cross
        if self.mode is Mode.FUSED and self.roads_closed(city.code):
            loss *= pr.roads_closed_loss_factor
            cross += ("transport",)
        return self._act(city, HealthAction.TRANSFER_PATIENTS, replace(ev, cross=cross), loss)

    # -- deciding -----------------------------------------------------------------------------

    def _act(
        self, city: CityHealth, action: HealthAction, ev: _Evidence, loss: float
    ) -> list[HealthDecision]:
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
        if not worth_acting(ev.probability, loss, charge.over(self.rules.hold_h)):
            return []
        subject = f"{action.value}:{city.code}"
        decision_key = self.ledger.open(subject, self.mode, ev.at)
        episode = self.ledger.episode(subject, self.mode)
        transfer = action is HealthAction.TRANSFER_PATIENTS
        decision = HealthDecision(
            event_id=derived_id(SOURCE, self.mode.value, *id_parts(decision_key, episode)),
            occurred_at=ev.at,
            source=SOURCE,
            region=city.code,
            causation_id=ev.cause,
            mode=self.mode,
            action=action,
            decision_key=decision_key,
            asset_ids=city.zones if transfer else (heat_asset_id(PATHWAY_OF[action], city.code),),
            effective_at=ev.at,
            **charge.fields(),
            probability=ev.probability,
            expected_loss_avoided_yuan=round(ev.probability * loss, 2),
            reason=ev.reason,
            inputs=(ev.cause,),
            cross_sector_inputs=tuple(dict.fromkeys(ev.cross)),
            basis=ev.basis,
            excess_deaths_per_day=(
                None if ev.deaths_per_day is None else round(ev.deaths_per_day, 2)
            ),
            patients=city.patients if transfer else None,
        )
        self._in_force[key] = _InForce(decision, until)
        self._decided.append(decision)
        return [decision]

    def _lift(self, taken: HealthDecision, now: datetime) -> HealthDecision:
        subject = f"{taken.action}:{taken.region}"
        episode = self.ledger.episode(subject, self.mode)
        self.ledger.close(subject, self.mode)
        lift = HealthDecision(
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
            reason=f"no fresh evidence for {self.rules.hold_h:.0f} h",
            inputs=(taken.event_id,),
            basis="lift",
        )
        self._decided.append(lift)
        return lift

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")
