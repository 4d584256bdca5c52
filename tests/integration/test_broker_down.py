"""When the broker goes away, ingestion answers 503 with Retry-After and readiness drops."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import httpx
import pytest

from dexsim.localkafka import LocalKafka
from tests.support import TEST_API_KEYS, TEST_STATE, ServiceProcess, free_port

pytestmark = pytest.mark.integration


def test_ingestion_answers_503_with_retry_after_when_kafka_is_down(
    kafka_bootstrap: str,  # ensures the jar cache exists
) -> None:
    broker = LocalKafka(TEST_STATE / "doomed", free_port())
    broker.libs = TEST_STATE.parent / "kafka-libs"
    broker.up()
    svc = ServiceProcess("weather", broker.bootstrap_servers)
    try:
        svc.start()
        broker.down()
        key = next(k for s, k in TEST_API_KEYS.items() if s.endswith(":weather"))
        body = {
            "observations": [
                {
                    "station_id": "58606",
                    "region": "360100",
                    "rain_mm": 3.0,
                    "observed_at": datetime(2020, 7, 1, tzinfo=UTC).isoformat(),
                }
            ]
        }
        r = httpx.post(
            svc.url + "/ingest/observations", json=body, headers={"X-API-Key": key}, timeout=30
        )
        assert r.status_code == 503, r.text
        assert int(r.headers["Retry-After"]) > 0
    finally:
        svc.stop()
        broker.down()
        shutil.rmtree(broker.home, ignore_errors=True)
