"""Farm-sensor ingestion on the real broker: HTTP -> Kafka, API keys, validation."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from shared.contracts.agriculture import AGRICULTURE_OBSERVATIONS, FarmObservation
from shared.world import load_world
from tests.support import TEST_API_KEYS, ServiceProcess

pytestmark = pytest.mark.integration

AGRI_KEY = next(k for s, k in TEST_API_KEYS.items() if s.endswith(":agriculture"))
WEATHER_KEY = next(k for s, k in TEST_API_KEYS.items() if s.endswith(":weather"))
PATH = "/ingest/farm-readings"


@pytest.fixture(scope="module")
def agriculture(kafka_bootstrap: str) -> Iterator[ServiceProcess]:
    """The agriculture service running against the test broker."""
    svc = ServiceProcess("agriculture", kafka_bootstrap).start()
    try:
        yield svc
    finally:
        svc.stop()


def readings(hours: int, start: datetime) -> dict[str, object]:
    """Hourly readings of the first farm of the world model (a real farm, crop and city)."""
    farm = load_world().farms[0]
    return {
        "readings": [
            {
                "farm_id": farm.farm_id,
                "region": farm.city,
                "industry": farm.industry.value,
                "crop": farm.crop,
                "observed_at": (start + timedelta(hours=h)).isoformat(),
                "soil_moisture_pct": 31.5 - h,
                "canopy_temp_c": 29.0 + h / 2,
                "water_depth_cm": 4.0,
                "crop_stress": 0.1,
            }
            for h in range(hours)
        ]
    }


async def read_ids(servers: str, topic: str, ids: set[str], timeout: float = 30.0) -> list[dict]:
    """Messages of ``topic`` whose event_id is in ``ids``, read from the beginning."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=servers,
        auto_offset_reset="earliest",
        group_id=f"test-{uuid.uuid4()}",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < len(ids):
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    doc = json.loads(r.value) if r.value and r.value.startswith(b"{") else {}
                    if doc.get("event_id") in ids:
                        found.append(doc)
        return found
    finally:
        await consumer.stop()


async def test_posted_farm_readings_are_acknowledged_and_land_on_kafka_as_farm_observations(
    agriculture: ServiceProcess, kafka_bootstrap: str
) -> None:
    body = readings(3, datetime(2020, 7, 6, 1, tzinfo=UTC))
    r = httpx.post(agriculture.url + PATH, json=body, headers={"X-API-Key": AGRI_KEY})
    assert r.status_code == 202, r.text
    ids = set(r.json()["event_ids"])
    assert r.json()["accepted"] == 3 and len(ids) == 3
    got = await read_ids(kafka_bootstrap, AGRICULTURE_OBSERVATIONS.name, ids)
    assert {d["event_id"] for d in got} == ids, agriculture.log()
    event = FarmObservation.model_validate(got[0])
    posted = body["readings"][0]  # type: ignore[index]
    assert (event.farm_id, event.region, event.source) == (
        posted["farm_id"],
        posted["region"],
        "agriculture",
    )
    assert event.classification == "internal"


async def test_the_same_readings_posted_twice_get_the_same_event_ids(
    agriculture: ServiceProcess,
) -> None:
    body = readings(2, datetime(2020, 7, 6, 10, tzinfo=UTC))
    headers = {"X-API-Key": AGRI_KEY}
    first = httpx.post(agriculture.url + PATH, json=body, headers=headers)
    again = httpx.post(agriculture.url + PATH, json=body, headers=headers)
    assert first.status_code == again.status_code == 202
    assert first.json()["event_ids"] == again.json()["event_ids"]


def test_farm_readings_without_a_key_or_with_an_unknown_one_are_401(
    agriculture: ServiceProcess,
) -> None:
    body = readings(1, datetime(2020, 7, 1, tzinfo=UTC))
    assert httpx.post(agriculture.url + PATH, json=body).status_code == 401
    r = httpx.post(agriculture.url + PATH, json=body, headers={"X-API-Key": "nope"})
    assert r.status_code == 401


def test_a_weather_key_cannot_post_farm_readings(agriculture: ServiceProcess) -> None:
    body = readings(1, datetime(2020, 7, 1, tzinfo=UTC))
    r = httpx.post(agriculture.url + PATH, json=body, headers={"X-API-Key": WEATHER_KEY})
    assert r.status_code == 403
    assert "weather" in r.json()["detail"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"industry": "tobacco"}, "industry"),
        ({"soil_moisture_pct": 140}, "soil_moisture_pct"),
        ({"observed_at": "2020-07-01T00:00:00"}, "observed_at"),
        ({"region": "36"}, "region"),
    ],
    ids=["unknown-field", "unknown-industry", "moisture-over-100", "naive-time", "bad-region"],
)
def test_a_malformed_farm_reading_is_422_naming_the_field(
    agriculture: ServiceProcess, change: dict[str, object], field: str
) -> None:
    body = readings(1, datetime(2020, 7, 1, tzinfo=UTC))
    reading = {**body["readings"][0], **change}  # type: ignore[index]
    r = httpx.post(
        agriculture.url + PATH, json={"readings": [reading]}, headers={"X-API-Key": AGRI_KEY}
    )
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][-1] == field


def test_an_empty_batch_is_422(agriculture: ServiceProcess) -> None:
    r = httpx.post(agriculture.url + PATH, json={"readings": []}, headers={"X-API-Key": AGRI_KEY})
    assert r.status_code == 422
