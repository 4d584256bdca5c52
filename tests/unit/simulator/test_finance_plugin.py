"""The finance book and its world: pools match the farms, and the simulator's finance rules and
sensors give the truth and the claims the scenarios should have."""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from services.simulator.data import simulation
from shared.contracts.envelope import Event
from shared.contracts.finance import FinanceAction, RepaymentsMissed
from shared.contracts.simulator import ImpactOccurred
from shared.world import load_world
from shared.world.sectors.finance import finance_data, loan_books, pools
from tests.factories.simulator import short


@cache
def events(name: str, days: int) -> tuple[Event, ...]:
    return tuple(ev for _, ev in simulation(short(name, days), 1).all_events())


def finance_impacts(name: str, days: int) -> list[ImpactOccurred]:
    return [
        ev for ev in events(name, days) if isinstance(ev, ImpactOccurred) and ev.sector == "finance"
    ]


def test_every_pool_insures_its_product_s_share_of_a_farm_of_a_covered_crop() -> None:
    world = load_world()
    farms = {f.farm_id: f for f in world.farms}
    book = pools(world)
    assert {p.product.id for p in book} == {p.id for p in finance_data(world).products}
    for pool in book:
        farm = farms[pool.farm_id]
        assert farm.crop in pool.product.crops and pool.region == farm.city
        assert pool.insured_units == round(farm.units(pool.product.insured_share), 1)


def test_loan_books_sit_only_where_people_live_on_flood_plains() -> None:
    world = load_world()
    exposed = {c.code for c in world.cities if c.flood_exposed_pop + c.river_exposed_pop > 0}
    assert {b.region for b in loan_books(world)} == exposed


def test_each_tier_s_indemnity_is_priced_at_that_tier_s_payout() -> None:
    world = load_world()
    products = {p.id: p for p in finance_data(world).products}
    sim = simulation(short("fog-expressway", 1), 1)
    (finance,) = [s for s in sim.sectors.impacts if s.sector == "finance"]
    tiers = [r for r in finance.rules if r.impact == "claim_indemnity"]
    assert len(tiers) == sum(len(p.payout) for p in products.values())
    for rule in tiers:
        (m,) = rule.mitigations
        product = products[rule.id.split("-")[1]]
        k = int(rule.id.rsplit("-t", 1)[1])
        part = product.payout[k - 1][1] - (product.payout[k - 2][1] if k > 1 else 0.0)
        assert m.action == FinanceAction.PAY_CLAIM and m.lead_h == 0 and m.avoid_share == 1
        assert m.cost is not None
        assert abs(m.cost.unit_cost_yuan - product.sum_insured_per_unit * part) < 1e-6


def test_the_2013_heat_wave_triggers_rice_and_hog_covers_and_their_delay_costs() -> None:
    kinds: dict[tuple[str, str], float] = defaultdict(float)
    for i in finance_impacts("heatwave-rice-flowering", 12):
        kinds[i.impact_kind, i.asset_id.split("-")[1]] += i.loss_yuan
    assert kinds["payout_delay", "rice_heat"] > 0 and kinds["payout_delay", "hog_heat"] > 0
    assert kinds["claim_indemnity", "rice_heat"] > kinds["payout_delay", "rice_heat"]
    assert not any(kind == "loan_default" for kind, _ in kinds)


def test_the_2008_cold_pays_ganzhou_s_navel_oranges_only() -> None:
    impacts = finance_impacts("freezing-rain-2008", 8)
    pool = "policy-orange_freeze-360700-navel_orange"
    assert impacts and {i.asset_id.split(":")[0] for i in impacts} == {pool}


def test_the_2020_flood_brings_loan_defaults_in_the_lake_cities_and_no_heat_payout() -> None:
    impacts = finance_impacts("poyang-flood-2020", 10)
    regions = {i.region for i in impacts if i.impact_kind == "loan_default"}
    assert {"360100", "360400", "361100"} <= regions
    products = {i.asset_id.split("-")[1] for i in impacts if i.impact_kind != "loan_default"}
    assert products <= {"rice_rain"}


def test_repayment_records_rise_above_normal_in_flooded_cities_and_not_in_dry_ones() -> None:
    highest: dict[str, float] = defaultdict(float)
    for ev in events("poyang-flood-2020", 10):
        if isinstance(ev, RepaymentsMissed):
            highest[ev.book_id] = max(highest[ev.book_id], ev.missed_share)
    assert highest["loans-360100-farm"] >= 0.02  # Nanchang's polders flood for days
    assert highest["loans-360700-farm"] < 0.02  # Ganzhou stays dry
