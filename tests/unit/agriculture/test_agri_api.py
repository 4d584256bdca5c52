"""The HTTP queries: current risk per city and industry, advisories with filters."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.agriculture.service import MANIFEST, AgricultureSettings
from shared.runtime import build
from tests.factories.agriculture import AUG15, NC, feed, rice_days


def _client() -> TestClient:
    app, runtime = build(MANIFEST, AgricultureSettings())
    both = runtime.state
    readings = rice_days([36.0] * 3, start=AUG15)
    feed(both.siloed, readings)
    feed(both.fused, readings)
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_risks_are_listed_per_mode_and_filtered_by_city_and_industry() -> None:
    client = _client()
    rows = client.get("/risks", params={"region": NC, "industry": "rice"}).json()
    assert sorted(r["mode"] for r in rows) == ["fused", "siloed"]
    assert {r["risk"] for r in rows} == {"heat"}
    assert client.get("/risks", params={"region": "360700"}).json() == []
    assert len(client.get("/risks", params={"mode": "fused"}).json()) == 1


def test_advisories_are_filtered_and_bad_filters_are_refused() -> None:
    client = _client()
    assert len(client.get("/advisories").json()) == 2
    assert len(client.get("/advisories", params={"mode": "siloed", "risk": "heat"}).json()) == 1
    assert client.get("/advisories", params={"status": "lifted"}).json() == []
    assert client.get("/advisories", params={"region": "36"}).status_code == 422
    assert client.get("/advisories", params={"limit": 0}).status_code == 422
