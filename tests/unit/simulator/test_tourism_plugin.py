"""The tourism plug-in: its scenic areas, its sensors, and its losses where the library has them."""

from __future__ import annotations

from collections import Counter

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.impacts import derive_truth
from services.simulator.sectors.tourism import PLUGIN, STEP_YUAN, spell_totals
from shared.contracts.simulator import ImpactOccurred
from shared.contracts.tourism import TOURISM_OBSERVATIONS, TourismAction, TourismReading
from shared.world.sectors.tourism import MITIGATIONS, PUBLISH
from tests.factories.simulator import short


def tourism_impacts(name: str, days: int | None = None) -> list[ImpactOccurred]:
    sc = short(name, days) if days else get_scenario(name)
    sim = simulation(sc, 1)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred) and it.event.sector == "tourism"
    ]


def test_the_scenic_areas_are_the_scenario_s_and_count_their_actions() -> None:
    sim = simulation(short("freezing-rain-2008", 1), 1)
    (exposure,) = PLUGIN.exposures
    areas = {a.id: a for a in exposure.assets(sim.state)}
    assert set(areas) == {
        "lushan",
        "sanqingshan",
        "jinggangshan",
        "longhushan",
        "wuyuan",
        "tengwangge",
    }
    lushan = areas["lushan"]
    assert lushan.region == "360400" and lushan.people > 1000
    assert lushan.units[TourismAction.STOP_CABLE_CARS.value][1] == 2
    assert TourismAction.STOP_CABLE_CARS.value not in areas["tengwangge"].units
    assert TourismAction.PUBLISH_LANDSCAPE_FORECAST.value not in areas["longhushan"].units


def test_a_spell_accumulates_and_ends_after_a_day_without_harm() -> None:
    totals = spell_totals([1.0, 0.0, 2.0] + [0.0] * 24 + [5.0], gap_h=24)
    assert totals[:3] == [1.0, 1.0, 3.0]
    assert totals[25] == 3.0  # 23 quiet hours: the spell goes on
    assert totals[26] == 0.0 and totals[27] == 5.0


def test_the_freezing_rain_ices_the_mountains_and_closing_avoids_most_of_it() -> None:
    impacts = tourism_impacts("freezing-rain-2008", 6)
    kinds = Counter(i.impact_kind for i in impacts)
    assert kinds["visitor_ice"] > 0
    ice = [i for i in impacts if i.impact_kind == "visitor_ice"]
    assert all(not i.direct_loss and i.loss_yuan == STEP_YUAN for i in ice)
    assert "lushan" in {i.asset_id for i in ice}
    (close,) = [m for m in ice[0].mitigations if m.action == "close_area"]
    share = MITIGATIONS[next(iter(MITIGATIONS))][TourismAction.CLOSE_AREA].avoid_share
    assert close.avoidable_yuan == round(STEP_YUAN * share, 2)


def test_the_heat_wave_harms_the_low_areas_only() -> None:
    areas = {i.asset_id for i in tourism_impacts("heatwave-rice-flowering")}
    assert areas and areas <= {"tengwangge", "longhushan", "wuyuan"}


def test_the_flood_rains_bring_storm_harm_and_a_sea_of_clouds_can_be_announced() -> None:
    impacts = tourism_impacts("poyang-flood-2020")
    kinds = Counter(i.impact_kind for i in impacts)
    assert kinds["visitor_storm"] > 10
    assert sum(i.loss_yuan for i in impacts) > 10_000_000  # material
    missed = [i for i in tourism_impacts("fog-expressway") if i.impact_kind == "landscape_missed"]
    assert missed
    (publish,) = missed[0].mitigations
    assert publish.action == "publish_landscape_forecast"
    assert publish.avoidable_yuan == round(STEP_YUAN * PUBLISH.avoid_share, 2)


def test_the_areas_report_their_weather_gates_and_landscapes() -> None:
    sim = simulation(short("freezing-rain-2008", 2), 1)
    readings = [e for spec, e in sim.all_events() if spec == TOURISM_OBSERVATIONS]
    assert readings and all(isinstance(r, TourismReading) for r in readings)
    lushan = [r for r in readings if isinstance(r, TourismReading) and r.site_id == "lushan"]
    assert lushan and all((r.temp_c or 0) < 0 for r in lushan)  # 1,164 m in the freezing rain
    assert any(r.road_icy for r in lushan) and any((r.visitors or 0) > 0 for r in lushan)
