"""The urban service's pure domain: pre-lowering the network, pumps, underpass closures."""

from services.urban.domain.model import DrainageModel, Projection, ZoneView
from services.urban.domain.rules import UrbanRules

__all__ = ["DrainageModel", "Projection", "UrbanRules", "ZoneView"]
