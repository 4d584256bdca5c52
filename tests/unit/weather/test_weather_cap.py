"""The CAP 1.2 shape of the warnings: identifier, times, languages, mapping."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.weather.domain import WarningEngine
from shared.contracts.weather import Colour, StationObservation

# The same start and city as the builders in conftest.py use.
T0 = datetime(2020, 7, 8, 0, tzinfo=UTC)
NANCHANG = "360100"

ObsFactory = Callable[..., StationObservation]

IDENTIFIER = re.compile(r"^(\d{6})41600000_(\d{14})$")


def test_the_identifier_has_the_gb_t_35965_1_form_in_beijing_time(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    match = IDENTIFIER.match(warning.alert.identifier)
    assert match is not None
    assert match.group(1) == NANCHANG
    # T0 + 1 h = 01:00 UTC = 09:00 Beijing time.
    assert match.group(2) == "20200708090000"


def test_sent_carries_the_beijing_offset_and_the_simulated_time(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    assert warning.alert.sent.utcoffset() == timedelta(hours=8)
    assert warning.alert.sent == T0 + timedelta(hours=1)
    assert warning.occurred_at == T0 + timedelta(hours=1)


def test_the_alert_is_actual_public_and_from_the_weather_service(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    assert (warning.alert.status, warning.alert.scope, warning.alert.msg_type) == (
        "Actual",
        "Public",
        "Alert",
    )
    assert warning.source == "weather"
    assert warning.classification == "public"


def test_info_comes_in_chinese_and_english(engine: WarningEngine, obs: ObsFactory) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    zh, en = warning.alert.info
    assert (zh.language, en.language) == ("zh-CN", "en-US")
    assert zh.headline == "南昌市气象台发布暴雨橙色预警信号"
    assert "orange rainstorm" in en.headline and "Nanchang" in en.headline
    assert zh.instruction != en.instruction
    assert zh.area.area_desc == "南昌市" and en.area.area_desc == "Nanchang"


def test_colour_maps_to_severity_and_type_code(engine: WarningEngine, obs: ObsFactory) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    assert warning.colour is Colour.ORANGE
    info = warning.alert.info[1]
    assert (info.severity, info.event_code, info.category, info.event) == (
        "Severe",
        "11B03",
        "Met",
        "Rainstorm",
    )


def test_expiry_follows_the_onset_by_the_signals_validity(
    engine: WarningEngine, obs: ObsFactory
) -> None:
    (warning,) = engine.on_observation(obs(1, rain_mm=50))
    info = warning.alert.info[0]
    assert info.effective == warning.alert.sent
    assert info.expires - warning.alert.sent == timedelta(hours=24)
    assert info.onset <= warning.alert.sent
