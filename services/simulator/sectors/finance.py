"""The finance sector's world: insured pools and loan books, the claims filed, the harm of delay.

Finance owns only financial harm, never the crop loss itself (that is agriculture's):

- **the indemnity** (``claim_indemnity``): once a pool's true index reaches a tier of its payout
  schedule, that tier's payout falls due; the farmers bear it until it is paid. Each tier is an
  asset of its own (``<pool>:t<k>``, kind ``<product>_t<k>``; a product's pools are kind
  ``<product>``), so a payment is credited with
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

The book (pools, loan books, indexes) comes from ``shared/world/sectors/finance.yaml`` (with its
sources) through the world this plug-in is given, as the service's does. The damage rules are
declared when the plug-in is imported, before a world is loaded, so the figures they need are
written out below (``PRODUCTS``, ``DISTRESS`` ...); ``rules_agree`` compares them with a world's
book, and the assets refuse to be built from a book they disagree with.

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
from shared.world import BEIJING_OFFSET, DamageRule
from shared.world.costs import CostSpec, Per
from shared.world.sectors.finance import (
    FinanceData,
    IndexCounter,
    Pool,
    finance_data,
    loan_books,
    loan_kind,
    pools,
)

#: The borrower classes the plug-in has asset kinds for (``finance.yaml`` must list these).
LOAN_CLASSES = ("farm", "firm")


@dataclass(frozen=True)
class ProductTerms:
    """What the damage rules need of an index product: the figures of ``finance.yaml``."""

    id: str
    crops: tuple[str, ...]
    measure: str
    per: Per
    sum_insured_per_unit: float
    tiers: tuple[float, ...]


#: The book's figures the rules are built from, as in ``shared/world/sectors/finance.yaml``
#: (sources there). A plug-in's rules are declared when it is imported, before any world is
#: loaded, so they are written out here; ``rules_agree`` checks them against a world's book.
PRODUCTS = (
    ProductTerms(
        "rice_heat",
        ("early_rice", "middle_rice", "late_rice"),
        "tmax_day",
        Per.MU,
        300,
        (0.15, 0.30, 0.50),
    ),
    ProductTerms(
        "rice_rain",
        ("early_rice", "middle_rice", "late_rice"),
        "rain_day",
        Per.MU,
        300,
        (0.05, 0.15, 0.30),
    ),
    ProductTerms("orange_freeze", ("navel_orange",), "temp", Per.MU, 3000, (0.10, 0.25, 0.45)),
    ProductTerms("hog_heat", ("hogs",), "tmax_day", Per.HEAD, 800, (0.02, 0.05, 0.08)),
)
DISTRESS = ((72.0, 0.05), (240.0, 0.15), (480.0, 0.25))
HANDLING_SHARE = 0.04
SETTLEMENT_H = 720
DEFAULTS = {
    "farm": ((72.0, 0.01), (168.0, 0.04), (336.0, 0.08)),
    "firm": ((72.0, 0.01), (168.0, 0.03), (336.0, 0.06)),
}
FLOOD_THRESHOLD_M = 0.5
EXTENSION_AVOID_SHARE = 0.7
EXTENSION_COST_SHARE = 0.01
#: Insured units per claimant household (?: a rice household farms about 10 mu; a hog farm
#: keeps tens of head): only the count of claims in a report, which nothing scores.
UNITS_PER_CLAIM = 10.0
#: Borrowers behind on repayment in normal times (?: rural banks' overdue ratios of 1-2 %).
BASE_MISSED_SHARE = 0.01
#: The local hour at which a day's repayment record is read.
REPAYMENT_HOUR = 12

HAZARDS: dict[str, tuple[HazardKind, ...]] = {
    "tmax_day": (HazardKind.HEAT_WAVE,),
    "rain_day": (HazardKind.RAINSTORM, HazardKind.LAKE_RISE),
    "temp": (HazardKind.COLD_WAVE, HazardKind.FREEZING_RAIN),
}


def _local_hour(state: WorldState, i: int) -> int:
    return (state.times[i].astimezone(UTC) + BEIJING_OFFSET).hour


def index_values(state: WorldState, pool: Pool) -> list[int]:
    """The pool's index value, hourly (what the payout schedule reads), from the true weather.

    A daily index counts a local day at its last hour (the day's Tmax or rain is known then); an
    hourly one every hour. Out of the product's crop stages the index does not count.
    """
    spec = pool.product.index
    city = state.cities[pool.region]
    values = city.rain if spec.measure == "rain_day" else city.temp
    calendars = state.world.calendars
    counter = IndexCounter(spec)
    local = [(t.astimezone(UTC) + BEIJING_OFFSET) for t in state.times]
    out: list[int] = []
    day: list[float] = []
    n = state.hours
    for i in range(n):
        eligible = pool.product.eligible(calendars.stage(pool.crop, local[i].date(), pool.lat))
        if spec.unit == "hour":
            counter.add(values[i], eligible=eligible)
        else:
            day.append(values[i])
            if i == n - 1 or local[i + 1].date() != local[i].date():
                counter.add(sum(day) if spec.summed else max(day), eligible=eligible)
                day = []
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
    return [1.0 if s > 0 else 0.0 for s in _payout_share(series, asset)]


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


def _product_pools(state: WorldState, product: str) -> list[Pool]:
    differ = rules_agree(finance_data(state.world))
    if differ:
        raise ValueError(f"the finance rules disagree with finance.yaml: {', '.join(differ)}")
    return [p for p in pools(state.world, set(state.cities)) if p.product.id == product]


def policy_assets(product: str) -> Callable[[WorldState], list[Asset]]:
    """The assets of a product's pools: each its sum insured at risk, in mu or head."""

    def assets(state: WorldState) -> list[Asset]:
        """The product's pools in the scenario's cities."""
        return [_pool_asset(pool) for pool in _product_pools(state, product)]

    return assets


def _pool_asset(pool: Pool) -> Asset:
    return Asset(
        id=pool.id,
        kind=pool.product.id,
        region=pool.region,
        value_yuan=pool.sum_insured_yuan,
        people=0,
        lat=pool.lat,
        crop=pool.crop,
        unit=pool.product.per,
        quantity=pool.insured_units,
        units={FinanceAction.PAY_CLAIM.value: (pool.product.unit, pool.insured_units)},
    )


def tier_assets(product: str, tier: int) -> Callable[[WorldState], list[Asset]]:
    """The assets of a product's payout tier ``tier``: each pool's part of the sum insured."""

    def assets(state: WorldState) -> list[Asset]:
        """Each of the product's pools' tier ``tier``, where its schedule has one."""
        out = []
        for pool in _product_pools(state, product):
            payout = pool.product.payout
            if tier > len(payout):
                continue
            part = payout[tier - 1][1] - (payout[tier - 2][1] if tier > 1 else 0.0)
            out.append(
                Asset(
                    id=tier_id(pool, tier),
                    kind=tier_kind(product, tier),
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


def tier_kind(product: str, tier: int) -> str:
    """The asset kind of a product's payout tier ``tier``."""
    return f"{product}_t{tier}"


#: Each product's pools (its delay rule's assets) and payout tiers (its indemnity rules').
POLICIES = tuple(
    exposure
    for product in PRODUCTS
    for exposure in (
        Exposure(
            kind=product.id,
            assets=policy_assets(product.id),
            variables={"payout_share": _payout_share, "claim_due": _claim_due},
            city_variables=False,
        ),
        *(
            Exposure(
                kind=tier_kind(product.id, k),
                assets=tier_assets(product.id, k),
                variables={"settled": _settled},
                city_variables=False,
            )
            for k in range(1, len(product.tiers) + 1)
        ),
    )
)


def claim_price(product: ProductTerms, share: float) -> CostSpec:
    """``share`` of the sum insured per insured unit, paid once: a payout's price per unit."""
    return CostSpec(
        per=product.per,
        unit_cost_yuan=round(product.sum_insured_per_unit * share, 6),
        source=f"finance.yaml: {product.id}, {share:g} of ¥{product.sum_insured_per_unit:g}",
    )


#: An extension's price per ¥10,000 of principal (counted in FACILITY units: a loan facility's
#: ¥10,000), paid once.
EXTENSION_PRICE = CostSpec(
    per=Per.FACILITY,
    unit_cost_yuan=EXTENSION_COST_SHARE * 1e4,
    source="finance.yaml: the People's Bank's 2020 deferral support, 1 % of principal",
)


def rules_agree(data: FinanceData) -> list[str]:
    """Where the rules' figures differ from a world's finance book (none: they agree)."""
    out: list[str] = []
    book = {p.id: p for p in data.products}
    if set(book) != {p.id for p in PRODUCTS}:
        out.append(f"products {sorted(book)}")
    for terms in PRODUCTS:
        product = book.get(terms.id)
        if product is None:
            continue
        mine = (terms.crops, terms.measure, terms.per, terms.sum_insured_per_unit, terms.tiers)
        theirs = (
            product.crops,
            product.index.measure,
            product.unit,
            product.sum_insured_per_unit,
            tuple(t[1] for t in product.payout),
        )
        if mine != theirs:
            out.append(f"product {terms.id}")
    claims, loans = data.claims, data.loans
    if (claims.distress, claims.handling_share, claims.settlement_h) != (
        DISTRESS,
        HANDLING_SHARE,
        SETTLEMENT_H,
    ):
        out.append("claims terms")
    if {c.id: c.defaults for c in loans.classes} != DEFAULTS:
        out.append("loan classes")
    if (loans.flood_threshold_m, loans.extension_avoid_share, loans.extension_cost_share) != (
        FLOOD_THRESHOLD_M,
        EXTENSION_AVOID_SHARE,
        EXTENSION_COST_SHARE,
    ):
        out.append("loan terms")
    return out


def rules_of() -> tuple[CodedRule, ...]:
    """The sector's damage rules, from the book's figures above."""
    out: list[CodedRule] = []
    for product in PRODUCTS:
        hazards = HAZARDS[product.measure]
        out.append(
            CodedRule(
                rule=DamageRule(
                    id=f"finance-{product.id}-payout-delay",
                    sector=SECTOR.name,
                    impact="payout_delay",
                    direct=False,
                    hazards=hazards,
                    asset=product.id,
                    variable="claim_due",
                    op="ge",
                    threshold=1,
                    unit="hour",
                    mode="duration",
                    reset_h=SETTLEMENT_H,
                    share_variable="payout_share",
                    steps=DISTRESS,
                    mitigations=(
                        {
                            "action": FinanceAction.PAY_CLAIM.value,
                            "avoid_share": 1.0,
                            "lead_h": 0,
                            "cost": claim_price(product, HANDLING_SHARE),
                        },
                    ),
                ),
                source="finance.yaml claims.distress: farmers' distress while unpaid (?)",
            )
        )
        below = 0.0
        for tier, share in enumerate(product.tiers, start=1):
            out.append(
                CodedRule(
                    rule=DamageRule(
                        id=f"finance-{product.id}-indemnity-t{tier}",
                        sector=SECTOR.name,
                        impact="claim_indemnity",
                        direct=False,
                        hazards=hazards,
                        asset=tier_kind(product.id, tier),
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
    for class_id in LOAN_CLASSES:
        out.append(
            CodedRule(
                rule=DamageRule(
                    id=f"finance-loans-{class_id}-default",
                    sector=SECTOR.name,
                    impact="loan_default",
                    direct=False,
                    hazards=(HazardKind.LAKE_RISE, HazardKind.RAINSTORM),
                    asset=loan_kind(class_id),
                    variable="level_above_warning",
                    op="ge",
                    threshold=FLOOD_THRESHOLD_M,
                    unit="hour",
                    mode="duration",
                    steps=DEFAULTS[class_id],
                    mitigations=(
                        {
                            "action": FinanceAction.EXTEND_LOAN.value,
                            "avoid_share": EXTENSION_AVOID_SHARE,
                            "lead_h": 0,
                            "cost": EXTENSION_PRICE,
                        },
                    ),
                ),
                source=(
                    f"finance.yaml loans: {class_id} defaults after days flooded (?), "
                    "LGD 45 % (CBIRC 2012 capital rules), extension 1 % (People's Bank 2020)"
                ),
            )
        )
    return tuple(out)


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


PLUGIN = SectorPlugin(
    sector=SECTOR,
    rules=rules_of(),
    exposures=(
        *POLICIES,
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
