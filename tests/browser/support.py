"""Browser-test support: the dashboard as a process, and Debian's chromium for Playwright.

The dashboard is started the way a user starts it: ``dexsim up`` (see ``conftest.py``).
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx

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


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if not Path(CHROMIUM).is_file() and shutil.which(CHROMIUM) is None:
        return f"{CHROMIUM} not found: apt-get install -y chromium"
    if not (PROJECT_ROOT / "services/dashboard/web/node_modules/echarts").is_dir():
        return "front-end packages missing: npm ci in services/dashboard/web"
    return None


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
