"""The tourism sector's world: the scenic areas' visitors, the weather's harm to them, the
landscapes that bring more of them, and the areas' own sensors.

Assets (``scenic_area``, one per scenic area of ``shared/world/sectors/tourism.yaml`` in the
scenario's cities): the area's visitors. Its weather is its city's true hourly fields taken to the
visitors' height (``TourismWorld.at_area``: colder, wetter, gustier, moister higher up).

Losses, all owned by tourism and none of them a disaster's direct economic loss as the records
count it (``direct=False``: harm to visitors valued with the value of a statistical life, lost
revenue), so the calibration against the record is unchanged; no other sector owns harm to
visitors (emergency's flash floods and glaze count residents and buildings, transport's
accidents the expressways' traffic):

- ``tourism-<hazard>`` for ice, storm, heat, fog and gale: the expected harm to the visitors in
  the area while it is open and nothing is done (``TourismWorld.harm_yuan``: visitors present
  that hour × the harm of a visitor-day × the severity × the area's exposure), accumulated over
  a spell (reset after ``SPELL_GAP_H`` hours without harm); each ``STEP_YUAN`` of it is one
  impact. Closing the area, limiting visitors, advising them and stopping the cable cars avoid
  the shares in ``MITIGATIONS``;
- ``tourism-landscape-missed``: a rime or sea-of-clouds morning that comes unannounced loses the
  extra visitors an announcement would have brought (``landscape_gain_yuan``, once a local day);
  ``publish_landscape_forecast`` in place ``PUBLISH.lead_h`` ahead avoids ``PUBLISH.avoid_share``.

Sensors (``tourism.observations.v1``, every hour, with loss and delay): each area's weather
station, road-surface sensor, gate count and landscape webcam, from the true fields with noise.
"""

from __future__ import annotations

import math
from datetime import UTC

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
    Variable,
    WorldState,
    clip,
    delay,
)
from shared.contracts.simulator import HazardKind
from shared.contracts.tourism import (
    SECTOR,
    TOURISM_OBSERVATIONS,
    Landscape,
    TourismAction,
    TourismHazard,
    TourismReading,
)
from shared.world import BEIJING_OFFSET, DamageRule
from shared.world.costs import Per
from shared.world.sectors.tourism import (
    MITIGATIONS,
    PUBLISH,
    Area,
    CityHour,
    Conditions,
    TourismWorld,
    tourism,
)

#: Harm (and missed landscape revenue) is counted in steps of this many yuan, each step one
#: impact, up to ``STEPS`` of them per area, rule and spell (¥100 million).
STEP_YUAN = 250_000.0
STEPS = 400
#: Hours without harm that end a spell (the next harm starts a new one).
SPELL_GAP_H = 24
#: The scenario hazards each loss is attributed to.
HAZARDS: dict[TourismHazard, tuple[HazardKind, ...]] = {
    TourismHazard.ICE: (HazardKind.FREEZING_RAIN, HazardKind.COLD_WAVE),
    TourismHazard.STORM: (HazardKind.RAINSTORM,),
    TourismHazard.HEAT: (HazardKind.HEAT_WAVE,),
    TourismHazard.FOG: (HazardKind.FOG,),
    TourismHazard.GALE: (HazardKind.GALE,),
}
LANDSCAPE_HAZARDS = (
    HazardKind.FOG,
    HazardKind.RAINSTORM,
    HazardKind.COLD_WAVE,
    HazardKind.FREEZING_RAIN,
)


def _month(state: WorldState, i: int) -> int:
    return (state.times[i].astimezone(UTC) + BEIJING_OFFSET).month


def city_hours(state: WorldState, code: str) -> list[CityHour]:
    """City ``code``'s true weather, hour by hour, in the form the area model takes."""
    c = state.cities[code]
    out = []
    for i in range(state.hours):
        out.append(
            CityHour(
                temp_c=c.temp[i],
                rain_mm=c.rain[i],
                rain_24h_mm=c.rain_24h[i],
                gust_ms=c.gust[i],
                visibility_m=c.visibility[i],
                humidity_pct=c.humidity[i],
                rain_12h_mm=sum(c.rain[max(0, i - 11) : i + 1]),
            )
        )
    return out


def area_conditions(state: WorldState, area: Area) -> list[Conditions]:
    """The weather where ``area``'s visitors are, hour by hour."""
    t = tourism(state.world)
    return [t.at_area(area, h) for h in city_hours(state, area.city)]


def scenic_areas(state: WorldState) -> list[Asset]:
    """Every scenic area of the scenario's cities, with the units of each action it counts."""
    t = tourism(state.world)
    month = _month(state, 0)
    out = []
    for area in t.areas:
        if area.city not in state.cities:
            continue
        units = {
            a.value: (Per.FACILITY, q) for a in TourismAction if (q := t.units(area, a, month)) > 0
        }
        out.append(
            Asset(
                id=area.id,
                kind="scenic_area",
                region=area.city,
                value_yuan=STEPS * STEP_YUAN,
                people=round(t.visitors(area, month)),
                lat=area.lat,
                units=units,
            )
        )
    return out


def spell_totals(increments: list[float], gap_h: int = SPELL_GAP_H) -> list[float]:
    """Each hour's total of ``increments`` since the spell began; a spell ends after ``gap_h``
    hours without any."""
    total, quiet, out = 0.0, 0, []
    for x in increments:
        if x > 0:
            total += x
            quiet = 0
        else:
            quiet += 1
            if quiet >= gap_h:
                total = 0.0
        out.append(total)
    return out


def _harm_variable(hazard: TourismHazard) -> Variable:
    def harm(series: Series, asset: Asset) -> list[float]:
        s = series.state
        t = tourism(series.world)
        area = t.area(asset.id)
        hourly = [
            t.harm_yuan(area, hazard, t.severity(hazard, c), _month(s, i), s.local_hours[i])
            for i, c in enumerate(area_conditions(s, area))
        ]
        return spell_totals(hourly)

    return harm


def landscape_days(state: WorldState, area: Area, t: TourismWorld) -> list[Landscape | None]:
    """The landscape ``area`` shows in each hour (the first one of a local day counts)."""
    cities = city_hours(state, area.city)
    return [
        t.landscape_at(area, c, cities[i], state.local_hours[i])
        for i, c in enumerate(area_conditions(state, area))
    ]


def landscape_gain(series: Series, asset: Asset) -> list[float]:
    """The extra visitors' revenue the area's landscape days would bring, over a spell: each
    local day's gain on its first landscape hour."""
    s = series.state
    t = tourism(series.world)
    area = t.area(asset.id)
    seen: set[int] = set()
    hourly = []
    for i, shown in enumerate(landscape_days(s, area, t)):
        day = series.day_of_hour[i]
        if shown is not None and day not in seen:
            seen.add(day)
            hourly.append(t.landscape_gain_yuan(area, _month(s, i)))
        else:
            hourly.append(0.0)
    return spell_totals(hourly)


_STEPS = tuple((k * STEP_YUAN, k / STEPS) for k in range(1, STEPS + 1))


def harm_rule(hazard: TourismHazard) -> DamageRule:
    """The rule of ``hazard``'s harm to visitors: a step per ``STEP_YUAN`` of it."""
    return DamageRule(
        id=f"tourism-{hazard.value}",
        sector=SECTOR.name,
        impact=f"visitor_{hazard.value}",
        direct=False,
        hazards=HAZARDS[hazard],
        asset="scenic_area",
        variable=f"{hazard.value}_harm_yuan",
        op="ge",
        threshold=STEP_YUAN,
        unit="hour",
        mode="peak",
        reset_h=1,
        steps=_STEPS,
        mitigations=tuple(
            {"action": a.value, "avoid_share": m.avoid_share, "lead_h": m.lead_h}
            for a, m in MITIGATIONS[hazard].items()
        ),
    )


LANDSCAPE_MISSED = DamageRule(
    id="tourism-landscape-missed",
    sector=SECTOR.name,
    impact="landscape_missed",
    direct=False,
    hazards=LANDSCAPE_HAZARDS,
    asset="scenic_area",
    variable="landscape_gain_yuan",
    op="ge",
    threshold=STEP_YUAN,
    unit="hour",
    mode="peak",
    reset_h=1,
    steps=_STEPS,
    mitigations=(
        {
            "action": TourismAction.PUBLISH_LANDSCAPE_FORECAST.value,
            "avoid_share": PUBLISH.avoid_share,
            "lead_h": PUBLISH.lead_h,
        },
    ),
)

_HARM_SOURCE = {
    TourismHazard.ICE: "ice on the area's roads, steps and cableways (at or below 0 °C with "
    "0.5 mm in 24 h): ¥500 a visitor-day (?, slips, crashes on the hairpins valued at a VSL of "
    "¥5.1 million (Cao et al. 2021), strandings)",
    TourismHazard.STORM: "a rainstorm day on the area (50/100/200 mm in 24 h, GB/T 28592-2012, "
    "orographic rain (?)): ¥250 a visitor-day at severity 1-3 (?, flash floods, rockfalls, "
    "lightning)",
    TourismHazard.HEAT: "the area at 35 °C and above (CMA): ¥50 a visitor-day at 37 °C (?, heat "
    "illness and heatstroke)",
    TourismHazard.FOG: "visibility under 200 m (50 m: twice) on the roads and cliff trails: ¥80 "
    "a visitor-day (?)",
    TourismHazard.GALE: "gusts of 15 m/s (20 m/s: twice) where the visitors are (cableways stop "
    "at about that speed, GB 12352): ¥300 a visitor-day (?)",
}


class AreaSensors:
    """Each area's station, road sensor, gate count and webcam, from the truth with noise."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("tourism_area", SensorNoise)
        s = run.state
        self.tourism = tourism(s.world)
        self.areas = [a for a in self.tourism.areas if a.city in s.cities]
        self.conditions = {a.id: area_conditions(s, a) for a in self.areas}
        self.landscapes = {a.id: landscape_days(s, a, self.tourism) for a in self.areas}

    def __call__(self, i: int, emit: Emit) -> None:
        """Read every area of the scenario's cities at hour ``i``."""
        rng, noise, s, t = self.run.rng, self.noise, self.run.state, self.tourism
        month, hour = _month(s, i), s.local_hours[i]
        for area in self.areas:
            late = delay(rng, noise)
            if late is None:
                continue
            c = self.conditions[area.id][i]
            rel = math.exp(rng.gauss(0, noise.sd("rain_rel_sd")))
            present = t.visitors(area, month) * t.presence[hour]
            emit(
                i + late,
                TourismReading(
                    event_id=self.run.event_id("tourism", area.id, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=area.city,
                    site_id=area.id,
                    temp_c=round(clip(c.temp_c + rng.gauss(0, noise.sd("temp_sd_c")), -60, 60), 1),
                    rain_mm=round(clip(c.rain_mm * rel, 0, 500), 1),
                    rain_24h_mm=round(clip(c.rain_24h_mm * rel, 0, 2000), 1),
                    gust_ms=round(
                        clip(c.gust_ms + rng.gauss(0, noise.sd("gust_sd_ms")), 0, 120), 1
                    ),
                    visibility_m=round(
                        clip(
                            c.visibility_m * math.exp(rng.gauss(0, noise.sd("vis_rel_sd"))), 0, 1e5
                        )
                    ),
                    humidity_pct=(
                        None if c.humidity_pct is None else round(min(100.0, c.humidity_pct), 1)
                    ),
                    road_icy=c.icy,
                    visitors=round(present * math.exp(rng.gauss(0, noise.sd("count_rel_sd")))),
                    landscape=self.landscapes[area.id][i],
                ),
            )


PLUGIN = SectorPlugin(
    sector=SECTOR,
    exposures=(
        Exposure(
            kind="scenic_area",
            assets=scenic_areas,
            variables={
                **{f"{h.value}_harm_yuan": _harm_variable(h) for h in TourismHazard},
                "landscape_gain_yuan": landscape_gain,
            },
            city_variables=False,
        ),
    ),
    sensors=(
        Sensor(name="tourism_area", topic=TOURISM_OBSERVATIONS, order=100, start=AreaSensors),
    ),
    parameters=(
        ModelSection(
            "tourism_area",
            SensorNoise,
            # (?) an automatic weather station and road sensor at each area, gates and webcams on
            # the operator's network: few readings lost or late, 0.3 °C, 5 % rain, 1 m/s gusts,
            # 15 % visibility, 5 % on the gate count.
            default=SensorNoise(
                drop_p=0.01,
                delay_p=0.03,
                delay_max_h=2,
                rain_rel_sd=0.05,
                temp_sd_c=0.3,
                gust_sd_ms=1.0,
                vis_rel_sd=0.15,
                count_rel_sd=0.05,
            ),
        ),
    ),
    rules=(
        *(
            CodedRule(
                rule=harm_rule(h),
                source=(
                    f"{_HARM_SOURCE[h]}; each ¥250,000 of expected harm to the visitors of an "
                    "open area is one impact; shares avoided by each action in "
                    "shared/world/sectors/tourism.py MITIGATIONS (?), figures in tourism.yaml"
                ),
            )
            for h in TourismHazard
        ),
        CodedRule(
            rule=LANDSCAPE_MISSED,
            source=(
                "a rime or sea-of-clouds morning (conditions in "
                "shared/world/sectors/tourism.yaml (?)) unannounced loses the 30 % more visitors "
                "(?) an announcement brings, at their ticket and spend times the share kept "
                "(0.6 (?)); a forecast out 18 h ahead brings 70 % of them (?)"
            ),
        ),
    ),
)
