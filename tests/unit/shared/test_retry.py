"""Patience: the backoff, the limit and the rate of its lines."""

from __future__ import annotations

import time

from shared.retry import Patience


def test_the_wait_doubles_to_its_cap_and_never_passes_the_limit() -> None:
    p = Patience(limit_s=100, first_s=0.5, most_s=5)
    assert [p.next_delay() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]
    late = Patience(limit_s=1, first_s=5, began=time.monotonic() - 0.5)
    assert late.next_delay() <= 0.5


def test_it_speaks_once_per_interval_and_gives_up_past_the_limit() -> None:
    p = Patience(limit_s=60, say_every_s=3600)
    assert not p.said_anything
    assert p.say() and not p.say() and p.said_anything
    assert not p.exhausted
    assert Patience(limit_s=1, began=time.monotonic() - 2).exhausted
