"""Ingestion refuses, with 422, a reading that breaks its event's rules across fields."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.energy.service import MANIFEST, EnergySettings
from shared.runtime import build

KEY = "test-key-energy"


def _client() -> TestClient:
    app, _ = build(MANIFEST, EnergySettings(api_keys={"test:energy": KEY}))
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_a_reading_that_breaks_its_event_s_own_rule_is_a_422_naming_it_not_a_500() -> None:
    good = {
        "observed_at": "2008-01-20T12:00:00+08:00",
        "region": "360100",
        "site_id": "load-360100",
        "kind": "load_area",
        "load_mw": 900.0,
        "available_mw": 1000.0,
    }
    # each field is valid alone; a load reading carrying ice breaks GridReading's rule
    bad = {**good, "ice_mm": 3.0}
    r = _client().post(
        "/ingest/readings", json={"readings": [good, bad]}, headers={"X-API-Key": KEY}
    )
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["loc"][:3] == ["body", "readings", 1]
    assert "no ice" in error["msg"]
    assert "input" not in error
