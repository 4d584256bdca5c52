"""The energy service's pure domain: when to de-ice, stop turbines, buy reserve, order power use."""

from services.energy.domain.model import CityGrid, GridModel
from services.energy.domain.rules import EnergyRules

__all__ = ["CityGrid", "EnergyRules", "GridModel"]
