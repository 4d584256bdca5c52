"""The referee's scoring rules: outcomes, value, lead time, multiplier, order and duplicates."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import pytest

from services.referee.domain import MultiplierBasis, Scoreboard, multiplier
from services.referee.domain.scoring import MATERIAL_AVOIDABLE_YUAN
from shared.contracts.agriculture import AgricultureAction
from shared.contracts.envelope import Event, Mode
from shared.contracts.simulator import HazardOccurred, ImpactOccurred, ValueReference
from shared.contracts.transport import TransportAction
from tests.factories.referee import JIUJIANG, T0, decision, hazard, impact, reference


def board_of(*events: Event) -> Scoreboard:
    """A scoreboard fed with ``events`` in the given order."""
    board = Scoreboard()
    for e in events:
        if isinstance(e, ImpactOccurred | HazardOccurred | ValueReference):
            board.add_truth(e)
        else:
            board.add_decision(e)  # type: ignore[arg-type]
    return board


def agri(board: Scoreboard, mode: Mode = Mode.FUSED) -> dict[str, object]:
    """The agriculture figures of one mode."""
    result: dict[str, object] = board.summary()["agriculture"][mode.value]
    return result


def test_a_hit_with_a_long_lead_time_is_worth_more_than_a_late_one() -> None:
    early = board_of(impact(), decision(at=T0 - timedelta(hours=12)))
    late = board_of(impact(), decision(at=T0 - timedelta(hours=1)))
    early_fig, late_fig = agri(early), agri(late)
    assert early_fig["hits"] == late_fig["hits"] == 1
    assert early_fig["value_yuan"] > late_fig["value_yuan"]  # type: ignore[operator]
    assert early_fig["loss_avoided_yuan"] == 8_000_000.0
    # one hour before the loss, 1/6 of the linear benefit window remains
    assert late_fig["loss_avoided_yuan"] == pytest.approx(8_000_000.0 / 6)
    assert early_fig["mean_lead_time_s"] == 12 * 3600.0
    assert late_fig["mean_lead_time_s"] == 3600.0


def test_a_decision_in_place_only_after_the_loss_is_late_and_avoids_nothing() -> None:
    fig = agri(board_of(impact(), decision(at=T0 + timedelta(hours=1))))
    assert (fig["hits"], fig["late"], fig["false_alarms"], fig["misses"]) == (0, 1, 0, 1)
    assert fig["loss_avoided_yuan"] == 0.0
    assert fig["value_yuan"] == -1_000_000.0


def test_a_false_alarm_costs_its_action_cost() -> None:
    fig = agri(board_of(impact(), decision(region=JIUJIANG, cost=2_500_000.0)))
    assert fig["false_alarms"] == 1
    assert fig["hits"] == 0
    assert fig["cost_yuan"] == 2_500_000.0
    assert fig["value_yuan"] == -2_500_000.0


def test_a_miss_avoids_nothing() -> None:
    board = board_of(impact(), decision(mode=Mode.FUSED))
    siloed = agri(board, Mode.SILOED)
    assert siloed["misses"] == 1
    assert siloed["loss_avoided_yuan"] == 0.0
    assert siloed["value_yuan"] == 0.0
    assert siloed["mean_lead_time_s"] is None
    assert agri(board, Mode.FUSED)["misses"] == 0


def test_an_impact_with_nothing_avoidable_is_not_a_miss() -> None:
    fig = agri(board_of(impact(avoidable=0.0)), Mode.SILOED)
    assert fig["misses"] == 0


def test_another_sector_action_or_asset_does_not_match() -> None:
    board = board_of(
        impact(),
        decision("a", action=AgricultureAction.IRRIGATE),
        decision("b", asset_ids=("farm-2",)),
        decision(
            "c",
            sector="transport",
            action=AgricultureAction.DRAIN_FIELDS,
        ),
    )
    summary = board.summary()
    assert summary["agriculture"]["fused"]["false_alarms"] == 2
    assert summary["agriculture"]["fused"]["misses"] == 1
    assert summary["transport"]["fused"]["false_alarms"] == 1


def test_an_empty_asset_list_covers_every_asset_of_the_sector_in_the_region() -> None:
    board = board_of(
        impact("i1", asset_id="farm-1"),
        impact("i2", asset_id="farm-2"),
        decision(asset_ids=()),
    )
    fig = agri(board)
    assert (fig["hits"], fig["misses"]) == (1, 0)
    assert fig["loss_avoided_yuan"] == 16_000_000.0


def test_each_impact_counts_once_per_mode_credited_to_the_best_decision() -> None:
    board = board_of(
        impact(),
        decision("early", at=T0 - timedelta(hours=12)),
        decision("later", at=T0 - timedelta(hours=3)),
    )
    fig = agri(board)
    assert fig["hits"] == 2  # both avoided something
    assert fig["loss_avoided_yuan"] == 8_000_000.0  # but the impact counts once
    assert fig["cost_yuan"] == 2_000_000.0  # and each decision costs once
    assert fig["mean_lead_time_s"] == 12 * 3600.0  # credited to the better (earlier) one


def test_a_lifted_decision_costs_nothing_and_ends_the_protection() -> None:
    taken = decision(at=T0 - timedelta(hours=12))
    lifted = decision(at=T0 - timedelta(hours=10), status="lifted")
    fig = agri(board_of(impact(), taken, lifted))
    assert fig["decisions"] == 1
    assert fig["cost_yuan"] == 1_000_000.0
    assert (fig["hits"], fig["false_alarms"], fig["misses"]) == (0, 1, 1)


def test_a_decision_lifted_after_exposure_began_still_counts() -> None:
    taken = decision(at=T0 - timedelta(hours=12))
    lifted = decision(at=T0 - timedelta(hours=1), status="lifted")
    assert agri(board_of(impact(), taken, lifted))["hits"] == 1


def test_a_decision_lifted_before_it_took_effect_protects_nothing() -> None:
    # decided 30 h ahead to take effect 12 h before the exposure, called off before that: it
    # never protected the asset, however late the exposure (the impact starts at T0 - 2 h)
    taken = decision(at=T0 - timedelta(hours=30), effective_at=T0 - timedelta(hours=12))
    lifted = decision(at=T0 - timedelta(hours=20), status="lifted")
    fig = agri(board_of(impact(), taken, lifted))
    assert (fig["hits"], fig["false_alarms"], fig["misses"]) == (0, 1, 1)
    assert fig["loss_avoided_yuan"] == 0.0
    # a lift decided before the decision (an earlier situation's) does not end it
    old = decision(at=T0 - timedelta(hours=40), status="lifted")
    assert agri(board_of(impact(), old, taken))["hits"] == 1


def test_a_false_alarm_becomes_a_hit_when_its_truth_arrives_later() -> None:
    board = board_of(decision())
    assert agri(board)["false_alarms"] == 1
    board.add_truth(impact())
    fig = agri(board)
    assert (fig["hits"], fig["false_alarms"]) == (1, 0)


def test_the_summary_is_the_same_whatever_order_truth_and_decisions_arrive_in() -> None:
    events: list[Event] = [
        impact("i1", asset_id="farm-1"),
        impact("i2", asset_id="farm-2", at=T0 + timedelta(hours=5)),
        hazard(),
        decision("d1", asset_ids=("farm-1", "farm-2")),
        decision("d2", mode=Mode.SILOED, at=T0 - timedelta(hours=2)),
        decision("d3", mode=Mode.SILOED, region=JIUJIANG, cost=300_000.0),
    ]
    expected = board_of(*events).summary()
    for order in itertools.permutations(events):
        assert board_of(*order).summary() == expected


def test_a_duplicate_event_counts_once() -> None:
    events: list[Event] = [impact(), hazard(), decision(), decision("x", region=JIUJIANG)]
    once = board_of(*events)
    twice = board_of(*events, *events)
    assert twice.summary() == once.summary()
    assert (
        twice.counts()
        == once.counts()
        == {
            "impacts": 1,
            "hazards": 1,
            "decisions": 2,
            "lifted": 0,
        }
    )
    assert once.add_decision(decision()) is False
    assert once.add_truth(impact()) is False


def test_identical_modes_give_a_gain_of_exactly_zero_and_equal_relative_values() -> None:
    events: list[Event] = [impact("i1"), impact("i2", asset_id="farm-2"), reference()]
    for mode in Mode:
        events += [
            decision("hit", mode=mode, at=T0 - timedelta(hours=4)),
            decision("fa", mode=mode, region=JIUJIANG, cost=123_456.78),
        ]
    summary = board_of(*events).summary()
    for name in ("agriculture", "overall"):
        assert summary[name]["value_gain_yuan"] == 0.0
        assert summary[name]["gap_closed"] == 0.0
        assert summary[name]["siloed"]["rev"] == summary[name]["fused"]["rev"]


def test_the_multiplier_is_fused_over_siloed_value_where_siloed_gained_and_much_was_at_stake() -> (
    None
):
    board = board_of(
        impact(loss=100e6, avoidable=80e6),
        decision(mode=Mode.FUSED, at=T0 - timedelta(hours=12)),
        decision(mode=Mode.SILOED, at=T0 - timedelta(hours=1)),
    )
    summary = board.summary()["agriculture"]
    fused, siloed = summary["fused"]["value_yuan"], summary["siloed"]["value_yuan"]
    assert siloed > 0
    assert summary["multiplier"] == pytest.approx(fused / siloed)
    assert (summary["multiplier_basis"], summary["multiplier_reason"]) == ("ratio", None)
    assert summary["value_gain_yuan"] == pytest.approx(fused - siloed)


def test_no_multiplier_against_a_siloed_value_that_is_not_positive() -> None:
    for siloed in (
        decision(mode=Mode.SILOED, region=JIUJIANG, cost=2_000_000.0),  # a net loss
        None,  # nothing at all: value 0
    ):
        events = [impact(loss=100e6, avoidable=80e6), decision(mode=Mode.FUSED)]
        summary = board_of(*events, *([siloed] if siloed else [])).summary()["agriculture"]
        assert summary["multiplier"] is None
        assert summary["multiplier_basis"] == "n/a"
        assert "siloed value is not positive" in summary["multiplier_reason"]
        assert summary["value_gain_yuan"] > 0  # the gain is reported all the same


def test_never_a_negative_multiplier_where_fusion_lost_money() -> None:
    for fused in (-1.0, 0.0):
        value, basis, reason = multiplier(fused=fused, siloed=2.0, avoidable=1e9)
        assert (value, basis) == (None, MultiplierBasis.NOT_APPLICABLE)
        assert reason is not None and "fused value is not positive" in reason
    assert multiplier(fused=0.5, siloed=2.0, avoidable=1e9)[0] == 0.25


def test_no_multiplier_where_too_little_was_at_stake() -> None:
    value, basis, reason = multiplier(fused=3.0, siloed=2.0, avoidable=MATERIAL_AVOIDABLE_YUAN / 2)
    assert (value, basis) == (None, MultiplierBasis.NOT_APPLICABLE)
    assert reason is not None and "materiality" in reason
    assert multiplier(fused=3.0, siloed=2.0, avoidable=MATERIAL_AVOIDABLE_YUAN)[0] == 1.5


# --- relative economic value ------------------------------------------------------------------


def test_perfect_information_scores_one_never_acting_zero_and_waste_below_zero() -> None:
    truth = [impact(perfect_cost=500_000.0), reference()]
    # an oracle: in place just in time, for exactly the hit, at the perfect cost
    oracle = decision(mode=Mode.FUSED, at=T0 - timedelta(hours=6), cost=500_000.0)
    waste = decision(mode=Mode.SILOED, region=JIUJIANG, cost=1_000_000.0)
    summary = board_of(*truth, oracle, waste).summary()["agriculture"]
    assert summary["perfect_value_yuan"] == 8_000_000.0 - 500_000.0
    assert (summary["reference"], summary["reference_value_yuan"]) == ("never", 0.0)
    assert summary["fused"]["rev"] == 1.0
    assert summary["siloed"]["rev"] < 0
    never = board_of(*truth).summary()["agriculture"]
    assert never["fused"]["rev"] == never["siloed"]["rev"] == 0.0
    assert never["fused"]["loss_yuan"] == never["loss_without_action_yuan"] == 10_000_000.0


def test_the_reference_is_always_acting_when_that_beats_never_acting() -> None:
    truth = [impact(), reference(always_cost=2_000_000.0)]  # always acting: 8M - 2M
    summary = board_of(*truth, decision(mode=Mode.FUSED)).summary()["agriculture"]
    assert (summary["reference"], summary["reference_value_yuan"]) == ("always", 6_000_000.0)
    # fused saved 8M for 1M: (7 - 6) / (8 - 6)
    assert summary["fused"]["rev"] == pytest.approx(0.5)
    assert summary["siloed"]["rev"] == pytest.approx(-3.0)  # never acting is worse here


def test_without_its_reference_a_sector_has_no_relative_value_yet() -> None:
    summary = board_of(impact(), decision(mode=Mode.FUSED)).summary()
    assert summary["agriculture"]["fused"]["rev"] is None
    assert summary["agriculture"]["reference"] is None
    assert summary["overall"]["fused"]["rev"] is None


def test_the_gap_closed_is_the_gain_over_what_siloed_left_to_perfect_information() -> None:
    truth = [impact(perfect_cost=0.0), reference()]
    board = board_of(*truth, decision(mode=Mode.FUSED), decision(mode=Mode.SILOED, cost=5e6))
    summary = board.summary()["agriculture"]
    # V* = 8M; siloed 8M - 5M = 3M; fused 8M - 1M = 7M: closed 4M of the 5M gap
    assert summary["gap_closed"] == pytest.approx(0.8)


def test_the_overall_multiplier_compares_the_sums_of_every_sector() -> None:
    board = board_of(
        impact("a"),
        impact("t", sector="transport", action=TransportAction.CLOSE_ROAD, asset_id="s1"),
        decision("a", mode=Mode.FUSED),
        decision("a", mode=Mode.SILOED, at=T0 - timedelta(hours=3)),
        decision(
            "t",
            mode=Mode.SILOED,
            sector="transport",
            action=TransportAction.CLOSE_ROAD,
            asset_ids=("s1",),
        ),
    )
    summary = board.summary()
    fused = (
        summary["agriculture"]["fused"]["value_yuan"] + summary["transport"]["fused"]["value_yuan"]
    )
    siloed = (
        summary["agriculture"]["siloed"]["value_yuan"]
        + summary["transport"]["siloed"]["value_yuan"]
    )
    assert summary["overall"]["multiplier"] == pytest.approx(fused / siloed)
    assert set(summary) == {"agriculture", "transport", "overall"}


def test_settlement_counts_hits_when_they_happen_and_false_alarms_only_at_the_end() -> None:
    board = board_of(decision("hit"), decision("fa", region=JIUJIANG))
    first = board.settle()
    assert first.outcomes == {}  # nothing is final yet: truth may still come
    assert first.cost_yuan == {("agriculture", "fused"): 2_000_000.0}
    board.add_truth(impact())
    second = board.settle()
    assert second.outcomes == {
        ("agriculture", "fused", "hit"): 1,
        ("agriculture", "siloed", "miss"): 1,
    }
    assert second.loss_avoided_yuan == {("agriculture", "fused"): 8_000_000.0}
    assert second.lead_times_s == [("agriculture", "fused", 12 * 3600.0)]
    assert second.cost_yuan == {}  # each cost is counted once
    last = board.settle(final=True)
    assert last.outcomes == {("agriculture", "fused", "false_alarm"): 1}
    assert board.settle(final=True).outcomes == {}


def test_settled_totals_agree_with_the_summary_at_the_end_of_a_run() -> None:
    board = board_of(decision("d1"), decision("fa", mode=Mode.SILOED, region=JIUJIANG))
    settlements = [board.settle()]
    board.add_truth(impact())
    board.add_truth(impact("i2", asset_id="farm-2"))
    settlements.append(board.settle(final=True))
    fig = agri(board)
    hits = sum(s.outcomes.get(("agriculture", "fused", "hit"), 0) for s in settlements)
    misses = sum(s.outcomes.get(("agriculture", "fused", "miss"), 0) for s in settlements)
    avoided = math.fsum(s.loss_avoided_yuan.get(("agriculture", "fused"), 0.0) for s in settlements)
    assert (hits, misses, avoided) == (fig["hits"], fig["misses"], fig["loss_avoided_yuan"])


# --- costs that accrue while an action is in force -----------------------------------------


def test_an_action_costs_its_setup_plus_its_rate_for_every_hour_up_to_the_clock() -> None:
    board = board_of(decision(at=T0, cost=1_000.0, per_h=100.0))
    assert agri(board)["cost_yuan"] == 1_000.0  # no tick completed yet: only the setup
    board.advance_to(T0 + timedelta(hours=10))
    assert agri(board)["cost_yuan"] == 2_000.0
    board.advance_to(T0 + timedelta(hours=5))  # the clock never goes back
    assert agri(board)["cost_yuan"] == 2_000.0


def test_an_action_lifted_early_costs_only_the_time_it_ran() -> None:
    taken = decision(at=T0, cost=0.0, per_h=100.0)
    lifted = decision(at=T0 + timedelta(hours=3), status="lifted", cost=0.0)
    board = board_of(taken, lifted)
    board.advance_to(T0 + timedelta(hours=48))
    assert agri(board)["cost_yuan"] == 300.0


def test_a_revision_replaces_the_decision_it_revises() -> None:
    first = decision(at=T0, cost=0.0, per_h=100.0)
    revised = decision(at=T0 + timedelta(hours=4), cost=0.0, per_h=50.0)
    assert first.event_id != revised.event_id
    board = board_of(revised, first)  # in any order
    board.advance_to(T0 + timedelta(hours=10))
    # 4 h at 100 (then replaced) + 6 h at 50: not both at once
    assert agri(board)["cost_yuan"] == 700.0


def test_an_action_lifted_before_it_took_effect_costs_only_its_setup() -> None:
    # decided at T0 to take effect 2 h later (a control being set up), lifted 1 h after T0
    taken = decision(at=T0, cost=500.0, per_h=100.0, effective_at=T0 + timedelta(hours=2))
    lift = decision(at=T0 + timedelta(hours=1), status="lifted", cost=0.0)
    board = board_of(taken, lift)
    board.advance_to(T0 + timedelta(hours=10))
    assert agri(board)["cost_yuan"] == 500.0
    # a lift decided before the decision does not end it
    old_lift = decision("k", at=T0 - timedelta(hours=1), status="lifted", cost=0.0)
    board = board_of(decision("k", at=T0, cost=500.0, per_h=100.0), old_lift)
    board.advance_to(T0 + timedelta(hours=10))
    assert agri(board)["cost_yuan"] == 1_500.0
    early = board_of(decision(at=T0, cost=500.0, per_h=100.0))
    early.advance_to(T0 - timedelta(hours=2))
    assert agri(early)["cost_yuan"] == 500.0  # in force from effective_at, not before


def test_settlements_count_cost_as_it_accrues_and_add_up_to_the_summary() -> None:
    board = board_of(
        decision("a", at=T0, cost=100.0, per_h=10.0),
        decision("b", at=T0, cost=0.0, per_h=1.0, region=JIUJIANG),
    )
    counted: list[float] = []
    for hours in (1, 2, 2, 5):
        if hours == 5:
            board.add_decision(decision("a", at=T0 + timedelta(hours=3), status="lifted", cost=0))
        board.advance_to(T0 + timedelta(hours=hours))
        counted.append(board.settle(final=hours == 5).cost_yuan.get(("agriculture", "fused"), 0))
    assert all(c >= 0 for c in counted)
    assert counted[2] == 0.0  # the clock did not move: nothing more accrued
    # a: 100 + 3 h x 10 (lifted at 3 h); b: 5 h x 1
    assert math.fsum(counted) == agri(board)["cost_yuan"] == 135.0


def test_people_relocated_count_the_people_each_evacuation_moves_once() -> None:
    from shared.contracts.emergency import EmergencyAction

    def evac(key: str, people: int, hours: int, status: str = "taken") -> object:
        return decision(
            key, at=T0 + timedelta(hours=hours), sector="emergency",
            action=EmergencyAction.EVACUATE, asset_ids=(), quantity=people,
            cost_unit="person-day", status=status,
        )  # fmt: skip

    # raised from 1,000 to 5,000 people, then lowered: 5,000 moved; 700 in another city
    board = board_of(evac("nc", 1_000, 0), evac("nc", 5_000, 2), evac("nc", 3_000, 3),
                     evac("jj", 700, 1))  # fmt: skip
    assert board.summary()["emergency"]["fused"]["people_relocated"] == 5_700
    assert board.summary()["emergency"]["siloed"]["people_relocated"] == 0
    # lifted and evacuated again under the same key (the other mode held the situation open):
    # the second evacuation moves its people afresh
    again = board_of(evac("nc", 1_000, 0), evac("nc", 0, 5, "lifted"), evac("nc", 1_000, 9))
    assert again.summary()["emergency"]["fused"]["people_relocated"] == 2_000


def test_a_sector_with_nothing_at_stake_and_no_decision_is_scored_zero_in_both_modes() -> None:
    board = board_of(impact(), reference(), reference("water", always_cost=5e6))
    water = board.summary()["water"]
    for mode in Mode:
        figures = water[mode.value]
        assert figures["value_yuan"] == 0 and figures["decisions"] == 0
        assert figures["hits"] == figures["misses"] == figures["false_alarms"] == 0
        assert figures["rev"] is None  # nothing could be gained: V* = V_ref = 0
    assert water["value_gain_yuan"] == 0 and water["loss_without_action_yuan"] == 0
    # and it adds nothing to the overall figures
    assert (
        board.summary()["overall"]["avoidable_yuan"]
        == board_of(impact(), reference()).summary()["overall"]["avoidable_yuan"]
    )
    # without its reference it is not known to the board at all
    assert "water" not in board_of(impact(), reference()).summary()


def test_an_evacuation_covers_only_the_people_it_moved_beyond_those_hit_before() -> None:
    """Counted per person, an action covers the impact's people beyond ``people_before``: moving
    the first step's people early cannot earn the credit of moving everyone."""
    from shared.contracts.emergency import EmergencyAction

    base = impact(
        "lake-flood:zone-1:0:2",
        asset_id="zone-1",
        sector="emergency",
        action=EmergencyAction.EVACUATE,
        avoidable=8_000_000.0,
    )
    (m,) = base.mitigations
    step = base.model_copy(
        update={
            "people_affected": 200,
            "mitigations": (m.model_copy(update={"people_before": 100}),),
        }
    )

    def avoided(people: float) -> float:
        moved = decision(
            "evacuate:zone-1",
            sector="emergency",
            action=EmergencyAction.EVACUATE,
            asset_ids=("zone-1",),
            quantity=people,
        )
        fig = board_of(step, moved).summary()["emergency"]["fused"]
        return float(fig["loss_avoided_yuan"])

    assert avoided(100) == 0  # only the people the earlier steps hit
    assert avoided(200) == pytest.approx(4_000_000.0)  # half of this step's people
    assert avoided(300) == avoided(10_000) == pytest.approx(8_000_000.0)  # all of them
    # an action that covers an asset whole is not scaled by what it counts
    assert step.covered(m, 1.0) == 1.0
