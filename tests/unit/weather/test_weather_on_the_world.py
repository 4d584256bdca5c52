"""The weather service's warnings over a simulated world agree with that world's truth where they
are based on observations: a warning observed at a station is one the truth supports at the
reference height (the altitude reduction), never a mountain top speaking for its city."""

from __future__ import annotations

from services.simulator.data import get_scenario, simulation
from shared.contracts.weather import (
    Basis,
    ForecastIssued,
    SignalType,
    StationObservation,
    WarningIssued,
)
from tests.factories.weather import engine as new_engine


def _warnings(scenario: str, seed: int) -> tuple[list[WarningIssued], object]:
    sim = simulation(get_scenario(scenario), seed)
    eng = new_engine()
    out: list[WarningIssued] = []
    for _, event in sim.all_events():
        if isinstance(event, StationObservation):
            out += eng.on_observation(event)
        elif isinstance(event, ForecastIssued):
            out += eng.on_forecast(event)
    return out, sim.state


def test_the_fog_world_has_no_observed_frost_and_no_frost_for_jiujiang() -> None:
    warnings, state = _warnings("fog-expressway", 7)
    frost = [w for w in warnings if w.signal == SignalType.FROST]
    # The truth's dawn ground stays above freezing at the reference height everywhere ...
    assert min(min(c.ground_temp) for c in state.cities.values()) > 0.5  # type: ignore[attr-defined]
    # ... so no station may report frost for its city, Lushan (1,165 m) included.
    assert [w for w in frost if w.basis == Basis.OBSERVED] == []
    assert [w for w in frost if w.region == "360400"] == []
