"""Locust users for every ingestion path, an end-to-end latency user, and the SLO verdict.

Configuration (environment; ``python -m loadtests.run`` sets it):

- ``DEXSIM_LOAD_URLS``: JSON ``{"weather": "http://127.0.0.1:8101", ...}``; default: the
  registry's ports (plus ``DEXSIM_PORT_OFFSET``) on 127.0.0.1;
- ``DEXSIM_LOAD_API_KEYS``: JSON ``{"<provider>:<sector>": key}``; default: the local system's
  development keys (``.dexsim/api-keys.json``);
- ``DEXSIM_LOAD_SHAPE`` (``steady``, ``step``, ``storm``; unset: users and rate from Locust's
  options or UI), ``DEXSIM_LOAD_USERS`` (peak users) and ``DEXSIM_LOAD_SECONDS`` (run time);
- ``DEXSIM_LOAD_SLO``: the SLO file (default ``loadtests/slo.yaml``); ``DEXSIM_LOAD_VERDICT``:
  where to write the verdict as JSON.

Task weights follow the world's hourly volumes: farm gateways send the most readings (83 farms),
then road detectors (26), weather stations (13), and citizen reports are rare until a storm.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from locust import LoadTestShape, between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from loadtests import payloads, shapes
from loadtests.slo import SLO_FILE, load_slo, rows_from_locust, violations
from shared.runtime.registry import SERVICES

log = logging.getLogger("dexsim.load")

SECTORS = ("weather", "agriculture", "transport", "emergency")


def _urls() -> dict[str, str]:
    given = os.environ.get("DEXSIM_LOAD_URLS")
    if given:
        urls: dict[str, str] = json.loads(given)
        return urls
    return {e.name: f"http://127.0.0.1:{e.port}" for e in SERVICES if e.name in SECTORS}


def _keys() -> dict[str, str]:
    given = os.environ.get("DEXSIM_LOAD_API_KEYS")
    if given:
        scoped: dict[str, str] = json.loads(given)
    else:
        from shared.supervisor import dev_api_keys

        scoped = dev_api_keys()
    return {scope.partition(":")[2]: key for scope, key in scoped.items()}


URLS = _urls()
KEYS = _keys()


class SectorUser(FastHttpUser):
    """A data provider of one sector: posts to its ingestion API with its sector's key."""

    abstract = True
    sector: ClassVar[str] = ""

    def on_start(self) -> None:
        """Own random stream and simulated clock per user, so readings are distinct events."""
        self.rng = random.Random()
        self.clock = payloads.Clock(self.rng)
        self.headers = {"X-API-Key": KEYS.get(self.sector, ""), "Content-Type": "application/json"}

    def ingest(self, path: str, body: dict[str, Any]) -> None:
        """POST a batch; anything but 202 is a failure."""
        with self.client.post(
            f"/ingest/{path}",
            data=json.dumps(body),
            headers=self.headers,
            name=f"/ingest/{path}",
            catch_response=True,
        ) as r:
            if r.status_code != 202:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")

    def surge(self) -> float:
        """How many times the normal rate this user sends at now (a storm multiplies it)."""
        return shapes.surge_factor()


class WeatherStationUser(SectorUser):
    """An automatic weather station's feed (1-3 hourly readings per request), and map queries."""

    sector = "weather"
    host = URLS["weather"]
    weight = 2
    wait_time = between(0.5, 1.5)

    @task(10)
    def post_readings(self) -> None:
        """A station's latest readings."""
        n = self.rng.choice((1, 1, 1, 2, 3))
        self.ingest(
            "observations", {"observations": payloads.station_readings(self.rng, self.clock, n)}
        )

    @task(2)
    def active_warnings(self) -> None:
        """The warning book of one city, as a public map would ask."""
        city = self.rng.choice(payloads.world().cities)
        self.client.get(f"/warnings/active?region={city.code}", name="/warnings/active")


class FarmGatewayUser(SectorUser):
    """A county's farm IoT gateway uploading one hour of field sensors from several farms."""

    sector = "agriculture"
    host = URLS["agriculture"]
    weight = 6
    wait_time = between(0.5, 1.5)

    @task(10)
    def post_readings(self) -> None:
        """An hour of readings from 5 to 15 farms."""
        farms = self.rng.randint(5, 15)
        self.ingest(
            "farm-readings", {"readings": payloads.farm_readings(self.rng, self.clock, farms)}
        )

    @task(1)
    def risks(self) -> None:
        """Open crop risks in one city."""
        city = self.rng.choice(payloads.world().cities)
        self.client.get(f"/risks?region={city.code}", name="/risks")


class RoadDetectorUser(SectorUser):
    """An expressway segment's two detectors reporting speed, volume and surface each hour."""

    sector = "transport"
    host = URLS["transport"]
    weight = 3
    wait_time = between(0.5, 1.5)

    @task(10)
    def post_readings(self) -> None:
        """Both ends of one segment."""
        self.ingest("road-readings", {"readings": payloads.road_readings(self.rng, self.clock)})

    @task(1)
    def roads(self) -> None:
        """The network's status, as the traffic centre's wall shows it."""
        self.client.get("/roads?mode=fused", name="/roads")


class CitizenReportUser(SectorUser):
    """The 12345 hotline forwarding calls one by one; calls multiply when a storm hits."""

    sector = "emergency"
    host = URLS["emergency"]
    weight = 1

    def wait_time(self) -> float:
        """Seconds between calls: a few per minute normally, many more in a storm."""
        return self.rng.uniform(1.0, 4.0) / self.surge()

    @task(10)
    def report(self) -> None:
        """One call."""
        self.ingest("citizen-reports", {"reports": [payloads.citizen_report(self.rng, self.clock)]})

    @task(1)
    def incidents(self) -> None:
        """The duty officer's list of the latest incidents."""
        self.client.get("/incidents?limit=50", name="/incidents")


class StormWatcherUser(FastHttpUser):
    """Measures observation -> decision: a red rainstorm for a fresh region until it is served.

    Reported to Locust as request type ``E2E``, name ``observation->warning``.
    """

    host = URLS["weather"]
    fixed_count = 1
    wait_time = constant(1.0)
    #: Give up on one measurement after this many seconds (then it counts as a failure).
    timeout_s = 10.0
    poll_s = 0.02

    def on_start(self) -> None:
        """Its own random stream and key."""
        self.rng = random.Random()
        self.headers = {"X-API-Key": KEYS.get("weather", ""), "Content-Type": "application/json"}

    def _fresh_region(self) -> str:
        # 99xxxx is no real division: warnings there are the load test's alone.
        for _ in range(20):
            region = f"99{self.rng.randrange(10_000):04d}"
            r = self.client.get(f"/warnings/active?region={region}", name="/warnings/active")
            if r.status_code == 200 and r.json() == []:
                return region
        raise RuntimeError("no fresh region found")

    @task
    def rainstorm_to_warning(self) -> None:
        """Post 120 mm in 3 h and poll until the red warning is in force."""
        region = self._fresh_region()
        at = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)
        body = json.dumps({"observations": payloads.red_rainstorm(region, at)})
        started = time.perf_counter()
        error: Exception | None = None
        r = self.client.post(
            "/ingest/observations", data=body, headers=self.headers, name="/ingest/observations"
        )
        if r.status_code != 202:
            error = RuntimeError(f"ingestion answered {r.status_code}")
        while error is None:
            got = self.client.get(
                f"/warnings/active?region={region}", name="/warnings/active (e2e poll)"
            )
            if got.status_code == 200 and any(w.get("colour") == "red" for w in got.json()):
                break
            if time.perf_counter() - started > self.timeout_s:
                error = TimeoutError(f"no red warning for {region} within {self.timeout_s}s")
                break
            time.sleep(self.poll_s)  # gevent-patched: yields to the other users
        self.environment.events.request.fire(
            request_type="E2E",
            name="observation->warning",
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={"region": region},
        )


def _shape() -> type[LoadTestShape] | None:
    name = os.environ.get("DEXSIM_LOAD_SHAPE", "")
    if not name:
        return None
    return shapes.pick(
        name,
        users=int(os.environ.get("DEXSIM_LOAD_USERS", "20")),
        seconds=float(os.environ.get("DEXSIM_LOAD_SECONDS", "60")),
    )


_picked = _shape()
if _picked is not None:
    # Locust uses the LoadTestShape subclass it finds in the locustfile.
    SelectedShape = _picked


@events.quitting.add_listener
def slo_verdict(environment: Environment, **_: Any) -> None:
    """Check the SLO file against the run's statistics; exit 1 naming every broken objective."""
    path = Path(os.environ.get("DEXSIM_LOAD_SLO") or SLO_FILE)
    broken = violations(load_slo(path), rows_from_locust(environment.stats))
    for line in broken:
        log.error("SLO broken: %s", line)
    if not broken:
        log.info("SLO met: every objective in %s", path)
    environment.process_exit_code = 1 if broken else 0
    out = os.environ.get("DEXSIM_LOAD_VERDICT")
    if out:
        Path(out).write_text(json.dumps({"passed": not broken, "violations": broken}, indent=2))
