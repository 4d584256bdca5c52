"""The five rivers and the lake (五河一湖): rain on each catchment becomes flow at its gauge, the
rivers fill Poyang Lake, and the lake drains to the Yangtze at Hukou.

- **Runoff.** A catchment's water input is the mean rain (less what falls frozen, plus what
  thaws) at its sample points; the share that runs off rises with the soil moisture of the points'
  cities (``RunoffCoefficient``), and a linear reservoir
  (constant ``quick_k_h``) turns it into quick flow on top of a constant baseflow (the catchment's
  long-term mean flow times the scenario's ``river_flow_ratio``).
- **Routing.** Muskingum routing (``reach_k_h``, ``reach_x``) carries the catchment's flow to its
  gauge, whose rating curve gives the stage; a second reach (``lake_k_h``, ``lake_x``) carries it on
  to the lake. Each reach is split into sub-reaches short enough for non-negative coefficients.
  An upstream gauge (``drains`` names the river whose catchment holds its own) and a river that
  leaves the basin (``drains: outside``) have a stage but add nothing to the lake: the first is
  already inside its main river's catchment, the second flows to Hunan.
- **The lake.** Its storage changes by inflow (the rivers and the ungauged local catchment) less
  the outflow at Hukou, ``c * (L - bed)^(5/3) * sqrt(L - Y)`` with ``Y`` the Yangtze's stage there
  (the scenario's boundary condition; backflow when the Yangtze is higher), over the lake's area at
  its level. Without a Yangtze boundary the Yangtze holds the stage at which the scenario's initial
  lake level is in balance with the baseflow, so a world without rain stays where it started.

Everything is a pure function of its inputs, hourly. The data and their sources are in
``shared/world/rivers.yaml`` and ``shared/world/gauges.yaml``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shared.world import Hydrology, Lake, River

#: Seconds per model step (one hour).
STEP_S = 3600.0
#: The lake is integrated in this many sub-steps per hour (the outlet reacts within minutes).
LAKE_SUBSTEPS = 6
#: The key of the lake's ungauged local catchment among the catchments' inputs.
LOCAL = "local"
#: Below this head (m) the outlet's square-root law is linearised (it has no finite slope at 0).
_HEAD_LINEAR_M = 0.01


@dataclass(frozen=True)
class RiverFlow:
    """One river's hourly flows: from its catchment, at its gauge, and into the lake (m3/s)."""

    river: River
    catchment: list[float]
    gauge: list[float]
    to_lake: list[float]


@dataclass(frozen=True)
class HydroState:
    """The hourly hydrology of a scenario."""

    rivers: dict[str, RiverFlow]
    local_inflow: list[float]
    lake_level: list[float]
    outflow: list[float]
    yangtze: list[float]

    def inflow(self, i: int) -> float:
        """Total inflow to the lake at hour ``i`` (m3/s)."""
        return self.local_inflow[i] + sum(r.to_lake[i] for r in self.rivers.values())


def quick_flow(
    rain_mm_h: Sequence[float], coefficient: Sequence[float], area_km2: float, k_h: float
) -> list[float]:
    """Quick flow (m3/s) out of a linear reservoir fed by the rain that runs off."""
    decay = math.exp(-1.0 / k_h)
    q = 0.0
    out: list[float] = []
    for r, c in zip(rain_mm_h, coefficient, strict=True):
        # mm/h over km2 -> m3/s: 1 mm on 1 km2 is 1,000 m3.
        runoff = r * c * area_km2 * 1000.0 / STEP_S
        q = q * decay + runoff * (1.0 - decay)
        out.append(q)
    return out


def muskingum(inflow: Sequence[float], k_h: float, x: float) -> list[float]:
    """Route ``inflow`` (hourly) through a Muskingum reach of storage constant ``k_h`` hours.

    The reach is split into ``n`` equal sub-reaches with ``2 * K/n * x <= 1 h``, which keeps every
    coefficient non-negative (no dip before a rise). The reach starts in steady state.
    """
    if not inflow:
        return []
    n = max(1, math.ceil(2.0 * k_h * x))
    k = k_h / n
    dt = 1.0
    denom = 2.0 * k * (1.0 - x) + dt
    c0 = (dt - 2.0 * k * x) / denom
    c1 = (dt + 2.0 * k * x) / denom
    c2 = (2.0 * k * (1.0 - x) - dt) / denom
    if c2 < 0:
        # A reach shorter than half an hour passes its inflow on within the step.
        return list(inflow)
    flow = list(inflow)
    for _ in range(n):
        out = [flow[0]]
        for t in range(1, len(flow)):
            out.append(c0 * flow[t] + c1 * flow[t - 1] + c2 * out[t - 1])
        flow = out
    return flow


def outlet_flow(lake: Lake, level_m: float, yangtze_m: float) -> float:
    """Outflow at Hukou (m3/s; negative when the Yangtze flows back into the lake)."""
    depth = max(0.0, max(level_m, yangtze_m) - lake.outlet.bed_m)
    conveyance: float = lake.outlet.c * depth ** (5.0 / 3.0)
    head = level_m - yangtze_m
    if abs(head) < _HEAD_LINEAR_M:
        return conveyance * head / math.sqrt(_HEAD_LINEAR_M)
    return conveyance * math.copysign(math.sqrt(abs(head)), head)


def balance_stage(lake: Lake, level_m: float, inflow_m3s: float) -> float:
    """The Yangtze stage at which ``inflow_m3s`` leaves a lake at ``level_m`` (steady state)."""
    depth = max(0.1, level_m - lake.outlet.bed_m)
    conveyance: float = lake.outlet.c * depth ** (5.0 / 3.0)
    q = max(0.0, inflow_m3s) / conveyance
    head = q * math.sqrt(_HEAD_LINEAR_M) if q < math.sqrt(_HEAD_LINEAR_M) else q * q
    return level_m - head


def lake_levels(
    lake: Lake, initial_m: float, inflow: Sequence[float], yangtze: Sequence[float]
) -> tuple[list[float], list[float]]:
    """Hourly lake level (Xingzi) and outflow from the inflow and the Yangtze's stage."""
    level = initial_m
    levels: list[float] = []
    outflows: list[float] = []
    dt = STEP_S / LAKE_SUBSTEPS
    for q_in, y in zip(inflow, yangtze, strict=True):
        levels.append(level)
        out_hour = 0.0
        for _ in range(LAKE_SUBSTEPS):
            q_out = outlet_flow(lake, level, y)
            out_hour += q_out / LAKE_SUBSTEPS
            level += (q_in - q_out) * dt / (lake.area_km2(level) * 1e6)
        outflows.append(out_hour)
    return levels, outflows


def simulate(
    hydrology: Hydrology,
    *,
    water_input: Mapping[str, Sequence[float]],
    soil_moisture: Mapping[str, Sequence[float]],
    hours: int,
    flow_ratio: float,
    lake_initial_m: float,
    yangtze: Sequence[float] | None,
) -> HydroState:
    """The hourly hydrology from each catchment's water input and soil moisture.

    ``water_input`` (mm/h) and ``soil_moisture`` (%) are keyed by river id, and ``LOCAL`` for the
    lake's own catchment; ``yangtze`` is the Yangtze's hourly stage at Hukou, or None to hold it
    where the initial lake is in balance.
    """
    coeff = hydrology.runoff_coefficient

    def runoff(key: str, area: float, k_h: float) -> list[float]:
        wetness = [coeff.at(v) for v in soil_moisture[key]]
        base = hydrology.mean_flow_m3s(area) * flow_ratio
        quick = quick_flow(water_input[key], wetness, area, k_h)
        return [base + q for q in quick]

    rivers: dict[str, RiverFlow] = {}
    for river in hydrology.rivers:
        catchment = runoff(river.id, river.area_km2, river.quick_k_h)
        at_gauge = muskingum(catchment, river.reach_k_h, river.reach_x)
        if river.lake_k_h is None or river.lake_x is None:
            # an upstream gauge of a river already counted whole, or a river leaving the basin
            to_lake = [0.0] * len(at_gauge)
        else:
            to_lake = muskingum(at_gauge, river.lake_k_h, river.lake_x)
        rivers[river.id] = RiverFlow(river, catchment, at_gauge, to_lake)
    lake = hydrology.lake
    local = runoff(LOCAL, lake.local_area_km2, lake.local_quick_k_h)
    inflow = [local[i] + sum(r.to_lake[i] for r in rivers.values()) for i in range(hours)]
    if yangtze is None:
        steady = balance_stage(lake, lake_initial_m, inflow[0] if inflow else 0.0)
        yangtze = [steady] * hours
    levels, outflow = lake_levels(lake, lake_initial_m, inflow, yangtze)
    return HydroState(
        rivers=rivers,
        local_inflow=local,
        lake_level=levels,
        outflow=outflow,
        yangtze=list(yangtze),
    )
