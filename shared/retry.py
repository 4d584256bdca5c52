"""Waiting out a broker that is away: backoff with a limit, and one line now and then."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class Patience:
    """How long to wait before the next attempt, whether to say so, and when to give up.

    The wait doubles from ``first_s`` to ``most_s``; :meth:`say` is true at most once per
    ``say_every_s``, so a caller logs one line per interval however often it retries.
    """

    limit_s: float
    first_s: float = 0.5
    most_s: float = 5.0
    say_every_s: float = 10.0
    began: float = field(default_factory=time.monotonic)
    _delay: float = field(init=False, default=0.0)
    _said: float | None = field(init=False, default=None)

    @property
    def waited(self) -> float:
        """Seconds since the first attempt."""
        return time.monotonic() - self.began

    @property
    def exhausted(self) -> bool:
        """True once the limit has passed: give up."""
        return self.waited >= self.limit_s

    @property
    def remaining(self) -> float:
        """Seconds left before the limit."""
        return max(0.0, self.limit_s - self.waited)

    @property
    def said_anything(self) -> bool:
        """True once :meth:`say` has let a line through (the outage was reported)."""
        return self._said is not None

    def say(self) -> bool:
        """True when the caller should log a line now (the first time, then once per interval)."""
        now = time.monotonic()
        if self._said is not None and now - self._said < self.say_every_s:
            return False
        self._said = now
        return True

    def next_delay(self) -> float:
        """The wait before the next attempt (never past the limit)."""
        self._delay = self.first_s if not self._delay else min(self.most_s, self._delay * 2)
        return min(self._delay, self.remaining)
