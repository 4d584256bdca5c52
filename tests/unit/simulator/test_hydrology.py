"""The rivers and the lake: routing that conserves water and lags by its constants, a lake that
stays put without rain, and a rain burst over the Raohe that reaches its gauge and then the lake."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.simulator.data import get_scenario, simulation
from services.simulator.domain.hydrology import (
    balance_stage,
    lake_levels,
    muskingum,
    outlet_flow,
    quick_flow,
)
from services.simulator.domain.scenario import HazardSpec, Scenario, Spread
from shared.contracts.simulator import HazardKind
from shared.world import load_world

WORLD = load_world()
HYDRO = WORLD.hydrology


def centroid(series: list[float], base: float = 0.0) -> float:
    """The time (h) of the centre of mass of ``series`` above ``base``."""
    excess = [max(0.0, v - base) for v in series]
    return sum(i * v for i, v in enumerate(excess)) / sum(excess)


def pulse(hours: int = 400, at: int = 10, width: int = 6, height: float = 100.0) -> list[float]:
    """A rectangular inflow pulse on a base of 10."""
    return [10.0 + (height if at <= i < at + width else 0.0) for i in range(hours)]


@pytest.mark.parametrize(("k_h", "x"), [(6.0, 0.2), (24.0, 0.2), (12.0, 0.1), (8.0, 0.0)])
def test_muskingum_conserves_water_and_delays_its_centre_by_k(k_h: float, x: float) -> None:
    inflow = pulse()
    out = muskingum(inflow, k_h, x)
    assert sum(out) == pytest.approx(sum(inflow), rel=1e-6)
    assert min(out) >= 10.0 - 1e-9, "no dip below the base before the rise"
    assert max(out) < max(inflow), "routing attenuates the peak"
    assert centroid(out, 10.0) - centroid(inflow, 10.0) == pytest.approx(k_h, abs=0.6)


def test_a_linear_reservoir_runs_off_the_rain_times_the_coefficient_and_lags_by_k() -> None:
    rain = [10.0 if i < 3 else 0.0 for i in range(600)]
    flow = quick_flow(rain, [0.5] * 600, area_km2=1000.0, k_h=30.0)
    volume_m3 = sum(flow) * 3600
    assert volume_m3 == pytest.approx(30 * 0.5 * 1000 * 1000, rel=1e-3)  # 30 mm on 1,000 km2
    assert centroid(flow) - centroid(rain) == pytest.approx(30.0, abs=1.0)


def test_the_outlet_drains_towards_the_yangtze_and_backflows_when_it_is_higher() -> None:
    lake = HYDRO.lake
    assert outlet_flow(lake, 20.0, 19.8) > 0
    assert outlet_flow(lake, 19.8, 20.0) < 0
    assert outlet_flow(lake, 20.0, 20.0) == 0
    # The flood-season check of the data file: about 23,000 m3/s near Hukou 20.45 m.
    assert 15_000 < outlet_flow(lake, 20.7, 20.45) < 35_000
    # In balance, the stage that passes an inflow passes exactly it.
    y = balance_stage(lake, 15.0, 5_000.0)
    assert outlet_flow(lake, 15.0, y) == pytest.approx(5_000.0, rel=1e-6)


def test_the_lake_keeps_its_water_balance() -> None:
    lake = HYDRO.lake
    inflow = pulse(hours=300, height=20_000.0)
    inflow = [v + 8_000 for v in inflow]
    yangtze = [17.8] * 300
    levels, outflow = lake_levels(lake, 18.0, inflow, yangtze)
    # Storage change ~ area x level change; over small changes the area is nearly constant.
    stored = sum((i - o) * 3600 for i, o in zip(inflow, outflow, strict=True))
    area = lake.area_km2(levels[-1]) * 1e6
    assert stored / area == pytest.approx(levels[-1] - levels[0], abs=0.02)


def _dry(hours: int = 240) -> Scenario:
    """A rainless, steady summer world (the same for every seed)."""
    sc = get_scenario("heatwave-rice-flowering")
    return sc.model_copy(
        update={
            "spread": Spread.none(),
            "hazards": (),
            "end": sc.start + timedelta(hours=hours),
            "baseline": sc.baseline.model_copy(update={"rain_mm_day": 0.0}),
        }
    )


def _raohe_burst(hours: int = 240) -> Scenario:
    """The dry world with one day of heavy rain over the Raohe's basin (Le'an and Chang)."""
    sc = _dry(hours)
    burst = HazardSpec(
        id="raohe-burst",
        kind=HazardKind.RAINSTORM,
        start=sc.start + timedelta(hours=24),
        end=sc.start + timedelta(hours=48),
        peak=12.0,
        ramp_h=4,
        centre=(117.45, 29.2),
        radius_km=60,
    )
    return sc.model_copy(update={"hazards": (burst,)})


def test_no_rain_leaves_the_rivers_and_the_lake_where_they_started() -> None:
    state = simulation(_dry(), 1).state
    for gauge, levels in state.gauge_levels.items():
        assert max(levels) - min(levels) < 1e-6, gauge


def test_a_raohe_burst_raises_its_gauges_and_then_the_lake() -> None:
    dry = simulation(_dry(), 1).state
    wet = simulation(_raohe_burst(), 1).state
    rain_centre = 36.0  # the middle of the burst
    for gauge in ("dufengkeng", "hushan"):
        river = WORLD.gauge(gauge).river
        assert river is not None
        spec = next(r for r in HYDRO.rivers if r.id == river)
        rise = [
            w - d for w, d in zip(wet.gauge_levels[gauge], dry.gauge_levels[gauge], strict=True)
        ]
        assert max(rise) > 1.0, f"{gauge} rises by metres"
        # The flow's centre arrives after the catchment's and the reach's storage constants.
        flow = wet.hydro.rivers[river].gauge
        lag = centroid(flow, flow[0]) - rain_centre
        assert lag == pytest.approx(spec.quick_k_h + spec.reach_k_h, abs=6), gauge
        into_lake = wet.hydro.rivers[river].to_lake
        assert centroid(into_lake, into_lake[0]) - centroid(flow, flow[0]) == pytest.approx(
            spec.lake_k_h, abs=1.5
        )
    lake = [w - d for w, d in zip(wet.hydro.lake_level, dry.hydro.lake_level, strict=True)]
    assert max(lake) > 0.01, "the lake rises"
    dufengkeng_peak = wet.gauge_levels["dufengkeng"].index(max(wet.gauge_levels["dufengkeng"]))
    assert lake.index(max(lake)) > dufengkeng_peak, "and after the river"
    # A river far from the burst (only its Gaussian tail reaches it) stays within a centimetre.
    assert max(wet.gauge_levels["waizhou"]) == pytest.approx(
        dry.gauge_levels["waizhou"][0], abs=0.01
    )


def _burst_at(centre: tuple[float, float], hours: int = 240) -> Scenario:
    """The dry world with one day of heavy rain centred on ``centre`` (lon, lat)."""
    sc = _raohe_burst(hours)
    (burst,) = sc.hazards
    return sc.model_copy(update={"hazards": (burst.model_copy(update={"centre": centre}),)})


def test_an_upstream_gauge_rises_first_and_the_lake_counts_its_water_once() -> None:
    dry = simulation(_dry(), 1).state
    wet = simulation(_burst_at((115.0, 27.0)), 1).state  # over Ji'an, in the Gan's catchment
    jian, waizhou = wet.gauge_levels["jian"], wet.gauge_levels["waizhou"]
    assert max(jian) - dry.gauge_levels["jian"][0] > 0.5
    assert max(waizhou) - dry.gauge_levels["waizhou"][0] > 0.1
    assert jian.index(max(jian)) < waizhou.index(max(waizhou)), "upstream crests first"
    # Ji'an's catchment lies inside the Gan's: its water reaches the lake only through Waizhou.
    assert all(v == 0.0 for v in wet.hydro.rivers["gan-jian"].to_lake)
    inflow = [wet.hydro.inflow(i) for i in range(wet.hours)]
    gan = wet.hydro.rivers["ganjiang"].to_lake
    others = [
        wet.hydro.local_inflow[i]
        + sum(r.to_lake[i] for k, r in wet.hydro.rivers.items() if k != "ganjiang")
        for i in range(wet.hours)
    ]
    assert inflow == pytest.approx([g + o for g, o in zip(gan, others, strict=True)])


def test_a_river_that_leaves_the_basin_floods_its_city_but_not_the_lake() -> None:
    dry = simulation(_dry(), 1).state
    wet = simulation(_burst_at((113.9, 27.65)), 1).state  # over Pingxiang
    assert max(wet.gauge_levels["pingxiang"]) - dry.gauge_levels["pingxiang"][0] > 0.5
    assert all(v == 0.0 for v in wet.hydro.rivers["pingshui"].to_lake)


def test_a_river_nested_in_no_river_or_in_a_smaller_one_is_refused() -> None:
    from pydantic import ValidationError

    from shared.world import Hydrology

    data = HYDRO.model_dump()
    for river in data["rivers"]:
        if river["id"] == "gan-jian":
            river["drains"] = "nowhere"
    with pytest.raises(ValidationError, match="not a river to the lake"):
        Hydrology.model_validate(data)
    data = HYDRO.model_dump()
    for river in data["rivers"]:
        if river["id"] == "gan-jian":
            river["area_km2"] = 90_000
    with pytest.raises(ValidationError, match="larger than ganjiang"):
        Hydrology.model_validate(data)
