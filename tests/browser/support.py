"""Browser-test support: the dashboard as a process, and Debian's chromium for Playwright.

Until ``shared/runtime/registry.py`` lists the dashboard, ``python -m shared.runtime dashboard``
does not know it; ``DASHBOARD_MAIN`` then adds the registry entry in that process only, and
starts the service the one way every service starts (``shared.runtime.__main__.main``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from shared.runtime.registry import SERVICES
from shared.settings import PROJECT_ROOT

#: Debian's chromium (``apt-get install chromium``); Playwright's own browser download is not used.
CHROMIUM = os.environ.get("DEXSIM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where the screenshots go (ignored by git; kept as test artifacts).
SCREENSHOTS = PROJECT_ROOT / "reports" / "screenshots"
#: The dashboard's default port (what the registry entry should say).
DASHBOARD_BASE_PORT = 8080

DASHBOARD_MAIN = f"""
import sys
from shared.runtime import registry
if not any(e.name == "dashboard" for e in registry.SERVICES):
    registry.SERVICES = registry.SERVICES + (
        registry.ServiceEntry("dashboard", "services.dashboard.service", {DASHBOARD_BASE_PORT}),
    )
from shared.runtime.__main__ import main
sys.exit(main(["dashboard"]))
"""


def dashboard_registered() -> bool:
    """True once the registry lists the dashboard (then ``dexsim up`` starts it)."""
    return any(e.name == "dashboard" for e in SERVICES)


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} not found: apt-get install -y chromium"
    if not (PROJECT_ROOT / "services/dashboard/web/node_modules/echarts").is_dir():
        return "front-end packages missing: npm ci in services/dashboard/web"
    return None


def start_dashboard(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start the dashboard process (registry entry added in that process if missing)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", DASHBOARD_MAIN],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )


def wait_ready(url: str, timeout: float = 90.0) -> None:
    """Wait until ``url``/readyz answers 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} not ready within {timeout}s")
