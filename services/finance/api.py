"""The finance HTTP adapter: claims ingestion, load profile, aggregate views.

Every view is an aggregate (a product's pools per city, a pool's payments, a city's borrower
class): the loan book is important data, and no borrower's or farmer's record leaves the service.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.finance.domain import FinanceModel
from shared.contracts.envelope import Mode
from shared.contracts.finance import FINANCE_CLAIMS, ClaimsFiled, FinanceDecision
from shared.runtime import IngestPath, LoadContext, LoadProfile, Paired, state_of
from shared.world import load_world
from shared.world.sectors.finance import pools

Models = Annotated[Paired[FinanceModel], Depends(state_of)]
ModeQuery = Annotated[Mode | None, Query(description="siloed or fused; both when absent")]

#: POST /ingest/claims: claims filed on an insured pool, API-key protected; 202 once Kafka acked.
CLAIMS = IngestPath(
    path="claims",
    event=ClaimsFiled,
    topic=FINANCE_CLAIMS,
    field="claims",
    id_fields=("pool_id", "loss_at"),
)

views = APIRouter(tags=["finance"])


@views.get("/decisions", response_model=list[FinanceDecision])
async def decided(models: Models, mode: ModeQuery = None) -> list[FinanceDecision]:
    """Every claim paid and loan book extended so far, per mode (aggregates only)."""
    return [d for _, m in models.modes(mode) for d in m.decisions()]


@views.get("/policies")
async def policies(models: Models) -> list[dict[str, Any]]:
    """The insured book by product and city: pools, insured units, sums insured, premiums."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for account in models.siloed.accounts.values():
        pool = account.pool
        row = rows.setdefault(
            (pool.product.id, pool.region),
            {
                "product": pool.product.id,
                "label_zh": pool.product.label_zh,
                "region": pool.region,
                "unit": pool.product.per,
                "pools": 0,
                "insured_units": 0.0,
                "sum_insured_yuan": 0.0,
                "premium_yuan": 0.0,
            },
        )
        row["pools"] += 1
        row["insured_units"] += pool.insured_units
        row["sum_insured_yuan"] += pool.sum_insured_yuan
        row["premium_yuan"] += round(pool.premium_yuan, 2)
    return sorted(rows.values(), key=lambda r: (r["product"], r["region"]))


@views.get("/claims")
async def claims_paid(models: Models, mode: ModeQuery = None) -> list[dict[str, Any]]:
    """What each mode has paid each pool: payments, yuan, share of the sum insured."""
    out = []
    for name, model in models.modes(mode):
        for account in model.accounts.values():
            if account.payments:
                out.append(
                    {
                        "mode": name.value,
                        "pool_id": account.pool.id,
                        "product": account.pool.product.id,
                        "region": account.pool.region,
                        "payments": account.payments,
                        "paid_yuan": account.paid_yuan,
                        "paid_share": round(account.paid_share, 4),
                    }
                )
    return out


@views.get("/loans")
async def loans(models: Models, mode: ModeQuery = None) -> list[dict[str, Any]]:
    """The loan books at risk per city and borrower class, and whether each mode extended them."""
    out = []
    for name, model in models.modes(mode):
        for book in model.loan_books.values():
            decision = model.extended.get(book.id)
            out.append(
                {
                    "mode": name.value,
                    "book_id": book.id,
                    "region": book.region,
                    "borrower_class": book.loan_class.id,
                    "balance_yuan": book.balance_yuan,
                    "extended": decision is not None,
                    "extended_at": decision.effective_at.isoformat() if decision else None,
                }
            )
    return out


def claims(ctx: LoadContext) -> list[dict[str, Any]]:
    """One report of claims on a pool of the book, now and then."""
    book = _pools()
    pool = ctx.rng.choice(sorted(book))
    region, product = book[pool]
    at = ctx.clock.tick().isoformat()
    return [
        {
            "pool_id": pool,
            "product": product,
            "region": region,
            "observed_at": at,
            "loss_at": at,
            "claims": ctx.rng.randint(1, 500),
            "claimed_yuan": round(ctx.rng.uniform(1e4, 1e6), 2),
        }
    ]


@cache
def _pools() -> dict[str, tuple[str, str]]:
    """Every pool of the book: its city and product (the load test files claims on them)."""
    return {p.id: (p.region, p.product.id) for p in pools(load_world())}


LOAD = LoadProfile(
    ingest=CLAIMS,
    readings=claims,
    weight=1,
    queries=("/decisions", "/claims", "/loans", "/policies"),
)
