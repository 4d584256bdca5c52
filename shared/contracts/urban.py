"""The urban sector's contracts: drainage readings in, waterlogging decisions out.

The sector (plan section 二.11, 城市治理) is a city operations centre's "one network" (一网统管)
facing urban waterlogging (城市内涝) in Nanchang: its own data are the drainage network's
manhole level sensors (管网液位), the ponding monitors in its low streets (积水监测) and its rain
gauges, zone by zone. It decides three actions: pre-lowering the network and its regulating lakes
ahead of a storm (预降水位), closing underpasses (封闭下穿隧道) and putting out mobile pumps and
sandbags (移动泵车、沙袋). The registry discovers this module: its ``SECTOR`` and ``TOPICS`` are all
that registers the sector.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class UrbanAction(StrEnum):
    """The protective actions the urban sector decides."""

    PRE_LOWER_NETWORK = "pre_lower_network"
    CLOSE_UNDERPASS = "close_underpass"
    DEPLOY_PUMPS = "deploy_pumps"


class DrainageReading(Event):
    """One hourly reading of a drainage zone's own sensors: the network's fill at its manhole
    level sensors, the depth at its street ponding monitors and the rain at its gauge."""

    EVENT_TYPE = "DrainageReading"
    # The city's infrastructure monitoring data are not for the public (the plan's 分类分级).
    classification: Classification = Classification.INTERNAL

    zone_id: str = Field(min_length=1, max_length=48)
    pipe_fill: float = Field(
        ge=0, le=1.5, description="Network level or flow as a share of its capacity (1: full)"
    )
    street_depth_cm: float = Field(
        ge=0, le=1000, description="Water at the zone's low-street ponding monitors"
    )
    rain_mm: float | None = Field(default=None, ge=0, le=500, description="Rain in the past hour")


class UrbanDecision(DecisionMade):
    """The urban service took (or lifted) one action for one drainage zone."""

    EVENT_TYPE = "UrbanDecision"

    sector: str = "urban"
    zone_id: str = Field(min_length=1, max_length=48)
    basis: str = Field(
        pattern=r"^(sensor|warning|forecast|lift)$", description="What the decision rests on"
    )
    depth_m: float | None = Field(
        default=None, ge=0, description="The low streets' depth the decision expects (m)"
    )
    backwater: bool = Field(
        default=False, description="The model knew the zone's outfalls shut by the river or lake"
    )


SECTOR = SectorInfo(
    name="urban",
    label_zh="城市治理",
    label_en="Urban governance",
    colour="#9bd15c",
    plan_section="二.11",
    actions=actions_of(
        UrbanAction,
        {
            "pre_lower_network": ("管网预降水位", "pre-lower the drainage network"),
            "close_underpass": ("封闭下穿隧道", "close underpasses"),
            "deploy_pumps": ("布设移动泵车沙袋", "deploy mobile pumps and sandbags"),
        },
    ),
)

URBAN_OBSERVATIONS = TopicSpec(
    sector="urban",
    event="observations",
    version=1,
    model=DrainageReading,
    classification=Classification.INTERNAL,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="drainage zones' own sensors: network fill, street ponding, rain",
)
URBAN_DECISIONS = TopicSpec(
    sector="urban",
    event="decisions",
    version=1,
    model=UrbanDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="urban waterlogging decisions, siloed and fused",
)

TOPICS = (URBAN_OBSERVATIONS, URBAN_DECISIONS)
