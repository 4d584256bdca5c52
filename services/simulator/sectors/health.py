"""The health sector's world: sites, their rain sensors, losses.

Scaffolded by ``dexsim new-sector``. The figures below are ESTIMATES for a template sector,
marked as such; replace them with sourced ones as the sector is built out.
"""

from __future__ import annotations

import math

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
    WorldState,
    clip,
    delay,
)
from shared.contracts.health import HEALTH_OBSERVATIONS, SECTOR, HealthAction, HealthReading
from shared.contracts.simulator import HazardKind
from shared.world import DamageRule
from shared.world.costs import CostSpec, Per

#: What one site holds at risk (ESTIMATE: a small depot's buildings and stock).
SITE_VALUE_YUAN = 20_000_000
#: What protecting a site costs: the price in the service's rules file (``protection_cost``), for
#: the truth's perfect decision-maker and the referee's "always act" reference.
PROTECTION_COST = CostSpec(
    per=Per.CREW,
    unit_cost_yuan=30_000,
    source="ESTIMATE for a template sector: as the service's data/rules.yaml",
)


def sites(state: WorldState) -> list[Asset]:
    """One site per city of the scenario (the service's manifest names the same ones)."""
    world = state.world
    return [
        Asset(
            id=f"health-{code}",
            kind="city",
            region=code,
            value_yuan=SITE_VALUE_YUAN,
            people=0,
            lat=world.city(code).lat,
            units={HealthAction.PROTECT.value: (Per.CREW, 1.0)},
        )
        for code in sorted(state.cities)
    ]


class SiteSensors:
    """Each site's rain gauge: the past 24 h of rain over its city, with noise, loss and delay."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("health_site", SensorNoise)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every site at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        for code in sorted(s.cities):
            late = delay(rng, noise)
            if late is None:
                continue
            rain = s.cities[code].rain_24h[i]
            measured = clip(rain * math.exp(rng.gauss(0, noise.sd("rain_rel_sd"))), 0, 2000)
            emit(
                i + late,
                HealthReading(
                    event_id=self.run.event_id("health", code, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=code,
                    site_id=f"health-{code}",
                    rain_24h_mm=round(measured, 1),
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(Exposure(kind="city", assets=sites),),
    sensors=(Sensor(name="health_site", topic=HEALTH_OBSERVATIONS, order=100, start=SiteSensors),),
    parameters=(
        ModelSection(
            "health_site",
            SensorNoise,
            # ESTIMATE: a tipping-bucket gauge's loss, delay and 5 % error.
            default=SensorNoise(drop_p=0.01, delay_p=0.05, delay_max_h=2, rain_rel_sd=0.05),
        ),
    ),
    rules=(
        CodedRule(
            rule=DamageRule(
                id="health-rain-damage",
                sector=SECTOR.name,
                impact="site_damage",
                hazards=(HazardKind.RAINSTORM,),
                asset="city",
                variable="rain_24h",
                op="ge",
                threshold=80,
                unit="hour",
                mode="peak",
                steps=((80, 0.05), (150, 0.15), (250, 0.30)),
                mitigations=(
                    {
                        "action": HealthAction.PROTECT.value,
                        "avoid_share": 0.6,
                        "lead_h": 6,
                        "cost": PROTECTION_COST,
                    },
                ),
            ),
            source=(
                "ESTIMATE for a template sector: damage from 80 mm in 24 h (above the CMA's "
                "50 mm rainstorm day), 5-30 % of a site's value; protection saves 60 % when in "
                "place 6 h ahead (its price is in the service's rules file)"
            ),
        ),
    ),
)
