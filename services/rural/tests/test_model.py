"""The rural rules at their thresholds, siloed and fused, the cost-loss boundary and the lifts.

L and C are worked out here from the world's zones, the rules file and the prices, apart from
the model, so a wrong estimate or a wrong charge fails these tests.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.rural.domain import RuralRules, ZoneModel
from services.rural.service import RuralSettings, load_rules, prices, zones_of
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode
from shared.contracts.rural import (
    Precursor,
    ReadingKind,
    RuralAction,
    RuralDecision,
    RuralReading,
)
from shared.contracts.weather import Colour, ForecastIssued, ForecastStep, SignalType
from shared.situations import SituationLedger
from shared.world import load_world
from shared.world.costs import Per
from shared.world.sectors.rural import villages
from tests.factories.weather import cap_warning

T0 = datetime(2020, 7, 7, 4, tzinfo=UTC)  # noon in Beijing
CITY = "360200"  # Jingdezhen: 90,000 people in the zones, 125 patrol crews
RELOCATE, PATROL = RuralAction.RELOCATE_VILLAGERS, RuralAction.PATROL_HAZARD_POINTS


def rules(**chances: float) -> RuralRules:
    r = load_rules(RuralSettings().rules_path)
    if not chances:
        return r
    raw = r.model_dump(mode="json")
    raw["chances"].update(chances)
    return RuralRules.model_validate(raw)


def model(mode: Mode = Mode.SILOED, r: RuralRules | None = None) -> ZoneModel:
    world = load_world()
    return ZoneModel(
        mode=mode,
        rules=r or rules(),
        world=villages(world),
        zones=zones_of(world),
        prices=prices(world),
        ledger=SituationLedger(),
    )


def people() -> int:
    zone = villages(load_world()).zone(CITY)
    assert zone is not None
    return zone.people


def gauge(r24: float, r3: float = 20.0, hours: float = 0, city: str = CITY) -> RuralReading:
    """The zones' gauges: ``r24`` mm in 24 h (index r24 / 100), ``r3`` in 3 h."""
    return RuralReading(
        occurred_at=T0 + timedelta(hours=hours),
        source="test",
        region=city,
        site_id=f"zone-{city}",
        kind=ReadingKind.RAIN_GAUGE,
        rain_1h_mm=r3 / 3,
        rain_3h_mm=r3,
        rain_24h_mm=r24,
    )


def report(hours: float = 0) -> RuralReading:
    return RuralReading(
        occurred_at=T0 + timedelta(hours=hours),
        source="test",
        region=CITY,
        site_id=f"grid-{CITY}",
        kind=ReadingKind.GRID_REPORT,
        precursor=Precursor.CRACK,
        households=3,
    )


def of(decisions: list[RuralDecision], action: RuralAction) -> list[RuralDecision]:
    return [d for d in decisions if d.action == action and d.status == "taken"]


def relocation_l_and_c(index: float, passed: float = 0.0) -> tuple[float, float]:
    """(L, C) of moving the people a flood at ``index`` affects, over the harm already done at
    ``passed``: the zones' people x VSL x the harm steps' difference x the avoid share; the
    price per person over the relocation's expected hours."""
    r, world = rules(), load_world()
    step = r.step(index)
    done = r.passed(passed)
    loss = people() * villages(world).vsl_yuan * (step.harm - done) * r.relocate.avoid_share
    moved = round(people() * step.affected)
    cost = world.charge(RELOCATE, Per.PERSON, moved).over(r.relocate.expected_hours)
    return loss, cost


# ------------------------------------------------------------------- own gauges, thresholds


def test_below_the_watch_level_nothing_moves_and_at_it_the_first_steps_people_do() -> None:
    watch = rules().relocate.act_share * 100  # mm in 24 h: 0.8 of the critical 100 mm
    assert of(model().on_reading(gauge(watch - 0.1)), RELOCATE) == []
    (decision,) = of(model().on_reading(gauge(watch)), RELOCATE)
    assert decision.basis == "gauge" and decision.cross_sector_inputs == ()
    assert decision.people_to_relocate == decision.quantity == round(people() * 0.10)
    assert decision.probability == rules().chances.watch
    assert decision.risk is Colour.YELLOW


def test_the_patrols_go_out_at_half_the_critical_rain_and_not_below() -> None:
    at = rules().patrol.act_index * 100
    assert model().on_reading(gauge(at - 0.1)) == []
    (patrol,) = model().on_reading(gauge(at))
    assert patrol.action == PATROL and patrol.quantity == 125  # the city's crews


def test_a_high_24h_sum_after_the_rain_has_eased_is_no_evidence() -> None:
    dry = rules().raining_3h_mm - 0.1
    assert model().on_reading(gauge(150, r3=dry)) == []


@pytest.mark.parametrize(("above", "taken"), [(1 + 1e-6, True), (1 - 1e-6, False)])
def test_a_relocation_is_taken_just_above_c_over_l_and_not_just_below(
    above: float, taken: bool
) -> None:
    loss, cost = relocation_l_and_c(1.0)
    m = model(r=rules(watch=cost / loss * above))
    assert bool(of(m.on_reading(gauge(80)), RELOCATE)) is taken


def test_p_times_l_is_the_models_expected_loss_avoided() -> None:
    loss, _ = relocation_l_and_c(1.0)
    (decision,) = of(model().on_reading(gauge(80)), RELOCATE)
    assert decision.expected_loss_avoided_yuan == pytest.approx(
        rules().chances.watch * loss, abs=0.01
    )


def test_as_the_index_climbs_more_people_move_under_the_same_key_paying_only_their_transport() -> (
    None
):
    m = model()
    (first,) = of(m.on_reading(gauge(80)), RELOCATE)
    # 1.2 is the watch level of the 1.5 step: its people move, and the first step is passed
    # only once the gauges read past it
    (second,) = of(m.on_reading(gauge(120, hours=1)), RELOCATE)
    assert second.decision_key == first.decision_key and second.event_id != first.event_id
    assert second.quantity == round(people() * 0.25)
    moved = second.quantity - first.quantity
    price = load_world().price(RELOCATE, Per.PERSON)
    assert price is not None
    assert second.setup_cost_yuan == pytest.approx(price.setup_yuan * moved)
    loss, _ = relocation_l_and_c(1.5, passed=1.2)
    assert second.expected_loss_avoided_yuan == pytest.approx(
        rules().chances.watch * loss, abs=0.01
    )
    # the same evidence again moves no one more
    assert of(m.on_reading(gauge(121, hours=2)), RELOCATE) == []


def test_past_a_step_its_harm_is_done_and_only_the_next_counts() -> None:
    (decision,) = of(model().on_reading(gauge(190)), RELOCATE)  # 1.9: watch of the 2.0 step
    assert decision.flash_index == 2.0 and decision.quantity == round(people() * 0.45)
    loss, _ = relocation_l_and_c(2.0, passed=1.9)
    assert decision.expected_loss_avoided_yuan == pytest.approx(
        rules().chances.watch * loss, abs=0.01
    )
    # 1.1 is past the first step and short of the 1.5 step's watch level (1.2): nothing to move
    assert of(model().on_reading(gauge(110)), RELOCATE) == []


# ------------------------------------------------------------------- reports and warnings


def test_a_grid_workers_precursor_moves_the_next_steps_people_and_sends_the_patrols() -> None:
    out = model().on_reading(report())
    (relocation,) = of(out, RELOCATE)
    (patrol,) = of(out, PATROL)
    p = rules().chances.report
    assert relocation.basis == patrol.basis == "report"
    assert relocation.probability == patrol.probability == p
    assert relocation.quantity == round(people() * 0.10)


@pytest.mark.parametrize(
    ("colour", "moved", "patrol"),
    [
        (Colour.BLUE, None, False),
        (Colour.YELLOW, None, True),
        (Colour.ORANGE, 0.10, True),
        (Colour.RED, 0.45, True),
    ],
)
def test_a_rainstorm_warning_in_both_modes(
    colour: Colour, moved: float | None, patrol: bool
) -> None:
    warning = cap_warning(0, SignalType.RAINSTORM, colour, region=CITY, t0=T0)
    for mode in (Mode.SILOED, Mode.FUSED):
        out = model(mode).on_warning(warning)
        relocations = of(out, RELOCATE)
        if moved is None:
            assert relocations == []
        else:
            (relocation,) = relocations
            assert relocation.quantity == round(people() * moved)
            assert relocation.probability == rules().chances.warning[colour]
            assert relocation.cross_sector_inputs == ()  # public, not another sector's data
        assert bool(of(out, PATROL)) is patrol


def test_a_warning_of_another_signal_does_nothing() -> None:
    fog = cap_warning(0, SignalType.FOG, Colour.RED, region=CITY, t0=T0)
    assert model().on_warning(fog) == []


# ------------------------------------------------------------------- lifting


def test_an_action_is_lifted_its_hold_after_the_last_evidence_and_not_before() -> None:
    m = model()
    m.on_reading(gauge(80))
    hold = rules().relocate.hold_h
    m.on_reading(gauge(85, hours=3))  # fresh evidence: the hold runs from here
    assert [d for d in m.advance(T0 + timedelta(hours=3 + hold - 1)) if d.action == RELOCATE] == []
    lifted = [d for d in m.advance(T0 + timedelta(hours=3 + hold)) if d.action == RELOCATE]
    assert [d.status for d in lifted] == ["lifted"]
    assert lifted[0].setup_cost_yuan == lifted[0].cost_yuan_per_h == 0
    assert [d.action for d in m.in_force()] == [PATROL]  # its own, longer hold


def test_a_late_reading_after_a_lift_takes_effect_at_the_lift_not_before() -> None:
    m = model()
    m.on_reading(gauge(80))
    lift_at = T0 + timedelta(hours=rules().patrol.hold_h + 1)
    m.advance(lift_at)
    (again,) = of(m.on_reading(gauge(80, hours=1)), RELOCATE)  # read at T0+1, handled late
    assert again.effective_at == lift_at


# ------------------------------------------------------------------- fused only


def forecast(rain_per_hour: float, *, p: float | None = None) -> ForecastIssued:
    steps = tuple(
        ForecastStep(valid_at=T0 + timedelta(hours=h + 1), rain_mm=rain_per_hour) for h in range(48)
    )
    exceedance: Any = (
        () if p is None else ({"product": rules().relocate.forecast_product, "probability": p},)
    )
    return ForecastIssued(
        occurred_at=T0, source="weather", region=CITY, run_at=T0, steps=steps,
        exceedance=exceedance,
    )  # fmt: skip


def test_a_forecast_sends_the_patrols_in_the_fused_mode_only() -> None:
    out = model(Mode.FUSED).on_forecast(forecast(5.0, p=0.6))  # 120 mm in 24 h
    (patrol,) = of(out, PATROL)
    assert patrol.basis == "forecast" and patrol.cross_sector_inputs == ("weather",)
    assert patrol.probability == 0.6
    assert of(out, RELOCATE) == []  # no one moves on a forecast alone (forecast_alone: false)
    with pytest.raises(ValueError, match="siloed"):
        model(Mode.SILOED).on_forecast(forecast(5.0))


def test_a_forecast_below_the_watch_level_does_nothing() -> None:
    per_hour = rules().relocate.act_share * 100 / 24
    assert model(Mode.FUSED).on_forecast(forecast(per_hour * 0.99, p=0.9)) == []


def test_rain_on_the_gauges_with_a_forecast_of_more_moves_the_next_steps_people_early() -> None:
    fused = model(Mode.FUSED)
    fused.on_forecast(forecast(7.0, p=0.3))  # 84 mm within 12 h: the first step's watch
    # the gauges at the patrols' level only: the siloed model moves no one yet
    assert of(model().on_reading(gauge(55)), RELOCATE) == []
    (early,) = of(fused.on_reading(gauge(55)), RELOCATE)
    assert early.basis == "forecast" and early.cross_sector_inputs == ("weather",)
    assert early.probability == max(0.3, rules().chances.watch)
    assert early.quantity == round(people() * 0.10)


def response(status: str = "taken") -> ResponseDecided:
    return ResponseDecided(
        occurred_at=T0,
        source="emergency",
        region=CITY,
        mode=Mode.FUSED,
        action=Measure.RESPONSE_LEVEL.action,
        measure=Measure.RESPONSE_LEVEL,
        level=ResponseLevel.IV if status == "taken" else None,
        status=status,
        decision_key="emergency:360200:response_level:x",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
    )


def test_an_emergency_response_in_force_raises_the_watch_levels_p_in_the_fused_mode() -> None:
    fused = model(Mode.FUSED)
    fused.on_response(response())
    (decision,) = of(fused.on_reading(gauge(80)), RELOCATE)
    assert decision.basis == "response" and decision.cross_sector_inputs == ("emergency",)
    assert decision.probability == rules().chances.response
    with pytest.raises(ValueError, match="siloed"):
        model().on_response(response())


def test_a_lifted_response_no_longer_counts() -> None:
    fused = model(Mode.FUSED)
    fused.on_response(response())
    fused.on_response(response("lifted"))
    (decision,) = of(fused.on_reading(gauge(80)), RELOCATE)
    assert decision.basis == "gauge" and decision.probability == rules().chances.watch


# ------------------------------------------------------------------- the rules file


def test_the_risk_colours_follow_the_index() -> None:
    r = rules()
    assert [r.risk(x) for x in (0.4, 0.5, 0.8, 1.0, 2.0)] == [
        None,
        Colour.BLUE,
        Colour.YELLOW,
        Colour.ORANGE,
        Colour.RED,
    ]


def test_the_harm_steps_must_ascend() -> None:
    raw = rules().model_dump(mode="json")
    raw["harm"] = list(reversed(raw["harm"]))
    with pytest.raises(ValueError, match="ascend"):
        RuralRules.model_validate(raw)
