"""Road rules at their thresholds: Art. 81 visibility tiers, icing, flooding, relaxing, lifting."""

from __future__ import annotations

import pytest

from services.transport.domain import RoadModel
from shared.contracts.envelope import Mode
from shared.contracts.transport import (
    RoadControl,
    RoadControlApplied,
    RoadStatus,
    RoadStatusChanged,
    SurfaceState,
    TransportAction,
    VehicleClass,
)
from tests.factories.transport import SEGMENT, reading, road_model


def controls(events: list[object]) -> list[RoadControlApplied]:
    return [e for e in events if isinstance(e, RoadControlApplied)]


@pytest.fixture
def model() -> RoadModel:
    return road_model(Mode.SILOED)


@pytest.mark.parametrize(
    ("visibility_m", "speed", "gap"),
    [(199.9, 60, 100), (99.9, 40, 50), (49.9, 20, None)],
)
def test_visibility_just_under_each_art81_threshold_sets_its_speed_and_gap(
    model: RoadModel, visibility_m: float, speed: int, gap: int | None
) -> None:
    restriction = next(
        c
        for c in controls(model.on_observation(reading(0, visibility_m=visibility_m)))
        if c.control is RoadControl.RESTRICTION
    )
    assert restriction.speed_limit_kmh == speed
    assert restriction.min_gap_m == gap
    assert restriction.action == TransportAction.SPEED_LIMIT
    assert restriction.asset_ids == (SEGMENT,)


@pytest.mark.parametrize("visibility_m", [200.0, 5000.0])
def test_visibility_at_or_above_200_m_needs_no_control(
    model: RoadModel, visibility_m: float
) -> None:
    assert model.on_observation(reading(0, visibility_m=visibility_m)) == []


def test_visibility_at_exactly_100_m_is_still_the_60_kmh_tier(model: RoadModel) -> None:
    (restriction,) = controls(model.on_observation(reading(0, visibility_m=100.0)))
    assert restriction.speed_limit_kmh == 60


def test_visibility_under_50_m_closes_the_expressway_and_publishes_closed_status(
    model: RoadModel,
) -> None:
    events = model.on_observation(reading(0, visibility_m=40))
    assert {c.control for c in controls(events)} == {RoadControl.RESTRICTION, RoadControl.CLOSURE}
    (status,) = [e for e in events if isinstance(e, RoadStatusChanged)]
    assert status.status is RoadStatus.CLOSED
    assert status.mode is Mode.SILOED


def test_visibility_at_exactly_50_m_does_not_close(model: RoadModel) -> None:
    events = model.on_observation(reading(0, visibility_m=50))
    assert RoadControl.CLOSURE not in {c.control for c in controls(events)}


def test_a_freezing_wet_surface_bans_coaches_and_hazardous_goods_and_de_ices(
    model: RoadModel,
) -> None:
    events = controls(
        model.on_observation(reading(0, surface_temp_c=0.0, surface_state=SurfaceState.WET))
    )
    by_control = {c.control: c for c in events}
    assert set(by_control) == {RoadControl.RESTRICTION, RoadControl.DE_ICING}
    assert by_control[RoadControl.RESTRICTION].banned_vehicles == (
        VehicleClass.COACH,
        VehicleClass.HAZARDOUS_GOODS,
    )
    assert by_control[RoadControl.RESTRICTION].speed_limit_kmh == 30


def test_a_wet_surface_just_above_freezing_is_not_icing(model: RoadModel) -> None:
    assert (
        model.on_observation(reading(0, surface_temp_c=0.1, surface_state=SurfaceState.WET)) == []
    )


def test_a_detector_reporting_ice_closes_the_segment(model: RoadModel) -> None:
    events = controls(model.on_observation(reading(0, surface_state=SurfaceState.ICY)))
    assert RoadControl.CLOSURE in {c.control for c in events}


def test_a_flooded_carriageway_closes_the_segment(model: RoadModel) -> None:
    events = controls(model.on_observation(reading(0, surface_state=SurfaceState.FLOODED)))
    assert [c.control for c in events] == [RoadControl.CLOSURE]


def test_persisting_fog_is_decided_once(model: RoadModel) -> None:
    first = model.on_observation(reading(0, visibility_m=150))
    again = [model.on_observation(reading(m, visibility_m=140 + m / 10)) for m in (5, 10, 15)]
    assert len(controls(first)) == 1
    assert all(e == [] for e in again)


def test_thickening_fog_tightens_the_limit_under_the_same_decision_key(model: RoadModel) -> None:
    (first,) = controls(model.on_observation(reading(0, visibility_m=150)))
    (second,) = controls(model.on_observation(reading(5, visibility_m=80)))
    assert second.speed_limit_kmh == 40
    assert second.decision_key == first.decision_key
    assert second.event_id != first.event_id


def test_clearing_fog_relaxes_only_after_two_clear_readings_then_reopens(model: RoadModel) -> None:
    model.on_observation(reading(0, visibility_m=40))
    assert controls(model.on_observation(reading(5, visibility_m=1000))) == []
    lifted = model.on_observation(reading(10, visibility_m=1000))
    assert {c.control for c in controls(lifted)} == {RoadControl.RESTRICTION, RoadControl.CLOSURE}
    assert all(c.status == "lifted" for c in controls(lifted))
    (status,) = [e for e in lifted if isinstance(e, RoadStatusChanged)]
    assert status.status is RoadStatus.OPEN
    assert model.active_controls() == []


def test_a_silent_detector_stops_holding_a_control_after_it_goes_stale(model: RoadModel) -> None:
    model.on_observation(reading(0, visibility_m=150))
    events = model.on_observation(reading(4 * 60, visibility_m=5000, detector="other"))
    assert [c.status for c in controls(events)] == ["lifted"]


def test_decisions_carry_cause_inputs_cost_and_an_estimate(model: RoadModel) -> None:
    obs = reading(0, visibility_m=80)
    (decision,) = controls(model.on_observation(obs))
    assert decision.causation_id == obs.event_id
    assert decision.inputs == (obs.event_id,)
    assert decision.cross_sector_inputs == ()
    # priced per vehicle that meets it: the segment's flow, AADT / 24 an hour
    assert decision.cost_unit == "vehicle-hour"
    assert decision.cost_over(1) > 0
    assert decision.expected_loss_avoided_yuan > 0
    assert decision.effective_at > decision.occurred_at


def test_replaying_the_same_readings_gives_the_same_event_ids() -> None:
    first, second = road_model(Mode.SILOED), road_model(Mode.SILOED)
    obs = [reading(0, visibility_m=80), reading(5, visibility_m=30)]
    ids_a = [e.event_id for o in obs for e in first.on_observation(o)]
    ids_b = [e.event_id for o in obs for e in second.on_observation(o)]
    assert ids_a == ids_b


def test_a_reading_for_an_unknown_segment_is_ignored(model: RoadModel) -> None:
    assert model.on_observation(reading(0, visibility_m=10, segment="G99-XX-YY")) == []


def test_the_segment_view_shows_the_closure(model: RoadModel) -> None:
    model.on_observation(reading(0, visibility_m=30))
    view = next(v for v in model.segments() if v.segment_id == SEGMENT)
    assert view.status is RoadStatus.CLOSED
    assert view.visibility_m == 30
    assert RoadControl.CLOSURE in view.controls
