"""The weather service's pure domain: CMA warning criteria, rules, and the warning engine.

No faust, fastapi or kafka imports here; the stream and HTTP adapters wrap ``WarningEngine``.
"""

from services.weather.domain.cap import CapWriter, Decision, MsgType
from services.weather.domain.catalogue import Catalogue, Text, parse_areas
from services.weather.domain.engine import WarningEngine, city_of
from services.weather.domain.rules import (
    blizzard_colour,
    cold_wave_colour,
    drought_colour,
    dry_spell_days,
    fog_colour,
    frost_colour,
    gale_colour,
    haze_colour,
    heat_colour,
    minimum_drops,
    rainstorm_colour,
    road_icing_colour,
    top,
    typhoon_colour,
    within_lead,
)
from services.weather.domain.series import BEIJING, beijing_day, hour_end, hour_of

__all__ = [
    "BEIJING",
    "CapWriter",
    "Catalogue",
    "Decision",
    "MsgType",
    "Text",
    "WarningEngine",
    "beijing_day",
    "blizzard_colour",
    "city_of",
    "cold_wave_colour",
    "drought_colour",
    "dry_spell_days",
    "fog_colour",
    "frost_colour",
    "gale_colour",
    "haze_colour",
    "heat_colour",
    "hour_end",
    "hour_of",
    "minimum_drops",
    "parse_areas",
    "rainstorm_colour",
    "road_icing_colour",
    "top",
    "typhoon_colour",
    "within_lead",
]
