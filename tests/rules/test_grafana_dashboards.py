"""Grafana dashboards: valid JSON, provisioned, and every query names a metric dexsim declares."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
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


# ------------------------------------------------------------- template variables, ensembles
LEADERSHIP = GRAFANA / "dashboards" / "leadership-overview.json"
#: Gauges that hold one value per scenario (the latest ensemble's bands, the flows' values).
PER_SCENARIO = ("dex_ensemble_", "dex_flow_value_yuan")
#: ``label_values(metric{...}, label)``: a variable's values from one metric's label.
LABEL_VALUES = re.compile(r"^label_values\(\s*([A-Za-z_:][\w:]*)\s*(?:\{[^}]*\})?\s*,\s*\w+\s*\)$")


def variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    """The dashboard's template variables."""
    found: list[dict[str, Any]] = dashboard.get("templating", {}).get("list", [])
    return found


def variable_query(variable: dict[str, Any]) -> str:
    """A query variable's PromQL (Grafana stores it as a string or as ``{"query": ...}``)."""
    query = variable["query"]
    return str(query["query"] if isinstance(query, dict) else query)


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_query_variable_draws_on_a_declared_metric_from_the_provisioned_datasource(
    path: Path,
) -> None:
    uid = yaml.safe_load((GRAFANA / "provisioning/datasources/dexsim.yml").read_text())
    uid = uid["datasources"][0]["uid"]
    known = declared_series() | recorded_series()
    for variable in variables(json.loads(path.read_text(encoding="utf-8"))):
        if variable["type"] != "query":
            continue
        assert variable["datasource"]["uid"] == uid, variable["name"]
        query = variable_query(variable)
        match = LABEL_VALUES.match(query)
        names = [match.group(1)] if match else metric_names(query)
        assert names and set(names) <= known, f"{variable['name']}: {query}"


def test_the_leadership_dashboard_picks_the_scenario_of_the_ensemble_panels() -> None:
    dashboard = json.loads(LEADERSHIP.read_text(encoding="utf-8"))
    (scenario,) = [v for v in variables(dashboard) if v["name"] == "scenario"]
    assert variable_query(scenario) == "label_values(dex_ensemble_value_gain_yuan, scenario)"
    per_scenario = [
        (panel["title"], t["expr"])
        for panel in panels(dashboard)
        for t in panel.get("targets", [])
        if any(n.startswith(PER_SCENARIO) for n in metric_names(t["expr"]))
    ]
    # ΔV, REV per mode and the gap closed at their quantiles, and the flows' values.
    named = {n for _, expr in per_scenario for n in metric_names(expr)}
    assert named >= {
        "dex_ensemble_value_gain_yuan",
        "dex_ensemble_relative_value",
        "dex_ensemble_gap_closed",
        "dex_flow_value_yuan",
    }
    # Every scenario's last ensemble stays exported: a panel that did not pick one would mix them.
    for title, expr in per_scenario:
        assert 'scenario="$scenario"' in expr, title
    flows = [p for p in panels(dashboard) if p["type"] == "bargauge"]
    assert any(
        'quantile="0.5"' in t["expr"] and "dex_flow_value_yuan" in t["expr"]
        for p in flows
        for t in p["targets"]
    ), "a bar gauge of each flow's median value"


def _as_instant_query(expr: str) -> str:
    """A dashboard query with Grafana's variables replaced, so that promtool can evaluate it."""
    for variable, value in (
        ("$scenario", "poyang-flood-2020"),
        ("$__rate_interval", "1m"),
        ("$__range", "5m"),
        ("$__interval", "15s"),
    ):
        expr = expr.replace(variable, value)
    return expr


def _queries(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in panels(dashboard) for t in p.get("targets", []) if t.get("expr")]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.name)
def test_every_panel_query_is_promql_that_promtool_accepts(path: Path, tmp_path: Path) -> None:
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    rules = [
        {"record": f"dashboard:query_{i}", "expr": _as_instant_query(expr)}
        for i, expr in enumerate(_queries(dashboard))
    ]
    (tmp_path / "queries.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "q", "rules": rules}]})
    )
    result = subprocess.run(
        ["promtool", "check", "rules", "queries.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed")
def test_the_ensemble_panels_show_the_chosen_scenarios_bands_and_leave_undefined_ones_blank(
    tmp_path: Path,
) -> None:
    dashboard = json.loads(LEADERSHIP.read_text(encoding="utf-8"))
    by_metric: dict[tuple[str, str], str] = {}
    for panel in panels(dashboard):
        for t in panel.get("targets", []):
            for name in metric_names(t["expr"]):
                if name.startswith(PER_SCENARIO):
                    by_metric[(name, panel["type"])] = _as_instant_query(t["expr"])
    poyang = 'scenario="poyang-flood-2020"'
    flow = f'{poyang}, source="weather", target="agriculture", topic="weather.forecasts.v1"'
    series = [
        (f'dex_ensemble_value_gain_yuan{{{poyang}, sector="overall", quantile="0.5"}}', "1.23e8"),
        ('dex_ensemble_value_gain_yuan{scenario="fog", sector="overall", quantile="0.5"}', "7e8"),
        (f'dex_ensemble_gap_closed{{{poyang}, sector="overall", quantile="0.5"}}', "0.35"),
        (f'dex_ensemble_gap_closed{{{poyang}, sector="transport", quantile="0.5"}}', "NaN"),
        (
            f'dex_ensemble_relative_value{{{poyang}, sector="overall", mode="fused", '
            'quantile="0.05"}',
            "0.3",
        ),
        (f'dex_flow_value_yuan{{{flow}, quantile="0.5"}}', "8e7"),
        (f'dex_flow_value_yuan{{{flow}, quantile="0.95"}}', "NaN"),
    ]
    expected = {
        ("dex_ensemble_value_gain_yuan", "table"): [('{sector="overall", quantile="0.5"}', 1.23)],
        ("dex_ensemble_gap_closed", "table"): [('{sector="overall", quantile="0.5"}', 0.35)],
        ("dex_ensemble_relative_value", "table"): [
            (
                '{sector="overall", mode="fused", quantile="0.05", sector_mode="overall · fused"}',
                0.3,
            )
        ],
        ("dex_flow_value_yuan", "bargauge"): [('{source="weather", target="agriculture"}', 0.8)],
        ("dex_flow_value_yuan", "table"): [
            (
                '{source="weather", target="agriculture", quantile="0.5", '
                'flow="weather → agriculture"}',
                0.8,
            )
        ],
    }
    assert set(expected) <= set(by_metric), sorted(by_metric)
    (tmp_path / "none.yml").write_text("groups: []\n")
    doc = {
        "rule_files": ["none.yml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": " ".join([v] * 5)} for s, v in series],
                "promql_expr_test": [
                    {
                        "expr": by_metric[key],
                        "eval_time": "2m",
                        "exp_samples": [{"labels": lab, "value": val} for lab, val in rows],
                    }
                    for key, rows in expected.items()
                ],
            }
        ],
    }
    (tmp_path / "ensembles.test.yml").write_text(yaml.safe_dump(doc, allow_unicode=True))
    result = subprocess.run(
        ["promtool", "test", "rules", "ensembles.test.yml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
