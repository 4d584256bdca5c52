"""The health rules at their thresholds, siloed and fused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.health.domain import Site, SiteModel, SiteRules
from services.health.service import HealthSettings, load_rules
from shared.contracts.envelope import Mode
from shared.contracts.health import HealthReading
from shared.contracts.weather import (
    Colour,
    ForecastIssued,
    ForecastStep,
    SignalType,
    WarningIssued,
)
from tests.factories.weather import rain_warnings

T0 = datetime(2020, 7, 7, tzinfo=UTC)
SITE = Site("health-360100", "360100")


def rules() -> SiteRules:
    return load_rules(HealthSettings().rules_path)


def model(mode: Mode = Mode.SILOED) -> SiteModel:
    return SiteModel(mode=mode, rules=rules(), sites=[SITE, Site("health-360200", "360200")])


def reading(rain: float | None, site: Site = SITE) -> HealthReading:
    return HealthReading(
        occurred_at=T0, source="test", region=site.region, site_id=site.id, rain_24h_mm=rain
    )


def warnings(rain_mm: list[float]) -> list[WarningIssued]:
    """Real rainstorm warnings from the weather engine for hourly rain over the site's city."""
    return rain_warnings(SITE.region, rain_mm)


def test_below_the_threshold_the_siloed_rule_does_nothing() -> None:
    threshold = rules().act_rain_24h_mm
    assert model().on_reading(reading(threshold - 0.1)) == []
    assert model().on_reading(reading(None)) == []


def test_at_the_threshold_the_site_is_protected_once() -> None:
    m = model()
    (decision,) = m.on_reading(reading(rules().act_rain_24h_mm))
    assert decision.asset_ids == (SITE.id,) and decision.basis == "sensor"
    assert decision.cross_sector_inputs == ()
    assert m.on_reading(reading(rules().act_rain_24h_mm + 10)) == []


def test_an_orange_rainstorm_warning_protects_the_city_s_sites_ahead_in_both_modes() -> None:
    (orange, *_) = [w for w in warnings([20, 20, 20]) if w.colour is Colour.ORANGE]
    for mode in (Mode.SILOED, Mode.FUSED):
        (decision,) = model(mode).on_warning(orange)
        assert decision.site_id == SITE.id and decision.basis == "warning"
        assert decision.cross_sector_inputs == ()  # public, not another sector's data
        assert decision.effective_at == orange.occurred_at


def forecast(rain_per_hour: float, hours: int = 48) -> ForecastIssued:
    """A forecast for the site's city: ``rain_per_hour`` every hour from the run time."""
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h + 1), rain_mm=rain_per_hour)
        for h in range(hours)
    )
    return ForecastIssued(
        occurred_at=T0, source="weather", region=SITE.region, run_at=T0, steps=steps
    )


def test_a_forecast_of_the_threshold_protects_ahead_in_the_fused_mode_only() -> None:
    per_hour = rules().act_rain_24h_mm / 24
    (decision,) = model(Mode.FUSED).on_forecast(forecast(per_hour * 1.01))
    assert decision.basis == "forecast" and decision.cross_sector_inputs == ("weather",)
    assert model(Mode.FUSED).on_forecast(forecast(per_hour * 0.99)) == []
    with pytest.raises(ValueError, match="siloed"):
        model(Mode.SILOED).on_forecast(forecast(per_hour))


def test_a_weaker_warning_or_one_of_another_signal_does_not() -> None:
    yellow = [w for w in warnings([9] * 6) if w.colour is Colour.YELLOW]
    assert yellow and all(model(Mode.FUSED).on_warning(w) == [] for w in yellow)
    orange = [w for w in warnings([20, 20, 20]) if w.colour is Colour.ORANGE]
    fog_only = SiteModel(
        mode=Mode.FUSED,
        rules=rules().model_copy(update={"warning_signals": (SignalType.FOG,)}),
        sites=[SITE],
    )
    assert fog_only.on_warning(orange[0]) == []
