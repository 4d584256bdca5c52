"""Routing rescue resources over the expressway graph as one mode knows it.

Nodes are cities, edges the world's segments. A restricted segment is driven at its speed limit;
a closed one is passed only after a wait, so the shortest-time route goes around it when a detour
is quicker, and otherwise takes it with a delay.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass

from shared.contracts.transport import RoadStatus, RoadStatusChanged
from shared.world import Segment


@dataclass(frozen=True)
class Route:
    """A route between two cities: segments in order, length, travel time."""

    segments: tuple[str, ...]
    distance_km: float
    hours: float
    through_closure: bool


class RoadGraph:
    """The expressway network with the segment statuses one mode has been told."""

    def __init__(
        self, segments: Iterable[Segment], *, convoy_speed_kmh: float, closure_wait_h: float
    ) -> None:
        self.segments = {s.id: s for s in segments}
        self.convoy_speed_kmh = convoy_speed_kmh
        self.closure_wait_h = closure_wait_h
        self._status: dict[str, RoadStatusChanged] = {}
        self._edges: dict[str, list[tuple[str, Segment]]] = {}
        for s in self.segments.values():
            self._edges.setdefault(s.from_city, []).append((s.to_city, s))
            self._edges.setdefault(s.to_city, []).append((s.from_city, s))

    def update(self, status: RoadStatusChanged) -> bool:
        """Record a segment's new status; True when the segment is known."""
        if status.segment_id not in self.segments:
            return False
        self._status[status.segment_id] = status
        return True

    def status(self, segment_id: str) -> RoadStatus:
        """The status of a segment (open unless told otherwise)."""
        known = self._status.get(segment_id)
        return known.status if known else RoadStatus.OPEN

    def closed(self) -> list[str]:
        """Segments currently known to be closed."""
        return sorted(k for k, v in self._status.items() if v.status is RoadStatus.CLOSED)

    def _hours(self, segment: Segment) -> tuple[float, bool]:
        known = self._status.get(segment.id)
        speed = self.convoy_speed_kmh
        if known is not None and known.speed_limit_kmh is not None:
            speed = min(speed, known.speed_limit_kmh)
        hours = segment.length_km / speed
        if known is not None and known.status is RoadStatus.CLOSED:
            return hours + self.closure_wait_h, True
        return hours, False

    def route(self, origin: str, destination: str) -> Route | None:
        """The quickest route (Dijkstra on travel time); None when the cities are not linked."""
        if origin == destination:
            return Route((), 0.0, 0.0, False)
        best: dict[str, float] = {origin: 0.0}
        back: dict[str, tuple[str, Segment]] = {}
        queue: list[tuple[float, str]] = [(0.0, origin)]
        while queue:
            hours, city = heapq.heappop(queue)
            if city == destination:
                break
            if hours > best.get(city, float("inf")):
                continue
            for neighbour, segment in self._edges.get(city, ()):
                step, _ = self._hours(segment)
                if hours + step < best.get(neighbour, float("inf")):
                    best[neighbour] = hours + step
                    back[neighbour] = (city, segment)
                    heapq.heappush(queue, (hours + step, neighbour))
        if destination not in best:
            return None
        path: list[Segment] = []
        city = destination
        while city != origin:
            city, segment = back[city]
            path.append(segment)
        path.reverse()
        return Route(
            segments=tuple(s.id for s in path),
            distance_km=sum(s.length_km for s in path),
            hours=round(best[destination], 3),
            through_closure=any(self._hours(s)[1] for s in path),
        )
