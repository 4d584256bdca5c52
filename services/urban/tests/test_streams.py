"""The urban agent under faust's test_context, its subscriptions with and without fusion, and
its HTTP views and ingestion path."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.urban import api
from services.urban.service import MANIFEST, UrbanSettings
from services.urban.streams import on_forecast, on_gauge
from shared.contracts.envelope import Mode
from shared.contracts.urban import (
    URBAN_DECISIONS,
    URBAN_OBSERVATIONS,
    DrainageReading,
    UrbanDecision,
)
from shared.contracts.water import WATER_OBSERVATIONS, HydroReading, StationKind
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    ForecastIssued,
    ForecastStep,
)
from shared.runtime import LoadClock, LoadContext, build
from tests.factories.runtime import service

T0 = datetime(2010, 6, 20, 10, tzinfo=UTC)


def ponded(zone: str = "nc-laocheng", depth_cm: float = 30.0) -> DrainageReading:
    return DrainageReading(
        occurred_at=T0,
        source="test",
        region="360100",
        zone_id=zone,
        pipe_fill=1.0,
        street_depth_cm=depth_cm,
        rain_mm=0.0,
    )


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {URBAN_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        URBAN_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        WATER_OBSERVATIONS.name,
    }


async def test_a_ponded_zone_yields_a_siloed_and_a_fused_decision_per_action() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = ponded()
    agent = runtime.faust_app.agents["urban.protect"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(URBAN_DECISIONS.name, UrbanDecision)
    assert decided and {d.mode for d in decided} == {Mode.SILOED, Mode.FUSED}
    by_mode = {m: {d.action for d in decided if d.mode is m} for m in Mode}
    assert by_mode[Mode.SILOED] == by_mode[Mode.FUSED]


def test_other_sectors_data_reach_the_fused_model_only() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    gauge = HydroReading(
        occurred_at=T0,
        source="simulator",
        region="360400",
        station_kind=StationKind.GAUGE,
        station_id="xingzi",
        level_m=21.0,
    )
    on_gauge(models, gauge)
    changbei = models.fused.urban.zone("nc-changbei")
    assert models.fused.outfalls_shut(changbei) and not models.siloed.outfalls_shut(changbei)
    steps = (ForecastStep(valid_at=T0.replace(hour=14), rain_mm=20.0),)
    forecast = ForecastIssued(
        occurred_at=T0, source="weather", region="360100", run_at=T0, steps=steps
    )
    out = on_forecast(models, forecast)
    assert out and all(isinstance(d, UrbanDecision) and d.mode is Mode.FUSED for d in out)
    assert models.siloed.decisions() == []


def _client() -> TestClient:
    app, runtime = build(MANIFEST, UrbanSettings())
    runtime.state.both(lambda m: m.on_reading(ponded()))
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_the_zones_and_decisions_are_listed_per_mode() -> None:
    client = _client()
    zones = client.get("/zones", params={"mode": "siloed"}).json()
    old_town = next(z for z in zones if z["id"] == "nc-laocheng")
    assert old_town["street_depth_m"] == 0.3 and old_town["actions"]
    assert {z["mode"] for z in zones} == {"siloed"}
    assert len(client.get("/zones").json()) == 2 * len(zones)
    taken = client.get("/decisions/in-force", params={"mode": "fused"}).json()
    assert taken and {d["mode"] for d in taken} == {"fused"}
    assert client.get("/decisions", params={"mode": "both"}).status_code == 422


def test_a_load_test_call_is_a_valid_reading_and_a_bad_one_is_refused() -> None:
    ctx = LoadContext(rng=random.Random(1), clock=LoadClock(random.Random(1)))
    body = api.LOAD.body(ctx)
    batch = api.READINGS.batch.model_validate(body)
    (event,) = api.READINGS.events(batch, provider="p", source="urban")
    assert isinstance(event, DrainageReading)
    for field, value in (("pipe_fill", 3.0), ("street_depth_cm", -1.0), ("zone_id", "")):
        bad = {"readings": [{**body["readings"][0], field: value}]}
        with pytest.raises(ValidationError):
            api.READINGS.batch.model_validate(bad)
