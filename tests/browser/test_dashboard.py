"""The leadership dashboard in a real browser (Debian's chromium driven by Playwright).

The page must load with no console errors and nothing fetched from beyond this machine; during
a replay of the 2020 Poyang Lake flood, started from the page itself, the map must colour a
lake-side city with a CMA warning colour and the multiplier panel must show the referee's own
figures; an ensemble's and a sweep's summaries, published on the system's broker as
``dexsim ensemble`` and ``dexsim sweep`` publish them, must reach the value panel, the flows'
values and the sweep chart with their figures; the language toggle must switch the labels.
Screenshots go to reports/screenshots/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from playwright.sync_api import expect

from services.dashboard.api import DATA_DIR
from shared.contracts.referee import ensemble_event, sweep_event
from shared.contracts.topics import SECTORS
from shared.kafka import publish_one
from tests.browser.support import SCREENSHOTS
from tests.support import metric_total, run_sync, wait_until

# The default 300 s limit guards against hangs; a whole run watched in the browser takes
# longer on a busy machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

#: The run watched from start to end, and the scenario whose ensemble and sweep the page then
#: shows: the library's shortest flood (168 hourly ticks; poyang-flood-2020, 480, is played whole
#: through the same services in the slow tier).
SCENARIO = "june-rains-2010"
#: The cities round the lake, where both floods' rainstorms fell (九江, 南昌, 上饶, 景德镇).
LAKE_CITIES = {"九江市", "南昌市", "上饶市", "景德镇市"}
#: A run whose clock has not moved for this long is stuck (a tick's longest wait is seconds).
STALLED_S = 120.0
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
    panels = ("map", "multipliers", "loss-chart", "flows", "feed", "clock")
    panels += (
        "value-panel",
        "rev-chart",
        "flow-values-panel",
        "flow-values",
        "sweep-panel",
        "sweep",
    )
    for testid in panels:
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
    snap: dict[str, Any] = {}
    # Waits for the run's end while its clock moves (the services restart first): however slow
    # the machine, only a clock that stops moving fails the test.
    moved, last_tick = time.monotonic(), None
    while time.monotonic() - moved < STALLED_S:
        page.wait_for_timeout(400)
        try:
            shown = page.evaluate(MAP_OPTION)
        except Exception:  # the page may be between two renders while the service restarts
            continue
        now = {(name, rgb) for name, rgb in shown if rgb in CMA_RGB.values()}
        coloured |= now
        snap = _snapshot(system)
        clock = snap.get("clock")
        tick = (clock or {}).get("tick")
        if tick != last_tick:
            moved, last_tick = time.monotonic(), tick
        if snap["run"]["state"] == "failed":
            pytest.fail(f"the run started from the page failed: {snap['run']}")
        if clock and not mid_shot and 0.2 < clock["progress"] < 0.8 and now and snap["scores"]:
            page.screenshot(path=str(SCREENSHOTS / "dashboard-mid-scenario-zh.png"))
            mid_shot = True
        scores = snap.get("scores")
        if clock and clock["final"] and scores and scores["final"]:
            break
    else:
        pytest.fail(f"the run's clock stopped for {STALLED_S:.0f} s: {snap.get('clock')}")
    assert mid_shot, "no mid-scenario moment with a warning on the map and scores"
    assert {name for name, _ in coloured} & LAKE_CITIES, coloured

    referee_port = 8105 + system["offset"]
    truth = httpx.get(f"http://127.0.0.1:{referee_port}/scores", timeout=5).json()

    def rev(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    # expect(...) waits (up to its timeout) for the last snapshot to reach the page
    # every sector that decides has its card, whatever the manifests add
    deciding = [s.name for s in SECTORS.values() if s.actions]
    assert {"water", "finance", "energy", "tourism", "health", "urban", "rural"} <= set(deciding)
    for sector in (*deciding, "overall"):
        expected = truth[sector]["multiplier"]
        # A negative ratio means nothing: the page shows n/a for it as for an undefined one.
        text = "n/a" if expected is None or expected < 0 else f"×{expected:.2f}"
        expect(page.locator(f"[data-testid=mult-value-{sector}]")).to_have_text(text)
        fused, siloed = truth[sector]["fused"]["rev"], truth[sector]["siloed"]["rev"]
        expect(page.locator(f"[data-testid=rev-{sector}]")).to_contain_text(
            f"{rev(fused)} / {rev(siloed)}"
        )
    page.screenshot(path=str(SCREENSHOTS / "dashboard-final-zh.png"))
    # each sector's card is named in Chinese, and in English after the toggle
    for name in deciding:
        card = page.locator(f"[data-testid=mult-{name}] .name")
        expect(card).to_have_text(SECTORS[name].label_zh)
    page.click("[data-testid=lang-toggle]")
    for name in deciding:
        card = page.locator(f"[data-testid=mult-{name}] .name")
        expect(card).to_have_text(SECTORS[name].label_en)


# ----------------------------------------------------------------- ensembles and sweeps
#: What every chart series of ``id`` holds, as rows (a bar's value alone), compared in the page.
CHART_HOLDS = """([id, expected]) => {
  const chart = echarts.getInstanceByDom(document.getElementById(id));
  if (!chart) return false;
  const rows = (d) => (Array.isArray(d) ? d : [d.value]);
  const found = Object.fromEntries(chart.getOption().series.map((s) => [s.id, s.data.map(rows)]));
  const close = (a, b) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
  return Object.entries(expected).every(([sid, want]) =>
    found[sid] && found[sid].length === want.length &&
    want.every((r, i) => r.every((v, j) => close(found[sid][i][j], v))));
}"""


def _band(p5: float, p50: float, p95: float) -> dict[str, float]:
    return {"p5": p5, "p50": p50, "p95": p95}


def _block(
    gain: dict[str, float], multiplier: dict[str, float] | None, reason: str | None = None
) -> dict[str, Any]:
    return {
        "rev_siloed": _band(0.1, 0.2, 0.3),
        "rev_fused": _band(0.3, 0.45, 0.6),
        "gain_yuan": gain,
        "gap_closed": _band(0.2, 0.35, 0.5),
        "multiplier": multiplier,
        "multiplier_reason": reason,
    }


def _flow(source: str, target: str, topic: str, band: dict[str, float] | None) -> dict[str, Any]:
    return {"source": source, "target": target, "topic": topic, "value_yuan": band, "seeds": [1]}


NOT_DEFINED = "n/a in 3 of 5 worlds; the commonest reason (3): siloed value is not positive"


def _publish(system: dict[str, Any], spec: Any, event: Any) -> None:
    servers = system["env"]["KAFKA_BOOTSTRAP_SERVERS"]
    # Playwright's sync API runs an event loop here: the producer gets one on a worker thread.
    run_sync(lambda: publish_one(spec, event, servers=servers, timeout_s=30.0))


def test_an_ensemble_and_a_sweep_reach_the_value_panel_the_flows_and_the_sweep_chart(
    page: Any, system: dict[str, Any]
) -> None:
    # A first seed no earlier summary has: the caption tells this ensemble from any other.
    first = 1000 + int(time.time()) % 100_000
    ensemble_doc = {
        "scenario": SCENARIO,
        "seeds": list(range(first, first + 5)),
        "hours": None,
        "sectors": {
            # Fused lost money in some worlds: the band reaches below zero, so no multiplier.
            "agriculture": _block(_band(0.6e8, 0.9e8, 1.2e8), _band(-0.3, 1.2, 2.0)),
            "transport": _block(_band(0.1e8, 0.33e8, 0.5e8), None, NOT_DEFINED),
        },
        "overall": _block(_band(0.45e8, 1.23e8, 2.10e8), _band(1.1, 1.4, 1.9)),
        "flows": [
            _flow("weather", "agriculture", "weather.forecasts.v1", _band(0.5e8, 0.8e8, 1.1e8)),
            _flow("weather", "transport", "weather.forecasts.v1", _band(0.1e8, 0.3e8, 0.4e8)),
            _flow("transport", "emergency", "transport.road-status.v1", None),
        ],
    }
    points = [
        {"value": value, "overall": _block(_band(lo, mid, hi), None, NOT_DEFINED), "sectors": {}}
        for value, (lo, mid, hi) in ((0.0, (2e8, 3e8, 4e8)), (1.0, (0.5e8, 1.2e8, 2e8)))
    ]
    points.append({"value": 2.0, "overall": _block(_band(-0.2e8, 0.4e8, 1e8), None), "sectors": {}})
    sweep_doc = {"scenario": SCENARIO, "param": "forecast_error", "seeds": [1, 2, 3, 4]}
    sweep_doc["points"] = points
    _publish(system, *ensemble_event(ensemble_doc))
    _publish(system, *sweep_event(sweep_doc))

    # The value panel: the gain ΔV in 亿元 with its band, the gap closed, multipliers never <0.
    wait = {"timeout": 60_000}
    caption = page.locator("[data-testid=ensemble-caption]")
    expect(caption).to_contain_text(f"集合推演 5 个种子（自种子 {first}）", **wait)
    expect(page.locator("[data-testid=ensemble-hint]")).to_have_count(0)
    expect(page.locator("[data-testid=ens-gain-overall]")).to_have_text("1.23 [0.45, 2.10]")
    expect(page.locator("[data-testid=ens-gain-agriculture]")).to_have_text("0.90 [0.60, 1.20]")
    expect(page.locator("[data-testid=ens-gap-overall]")).to_have_text("35% [20%, 50%]")
    expect(page.locator("[data-testid=ens-mult-overall]")).to_have_text("×1.40 [1.10, 1.90]")
    agriculture = page.locator("[data-testid=ens-mult-agriculture]")
    expect(agriculture).to_have_text("n/a")
    expect(agriculture).to_have_attribute("title", re.compile("negative"))
    transport = page.locator("[data-testid=ens-mult-transport]")
    expect(transport).to_have_text("n/a")
    expect(transport).to_have_attribute("title", NOT_DEFINED)

    # The flows' values: the two valued flows, most valuable first, each with its band.
    expect(page.locator("[data-testid=flow-values-hint]")).to_be_hidden()
    expect(page.locator("[data-testid=flow-values-caption]")).to_contain_text("2 条数据流")
    flows = {
        "flow-value": [[0.8e8], [0.3e8]],
        "flow-band": [[0, 0.5e8, 1.1e8, 0.8e8], [1, 0.1e8, 0.4e8, 0.3e8]],
    }
    page.wait_for_function(CHART_HOLDS, arg=["flow-values-chart", flows], timeout=10_000)
    names = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('flow-values-chart'))"
        ".getOption().yAxis[0].data"
    )
    assert names == ["气象服务 → 现代农业", "气象服务 → 交通运输"], names

    # The sweep: the gain's median line and band against the forecast error, and REV lines.
    expect(page.locator("[data-testid=sweep-hint]")).to_be_hidden(**wait)
    expect(page.locator("[data-testid=sweep-caption]")).to_contain_text("3 个取值，各 4 个种子")
    sweep = {
        "sweep-gain": [[0, 3e8], [1, 1.2e8], [2, 0.4e8]],
        "sweep-band": [[0, 2e8, 4e8], [1, 0.5e8, 2e8], [2, -0.2e8, 1e8]],
        "sweep-rev-fused": [[0, 0.45], [1, 0.45], [2, 0.45]],
        "sweep-rev-siloed": [[0, 0.2], [1, 0.2], [2, 0.2]],
    }
    page.wait_for_function(CHART_HOLDS, arg=["sweep-chart", sweep], timeout=10_000)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-ensemble-zh.png"))

    # The referee exports the same summary for Grafana (the leadership dashboard's bands).
    referee = f"http://127.0.0.1:{8105 + system['offset']}"
    wait_until(
        "the referee's ensemble gauge",
        lambda: metric_total(
            referee, "dex_ensemble_value_gain_yuan", scenario=SCENARIO, sector="overall",
            quantile="0.5",
        ) == 1.23e8,
        timeout=60,
    )  # fmt: skip
    assert page.errors == []


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
