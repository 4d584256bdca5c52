"""The finance agent under faust's test_context: what it reads, both modes, fusion."""

from __future__ import annotations

from datetime import UTC, datetime

from services.finance.service import MANIFEST
from shared.contracts.agriculture import AGRICULTURE_ADVISORIES
from shared.contracts.emergency import EMERGENCY_RESPONSES
from shared.contracts.envelope import Mode
from shared.contracts.finance import (
    FINANCE_CLAIMS,
    FINANCE_DECISIONS,
    FINANCE_REPAYMENTS,
    FinanceDecision,
    RepaymentsMissed,
)
from shared.contracts.weather import WEATHER_OBSERVATIONS, WEATHER_WARNINGS
from tests.factories.runtime import service

T0 = datetime(2020, 7, 9, 4, tzinfo=UTC)
OWN = {FINANCE_CLAIMS.name, FINANCE_REPAYMENTS.name, WEATHER_WARNINGS.name}


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings_only() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == OWN
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == OWN | {
        WEATHER_OBSERVATIONS.name,
        AGRICULTURE_ADVISORIES.name,
        EMERGENCY_RESPONSES.name,
    }


async def test_missed_repayments_yield_a_siloed_and_a_fused_extension() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    record = RepaymentsMissed(
        occurred_at=T0,
        source="test",
        region="360100",
        book_id="loans-360100-farm",
        borrower_class="farm",
        missed_share=0.08,
    )
    agent = runtime.faust_app.agents["finance.decide"]
    async with agent.test_context() as ctx:
        await ctx.put(record.to_bytes(), key=record.key)
    decided = sink.events(FINANCE_DECISIONS.name, FinanceDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED, Mode.SILOED]
    assert {d.asset_ids for d in decided} == {("loans-360100-farm",)}
    assert all(d.cross_sector_inputs == () for d in decided)
