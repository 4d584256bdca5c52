"""Prices of protective actions: units, one-off and running charges, and the world's price list."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.contracts.topics import ACTIONS
from shared.world import ActionSpec, load_world
from shared.world.costs import CostSpec, Per


def price(**kw: object) -> CostSpec:
    return CostSpec.model_validate({"source": "test", **kw})


def test_a_running_price_charges_per_unit_per_period_and_its_setup_once() -> None:
    spec = price(per="person", period_h=24, unit_cost_yuan=80, setup_yuan=100)
    charge = spec.charge(1_000)
    assert spec.unit == "person-day"
    assert charge.setup_yuan == 100_000
    assert charge.over(0) == 100_000
    assert charge.over(36) == pytest.approx(100_000 + 1_000 * 80 * 1.5)
    assert charge.over(-5) == 100_000  # no time in force is never a refund


def test_a_one_off_price_does_not_grow_with_time() -> None:
    charge = price(per="mu", unit_cost_yuan=120).charge(10_000)
    assert charge.unit == "mu"
    assert charge.over(0) == charge.over(240) == 1_200_000


def test_units_are_named_by_their_period() -> None:
    assert price(per="crew", period_h=12, unit_cost_yuan=1).unit == "crew-shift"
    assert price(per="vehicle", period_h=1, unit_cost_yuan=1).unit == "vehicle-hour"
    assert price(per="km", period_h=6, unit_cost_yuan=1).unit == "km-6h"


def test_a_negative_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        price(per="km", period_h=24, unit_cost_yuan=1).charge(-1)


def test_an_action_has_one_price_per_kind_of_unit_and_says_which_it_has() -> None:
    with pytest.raises(ValidationError, match="one price per kind of unit"):
        ActionSpec(
            sector="agriculture",
            name_zh="x",
            costs=(price(per="mu", unit_cost_yuan=1), price(per="mu", unit_cost_yuan=2)),
        )
    world = load_world()
    with pytest.raises(KeyError, match="irrigate: the action is priced per mu, not per crew"):
        world.charge("irrigate", Per.CREW, 1)


def test_every_action_of_the_core_sectors_is_priced_with_a_source() -> None:
    world = load_world()
    core = {"agriculture", "transport", "emergency"}
    assert {a for a, s in ACTIONS.items() if s in core} <= set(world.actions)
    for name, spec in world.actions.items():
        for c in spec.costs:
            assert c.unit_cost_yuan + c.setup_yuan > 0, name
            assert len(c.source) > 20, name


def test_a_closure_costs_of_the_order_of_a_published_estimate_per_segment_hour() -> None:
    # the estimate in actions.yaml: ¥5万-30万 per segment-hour on a busy trunk
    world = load_world()
    busiest = max(world.segments, key=lambda s: s.aadt)
    hour = world.charge("close_road", Per.VEHICLE, busiest.aadt / 24).over(1)
    assert 5e4 <= hour <= 3e5
