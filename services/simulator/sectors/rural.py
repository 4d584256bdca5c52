"""The rural sector's world: the villages in the hills' hazard zones, their gauges and grid workers.

Assets (one of each kind per scenario city with hazard zones, ``shared/world/sectors/rural.yaml``):

- ``village_zone``: the houses of the villages in the city's mapped flash-flood danger zones
  and at its geological-hazard points (their people by household, at ¥18万 a house with its
  contents (?)); ``flash-flood`` in ``shared/world/damage.yaml`` (a direct loss, calibrated with
  the other direct losses): nothing a sector decides saves a house from a slide;
- ``villagers``: the people of those zones, valued at the value of a statistical life;
  ``flash-flood-casualties`` (below, not a direct loss): the people harmed when the zones' rain
  passes the critical rainfall, and the people affected. Relocating them before the flood is
  counted in people moved, a patrol of the hazard points in crews.

Both rules compare the ``flash_index`` of the city's hills (``RuralWorld.flash_index``: the larger
of the 3-h rain over its critical 50 mm and the 24-h rain over its critical 100 mm; 1 at the
critical rainfall), from the true hourly rain over the city.

Sensors (``rural.observations.v1``): the zones' automatic rain gauges (hourly: the rain of the
past 1, 3 and 24 h, with noise, loss and delay) and the grid workers' reports of precursors
(cracks, muddy water, small slides, a stream rising), which come in the hour or two before the
index passes a threshold of harm (a slope cracks before it fails), now and then with nothing
behind them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

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
from shared.contracts.rural import (
    RURAL_OBSERVATIONS,
    SECTOR,
    Precursor,
    ReadingKind,
    RuralAction,
    RuralReading,
)
from shared.contracts.simulator import HazardKind
from shared.world import DamageRule
from shared.world.costs import Per
from shared.world.sectors.rural import villages


def village_zones(state: WorldState) -> list[Asset]:
    """The houses of every scenario city's hazard zones."""
    world = state.world
    rw = villages(world)
    out = []
    for code in sorted(state.cities):
        zone = rw.zone(code)
        if zone is None or zone.people <= 0:
            continue
        out.append(
            Asset(
                id=f"village-{code}",
                kind="village_zone",
                region=code,
                value_yuan=rw.houses(zone) * rw.house_yuan,
                people=zone.people,
                lat=world.city(code).lat,
                quantity=round(rw.houses(zone)),
                unit="houses",
            )
        )
    return out


def villagers(state: WorldState) -> list[Asset]:
    """The people of every scenario city's hazard zones, at the value of a statistical life, by
    the people a relocation moves and the crews that patrol the hazard points."""
    world = state.world
    rw = villages(world)
    out = []
    for code in sorted(state.cities):
        zone = rw.zone(code)
        if zone is None or zone.people <= 0:
            continue
        out.append(
            Asset(
                id=f"villagers-{code}",
                kind="villagers",
                region=code,
                value_yuan=zone.people * rw.vsl_yuan,
                people=zone.people,
                lat=world.city(code).lat,
                units={
                    RuralAction.RELOCATE_VILLAGERS.value: (Per.PERSON, float(zone.people)),
                    RuralAction.PATROL_HAZARD_POINTS.value: (Per.CREW, float(zone.patrol_crews)),
                },
            )
        )
    return out


def flash_index(series: Series, asset: Asset) -> list[float]:
    """The flash-flood index of the city's hills, hourly (1 at the critical rainfall)."""
    return villages(series.world).flash_index(series.state.cities[asset.region].rain)


class GridReports(BaseModel):
    """How the grid workers report (``rural_grid``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    #: Chance per city-hour of at least one report while a precursor shows.
    p_report: float = Field(ge=0, le=1)
    #: Precursors show this many hours before the index passes a threshold of harm (a step of
    #: ``flash-flood-casualties``): the slopes and streams that fail there crack and muddy first.
    lead_h: int = Field(ge=1, le=6)
    #: Reports with nothing behind them, per city-hour in rain (the index above ``false_from``).
    false_per_city_hour: float = Field(ge=0, le=1)
    false_from: float = Field(ge=0)


class ZoneGauges:
    """The danger zones' rain gauges: the rain of the past 1, 3 and 24 h over the city's hills."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("rural_gauge", SensorNoise)

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every city's zone gauges at hour ``i``."""
        rng, noise, s = self.run.rng, self.noise, self.run.state
        rw = villages(s.world)
        for code in sorted(s.cities):
            if rw.zone(code) is None:
                continue
            late = delay(rng, noise)
            if late is None:
                continue
            rain = s.cities[code].rain
            # Several gauges over the zones: their mean reads the hills' rain to about 10 %.
            factor = max(0.0, 1.0 + rng.gauss(0, noise.sd("rain_rel_sd")))
            r1 = rain[i]
            r3 = sum(rain[max(0, i - 2) : i + 1])
            r24 = sum(rain[max(0, i - 23) : i + 1])
            emit(
                i + late,
                RuralReading(
                    event_id=self.run.event_id("rural", "gauge", code, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=code,
                    site_id=f"zone-{code}",
                    kind=ReadingKind.RAIN_GAUGE,
                    rain_1h_mm=round(clip(r1 * factor, 0, 500), 1),
                    rain_3h_mm=round(clip(r3 * factor, 0, 1000), 1),
                    rain_24h_mm=round(clip(r24 * factor, 0, 2000), 1),
                ),
            )


class GridWorkers:
    """Grid workers' reports: precursors an hour or two before the index reaches critical, and a
    few false ones while it rains."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.model = run.parameter("rural_grid", GridReports)
        rw = villages(run.state.world)
        self.index = {
            code: rw.flash_index(cs.rain)
            for code, cs in run.state.cities.items()
            if rw.zone(code) is not None
        }

    def __call__(self, i: int, emit: Emit) -> None:
        """The reports made in hour ``i`` (published at once)."""
        rng, m, s = self.run.rng, self.model, self.run.state
        kinds = list(Precursor)
        for code in sorted(self.index):
            index = self.index[code]
            ahead = max(index[i + 1 : i + m.lead_h + 1], default=0.0)
            failing = any(index[i] < t <= ahead for t in THRESHOLDS)
            real = failing and rng.random() < m.p_report
            false = not real and index[i] >= m.false_from and rng.random() < m.false_per_city_hour
            if not (real or false):
                continue
            emit(
                i,
                RuralReading(
                    event_id=self.run.event_id("rural", "report", code, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=code,
                    site_id=f"grid-{code}",
                    kind=ReadingKind.GRID_REPORT,
                    precursor=kinds[rng.randrange(len(kinds))],
                    households=rng.randint(1, 12),
                ),
            )


#: People harmed by flash floods and slides in the zones: the share of the zones' value at the
#: value of a statistical life is the expected deaths per person there (with injuries at a tenth
#: of a death each); the third figure is the people affected (受灾).
CASUALTIES = DamageRule(
    id="flash-flood-casualties",
    sector=SECTOR.name,
    impact="flash_flood_casualties",
    direct=False,
    hazards=(HazardKind.RAINSTORM,),
    asset="villagers",
    variable="flash_index",
    op="ge",
    threshold=1.0,
    unit="hour",
    mode="peak",
    steps=((1.0, 0.00002, 0.10), (1.5, 0.00006, 0.25), (2.0, 0.00015, 0.45), (3.0, 0.0003, 0.70)),
    mitigations=(
        {
            "action": RuralAction.RELOCATE_VILLAGERS.value,
            "avoid_share": 0.95,
            "people_share": 1.0,
            "lead_h": 2,
        },
        {
            "action": RuralAction.PATROL_HAZARD_POINTS.value,
            "avoid_share": 0.3,
            "people_share": 0.3,
            "lead_h": 6,
        },
    ),
)

#: The flash-flood indices at which harm steps up (where the grid workers' precursors show).
THRESHOLDS = tuple(step[0] for step in CASUALTIES.steps or ())

PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(kind="village_zone", assets=village_zones, variables={"flash_index": flash_index}),
        Exposure(kind="villagers", assets=villagers, variables={"flash_index": flash_index}),
    ),
    sensors=(
        Sensor(name="rural_gauge", topic=RURAL_OBSERVATIONS, order=110, start=ZoneGauges),
        Sensor(name="rural_grid", topic=RURAL_OBSERVATIONS, order=111, start=GridWorkers),
    ),
    parameters=(
        ModelSection(
            "rural_gauge",
            SensorNoise,
            # (?) the flash-flood monitoring system's automatic gauges report every hour over
            # the mobile network: a few readings lost or late in a storm, 10 % between the
            # gauges' mean and the hills' rain.
            default=SensorNoise(drop_p=0.03, delay_p=0.05, delay_max_h=2, rain_rel_sd=0.1),
        ),
        ModelSection(
            "rural_grid",
            GridReports,
            # (?) a grid worker or monitor who sees cracks, muddy water or falling stones reports
            # it at once (the 群测群防 system's "发现险情立即报告"); about half the city-hours with
            # precursors somewhere in the zones bring a report, one or two hours ahead of the
            # failure (李世勤 et al. 2012: 2-3 h from heavy rain to the flood); in heavy rain about
            # one city-hour in fifty brings a report with nothing behind it.
            default=GridReports(p_report=0.5, lead_h=2, false_per_city_hour=0.02, false_from=0.5),
        ),
    ),
    rules=(
        CodedRule(
            rule=CASUALTIES,
            source=(
                "people harmed in the zones (shared/world/sectors/rural.yaml: 1.47 million "
                "threatened (?), the 2015 hazard points' 452,500 and the flash-flood danger "
                "zones'): expected deaths of 2, 6, 15 and 30 per 100,000 people at a "
                "flash-flood index of 1, 1.5, 2 and 3, injuries at a tenth of a death each (?, "
                "with no warning and no move; the 2010s' successful avoidances in Jiangxi, "
                "e.g. 2016's 14 slides avoided with 463 casualties spared, show the scale a "
                "slide threatens), valued at ¥3 million a statistical life (?); 10-70 % of "
                "the zones' people affected. Moving them out at least 2 h before the critical "
                "rain spares 95 % (?: the flood comes 2-3 h after the heavy rain, 李世勤 et al. "
                "2012); patrolling the hazard points 6 h ahead finds the precursors and moves "
                "the households of the points that fail, about 30 % (?)"
            ),
        ),
    ),
)
