"""The two models of a sector: which data reaches which."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.contracts.decisions import DecisionMade
from shared.contracts.envelope import Event, Mode
from shared.runtime import Paired

T0 = datetime(2020, 7, 8, tzinfo=UTC)


def _decision(mode: Mode) -> DecisionMade:
    return DecisionMade(
        occurred_at=T0,
        source="water",
        region="360100",
        sector="water",
        mode=mode,
        action="reinforce_levee",
        decision_key="k",
        effective_at=T0,
        expected_loss_avoided_yuan=0.0,
    )


def test_another_sector_s_decisions_reach_the_fused_model_from_its_fused_world_only() -> None:
    seen: list[str] = []
    models = Paired(siloed="siloed", fused="fused")

    def call(name: str) -> list[Event]:
        seen.append(name)
        return []

    assert models.fused_world(_decision(Mode.SILOED), call) == []
    assert seen == []  # the other sector's siloed world is read by no one
    models.fused_world(_decision(Mode.FUSED), call)
    assert seen == ["fused"]
    plain = Event(occurred_at=T0, source="weather", region="360100")
    models.fused_world(plain, call)  # an event made in no world is not a world's decision
    assert seen == ["fused"]
    models.both(call)
    assert seen == ["fused", "siloed", "fused"]
