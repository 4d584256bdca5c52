"""Events produced by the world simulator (and by ingestion APIs that accept the same readings).

Raw observations are what a sector's own sensors would report; they may have gaps (``None``).
Ground truth is published only for the referee.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.envelope import AwareDatetime, Classification, Event


class StationObservation(Event):
    """One hourly reading from a weather station (own-sector data of the weather service)."""

    EVENT_TYPE = "StationObservation"
    classification: Classification = Classification.INTERNAL

    station_id: str = Field(min_length=1, max_length=32)
    temp_c: float | None = Field(default=None, ge=-60, le=60, description="Air temperature, °C")
    tmin_c: float | None = Field(default=None, ge=-60, le=60, description="Min over the hour, °C")
    tmax_c: float | None = Field(default=None, ge=-60, le=60, description="Max over the hour, °C")
    rain_mm: float | None = Field(default=None, ge=0, le=500, description="Rain in the past hour")
    wind_ms: float | None = Field(default=None, ge=0, le=90, description="10-min mean wind, m/s")
    gust_ms: float | None = Field(default=None, ge=0, le=120, description="Max gust, m/s")
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    humidity_pct: float | None = Field(default=None, ge=0, le=100)
    ground_temp_c: float | None = Field(default=None, ge=-60, le=80, description="Ground surface")


class ForecastStep(BaseModel):
    """Forecast values for one hour ahead of the run time."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valid_at: AwareDatetime
    temp_c: float | None = None
    tmin_c: float | None = None
    tmax_c: float | None = None
    rain_mm: float | None = Field(default=None, ge=0)
    wind_ms: float | None = Field(default=None, ge=0)
    gust_ms: float | None = Field(default=None, ge=0)
    visibility_m: float | None = Field(default=None, ge=0)
    ground_temp_c: float | None = None


class ForecastIssued(Event):
    """Numerical forecast output for one city: hourly steps from the run time onwards."""

    EVENT_TYPE = "ForecastIssued"
    classification: Classification = Classification.INTERNAL

    run_at: AwareDatetime
    steps: tuple[ForecastStep, ...] = Field(min_length=1, max_length=240)


# ---------------------------------------------------------------------------------------------
# Vocabularies shared by the simulator's events (and by the sector services that consume them).
# ---------------------------------------------------------------------------------------------

#: GB/T 2260 code of Jiangxi Province, used as the region of province-wide events (the clock).
PROVINCE_REGION = "360000"


class Sector(StrEnum):
    """A sector of the plan that the simulator produces data and ground truth for."""

    WEATHER = "weather"
    AGRICULTURE = "agriculture"
    TRANSPORT = "transport"
    EMERGENCY = "emergency"


class Industry(StrEnum):
    """The plan's seven agricultural industries (section 二.2)."""

    RICE = "rice"
    OILSEED = "oilseed"
    FRUIT_VEG = "fruit_veg"
    LIVESTOCK = "livestock"
    AQUACULTURE = "aquaculture"
    TEA = "tea"
    HERBS = "herbs"


class HazardKind(StrEnum):
    """Hazards the simulator models as space-time intensity fields."""

    RAINSTORM = "rainstorm"
    HEAT_WAVE = "heat_wave"
    COLD_WAVE = "cold_wave"
    FREEZING_RAIN = "freezing_rain"
    FOG = "fog"
    GALE = "gale"
    DROUGHT = "drought"
    LAKE_RISE = "lake_rise"


class SurfaceState(StrEnum):
    """Road-surface state as reported by a road-weather detector."""

    DRY = "dry"
    WET = "wet"
    ICY = "icy"
    FLOODED = "flooded"


class ReportKind(StrEnum):
    """What a citizen reported (12345 hotline, 110, social media)."""

    FLOODING = "flooding"
    WATERLOGGING = "waterlogging"
    LANDSLIDE = "landslide"
    ROAD_ICING = "road_icing"
    TRAFFIC_ACCIDENT = "traffic_accident"
    POOR_VISIBILITY = "poor_visibility"
    POWER_OUTAGE = "power_outage"
    CROP_DAMAGE = "crop_damage"
    HEAT_ILLNESS = "heat_illness"
    WATER_SHORTAGE = "water_shortage"


class FacilityKind(StrEnum):
    """Industrial-safety facility types named in the plan (section 二.9)."""

    MINE = "mine"
    HAZARDOUS_CHEMICALS = "hazardous_chemicals"
    FIREWORKS = "fireworks"


class AlarmKind(StrEnum):
    """What an industrial-safety sensor alarmed on."""

    TEMPERATURE = "temperature"
    WATER_INFLOW = "water_inflow"
    GAS_CONCENTRATION = "gas_concentration"
    POWER_LOSS = "power_loss"
    WIND_LOAD = "wind_load"


class ImpactKind(StrEnum):
    """The kind of harm a ground-truth impact records."""

    CROP_LOSS = "crop_loss"
    ROAD_ACCIDENTS = "road_accidents"
    TRAFFIC_DISRUPTION = "traffic_disruption"
    FLOODING = "flooding"
    LANDSLIDE = "landslide"
    POWER_LINE_ICING = "power_line_icing"
    INDUSTRIAL_INCIDENT = "industrial_incident"


class ProtectiveAction(StrEnum):
    """A protective action a sector service can decide; the referee matches decisions on it.

    The cost of each action per activation lives in ``shared/world/actions.yaml``.
    """

    # agriculture
    IRRIGATE = "irrigate"
    EARLY_HARVEST = "early_harvest"
    DRAIN_FIELDS = "drain_fields"
    FROST_PROTECTION = "frost_protection"
    MOVE_LIVESTOCK = "move_livestock"
    REINFORCE_STRUCTURES = "reinforce_structures"
    # transport
    SPEED_LIMIT = "speed_limit"
    CLOSE_ROAD = "close_road"
    DE_ICE_ROAD = "de_ice_road"
    # emergency
    EVACUATE = "evacuate"
    REINFORCE_LEVEE = "reinforce_levee"
    PREPOSITION_RESCUE = "preposition_rescue"
    DEICE_POWER_LINES = "deice_power_lines"
    SUSPEND_OPERATIONS = "suspend_operations"


# ---------------------------------------------------------------------------------------------
# Raw observations per sector.
# ---------------------------------------------------------------------------------------------


class FarmObservation(Event):
    """One reading from a farm's field sensors (own-sector data of the agriculture service)."""

    EVENT_TYPE = "FarmObservation"
    classification: Classification = Classification.INTERNAL

    farm_id: str = Field(min_length=1, max_length=48)
    industry: Industry
    crop: str = Field(min_length=1, max_length=32, description="e.g. early_rice, navel_orange")
    crop_stage: str | None = Field(default=None, max_length=32, description="e.g. flowering")
    soil_moisture_pct: float | None = Field(default=None, ge=0, le=100, description="Volumetric")
    canopy_temp_c: float | None = Field(default=None, ge=-60, le=70)
    water_depth_cm: float | None = Field(default=None, ge=0, le=1000, description="Standing water")
    crop_stress: float | None = Field(
        default=None, ge=0, le=1, description="Stress index from the sensor model: 0 none, 1 dying"
    )


class RoadObservation(Event):
    """One reading from an expressway detector (own-sector data of the transport service)."""

    EVENT_TYPE = "RoadObservation"
    classification: Classification = Classification.INTERNAL

    detector_id: str = Field(min_length=1, max_length=48)
    segment_id: str = Field(min_length=1, max_length=48)
    road: str = Field(min_length=1, max_length=16, description="Expressway number, e.g. G60")
    speed_kmh: float | None = Field(default=None, ge=0, le=200, description="Mean speed")
    volume_vph: int | None = Field(default=None, ge=0, le=20_000, description="Vehicles per hour")
    surface_temp_c: float | None = Field(default=None, ge=-60, le=80)
    visibility_m: float | None = Field(default=None, ge=0, le=100_000)
    surface_state: SurfaceState | None = None


class GaugeReading(Event):
    """A river or lake water level (own-sector data of the emergency service)."""

    EVENT_TYPE = "GaugeReading"
    classification: Classification = Classification.INTERNAL

    gauge_id: str = Field(min_length=1, max_length=48)
    water_level_m: float | None = Field(default=None, ge=0, le=60, description="Wusong datum")


class CitizenReport(Event):
    """A report from the public (hotline, app): noisy, sometimes wrong, often early."""

    EVENT_TYPE = "CitizenReport"
    # Reports carry callers' locations and contact metadata: personal information.
    classification: Classification = Classification.SENSITIVE

    report_kind: ReportKind
    channel: str = Field(default="12345", max_length=32)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    people: int | None = Field(default=None, ge=0, description="People the caller says are hit")
    text: str = Field(default="", max_length=500)


class SafetyAlarm(Event):
    """An alarm from an industrial-safety monitoring sensor (mines, chemicals, fireworks)."""

    EVENT_TYPE = "SafetyAlarm"
    classification: Classification = Classification.SENSITIVE

    facility_id: str = Field(min_length=1, max_length=48)
    facility_kind: FacilityKind
    alarm: AlarmKind
    value: float | None = None
    threshold: float | None = None


# ---------------------------------------------------------------------------------------------
# Ground truth: read by the referee only.
# ---------------------------------------------------------------------------------------------


class Mitigation(BaseModel):
    """What one protective action would have saved of an impact, depending on when it was taken.

    Taken at or before ``full_benefit_by``: it avoids ``avoidable_yuan`` (and protects
    ``avoidable_people``). Taken at or after ``no_benefit_after``: nothing. In between the benefit
    falls linearly. Earlier correct warnings are therefore worth more.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: ProtectiveAction
    avoidable_yuan: float = Field(ge=0)
    avoidable_people: int = Field(default=0, ge=0)
    full_benefit_by: AwareDatetime
    no_benefit_after: AwareDatetime
    cost_yuan: float = Field(ge=0, description="Cost of taking the action for this asset")

    @model_validator(mode="after")
    def _ordered(self) -> Mitigation:
        if self.no_benefit_after < self.full_benefit_by:
            raise ValueError("no_benefit_after must not precede full_benefit_by")
        return self

    def share_at(self, taken_at: datetime) -> float:
        """The share (0..1) of the avoidable loss an action taken at ``taken_at`` avoids."""
        if taken_at <= self.full_benefit_by:
            return 1.0
        if taken_at >= self.no_benefit_after:
            return 0.0
        span = (self.no_benefit_after - self.full_benefit_by).total_seconds()
        return (self.no_benefit_after - taken_at).total_seconds() / span


class ImpactOccurred(Event):
    """Ground truth: harm a hazard really did to one asset, with its cost and how to avoid it.

    ``occurred_at`` is when the loss happened; ``exposure_started_at`` when the asset first met
    the hazardous condition. ``loss_yuan`` is the loss with no protective action. Impacts are
    deterministic in the scenario (they do not depend on the observation-noise seed).
    """

    EVENT_TYPE = "ImpactOccurred"
    classification: Classification = Classification.IMPORTANT

    impact_id: str = Field(min_length=1, max_length=160, description="Stable across runs")
    hazard_id: str = Field(min_length=1, max_length=96)
    hazard: HazardKind
    sector: Sector
    impact_kind: ImpactKind
    asset_id: str = Field(min_length=1, max_length=48, description="Farm, segment, gauge zone...")
    industry: Industry | None = None
    exposure_started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    loss_yuan: float = Field(ge=0)
    people_affected: int = Field(default=0, ge=0)
    quantity: float | None = Field(default=None, ge=0, description="Affected amount, see unit")
    unit: str | None = Field(default=None, max_length=16, description="mu, km, customers...")
    mitigations: tuple[Mitigation, ...] = ()

    def loss_avoided(self, action: ProtectiveAction, taken_at: datetime) -> float:
        """Yuan this impact would have been spared by ``action`` taken at ``taken_at``."""
        best = 0.0
        for m in self.mitigations:
            if m.action == action:
                best = max(best, m.avoidable_yuan * m.share_at(taken_at))
        return best

    def people_protected(self, action: ProtectiveAction, taken_at: datetime) -> int:
        """People this impact would have spared by ``action`` taken at ``taken_at``."""
        best = 0
        for m in self.mitigations:
            if m.action == action:
                best = max(best, round(m.avoidable_people * m.share_at(taken_at)))
        return best


class HazardOccurred(Event):
    """Ground truth: a hazard episode really hit one city (for hit/miss and lead-time scoring).

    Published once the episode is over; ``occurred_at`` is its onset in that city.
    """

    EVENT_TYPE = "HazardOccurred"
    classification: Classification = Classification.IMPORTANT

    hazard_id: str = Field(min_length=1, max_length=96)
    hazard: HazardKind
    started_at: AwareDatetime
    peak_at: AwareDatetime
    ended_at: AwareDatetime
    peak_intensity: float
    unit: str = Field(max_length=16, description="mm/h, °C anomaly, m visibility, m/s, m level")


# ---------------------------------------------------------------------------------------------
# The simulated clock.
# ---------------------------------------------------------------------------------------------


class TickAdvanced(Event):
    """The simulator finished publishing one tick: simulated time ``[tick_start, occurred_at)``.

    Services process the tick's events and answer with ``WatermarkReported``. ``late_services``
    names the services whose watermark for the previous tick had not arrived when the clock's
    timeout fired (reported, never silently skipped).
    """

    EVENT_TYPE = "TickAdvanced"
    classification: Classification = Classification.INTERNAL

    run_id: str = Field(min_length=1, max_length=96)
    scenario: str = Field(min_length=1, max_length=64)
    seed: int
    tick: int = Field(ge=0)
    total_ticks: int = Field(ge=1)
    tick_start: AwareDatetime
    final: bool = False
    events_in_tick: int = Field(default=0, ge=0)
    late_services: tuple[str, ...] = ()


class WatermarkReported(Event):
    """A service processed every event of a tick (sent by each service, read by the clock)."""

    EVENT_TYPE = "WatermarkReported"
    classification: Classification = Classification.INTERNAL

    run_id: str = Field(min_length=1, max_length=96)
    service: str = Field(min_length=1, max_length=64)
    tick: int = Field(ge=0)
