"""The finance sector's world: insured pools and loan books, the claims filed, the harm of delay.

Finance owns only financial harm, never the crop loss itself (that is agriculture's):

- **the indemnity** (``claim_indemnity``): once a pool's true index reaches a tier of its payout
  schedule, that tier's payout falls due; the farmers bear it until it is paid. Each tier is an
  asset of its own (``<pool>:t<k>``, kinds ``policy_tier<k>``), so a payment is credited with
  exactly the tiers it pays. A tier comes due at the settlement limit (``claims.settlement_h``)
  after it was reached or at the run's last hour, whichever is first, and a payment naming it by
  then avoids all of it, at the price of that tier's payout: a true claim nets to zero, so a pay
  decision's cost (the payout) is recovered only where a true loss stands behind it, and a false
  claim paid costs exactly its payout;
- **the delay** (``payout_delay``, on the pool): the distress of farmers left unpaid grows with the
  hours since the index was met (``claims.distress``); paid at once avoids all of it, later less
  (lead 0);
- **loan defaults** (``loan_default``): borrowers on a city's flood plains default after days
  with the water ``loans.flood_threshold_m`` above warning (``loans.classes[].defaults``), losing
  the bank the loss given default; an extension (延期还本) in place before the defaults avoids
  ``loans.extension_avoid_share`` of it for ``loans.extension_cost_share`` of the principal.

All figures come from ``shared/world/sectors/finance.yaml`` (with their sources) through the
world this plug-in is given: its damage rules are built from the world's book
(``FinancePlugin.damage_rules``), so the rules, the pools the service pays and the prices it
charges are one set of figures.

Sensors (the sector's own data, its siloed path): the claims farmers file on a pool after a
true payout tier is reached, days late, and false claims on pools whose index came near the
trigger; and each loan book's daily missed-repayment share, which rises ahead of the defaults.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from services.simulator.domain.plugin import (
    SOURCE,
    Asset,
    CodedRule,
    Emit,
    Exposure,
    ModelSection,
    SectorPlugin,
    Sensor,
    SensorNoise,
    SensorRun,
    Series,
    WorldState,
    clip,
)
from shared.contracts.finance import (
    FINANCE_CLAIMS,
    FINANCE_REPAYMENTS,
    SECTOR,
    ClaimsFiled,
    FinanceAction,
    RepaymentsMissed,
)
from shared.contracts.simulator import HazardKind
from shared.world import BEIJING_OFFSET, DamageRule, World
from shared.world.costs import CostSpec, Per
from shared.world.sectors.finance import (
    FinanceData,
    IndexCounter,
    Pool,
    Product,
    finance_data,
    loan_books,
    loan_kind,
    pools,
)

#: The borrower classes the plug-in has asset kinds for (``finance.yaml`` must list these).
LOAN_CLASSES = ("farm", "firm")
#: Insured units per claimant household (?: a rice household farms about 10 mu; a hog farm
#: keeps tens of head): only the count of claims in a report, which nothing scores.
UNITS_PER_CLAIM = 10.0
#: Borrowers behind on repayment in normal times (?: rural banks' overdue ratios of 1-2 %).
BASE_MISSED_SHARE = 0.01
#: The local hour at which a day's repayment record is read.
REPAYMENT_HOUR = 12

HAZARDS: dict[str, tuple[HazardKind, ...]] = {
    "tmax_day": (HazardKind.HEAT_WAVE,),
    "temp": (HazardKind.COLD_WAVE, HazardKind.FREEZING_RAIN),
}


def _local_hour(state: WorldState, i: int) -> int:
    return (state.times[i].astimezone(UTC) + BEIJING_OFFSET).hour


def index_values(state: WorldState, pool: Pool) -> list[int]:
    """The pool's index value, hourly (what the payout schedule reads), from the true weather.

    A daily index counts a local day at its last hour (the day's Tmax is known then); an hourly
    one every hour. Out of the product's crop stages the index does not count.
    """
    product = pool.product
    temps = state.cities[pool.region].temp
    calendars = state.world.calendars
    counter = IndexCounter(product.index)
    local = [(t.astimezone(UTC) + BEIJING_OFFSET) for t in state.times]
    out: list[int] = []
    day_max = -math.inf
    n = state.hours
    for i in range(n):
        eligible = product.eligible(calendars.stage(pool.crop, local[i].date(), pool.lat))
        if product.index.unit == "hour":
            counter.add(temps[i], eligible=eligible)
        else:
            day_max = max(day_max, temps[i])
            if i == n - 1 or local[i + 1].date() != local[i].date():
                counter.add(day_max, eligible=eligible)
                day_max = -math.inf
        out.append(counter.value)
    return out


def payout_shares(state: WorldState, pool: Pool) -> list[float]:
    """The pool's contractual payout share, hourly, from the true weather of its city."""
    return [pool.product.payout_share(v) for v in index_values(state, pool)]


def _pool(series: Series, asset: Asset) -> Pool:
    return {p.id: p for p in pools(series.world, {asset.region})}[asset.id]


def _payout_share(series: Series, asset: Asset) -> list[float]:
    return payout_shares(series.state, _pool(series, asset))


def _claim_due(series: Series, asset: Asset) -> list[float]:
    return [1.0 if s > 0 else 0.0 for s in series.hourly(POLICY, asset, "payout_share")]


def tier_id(pool: Pool, tier: int) -> str:
    """The asset id of a pool's payout tier ``tier`` (1 = the first)."""
    return f"{pool.id}:t{tier}"


def _tier_of(series: Series, asset: Asset) -> tuple[Pool, int]:
    pool_id, tier = asset.id.rsplit(":t", 1)
    return {p.id: p for p in pools(series.world, {asset.region})}[pool_id], int(tier)


def _settled(series: Series, asset: Asset) -> list[float]:
    """1 from the hour the tier's payout falls due: the settlement limit after the pool's index
    reached the tier, or the run's last hour, whichever is first."""
    pool, tier = _tier_of(series, asset)
    level = pool.product.payout[tier - 1][1]
    shares = payout_shares(series.state, pool)
    n = len(shares)
    first = next((i for i, s in enumerate(shares) if s >= level), None)
    if first is None:
        return [0.0] * n
    due = min(first + finance_data(series.world).claims.settlement_h, n - 1)
    return [1.0 if i >= due else 0.0 for i in range(n)]


def policy_assets(state: WorldState) -> list[Asset]:
    """Every insured pool in the scenario's cities: its sum insured at risk, in mu or head."""
    out = []
    for pool in pools(state.world, set(state.cities)):
        out.append(
            Asset(
                id=pool.id,
                kind="policy",
                region=pool.region,
                value_yuan=pool.sum_insured_yuan,
                people=0,
                lat=pool.lat,
                crop=pool.crop,
                unit=pool.product.per,
                quantity=pool.insured_units,
                units={FinanceAction.PAY_CLAIM.value: (pool.product.unit, pool.insured_units)},
            )
        )
    return out


def tier_assets(tier: int) -> Callable[[WorldState], list[Asset]]:
    """The assets of every pool's payout tier ``tier``: that tier's part of the sum insured."""

    def assets(state: WorldState) -> list[Asset]:
        """Each pool's tier ``tier``, where its schedule has one."""
        out = []
        for pool in pools(state.world, set(state.cities)):
            payout = pool.product.payout
            if tier > len(payout):
                continue
            part = payout[tier - 1][1] - (payout[tier - 2][1] if tier > 1 else 0.0)
            out.append(
                Asset(
                    id=tier_id(pool, tier),
                    kind=f"policy_tier{tier}",
                    region=pool.region,
                    value_yuan=round(pool.sum_insured_yuan * part, 2),
                    people=0,
                    lat=pool.lat,
                    crop=pool.crop,
                    unit=pool.product.per,
                    quantity=pool.insured_units,
                    units={FinanceAction.PAY_CLAIM.value: (pool.product.unit, pool.insured_units)},
                )
            )
        return out

    return assets


def _book_assets(class_id: str) -> Callable[[WorldState], list[Asset]]:
    def assets(state: WorldState) -> list[Asset]:
        """A borrower class's books in the scenario's cities: the loss given default at risk."""
        lgd = finance_data(state.world).loans.lgd
        return [
            Asset(
                id=book.id,
                kind=book.kind,
                region=book.region,
                value_yuan=round(book.balance_yuan * lgd, 2),
                people=0,
                lat=book.lat,
                units={FinanceAction.EXTEND_LOAN.value: (Per.FACILITY, book.balance_yuan / 1e4)},
            )
            for book in loan_books(state.world, set(state.cities))
            if book.loan_class.id == class_id
        ]

    return assets


POLICY = Exposure(
    kind="policy",
    assets=policy_assets,
    variables={"payout_share": _payout_share, "claim_due": _claim_due},
    city_variables=False,
)
#: The most payout tiers a product may have (one asset kind each).
MAX_TIERS = 3
TIERS = tuple(
    Exposure(
        kind=f"policy_tier{k}",
        assets=tier_assets(k),
        variables={"settled": _settled},
        city_variables=False,
    )
    for k in range(1, MAX_TIERS + 1)
)


def claim_price(product: Product, share: float) -> CostSpec:
    """``share`` of the sum insured per insured unit, paid once: a payout's price per unit."""
    return CostSpec(
        per=product.unit,
        unit_cost_yuan=product.sum_insured_per_unit * share,
        source=f"finance.yaml: {product.id}, {share:g} of ¥{product.sum_insured_per_unit:g}",
    )


def extension_price(data: FinanceData) -> CostSpec:
    """An extension's price per ¥10,000 of principal (counted in FACILITY units: a loan
    facility's ¥10,000), paid once."""
    return CostSpec(
        per=Per.FACILITY,
        unit_cost_yuan=data.loans.extension_cost_share * 1e4,
        source="finance.yaml: the People's Bank's 2020 deferral support, 1 % of principal",
    )


def rules_of(world: World) -> tuple[CodedRule, ...]:
    """The sector's damage rules, built from the world's finance book."""
    data = finance_data(world)
    classes = tuple(c.id for c in data.loans.classes)
    if classes != LOAN_CLASSES:
        raise ValueError(f"finance.yaml loan classes {classes}; the plug-in has {LOAN_CLASSES}")
    claims = data.claims
    out: list[CodedRule] = []
    for product in data.products:
        hazards = HAZARDS[product.index.measure]
        out.append(
            CodedRule(
                rule=DamageRule(
                    id=f"finance-{product.id}-payout-delay",
                    sector=SECTOR.name,
                    impact="payout_delay",
                    hazards=hazards,
                    asset="policy",
                    crops=product.crops,
                    variable="claim_due",
                    op="ge",
                    threshold=1,
                    unit="hour",
                    mode="duration",
                    reset_h=claims.settlement_h,
                    share_variable="payout_share",
                    steps=claims.distress,
                    mitigations=(
                        {
                            "action": FinanceAction.PAY_CLAIM.value,
                            "avoid_share": 1.0,
                            "lead_h": 0,
                            "cost": claim_price(product, claims.handling_share),
                        },
                    ),
                ),
                source="finance.yaml claims.distress: farmers' distress while unpaid (?)",
            )
        )
        if len(product.payout) > MAX_TIERS:
            raise ValueError(f"{product.id}: at most {MAX_TIERS} payout tiers")
        below = 0.0
        for tier, (_, share) in enumerate(product.payout, start=1):
            out.append(
                CodedRule(
                    rule=DamageRule(
                        id=f"finance-{product.id}-indemnity-t{tier}",
                        sector=SECTOR.name,
                        impact="claim_indemnity",
                        hazards=hazards,
                        asset=f"policy_tier{tier}",
                        crops=product.crops,
                        variable="settled",
                        op="ge",
                        threshold=1,
                        unit="hour",
                        mode="duration",
                        steps=((1, 1.0),),
                        mitigations=(
                            {
                                "action": FinanceAction.PAY_CLAIM.value,
                                "avoid_share": 1.0,
                                "lead_h": 0,
                                "cost": claim_price(product, share - below),
                            },
                        ),
                    ),
                    source=(
                        f"finance.yaml {product.id}: tier {tier} of the payout the index "
                        "contract owes, due at the settlement limit (Agricultural Insurance "
                        "Regulations; Insurance Law art. 23)"
                    ),
                )
            )
            below = share
    for loan_class in data.loans.classes:
        out.append(
            CodedRule(
                rule=DamageRule(
                    id=f"finance-loans-{loan_class.id}-default",
                    sector=SECTOR.name,
                    impact="loan_default",
                    hazards=(HazardKind.LAKE_RISE, HazardKind.RAINSTORM),
                    asset=loan_kind(loan_class.id),
                    variable="level_above_warning",
                    op="ge",
                    threshold=data.loans.flood_threshold_m,
                    unit="hour",
                    mode="duration",
                    steps=loan_class.defaults,
                    mitigations=(
                        {
                            "action": FinanceAction.EXTEND_LOAN.value,
                            "avoid_share": data.loans.extension_avoid_share,
                            "lead_h": 0,
                            "cost": extension_price(data),
                        },
                    ),
                ),
                source=(
                    f"finance.yaml loans: {loan_class.id} defaults after days flooded (?), "
                    "LGD 45 % (CBIRC 2012 capital rules), extension 1 % (People's Bank 2020)"
                ),
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class FinancePlugin(SectorPlugin):
    """The finance plug-in: its damage rules come from the world's finance book."""

    def damage_rules(self, world: World) -> tuple[DamageRule, ...]:
        """The world's rules that name finance, then those built from its book."""
        named = tuple(r for r in world.damage.rules if r.sector == self.sector.name)
        return named + tuple(c.rule for c in rules_of(world))


class ClaimSensor:
    """Claims as farmers file them: for each true payout tier reached, a report days later (its
    claimed sum a little off the tier's payout); on pools whose index came near the trigger
    without meeting it, now and then a false claim for the first tier."""

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("finance_claims", SensorNoise)
        state, rng = run.state, run.rng
        terms = finance_data(state.world).claims
        lo, hi = terms.filing_delay_h
        self.due: dict[int, list[ClaimsFiled]] = {}
        for pool in pools(state.world, set(state.cities)):
            shares = payout_shares(state, pool)
            filed = 0.0
            for i, share in enumerate(shares):
                if share > filed:
                    self._file(pool, i, i + rng.randint(lo, hi), share - filed)
                    filed = share
            if filed == 0:
                index = index_values(state, pool)
                near = pool.product.trigger * terms.near_miss_share
                first = next((i for i, v in enumerate(index) if v >= near), None)
                if first is not None and rng.random() < terms.false_claim_p:
                    share = pool.product.payout[0][1]
                    self._file(pool, first, first + rng.randint(lo, hi), share)

    def _file(self, pool: Pool, loss_i: int, at: int, share: float) -> None:
        s, rng = self.run.state, self.run.rng
        claimed = pool.payout_yuan(share) * math.exp(rng.gauss(0, self.noise.sd("claimed_rel_sd")))
        claims = max(1, round(pool.insured_units / UNITS_PER_CLAIM * share))
        event = ClaimsFiled(
            event_id=self.run.event_id("finance-claims", pool.id, loss_i),
            occurred_at=s.times[min(at, s.hours - 1)],
            source=SOURCE,
            region=pool.region,
            pool_id=pool.id,
            product=pool.product.id,
            claims=min(claims, 10_000_000),
            claimed_yuan=round(clip(claimed, 1.0, 1e11), 2),
            loss_at=s.times[loss_i],
        )
        self.due.setdefault(at, []).append(event)

    def __call__(self, i: int, emit: Emit) -> None:
        """File the reports due at hour ``i``."""
        for event in self.due.pop(i, ()):
            emit(i, event)


class RepaymentSensor:
    """Each loan book's repayment record, read once a local day: the share of borrowers behind.

    Borrowers stop paying ``loans.missed_lead_h`` before they default: the share behind is the
    normal arrears plus the defaults the flood will have brought that much later.
    """

    def __init__(self, run: SensorRun) -> None:
        self.run = run
        self.noise = run.parameter("finance_repayments", SensorNoise)
        state = run.state
        data = finance_data(state.world)
        self.books = loan_books(state.world, set(state.cities))
        self.lead = data.loans.missed_lead_h
        self.threshold = data.loans.flood_threshold_m
        self.flooded = {code: Series(state).level_above(code) for code in state.cities}
        self.hours: dict[str, int] = {b.region: 0 for b in self.books}
        self.dry: dict[str, int] = {b.region: 0 for b in self.books}
        self.reset_h = state.world.damage.episode_reset_h

    def __call__(self, i: int, emit: Emit) -> None:
        """Count the flood's hours; at the reading hour, read every book."""
        s, rng = self.run.state, self.run.rng
        for code in self.hours:
            if self.flooded[code][i] >= self.threshold:
                self.hours[code] += 1
                self.dry[code] = 0
            else:
                self.dry[code] += 1
                if self.dry[code] >= self.reset_h:
                    self.hours[code] = 0
        if _local_hour(s, i) != REPAYMENT_HOUR:
            return
        for book in self.books:
            if rng.random() < self.noise.drop_p:
                continue
            flooded = self.hours[book.region]
            ahead = 0.0
            if flooded:
                for at, share in book.loan_class.defaults:
                    if flooded + self.lead >= at:
                        ahead = share
            missed = (BASE_MISSED_SHARE + ahead) * math.exp(rng.gauss(0, self.noise.sd("rel_sd")))
            emit(
                i,
                RepaymentsMissed(
                    event_id=self.run.event_id("finance-repayments", book.id, i),
                    occurred_at=s.times[i],
                    source=SOURCE,
                    region=book.region,
                    book_id=book.id,
                    borrower_class=book.loan_class.id,
                    missed_share=round(clip(missed, 0.0, 1.0), 4),
                ),
            )


PLUGIN = FinancePlugin(
    sector=SECTOR,
    exposures=(
        POLICY,
        *TIERS,
        *(Exposure(kind=loan_kind(c), assets=_book_assets(c)) for c in LOAN_CLASSES),
    ),
    sensors=(
        Sensor(name="finance_claims", topic=FINANCE_CLAIMS, order=100, start=ClaimSensor),
        Sensor(
            name="finance_repayments", topic=FINANCE_REPAYMENTS, order=101, start=RepaymentSensor
        ),
    ),
    parameters=(
        ModelSection(
            "finance_claims",
            SensorNoise,
            # (?) a claimed sum is within about 10 % of the tier's payout (farmers' own estimates).
            default=SensorNoise(drop_p=0.0, delay_p=0.0, delay_max_h=1, claimed_rel_sd=0.1),
        ),
        ModelSection(
            "finance_repayments",
            SensorNoise,
            # (?) a branch's daily record is missing now and then; the share read is within 15 %.
            default=SensorNoise(drop_p=0.02, delay_p=0.0, delay_max_h=1, rel_sd=0.15),
        ),
    ),
)
