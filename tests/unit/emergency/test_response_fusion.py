"""Routing over open roads, and siloed versus fused responses on the same and on more data."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.emergency import streams
from services.emergency.service import MANIFEST
from shared.contracts.emergency import (
    GaugeReading,
    Measure,
    ReportKind,
    ResponseDecided,
    ResponseLevel,
)
from shared.contracts.envelope import Event, Mode
from shared.contracts.weather import WEATHER_WARNINGS, Colour, SignalType
from tests.factories import emergency as make
from tests.factories.emergency import (
    JIUJIANG,
    NANCHANG,
    SHANGRAO,
    T0,
    closed,
    comparable,
    gauge,
    graph,
    report,
    warning,
)


def handle(models: streams.Models, event: Event) -> list[Event]:
    """An event through the service's handler of its type, as the runtime dispatches it (a
    batch of one: the handler, then the agent's work after the batch)."""
    (agent,) = [a for a in MANIFEST.agents if type(event) in a.handlers]
    out = list(agent.handlers[type(event)](models, event))
    if agent.after_batch is not None:
        out += agent.after_batch(models)
    return out


def _decided(events: list[Event]) -> list[tuple[str, str, str | None, str]]:
    return sorted(
        (e.mode, e.measure, e.level, e.status) for e in events if isinstance(e, ResponseDecided)
    )


def test_deferred_models_decide_at_the_end_of_the_batch_what_immediate_ones_decide_at_once() -> (
    None
):
    inputs = [gauge(0, 20.4), report(1, ReportKind.FLOODING), report(2, ReportKind.LANDSLIDE)]
    now = make.models()
    at_once = [e for event in inputs for e in handle(now, event)]
    later = make.models(defer=True)
    during = [e for event in inputs for e in streams.RESPOND.handlers[type(event)](later, event)]
    assert during == []  # nothing is decided per input
    flushed = list(streams.after_batch(later))
    assert _decided(flushed) == _decided(at_once) and flushed
    assert list(streams.after_batch(later)) == []  # each touched city is decided once


def of(events: list[Event], mode: Mode, measure: Measure | None = None) -> list[ResponseDecided]:
    return [
        e for e in events
        if isinstance(e, ResponseDecided) and e.mode is mode
        and (measure is None or e.measure is measure)
    ]  # fmt: skip


def test_an_open_network_routes_nanchang_to_jiujiang_directly() -> None:
    route = graph().route(NANCHANG, JIUJIANG)
    assert route is not None
    assert route.segments == ("G70-NC-JJ",)
    assert not route.through_closure


def test_a_closed_segment_forces_the_longer_route_around_it() -> None:
    g = graph()
    open_route = g.route(NANCHANG, JIUJIANG)
    g.update(closed("G70-NC-JJ"))
    detour = g.route(NANCHANG, JIUJIANG)
    assert open_route is not None and detour is not None
    assert "G70-NC-JJ" not in detour.segments
    assert detour.segments[-1] == "G56-JDZ-JJ"  # around through Jingdezhen
    assert detour.distance_km > open_route.distance_km
    assert not detour.through_closure


def test_when_every_way_is_closed_the_route_waits_at_a_closure() -> None:
    g = graph()
    g.update(closed("G70-NC-JJ"))
    g.update(closed("G56-JDZ-JJ"))
    route = g.route(NANCHANG, JIUJIANG)
    assert route is not None
    assert route.through_closure
    assert route.hours >= make.rules().closure_wait_h


def test_without_cross_sector_input_both_modes_decide_identically() -> None:
    models = make.models()
    own: list[Event] = [
        gauge(0, 19.1),
        report(1, ReportKind.FLOODING),
        gauge(2, 20.3),
        report(3, ReportKind.FLOODING),
        report(4, ReportKind.FLOODING),
        gauge(30, 17.0),
    ]
    events = [e for o in own for e in handle(models, o)]
    siloed = [comparable(e) for e in of(events, Mode.SILOED)]
    fused = [comparable(e) for e in of(events, Mode.FUSED)]
    assert len(siloed) > 3
    assert siloed == fused


def test_with_fusion_off_cross_sector_events_change_nothing() -> None:
    models = make.models()
    read = [t for a in MANIFEST.agents for t in a.topics(fusion=False)]
    assert read  # the service reads its own sector and the public warnings ...
    assert {t.sector for t in read} == {"emergency", "weather"}
    assert {t for t in read if t.sector == "weather"} == {WEATHER_WARNINGS}  # ... nothing else
    assert models.fused.active_decisions() == []


def test_a_public_rainstorm_warning_raises_the_level_early_in_both_modes() -> None:
    models = make.models()
    handle(models, gauge(0, 18.7))  # just under warning: nobody acts yet
    early = handle(models, warning(60, SignalType.RAINSTORM, Colour.ORANGE, region=JIUJIANG))
    fused = [d for d in of(early, Mode.FUSED, Measure.RESPONSE_LEVEL) if d.region == JIUJIANG]
    siloed = [d for d in of(early, Mode.SILOED, Measure.RESPONSE_LEVEL) if d.region == JIUJIANG]
    assert fused and siloed  # every agency receives the warning (the fair baseline)
    for d in (fused[0], siloed[0]):
        assert d.level is ResponseLevel.IV
        assert d.deployments
        assert d.cross_sector_inputs == ()  # public, not another sector's data
    assert fused[0].decision_key == siloed[0].decision_key


def test_fused_routes_reinforcements_around_a_segment_transport_closed() -> None:
    models = make.models()
    handle(models, closed("G70-NC-JJ"))
    handle(models, closed("G56-JDZ-JJ"))
    events = handle(models, gauge(0, 22.2))  # level I at Jiujiang needs teams from outside
    fused = next(d for d in of(events, Mode.FUSED, Measure.RESPONSE_LEVEL) if d.region == JIUJIANG)
    siloed = next(
        d for d in of(events, Mode.SILOED, Measure.RESPONSE_LEVEL) if d.region == JIUJIANG
    )
    assert fused.level is ResponseLevel.I
    assert any(d.delayed_by_closure for d in fused.deployments)
    assert not any(d.delayed_by_closure for d in siloed.deployments)  # siloed does not know
    assert fused.cross_sector_inputs == ()  # routing used transport data, the level did not


def test_road_status_of_the_other_world_is_ignored() -> None:
    models = make.models()
    handle(models, closed("G70-NC-JJ", mode=Mode.SILOED))
    assert models.fused.graph.closed() == []


@pytest.mark.parametrize(
    ("colour", "level"), [(Colour.YELLOW, None), (Colour.ORANGE, ResponseLevel.IV)]
)
def test_an_icing_warning_raises_the_level_from_orange_and_de_ices_nothing(
    colour: Colour, level: ResponseLevel | None
) -> None:
    # power lines are the energy sector's: the signal only sets a response level, in both modes
    models = make.models()
    events = handle(models, warning(0, SignalType.ROAD_ICING, colour, region=SHANGRAO))
    for mode in Mode:
        decided = of(events, mode)
        assert {d.measure for d in decided} <= {Measure.RESPONSE_LEVEL}
        assert [d.level for d in decided] == ([level] if level else [])
        assert all(d.region == SHANGRAO and d.cross_sector_inputs == () for d in decided)


def test_a_heat_warning_suspends_fireworks_plants_in_that_city_only() -> None:
    models = make.models()
    events = handle(models, warning(0, SignalType.HEAT, Colour.ORANGE, region="360300"))
    suspended = {d.asset_ids for d in of(events, Mode.FUSED, Measure.SUSPEND_OPERATIONS)}
    assert suspended == {("sl-fireworks-1",)}


def test_the_flood_gauge_reading_without_a_level_is_ignored() -> None:
    models = make.models()
    blank = GaugeReading(
        occurred_at=T0 + timedelta(hours=1), source="simulator", region=JIUJIANG,
        gauge_id="xingzi", water_level_m=None,
    )  # fmt: skip
    assert of(handle(models, blank), Mode.SILOED) == []
