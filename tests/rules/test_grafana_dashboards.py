"""Grafana dashboards: valid JSON, provisioned, and every query names a metric dexsim declares."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import shared.metrics  # noqa: F401 - importing it registers every dexsim metric
from shared.settings import PROJECT_ROOT

GRAFANA = PROJECT_ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
RULES = PROJECT_ROOT / "deploy" / "prometheus" / "rules" / "dexsim.rules.yml"

#: Series names each metric type exposes besides (or instead of) its family name.
SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("", "_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}
#: PromQL words that are not metric names.
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left"}
KEYWORDS |= {"group_right", "bool", "offset", "inf", "nan"}


def declared_series() -> set[str]:
    """Every series name the process registry exposes once ``shared.metrics`` is imported."""
    names: set[str] = set()
    for family in REGISTRY.collect():
        for suffix in SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def recorded_series() -> set[str]:
    """Names of the series the recording rules write."""
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["record"] for g in groups for r in g["rules"] if "record" in r}


def metric_names(expr: str) -> list[str]:
    """The metric names a PromQL expression selects (functions, labels and keywords removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)  # string literals
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # range selectors ([5m], [$__range])
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = []
    for match in re.finditer(r"(?<![\w$.])[A-Za-z_:][\w:]*", text):
        word = match.group()
        if text[match.end() :].lstrip().startswith("("):  # a function call
            continue
        if word.lower() in KEYWORDS:
            continue
        names.append(word)
    return names


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """Every panel, including those inside rows."""
    out = []
    for p in dashboard.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))
    return out


def test_the_metric_name_parser_finds_names_and_skips_functions_and_labels() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (service, le) (rate(dex_x_bucket{topic="a.b"}[5m])))'
        " / on (topic) group_left dex:y:rate5m > bool 0"
    )
    assert metric_names(expr) == ["dex_x_bucket", "dex:y:rate5m"]


def test_there_is_a_leadership_and_an_operations_dashboard() -> None:
    assert {p.name for p in DASHBOARDS} >= {"leadership-overview.json", "operations.json"}


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_dashboard_is_valid_json_with_a_uid_title_and_panels(path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"]
    assert panels(dashboard)
    ids = [p["id"] for p in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_query_names_a_metric_that_dexsim_declares(path: Path) -> None:
    known = declared_series() | recorded_series() | {"up"}
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    unknown: list[str] = []
    for panel in panels(dashboard):
        if panel.get("type") == "row":
            continue
        exprs = [t["expr"] for t in panel.get("targets", []) if t.get("expr")]
        assert exprs, f"panel {panel['title']!r} has no query"
        for expr in exprs:
            names = metric_names(expr)
            assert names, f"no metric found in {expr!r}"
            unknown += [f"{panel['title']}: {n}" for n in names if n not in known]
    assert unknown == []


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_uses_the_provisioned_datasource(path: Path) -> None:
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/dexsim.yml").read_text())
    uid = sources["datasources"][0]["uid"]
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    for panel in panels(dashboard):
        assert panel["datasource"]["uid"] == uid
        assert all(t["datasource"]["uid"] == uid for t in panel.get("targets", []))


def test_the_dashboard_provider_points_at_the_dashboards_folder() -> None:
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/dexsim.yml").read_text())
    (provider,) = providers["providers"]
    assert provider["type"] == "file"
    assert "DEXSIM_GRAFANA_DASHBOARDS" in provider["options"]["path"]
