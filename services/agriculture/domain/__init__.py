"""Pure domain of the agriculture service: crop rules, farm state and the risk model."""

from services.agriculture.domain.model import (
    AgricultureModel,
    CrossSectorInputError,
    RiskView,
)
from services.agriculture.domain.rules import CropRules, parse_crop_rules

__all__ = [
    "AgricultureModel",
    "CropRules",
    "CrossSectorInputError",
    "RiskView",
    "parse_crop_rules",
]
