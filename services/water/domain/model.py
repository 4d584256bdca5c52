"""The flood-control model: when the water department patrols, reinforces, pre-releases and opens
a flood storage area (the plan's 四预 for the five rivers and Poyang Lake).

Evidence and rules, per mode (thresholds and prices in ``data/rules.yaml``):

* **Patrol** (巡堤查险, both modes): a city's lake or river gauge (its own stations) reaches its
  warning level. The flood-control rules require it, so it is kept whatever the cost-loss ratio
  (a duty, like emergency's response level); its p and expected loss are still reported.
* **Reinforce** (加固堤防): both modes once the stage is ``reinforce_above_warning_m`` over the
  warning level (the works take about two days, and the losses start half a metre over it),
  or ahead of it, when the gauge's own trend (its rise over ``trend_window_h``) brings it there
  within ``reinforce_ahead_h`` (the department's own forecast, 预报);
  fused also ahead of it, when the stage is within ``forecast_watch_m`` of warning and the
  weather service's forecast gives heavy rain over the city (p is the forecast's chance times
  ``reinforce_probability``).
* **Pre-release** (预泄) of a reservoir: both modes on a public orange (or higher) rainstorm
  warning over the reservoir's city, or when its own inflow reaches ``inflow_share`` of its safe
  discharge; fused also on the forecast's chance of 100 mm in 24 h over its city. It is decided
  once for each city whose riverside land lies below the dam, each charged its share of the
  price, and lifted ``hold_h`` after its last trigger (the reservoir refills).
* **Open a storage area** (蓄滞洪区运用): both modes when the area's design gauge is within
  ``margin_m`` of its design level and rising. Decided once for each lake city it lowers the lake
  for, each charged its share of the area's cost: the crops, the relocation and the property
  inside, compensated at 70%. Fused, an agriculture early-harvest advisory in the area's city
  takes most of the crop out, and an emergency evacuation of that city has already moved the
  people, so the opening costs less (and may pass p x L > C where the siloed model's does not).
  Where the city's levees are already reinforced, the loss left for the area to save is only
  what the reinforcement would not.
  It is never lifted: the water stays until the lake falls.
* Fused, a closed road into a city (transport's road status) delays its levee crews: the patrol
  or reinforcement takes effect ``closure_delay_h`` later.

Every decision but the patrol is taken only when p x L > C (``shared.world.costs.worth_acting``):
p from the evidence (above), L the loss the action avoids if it comes (the city's exposed assets
times the rules' loss and avoid shares), C its charge over its expected time in force. The two
modes share one ``SituationLedger``, so one situation has one decision key in both.

Pure: no I/O. The adapter reads the rules, the world and the works and passes them in; the
siloed instance is never fed another sector's data.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from services.water.domain.rules import WaterRules
from shared.contracts.agriculture import AdvisoryIssued
from shared.contracts.emergency import Measure, ResponseDecided
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.contracts.water import HydroReading, StationKind, WaterAction, WaterDecision
from shared.contracts.weather import ForecastIssued, WarningIssued
from shared.situations import SituationLedger, id_parts
from shared.world import City, Gauge, World
from shared.world.costs import NO_CHARGE, Charge, CostSpec, Per, worth_acting
from shared.world.sectors.water import Reservoir, StorageArea, WaterWorks

SOURCE = "water"
_EARLY_HARVEST = "early_harvest"


#: Decisions a model keeps for its API: the latest, so a long-running service's state (and its
#: snapshot) stays bounded.
DECISIONS_KEPT = 5_000


def city_of(region: str) -> str:
    """The prefecture-level city of a GB/T 2260 code (a county rolls up to its city)."""
    return region[:4] + "00"


@dataclass(frozen=True)
class Reach:
    """The land one gauge judges: a city's lake-side plain (``lake``) or riverside (``river``)."""

    city: City
    kind: str
    gauge: Gauge

    @property
    def asset_id(self) -> str:
        """The flood plain's id (the simulator's ``floodplains`` names the same)."""
        return f"{self.city.code}-{'floodplain' if self.kind == 'lake' else 'riverside'}"

    @property
    def assets_yuan(self) -> float:
        """What the land behind the levees holds."""
        if self.kind == "lake":
            return self.city.flood_exposed_assets_yuan
        return self.city.river_exposed_assets_yuan


@dataclass
class _Active:
    subject: str
    key: str
    episode: int
    decision: WaterDecision
    last_trigger: datetime


@dataclass
class _Reservoir:
    reservoir: Reservoir
    level_m: float | None = None
    inflow_m3s: float | None = None


@dataclass
class _Evidence:
    """Why an operation is called for: what it rests on, its p, and the events and sectors."""

    basis: str
    probability: float
    cause: UUID
    reason: str
    sectors: tuple[str, ...] = ()
    delay_h: float = 0.0


@dataclass(frozen=True)
class ReservoirView:
    """A reservoir as one mode sees it (the HTTP API's view)."""

    mode: Mode
    id: str
    name_zh: str
    name_en: str
    level_m: float | None
    flood_limit_level_m: float
    inflow_m3s: float | None
    max_discharge_m3s: float
    pre_releasing_for: tuple[str, ...]


@dataclass(frozen=True)
class StorageAreaView:
    """A flood storage area as one mode sees it."""

    mode: Mode
    id: str
    name_zh: str
    name_en: str
    design_gauge: str
    design_level_m: float
    stage_m: float | None
    opened_for: tuple[str, ...]
    cost_yuan: float


@dataclass(frozen=True)
class LeveeView:
    """A city's levees at one gauge, as one mode sees them."""

    mode: Mode
    city: str
    reach: str
    gauge: str
    stage_m: float | None
    warning_m: float
    guaranteed_m: float
    operations: tuple[str, ...]


@dataclass
class _Fused:
    """What the fused model knows of other sectors, by city."""

    closed: dict[str, set[str]] = field(default_factory=dict)
    closure_ids: dict[str, UUID] = field(default_factory=dict)
    harvested: dict[str, UUID] = field(default_factory=dict)
    evacuated: dict[str, UUID] = field(default_factory=dict)


class WaterModel:
    """One mode's flood control: its gauges, reservoirs, the operations in force and decided."""

    def __init__(
        self,
        mode: Mode,
        *,
        world: World,
        works: WaterWorks,
        rules: WaterRules,
        ledger: SituationLedger | None = None,
    ) -> None:
        self.mode = mode
        self.world = world
        self.works = works
        self.rules = rules
        self.ledger = ledger or SituationLedger()
        self._reaches: dict[str, list[Reach]] = {}
        for c in world.cities:
            for kind, gauge_id in (("lake", c.lake_gauge), ("river", c.river_gauge)):
                if gauge_id is not None:
                    reach = Reach(c, kind, world.gauge(gauge_id))
                    self._reaches.setdefault(gauge_id, []).append(reach)
        self._lake_cities = [c for c in world.cities if c.lake_gauge is not None]
        self._stage: dict[str, float] = {}
        self._previous: dict[str, float] = {}
        #: Each gauge's recent readings (time, stage), for its trend (``trend_window_h``).
        self._history: dict[str, deque[tuple[datetime, float]]] = {}
        self._below_since: dict[str, datetime] = {}
        self._reservoirs = {r.id: _Reservoir(r) for r in works.reservoirs}
        self._active: dict[str, _Active] = {}
        self._lifted_at: dict[str, datetime] = {}
        # the latest decisions, for the API (bounded: it is in every state snapshot)
        self._decided: deque[WaterDecision] = deque(maxlen=DECISIONS_KEPT)
        self._fused = _Fused()

    # -- own data and public warnings (both modes) ------------------------------------------

    def on_reading(self, reading: HydroReading) -> list[WaterDecision]:
        """A station's reading: a gauge's stage (levees, storage areas) or a reservoir's."""
        if reading.station_kind is StationKind.RESERVOIR:
            return self._on_reservoir(reading)
        gauge_id = reading.station_id
        if gauge_id in self._stage:
            self._previous[gauge_id] = self._stage[gauge_id]
        self._stage[gauge_id] = reading.level_m
        window = timedelta(hours=self.rules.levee.trend_window_h)
        at = reading.occurred_at
        history = self._history.get(gauge_id)
        if history is None:
            history = self._history[gauge_id] = deque()
        elif history and history[-1][0] >= at:  # out of order: keep only what came before it
            history = self._history[gauge_id] = deque(
                (t, v) for t, v in history if at - window <= t < at
            )
        # the window's readings, oldest first: those that left it go from the left (each
        # reading once, however many the window holds)
        while history and history[0][0] < at - window:
            history.popleft()
        history.append((at, reading.level_m))
        out: list[WaterDecision] = []
        for reach in self._reaches.get(gauge_id, ()):
            out += self._on_reach(reach, reading)
        for area in self.works.storage_areas:
            if area.design_gauge == gauge_id:
                out += self._on_storage_gauge(area, reading)
        return out

    def on_warning(self, warning: WarningIssued) -> list[WaterDecision]:
        """A public rainstorm warning: pre-release the reservoirs of the warned city."""
        rules = self.rules.pre_release
        if (
            warning.alert.msg_type == "Cancel"
            or warning.signal not in rules.warning_signals
            or warning.colour.rank < rules.min_colour.rank
        ):
            return []
        p = rules.warning_probability.get(warning.colour, 0.0) * rules.flood_given_rain
        evidence = _Evidence(
            "warning", p, warning.event_id, f"{warning.colour.value} rainstorm warning"
        )
        return self._pre_release_in(city_of(warning.region), warning.occurred_at, evidence)

    # -- other sectors' data (fused only) ---------------------------------------------------

    def on_forecast(self, forecast: ForecastIssued) -> list[WaterDecision]:
        """The weather service's forecast: pre-release, or reinforce a reach above warning, on
        its chance of heavy rain over the city."""
        self._fused_only("forecast")
        rules = self.rules.pre_release
        p_rain = forecast.probability(rules.forecast_product)
        if p_rain is None:
            until = forecast.run_at + timedelta(hours=rules.forecast_horizon_h)
            rain = [s.rain_mm or 0.0 for s in forecast.steps if s.valid_at <= until]
            wettest = max((sum(rain[i : i + 24]) for i in range(len(rain))), default=0.0)
            p_rain = (
                rules.forecast_fallback_probability
                if wettest >= rules.forecast_fallback_mm
                else 0.0
            )
        if p_rain <= 0:
            return []
        city = city_of(forecast.region)
        reason = f"forecast p={p_rain:.2f} of {rules.forecast_product}"
        release = _Evidence(
            "forecast",
            p_rain * rules.flood_given_rain,
            forecast.event_id,
            reason,
            ("weather",),
        )
        out = self._pre_release_in(city, forecast.occurred_at, release)
        for reaches in self._reaches.values():
            for reach in reaches:
                stage = self._stage.get(reach.gauge.id)
                watch = reach.gauge.warning_m - self.rules.levee.forecast_watch_m
                if reach.city.code != city or stage is None or stage < watch:
                    continue
                evidence = _Evidence(
                    "forecast",
                    p_rain * self.rules.levee.reinforce_probability,
                    forecast.event_id,
                    f"{reach.gauge.id} {stage:.2f} m (warning {reach.gauge.warning_m:.2f}); "
                    f"{reason}",
                    ("weather",),
                )
                out += self._levee_operation(
                    WaterAction.REINFORCE_LEVEE, reach, forecast.occurred_at, evidence
                )
        return out

    def on_advisory(self, advisory: AdvisoryIssued) -> list[WaterDecision]:
        """An agriculture advisory: an early harvest in a city takes its crops out of the way."""
        self._fused_only("advisory")
        if advisory.action != _EARLY_HARVEST:
            return []
        city = city_of(advisory.region)
        if advisory.status == "taken":
            self._fused.harvested[city] = advisory.event_id
        else:
            self._fused.harvested.pop(city, None)
        return []

    def on_response(self, response: ResponseDecided) -> list[WaterDecision]:
        """An emergency response: an evacuation of a city has moved its people out already."""
        self._fused_only("response")
        if response.measure is not Measure.EVACUATION:
            return []
        city = city_of(response.region)
        if response.status == "taken":
            self._fused.evacuated[city] = response.event_id
        else:
            self._fused.evacuated.pop(city, None)
        return []

    def on_road_status(self, status: RoadStatusChanged) -> list[WaterDecision]:
        """Transport's road status: a closed segment delays the crews of the cities it joins."""
        self._fused_only("road status")
        for city in (status.from_city, status.to_city):
            closed = self._fused.closed.setdefault(city, set())
            if status.status is RoadStatus.CLOSED:
                closed.add(status.segment_id)
                self._fused.closure_ids[city] = status.event_id
            else:
                closed.discard(status.segment_id)
        return []

    # -- the clock ----------------------------------------------------------------------------

    def advance(self, now: datetime) -> list[WaterDecision]:
        """The end of a tick: lift pre-releases whose hold ran out, and levee operations whose
        reach has been below warning, and not called for again, for ``stand_down_h``."""
        out: list[WaterDecision] = []
        hold = timedelta(hours=self.rules.pre_release.hold_h)
        stand_down = timedelta(hours=self.rules.levee.stand_down_h)
        for subject, active in sorted(self._active.items()):
            action = active.decision.action
            if action == WaterAction.PRE_RELEASE and now - active.last_trigger >= hold:
                out += self._lift(subject, now, "refilled after the hold")
            elif action in (WaterAction.PATROL_LEVEE, WaterAction.REINFORCE_LEVEE):
                since = self._below_since.get(active.decision.asset_ids[0])
                # below warning for the whole hold, and nothing (a trend, a forecast) has called
                # for the operation again within it
                if (
                    since is not None
                    and now - since >= stand_down
                    and now - active.last_trigger >= stand_down
                ):
                    out += self._lift(subject, now, "below warning, stood down")
        return out

    # -- views --------------------------------------------------------------------------------

    def decisions(self) -> list[WaterDecision]:
        """Every decision so far (taken and lifted), in the order decided."""
        return list(self._decided)

    def in_force(self) -> list[WaterDecision]:
        """The operations in force now."""
        return [a.decision for _, a in sorted(self._active.items())]

    def reservoirs(self) -> list[ReservoirView]:
        """Every reservoir's last reading and the cities it is pre-releasing for."""
        return [
            ReservoirView(
                mode=self.mode,
                id=r.reservoir.id,
                name_zh=r.reservoir.name_zh,
                name_en=r.reservoir.name_en,
                level_m=r.level_m,
                flood_limit_level_m=r.reservoir.flood_limit_level_m,
                inflow_m3s=r.inflow_m3s,
                max_discharge_m3s=r.reservoir.max_discharge_m3s,
                pre_releasing_for=self._works_cities(r.reservoir.id, WaterAction.PRE_RELEASE),
            )
            for r in self._reservoirs.values()
        ]

    def storage_areas(self) -> list[StorageAreaView]:
        """Every storage area, its design gauge's stage and where it was opened."""
        return [
            StorageAreaView(
                mode=self.mode,
                id=a.id,
                name_zh=a.name_zh,
                name_en=a.name_en,
                design_gauge=a.design_gauge,
                design_level_m=a.design_level_m,
                stage_m=self._stage.get(a.design_gauge),
                opened_for=self._works_cities(a.id, WaterAction.OPEN_STORAGE_AREA),
                cost_yuan=round(self.storage_cost(a)[0], 2),
            )
            for a in self.works.storage_areas
        ]

    def levees(self) -> list[LeveeView]:
        """Every city's levees at each of its gauges, with the operations in force there."""
        views: list[LeveeView] = []
        for gauge_id, reaches in sorted(self._reaches.items()):
            for reach in reaches:
                ops = tuple(
                    sorted(
                        a.decision.action
                        for a in self._active.values()
                        if a.decision.asset_ids == (reach.asset_id,)
                        and a.decision.action
                        in (WaterAction.PATROL_LEVEE, WaterAction.REINFORCE_LEVEE)
                    )
                )
                views.append(
                    LeveeView(
                        mode=self.mode,
                        city=reach.city.code,
                        reach=reach.kind,
                        gauge=gauge_id,
                        stage_m=self._stage.get(gauge_id),
                        warning_m=reach.gauge.warning_m,
                        guaranteed_m=reach.gauge.guaranteed_m,
                        operations=ops,
                    )
                )
        return views

    def storage_cost(self, area: StorageArea) -> tuple[float, tuple[str, ...], tuple[UUID, ...]]:
        """What opening ``area`` costs, and the sectors and events that lowered it (fused: crops
        harvested early, people already evacuated)."""
        s = self.rules.storage
        crops = area.farmland_mu * s.crop_yuan_per_mu * s.compensation_share
        relocation = area.people * s.relocation_yuan_per_person
        property_ = (
            area.people
            * s.property_yuan_per_person
            * s.property_damaged_share
            * s.compensation_share
        )
        sectors: list[str] = []
        causes: list[UUID] = []
        if self.mode is Mode.FUSED:
            harvested = self._fused.harvested.get(area.city)
            if harvested is not None:
                crops *= 1.0 - s.harvested_share
                sectors.append("agriculture")
                causes.append(harvested)
            evacuated = self._fused.evacuated.get(area.city)
            if evacuated is not None:
                relocation = 0.0
                sectors.append("emergency")
                causes.append(evacuated)
        return crops + relocation + property_, tuple(sectors), tuple(causes)

    # -- rules --------------------------------------------------------------------------------

    def rise_per_h(self, gauge_id: str) -> float | None:
        """The gauge's rise in metres an hour over its trend window (its oldest reading in the
        window to its latest), or None with less than half a window of readings."""
        history = self._history.get(gauge_id)
        if history is None or len(history) < 2:
            return None
        (t0, v0), (t1, v1) = history[0], history[-1]
        hours = (t1 - t0).total_seconds() / 3600
        if hours < self.rules.levee.trend_window_h / 2:
            return None
        return (v1 - v0) / hours

    def _on_reach(self, reach: Reach, reading: HydroReading) -> list[WaterDecision]:
        stage, gauge = reading.level_m, reach.gauge
        if stage < gauge.warning_m:
            self._below_since.setdefault(reach.asset_id, reading.occurred_at)
            return self._reinforce_ahead(reach, reading)
        self._below_since.pop(reach.asset_id, None)
        above = f"{gauge.id} {stage:.2f} m (warning {gauge.warning_m:.2f})"
        patrol = _Evidence("gauge", self.rules.levee.patrol_probability, reading.event_id, above)
        out = self._levee_operation(
            WaterAction.PATROL_LEVEE, reach, reading.occurred_at, patrol, duty=True
        )
        if stage >= gauge.warning_m + self.rules.levee.reinforce_above_warning_m:
            reinforce = _Evidence(
                "gauge",
                self.rules.levee.reinforce_probability,
                reading.event_id,
                f"{gauge.id} {stage:.2f} m (warning {gauge.warning_m:.2f}, guaranteed "
                f"{gauge.guaranteed_m:.2f})",
            )
            out += self._levee_operation(
                WaterAction.REINFORCE_LEVEE, reach, reading.occurred_at, reinforce
            )
        return out

    def _reinforce_ahead(self, reach: Reach, reading: HydroReading) -> list[WaterDecision]:
        """Own forecast (预报) from the gauge's trend: reinforce a reach below its warning level
        whose stage, rising as it has over the trend window, reaches the reinforcement level
        within the works' lead time (``reinforce_ahead_h`` of its kind)."""
        lv, gauge = self.rules.levee, reach.gauge
        rise = self.rise_per_h(gauge.id)
        if rise is None or rise <= 0:
            return []
        ahead_h = lv.reinforce_ahead_h["lake" if reach.kind == "lake" else "river"]
        expected = reading.level_m + rise * ahead_h
        if expected < gauge.warning_m + lv.reinforce_above_warning_m:
            return []
        evidence = _Evidence(
            "trend",
            lv.reinforce_probability,
            reading.event_id,
            f"{gauge.id} {reading.level_m:.2f} m rising {rise * 24:.2f} m a day: "
            f"{expected:.2f} m in {ahead_h:g} h (warning {gauge.warning_m:.2f})",
        )
        return self._levee_operation(
            WaterAction.REINFORCE_LEVEE, reach, reading.occurred_at, evidence
        )

    def _levee_operation(
        self,
        action: WaterAction,
        reach: Reach,
        at: datetime,
        evidence: _Evidence,
        *,
        duty: bool = False,
    ) -> list[WaterDecision]:
        """Patrol or reinforce ``reach``'s levees (its city's levee km)."""
        lv = self.rules.levee
        patrol = action == WaterAction.PATROL_LEVEE
        if reach.kind == "lake":
            share = lv.inundation_share * (
                lv.patrol_inundation_avoid if patrol else lv.inundation_avoid
            )
        else:
            share = lv.breach_share * (lv.patrol_breach_avoid if patrol else lv.breach_avoid)
        loss = reach.assets_yuan * share
        charge = self.world.charge(action, Per.KM, reach.city.levee_km)
        if not duty and not worth_acting(
            evidence.probability, loss, charge.over(lv.expected_days * 24)
        ):
            return []
        delay = self._road_delay(reach.city.code)
        if delay is not None:
            evidence.delay_h, closure = delay
            evidence.sectors = (*evidence.sectors, "transport")
            evidence.reason += f"; road closed, crew {evidence.delay_h:g} h later"
            causes: tuple[UUID, ...] = (evidence.cause, closure)
        else:
            causes = (evidence.cause,)
        levee = next((x.id for x in self.works.levees if x.city == reach.city.code), None)
        return self._take(
            subject=f"{action.value}:{reach.asset_id}",
            action=action,
            region=reach.city.code,
            asset_id=reach.asset_id,
            works_id=levee or f"{reach.city.code}-levees",
            at=at,
            evidence=evidence,
            charge=charge,
            loss=loss,
            causes=causes,
        )

    def _on_reservoir(self, reading: HydroReading) -> list[WaterDecision]:
        state = self._reservoirs.get(reading.station_id)
        if state is None:
            return []
        state.level_m, state.inflow_m3s = reading.level_m, reading.inflow_m3s
        rules, r = self.rules.pre_release, state.reservoir
        if (
            reading.inflow_m3s is None
            or reading.inflow_m3s < rules.inflow_share * r.max_discharge_m3s
        ):
            return []
        evidence = _Evidence(
            "reservoir",
            rules.inflow_probability,
            reading.event_id,
            f"inflow {reading.inflow_m3s:.0f} m3/s (safe discharge {r.max_discharge_m3s:.0f})",
        )
        return self._pre_release(r, reading.occurred_at, evidence)

    def _pre_release_in(self, city: str, at: datetime, evidence: _Evidence) -> list[WaterDecision]:
        out: list[WaterDecision] = []
        for r in self.works.reservoirs:
            if r.city == city:
                out += self._pre_release(r, at, evidence)
        return out

    def _pre_release(
        self, reservoir: Reservoir, at: datetime, evidence: _Evidence
    ) -> list[WaterDecision]:
        """Pre-release ``reservoir`` for each city below it where p x L > C."""
        rules = self.rules.pre_release
        share = 1.0 / len(reservoir.protects)
        charge = self.world.charge(WaterAction.PRE_RELEASE, Per.FACILITY, share)
        out: list[WaterDecision] = []
        for code in reservoir.protects:
            city = self.world.city(code)
            loss = city.river_exposed_assets_yuan * rules.inundation_share * rules.avoid_share
            if not worth_acting(evidence.probability, loss, charge.over(rules.hold_h)):
                continue
            out += self._take(
                subject=f"{WaterAction.PRE_RELEASE.value}:{reservoir.id}:{code}",
                action=WaterAction.PRE_RELEASE,
                region=code,
                asset_id=f"{code}-riverside",
                works_id=reservoir.id,
                at=at,
                evidence=evidence,
                charge=charge,
                loss=loss,
                causes=(evidence.cause,),
                share=share,
            )
        return out

    def _on_storage_gauge(self, area: StorageArea, reading: HydroReading) -> list[WaterDecision]:
        rules = self.rules.storage
        previous = self._previous.get(area.design_gauge)
        if (
            reading.level_m < area.design_level_m - rules.margin_m
            or previous is None
            or reading.level_m <= previous
            or not self._lake_cities
        ):
            return []
        cost, sectors, causes = self.storage_cost(area)
        share = 1.0 / len(self._lake_cities)
        price = CostSpec(
            per=Per.FACILITY,
            unit_cost_yuan=round(cost, 2),
            source="the area's crops, relocation and property (data/rules.yaml storage)",
        )
        charge = price.charge(share)
        reason = (
            f"{area.design_gauge} {reading.level_m:.2f} m rising, design level "
            f"{area.design_level_m:.2f}; opening costs {cost / 1e8:.2f}亿"
        )
        evidence = _Evidence("gauge", rules.probability, reading.event_id, reason, sectors)
        drop = area.lake_drop_m / rules.reference_drop_m
        out: list[WaterDecision] = []
        for city in self._lake_cities:
            loss = (
                city.flood_exposed_assets_yuan * rules.inundation_share * rules.avoid_share * drop
            )
            if self._reinforced(f"{city.code}-floodplain"):
                # Only what the reinforced levees would not save is left for the area to save.
                loss *= 1.0 - self.rules.levee.inundation_avoid
            if not worth_acting(rules.probability, loss, charge.over(0)):
                continue
            out += self._take(
                subject=f"{WaterAction.OPEN_STORAGE_AREA.value}:{area.id}:{city.code}",
                action=WaterAction.OPEN_STORAGE_AREA,
                region=city.code,
                asset_id=f"{city.code}-floodplain",
                works_id=area.id,
                at=reading.occurred_at,
                evidence=evidence,
                charge=charge,
                loss=loss,
                causes=(reading.event_id, *causes),
                share=share,
            )
        return out

    def _reinforced(self, asset_id: str) -> bool:
        """Whether a reinforcement of ``asset_id``'s levees is in force."""
        return any(
            a.decision.action == WaterAction.REINFORCE_LEVEE and a.decision.asset_ids == (asset_id,)
            for a in self._active.values()
        )

    # -- decisions ----------------------------------------------------------------------------

    def _take(
        self,
        *,
        subject: str,
        action: WaterAction,
        region: str,
        asset_id: str,
        works_id: str,
        at: datetime,
        evidence: _Evidence,
        charge: Charge,
        loss: float,
        causes: tuple[UUID, ...],
        share: float = 1.0,
    ) -> list[WaterDecision]:
        active = self._active.get(subject)
        if active is not None:
            active.last_trigger = max(active.last_trigger, at)
            return []
        # A late reading handled after the operation was lifted does not reach back before the
        # lift (the lift would otherwise seem to end the newer decision of the same key).
        at = max(at, self._lifted_at.get(subject, at))
        key = self.ledger.open(subject, self.mode, at)
        episode = self.ledger.episode(subject, self.mode)
        decision = WaterDecision(
            event_id=derived_id(SOURCE, self.mode.value, *id_parts(key, episode), "taken"),
            occurred_at=at,
            source=SOURCE,
            region=region,
            causation_id=evidence.cause,
            mode=self.mode,
            action=action,
            decision_key=key,
            asset_ids=(asset_id,),
            effective_at=at + timedelta(hours=evidence.delay_h),
            **charge.fields(),
            probability=min(1.0, evidence.probability),
            expected_loss_avoided_yuan=round(min(1.0, evidence.probability) * loss, 2),
            reason=evidence.reason[:500],
            inputs=causes,
            cross_sector_inputs=tuple(sorted(set(evidence.sectors))),
            works_id=works_id,
            share=share,
            basis=evidence.basis,
            delayed_h=evidence.delay_h,
        )
        self._active[subject] = _Active(subject, key, episode, decision, at)
        self._decided.append(decision)
        return [decision]

    def _lift(self, subject: str, at: datetime, reason: str) -> list[WaterDecision]:
        active = self._active.pop(subject)
        self._lifted_at[subject] = at
        self.ledger.close(subject, self.mode)
        taken = active.decision
        lift = taken.model_copy(
            update={
                "event_id": derived_id(
                    SOURCE, self.mode.value, *id_parts(active.key, active.episode), "lifted"
                ),
                "occurred_at": at,
                "status": "lifted",
                "effective_at": at,
                **NO_CHARGE,
                "expected_loss_avoided_yuan": 0.0,
                "reason": reason,
                "causation_id": taken.event_id,
                "inputs": (taken.event_id,),
                "cross_sector_inputs": (),
                "delayed_h": 0.0,
            }
        )
        self._decided.append(lift)
        return [lift]

    def _road_delay(self, city: str) -> tuple[float, UUID] | None:
        if self.mode is not Mode.FUSED or not self._fused.closed.get(city):
            return None
        return self.rules.road.closure_delay_h, self._fused.closure_ids[city]

    def _works_cities(self, works_id: str, action: WaterAction) -> tuple[str, ...]:
        return tuple(
            sorted(
                a.decision.region
                for a in self._active.values()
                if a.decision.works_id == works_id and a.decision.action == action
            )
        )

    def _fused_only(self, what: str) -> None:
        if self.mode is not Mode.FUSED:
            raise ValueError(f"the siloed model must not be fed another sector's {what}")
