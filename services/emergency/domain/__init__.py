"""The emergency domain: response rules, the response model and routing (pure Python)."""

from services.emergency.domain.model import CityView, Incident, ResponseModel
from services.emergency.domain.routing import RoadGraph, Route
from services.emergency.domain.rules import ResponseRules

__all__ = [
    "CityView",
    "Incident",
    "ResponseModel",
    "ResponseRules",
    "RoadGraph",
    "Route",
]
