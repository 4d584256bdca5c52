"""The dashboard's manifest: warnings, decisions, scores, ticks and ensembles in; the page out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from services.dashboard import api, streams
from services.dashboard.domain import Board, CityRef
from services.dashboard.launcher import Launcher
from services.dashboard.state import DashboardState
from shared.datafile import DataFileError, read_yaml
from shared.runtime import Manifest, Persisted
from shared.settings import ServiceSettings
from shared.world import load_world


class DashboardSettings(ServiceSettings):
    """Settings of the dashboard (``DEXSIM_DASHBOARD_*``); its default port is 8080."""

    model_config = SettingsConfigDict(env_prefix="DEXSIM_DASHBOARD_", frozen=True, extra="ignore")

    labels_path: Path = Field(
        default=api.DATA_DIR / "labels.yaml",
        description="The page's labels in Chinese and English (DEXSIM_DASHBOARD_LABELS_PATH)",
    )

    @field_validator("tick_sync", mode="before")
    @classmethod
    def _never_tick_sync(cls, value: Any) -> bool:
        # Holding events until their tick completes needs tick markers on every input, and
        # referee.scores.v1 carries none: scores would be held for ever. The page shows events
        # as they arrive; `dexsim run` may set DEXSIM_DASHBOARD_TICK_SYNC for every service.
        return False


def load_labels(path: Path) -> dict[str, Any]:
    """Read the page's labels file (a mapping of label groups)."""
    found = read_yaml(path)
    if not isinstance(found, dict):
        raise DataFileError(f"{path} is not a mapping of label groups")
    return found


def new_board() -> Board:
    """An empty board over the world's prefecture-level cities."""
    return Board([CityRef(c.code, c.name_zh, c.name_en) for c in load_world().cities])


def new_state(settings: DashboardSettings) -> DashboardState:
    """The service's state: the board, the run launcher and the page's labels."""
    return DashboardState(
        board=new_board(), launcher=Launcher.default(), labels=load_labels(settings.labels_path)
    )


def _with_board(state: DashboardState, board: Board) -> DashboardState:
    state.board = board
    return state


MANIFEST: Manifest[DashboardState] = Manifest(
    name="dashboard",
    port=8080,
    settings=DashboardSettings,
    state=new_state,
    agents=(streams.CLOCK, streams.FEED, streams.SCORES, streams.SUMMARIES),
    routers=(api.page, api.data),
    clocked=False,
    description=(
        "The leadership dashboard: warnings, response levels, decisions, cross-sector flows and "
        "the referee's scores per sector, and the bands of the latest ensemble and sweep of each "
        "scenario, live over server-sent events (public aggregates)."
    ),
    data_files=("services/dashboard/data/labels.yaml",),
    # The board survives a restart (the summaries of the last ensembles with it); the run
    # launcher and the scenario list belong to the process.
    persisted=Persisted(take=lambda state: state.board, put=_with_board),
)
