"""The finance sector's contracts: claims filed and repayments missed in, decisions out.

The sector is weather-index insurance and credit risk early warning (plan sections 二.5 and
二.10, "天气指数+保险"). Its own data are the claims farmers file and the loan books' repayment
history. The loan book is important data (重要数据, Data Security Law art. 21): only aggregates
leave the finance service. ``RepaymentsMissed`` is already an aggregate (one city's borrower class)
and so is every decision: a claim decision names an insured pool (a product's insured farmers of
one city's crop) and the amount paid to it, a loan decision a city's borrower class and the
principal extended; none carries a borrower's or a farmer's record.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import AwareDatetime, Classification, Event
from shared.contracts.spec import SectorInfo, TopicRole, TopicSpec, actions_of


class FinanceAction(StrEnum):
    """The actions the finance sector decides (prices: ``shared/world/sectors/finance.yaml``)."""

    PAY_CLAIM = "pay_claim"
    EXTEND_LOAN = "extend_loan"


class Basis(StrEnum):
    """What a finance decision rests on."""

    INDEX = "index"  # the pool's weather index, computed from station readings (fused)
    CLAIMS = "claims"  # claims filed, after loss assessment
    REPAYMENTS = "repayments"  # missed repayments in the loan book
    WARNING = "warning"  # a public CMA warning
    RESPONSE = "response"  # an emergency response for the city (fused)


class ClaimsFiled(Event):
    """Claims filed on one insured pool in one report: their count and the total claimed.

    An aggregate of the pool's farmers' reports (no farmer's record); ``loss_at`` is when they
    say the loss happened.
    """

    EVENT_TYPE = "ClaimsFiled"
    classification: Classification = Classification.SENSITIVE

    pool_id: str = Field(min_length=1, max_length=64)
    product: str = Field(min_length=1, max_length=24)
    claims: int = Field(ge=1, le=10_000_000, description="Farmers' claims in this report")
    claimed_yuan: float = Field(gt=0, le=1e11)
    loss_at: AwareDatetime


class RepaymentsMissed(Event):
    """One day's repayment record of a city's borrower class: the share of borrowers behind."""

    EVENT_TYPE = "RepaymentsMissed"
    classification: Classification = Classification.IMPORTANT

    book_id: str = Field(min_length=1, max_length=48)
    borrower_class: str = Field(min_length=1, max_length=12)
    missed_share: float = Field(ge=0, le=1, description="Share of the book's borrowers behind")


class FinanceDecision(DecisionMade):
    """A claim paid to an insured pool, or loans extended for a city's borrower class.

    ``asset_ids`` names the pool or the loan book; ``amount_yuan`` is the payout (a pay
    decision's cost is that payout plus its handling) or the principal extended. Aggregates only.
    """

    EVENT_TYPE = "FinanceDecision"

    sector: str = "finance"
    basis: Basis
    product: str | None = Field(default=None, max_length=24, description="Index product paid")
    borrower_class: str | None = Field(default=None, max_length=12)
    amount_yuan: float = Field(ge=0, description="Payout, or principal extended")
    index_value: float | None = Field(default=None, description="The pool's index when paid")

    @model_validator(mode="after")
    def _one_book(self) -> FinanceDecision:
        if self.sector != SECTOR.name:
            raise ValueError("a finance decision is the finance sector's")
        if self.action == FinanceAction.PAY_CLAIM and not self.product:
            raise ValueError("a claim payment names its product")
        if self.action == FinanceAction.EXTEND_LOAN and not self.borrower_class:
            raise ValueError("a loan extension names its borrower class")
        return self


SECTOR = SectorInfo(
    name="finance",
    label_zh="金融服务",
    label_en="Financial services",
    colour="#50e3c2",
    plan_section="二.5",
    actions=actions_of(
        FinanceAction,
        {
            "pay_claim": ("理赔支付", "pay claim"),
            "extend_loan": ("延期还本", "extend loans"),
        },
    ),
)

FINANCE_CLAIMS = TopicSpec(
    sector="finance",
    event="claims",
    version=1,
    model=ClaimsFiled,
    classification=Classification.SENSITIVE,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="claims filed by insured farmers, per pool and report (aggregates)",
)
FINANCE_REPAYMENTS = TopicSpec(
    sector="finance",
    event="repayments",
    version=1,
    model=RepaymentsMissed,
    classification=Classification.IMPORTANT,
    role=TopicRole.OBSERVATIONS,
    marked=True,
    description="daily missed-repayment shares per city and borrower class (important data)",
)
FINANCE_DECISIONS = TopicSpec(
    sector="finance",
    event="decisions",
    version=1,
    model=FinanceDecision,
    classification=Classification.INTERNAL,
    role=TopicRole.DECISIONS,
    description="claims paid and loans extended, siloed and fused (city aggregates only)",
)

TOPICS = (FINANCE_CLAIMS, FINANCE_REPAYMENTS, FINANCE_DECISIONS)
