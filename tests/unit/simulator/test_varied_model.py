"""A sweep's variations of the observation model: forecast error scaled, sensors made lossier."""

from __future__ import annotations

import pytest

from services.simulator.data import load_observation_model, resolve_scenario, simulation
from services.simulator.domain.observations import FORECAST_ERROR_FIELDS
from shared.contracts.weather import ForecastIssued

MODEL = load_observation_model()


def test_the_defaults_change_nothing() -> None:
    assert MODEL.varied() is MODEL


def test_forecast_error_scales_every_error_size_and_nothing_else() -> None:
    doubled = MODEL.varied(forecast_error=2.0).root["forecast"]
    base = MODEL.root["forecast"]
    for key, value in base.items():
        expected = value * 2 if key in FORECAST_ERROR_FIELDS else value
        assert doubled[key] == pytest.approx(expected), key
    assert all(
        MODEL.varied(forecast_error=0.0).root["forecast"][k] == 0 for k in FORECAST_ERROR_FIELDS
    )


def test_dropout_adds_to_every_sensor_s_loss() -> None:
    lossy = MODEL.varied(sensor_dropout=0.5).root
    for name, section in MODEL.root.items():
        if "drop_p" in section:
            assert lossy[name]["drop_p"] == pytest.approx(1 - (1 - section["drop_p"]) * 0.5)


@pytest.mark.parametrize("bad", [{"forecast_error": -1.0}, {"sensor_dropout": 1.0}])
def test_out_of_range_variations_are_refused(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="forecast_error must be"):
        MODEL.varied(**bad)


def test_perfect_forecasts_match_the_truth_s_heat() -> None:
    """At forecast_error 0 a heat wave's forecast temperatures are the truth's, but for the
    background noise of the diurnal cycle (temp_sd_* is scaled to 0 as well)."""
    sc = resolve_scenario("heatwave-rice-flowering")
    sim = simulation(sc, 3, model=MODEL.varied(forecast_error=0.0))
    index = {t: j for j, t in enumerate(sim.state.times)}
    worst = 0.0
    for batch in sim.batches():
        for _, event in batch.events:
            if isinstance(event, ForecastIssued):
                truth = sim.state.cities[event.region].temp
                for step in event.steps:
                    assert step.temp_c is not None
                    worst = max(worst, abs(step.temp_c - truth[index[step.valid_at]]))
        if batch.tick > 48:
            break
    assert worst <= 0.05 + 1e-9  # rounding to 0.1 °C
