"""The lake computed from the rivers and the Yangtze meets the recorded Xingzi levels.

The Yangtze's stage at Hukou is the scenarios' boundary; the lake's level between it and the
record comes from the rain, the rivers' routing and the lake's area and outlet. As for every
calibration figure, the median over seeds 1..10 (ten possible events around the reconstruction)
is what meets the record.
"""

from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Any

import pytest

from services.simulator.data import get_scenario, load_records, simulation
from shared.contracts.emergency import GaugeReading

RECORDS: dict[str, Any] = load_records()["hydrographs"]


SEEDS = range(1, 11)


@pytest.mark.parametrize("scenario", sorted(RECORDS))
def test_the_lake_meets_the_recorded_levels(scenario: str) -> None:
    record = RECORDS[scenario]
    states = [simulation(get_scenario(scenario), seed).state for seed in SEEDS]
    series = [s.gauge_levels[record["gauge"]] for s in states]
    times = states[0].times
    peak = record["peak"]
    if peak is not None:
        tops = [max(levels) for levels in series]
        assert median(tops) == pytest.approx(peak["level_m"], abs=peak["tolerance_m"])
        when = datetime.fromisoformat(peak["at"])
        offsets = [
            abs((times[levels.index(max(levels))] - when).total_seconds()) / 3600
            for levels in series
        ]
        assert median(offsets) <= peak["tolerance_h"]
    for point in record["points"]:
        i = times.index(datetime.fromisoformat(point["at"]))
        at_point = median(levels[i] for levels in series)
        assert at_point == pytest.approx(point["level_m"], abs=point["tolerance_m"]), point["at"]


def test_the_gauge_readings_report_the_lake() -> None:
    sim = simulation(get_scenario("poyang-flood-2020"), 7)
    observed = [
        ev.water_level_m
        for _, ev in sim.all_events()
        if isinstance(ev, GaugeReading) and ev.gauge_id == "xingzi" and ev.water_level_m
    ]
    assert max(observed) == pytest.approx(max(sim.state.gauge_levels["xingzi"]), abs=0.1)
