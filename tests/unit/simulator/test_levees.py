"""Levees fail at random, more often the higher and the longer the water stands."""

from __future__ import annotations

import random

from services.simulator.domain.floodplains import breach_hour

WARNING, GUARANTEED = 28.5, 31.5


def _fails(stage: float, hours: int, draws: list[float]) -> float:
    """The share of levees (one per draw) that fail with ``stage`` held for ``hours``."""
    levels = [stage] * hours
    return sum(
        breach_hour(
            levels,
            warning_m=WARNING,
            guaranteed_m=GUARANTEED,
            rate_at_guaranteed=0.002,
            growth_per_m=2.3,
            draw=u,
        )
        is not None
        for u in draws
    ) / len(draws)


DRAWS = [random.Random(i).random() for i in range(2000)]


def test_below_the_warning_level_no_levee_fails() -> None:
    assert _fails(WARNING - 0.01, 24 * 30, DRAWS) == 0.0


def test_higher_and_longer_means_more_breaches() -> None:
    by_stage = [_fails(GUARANTEED + dz, 24, DRAWS) for dz in (-1.0, 0.0, 1.0, 2.0)]
    assert by_stage == sorted(by_stage) and by_stage[0] < by_stage[-1]
    by_time = [_fails(GUARANTEED, h, DRAWS) for h in (6, 24, 96)]
    assert by_time == sorted(by_time) and by_time[0] < by_time[-1]


def test_the_breach_chance_follows_the_hazard_rate() -> None:
    # A day at the guaranteed level: 1 - exp(-24 * 0.002), about 4.7%.
    assert abs(_fails(GUARANTEED, 24, DRAWS) - 0.047) < 0.015


def test_a_breach_is_at_the_first_hour_the_hazard_reaches_the_draw() -> None:
    levels = [WARNING - 1] * 5 + [GUARANTEED + 2.0] * 10
    at = breach_hour(
        levels,
        warning_m=WARNING,
        guaranteed_m=GUARANTEED,
        rate_at_guaranteed=0.002,
        growth_per_m=2.3,
        draw=0.5,
    )
    # 0.002 * e^4.6 = 0.199 per hour; -ln(0.5) = 0.693 is reached in the fourth hour above.
    assert at == 5 + 3
