"""When the rural service protects a site: the rules of each mode.

* **both modes** (own data and the public CMA warnings every agency receives): a site's own sensor
  has measured ``act_rain_24h_mm`` or more over the past 24 hours, or a warning of one of
  ``warning_signals`` at ``min_colour`` or above is issued for the site's city;
* **fused** (also the weather service's forecasts, another sector's data): a forecast of
  ``act_rain_24h_mm`` or more in 24 hours within ``forecast_horizon_h``.

Each site is protected once per run (its ``decision_key`` is the site). Pure: no I/O; the
adapter reads the rules file and the sites and passes them in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.envelope import Mode, derived_id
from shared.contracts.rural import RuralAction, RuralDecision, RuralReading
from shared.contracts.weather import Colour, ForecastIssued, SignalType, WarningIssued
from shared.world.costs import CostSpec

SOURCE = "rural"


class SiteRules(BaseModel):
    """The rules' thresholds and costs (the service's ``data/rules.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    act_rain_24h_mm: float = Field(gt=0, description="Own sensor: act at this 24 h rain")
    warning_signals: tuple[SignalType, ...] = Field(min_length=1)
    min_colour: Colour
    forecast_horizon_h: float = Field(gt=0, description="Fused: act on a forecast this far ahead")
    protection_cost: CostSpec = Field(description="What one site's protection costs")
    expected_loss_avoided_yuan: float = Field(ge=0, description="The model's own estimate")


@dataclass(frozen=True)
class Site:
    """One of the sector's sites: its id and its city (GB/T 2260 code)."""

    id: str
    region: str


class SiteModel:
    """One mode's view of the sector's sites and the protections it decided."""

    def __init__(self, *, mode: Mode, rules: SiteRules, sites: list[Site]) -> None:
        self.mode = mode
        self.rules = rules
        self.sites = {s.id: s for s in sites}
        self._decided: dict[str, RuralDecision] = {}

    def on_reading(self, reading: RuralReading) -> list[RuralDecision]:
        """Own data: protect a site whose sensor measured the threshold."""
        site = self.sites.get(reading.site_id)
        rain = reading.rain_24h_mm
        if site is None or rain is None or rain < self.rules.act_rain_24h_mm:
            return []
        return self._protect(
            site, reading.occurred_at, "sensor", reading.event_id, f"24 h rain {rain:.0f} mm"
        )

    def on_warning(self, warning: WarningIssued) -> list[RuralDecision]:
        """A public warning (both modes): protect the warned city's sites ahead of the rain."""
        if (
            warning.alert.msg_type == "Cancel"
            or warning.signal not in self.rules.warning_signals
            or warning.colour.rank < self.rules.min_colour.rank
        ):
            return []
        out: list[RuralDecision] = []
        for site in self.sites.values():
            if site.region == warning.region:
                reason = f"{warning.colour.value} {warning.signal.value} warning"
                out += self._protect(site, warning.occurred_at, "warning", warning.event_id, reason)
        return out

    def on_forecast(self, forecast: ForecastIssued) -> list[RuralDecision]:
        """The weather service's forecast (fused only): protect the city's sites when it gives
        ``act_rain_24h_mm`` in some 24 hours within the horizon."""
        if self.mode is not Mode.FUSED:
            raise ValueError("the siloed model must not be fed another sector's forecast")
        until = forecast.run_at + timedelta(hours=self.rules.forecast_horizon_h)
        rain = [s.rain_mm or 0.0 for s in forecast.steps if s.valid_at <= until]
        wettest = max((sum(rain[i : i + 24]) for i in range(len(rain))), default=0.0)
        if wettest < self.rules.act_rain_24h_mm:
            return []
        out: list[RuralDecision] = []
        for site in self.sites.values():
            if site.region == forecast.region:
                reason = f"forecast {wettest:.0f} mm in 24 h"
                out += self._protect(
                    site, forecast.occurred_at, "forecast", forecast.event_id, reason, cross=True
                )
        return out

    def decisions(self) -> list[RuralDecision]:
        """Every protection decided so far, in the order decided."""
        return list(self._decided.values())

    def _protect(
        self,
        site: Site,
        at: datetime,
        basis: str,
        cause: UUID,
        reason: str,
        *,
        cross: bool = False,
    ) -> list[RuralDecision]:
        if site.id in self._decided:
            return []
        decision = RuralDecision(
            event_id=derived_id(SOURCE, self.mode.value, site.id),
            occurred_at=at,
            source=SOURCE,
            region=site.region,
            causation_id=cause,
            mode=self.mode,
            action=RuralAction.PROTECT,
            decision_key=site.id,
            asset_ids=(site.id,),
            effective_at=at,
            **self.rules.protection_cost.charge(1).fields(),
            expected_loss_avoided_yuan=self.rules.expected_loss_avoided_yuan,
            reason=reason,
            inputs=(cause,),
            cross_sector_inputs=("weather",) if cross else (),
            site_id=site.id,
            basis=basis,
        )
        self._decided[site.id] = decision
        return [decision]
