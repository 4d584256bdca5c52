"""The emergency sector's contracts: gauges, citizen reports and safety alarms in, responses out.

One ``ResponseDecided`` carries one measure for one city: the response level (Ⅳ lowest to Ⅰ
highest, flood-control and disaster-relief practice) with the rescue teams and supplies it
pre-positions, an evacuation advisory for flood-risk areas, or suspending operations at
industrial-safety facilities (levees are the water sector's, power lines the energy sector's).
Every deployment names its route over the expressway segments and its ETA, so a closed road shows
up as a longer route or a delay. Standing a measure down is the same event with ``status="lifted"``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event, RegionCode
from shared.contracts.simulator import HazardKind
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class EmergencyAction(StrEnum):
    """The protective actions emergency management decides (costs: shared/world/actions.yaml)."""

    EVACUATE = "evacuate"
    PREPOSITION_RESCUE = "preposition_rescue"
    SUSPEND_OPERATIONS = "suspend_operations"


class ResponseLevel(StrEnum):
    """Emergency response level, Ⅳ (lowest) to Ⅰ (highest)."""

    IV = "IV"
    III = "III"
    II = "II"
    I = "I"  # noqa: E741 - the level's own name

    @property
    def rank(self) -> int:
        """1 (Ⅳ) to 4 (Ⅰ): a higher rank is a stronger response."""
        return list(ResponseLevel).index(self) + 1

    @property
    def numeral(self) -> str:
        """The Roman numeral as written in Chinese plans (Ⅳ, Ⅲ, Ⅱ, Ⅰ)."""
        return {"IV": "Ⅳ", "III": "Ⅲ", "II": "Ⅱ", "I": "Ⅰ"}[self.value]

    @classmethod
    def from_rank(cls, rank: int) -> ResponseLevel:
        """The level of a rank (1..4)."""
        return list(cls)[rank - 1]


class Measure(StrEnum):
    """What an emergency decision does."""

    RESPONSE_LEVEL = "response_level"
    EVACUATION = "evacuation"
    SUSPEND_OPERATIONS = "suspend_operations"

    @property
    def action(self) -> EmergencyAction:
        """The protective action the referee scores this measure as."""
        return _MEASURE_ACTION[self]


_MEASURE_ACTION: dict[Measure, EmergencyAction] = {
    Measure.RESPONSE_LEVEL: EmergencyAction.PREPOSITION_RESCUE,
    Measure.EVACUATION: EmergencyAction.EVACUATE,
    Measure.SUSPEND_OPERATIONS: EmergencyAction.SUSPEND_OPERATIONS,
}


class ResourceKind(StrEnum):
    """Rescue resources the service moves."""

    RESCUE_TEAM = "rescue_team"
    BOATS = "boats"
    TENTS = "tents"


class Deployment(BaseModel):
    """Resources moved from one city to another over a route of expressway segments."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    resource_id: str = Field(min_length=1, max_length=64)
    kind: ResourceKind
    quantity: int = Field(ge=1)
    from_city: RegionCode
    to_city: RegionCode
    route: tuple[str, ...] = Field(default=(), description="Segment ids in travel order")
    distance_km: float = Field(ge=0)
    eta_hours: float = Field(ge=0, description="Travel time including waits at closures")
    delayed_by_closure: bool = Field(
        default=False, description="The route had to take a closed segment (waiting to pass)"
    )


class ResponseDecided(DecisionMade):
    """The emergency service decided (or stood down) one measure for one city."""

    EVENT_TYPE = "ResponseDecided"
    sector: str = "emergency"

    measure: Measure
    hazard: HazardKind | None = Field(default=None, description="The hazard responded to")
    level: ResponseLevel | None = None
    deployments: tuple[Deployment, ...] = Field(default=(), max_length=100)
    people_to_evacuate: int = Field(default=0, ge=0)
    trigger: str = Field(default="", max_length=200, description="The rule that fired")

    @model_validator(mode="after")
    def _consistent(self) -> ResponseDecided:
        if self.sector != SECTOR.name:
            raise ValueError("a response is an emergency decision")
        if self.action != self.measure.action:
            raise ValueError(f"measure {self.measure} is scored as {self.measure.action}")
        if self.measure is Measure.RESPONSE_LEVEL and self.status == "taken" and not self.level:
            raise ValueError("a response-level decision names its level")
        if self.measure is not Measure.RESPONSE_LEVEL and self.level is not None:
            raise ValueError("only a response-level decision carries a level")
        return self


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
    channel: str = Field(default="12345", min_length=1, max_length=32)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    people: int | None = Field(
        default=None, ge=0, le=1_000_000, description="People the caller says are hit"
    )
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


SECTOR = SectorInfo(
    name="emergency",
    label_zh="应急管理",
    label_en="Emergency",
    colour="#ff6f61",
    plan_section="二.9",
    actions=actions_of(
        EmergencyAction,
        {
            "evacuate": ("转移群众", "evacuate"),
            "preposition_rescue": ("预置救援力量", "pre-position rescue"),
            "suspend_operations": ("停产撤人", "suspend operations"),
        },
    ),
)

EMERGENCY_OBSERVATIONS = TopicSpec(
    sector="emergency",
    event="observations",
    version=1,
    model=GaugeReading,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.INTERNAL,
    description="Poyang Lake and river gauge water levels (Wusong datum)",
)
EMERGENCY_REPORTS = TopicSpec(
    sector="emergency",
    event="reports",
    version=1,
    model=CitizenReport,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.SENSITIVE,
    description="Citizen reports (12345 hotline): early, noisy, sometimes wrong",
)
EMERGENCY_ALARMS = TopicSpec(
    sector="emergency",
    event="alarms",
    version=1,
    model=SafetyAlarm,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.SENSITIVE,
    description="Industrial-safety monitoring alarms (mines, hazardous chemicals, fireworks)",
)
EMERGENCY_RESPONSES = TopicSpec(
    sector="emergency",
    event="responses",
    version=1,
    model=ResponseDecided,
    role=TopicRole.DECISIONS,
    classification=Classification.INTERNAL,
    description="Response levels, pre-positioning, evacuations per city (siloed and fused)",
)

TOPICS = (EMERGENCY_OBSERVATIONS, EMERGENCY_REPORTS, EMERGENCY_ALARMS, EMERGENCY_RESPONSES)
