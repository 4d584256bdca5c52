"""Fixtures shared by every test layer: the real local Kafka broker and service processes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from dexsim.localkafka import LocalKafka
from shared.settings import PROJECT_ROOT
from tests.support import STARTED, TEST_KAFKA_PORT, TEST_STATE, ServiceProcess


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """Bootstrap servers of a real Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` or a fresh local broker.

    The local one starts from empty data (so a second run sees no state from the first), shares
    the jar cache with the demo broker, and is stopped at the end of the session.
    """
    external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if external:
        try:
            yield external
        finally:
            for svc in STARTED:
                svc.stop()
        return
    TEST_STATE.mkdir(parents=True, exist_ok=True)
    shared_libs = PROJECT_ROOT / ".dexsim" / "kafka-libs"
    broker = LocalKafka(TEST_STATE, TEST_KAFKA_PORT)
    broker.libs = shared_libs
    broker.wipe()
    broker.up()
    try:
        yield broker.bootstrap_servers
    finally:
        # No service may outlive the session, even one whose test failed mid-way; stop them
        # before the broker so they leave cleanly.
        for svc in STARTED:
            svc.stop()
        broker.down()
        shutil.rmtree(broker.home, ignore_errors=True)


@pytest.fixture(scope="session")
def weather_service(kafka_bootstrap: str) -> Iterator[ServiceProcess]:
    """The weather service running against the test broker."""
    svc = ServiceProcess("weather", kafka_bootstrap).start()
    try:
        yield svc
    finally:
        svc.stop()
