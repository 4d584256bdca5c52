"""Load shapes: steady, step-up, and a storm surge where report rates spike as a hazard hits.

A shape sets the number of users over time; the storm also raises how often each citizen-report
user calls (``surge_factor``), as hotlines do when the rain arrives.
"""

from __future__ import annotations

from typing import ClassVar

from locust import LoadTestShape

_surge = 1.0


def surge_factor() -> float:
    """How many times its normal rate a surge-sensitive user sends at right now."""
    return _surge


class _Planned(LoadTestShape):
    """A shape from a plan: ``(users, spawn rate, surge)`` at each second of the run."""

    abstract = True
    users: ClassVar[int] = 20
    seconds: ClassVar[float] = 60.0

    def plan(self, t: float) -> tuple[int, float, float]:
        """Users, spawn rate (users/s) and surge factor at ``t`` seconds into the run."""
        raise NotImplementedError

    def tick(self) -> tuple[int, float] | None:
        """Locust's hook: the next step, or None to stop."""
        global _surge
        t = self.get_run_time()
        if t >= self.seconds:
            return None
        users, rate, _surge = self.plan(t)
        return max(1, users), rate


class SteadyShape(_Planned):
    """The same users from start to end."""

    def plan(self, t: float) -> tuple[int, float, float]:
        """All users, ramped up over the first ~5 s."""
        return self.users, max(1.0, self.users / 5), 1.0


class StepUpShape(_Planned):
    """A quarter of the users, then half, three quarters and all, in four equal steps."""

    def plan(self, t: float) -> tuple[int, float, float]:
        """The step ``t`` falls in."""
        step = min(3, int(4 * t / self.seconds))
        return round(self.users * (step + 1) / 4), max(1.0, self.users / 4), 1.0


class StormSurgeShape(_Planned):
    """Quiet, then a storm: users triple within a tenth of the run and reports come 5x as often.

    30% of the run at a third of the users; 10% ramping to all of them as the hazard hits; 30%
    at the peak; the rest back to a third, with reports still at 1.5x (the aftermath).
    """

    def plan(self, t: float) -> tuple[int, float, float]:
        """Baseline, surge, peak or aftermath, by the share of the run elapsed."""
        share = t / self.seconds
        base = max(1, self.users // 3)
        if share < 0.3:
            return base, max(1.0, base / 3), 1.0
        if share < 0.4:
            return self.users, max(1.0, self.users / 2), 1.0 + 4.0 * (share - 0.3) / 0.1
        if share < 0.7:
            return self.users, max(1.0, self.users / 2), 5.0
        return base, max(1.0, self.users / 2), 1.5


SHAPES: dict[str, type[_Planned]] = {
    "steady": SteadyShape,
    "step": StepUpShape,
    "storm": StormSurgeShape,
}


def pick(name: str, *, users: int, seconds: float) -> type[LoadTestShape]:
    """The shape called ``name``, for ``users`` peak users over ``seconds``."""
    try:
        base = SHAPES[name]
    except KeyError:
        raise ValueError(f"unknown shape {name!r}; known: {', '.join(SHAPES)}") from None
    return type(base.__name__, (base,), {"users": users, "seconds": seconds})
