"""The energy plug-in: its assets, its monitors and its losses in the scenarios that have them."""

from __future__ import annotations

from collections import Counter

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.impacts import derive_truth
from shared.contracts.energy import ENERGY_OBSERVATIONS, GridReading, SiteKind
from shared.contracts.simulator import ImpactOccurred
from tests.factories.simulator import short


def energy_impacts(name: str, days: int | None = None) -> list[ImpactOccurred]:
    sc = short(name, days) if days else get_scenario(name)
    sim = simulation(sc, 1)
    return [
        it.event
        for it in derive_truth(sim.state, sim.sectors.impacts)
        if isinstance(it.event, ImpactOccurred) and it.event.sector == "energy"
    ]


def test_freezing_rain_ices_lines_and_turbines() -> None:
    rules = Counter(i.impact_kind for i in energy_impacts("freezing-rain-2008", 6))
    assert rules["power_line_icing"] > 0 and rules["turbine_icing"] > 0
    assert rules["unserved_energy"] == 0


def test_the_heat_wave_leaves_load_unserved_that_reserve_and_orderly_use_avoid() -> None:
    impacts = [i for i in energy_impacts("heatwave-rice-flowering") if i.loss_yuan > 0]
    assert impacts and {i.impact_kind for i in impacts} == {"unserved_energy"}
    actions = {m.action for i in impacts for m in i.mitigations}
    assert actions == {"schedule_reserve", "orderly_power_use"}


def test_the_monitors_report_ice_and_load() -> None:
    sim = simulation(short("freezing-rain-2008", 2), 1)
    readings = [e for spec, e in sim.all_events() if spec == ENERGY_OBSERVATIONS]
    assert all(isinstance(r, GridReading) for r in readings)
    kinds = Counter(r.kind for r in readings if isinstance(r, GridReading))
    assert kinds[SiteKind.CORRIDOR] and kinds[SiteKind.WIND_FARM] and kinds[SiteKind.LOAD_AREA]
    iced = [r for r in readings if isinstance(r, GridReading) and (r.ice_mm or 0) > 5]
    assert iced
