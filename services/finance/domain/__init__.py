"""The finance service's pure domain: when to pay an index claim and when to extend loans."""

from services.finance.domain.model import (
    Book,
    FinanceModel,
    FinanceRules,
    IndexStation,
    PoolAccount,
)

__all__ = ["Book", "FinanceModel", "FinanceRules", "IndexStation", "PoolAccount"]
