"""The dashboard's pure domain: the aggregate the page shows (no I/O, no frameworks)."""

from services.dashboard.domain.board import FEED_LENGTH, Board, CityRef, Clock
from services.dashboard.domain.summaries import Summaries

__all__ = ["FEED_LENGTH", "Board", "CityRef", "Clock", "Summaries"]
