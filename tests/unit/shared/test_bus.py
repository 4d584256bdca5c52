"""The in-process bus: marker order, held events, failures, withheld flows, latency and shared
copies.

Toy services over real topics (the bus reads the registry to know which topics the simulator
marks); the real services' order is checked from their manifests.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from pydantic_settings import SettingsConfigDict

from dexsim.registry import clocked
from shared.contracts.envelope import Event
from shared.contracts.referee import REFEREE_SCORES
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_OBSERVATIONS,
    WEATHER_WARNINGS,
    ForecastIssued,
    ForecastStep,
    StationObservation,
)
from shared.runtime import Agent, Manifest
from shared.runtime.bus import InProcessBus, TopologyError
from shared.settings import ServiceSettings
from tests.factories.referee import T0, marker


class ToySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DEXSIM_TOY_", frozen=True)


@dataclass
class Seen:
    events: list[Event] = field(default_factory=list)
    ticks: list[int] = field(default_factory=list)


def obs(hour: float, station: str = "58606") -> StationObservation:
    return StationObservation(
        occurred_at=T0 + timedelta(hours=hour), source="t", region="360100", station_id=station
    )


def forecast(hour: float) -> ForecastIssued:
    at = T0 + timedelta(hours=hour)
    return ForecastIssued(
        occurred_at=at, source="t", region="360100", run_at=at, steps=(ForecastStep(valid_at=at),)
    )


def record(state: Seen, event: Event) -> list[Event]:
    if isinstance(event, StationObservation) and event.station_id == "boom":
        raise ValueError("cannot take this reading")
    state.events.append(event)
    return []


def on_tick(state: Seen, tick: TickAdvanced) -> list[Event]:
    state.ticks.append(tick.tick)
    return []


def toy(name: str, *agents: Agent[Seen]) -> tuple[Manifest[Seen], ServiceSettings]:
    manifest: Manifest[Seen] = Manifest(
        name=name, port=9999, settings=ToySettings, state=lambda _: Seen(), agents=agents
    )
    return manifest, ToySettings(tick_sync=True)


READER = Agent(
    name="read",
    reads=(WEATHER_OBSERVATIONS,),
    fused_reads=(WEATHER_FORECASTS,),
    handlers={StationObservation: record, ForecastIssued: record},
    on_tick=on_tick,
)


def test_events_are_handled_in_the_one_order_and_a_later_one_waits_for_its_tick() -> None:
    bus = InProcessBus([toy("toy", READER)])
    late, b, a = obs(1.5), obs(0.5, "b"), obs(0.5, "a")
    bus.play_tick(
        [(WEATHER_OBSERVATIONS, late), (WEATHER_OBSERVATIONS, b), (WEATHER_OBSERVATIONS, a)],
        marker(0),
    )
    seen = bus.state("toy")
    # the same time, the same type: by id; the 01:30 reading is not due at the 01:00 tick's end
    assert seen.events == sorted([a, b], key=lambda e: str(e.event_id))
    bus.play_tick([], marker(1))
    assert seen.events[-1] == late
    assert seen.ticks == [0, 1]


def test_a_repeated_event_is_handled_once() -> None:
    bus = InProcessBus([toy("toy", READER)])
    event = obs(0.5)
    bus.play_tick([(WEATHER_OBSERVATIONS, event), (WEATHER_OBSERVATIONS, event)], marker(0))
    assert bus.state("toy").events == [event]
    assert bus.stats.duplicates == 1


def test_a_failing_handler_is_counted_and_the_run_goes_on() -> None:
    bus = InProcessBus([toy("toy", READER)])
    good = obs(0.5)
    bus.play_tick(
        [(WEATHER_OBSERVATIONS, obs(0.2, "boom")), (WEATHER_OBSERVATIONS, good)], marker(0)
    )
    assert bus.state("toy").events == [good]
    assert bus.stats.failures == {("toy.read", "StationObservation"): 1}


def test_fusion_off_reads_no_other_sector_and_a_withheld_flow_is_not_read() -> None:
    events = [(WEATHER_OBSERVATIONS, obs(0.5)), (WEATHER_FORECASTS, forecast(0.5))]
    for bus in (
        InProcessBus([(toy("toy", READER)[0], ToySettings(tick_sync=True, fusion=False))]),
        InProcessBus([toy("toy", READER)], withheld=[(WEATHER_FORECASTS.name, "toy")]),
    ):
        bus.play_tick(events, marker(0))
        assert [type(e) for e in bus.state("toy").events] == [StationObservation]
    fused = InProcessBus([toy("toy", READER)])
    fused.play_tick(events, marker(0))
    assert len(fused.state("toy").events) == 2


def test_only_a_cross_sector_read_can_be_withheld() -> None:
    with pytest.raises(ValueError, match="does not read"):
        InProcessBus([toy("toy", READER)], withheld=[(WEATHER_OBSERVATIONS.name, "toy")])


def test_latency_delays_cross_sector_reads_only() -> None:
    bus = InProcessBus([toy("toy", READER)], latency=timedelta(hours=2))
    own, other = obs(0.5), forecast(0.5)
    bus.play_tick([(WEATHER_OBSERVATIONS, own), (WEATHER_FORECASTS, other)], marker(0))
    assert bus.state("toy").events == [own]
    bus.play_tick([], marker(1))
    assert bus.state("toy").events == [own]
    bus.play_tick([], marker(2))  # 00:30 + 2 h is due by the 03:00 tick's end
    assert bus.state("toy").events == [own, other]


def test_a_shared_copy_goes_to_the_cross_sector_reads_and_the_original_to_its_own_sector() -> None:
    owner = Agent(
        name="own",
        reads=(WEATHER_FORECASTS,),
        handlers={ForecastIssued: record},
    )
    copy = dataclasses.replace(WEATHER_FORECASTS, event="forecasts-copy")
    bus = InProcessBus(
        [toy("weatherish", owner), toy("toy", READER)],
        shared={WEATHER_FORECASTS.name: copy.name},
    )
    original, degraded = forecast(0.5), forecast(0.6)
    bus.play_tick([(WEATHER_FORECASTS, original), (copy, degraded)], marker(0))
    assert bus.state("weatherish").events == [original]
    assert bus.state("toy").events == [degraded]


def test_an_agent_reading_a_topic_nobody_marks_is_refused() -> None:
    stuck = Agent(name="stuck", reads=(REFEREE_SCORES,), handlers={})
    with pytest.raises(TopologyError, match="no one marks"):
        InProcessBus([toy("toy", stuck)])


def test_agents_that_wait_for_each_other_are_refused() -> None:
    a = Agent(name="a", reads=(WEATHER_WARNINGS,), handlers={}, outputs=(WEATHER_FORECASTS,))
    b = Agent(name="b", reads=(WEATHER_FORECASTS,), handlers={}, outputs=(WEATHER_WARNINGS,))
    # the forecasts are marked by the simulator too; the warnings only by ``a``, which waits
    # for ``b``'s markers on the forecasts, which wait for ``a``'s
    with pytest.raises(TopologyError, match="wait for each other"):
        InProcessBus([toy("x", a), toy("y", b)])


def test_the_services_run_in_the_order_their_markers_reach_them() -> None:
    services = [(e.manifest, e.manifest.settings(tick_sync=True)) for e in clocked()]
    order = [n.name for n in InProcessBus(services).nodes]
    assert order.index("weather.warn") < order.index("agriculture.advise")
    assert order.index("weather.warn") < order.index("transport.control")
    for upstream in ("agriculture.advise", "transport.control"):
        assert order.index(upstream) < order.index("emergency.respond")
    # transport's side agent reads emergency's responses and marks nothing: it runs as soon as
    # emergency has, before the referee, which reads every decision topic
    assert order.index("emergency.respond") < order.index("transport.access")
    assert order.index("transport.access") < order.index("referee.score")
    # the referee's ensemble agent belongs to no tick
    assert "referee.ensembles" not in order
