"""The files derived from the manifests are up to date, and derived from them alone."""

from __future__ import annotations

import yaml

from dexsim import docs
from dexsim.registry import services


def test_every_generated_file_matches_the_manifests() -> None:
    stale = [str(p) for p in docs.stale()]
    assert stale == [], f"stale generated files {stale}: run `dexsim docs`"


def test_the_scrape_file_has_one_target_per_service_at_its_port() -> None:
    doc = yaml.safe_load(docs.render_prometheus())
    targets = {
        c["labels"]["component"]: c["targets"][0]
        for c in doc["scrape_configs"][0]["static_configs"]
    }
    assert targets == {e.name: f"127.0.0.1:{e.base_port}" for e in services()}


def test_the_slo_file_names_every_load_tested_request() -> None:
    doc = yaml.safe_load(docs.render_slo())
    wanted = {
        name for e in services() for profile in e.manifest.load for name in profile.request_names()
    }
    assert set(doc["requests"]) == wanted
    assert {f"POST /ingest/{p.path}" for e in services() for p in e.manifest.ingest} <= wanted


def test_the_readme_table_has_a_row_per_service() -> None:
    table = docs.render_readme(docs.README_FILE.read_text(encoding="utf-8"))
    rows = table.split(docs.BEGIN, 1)[1].split(docs.END, 1)[0].strip().splitlines()[2:]
    assert [r.split("|")[1].strip(" `") for r in rows] == [e.name for e in services()]
