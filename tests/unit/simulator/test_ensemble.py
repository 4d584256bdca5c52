"""One world per seed: sampled around the reconstruction, within the scenario's spread."""

from __future__ import annotations

import statistics
from datetime import timedelta

import pytest

from services.simulator.data import SCENARIO_DIR, get_scenario
from services.simulator.domain.ensemble import sample
from services.simulator.domain.scenario import Scenario, Spread
from shared.contracts.simulator import HazardKind
from shared.world import distance_km

NAMES = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))


def _middle(start: object, end: object) -> object:
    return start + (end - start) / 2  # type: ignore[operator]


@pytest.mark.parametrize("name", NAMES)
def test_without_spread_the_sample_is_the_reconstruction(name: str) -> None:
    sc = get_scenario(name).model_copy(update={"spread": Spread.none()})
    assert sample(sc, 3) == sc


@pytest.mark.parametrize("name", NAMES)
def test_each_seed_is_one_world_within_the_spread(name: str) -> None:
    sc = get_scenario(name)
    spread = sc.spread
    assert sample(sc, 5) == sample(sc, 5)
    assert sample(sc, 5) != sample(sc, 6)
    for seed in range(1, 40):
        s = sample(sc, seed)
        assert isinstance(s, Scenario)
        assert abs(s.baseline.lake_level_m - sc.baseline.lake_level_m) <= spread.lake_m + 1e-9
        for h0, h in zip(sc.hazards, s.hazards, strict=True):
            if h0.kind == HazardKind.LAKE_RISE:
                assert h == h0
                continue
            shift = abs(_middle(h.start, h.end) - _middle(h0.start, h0.end))  # type: ignore[operator]
            # Whole hours: start and end are rounded, so the middle may move one hour more.
            assert shift <= timedelta(hours=spread.timing_h + 1)
            ratio = (h.peak / h0.peak) if h.kind != HazardKind.FOG else (h0.peak / h.peak)
            assert 1 - spread.peak_share - 1e-9 <= ratio <= 1 + spread.peak_share + 1e-9
            if h0.centre is not None and h.centre is not None:
                moved = distance_km(*h0.centre, *h.centre)
                assert moved <= spread.track_km + 1


def test_the_samples_are_centred_on_the_reconstruction() -> None:
    sc = get_scenario("poyang-flood-2020")
    storm = next(i for i, h in enumerate(sc.hazards) if h.id == "rain-jingdezhen-0707")
    samples = [sample(sc, seed) for seed in range(1, 401)]
    peaks = [s.hazards[storm].peak for s in samples]
    assert statistics.median(peaks) == pytest.approx(sc.hazards[storm].peak, rel=0.05)
    lakes = [s.baseline.lake_level_m for s in samples]
    assert statistics.median(lakes) == pytest.approx(sc.baseline.lake_level_m, abs=0.05)
    shifts = [
        (
            _middle(s.hazards[storm].start, s.hazards[storm].end)  # type: ignore[operator]
            - _middle(sc.hazards[storm].start, sc.hazards[storm].end)
        ).total_seconds()
        / 3600
        for s in samples
    ]
    assert statistics.median(shifts) == pytest.approx(0, abs=1.5)
    # And they do spread: not every seed is the same event.
    assert len({round(p, 3) for p in peaks}) > 300
