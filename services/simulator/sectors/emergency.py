"""Emergency's world: flood plains, cities and monitored facilities as assets; gauges,
citizen reports and safety alarms as observations."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.simulator.domain import floodplains as _flood
from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    Emit,
    Exposure,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    WorldState,
    clip,
    delay,
)
from shared.contracts.emergency import (
    EMERGENCY_ALARMS,
    EMERGENCY_OBSERVATIONS,
    EMERGENCY_REPORTS,
    SECTOR,
    AlarmKind,
    CitizenReport,
    EmergencyAction,
    FacilityKind,
    GaugeReading,
    ReportKind,
    SafetyAlarm,
)
from shared.world import City
from shared.world.costs import Per


class Reports(BaseModel):
    """Citizen-report rates and texts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    false_per_city_hour: float
    rates: dict[ReportKind, float]
    text_zh: dict[ReportKind, str]


class Alarms(BaseModel):
    """Industrial-safety alarm model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    false_per_facility_hour: float
    p_when_triggered: float
    fireworks_temp_c: float
    mine_rain_24h_mm: float
    chemicals_gust_ms: float


def _teams(state: WorldState, code: str) -> tuple[int, int]:
    """A city's own rescue teams and power-line crews (resources.yaml)."""
    stock = next((r for r in state.world.resources if r.city == code), None)
    return (stock.rescue_teams, stock.line_crews) if stock else (0, 0)


def _zone_units(state: WorldState, city: City, people: int) -> dict[str, tuple[Per, float]]:
    """What emergency's actions on a flood plain are counted in: people moved, its rescue teams
    on standby (the levees are water's)."""
    teams, _ = _teams(state, city.code)
    return {
        EmergencyAction.EVACUATE.value: (Per.PERSON, float(people)),
        EmergencyAction.PREPOSITION_RESCUE.value: (Per.CREW, float(teams)),
    }


def flood_zones(state: WorldState) -> list[Asset]:
    """The lake-side flood plain of every scenario city with a lake gauge."""
    return _flood.flood_zones(state, _zone_units)


def riversides(state: WorldState) -> list[Asset]:
    """The riverside land of every scenario city on a gauged river, behind its levees."""
    return _flood.riversides(state, _zone_units)


def cities(state: WorldState) -> list[Asset]:
    """Every scenario city as a whole: its people, and their assets per head."""
    per_person = state.world.damage.constants.asset_yuan_per_person
    return [
        Asset(
            id=city.code,
            kind="city",
            region=city.code,
            value_yuan=city.population * per_person,
            people=city.population,
            lat=city.lat,
            units=_city_units(state, city),
        )
        for city in state.world.cities
        if city.code in state.cities
    ]


def _city_units(state: WorldState, city: City) -> dict[str, tuple[Per, float]]:
    """What a city's actions are counted in: people moved, rescue teams."""
    teams, _ = _teams(state, city.code)
    return {
        EmergencyAction.EVACUATE.value: (Per.PERSON, float(city.population)),
        EmergencyAction.PREPOSITION_RESCUE.value: (Per.CREW, float(teams)),
    }


def facilities(state: WorldState) -> list[Asset]:
    """Every monitored facility (mines, chemicals, fireworks) of the scenario's cities."""
    world = state.world
    return [
        Asset(
            id=fac.id,
            kind="facility",
            region=fac.city,
            value_yuan=fac.value_yuan,
            people=0,
            lat=world.city(fac.city).lat,
            facility_kind=fac.kind.value,
            units={EmergencyAction.SUSPEND_OPERATIONS.value: (Per.FACILITY, 1.0)},
        )
        for fac in world.facilities
        if fac.city in state.cities
    ]


class Gauges:
    """Lake and river gauges: the true level with a little noise."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("gauge", SensorNoise)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every gauge at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        t = s.times[i]
        for g in s.world.gauges:
            late = delay(rng, noise)
            if late is None:
                continue
            level = s.gauge_levels[g.id][i] + rng.gauss(0, noise.sd("level_sd"))
            emit(
                i + late,
                GaugeReading(
                    event_id=self.run.event_id("gauge", g.id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=g.city,
                    gauge_id=g.id,
                    water_level_m=round(clip(level, 0, 60), 2),
                ),
            )


class CitizenReports:
    """12345-hotline reports: early and noisy, while a condition holds, and some false ones."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.reports = run.parameter("reports", Reports)

    def _conditions(self, code: str, i: int) -> list[ReportKind]:
        s = self.run.state
        cs = s.cities[code]
        city = cs.city
        found: list[ReportKind] = []
        if s.flood_excess(city.code)[i] > 0:
            found.append(ReportKind.FLOODING)
        if cs.rain[i] >= 20 or cs.rain_24h[i] >= 80:
            found.append(ReportKind.WATERLOGGING)
        if cs.rain_24h[i] >= 150:
            found.append(ReportKind.LANDSLIDE)
        if s.icy(code)[i] > 0:
            found.append(ReportKind.ROAD_ICING)
        if cs.visibility[i] < 200:
            found.append(ReportKind.POOR_VISIBILITY)
        if cs.ice_mm[i] >= 15:
            found.append(ReportKind.POWER_OUTAGE)
        if cs.temp[i] >= 37:
            found.append(ReportKind.HEAT_ILLNESS)
        if cs.soil_moisture[i] < 12:
            found.append(ReportKind.WATER_SHORTAGE)
        if cs.soil_moisture[i] < 12 or cs.temp[i] >= 37 or cs.temp[i] <= -5:
            found.append(ReportKind.CROP_DAMAGE)
        return found

    def __call__(self, i: int, emit: Emit) -> None:
        """The reports callers make in hour ``i`` (published at once)."""
        rng, rep, s = self.run.rng, self.reports, self.run.state
        t = s.times[i]
        kinds = list(ReportKind)
        for code, cs in s.cities.items():
            hits = [k for k in self._conditions(code, i) if rng.random() < rep.rates.get(k, 0.0)]
            if rng.random() < rep.false_per_city_hour:
                hits.append(kinds[rng.randrange(len(kinds))])
            for n, kind in enumerate(hits):
                emit(
                    i,
                    CitizenReport(
                        event_id=self.run.event_id("report", code, i, n),
                        occurred_at=t,
                        source=SOURCE,
                        region=code,
                        report_kind=kind,
                        lon=round(cs.city.lon + rng.uniform(-0.3, 0.3), 3),
                        lat=round(cs.city.lat + rng.uniform(-0.3, 0.3), 3),
                        people=rng.randint(1, 30),
                        text=rep.text_zh.get(kind, ""),
                    ),
                )


class SafetyAlarms:
    """Facility sensors: an alarm while the facility's driving condition holds, and faults."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.alarms = run.parameter("alarms", Alarms)

    def __call__(self, i: int, emit: Emit) -> None:
        """The alarms raised in hour ``i`` (published at once)."""
        rng, al, s = self.run.rng, self.alarms, self.run.state
        t = s.times[i]
        for fac in s.world.facilities:
            cs = s.cities.get(fac.city)
            if cs is None:
                continue
            kind: AlarmKind | None = None
            value = threshold = 0.0
            if fac.kind == FacilityKind.FIREWORKS and cs.temp[i] >= al.fireworks_temp_c:
                kind, value, threshold = AlarmKind.TEMPERATURE, cs.temp[i], al.fireworks_temp_c
            elif fac.kind == FacilityKind.MINE and cs.rain_24h[i] >= al.mine_rain_24h_mm:
                kind, value, threshold = AlarmKind.WATER_INFLOW, cs.rain_24h[i], al.mine_rain_24h_mm
            elif (
                fac.kind == FacilityKind.HAZARDOUS_CHEMICALS and cs.gust[i] >= al.chemicals_gust_ms
            ):
                kind, value, threshold = AlarmKind.WIND_LOAD, cs.gust[i], al.chemicals_gust_ms
            fire = kind is not None and rng.random() < al.p_when_triggered
            if not fire and rng.random() < al.false_per_facility_hour:
                # A sensor fault: power loss or a spurious gas reading, with nothing behind it.
                kind = AlarmKind.POWER_LOSS if rng.random() < 0.5 else AlarmKind.GAS_CONCENTRATION
                value, threshold, fire = 0.0, 0.0, True
            if not fire or kind is None:
                continue
            emit(
                i,
                SafetyAlarm(
                    event_id=self.run.event_id("alarm", fac.id, i),
                    occurred_at=t,
                    source=SOURCE,
                    region=fac.city,
                    facility_id=fac.id,
                    facility_kind=fac.kind,
                    alarm=kind,
                    value=round(value, 1) if threshold else None,
                    threshold=threshold or None,
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="zone", assets=flood_zones, variables={"level_above_warning": _flood.zone_level}
        ),
        Exposure(
            kind="river_zone",
            assets=riversides,
            variables={"level_above_warning": _flood.zone_level, "breached": _flood.breached},
        ),
        Exposure(kind="city", assets=cities),
        Exposure(kind="facility", assets=facilities),
    ),
    sensors=(
        Sensor(
            name="gauge",
            topic=EMERGENCY_OBSERVATIONS,
            order=40,
            every=lambda cadence: cadence.gauge_h,
            start=Gauges,
        ),
        Sensor(name="report", topic=EMERGENCY_REPORTS, order=60, start=CitizenReports),
        Sensor(name="alarm", topic=EMERGENCY_ALARMS, order=70, start=SafetyAlarms),
    ),
    parameters=(
        ModelSection("gauge", SensorNoise),
        ModelSection("reports", Reports),
        ModelSection("alarms", Alarms),
    ),
)
