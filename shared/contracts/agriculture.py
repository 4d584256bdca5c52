"""The agriculture sector's contracts: farm sensor readings in, crop-risk advisories out."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import AwareDatetime, Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class Industry(StrEnum):
    """The plan's seven agricultural industries (section 二.2)."""

    RICE = "rice"
    OILSEED = "oilseed"
    FRUIT_VEG = "fruit_veg"
    LIVESTOCK = "livestock"
    AQUACULTURE = "aquaculture"
    TEA = "tea"
    HERBS = "herbs"


class AgricultureAction(StrEnum):
    """The protective actions agriculture advises (costs: shared/world/actions.yaml)."""

    IRRIGATE = "irrigate"
    EARLY_HARVEST = "early_harvest"
    DRAIN_FIELDS = "drain_fields"
    FROST_PROTECTION = "frost_protection"
    MOVE_LIVESTOCK = "move_livestock"
    REINFORCE_STRUCTURES = "reinforce_structures"


class RiskKind(StrEnum):
    """Agro-meteorological hazards the agriculture service models (domain-facts.md §5)."""

    HEAT = "heat"  # 高温热害: rice at heading/flowering
    COLD_DEW_WIND = "cold_dew_wind"  # 寒露风: late rice, September to early October
    WATERLOGGING = "waterlogging"  # 渍涝/淹水: submergence of rice, waterlogging of dry crops
    FREEZE = "freeze"  # 冻害: citrus
    DROUGHT = "drought"  # 干旱
    FROST = "frost"  # 霜冻: tea in spring flush


class RiskLevel(StrEnum):
    """How bad the expected damage is, lowest to highest."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    SEVERE = "severe"

    @property
    def rank(self) -> int:
        """1 (low) to 4 (severe)."""
        return list(RiskLevel).index(self) + 1


class AdvisoryBasis(StrEnum):
    """What the advisory rests on: the farms' own sensors, a public CMA warning, a forecast, or
    the climate record (the month's chance of the condition, where no forecast says better)."""

    SENSORS = "sensors"
    WARNING = "warning"
    FORECAST = "forecast"
    CLIMATOLOGY = "climatology"


class AdvisoryIssued(DecisionMade):
    """An advisory to the farms of one city and industry: a protective action, or its lifting.

    ``asset_ids`` names the farms advised. ``expected_onset`` is when the model expects the
    damaging condition to start (in the past for advisories from sensors).
    """

    EVENT_TYPE = "AdvisoryIssued"

    sector: str = "agriculture"
    industry: Industry
    crop: str = Field(min_length=1, max_length=32)
    crop_stages: tuple[str, ...] = Field(default=(), max_length=16)
    risk: RiskKind
    risk_level: RiskLevel
    basis: AdvisoryBasis
    expected_onset: AwareDatetime | None = None
    advice_zh: str = Field(min_length=1, max_length=500)
    advice_en: str = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _agriculture_only(self) -> AdvisoryIssued:
        if self.sector != SECTOR.name:
            raise ValueError("an advisory is an agriculture decision")
        return self


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


#: Action labels: name_zh in shared/world/actions.yaml; English the action's own name.
SECTOR = SectorInfo(
    name="agriculture",
    label_zh="现代农业",
    label_en="Agriculture",
    colour="#3ecf6e",
    plan_section="二.2",
    actions=actions_of(
        AgricultureAction,
        {
            "irrigate": ("灌溉降温/抗旱灌溉", "irrigate"),
            "early_harvest": ("抢收", "early harvest"),
            "drain_fields": ("排涝", "drain fields"),
            "frost_protection": ("防冻措施", "frost protection"),
            "move_livestock": ("转移畜禽", "move livestock"),
            "reinforce_structures": ("加固棚舍网箱", "reinforce structures"),
        },
    ),
)

AGRICULTURE_OBSERVATIONS = TopicSpec(
    sector="agriculture",
    event="observations",
    version=1,
    model=FarmObservation,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.INTERNAL,
    description="Farm field-sensor readings: soil moisture, canopy temperature, crop stress",
)
AGRICULTURE_ADVISORIES = TopicSpec(
    sector="agriculture",
    event="advisories",
    version=1,
    model=AdvisoryIssued,
    role=TopicRole.DECISIONS,
    classification=Classification.INTERNAL,
    description="Crop-risk advisories to a city's farms, siloed and fused (and their lifting)",
)

TOPICS = (AGRICULTURE_OBSERVATIONS, AGRICULTURE_ADVISORIES)
