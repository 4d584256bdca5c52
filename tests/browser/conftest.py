"""Browser-test fixtures: a whole system on the test broker, the dashboard, and chromium."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    DASHBOARD_BASE_PORT,
    SCREENSHOTS,
    chromium_missing,
    wait_ready,
)
from tests.support import TEST_STATE

#: Ports offset like the e2e tests, but by 3000 (a demo and the e2e system can run beside; 2000
#: would put the dashboard on 10080, a port browsers refuse).
PORT_OFFSET = 3000


@pytest.fixture(scope="module")
def system(kafka_bootstrap: str) -> Iterator[dict[str, Any]]:
    """The dashboard on the test broker (URL and env); runs it starts use the same env."""
    why = chromium_missing()
    if why:
        pytest.skip(why)
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DEXSIM_STATE_DIR": str(TEST_STATE / "browser"),
        "DEXSIM_PORT_OFFSET": str(PORT_OFFSET),
        "DEXSIM_GROUP_PREFIX": "dexsim-browser",
        "DEXSIM_PROMETHEUS": "off",
        "PYTHONUNBUFFERED": "1",
    }
    url = f"http://127.0.0.1:{DASHBOARD_BASE_PORT + PORT_OFFSET}"
    cli = [sys.executable, "-m", "dexsim.cli"]
    try:
        subprocess.run([*cli, "up"], env=env, check=True, capture_output=True, timeout=180)
        wait_ready(url)
        yield {"url": url, "env": env, "offset": PORT_OFFSET}
    finally:
        subprocess.run([*cli, "down", "--keep-kafka"], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def browser(system: dict[str, Any]) -> Iterator[Any]:
    """Debian's chromium driven by Playwright (headless, no network beyond loopback)."""
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
