"""Settings: validated at start, with errors that name the environment variable."""

from __future__ import annotations

import pytest

from services.weather.service import WeatherSettings
from shared.settings import ConfigError, SystemSettings, load


def test_defaults_are_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    s = load(WeatherSettings)
    assert s.http_host == "127.0.0.1"
    assert s.fusion is True
    assert s.api_keys == {}


def test_a_bad_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXSIM_WEATHER_HTTP_PORT", "not-a-port")
    with pytest.raises(ConfigError, match="DEXSIM_WEATHER_HTTP_PORT"):
        load(WeatherSettings)


def test_binding_beyond_loopback_needs_an_explicit_opt_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXSIM_WEATHER_HTTP_HOST", "0.0.0.0")
    monkeypatch.delenv("DEXSIM_ALLOW_NON_LOOPBACK", raising=False)
    with pytest.raises(ConfigError, match="DEXSIM_WEATHER_HTTP_HOST"):
        load(WeatherSettings)


def test_api_keys_are_secret_and_parsed_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEXSIM_WEATHER_API_KEYS", '{"cma:weather": "s3cret"}')
    s = load(WeatherSettings)
    assert s.api_keys["cma:weather"].get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s)


def test_external_kafka_replaces_the_local_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-a:9092,kafka-b:9092")
    s = SystemSettings()
    assert s.external
    assert s.bootstrap_servers == "kafka-a:9092,kafka-b:9092"


def test_a_malformed_bootstrap_server_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "kafka-without-port")
    with pytest.raises(ConfigError, match="KAFKA_BOOTSTRAP_SERVERS"):
        load(SystemSettings)
