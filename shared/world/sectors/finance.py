"""The finance sector's book: index-insurance products and pools, loan books (``finance.yaml``).

Both the finance service (through its adapter) and the simulator's finance plug-in read the
book from the ``World`` they are given, so the insured pools, the loan books and the index the
contracts pay on are the same on both sides:

- a **product** is a weather-index cover (rice heat, navel-orange cold, hog heat): the crops it
  covers, the crop stages in which its index counts, the sum insured per mu or head, and its
  index (what is measured, the threshold, counted in days or hours, consecutive or not) with the
  payout schedule (index reached -> share of the sum insured);
- a **pool** is one product's insured farmers of one farm (a city's crop, ``farms.csv``):
  ``insured_share`` of the farm's units, at the product's sum insured;
- a **loan book** is one borrower class's loans on a city's flood plains (its balance at risk).

``IndexCounter`` is the index arithmetic itself, used by the simulator on the true weather and by
the fused finance model on the weather service's station readings: the contract's index, computed
the same way from either source, so the only difference between them is the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.world import World
from shared.world.costs import Per
from shared.world.sectors import section

#: One step of a schedule: [x reached, share].
Step = tuple[float, float]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _ascending(steps: tuple[Step, ...], what: str) -> None:
    xs, shares = [s[0] for s in steps], [s[1] for s in steps]
    if not steps or xs != sorted(xs) or shares != sorted(shares):
        raise ValueError(f"{what}: steps must be [x, share] ascending in both")
    if any(not 0 <= s <= 1 for s in shares):
        raise ValueError(f"{what}: shares lie in 0..1")


def share_at(steps: tuple[Step, ...], x: float) -> float:
    """The share of the highest step whose x is reached (0 below the first)."""
    out = 0.0
    for at, share in steps:
        if x >= at:
            out = share
    return out


class IndexSpec(_Frozen):
    """What a product's index counts: units (days or hours) on which ``measure op threshold``."""

    #: ``tmax_day``: a local day's highest temperature; ``rain_day``: a local day's rain;
    #: ``temp``: an hour's temperature.
    measure: Literal["tmax_day", "rain_day", "temp"]
    op: Literal["ge", "le"]
    threshold: float
    unit: Literal["day", "hour"]
    #: Count the longest run of consecutive units (a heat spell), or every unit (cold hours).
    consecutive: bool

    @model_validator(mode="after")
    def _unit_fits(self) -> IndexSpec:
        if (self.measure == "temp") == (self.unit == "day"):
            raise ValueError("tmax_day and rain_day are counted in days, temp in hours")
        return self

    @property
    def summed(self) -> bool:
        """Whether a day's value is the sum of its hours (rain) rather than their highest."""
        return self.measure == "rain_day"

    def met(self, value: float) -> bool:
        """Whether one unit's value counts towards the index."""
        return value >= self.threshold if self.op == "ge" else value <= self.threshold


@dataclass
class IndexCounter:
    """A pool's index as its units come in, in order: the value the payout schedule reads."""

    spec: IndexSpec
    run: int = 0
    value: int = 0

    def add(self, value: float, *, eligible: bool = True) -> int:
        """Count one unit (a day or an hour); an ineligible unit (out of stage) breaks a run."""
        hit = eligible and self.spec.met(value)
        if self.spec.consecutive:
            self.run = self.run + 1 if hit else 0
            self.value = max(self.value, self.run)
        elif hit:
            self.value += 1
        return self.value


class Product(_Frozen):
    """A weather-index insurance product (see the header of ``finance.yaml``)."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")
    label_zh: str
    label_en: str
    crops: tuple[str, ...] = Field(min_length=1)
    #: Crop stages in which the index counts (None: all year).
    stages: tuple[str, ...] | None
    per: Literal["mu", "head"]
    sum_insured_per_unit: float = Field(gt=0)
    premium_rate: float = Field(gt=0, lt=1)
    insured_share: float = Field(gt=0, le=1)
    index: IndexSpec
    payout: tuple[Step, ...]

    @model_validator(mode="after")
    def _schedule(self) -> Product:
        _ascending(self.payout, f"product {self.id} payout")
        return self

    @property
    def unit(self) -> Per:
        """What the product insures: mu of fields or head of livestock."""
        return Per(self.per)

    @property
    def trigger(self) -> float:
        """The index value of the first payout."""
        return self.payout[0][0]

    def payout_share(self, index: float) -> float:
        """The share of the sum insured due at index value ``index``."""
        return share_at(self.payout, index)

    def eligible(self, stage: str | None) -> bool:
        """Whether the index counts in crop stage ``stage``."""
        return self.stages is None or stage in self.stages


class ClaimTerms(_Frozen):
    """When an index claim falls due, what waiting for it costs, how claims are filed."""

    settlement_h: int = Field(gt=0, description="Verification and payment limit, hours")
    distress: tuple[Step, ...] = Field(description="[hours unpaid, share of the payout lost]")
    handling_share: float = Field(ge=0, lt=1, description="Handling cost, share of a payout")
    filing_delay_h: tuple[int, int] = Field(description="Farmers report a loss this much later")
    false_claim_p: float = Field(ge=0, le=1)
    near_miss_share: float = Field(gt=0, le=1, description="Index share of the trigger that tempts")

    @model_validator(mode="after")
    def _steps(self) -> ClaimTerms:
        _ascending(self.distress, "claims distress")
        if not 0 <= self.filing_delay_h[0] <= self.filing_delay_h[1]:
            raise ValueError("filing_delay_h: [shortest, longest], both >= 0")
        return self


class LoanClass(_Frozen):
    """A borrower class: its province balance, rate and default schedule after a flood."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]{0,11}$")
    label_zh: str
    label_en: str
    province_balance_yuan: float = Field(gt=0)
    rate: float = Field(gt=0, lt=1)
    defaults: tuple[Step, ...] = Field(description="[hours flooded, share of borrowers default]")

    @model_validator(mode="after")
    def _steps(self) -> LoanClass:
        _ascending(self.defaults, f"loan class {self.id} defaults")
        return self


class LoanTerms(_Frozen):
    """The loan books' common terms: loss given default, what an extension costs and saves."""

    lgd: float = Field(gt=0, le=1)
    extension_cost_share: float = Field(gt=0, lt=1)
    extension_avoid_share: float = Field(gt=0, le=1)
    flood_threshold_m: float = Field(description="Water above warning that stops repayment")
    missed_lead_h: int = Field(ge=0, description="Missed repayments come this long before defaults")
    classes: tuple[LoanClass, ...] = Field(min_length=1)


class FinanceData(_Frozen):
    """The whole of ``finance.yaml``."""

    products: tuple[Product, ...] = Field(min_length=1)
    claims: ClaimTerms
    loans: LoanTerms


@dataclass(frozen=True)
class Pool:
    """One product's insured farmers of one farm: an aggregate, never a farmer's policy."""

    id: str
    product: Product
    farm_id: str
    crop: str
    region: str
    lat: float
    insured_units: float

    @property
    def sum_insured_yuan(self) -> float:
        """The pool's whole sum insured."""
        return self.insured_units * self.product.sum_insured_per_unit

    @property
    def premium_yuan(self) -> float:
        """The pool's premium for the season."""
        return self.sum_insured_yuan * self.product.premium_rate

    def payout_yuan(self, share: float) -> float:
        """What a payout of ``share`` of the sum insured pays the pool."""
        return round(self.sum_insured_yuan * share, 2)


@dataclass(frozen=True)
class LoanBook:
    """One borrower class's loans on one city's flood plains: an aggregate, never a borrower."""

    id: str
    loan_class: LoanClass
    region: str
    lat: float
    balance_yuan: float

    @property
    def kind(self) -> str:
        """The simulator's asset kind of this class's books."""
        return loan_kind(self.loan_class.id)


def loan_kind(class_id: str) -> str:
    """The asset kind of a borrower class's loan books (one damage rule each)."""
    return f"loans_{class_id}"


def finance_data(world: World) -> FinanceData:
    """``world``'s finance book, validated."""
    return section(world, "finance", FinanceData)


def pools(world: World, cities: set[str] | None = None) -> list[Pool]:
    """Every insured pool: one per product and farm of a covered crop (in ``cities`` if given)."""
    data = finance_data(world)
    out: list[Pool] = []
    for product in data.products:
        for farm in world.farms:
            if farm.crop not in product.crops or (cities is not None and farm.city not in cities):
                continue
            if Per(product.per) is not farm.per:
                raise ValueError(f"{product.id} insures {product.per}, {farm.farm_id} {farm.per}")
            out.append(
                Pool(
                    id=f"policy-{product.id}-{farm.farm_id}",
                    product=product,
                    farm_id=farm.farm_id,
                    crop=farm.crop,
                    region=farm.city,
                    lat=world.city(farm.city).lat,
                    insured_units=round(farm.units(product.insured_share), 1),
                )
            )
    return out


def loan_books(world: World, cities: set[str] | None = None) -> list[LoanBook]:
    """Every loan book at risk: one per borrower class and city with people on flood plains."""
    terms = finance_data(world).loans
    population = sum(c.population for c in world.cities)
    out: list[LoanBook] = []
    for loan_class in terms.classes:
        for city in world.cities:
            if cities is not None and city.code not in cities:
                continue
            exposed = (city.flood_exposed_pop + city.river_exposed_pop) / city.population
            if exposed <= 0:
                continue
            balance = loan_class.province_balance_yuan * city.population / population * exposed
            out.append(
                LoanBook(
                    id=f"loans-{city.code}-{loan_class.id}",
                    loan_class=loan_class,
                    region=city.code,
                    lat=city.lat,
                    balance_yuan=round(balance, -4),
                )
            )
    return out


def index_station(world: World, city: str) -> str:
    """The station a city's index contracts name: its lowest (a valley station, not a summit)."""
    stations = [s for s in world.stations if s.city == city]
    if not stations:
        raise KeyError(f"no station in city {city}")
    return min(stations, key=lambda s: (s.elevation_m, s.id)).id
