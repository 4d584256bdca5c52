"""The leadership dashboard in a real browser (Debian's chromium driven by Playwright).

The page must load with no console errors and nothing fetched from beyond this machine; during
a replay of the 2020 Poyang Lake flood, started from the page itself, the map must colour a
lake-side city with a CMA warning colour and the multiplier panel must show the referee's own
figures; the language toggle must switch the labels. Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from services.dashboard.api import DATA_DIR
from tests.browser.support import SCREENSHOTS

# The default 300 s limit guards against hangs; a Poyang run watched in the browser takes
# longer on a busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

SCENARIO = "poyang-flood-2020"
#: The Poyang Lake cities, where the 2020 flood's rainstorms fell (九江, 南昌, 上饶, 景德镇).
LAKE_CITIES = {"九江市", "南昌市", "上饶市", "景德镇市"}
CMA_RGB = {
    name: spec["rgb"].lower()
    for name, spec in yaml.safe_load((DATA_DIR / "labels.yaml").read_text())["colours"].items()
}
MAP_OPTION = """() => {
  const chart = echarts.getInstanceByDom(document.getElementById('map'));
  return chart.getOption().series[0].data.map(d => [d.name, d.itemStyle.areaColor.toLowerCase()]);
}"""


@pytest.fixture
def page(browser: Any, system: dict[str, Any]) -> Iterator[Any]:
    """A fresh 1920x1080 page on the dashboard, recording console errors and foreign requests."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: pg.errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on(
        "request",
        lambda r: (
            pg.errors.append(f"foreign request {r.url}")
            if urlsplit(r.url).hostname not in (None, "127.0.0.1") and r.url.startswith("http")
            else None
        ),
    )
    pg.goto(system["url"])
    pg.wait_for_function("() => document.querySelector('#mult-cards').children.length > 0")
    try:
        yield pg
    finally:
        context.close()


def test_the_page_loads_the_jiangxi_map_with_no_console_error(page: Any) -> None:
    page.wait_for_timeout(1500)
    assert page.evaluate("() => echarts.getMap('江西').geoJSON.features.length") == 11
    names = {name for name, _ in page.evaluate(MAP_OPTION)}
    assert names == {
        f["properties"]["name"]
        for f in page.evaluate("() => echarts.getMap('江西').geoJSON.features")
    }
    assert page.locator("[data-testid=multiplier-title]").inner_text() == "乘数效应"
    # One screen on a projector: nothing below the fold.
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080
    page.screenshot(path=str(SCREENSHOTS / "dashboard-idle-1920.png"))
    assert page.errors == []


def test_a_laptop_screen_shows_every_panel(browser: Any, system: dict[str, Any]) -> None:
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.goto(system["url"])
    pg.wait_for_timeout(1500)
    for testid in ("map", "multipliers", "loss-chart", "flows", "feed", "clock"):
        box = pg.locator(f"[data-testid={testid}]").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20, testid
        assert box["y"] + box["height"] <= 768 + 1, testid
    pg.screenshot(path=str(SCREENSHOTS / "dashboard-laptop-1366.png"))
    context.close()
    assert errors == []


def _snapshot(system: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = httpx.get(system["url"] + "/api/snapshot", timeout=5).json()
    return found


def test_during_the_flood_the_map_and_multipliers_follow_the_run(
    page: Any, system: dict[str, Any]
) -> None:
    page.select_option("[data-testid=scenario-select]", SCENARIO)
    page.select_option("[data-testid=fusion-select]", "on")
    page.click("[data-testid=start-button]")
    coloured: set[tuple[str, str]] = set()
    mid_shot = False
    deadline = time.monotonic() + 240
    snap: dict[str, Any] = {}
    while time.monotonic() < deadline:
        page.wait_for_timeout(400)
        try:
            shown = page.evaluate(MAP_OPTION)
        except Exception:  # the page may be between two renders while the service restarts
            continue
        now = {(name, rgb) for name, rgb in shown if rgb in CMA_RGB.values()}
        coloured |= now
        snap = _snapshot(system)
        clock = snap.get("clock")
        if clock and not mid_shot and 0.2 < clock["progress"] < 0.8 and now and snap["scores"]:
            page.screenshot(path=str(SCREENSHOTS / "dashboard-mid-scenario-zh.png"))
            mid_shot = True
        scores = snap.get("scores")
        if clock and clock["final"] and scores and scores["final"]:
            break
    else:
        pytest.fail(f"the run did not finish in time; last snapshot clock: {snap.get('clock')}")
    assert mid_shot, "no mid-scenario moment with a warning on the map and scores"
    assert {name for name, _ in coloured} & LAKE_CITIES, coloured

    referee_port = 8105 + system["offset"]
    truth = httpx.get(f"http://127.0.0.1:{referee_port}/scores", timeout=5).json()

    def rev(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    # expect(...) waits (up to its timeout) for the last snapshot to reach the page
    for sector in ("agriculture", "transport", "emergency", "overall"):
        expected = truth[sector]["multiplier"]
        text = "n/a" if expected is None else f"×{expected:.2f}"
        expect(page.locator(f"[data-testid=mult-value-{sector}]")).to_have_text(text)
        fused, siloed = truth[sector]["fused"]["rev"], truth[sector]["siloed"]["rev"]
        expect(page.locator(f"[data-testid=rev-{sector}]")).to_contain_text(
            f"{rev(fused)} / {rev(siloed)}"
        )
    page.screenshot(path=str(SCREENSHOTS / "dashboard-final-zh.png"))


def test_the_language_toggle_switches_the_labels(page: Any) -> None:
    title = page.locator("[data-testid=multiplier-title]")
    toggle = page.locator("[data-testid=lang-toggle]")
    assert title.inner_text() == "乘数效应"
    assert toggle.inner_text() == "English"
    toggle.click()
    assert title.inner_text() == "Multiplier effect"
    assert page.locator("[data-testid=map-title]").inner_text() == "Warnings and emergency response"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    assert toggle.inner_text() == "中文"
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-en.png"))
    toggle.click()
    assert title.inner_text() == "乘数效应"
    assert page.errors == []
