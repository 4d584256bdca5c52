"""The emergency domain: response rules, the response model and routing (pure Python)."""

from services.emergency.domain.model import CityView, EmergencyDesk, Incident, ResponseModel
from services.emergency.domain.routing import RoadGraph, Route
from services.emergency.domain.rules import ResponseRules, default_rules, load_rules

__all__ = [
    "CityView",
    "EmergencyDesk",
    "Incident",
    "ResponseModel",
    "ResponseRules",
    "RoadGraph",
    "Route",
    "default_rules",
    "load_rules",
]
