"""The HTTP queries on both modes' models, the citizen-report ingestion path, its load profile."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient

from services.emergency import api
from services.emergency.service import MANIFEST, EmergencySettings
from shared.contracts.emergency import CitizenReport, ReportKind
from shared.runtime import LoadClock, LoadContext, build
from tests.factories.emergency import JIUJIANG, PINGXIANG, gauge, report


def _client() -> TestClient:
    app, runtime = build(MANIFEST, EmergencySettings())
    models = runtime.state
    models.both(lambda m: m.on_gauge(gauge(0, 20.4)))
    models.both(lambda m: m.on_report(report(1, ReportKind.LANDSLIDE)))
    models.both(lambda m: m.on_report(report(2, ReportKind.FLOODING)))
    models.both(lambda m: m.flush())  # the end of the batch: the service decides
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_levels_are_listed_per_mode_and_filtered_by_city() -> None:
    client = _client()
    rows = client.get("/responses/levels", params={"city": JIUJIANG}).json()
    assert [(r["mode"], r["level"]) for r in rows] == [("siloed", "III"), ("fused", "III")]
    assert rows[0]["lake_above_warning_m"] > 1
    fused = client.get("/responses/levels", params={"mode": "fused"}).json()
    assert len(fused) == 11 and {r["mode"] for r in fused} == {"fused"}
    assert client.get("/responses/levels", params={"city": "36"}).status_code == 422


def test_active_decisions_and_resources_are_per_mode() -> None:
    client = _client()
    active = client.get("/responses/active", params={"city": JIUJIANG, "mode": "siloed"}).json()
    assert active and {d["mode"] for d in active} == {"siloed"}
    rows = client.get("/resources", params={"city": JIUJIANG}).json()
    assert [r["mode"] for r in rows] == ["siloed", "fused"]
    assert rows[0]["deployed_here"]  # a level III response moved resources in


def test_incidents_are_newest_first_and_limited() -> None:
    client = _client()
    rows = client.get("/incidents", params={"city": PINGXIANG}).json()
    assert [r["kind"] for r in rows] == ["flooding", "landslide"]
    assert len(client.get("/incidents", params={"limit": 1}).json()) == 1
    assert client.get("/incidents", params={"limit": 0}).status_code == 422


def test_a_load_test_call_is_a_valid_citizen_report_reading() -> None:
    ctx = LoadContext(rng=random.Random(1), clock=LoadClock(random.Random(1)))
    body = api.LOAD.body(ctx)
    (reading,) = body["reports"]
    assert reading["text"]  # the simulator's phrasing of the report kind
    batch = api.REPORTS.batch.model_validate(body)
    (event,) = api.REPORTS.events(batch, provider="p", source="emergency")
    assert isinstance(event, CitizenReport)
    assert event.report_kind == reading["report_kind"]
    assert event.occurred_at.isoformat() == reading["reported_at"]


def test_the_same_report_from_the_same_provider_gets_the_same_id() -> None:
    reading = {
        "region": JIUJIANG,
        "reported_at": "2020-07-08T00:00:00+08:00",
        "report_kind": "flooding",
    }
    batch = api.REPORTS.batch.model_validate({"reports": [reading, {**reading, "people": 3}]})
    first, other = api.REPORTS.events(batch, provider="p", source="emergency")
    (again,) = api.REPORTS.events(
        api.REPORTS.batch.model_validate({"reports": [reading]}), provider="p", source="emergency"
    )
    assert first.event_id == again.event_id
    assert first.event_id != other.event_id  # people is part of the report's identity


def test_measures_in_force_are_emergencys_own_and_levees_or_de_icing_are_refused() -> None:
    client = _client()
    rows = client.get("/responses/levels", params={"city": JIUJIANG}).json()
    assert {tuple(r["measures"]) for r in rows} == {("evacuation", "response_level")}
    active = client.get("/responses/active", params={"city": JIUJIANG}).json()
    assert {d["action"] for d in active} == {"evacuate", "preposition_rescue"}
    for gone in ("levee_reinforcement", "power_line_deicing"):
        # the water and energy sectors' measures now
        assert client.get("/responses/active", params={"measure": gone}).status_code == 422
