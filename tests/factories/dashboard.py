"""The dashboard's test builders: boards, events for them, and the service with a faked command."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from services.dashboard.domain import Board
from services.dashboard.launcher import Launcher
from services.dashboard.service import MANIFEST, DashboardSettings, load_labels, new_board
from services.dashboard.state import DashboardState, ScenarioLister
from shared.contracts.agriculture import AgricultureAction, Industry
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import Measure, ResponseDecided, ResponseLevel
from shared.contracts.envelope import Mode
from shared.contracts.simulator import TickAdvanced
from shared.contracts.weather import WarningIssued
from shared.runtime import ServiceRuntime, build
from tests.factories import weather

T0 = datetime(2020, 7, 7, tzinfo=UTC)
JINGDEZHEN = "360200"

#: What ``dexsim scenarios --json`` prints, in short.
SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "poyang-flood-2020",
        "description_zh": "2020年鄱阳湖流域洪水：持续暴雨",
        "description_en": "2020 Poyang Lake flood - sustained rainstorms",
        "ticks": 480,
        "tick_hours": 1,
        "seed": 7,
    },
    {
        "name": "fog-expressway",
        "description_zh": "高速大雾：能见度骤降",
        "description_en": "Expressway fog - visibility collapses",
        "ticks": 48,
        "tick_hours": 1,
        "seed": 11,
    },
]


def board() -> Board:
    """An empty board over the world's cities, built as the service builds it."""
    return new_board()


@cache
def labels() -> dict[str, Any]:
    """The shipped page labels."""
    return load_labels(DashboardSettings().labels_path)


def rain_warnings(
    region: str, amounts: Sequence[float], start: datetime = T0
) -> list[WarningIssued]:
    """Real warnings from the weather engine for hourly rain at one station."""
    return weather.rain_warnings(region, list(amounts), start)


def tick(n: int, run_id: str = "poyang-flood-2020-s7") -> TickAdvanced:
    """The simulator's marker for tick ``n`` of a Poyang run."""
    return TickAdvanced(
        occurred_at=T0 + timedelta(hours=n + 1), source="simulator", region="360000",
        run_id=run_id, scenario="poyang-flood-2020", seed=7, tick=n, total_ticks=480,
        tick_start=T0 + timedelta(hours=n),
    )  # fmt: skip


def decision(mode: Mode, inputs: tuple[str, ...] = ()) -> DecisionMade:
    """An agriculture decision carrying private details (farm, costs, free text)."""
    return DecisionMade(
        occurred_at=T0, source="agriculture", region=JINGDEZHEN, sector="agriculture",
        mode=mode, action=AgricultureAction.DRAIN_FIELDS, decision_key="k",
        asset_ids=("360200-early_rice",), industry=Industry.RICE, effective_at=T0,
        setup_cost_yuan=1_500_000, expected_loss_avoided_yuan=9_000_000,
        reason="secret farm detail", cross_sector_inputs=inputs,
    )  # fmt: skip


def response_level(level: ResponseLevel, mode: Mode = Mode.FUSED) -> ResponseDecided:
    """The emergency service raising Jingdezhen's response level, using weather data."""
    return ResponseDecided(
        occurred_at=T0, source="emergency", region=JINGDEZHEN, mode=mode,
        action=Measure.RESPONSE_LEVEL.action, measure=Measure.RESPONSE_LEVEL, level=level,
        decision_key="level", effective_at=T0, setup_cost_yuan=0, expected_loss_avoided_yuan=0,
        cross_sector_inputs=("weather",),
    )  # fmt: skip


def city(snapshot: dict[str, object], code: str) -> dict[str, object]:
    """One city's view in a board snapshot."""
    cities = snapshot["cities"]
    assert isinstance(cities, list)
    found: dict[str, object] = next(c for c in cities if c["code"] == code)
    return found


@dataclass
class RecordingLauncher(Launcher):
    """A launcher that records the runs it is asked to start instead of starting processes."""

    started: list[tuple[str, bool]] = field(default_factory=list)

    def start(self, *, scenario: str, fusion: bool) -> dict[str, Any]:
        """Record the run; it is then 'running'."""
        self.started.append((scenario, fusion))
        return self.status()

    def status(self) -> dict[str, Any]:
        """Idle until a run was started, then running the last one."""
        if not self.started:
            return {"state": "idle", "scenario": None, "fusion": None, "started_at": None}
        scenario, fusion = self.started[-1]
        fused = "on" if fusion else "off"
        return {"state": "running", "scenario": scenario, "fusion": fused, "started_at": None}


@dataclass
class FakeCommand:
    """Stands in for ``dexsim scenarios --json``: prints ``output``, or fails with ``error``."""

    output: Any = field(default_factory=lambda: [dict(s) for s in SCENARIOS])
    error: Exception | None = None
    calls: int = 0

    def __call__(self) -> Any:
        """What the command printed (parsed), counting the runs."""
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.output


def state(tmp_path: Path, list_scenarios: ScenarioLister | None = None) -> DashboardState:
    """The service's state with a recording launcher and (by default) a faked command."""
    return DashboardState(
        board=board(),
        launcher=RecordingLauncher(tmp_path / "run.json", tmp_path / "run.log"),
        labels=labels(),
        list_scenarios=list_scenarios or FakeCommand(),
    )


def client(found: DashboardState) -> tuple[TestClient, ServiceRuntime[DashboardState]]:
    """The dashboard's HTTP app over ``found`` (no lifespan: no Kafka), and its runtime."""
    app, runtime = build(MANIFEST, DashboardSettings())
    runtime.state = found
    return TestClient(app), runtime
