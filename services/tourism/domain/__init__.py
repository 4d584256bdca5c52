"""The tourism service's pure domain: when to close, limit, advise, stop and announce."""

from services.tourism.domain.model import AreaModel, conditions_of
from services.tourism.domain.rules import TourismRules

__all__ = ["AreaModel", "TourismRules", "conditions_of"]
