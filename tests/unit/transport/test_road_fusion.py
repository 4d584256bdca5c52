"""Siloed versus fused: one model code; same decisions on the same data; fused acts ahead."""

from __future__ import annotations

from datetime import timedelta

from shared.contracts.envelope import Event, Mode
from shared.contracts.transport import (
    ControlBasis,
    RoadControl,
    RoadControlApplied,
    RoadStatus,
    RoadStatusChanged,
    SurfaceState,
)
from shared.contracts.weather import Colour, SignalType
from tests.factories.transport import (
    SEGMENT,
    comparable,
    deliver,
    emergency_dispatch,
    forecast,
    models,
    reading,
    warning,
)


def of_mode(events: list[Event], mode: Mode) -> list[RoadControlApplied]:
    return [e for e in events if isinstance(e, RoadControlApplied) and e.mode is mode]


def fog_morning() -> list[Event]:
    return [
        reading(0, visibility_m=800),
        reading(60, visibility_m=180),
        reading(65, visibility_m=90),
        reading(70, visibility_m=45),
        reading(120, visibility_m=600),
        reading(125, visibility_m=900),
    ]


def test_without_cross_sector_input_both_modes_decide_identically() -> None:
    pair = models()
    events = [e for obs in fog_morning() for e in deliver(pair, obs)]
    siloed = [comparable(e) for e in events if getattr(e, "mode", None) is Mode.SILOED]
    fused = [comparable(e) for e in events if getattr(e, "mode", None) is Mode.FUSED]
    assert siloed
    assert siloed == fused


def test_with_fusion_off_cross_sector_events_change_nothing() -> None:
    pair = models()
    assert deliver(pair, forecast(0, [{"temp_c": -1.0, "rain_mm": 1.2}] * 9), fusion=False) == []
    assert pair.fused.active_controls() == []


def test_a_public_warning_reaches_both_modes_even_with_fusion_off() -> None:
    pair = models()
    events = deliver(pair, warning(0, SignalType.FOG, Colour.RED), fusion=False)
    siloed = [c for c in of_mode(events, Mode.SILOED) if c.segment_id == SEGMENT]
    fused = [c for c in of_mode(events, Mode.FUSED) if c.segment_id == SEGMENT]
    assert siloed and [c.control for c in siloed] == [c.control for c in fused]
    assert all(c.cross_sector_inputs == () for c in siloed + fused)


def test_a_forecast_fog_warning_restricts_both_modes_before_the_fog_arrives() -> None:
    pair = models()
    early = deliver(pair, warning(0, SignalType.FOG, Colour.ORANGE))
    late = deliver(pair, reading(90, visibility_m=150))  # the fog arrives 90 min later
    (fused,) = [c for c in of_mode(early, Mode.FUSED) if c.segment_id == SEGMENT]
    (siloed,) = [c for c in of_mode(early, Mode.SILOED) if c.segment_id == SEGMENT]
    for c in (fused, siloed):
        assert c.basis is ControlBasis.FORECAST
        assert c.cross_sector_inputs == ()  # every agency receives the warning
    assert fused.decision_key == siloed.decision_key  # one situation, two modes
    assert of_mode(late, Mode.FUSED) == of_mode(late, Mode.SILOED) == []  # already restricted


def test_a_warning_touches_only_segments_of_its_city() -> None:
    pair = models()
    events = deliver(pair, warning(0, SignalType.FOG, Colour.ORANGE, region="360700"))
    segments = {c.segment_id for c in of_mode(events, Mode.FUSED)}
    assert segments == {"G45-JA-GZ"}


def test_fused_de_ices_before_forecast_freezing_rain_and_siloed_only_once_it_is_icing() -> None:
    pair = models()
    freezing = [{"temp_c": -1.0, "ground_temp_c": -1.5, "rain_mm": 1.2}] * 6
    early = deliver(pair, forecast(0, [{"temp_c": 2.0, "rain_mm": 0.0}] * 3 + freezing))
    late = deliver(pair, reading(6 * 60, surface_temp_c=-0.5, surface_state=SurfaceState.WET))
    fused = [c for c in of_mode(early, Mode.FUSED) if c.segment_id == SEGMENT]
    siloed = [c for c in of_mode(late, Mode.SILOED) if c.control is RoadControl.DE_ICING]
    assert [c.control for c in fused] == [RoadControl.DE_ICING]
    assert len(siloed) == 1
    assert fused[0].occurred_at + timedelta(hours=6) == siloed[0].occurred_at
    assert fused[0].decision_key == siloed[0].decision_key


def test_a_forecast_beyond_the_icing_horizon_is_not_acted_on() -> None:
    pair = models()
    dry = [{"temp_c": 3.0, "rain_mm": 0.0}] * 13
    assert deliver(pair, forecast(0, [*dry, {"ground_temp_c": -2.0, "rain_mm": 2.0}])) == []


def test_a_cancelled_warning_lifts_what_it_alone_imposed() -> None:
    pair = models()
    deliver(pair, warning(0, SignalType.ROAD_ICING, Colour.RED))
    assert pair.fused.active_controls()
    events = deliver(pair, warning(30, SignalType.ROAD_ICING, Colour.RED, msg_type="Cancel"))
    assert of_mode(events, Mode.FUSED)
    assert all(c.status == "lifted" for c in of_mode(events, Mode.FUSED))
    assert pair.fused.active_controls() == []


def test_an_expired_warning_is_lifted_on_the_next_event() -> None:
    pair = models()
    deliver(pair, warning(0, SignalType.FOG, Colour.RED, hours=2))
    assert pair.fused.active_controls()
    events = deliver(pair, reading(3 * 60, visibility_m=5000))
    assert {c.status for c in of_mode(events, Mode.FUSED)} == {"lifted"}


def test_a_red_icing_warning_closes_and_bans_ahead_and_publishes_closed_status() -> None:
    pair = models()
    events = deliver(pair, warning(0, SignalType.ROAD_ICING, Colour.RED))
    mine = [c for c in of_mode(events, Mode.FUSED) if c.segment_id == SEGMENT]
    assert {c.control for c in mine} == set(RoadControl)
    status = [e for e in events if isinstance(e, RoadStatusChanged) and e.segment_id == SEGMENT]
    assert status[0].status is RoadStatus.CLOSED


def test_fused_pre_treats_a_cold_segment_on_an_emergency_route() -> None:
    pair = models()
    deliver(pair, reading(0, surface_temp_c=1.5, surface_state=SurfaceState.DRY))
    dispatch = emergency_dispatch(10)
    (decision,) = of_mode(deliver(pair, dispatch), Mode.FUSED)
    assert decision.control is RoadControl.DE_ICING
    assert decision.basis is ControlBasis.REQUEST
    assert decision.cross_sector_inputs == ("emergency",)
    siloed_dispatch = dispatch.model_copy(update={"mode": Mode.SILOED})
    assert pair.fused.on_emergency(siloed_dispatch) == []  # the other world's dispatch
    assert deliver(pair, siloed_dispatch) == []  # and the service does not even hand it over
