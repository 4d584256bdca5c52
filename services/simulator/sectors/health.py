"""The health sector's world: the heat's excess deaths, the patients in the flood zones, and the
cities' health surveillance.

Assets (from ``shared/world/sectors/health.yaml``, per scenario city):

- ``heat_elderly``, ``heat_community``, ``heat_hospital``: a city's excess deaths in a heat
  spell, split by whom they reach (``Pathway``): the old at home, others without cooling, and
  those who reach an emergency department (with the heat-illness cases treated there). A spell's
  excess deaths (``spell_excess``: cumulative, in days of the city's baseline deaths, back to 0
  on a day below the threshold) are counted in steps of ``step_death_days``, each one impact
  valued at the VSL; only the pathway's own action avoids its share (``HEAT_RULES``);
- ``patient_zone``, ``patient_riverside``: the dialysis and home-oxygen patients of a city's
  lake-side flood plain and of its riverside land (the plains of
  ``services/simulator/domain/floodplains.py``, their people times the prevalence). As the water
  rises above warning it cuts off the same shares of them as of the plain's people (emergency's
  ``lake-flood`` and ``river-flood`` people steps); a patient cut off from treatment costs the
  deaths (at the VSL) and emergency admissions that follow (``PATIENT_RULES``). Emergency owns
  the people and their movable contents, water the fixed assets; health owns only this harm of
  missed treatment, and no property.

Every loss here is valued at the VSL or at treatment costs: not direct economic loss
(``direct=False``), so the calibration against the disaster record is unchanged. The patients
are counted as people affected (a tenth of a per cent of the plains' people, already among
emergency's).

Sensor (``health.observations.v1``, once a day, reported the next morning): each city's
heat-illness visits to its emergency departments (the true cases with noise) and the patients of
its flood zones who missed treatment.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date

from services.simulator.domain import floodplains as _flood
from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    CodedRule,
    Emit,
    Exposure,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    Series,
    WorldState,
    clip,
    delay,
)
from shared.contracts.health import HEALTH_OBSERVATIONS, SECTOR, HealthAction, HealthReading
from shared.contracts.simulator import HazardKind
from shared.world import BEIJING_OFFSET, City, DamageRule
from shared.world.costs import Per
from shared.world.sectors.health import HealthWorld, Pathway, health, heat_asset_id

#: A spell's excess deaths are counted in steps of 0.05 of a baseline day's deaths (each step one
#: impact), up to 100 of them (5 days' worth, more than any spell of the library reaches): a
#: resolution of about 6 deaths in Nanchang.
HEAT_STEPS = 100
HEAT_STEP_DEATH_DAYS = 0.05

#: What each heat action is counted in (the service's prices are per these units).
HEAT_UNITS: dict[Pathway, Per] = {
    Pathway.ELDERLY: Per.CREW,
    Pathway.COMMUNITY: Per.FACILITY,
    Pathway.HOSPITAL: Per.CREW,
}

#: Share of each pathway's deaths its action avoids, and how long ahead it must be in place.
#: (?) The whole French heat plan after 2003 (warnings, outreach, cooling, awareness) came with
#: about two-thirds fewer deaths than expected in the 2006 heat wave (Fouillet et al. 2008, Int.
#: J. Epidemiol. 37:309, 2,065 against 6,452); each action here reaches only its own pathway and
#: is credited with less: outreach finds the isolated old who would not seek help (0.3), a day
#: ahead to list and reach them; cooling centres shelter a part of those without cooling (0.25),
#: half a day to open; surge teams treat heatstroke sooner (rapid cooling cuts its fatality)
#: and see more of the exacerbations (0.3), half a day to roster.
HEAT_AVOID: dict[Pathway, tuple[float, float]] = {
    Pathway.ELDERLY: (0.3, 24.0),
    Pathway.COMMUNITY: (0.25, 12.0),
    Pathway.HOSPITAL: (0.3, 12.0),
}

#: Patients cut off, by metres above warning: the people shares of emergency's ``lake-flood`` and
#: ``river-flood`` rules (shared/world/damage.yaml), the harm in proportion.
LAKE_PATIENT_STEPS: tuple[tuple[float, float, float], ...] = (
    (0.5, 0.05, 0.05),
    (1.5, 0.25, 0.25),
    (2.5, 0.60, 0.60),
    (3.5, 1.00, 1.00),
)
RIVER_PATIENT_STEPS: tuple[tuple[float, float, float], ...] = (
    (1.0, 0.05, 0.05),
    (2.0, 0.15, 0.15),
    (3.0, 0.40, 0.40),
    (5.0, 0.80, 0.80),
)
#: (?) Transferred patients keep their treatment; a tenth of the harm remains (the move itself,
#: sessions missed in the first days). A lake flood is seen coming days ahead and beds and
#: ambulances take a day to arrange; a river rises within hours, half a day.
TRANSFER_AVOID = 0.9
LAKE_TRANSFER_LEAD_H = 24.0
RIVER_TRANSFER_LEAD_H = 12.0


def heat_assets(pathway: Pathway) -> Callable[[WorldState], list[Asset]]:
    """The assets of one pathway: every scenario city's excess deaths that pathway reaches."""

    def assets(state: WorldState) -> list[Asset]:
        world = state.world
        h = health(world)
        action = pathway.action
        out = []
        for code in sorted(state.cities):
            city = world.city(code)
            cap = HEAT_STEPS * HEAT_STEP_DEATH_DAYS * h.baseline_deaths_per_day(city.population)
            out.append(
                Asset(
                    id=heat_asset_id(pathway, code),
                    kind=f"heat_{pathway.value}",
                    region=code,
                    value_yuan=cap * h.yuan_per_excess_death(pathway),
                    people=0,
                    lat=city.lat,
                    units={action.value: (HEAT_UNITS[pathway], h.action_units(city)[action])},
                )
            )
        return out

    return assets


def spell_excess(series: Series, asset: Asset) -> list[float]:
    """The heat spell's excess deaths so far, in days of the city's baseline deaths: each hour
    adds its day's excess share (from the day's mean temperature, against the city's threshold)
    / 24; 0 on a day below the threshold, where the spell ends."""
    h = health(series.world)
    temps = series.state.cities[asset.region].temp
    days = series.day_of_hour
    sums: dict[int, list[float]] = {}
    for i, t in enumerate(temps):
        sums.setdefault(days[i], []).append(t)
    offset = series.world.city(asset.region).climate_offset_c
    excess = {d: h.excess_share(sum(v) / len(v), offset) for d, v in sums.items()}
    total, out = 0.0, []
    for i in range(len(temps)):
        share = excess[days[i]]
        total = 0.0 if share <= 0 else total + share / 24
        out.append(total)
    return out


def _patients(kind: str) -> Callable[[WorldState], list[Asset]]:
    """The patients of every scenario city's flood plains of ``kind`` (lake or riverside)."""

    def assets(state: WorldState) -> list[Asset]:
        h = health(state.world)
        out = []
        for city in state.world.cities:
            if city.code not in state.cities:
                continue
            for zone in h.patient_zones(city):
                if zone.kind != kind:
                    continue
                out.append(
                    Asset(
                        id=zone.asset_id,
                        kind=kind,
                        region=city.code,
                        value_yuan=zone.patients * h.harm_per_patient_yuan(),
                        people=zone.patients,
                        lat=city.lat,
                        gauge=zone.gauge,
                        units={
                            HealthAction.TRANSFER_PATIENTS.value: (Per.PERSON, float(zone.patients))
                        },
                    )
                )
        return out

    return assets


#: The lake-side plains' and the riverside lands' patients (the plains of floodplains.py).
lake_patients = _patients("patient_zone")
river_patients = _patients("patient_riverside")


def _cut_off_share(above_m: float, steps: tuple[tuple[float, float, float], ...]) -> float:
    """The share of a plain's patients cut off at ``above_m`` metres above warning."""
    return max((people for level, _, people in steps if above_m >= level), default=0.0)


class Surveillance:
    """Each city's daily health surveillance, reported the next morning: heat-illness visits to
    its emergency departments, and its flood zones' patients who missed treatment."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("health_surveillance", SensorNoise)
        self.health: HealthWorld = health(run.state.world)
        s = run.state
        self._days: dict[int, list[int]] = {}
        for i in range(len(s.times)):
            self._days.setdefault(_local_day(s, i), []).append(i)

    def __call__(self, i: int, emit: Emit) -> None:
        """At the local day's last hour, the day's records of every scenario city."""
        s, rng, noise, h = self.run.state, self.run.rng, self.noise, self.health
        if s.local_hours[i] != 23:
            return
        today = _local_day(s, i)
        hours = self._days[today]
        report_h = int(noise.sd("report_delay_h"))
        if i + report_h >= len(s.times):
            return  # the run ends before the day's report is compiled
        reported = s.times[i + report_h]
        for code in sorted(s.cities):
            late = delay(rng, noise)
            if late is None:
                continue
            city = s.world.city(code)
            temps = [s.cities[code].temp[j] for j in hours]
            share = h.excess_share(sum(temps) / len(temps), city.climate_offset_c)
            deaths = share * h.baseline_deaths_per_day(city.population)
            expected = deaths * h.heat.cases_per_excess_death
            background = rng.random() * noise.sd("background_visits_per_million") * city.pop_m
            visits = expected * math.exp(rng.gauss(0, noise.sd("visits_rel_sd"))) + background
            emit(
                i + report_h + late,
                HealthReading(
                    event_id=self.run.event_id("health", code, i),
                    occurred_at=reported,
                    source=SOURCE,
                    region=code,
                    site_id=f"health-{code}",
                    day=date.fromordinal(today),
                    heat_illness_visits=round(clip(visits, 0, 1_000_000)),
                    missed_treatments=self._missed(city, i),
                ),
            )

    def _missed(self, city: City, i: int) -> int | None:
        """Patients of the city's flood zones cut off at hour ``i`` (None without zones)."""
        s, h = self.run.state, self.health
        zones = h.patient_zones(city)
        if not zones:
            return None
        out = 0
        for zone in zones:
            g = s.world.gauge(zone.gauge)
            above = s.gauge_levels[g.id][i] - g.warning_m
            steps = LAKE_PATIENT_STEPS if zone.kind == "patient_zone" else RIVER_PATIENT_STEPS
            out += round(zone.patients * _cut_off_share(above, steps))
        return out


def _local_day(s: WorldState, i: int) -> int:
    """The local (Beijing) day of hour ``i``, as an ordinal."""
    return (s.times[i].astimezone(UTC) + BEIJING_OFFSET).date().toordinal()


def _heat_rule(pathway: Pathway, h_steps: int, step: float) -> DamageRule:
    avoid, lead = HEAT_AVOID[pathway]
    impact = "heat_illness" if pathway is Pathway.HOSPITAL else "heat_deaths"
    return DamageRule(
        id=f"heat-deaths-{pathway.value}",
        sector=SECTOR.name,
        impact=impact,
        direct=False,
        hazards=(HazardKind.HEAT_WAVE, HazardKind.DROUGHT),
        asset=f"heat_{pathway.value}",
        variable="spell_excess",
        op="ge",
        threshold=step,
        unit="hour",
        mode="peak",
        steps=tuple((k * step, k / h_steps) for k in range(1, h_steps + 1)),
        mitigations=({"action": pathway.action.value, "avoid_share": avoid, "lead_h": lead},),
    )


HEAT_RULES = tuple(_heat_rule(p, HEAT_STEPS, HEAT_STEP_DEATH_DAYS) for p in Pathway)

PATIENT_RULES = (
    DamageRule(
        id="patients-lake-flood",
        sector=SECTOR.name,
        impact="missed_treatment",
        direct=False,
        hazards=(HazardKind.LAKE_RISE, HazardKind.RAINSTORM),
        asset="patient_zone",
        variable="level_above_warning",
        op="ge",
        threshold=0,
        unit="hour",
        mode="peak",
        steps=LAKE_PATIENT_STEPS,
        mitigations=(
            {
                "action": HealthAction.TRANSFER_PATIENTS.value,
                "avoid_share": TRANSFER_AVOID,
                "people_share": TRANSFER_AVOID,
                "lead_h": LAKE_TRANSFER_LEAD_H,
            },
        ),
    ),
    DamageRule(
        id="patients-river-flood",
        sector=SECTOR.name,
        impact="missed_treatment",
        direct=False,
        hazards=(HazardKind.RAINSTORM,),
        asset="patient_riverside",
        variable="level_above_warning",
        op="ge",
        threshold=0,
        unit="hour",
        mode="peak",
        steps=RIVER_PATIENT_STEPS,
        mitigations=(
            {
                "action": HealthAction.TRANSFER_PATIENTS.value,
                "avoid_share": TRANSFER_AVOID,
                "people_share": TRANSFER_AVOID,
                "lead_h": RIVER_TRANSFER_LEAD_H,
            },
        ),
    ),
)

_HEAT_SOURCE = (
    "excess deaths from the day's mean temperature above 30 °C at 3.44 % a °C (Huang et al. "
    "2015, BMJ Open, 66 Chinese communities; Chen et al. 2018, BMJ, 272 cities), on Jiangxi's "
    "crude death rate (6.93 per thousand, 2022), valued at a VSL of ¥2.5 million (Hoffmann, "
    "Krupnick and Qin 2017; Cao et al. 2021 (?)); split by pathway (?) and avoided by its own "
    "action (?, see HEAT_AVOID): shared/world/sectors/health.yaml"
)
_PATIENT_SOURCE = (
    "dialysis and home-oxygen patients (0.12 % of the plains' people (?)) cut off in the same "
    "shares as emergency's lake-flood and river-flood people steps; each costs 3 % deaths at the "
    "VSL and 30 % emergency admissions at ¥20,000 (?, after Kopp et al. 2007 on Katrina's "
    "dialysis patients); a transfer in place ahead avoids 90 % (?): "
    "shared/world/sectors/health.yaml"
)

PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        *(
            Exposure(
                kind=f"heat_{p.value}",
                assets=heat_assets(p),
                variables={"spell_excess": spell_excess},
            )
            for p in Pathway
        ),
        Exposure(
            kind="patient_zone",
            assets=lake_patients,
            variables={"level_above_warning": _flood.zone_level},
        ),
        Exposure(
            kind="patient_riverside",
            assets=river_patients,
            variables={"level_above_warning": _flood.zone_level},
        ),
    ),
    sensors=(
        Sensor(
            name="health_surveillance", topic=HEALTH_OBSERVATIONS, order=100, start=Surveillance
        ),
    ),
    parameters=(
        ModelSection(
            "health_surveillance",
            SensorNoise,
            # (?) syndromic surveillance of emergency departments: the day's visits compiled
            # overnight and reported by 09:00 (report_delay_h after the day's last hour), a few
            # reports late or lost; counts within about 20 %, and a background of a few heat
            # illness visits a day per million people even on ordinary summer days.
            default=SensorNoise(
                drop_p=0.02,
                delay_p=0.1,
                delay_max_h=12,
                report_delay_h=10,
                visits_rel_sd=0.2,
                background_visits_per_million=2.0,
            ),
        ),
    ),
    rules=(
        *(CodedRule(rule=r, source=_HEAT_SOURCE) for r in HEAT_RULES),
        *(CodedRule(rule=r, source=_PATIENT_SOURCE) for r in PATIENT_RULES),
    ),
)
