"""The tourism agent under faust's test_context: both modes, fusion; and its HTTP adapter."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from services.tourism import api
from services.tourism.service import MANIFEST, TourismSettings
from services.tourism.streams import on_forecast, on_road_status
from shared.contracts.envelope import Mode
from shared.contracts.tourism import (
    TOURISM_DECISIONS,
    TOURISM_OBSERVATIONS,
    TourismDecision,
    TourismReading,
)
from shared.contracts.transport import TRANSPORT_ROAD_STATUS, RoadStatus, RoadStatusChanged
from shared.contracts.weather import (
    WEATHER_FORECASTS,
    WEATHER_WARNINGS,
    Exceedance,
    ForecastIssued,
    ForecastStep,
)
from shared.runtime import LoadClock, LoadContext, build
from tests.factories.runtime import service

T0 = datetime(2020, 7, 7, 1, tzinfo=UTC)


def test_without_fusion_the_service_reads_its_own_sector_and_the_public_warnings() -> None:
    runtime, _ = service(MANIFEST, fusion=False)
    assert set(runtime.codecs) == {TOURISM_OBSERVATIONS.name, WEATHER_WARNINGS.name}
    runtime, _ = service(MANIFEST, fusion=True)
    assert set(runtime.codecs) == {
        TOURISM_OBSERVATIONS.name,
        WEATHER_WARNINGS.name,
        WEATHER_FORECASTS.name,
        TRANSPORT_ROAD_STATUS.name,
    }


async def test_a_storm_reading_yields_a_siloed_and_a_fused_decision() -> None:
    runtime, sink = service(MANIFEST, fusion=False)
    reading = TourismReading(
        occurred_at=T0, source="test", region="360400", site_id="lushan", rain_24h_mm=80
    )
    agent = runtime.faust_app.agents["tourism.protect"]
    async with agent.test_context() as ctx:
        await ctx.put(reading.to_bytes(), key=reading.key)
    decided = sink.events(TOURISM_DECISIONS.name, TourismDecision)
    assert sorted(d.mode for d in decided) == [Mode.FUSED, Mode.SILOED]
    assert {d.site_id for d in decided} == {"lushan"}


def test_forecasts_feed_the_fused_model_only() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    steps = tuple(
        ForecastStep(valid_at=T0.replace(hour=h + 2), temp_c=25, rain_mm=8.0) for h in range(20)
    )
    f = ForecastIssued(
        occurred_at=T0,
        source="weather",
        region="360400",
        run_at=T0,
        steps=steps,
        exceedance=(Exceedance(product="rain_24h_ge_50_x1h_24h", probability=0.9),),
    )
    out = on_forecast(models, f)
    assert out and {d.mode for d in out if isinstance(d, TourismDecision)} == {Mode.FUSED}
    assert models.siloed.decisions() == []


def test_the_siloed_world_s_road_status_is_not_used() -> None:
    models = MANIFEST.state(MANIFEST.settings())
    status = RoadStatusChanged(
        occurred_at=T0,
        source="transport",
        region="360100",
        mode=Mode.SILOED,
        segment_id="G70-NC-JJ",
        road="G70",
        from_city="360100",
        to_city="360400",
        status=RoadStatus.CLOSED,
    )
    assert on_road_status(models, status) == []
    assert not models.fused.roads_closed("lushan")
    on_road_status(models, status.model_copy(update={"mode": Mode.FUSED}))
    assert models.fused.roads_closed("lushan") and not models.siloed.roads_closed("lushan")


def _client() -> TestClient:
    app, runtime = build(MANIFEST, TourismSettings())
    reading = TourismReading(
        occurred_at=T0, source="t", region="360400", site_id="lushan", rain_24h_mm=80, visitors=900
    )
    runtime.state.both(lambda m: m.on_reading(reading))
    return TestClient(app)  # no `with`: the lifespan (Kafka) is not started


def test_the_areas_and_decisions_are_listed_per_mode() -> None:
    client = _client()
    areas = {a["id"]: a for a in client.get("/areas").json()}
    assert len(areas) == 6 and areas["lushan"]["last_visitors"] == 900
    assert areas["lushan"]["in_force"]["siloed"] and areas["lushan"]["in_force"]["fused"]
    rows = client.get("/decisions", params={"mode": "fused"}).json()
    assert rows and {r["mode"] for r in rows} == {"fused"}
    assert client.get("/decisions/in-force", params={"mode": "both"}).status_code == 422


def test_a_bad_reading_is_refused_and_a_load_test_call_is_a_valid_one() -> None:
    batch = api.READINGS.batch
    bad = {"readings": [{"site_id": "lushan", "region": "360400", "observed_at": "x"}]}
    assert not _valid(batch, bad)
    assert not _valid(
        batch,
        {
            "readings": [
                {
                    "site_id": "lushan",
                    "region": "360400",
                    "observed_at": T0.isoformat(),
                    "humidity_pct": 130,
                }
            ]
        },
    )
    ctx = LoadContext(rng=random.Random(1), clock=LoadClock(random.Random(1)))
    body = api.LOAD.body(ctx)
    parsed = batch.model_validate(body)
    (event,) = api.READINGS.events(parsed, provider="p", source="tourism")
    assert isinstance(event, TourismReading)


def _valid(model: type, body: Mapping[str, object]) -> bool:
    try:
        model.model_validate(body)  # type: ignore[attr-defined]
    except ValueError:
        return False
    return True
