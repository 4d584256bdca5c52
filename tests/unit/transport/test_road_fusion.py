"""Siloed versus fused: one model code; same decisions on the same data; fused acts ahead."""

from __future__ import annotations

from datetime import timedelta

from services.transport.domain import TransportDesk
from shared.contracts.emergency import Deployment, Measure, ResourceKind, ResponseDecided
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import HazardKind
from shared.contracts.transport import (
    ControlBasis,
    RoadControl,
    RoadControlApplied,
    RoadStatus,
    RoadStatusChanged,
    SurfaceState,
)
from shared.contracts.weather import Colour, SignalType
from tests.unit.transport.road_factories import (
    SEGMENT,
    T0,
    comparable,
    forecast,
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
    desk = TransportDesk(fusion=True)
    events = [e for obs in fog_morning() for e in desk.on_own(obs)]  # type: ignore[arg-type]
    siloed = [comparable(e) for e in events if getattr(e, "mode", None) is Mode.SILOED]
    fused = [comparable(e) for e in events if getattr(e, "mode", None) is Mode.FUSED]
    assert siloed
    assert siloed == fused


def test_with_fusion_off_cross_sector_events_change_nothing() -> None:
    desk = TransportDesk(fusion=False)
    assert desk.on_cross(warning(0, SignalType.FOG, Colour.RED)) == []
    assert desk.fused.active_controls() == []


def test_fused_restricts_on_a_forecast_fog_warning_before_siloed_sees_fog() -> None:
    desk = TransportDesk()
    early = desk.on_cross(warning(0, SignalType.FOG, Colour.ORANGE))
    late = desk.on_own(reading(90, visibility_m=150))  # the fog arrives 90 min later
    (fused,) = [c for c in of_mode(early, Mode.FUSED) if c.segment_id == SEGMENT]
    (siloed,) = of_mode(late, Mode.SILOED)
    assert fused.basis is ControlBasis.FORECAST
    assert fused.cross_sector_inputs == ("weather",)
    assert fused.occurred_at < siloed.occurred_at
    assert fused.decision_key == siloed.decision_key  # one situation, two modes
    assert of_mode(late, Mode.FUSED) == []  # already restricted: not decided again


def test_a_warning_touches_only_segments_of_its_city() -> None:
    desk = TransportDesk()
    events = desk.on_cross(warning(0, SignalType.FOG, Colour.ORANGE, region="360700"))
    segments = {c.segment_id for c in of_mode(events, Mode.FUSED)}
    assert segments == {"G45-JA-GZ"}


def test_fused_de_ices_before_forecast_freezing_rain_and_siloed_only_once_it_is_icing() -> None:
    desk = TransportDesk()
    freezing = [{"temp_c": -1.0, "ground_temp_c": -1.5, "rain_mm": 1.2}] * 6
    early = desk.on_cross(forecast(0, [{"temp_c": 2.0, "rain_mm": 0.0}] * 3 + freezing))
    late = desk.on_own(reading(6 * 60, surface_temp_c=-0.5, surface_state=SurfaceState.WET))
    fused = [c for c in of_mode(early, Mode.FUSED) if c.segment_id == SEGMENT]
    siloed = [c for c in of_mode(late, Mode.SILOED) if c.control is RoadControl.DE_ICING]
    assert [c.control for c in fused] == [RoadControl.DE_ICING]
    assert len(siloed) == 1
    assert fused[0].occurred_at + timedelta(hours=6) == siloed[0].occurred_at
    assert fused[0].decision_key == siloed[0].decision_key


def test_a_forecast_beyond_the_icing_horizon_is_not_acted_on() -> None:
    desk = TransportDesk()
    dry = [{"temp_c": 3.0, "rain_mm": 0.0}] * 13
    assert desk.on_cross(forecast(0, [*dry, {"ground_temp_c": -2.0, "rain_mm": 2.0}])) == []


def test_a_cancelled_warning_lifts_what_it_alone_imposed() -> None:
    desk = TransportDesk()
    desk.on_cross(warning(0, SignalType.ROAD_ICING, Colour.RED))
    assert desk.fused.active_controls()
    events = desk.on_cross(warning(30, SignalType.ROAD_ICING, Colour.RED, msg_type="Cancel"))
    assert of_mode(events, Mode.FUSED)
    assert all(c.status == "lifted" for c in of_mode(events, Mode.FUSED))
    assert desk.fused.active_controls() == []


def test_an_expired_warning_is_lifted_on_the_next_event() -> None:
    desk = TransportDesk()
    desk.on_cross(warning(0, SignalType.GALE, Colour.YELLOW, hours=2))
    events = desk.on_own(reading(3 * 60, visibility_m=5000))
    assert {c.status for c in of_mode(events, Mode.FUSED)} == {"lifted"}


def test_a_red_icing_warning_closes_and_bans_ahead_and_publishes_closed_status() -> None:
    desk = TransportDesk()
    events = desk.on_cross(warning(0, SignalType.ROAD_ICING, Colour.RED))
    mine = [c for c in of_mode(events, Mode.FUSED) if c.segment_id == SEGMENT]
    assert {c.control for c in mine} == set(RoadControl)
    status = [e for e in events if isinstance(e, RoadStatusChanged) and e.segment_id == SEGMENT]
    assert status[0].status is RoadStatus.CLOSED


def test_fused_pre_treats_a_cold_segment_on_an_emergency_route() -> None:
    desk = TransportDesk()
    desk.on_own(reading(0, surface_temp_c=1.5, surface_state=SurfaceState.DRY))
    dispatch = ResponseDecided(
        occurred_at=T0 + timedelta(minutes=10),
        source="emergency",
        region="360500",
        mode=Mode.FUSED,
        action=Measure.RESPONSE_LEVEL.action,
        decision_key="emergency:360500:response_level:20180124T0010Z",
        effective_at=T0 + timedelta(hours=3),
        cost_yuan=1e6,
        expected_loss_avoided_yuan=0,
        measure=Measure.RESPONSE_LEVEL,
        hazard=HazardKind.FREEZING_RAIN,
        level="IV",
        deployments=(
            Deployment(
                resource_id="360100-rescue_team",
                kind=ResourceKind.RESCUE_TEAM,
                quantity=2,
                from_city="360100",
                to_city="360500",
                route=(SEGMENT,),
                distance_km=150,
                eta_hours=2.0,
            ),
        ),
    )
    (decision,) = of_mode(desk.on_cross(dispatch), Mode.FUSED)
    assert decision.control is RoadControl.DE_ICING
    assert decision.basis is ControlBasis.REQUEST
    assert decision.cross_sector_inputs == ("emergency",)
    siloed_dispatch = dispatch.model_copy(update={"mode": Mode.SILOED})
    assert desk.fused.on_emergency(siloed_dispatch) == []  # the other world's dispatch
