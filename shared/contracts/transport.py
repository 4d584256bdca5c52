"""The transport sector's contracts: detector readings in, road controls and road status out.

A ``RoadControlApplied`` is a decision on one expressway segment: a restriction (speed limit and
gap by visibility per the Road Traffic Safety Law Implementation Regulations, Art. 81, with
coach and hazardous-goods bans under icing), a closure, or de-icing pre-treatment. Reopening and
the end of a restriction are the same event with ``status="lifted"``.

A ``RoadStatusChanged`` is the resulting state of one segment (open / restricted / closed) in one
mode; the emergency service routes rescue resources over it.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event, Mode, RegionCode
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class TransportAction(StrEnum):
    """The protective actions transport takes on a segment (costs: shared/world/actions.yaml)."""

    SPEED_LIMIT = "speed_limit"
    CLOSE_ROAD = "close_road"
    DE_ICE_ROAD = "de_ice_road"


class RoadControl(StrEnum):
    """The kinds of control the transport service applies to a segment."""

    RESTRICTION = "restriction"  # speed limit, minimum gap, vehicle bans
    CLOSURE = "closure"
    DE_ICING = "de_icing"  # pre-treatment / spreading of de-icing agent

    @property
    def action(self) -> TransportAction:
        """The protective action the referee scores this control as."""
        return _CONTROL_ACTION[self]


_CONTROL_ACTION: dict[RoadControl, TransportAction] = {
    RoadControl.RESTRICTION: TransportAction.SPEED_LIMIT,
    RoadControl.CLOSURE: TransportAction.CLOSE_ROAD,
    RoadControl.DE_ICING: TransportAction.DE_ICE_ROAD,
}


class ControlTrigger(StrEnum):
    """What condition a control answers."""

    LOW_VISIBILITY = "low_visibility"
    ICING = "icing"
    FLOODING = "flooding"
    HEAVY_RAIN = "heavy_rain"
    HIGH_WIND = "high_wind"
    EMERGENCY_ACCESS = "emergency_access"  # de-icing an emergency route on request


class ControlBasis(StrEnum):
    """Whether a control rests on what detectors measured, a forecast, or another's request."""

    OBSERVED = "observed"
    FORECAST = "forecast"
    REQUEST = "request"


class VehicleClass(StrEnum):
    """Vehicle classes a restriction can ban (icing: coaches and hazardous goods)."""

    COACH = "coach"
    HAZARDOUS_GOODS = "hazardous_goods"


class RoadStatus(StrEnum):
    """The state of a segment as road users (and the emergency router) see it."""

    OPEN = "open"
    RESTRICTED = "restricted"
    CLOSED = "closed"


class RoadControlApplied(DecisionMade):
    """The transport service applied (or lifted) a control on one expressway segment."""

    EVENT_TYPE = "RoadControlApplied"
    sector: str = "transport"

    segment_id: str = Field(min_length=1, max_length=48)
    road: str = Field(min_length=1, max_length=16, description="Expressway number, e.g. G60")
    control: RoadControl
    trigger: ControlTrigger
    basis: ControlBasis
    speed_limit_kmh: int | None = Field(default=None, ge=5, le=120)
    min_gap_m: int | None = Field(default=None, ge=0, le=1000)
    banned_vehicles: tuple[VehicleClass, ...] = ()
    visibility_m: float | None = Field(
        default=None, ge=0, description="Visibility (measured or forecast) the control answers"
    )

    @model_validator(mode="after")
    def _consistent(self) -> RoadControlApplied:
        if self.sector != SECTOR.name:
            raise ValueError("a road control is a transport decision")
        if self.action != self.control.action:
            raise ValueError(f"control {self.control} is scored as {self.control.action}")
        if self.asset_ids != (self.segment_id,):
            raise ValueError("asset_ids must be exactly (segment_id,)")
        if self.control is not RoadControl.RESTRICTION and (
            self.speed_limit_kmh is not None or self.banned_vehicles
        ):
            raise ValueError("speed limits and bans belong to a restriction")
        return self


class RoadStatusChanged(Event):
    """The status of one segment changed in one mode's view of the network."""

    EVENT_TYPE = "RoadStatusChanged"
    # Road status is what signs and navigation apps show the public.
    classification: Classification = Classification.PUBLIC

    mode: Mode
    segment_id: str = Field(min_length=1, max_length=48)
    road: str = Field(min_length=1, max_length=16)
    from_city: RegionCode
    to_city: RegionCode
    status: RoadStatus
    speed_limit_kmh: int | None = Field(default=None, ge=5, le=120)
    banned_vehicles: tuple[VehicleClass, ...] = ()
    reason: str = Field(default="", max_length=300)

    @model_validator(mode="after")
    def _limit_only_when_restricted(self) -> RoadStatusChanged:
        if self.status is not RoadStatus.RESTRICTED and self.speed_limit_kmh is not None:
            raise ValueError("only a restricted segment carries a speed limit")
        return self


class SurfaceState(StrEnum):
    """Road-surface state as reported by a road-weather detector."""

    DRY = "dry"
    WET = "wet"
    ICY = "icy"
    FLOODED = "flooded"


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


SECTOR = SectorInfo(
    name="transport",
    label_zh="交通运输",
    label_en="Transport",
    colour="#b18cff",
    plan_section="二.4",
    actions=actions_of(
        TransportAction,
        {
            "speed_limit": ("限速", "speed limit"),
            "close_road": ("封闭高速", "close expressway"),
            "de_ice_road": ("除冰撒盐", "de-ice road"),
        },
    ),
)

TRANSPORT_OBSERVATIONS = TopicSpec(
    sector="transport",
    event="observations",
    version=1,
    model=RoadObservation,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    classification=Classification.INTERNAL,
    description="Expressway detectors: speed, volume, road-surface temperature, visibility",
)
TRANSPORT_CONTROLS = TopicSpec(
    sector="transport",
    event="controls",
    version=1,
    model=RoadControlApplied,
    role=TopicRole.DECISIONS,
    classification=Classification.INTERNAL,
    description="Road controls per expressway segment (siloed and fused decisions)",
)
TRANSPORT_ROAD_STATUS = TopicSpec(
    sector="transport",
    event="road-status",
    version=1,
    model=RoadStatusChanged,
    role=TopicRole.STATUS,
    classification=Classification.PUBLIC,
    description="Open/restricted/closed per segment and mode; the emergency service routes on it",
)

TOPICS = (TRANSPORT_OBSERVATIONS, TRANSPORT_CONTROLS, TRANSPORT_ROAD_STATUS)
