"""A scenario run's own rules: one run at a time per system, and a shortened span."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dexsim.runner import RunInProgressError, exclusive_run, shortened
from services.simulator.data import get_scenario


def test_a_second_run_on_one_system_is_refused_and_names_the_first(tmp_path: Path) -> None:
    first = exclusive_run(tmp_path)
    first.__enter__()
    try:
        with pytest.raises(RunInProgressError, match=f"pid {os.getpid()}"), exclusive_run(tmp_path):
            pass
    finally:
        first.__exit__(None, None, None)
    with exclusive_run(tmp_path):  # released when the first run ended
        pass


def test_a_shortened_run_plays_whole_ticks_of_the_scenario_s_start() -> None:
    sc = get_scenario("drought-2022")  # six-hour ticks
    assert shortened(sc, None) is sc
    short = shortened(sc, 20)
    assert short.hours == 18 and short.start == sc.start
    assert shortened(sc, 10**6).hours == sc.hours
    with pytest.raises(ValueError, match="at least one tick"):
        shortened(sc, 5)
