"""When the finance service pays a claim or extends loans: the rules of each mode.

Two books, one model per mode (siloed, fused), the same code:

**Index insurance** (``pay_claim``). Each insured pool (a product's insured farmers of one city's
crop, ``shared/world/sectors/finance.py``) is owed a payout once its weather index meets the
contract's trigger; the payout is the schedule's share of the sum insured, and a payment's cost is
that payout plus its handling (``claims.handling_share`` of it). Every pool is paid in increments:
each payment brings what the pool has been paid up to a tier of the schedule (its key is the pool
and the payment's number) and names the pool and the tiers it pays (``<pool>:t<k>``), so nothing
is paid twice and the referee credits a payment with exactly the tiers it paid.

* both modes: a claim report (``ClaimsFiled``, the sector's own data) is assessed on site and
  decided ``claims.assessment_h`` after it was filed, with the chance that it is true
  ``chances.filed_with_warning`` when a public CMA warning of the product's signals covered the
  city within ``claims.warning_lookback_h`` before the loss it reports, else
  ``chances.filed_unverified``; it is paid (up to the schedule's tier nearest to what the pool
  has been paid plus what is claimed) when p x (claim + the distress it spares) > claim +
  handling (the cost-loss rule);
* fused: the service computes each pool's index itself from the weather service's hourly station
  readings at the city's index station (``StationObservation``: temperatures reduced to the
  reference height, rain summed over the local day)
  and pays the schedule's share at once when the index reaches a tier: the contract pays on the
  index (p = 1), not on claims. A claim on a pool whose index the service holds but which has not
  met the trigger has the chance ``chances.filed_index_not_met``; an agriculture advisory on the
  product's risk in the city (another sector's damage assessment) stands in for the field survey:
  the claim is decided at once with ``chances.filed_with_advisory``.

**Credit** (``extend_loan``, 延期还本). Each loan book is one borrower class's loans on a city's
flood plains. An extension for the whole book costs ``extension_cost_share`` of its balance and,
in place before the defaults, avoids ``extension_avoid_share`` of them; the model's loss is its
book's default loss after a long flood (its class's last default step x LGD). A book is extended
once.

* both modes: the book's missed-repayment share (``RepaymentsMissed``, own data) at least
  ``loans.missed_above_normal`` above the normal arrears, chance ``loans.chances.repayments``; a
  public rainstorm warning for the city, chance by colour;
* fused: an emergency response for the city (another sector's decision, fused world only): a
  response level's chance by level, an evacuation's ``loans.chances.evacuation``.

Both act only where p x L > C (``shared.world.costs.worth_acting``). Pure: the adapter reads the
rules file and the world's book and passes them in; only aggregates (pools, city books) appear in
the decisions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.agriculture import AdvisoryIssued, RiskKind
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.finance import (
    Basis,
    ClaimsFiled,
    FinanceAction,
    FinanceDecision,
    RepaymentsMissed,
)
from shared.contracts.weather import (
    Colour,
    SignalType,
    StationObservation,
    WarningIssued,
    to_reference,
)
from shared.world import BEIJING_OFFSET, Calendars
from shared.world.costs import Probability, check_by_colour, worth_acting
from shared.world.sectors.finance import (
    ClaimTerms,
    IndexCounter,
    LoanBook,
    LoanTerms,
    Pool,
)

SOURCE = "finance"
#: A book's extension is counted in ¥10,000 of principal.
PRINCIPAL_UNIT_YUAN = 1e4


class ClaimChances(BaseModel):
    """The chance a filed claim is true, by the evidence behind it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    filed_with_warning: Probability
    filed_with_advisory: Probability
    filed_unverified: Probability
    filed_index_not_met: Probability


class ClaimRules(BaseModel):
    """How filed claims are assessed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    assessment_h: float = Field(ge=0, description="On-site loss assessment after a report")
    warning_lookback_h: float = Field(gt=0, description="A warning this long before the loss")
    warning_signals: dict[str, tuple[SignalType, ...]] = Field(description="By product")
    advisory_risks: dict[str, tuple[RiskKind, ...]] = Field(description="By product")
    chances: ClaimChances


class LoanChances(BaseModel):
    """The chance of a long flood on a book's land, by the evidence behind an extension."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repayments: Probability
    rainstorm_warning: dict[Colour, Probability]
    response_level: dict[ResponseLevel, Probability]
    evacuation: Probability

    def model_post_init(self, _context: object) -> None:
        """Refuse a table where a more severe warning is less likely."""
        check_by_colour(self.rainstorm_warning, "rainstorm_warning")


class LoanRules(BaseModel):
    """When a book's loans are extended."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    normal_missed_share: float = Field(ge=0, lt=1, description="Arrears in normal times")
    missed_above_normal: float = Field(gt=0, lt=1, description="Act at this much more behind")
    chances: LoanChances


class FinanceRules(BaseModel):
    """The service's rules (``data/rules.yaml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    claims: ClaimRules
    loans: LoanRules


@dataclass(frozen=True)
class IndexStation:
    """A city's index station: the one its contracts name, and its height."""

    id: str
    region: str
    elevation_m: float


@dataclass(frozen=True)
class Book:
    """What a mode's model is given: the world's pools, loan books, terms and index stations."""

    pools: tuple[Pool, ...]
    loan_books: tuple[LoanBook, ...]
    claim_terms: ClaimTerms
    loan_terms: LoanTerms
    stations: tuple[IndexStation, ...]
    calendars: Calendars


@dataclass
class PoolAccount:
    """What a pool has been paid so far (per mode), and its index as this mode computes it."""

    pool: Pool
    counter: IndexCounter
    paid_share: float = 0.0
    paid_yuan: float = 0.0
    payments: int = 0


@dataclass
class _Day:
    """A city's local day of station readings: its highest temperature and its rain so far."""

    day: date
    tmax: float = -99.0
    rain: float = 0.0


@dataclass
class _Pending:
    """A claim report waiting for its assessment."""

    due: datetime
    claim: ClaimsFiled
    advisory: bool = False


@dataclass
class _Evidence:
    """When each kind of public or cross-sector evidence last covered a city."""

    warnings: dict[tuple[str, SignalType], list[datetime]] = field(
        default_factory=lambda: defaultdict(list)
    )
    advisories: dict[tuple[str, RiskKind], list[datetime]] = field(
        default_factory=lambda: defaultdict(list)
    )


def local_day(at: datetime) -> date:
    """The Beijing-time date of ``at``."""
    return (at.astimezone(UTC) + BEIJING_OFFSET).date()


class FinanceModel:
    """One mode's view of the insured pools and loan books, and what it decided."""

    def __init__(self, *, mode: Mode, rules: FinanceRules, book: Book) -> None:
        self.mode = mode
        self.rules = rules
        self.book = book
        self.accounts = {p.id: PoolAccount(p, IndexCounter(p.product.index)) for p in book.pools}
        self.loan_books = {b.id: b for b in book.loan_books}
        self.stations = {s.id: s for s in book.stations}
        self.extended: dict[str, FinanceDecision] = {}
        self._decisions: list[FinanceDecision] = []
        self._pending: list[_Pending] = []
        self._evidence = _Evidence()
        self._days: dict[str, _Day] = {}
        #: Cities whose index this model computes (fused, once a station reading came in).
        self.indexed: set[str] = set()

    # -- index insurance ----------------------------------------------------------------------

    def on_claims(self, claim: ClaimsFiled) -> list[FinanceDecision]:
        """Own data: a claim report waits for its assessment (at once when agriculture's
        damage assessment already covers it, fused)."""
        account = self.accounts.get(claim.pool_id)
        if account is None:
            return []
        risks = self.rules.claims.advisory_risks.get(account.pool.product.id, ())
        advised = any(
            self._seen(self._evidence.advisories[(claim.region, r)], claim.loss_at) for r in risks
        )
        wait = 0.0 if advised else self.rules.claims.assessment_h
        self._pending.append(
            _Pending(claim.occurred_at + timedelta(hours=wait), claim, advisory=advised)
        )
        return self.advance(claim.occurred_at)

    def on_observation(self, obs: StationObservation) -> list[FinanceDecision]:
        """The weather service's station reading (fused only): the index, computed at once."""
        if self.mode is not Mode.FUSED:
            raise ValueError("the siloed model must not be fed another sector's observations")
        station = self.stations.get(obs.station_id)
        if station is None:
            return []
        self.indexed.add(station.region)
        elevation = obs.elevation_m if obs.elevation_m is not None else station.elevation_m
        out: list[FinanceDecision] = []
        temp = obs.temp_c
        if temp is not None:
            out += self._count(station.region, "hour", to_reference(temp, elevation), obs)
        # The day's Tmax of the index is the highest hourly reading (as the contract states it).
        hottest = temp
        today = local_day(obs.occurred_at)
        day = self._days.get(station.region)
        if day is not None and day.day < today:
            # The last hour of the day never came in: close it with what came.
            out += self._close(station.region, day, obs)
            day = None
        if day is None:
            day = self._days[station.region] = _Day(today)
        if hottest is not None:
            day.tmax = max(day.tmax, to_reference(hottest, elevation))
        day.rain += obs.rain_mm or 0.0
        if (obs.occurred_at.astimezone(UTC) + BEIJING_OFFSET).hour == 23:
            out += self._close(station.region, day, obs)
            self._days[station.region] = _Day(today + timedelta(days=1))
        return out

    def _close(self, region: str, day: _Day, obs: StationObservation) -> list[FinanceDecision]:
        out = self._count(region, "day", day.tmax, obs, day=day.day, measure="tmax_day")
        return out + self._count(region, "day", day.rain, obs, day=day.day, measure="rain_day")

    def _count(
        self,
        region: str,
        unit: str,
        value: float,
        obs: StationObservation,
        *,
        day: date | None = None,
        measure: str = "temp",
    ) -> list[FinanceDecision]:
        out: list[FinanceDecision] = []
        on = day or local_day(obs.occurred_at)
        for account in self.accounts.values():
            pool = account.pool
            spec = pool.product.index
            if pool.region != region or spec.unit != unit or spec.measure != measure:
                continue
            stage = self.book.calendars.stage(pool.crop, on, pool.lat)
            index = account.counter.add(value, eligible=pool.product.eligible(stage))
            share = pool.product.payout_share(index)
            if share > account.paid_share:
                reason = f"{pool.product.id} index {index} at station {obs.station_id}"
                out += self._pay(
                    account,
                    share,
                    obs.occurred_at,
                    Basis.INDEX,
                    1.0,
                    obs.event_id,
                    reason,
                    cross=("weather",),
                    index=index,
                )
        return out

    def advance(self, now: datetime) -> list[FinanceDecision]:
        """The clock moved on to ``now``: decide the claims whose assessment is done."""
        due = [p for p in self._pending if p.due <= now]
        self._pending = [p for p in self._pending if p.due > now]
        out: list[FinanceDecision] = []
        for pending in sorted(due, key=lambda p: (p.due, str(p.claim.event_id))):
            out += self._assess(pending)
        return out

    def _assess(self, pending: _Pending) -> list[FinanceDecision]:
        claim = pending.claim
        account = self.accounts[claim.pool_id]
        pool = account.pool
        chances = self.rules.claims.chances
        cross: tuple[str, ...] = ()
        # The schedule is the contract: a claim is assessed as the tier it amounts to.
        claimed = account.paid_share + claim.claimed_yuan / pool.sum_insured_yuan
        share = min(pool.product.payout, key=lambda t: abs(t[1] - claimed))[1]
        if pool.region in self.indexed:
            # The contract pays on the index, which this mode computes: never beyond it.
            if account.counter.value >= pool.product.trigger:
                share = min(share, pool.product.payout_share(account.counter.value))
                p, why = 1.0, "index met"
            else:
                p, why = chances.filed_index_not_met, "index not met"
            cross = ("weather",)
        elif pending.advisory:
            p, why, cross = (
                chances.filed_with_advisory,
                "agriculture's assessment",
                ("agriculture",),
            )
        elif self._warned(pool, claim.loss_at):
            p, why = chances.filed_with_warning, "a public warning covered the loss"
        else:
            p, why = chances.filed_unverified, "no corroboration"
        amount = pool.payout_yuan(share) - account.paid_yuan
        terms = self.book.claim_terms
        spared = amount * (1 + terms.distress[-1][1])
        if amount <= 0 or not worth_acting(p, spared, amount * (1 + terms.handling_share)):
            return []
        reason = f"{claim.claims} claims filed, assessed: {why}"
        return self._pay(
            account, share, pending.due, Basis.CLAIMS, p, claim.event_id, reason, cross=cross
        )

    def _warned(self, pool: Pool, loss_at: datetime) -> bool:
        signals = self.rules.claims.warning_signals.get(pool.product.id, ())
        return any(self._seen(self._evidence.warnings[(pool.region, s)], loss_at) for s in signals)

    def _seen(self, times: list[datetime], at: datetime) -> bool:
        lookback = timedelta(hours=self.rules.claims.warning_lookback_h)
        return any(at - lookback <= t <= at + lookback for t in times)

    def _pay(
        self,
        account: PoolAccount,
        share: float,
        at: datetime,
        basis: Basis,
        p: float,
        cause: UUID,
        reason: str,
        *,
        cross: tuple[str, ...] = (),
        index: float | None = None,
    ) -> list[FinanceDecision]:
        pool = account.pool
        amount = round(pool.payout_yuan(share) - account.paid_yuan, 2)
        if amount <= 0:
            return []
        terms = self.book.claim_terms
        tiers = tuple(
            f"{pool.id}:t{k}"
            for k, (_, level) in enumerate(pool.product.payout, start=1)
            if account.paid_share < level <= share
        )
        account.payments += 1
        key = f"{pool.id}:{account.payments}"
        decision = FinanceDecision(
            event_id=derived_id(SOURCE, self.mode.value, "pay", key),
            occurred_at=at,
            source=SOURCE,
            region=pool.region,
            causation_id=cause,
            mode=self.mode,
            action=FinanceAction.PAY_CLAIM,
            decision_key=key,
            asset_ids=(pool.id, *tiers),
            effective_at=at,
            quantity=round(pool.insured_units * (share - account.paid_share), 3),
            cost_unit=pool.product.per,
            setup_cost_yuan=round(amount * (1 + terms.handling_share), 2),
            probability=p,
            expected_loss_avoided_yuan=round(p * amount * (1 + terms.distress[-1][1]), 2),
            reason=reason[:500],
            inputs=(cause,),
            cross_sector_inputs=cross,
            basis=basis,
            product=pool.product.id,
            amount_yuan=amount,
            index_value=index,
        )
        account.paid_share = share
        account.paid_yuan = round(account.paid_yuan + amount, 2)
        self._decisions.append(decision)
        return [decision]

    # -- credit ---------------------------------------------------------------------------------

    def on_repayments(self, record: RepaymentsMissed) -> list[FinanceDecision]:
        """Own data: a book whose borrowers fall behind is extended before they default."""
        book = self.loan_books.get(record.book_id)
        loans = self.rules.loans
        act_at = loans.normal_missed_share + loans.missed_above_normal
        if book is None or record.missed_share < act_at:
            return []
        reason = f"{record.missed_share:.1%} of borrowers behind"
        return self._extend(
            book, record.occurred_at, Basis.REPAYMENTS, loans.chances.repayments, record, reason
        )

    def on_warning(self, warning: WarningIssued) -> list[FinanceDecision]:
        """A public CMA warning (both modes): kept as evidence for claims; a rainstorm warning
        may extend the city's books."""
        if warning.alert.msg_type == "Cancel":
            return []
        self._evidence.warnings[(warning.region, warning.signal)].append(warning.occurred_at)
        if warning.signal is not SignalType.RAINSTORM:
            return []
        p = self.rules.loans.chances.rainstorm_warning[warning.colour]
        reason = f"{warning.colour.value} rainstorm warning"
        return [
            d
            for book in self._books_in(warning.region)
            for d in self._extend(book, warning.occurred_at, Basis.WARNING, p, warning, reason)
        ]

    def on_advisory(self, advisory: AdvisoryIssued) -> list[FinanceDecision]:
        """Agriculture's advisory (fused only): its damage assessment corroborates claims."""
        if self.mode is not Mode.FUSED:
            raise ValueError("the siloed model must not be fed another sector's advisories")
        if advisory.status == "taken":
            self._evidence.advisories[(advisory.region, advisory.risk)].append(advisory.occurred_at)
        return []

    def on_response(self, response: ResponseDecided) -> list[FinanceDecision]:
        """Emergency's response for a city (fused only): a flood response extends its books."""
        if self.mode is not Mode.FUSED:
            raise ValueError("the siloed model must not be fed another sector's responses")
        if response.status != "taken":
            return []
        chances = self.rules.loans.chances
        if response.measure is Measure.EVACUATION:
            p, reason = chances.evacuation, "evacuation ordered"
        elif response.measure is Measure.RESPONSE_LEVEL and response.level is not None:
            p = chances.response_level[response.level]
            reason = f"level {response.level.value} emergency response"
        else:
            return []
        return [
            d
            for book in self._books_in(response.region)
            for d in self._extend(
                book, response.occurred_at, Basis.RESPONSE, p, response, reason, cross=True
            )
        ]

    def _books_in(self, region: str) -> list[LoanBook]:
        return [b for b in self.loan_books.values() if b.region == region]

    def default_loss(self, book: LoanBook) -> float:
        """The book's default loss after a long flood: its class's last step times LGD."""
        return book.balance_yuan * book.loan_class.defaults[-1][1] * self.book.loan_terms.lgd

    def _extend(
        self,
        book: LoanBook,
        at: datetime,
        basis: Basis,
        p: float,
        cause: RepaymentsMissed | WarningIssued | ResponseDecided,
        reason: str,
        *,
        cross: bool = False,
    ) -> list[FinanceDecision]:
        if book.id in self.extended:
            return []
        terms = self.book.loan_terms
        avoided = self.default_loss(book) * terms.extension_avoid_share
        cost = book.balance_yuan * terms.extension_cost_share
        if not worth_acting(p, avoided, cost):
            return []
        decision = FinanceDecision(
            event_id=derived_id(SOURCE, self.mode.value, "extend", book.id),
            occurred_at=at,
            source=SOURCE,
            region=book.region,
            causation_id=cause.event_id,
            mode=self.mode,
            action=FinanceAction.EXTEND_LOAN,
            decision_key=book.id,
            asset_ids=(book.id,),
            effective_at=at,
            quantity=round(book.balance_yuan / PRINCIPAL_UNIT_YUAN, 3),
            cost_unit="10k-yuan",
            setup_cost_yuan=round(cost, 2),
            probability=p,
            expected_loss_avoided_yuan=round(p * avoided, 2),
            reason=reason[:500],
            inputs=(cause.event_id,),
            cross_sector_inputs=("emergency",) if cross else (),
            basis=basis,
            borrower_class=book.loan_class.id,
            amount_yuan=book.balance_yuan,
        )
        self.extended[book.id] = decision
        self._decisions.append(decision)
        return [decision]

    def decisions(self) -> list[FinanceDecision]:
        """Every decision so far, in the order decided."""
        return list(self._decisions)
