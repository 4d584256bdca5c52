"""The first slice through the platform, on the real broker: HTTP -> Kafka -> warning -> Kafka."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.contracts.weather import WEATHER_OBSERVATIONS, WEATHER_WARNINGS, StationObservation
from tests.support import TEST_API_KEYS, ServiceProcess, metric_total, read_to_end, wait_until

pytestmark = pytest.mark.integration

WEATHER_KEY = next(k for s, k in TEST_API_KEYS.items() if s.endswith(":weather"))
AGRI_KEY = next(k for s, k in TEST_API_KEYS.items() if s.endswith(":agriculture"))


def rain_batch(region: str, rain: list[float], start: datetime) -> dict[str, object]:
    """Hourly readings at one station of ``region`` with the given rain amounts."""
    return {
        "observations": [
            {
                "station_id": f"st-{region}",
                "region": region,
                "rain_mm": r,
                "observed_at": (start + timedelta(hours=i + 1)).isoformat(),
            }
            for i, r in enumerate(rain)
        ]
    }


async def read_topic(
    servers: str, topic: str, *, want: int, timeout: float = 30.0, region: str | None = None
) -> list[dict[str, object]]:
    """Read ``topic`` from the beginning until ``want`` matching messages (or the timeout)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=servers,
        auto_offset_reset="earliest",
        group_id=f"test-{uuid.uuid4()}",
        enable_auto_commit=False,
    )
    await consumer.start()
    got: list[dict[str, object]] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(got) < want:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    doc = json.loads(r.value) if r.value and r.value.startswith(b"{") else {}
                    if region is None or doc.get("region") == region:
                        got.append(doc)
        return got
    finally:
        await consumer.stop()


_NEXT_CITY = iter(range(50, 100))


def unique_region() -> str:
    """A city code no other test uses (36NN00, beyond the real 3601..3611), so tests never see
    each other's warnings."""
    return f"36{next(_NEXT_CITY):02d}00"


async def test_an_ingested_rainstorm_comes_back_as_a_cap_warning(
    weather_service: ServiceProcess, kafka_bootstrap: str
) -> None:
    region = unique_region()
    start = datetime(2020, 7, 7, 0, tzinfo=UTC)
    body = rain_batch(region, [2.0, 20.0, 18.0, 14.0], start)  # 52 mm in 3 h
    async with httpx.AsyncClient(base_url=weather_service.url) as client:
        r = await client.post("/ingest/observations", json=body, headers={"X-API-Key": WEATHER_KEY})
    assert r.status_code == 202, r.text
    assert r.json()["accepted"] == 4
    warnings = await read_topic(kafka_bootstrap, WEATHER_WARNINGS.name, want=1, region=region)
    assert warnings, weather_service.log()
    first = warnings[0]
    assert first["signal"] == "rainstorm"
    alert = first["alert"]
    assert isinstance(alert, dict)
    assert alert["msg_type"] == "Alert"
    assert alert["identifier"].startswith(region)
    langs = {info["language"] for info in alert["info"]}
    assert langs == {"zh-CN", "en-US"}


async def test_a_poison_message_goes_to_the_dlq_and_the_next_one_is_processed(
    weather_service: ServiceProcess, kafka_bootstrap: str
) -> None:
    region = unique_region()
    start = datetime(2020, 7, 8, 0, tzinfo=UTC)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        poison = b'{"event_type": "StationObservation", "region": "' + region.encode() + b'"}'
        await producer.send_and_wait(WEATHER_OBSERVATIONS.name, poison, key=region.encode())
        await producer.send_and_wait(WEATHER_OBSERVATIONS.name, b"\xff\xfe", key=region.encode())
        for i, rain in enumerate([30.0, 30.0, 45.0]):  # 105 mm in 3 h: red
            obs = StationObservation(
                occurred_at=start + timedelta(hours=i + 1),
                source="test",
                region=region,
                station_id=f"st-{region}",
                rain_mm=rain,
            )
            await producer.send_and_wait(WEATHER_OBSERVATIONS.name, obs.to_bytes(), key=obs.key)
    finally:
        await producer.stop()
    dlq = await read_topic(kafka_bootstrap, WEATHER_OBSERVATIONS.dlq, want=1, region=region)
    assert dlq, "the schema-invalid message should be dead-lettered"
    warnings = await read_topic(kafka_bootstrap, WEATHER_WARNINGS.name, want=1, region=region)
    assert warnings, weather_service.log()
    assert weather_service.proc is not None and weather_service.proc.poll() is None
    metrics = httpx.get(weather_service.url + "/metrics").text
    assert 'dex_dlq_total{reason="not_json"' in metrics or 'reason="not_json"' in metrics


async def test_a_duplicate_event_id_is_processed_once(
    weather_service: ServiceProcess, kafka_bootstrap: str
) -> None:
    region = unique_region()
    start = datetime(2020, 7, 9, 0, tzinfo=UTC)
    body = rain_batch(region, [40.0, 40.0, 40.0], start)  # 120 mm in 3 h
    topic = WEATHER_OBSERVATIONS.name
    dupes_before = metric_total(weather_service.url, "dex_duplicates_total", topic=topic)
    async with httpx.AsyncClient(base_url=weather_service.url) as client:
        headers = {"X-API-Key": WEATHER_KEY}
        first = await client.post("/ingest/observations", json=body, headers=headers)
        again = await client.post("/ingest/observations", json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["event_ids"] == again.json()["event_ids"]
    observations = await read_topic(
        kafka_bootstrap, WEATHER_OBSERVATIONS.name, want=6, region=region
    )
    assert len(observations) == 6  # both copies reached Kafka ...
    # ... the service saw the second copy and skipped it ...
    await asyncio.to_thread(
        wait_until,
        "the weather service to skip the three repeated observations",
        lambda: (
            metric_total(weather_service.url, "dex_duplicates_total", topic=topic)
            >= dupes_before + 3
        ),
        timeout=30,
    )
    # ... so the warning was issued once: everything on the topic now, nothing more.
    warnings = await read_topic(kafka_bootstrap, WEATHER_WARNINGS.name, want=1, region=region)
    assert warnings, weather_service.log()
    warnings = [
        doc
        for doc in await read_to_end(kafka_bootstrap, WEATHER_WARNINGS.name)
        if doc.get("region") == region
    ]
    alerts = [w for w in warnings if w["alert"]["msg_type"] == "Alert"]  # type: ignore[index]
    assert len(alerts) == 1


async def test_ingestion_without_a_key_is_401(weather_service: ServiceProcess) -> None:
    body = rain_batch("360100", [1.0], datetime(2020, 7, 1, tzinfo=UTC))
    r = httpx.post(weather_service.url + "/ingest/observations", json=body)
    assert r.status_code == 401
    r = httpx.post(
        weather_service.url + "/ingest/observations", json=body, headers={"X-API-Key": "nope"}
    )
    assert r.status_code == 401


async def test_a_key_for_another_sector_is_403(weather_service: ServiceProcess) -> None:
    body = rain_batch("360100", [1.0], datetime(2020, 7, 1, tzinfo=UTC))
    r = httpx.post(
        weather_service.url + "/ingest/observations", json=body, headers={"X-API-Key": AGRI_KEY}
    )
    assert r.status_code == 403
    assert "agriculture" in r.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"observations": []},
        {"observations": [{"station_id": "x", "region": "360100"}]},
        {
            "observations": [
                {
                    "station_id": "x",
                    "region": "360100",
                    "observed_at": "2020-07-01T00:00:00Z",
                    "colour": "red",
                }
            ]
        },
        {
            "observations": [
                {
                    "station_id": "x",
                    "region": "360100",
                    "observed_at": "2020-07-01T00:00:00",
                    "rain_mm": 1,
                }
            ]
        },
        {
            "observations": [
                {
                    "station_id": "x",
                    "region": "360100",
                    "observed_at": "2020-07-01T00:00:00Z",
                    "rain_mm": -1,
                }
            ]
        },
    ],
    ids=["empty", "no-time", "unknown-field", "naive-time", "negative-rain"],
)
async def test_a_malformed_body_is_422_with_the_field_named(
    weather_service: ServiceProcess, body: dict[str, object]
) -> None:
    r = httpx.post(
        weather_service.url + "/ingest/observations",
        json=body,
        headers={"X-API-Key": WEATHER_KEY},
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"]


async def test_an_oversized_body_is_413(weather_service: ServiceProcess) -> None:
    r = httpx.post(
        weather_service.url + "/ingest/observations",
        content=b"{" + b" " * 2_100_000 + b"}",
        headers={"X-API-Key": WEATHER_KEY, "Content-Type": "application/json"},
    )
    assert r.status_code == 413


async def test_active_warnings_can_be_queried_by_region(
    weather_service: ServiceProcess, kafka_bootstrap: str
) -> None:
    region = unique_region()
    body = rain_batch(region, [20.0, 20.0, 20.0], datetime(2020, 7, 10, tzinfo=UTC))
    r = httpx.post(
        weather_service.url + "/ingest/observations",
        json=body,
        headers={"X-API-Key": WEATHER_KEY},
    )
    assert r.status_code == 202
    await read_topic(kafka_bootstrap, WEATHER_WARNINGS.name, want=1, region=region)
    active = httpx.get(weather_service.url + "/warnings/active", params={"region": region}).json()
    assert [w["region"] for w in active] == [region]
    identifier = active[0]["alert"]["identifier"]
    one = httpx.get(weather_service.url + f"/warnings/{identifier}")
    assert one.status_code == 200
    assert httpx.get(weather_service.url + "/warnings/nope").status_code == 404
