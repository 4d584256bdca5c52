"""The transport domain: road rules, the road-control model and situation keys (pure Python)."""

from services.transport.domain.model import RoadModel, SegmentView
from services.transport.domain.rules import RoadRules
from shared.situations import SituationLedger

__all__ = ["RoadModel", "RoadRules", "SegmentView", "SituationLedger"]
