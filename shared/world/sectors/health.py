"""The health sector's world data (``health.yaml``): heat and mortality, the vulnerable, patients.

Both the health service (through its adapter) and the simulator's health plug-in read it from
the ``World`` they are given, and both compute a city's baseline deaths, the heat's excess deaths
and what each action covers with ``HealthWorld``'s methods, so the truth and the service's
estimate of it use one model. Pure: no I/O.

The heat model: a city's baseline deaths a day are its population times the crude death rate;
on a day whose mean temperature is ``t`` above ``threshold_tmean_c`` (plus the city's climate
offset) the deaths rise by the relative risk ``(1 + excess_risk_per_degc) ** (t - threshold)``
(log-linear above the threshold, the temperature-mortality studies' shape). The excess deaths
split among three pathways, each reached by one action: the old at home (outreach), others
without cooling (cooling centres) and those who reach an emergency department (surge staffing,
which also treats the heat-illness cases, ``cases_per_excess_death`` of them for every excess
death).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.health import HealthAction
from shared.world import City, World
from shared.world.sectors import section


class Pathway(StrEnum):
    """Whom the heat's excess deaths reach, and so which action can avoid them."""

    ELDERLY = "elderly"  # the old at home: elderly outreach
    COMMUNITY = "community"  # others at home or outdoors without cooling: cooling centres
    HOSPITAL = "hospital"  # those who reach an emergency department: surge staffing

    @property
    def action(self) -> HealthAction:
        """The action that reaches this pathway."""
        return _PATHWAY_ACTION[self]


_PATHWAY_ACTION = {
    Pathway.ELDERLY: HealthAction.ELDERLY_OUTREACH,
    Pathway.COMMUNITY: HealthAction.OPEN_COOLING_CENTRES,
    Pathway.HOSPITAL: HealthAction.SURGE_STAFFING,
}


def heat_asset_id(pathway: Pathway, code: str) -> str:
    """The id of city ``code``'s excess deaths of ``pathway`` (the plug-in's asset, the service's
    decisions' ``asset_ids``)."""
    return f"heat-{pathway.value}-{code}"


@dataclass(frozen=True)
class PatientZone:
    """The patients of one of a city's flood plains: its lake-side plain or its riverside land."""

    asset_id: str
    kind: str  # the plug-in's asset kind: patient_zone (lake) or patient_riverside
    gauge: str
    patients: int


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class HeatModel(_Frozen):
    """The temperature-mortality relationship and how its excess deaths are counted."""

    threshold_tmean_c: float
    excess_risk_per_degc: float = Field(gt=0, lt=1)
    tmax_minus_tmean_c: float = Field(ge=0)
    pathways: dict[Pathway, float]
    cases_per_excess_death: float = Field(ge=0)
    case_cost_yuan: float = Field(ge=0)

    @model_validator(mode="after")
    def _shares(self) -> HeatModel:
        if set(self.pathways) != set(Pathway):
            raise ValueError("health.yaml: heat.pathways must give every pathway a share")
        if abs(sum(self.pathways.values()) - 1.0) > 1e-9:
            raise ValueError("health.yaml: heat.pathways' shares must add up to 1")
        return self


class Units(_Frozen):
    """How many units of each action a city's protection takes."""

    vulnerable_elderly_share: float = Field(gt=0, le=1)
    elderly_per_team_day: float = Field(gt=0)
    people_per_cooling_centre: float = Field(gt=0)
    people_per_surge_team: float = Field(gt=0)


class Patients(_Frozen):
    """Patients who need regular treatment (dialysis, home oxygen) and a flood's harm to them."""

    prevalence: float = Field(gt=0, lt=0.1)
    death_share: float = Field(ge=0, le=1)
    hospital_share: float = Field(ge=0, le=1)
    hospital_cost_yuan: float = Field(ge=0)


class HealthWorld(_Frozen):
    """The whole of ``health.yaml``, with the heat model's arithmetic."""

    crude_death_rate_per_1000: float = Field(gt=0, lt=50)
    elderly_share: float = Field(gt=0, lt=1)
    vsl_yuan: float = Field(gt=0)
    heat: HeatModel
    units: Units
    patients: Patients

    def baseline_deaths_per_day(self, population: float) -> float:
        """Deaths a day in a population of ``population`` with no heat."""
        return population * self.crude_death_rate_per_1000 / 1000 / 365

    def excess_share(self, tmean_c: float, climate_offset_c: float = 0.0) -> float:
        """Excess deaths on a day of mean temperature ``tmean_c``, as a share of the baseline, in
        a city whose climate is ``climate_offset_c`` warmer than Nanchang's (its threshold is as
        much higher: people are adapted to their local climate)."""
        above = tmean_c - self.heat.threshold_tmean_c - climate_offset_c
        if above <= 0:
            return 0.0
        return math.exp(math.log1p(self.heat.excess_risk_per_degc) * above) - 1.0

    def yuan_per_excess_death(self, pathway: Pathway) -> float:
        """What an excess death of ``pathway`` costs (VSL), and for the hospital pathway its
        share of the heat-illness cases' treatment."""
        h = self.heat
        value = h.pathways[pathway] * self.vsl_yuan
        if pathway is Pathway.HOSPITAL:
            value += h.cases_per_excess_death * h.case_cost_yuan
        return value

    def harm_per_patient_yuan(self) -> float:
        """What a patient cut off from treatment by a flood costs: deaths at the VSL, admissions."""
        p = self.patients
        return p.death_share * self.vsl_yuan + p.hospital_share * p.hospital_cost_yuan

    def patients_in(self, people: int) -> int:
        """Patients on dialysis or home oxygen among ``people``."""
        return round(people * self.patients.prevalence)

    def patient_zones(self, city: City) -> tuple[PatientZone, ...]:
        """The patients of ``city``'s flood plains (the plains of the simulator's
        ``floodplains.py``: a lake-side plain where it has a lake gauge, riverside land where it
        has a river gauge), those with any."""
        out = []
        for kind, suffix, gauge, people in (
            ("patient_zone", "floodplain", city.lake_gauge, city.flood_exposed_pop),
            ("patient_riverside", "riverside", city.river_gauge, city.river_exposed_pop),
        ):
            n = self.patients_in(people)
            if gauge is not None and n > 0:
                out.append(PatientZone(f"patients-{city.code}-{suffix}", kind, gauge, n))
        return tuple(out)

    def action_units(self, city: City) -> dict[HealthAction, float]:
        """What protecting ``city`` takes of each heat action: teams, centres."""
        u, pop = self.units, city.population
        vulnerable = pop * self.elderly_share * u.vulnerable_elderly_share
        return {
            HealthAction.ELDERLY_OUTREACH: float(
                max(1, round(vulnerable / u.elderly_per_team_day))
            ),
            HealthAction.OPEN_COOLING_CENTRES: float(
                max(1, round(pop / u.people_per_cooling_centre))
            ),
            HealthAction.SURGE_STAFFING: float(max(1, round(pop / u.people_per_surge_team))),
        }


def health(world: World) -> HealthWorld:
    """``world``'s health data."""
    vsl = world.damage.constants.value_of_statistical_life_yuan
    return section(world, "health", HealthWorld, vsl_yuan=vsl)
