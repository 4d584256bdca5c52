"""The health service's pure domain: when to staff up, open cooling centres, reach out to the
elderly and transfer patients."""

from services.health.domain.model import CityHealth, HealthModel
from services.health.domain.rules import HEAT_ACTIONS, HealthRules

__all__ = ["HEAT_ACTIONS", "CityHealth", "HealthModel", "HealthRules"]
