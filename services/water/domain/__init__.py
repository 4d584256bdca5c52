"""The water service's pure domain: when to patrol, reinforce, pre-release, open a storage area."""

from services.water.domain.model import (
    LeveeView,
    Reach,
    ReservoirView,
    StorageAreaView,
    WaterModel,
)
from services.water.domain.rules import WaterRules

__all__ = ["LeveeView", "Reach", "ReservoirView", "StorageAreaView", "WaterModel", "WaterRules"]
