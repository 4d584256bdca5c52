"""The simulated clock's decision logic: how long a tick lasts in wall time and when to advance.

Modes: ``realtime`` (1 simulated second per wall second), ``speed`` (a chosen speed-up), ``max``
(no pacing) and ``lockstep`` (as fast as the services keep up: after each tick wait until every
expected service has reported a watermark for it, or until a timeout that is then reported).
The waiting itself happens in the adapter; this module only decides.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from shared.contracts.envelope import derived_id
from shared.contracts.simulator import PROVINCE_REGION, TickAdvanced


class Pace(enum.StrEnum):
    """How simulated time maps to wall time."""

    REALTIME = "realtime"
    SPEED = "speed"
    MAX = "max"
    LOCKSTEP = "lockstep"


@dataclass(frozen=True)
class ClockPolicy:
    """The clock's settings for one run."""

    pace: Pace
    tick_seconds: float
    speed: float = 1.0
    expected_services: frozenset[str] = frozenset()
    watermark_timeout_s: float = 30.0
    #: Lockstep only: also keep to ``speed`` (a tick takes at least tick_seconds / speed).
    paced: bool = False
    #: How long the clock waits out a broker that does not take a tick before the run stops.
    broker_wait_s: float = 120.0

    def __post_init__(self) -> None:
        if self.tick_seconds <= 0:
            raise ValueError("tick_seconds must be positive")
        if self.pace == Pace.SPEED and self.speed <= 0:
            raise ValueError("speed must be positive")
        if self.pace == Pace.LOCKSTEP and not self.expected_services:
            raise ValueError("lockstep needs the services whose watermarks it waits for")
        if self.watermark_timeout_s <= 0:
            raise ValueError("watermark_timeout_s must be positive")

    @classmethod
    def parse(
        cls,
        speed: str,
        *,
        tick_seconds: float,
        services: frozenset[str] = frozenset(),
        timeout_s: float = 30.0,
    ) -> ClockPolicy:
        """Build a policy from a CLI speed (``max``, ``realtime`` or a number) and services.

        With expected services the clock runs in lockstep (it waits for every watermark); a
        number or ``realtime`` then also sets the least wall time a tick takes, so a watched demo
        can be slowed down without losing lockstep.
        """
        if services:
            factor = 0.0  # as fast as the services keep up
            if speed == "realtime":
                factor = 1.0
            elif speed != "max":
                try:
                    factor = float(speed)
                except ValueError:
                    raise ValueError(
                        f"speed {speed!r} is not 'max', 'realtime' or a number"
                    ) from None
                if factor <= 0:
                    raise ValueError("speed must be positive")
            return cls(
                Pace.LOCKSTEP,
                tick_seconds,
                speed=factor or 1.0,
                expected_services=services,
                watermark_timeout_s=timeout_s,
                paced=factor > 0,
            )
        if speed == "max":
            return cls(Pace.MAX, tick_seconds)
        if speed == "realtime":
            return cls(Pace.REALTIME, tick_seconds)
        try:
            factor = float(speed)
        except ValueError:
            raise ValueError(f"speed {speed!r} is not 'max', 'realtime' or a number") from None
        return cls(Pace.SPEED, tick_seconds, speed=factor)

    def wall_seconds_per_tick(self) -> float:
        """Minimum wall time one tick should take (0 = as fast as possible)."""
        if self.pace == Pace.REALTIME:
            return self.tick_seconds
        if self.pace == Pace.SPEED or (self.pace == Pace.LOCKSTEP and self.paced):
            return self.tick_seconds / self.speed
        return 0.0


class Verdict(enum.Enum):
    """What the clock should do next."""

    ADVANCE = "advance"
    WAIT = "wait"
    TIMED_OUT = "timed_out"


@dataclass
class WatermarkTracker:
    """Which services have reported which tick, for one run."""

    run_id: str
    expected: frozenset[str]
    latest: dict[str, int] = field(default_factory=dict)

    def record(self, run_id: str, service: str, tick: int) -> None:
        """Note a watermark; other runs' and stale watermarks are ignored."""
        if run_id != self.run_id:
            return
        if tick > self.latest.get(service, -1):
            self.latest[service] = tick

    def missing(self, tick: int) -> frozenset[str]:
        """Expected services that have not yet reported ``tick``."""
        return frozenset(s for s in self.expected if self.latest.get(s, -1) < tick)

    def decide(self, tick: int, waited_s: float, timeout_s: float) -> Verdict:
        """Advance when everyone reported ``tick``; time out after ``timeout_s``; else wait."""
        if not self.missing(tick):
            return Verdict.ADVANCE
        if waited_s >= timeout_s:
            return Verdict.TIMED_OUT
        return Verdict.WAIT


def tick_event(
    *,
    run_id: str,
    world_key: str,
    scenario: str,
    seed: int,
    tick: int,
    total_ticks: int,
    tick_start: datetime,
    tick_end: datetime,
    events_in_tick: int,
    late_services: tuple[str, ...] = (),
) -> TickAdvanced:
    """The event that announces a finished tick."""
    return TickAdvanced(
        # The id is the world's, not the run's: services order a tick's events by id, and what a
        # handler derives from the marker (a cancelled warning's id, say) must not differ between
        # two runs of one world. The run is told apart by ``run_id``.
        event_id=derived_id(world_key, "tick", tick),
        occurred_at=tick_end,
        source="simulator",
        region=PROVINCE_REGION,
        run_id=run_id,
        scenario=scenario,
        seed=seed,
        tick=tick,
        total_ticks=total_ticks,
        tick_start=tick_start,
        final=tick == total_ticks - 1,
        events_in_tick=events_in_tick,
        late_services=tuple(sorted(late_services)),
    )
