"""The referee exports an ensemble's bands as gauges with a ``quantile`` label."""

from __future__ import annotations

import math

from prometheus_client import REGISTRY

from services.referee.domain import RefereeState
from services.referee.streams import ENSEMBLES, on_ensemble
from shared.contracts.referee import EnsembleSummarized, ensemble_event


def doc(gain: dict[str, float] | None) -> dict[str, object]:
    block = {
        "rev_siloed": {"p5": 0.1, "p50": 0.2, "p95": 0.3},
        "rev_fused": None,
        "gain_yuan": gain,
        "gap_closed": None,
        "multiplier": None,
        "multiplier_reason": "n/a in 3 of 3 worlds",
    }
    return {
        "scenario": "gauge-test",
        "seeds": [1, 2, 3],
        "hours": None,
        "sectors": {"agriculture": block},
        "overall": dict(block),
        "flows": [
            {
                "source": "weather",
                "target": "agriculture",
                "topic": "weather.forecasts.v1",
                "value_yuan": {"p5": -1.0, "p50": 2.0, "p95": 5.0},
                "seeds": [1, 2],
            }
        ],
    }


def sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_every_band_becomes_three_quantiles_and_undefined_ones_are_nan() -> None:
    spec, event = ensemble_event(doc({"p5": -3.0, "p50": 4.0, "p95": 9.0}))
    assert isinstance(event, EnsembleSummarized) and spec.name in {s.name for s in ENSEMBLES.reads}
    state = RefereeState()
    assert on_ensemble(state, event) == []
    assert state.ensembles["gauge-test"] is event
    gain = "dex_ensemble_value_gain_yuan"
    for quantile, value in (("0.05", -3.0), ("0.5", 4.0), ("0.95", 9.0)):
        found = sample(gain, scenario="gauge-test", sector="agriculture", quantile=quantile)
        assert found == value
    rev = sample(
        "dex_ensemble_relative_value", scenario="gauge-test", sector="overall", mode="fused",
        quantile="0.5",
    )  # fmt: skip
    assert rev is not None and math.isnan(rev)
    flow = sample(
        "dex_flow_value_yuan", scenario="gauge-test", source="weather", target="agriculture",
        topic="weather.forecasts.v1", quantile="0.95",
    )  # fmt: skip
    assert flow == 5.0
    assert event.flow_seeds == 2 and event.seeds == 3 and event.first_seed == 1


def test_a_later_ensemble_of_the_scenario_replaces_the_gauges() -> None:
    state = RefereeState()
    on_ensemble(state, ensemble_event(doc({"p5": 1.0, "p50": 2.0, "p95": 3.0}))[1])
    on_ensemble(state, ensemble_event(doc(None))[1])
    found = sample(
        "dex_ensemble_value_gain_yuan", scenario="gauge-test", sector="agriculture", quantile="0.5"
    )
    assert found is not None and math.isnan(found)


def test_the_ensemble_agent_is_outside_the_lockstep() -> None:
    assert ENSEMBLES.lockstep is False and ENSEMBLES.forward_markers is False
