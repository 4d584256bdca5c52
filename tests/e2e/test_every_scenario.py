"""Every scenario in the library, fused twice and with fusion off, through ``dexsim run`` (slow).

What must hold for each, whatever its figures: the run is lockstep (no late tick), a second run
of the same world gives the same scores, every sector the referee scores is scored in both
modes, the control (fusion off) gives the siloed value to both modes and a multiplier of 1.0
wherever one is defined, and the in-process bus gives both runs' scores exactly.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Dexsim, play

# The default 300 s limit guards against hangs; two whole runs per scenario take longer on a
# busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(2400)]


def _scenarios() -> list[str]:
    from services.simulator.data import load_scenarios

    return sorted(load_scenarios())


@pytest.mark.parametrize("scenario", _scenarios())
def test_every_scenario_runs_lockstep_and_its_control_is_neutral(
    dexsim: Dexsim, scenario: str, tmp_path: Path
) -> None:
    on = play(dexsim, tmp_path / "on.json", "--no-flows", scenario=scenario)
    again = play(dexsim, tmp_path / "again.json", "--no-flows", scenario=scenario)
    off = play(dexsim, tmp_path / "off.json", "--fusion", "off", scenario=scenario)
    # One world, two runs: the same scores to the yuan (lockstep and a fixed order per tick).
    assert (again["sectors"], again["overall"]) == (on["sectors"], on["overall"])
    assert again["events"] == on["events"]
    for doc in (on, again, off):
        assert doc["run"]["late"] == [], (doc["fusion"], doc["run"])
        assert doc["events"]["dlq"] == 0
    assert on["run"]["id"] != off["run"]["id"]
    assert set(on["sectors"]) == set(off["sectors"])
    for name, sector in off["sectors"].items():
        assert sector["fused"]["value_yuan"] == sector["siloed"]["value_yuan"], name
        assert sector["multiplier"] in (None, 1.0), name
        # The siloed path never reads another sector, so fusion cannot change it.
        assert on["sectors"][name]["siloed"] == sector["siloed"], name
    # The differential test of the two paths: the in-process bus (ensembles, sweeps, the flows'
    # values) scores this world exactly as the run through the broker did.
    from dexsim.inprocess import WorldSpec, score, simulate

    ticks = simulate(WorldSpec(scenario, on["seed"]))
    assert score(ticks) == {**on["sectors"], "overall": on["overall"]}
    assert score(ticks, fusion=False) == {**off["sectors"], "overall": off["overall"]}
