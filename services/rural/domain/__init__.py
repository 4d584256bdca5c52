"""The rural service's pure domain: when to move villagers and patrol the hills' hazard points."""

from services.rural.domain.model import Zone, ZoneModel
from services.rural.domain.rules import RuralRules

__all__ = ["RuralRules", "Zone", "ZoneModel"]
