"""The rural HTTP views: the zones, the decisions, and 422 on a bad reading."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.rural import api
from services.rural.service import MANIFEST
from shared.contracts.envelope import Mode
from shared.contracts.rural import Precursor, ReadingKind, RuralReading
from shared.runtime import state_of

T0 = datetime(2020, 7, 7, 4, tzinfo=UTC)


def client() -> tuple[TestClient, object]:
    models = MANIFEST.state(MANIFEST.settings())
    app = FastAPI()
    app.include_router(api.decisions)
    app.include_router(api.views)
    app.dependency_overrides[state_of] = lambda: models
    return TestClient(app), models


def test_the_zones_show_what_is_at_stake_and_the_index_each_mode_reads() -> None:
    http, models = client()
    reading = RuralReading(
        occurred_at=T0, source="test", region="360200", site_id="zone-360200",
        kind=ReadingKind.RAIN_GAUGE, rain_3h_mm=30, rain_24h_mm=85,
    )  # fmt: skip
    models.both(lambda m: m.on_reading(reading))  # type: ignore[attr-defined]
    zones = {z["city"]: z for z in http.get("/zones").json()}
    jdz = zones["360200"]
    assert jdz["people"] == 90000 and jdz["patrol_crews"] == 125
    assert jdz["flash_index"] == {"siloed": 0.85, "fused": 0.85}
    assert jdz["risk"]["siloed"] == "yellow"
    assert zones["360700"]["flash_index"]["siloed"] == 0
    taken = http.get("/decisions/in-force", params={"mode": Mode.SILOED.value}).json()
    assert {d["action"] for d in taken} == {"relocate_villagers", "patrol_hazard_points"}
    assert http.get("/decisions", params={"mode": "sideways"}).status_code == 422


def test_a_reading_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValidationError, match="precursor"):
        RuralReading(
            occurred_at=T0, source="t", region="360200", site_id="g",
            kind=ReadingKind.GRID_REPORT,
        )  # fmt: skip
    with pytest.raises(ValidationError, match="no rain"):
        RuralReading(
            occurred_at=T0, source="t", region="360200", site_id="g",
            kind=ReadingKind.GRID_REPORT, precursor=Precursor.CRACK, rain_3h_mm=3,
        )  # fmt: skip
    with pytest.raises(ValidationError):
        RuralReading(occurred_at=T0, source="t", region="360200", site_id="z", rain_3h_mm=-1)
