"""The health agent under faust's test_context, its subscriptions with and without fusion, the
fused world only, and its HTTP views and ingestion path."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.health import api
from services.health.service import MANIFEST, HealthSettings
from services.health.streams import on_energy_decision, on_response
from shared.contracts.decisions import DecisionMade
from shared.contracts.emergency import (
    EMERGENCY_RESPONSES,
    EmergencyAction,
    Measure,
    ResponseDecided,
)
from shared.contracts.energy import ENERGY_DECISIONS, EnergyAction
from shared.contracts.envelope import Mode
from shared.contracts.health import (
    HEALTH_DECISIONS,
    HEALTH_OBSERVATIONS,
    HealthDecision,
    HealthReading,
)
from shared.contracts.transport import TRANSPORT_ROAD_STATUS
from shared.contracts.weather import WEATHER_FORECASTS, WEATHER_WARNINGS
from shared.runtime import LoadClock, LoadContext, build
from tests.factories.runtime import service

T0 = datetime(2013, 7, 24, 1, tzinfo=UTC)
CITY = "360100"


def hot_day(visits: int = 400, missed: int | None = None) -> HealthReading:
    return HealthReading(
        occurred_at=T0,
        source="test",
        region=CITY,
        site_id=f"health-{CITY}",
        day=date(2013, 7, 23),
        heat_illness_visits=visits,
        missed_treatments=missed,
    )


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {HEALTH_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        HEALTH_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        EMERGENCY_RESPONSES.name,
        ENERGY_DECISIONS.name,
        TRANSPORT_ROAD_STATUS.name,
    }


async def test_a_hot_day_s_report_yields_siloed_and_fused_decisions() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = hot_day()
    agent = runtime.faust_app.agents["health.care"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(HEALTH_DECISIONS.name, HealthDecision)
    assert {d.mode for d in decided} == {Mode.FUSED, Mode.SILOED}
    assert {d.region for d in decided} == {CITY}
    siloed = sorted(d.action for d in decided if d.mode is Mode.SILOED)
    assert siloed == sorted(d.action for d in decided if d.mode is Mode.FUSED)


def test_the_siloed_world_s_evacuations_and_energy_decisions_are_not_used() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    evac = ResponseDecided(
        occurred_at=T0,
        source="emergency",
        region=CITY,
        mode=Mode.SILOED,
        action=EmergencyAction.EVACUATE,
        measure=Measure.EVACUATION,
        decision_key=f"evac:{CITY}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
        people_to_evacuate=1000,
    )
    assert on_response(models, evac) == []
    assert not models.fused.evacuating(CITY)
    decided = on_response(models, evac.model_copy(update={"mode": Mode.FUSED}))
    assert [type(d) for d in decided] == [HealthDecision]
    assert models.fused.evacuating(CITY) and not models.siloed.evacuating(CITY)
    orderly = DecisionMade(
        occurred_at=T0,
        source="energy",
        region=CITY,
        sector="energy",
        mode=Mode.SILOED,
        action=EnergyAction.ORDERLY_POWER_USE,
        decision_key=f"orderly:{CITY}",
        effective_at=T0,
        expected_loss_avoided_yuan=0,
    )
    on_energy_decision(models, orderly)
    assert not models.fused.grid_strained(CITY)
    on_energy_decision(models, orderly.model_copy(update={"mode": Mode.FUSED}))
    assert models.fused.grid_strained(CITY)


def _client() -> TestClient:
    app, runtime = build(MANIFEST, HealthSettings())
    runtime.state.both(lambda m: m.on_reading(hot_day(missed=40)))
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_the_cities_and_decisions_are_listed_per_mode() -> None:
    client = _client()
    rows = {r["city"]: r for r in client.get("/cities").json()}
    assert len(rows) == 11
    nanchang = rows[CITY]
    assert nanchang["excess_deaths_per_day"] > 0 and nanchang["missed_treatments"] == 40
    assert nanchang["flood_zone_patients"] > 0 and not nanchang["evacuating"]
    taken = client.get("/decisions/in-force", params={"mode": "fused"}).json()
    assert taken and {d["mode"] for d in taken} == {"fused"}
    assert len(client.get("/decisions").json()) == 2 * len(taken)
    assert client.get("/decisions", params={"mode": "both"}).status_code == 422


def test_a_load_test_call_is_a_valid_reading_and_a_bad_one_is_refused() -> None:
    ctx = LoadContext(rng=random.Random(1), clock=LoadClock(random.Random(1)))
    body = api.LOAD.body(ctx)
    batch = api.READINGS.batch.model_validate(body)
    (event,) = api.READINGS.events(batch, provider="p", source="health")
    assert isinstance(event, HealthReading)
    reading = body["readings"][0]
    for field, value in (("heat_illness_visits", -1), ("site_id", ""), ("day", "yesterday")):
        bad = {"readings": [{**reading, field: value}]}
        with pytest.raises(ValidationError):
            api.READINGS.batch.model_validate(bad)
