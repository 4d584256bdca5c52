"""Locust users for every ingestion path, an end-to-end latency user, and the SLO verdict.

The users are derived from the services' manifests: every ``LoadProfile`` a manifest declares
becomes a user class that posts that path's payloads (drawn from the world model) with its
sector's key, at the profile's weight, and queries the profile's read paths. A new sector's
service is load-tested without an edit here.

Configuration (environment, through ``loadtests.settings.LoadSettings``; ``python -m
loadtests.run`` sets it):

- ``DEXSIM_LOAD_URLS``: JSON ``{"weather": "http://127.0.0.1:8101", ...}``; default: the
  manifests' ports (plus ``DEXSIM_PORT_OFFSET``) on 127.0.0.1;
- ``DEXSIM_LOAD_API_KEYS``: JSON ``{"<provider>:<sector>": key}``; default: the local system's
  development keys (``.dexsim/api-keys.json``);
- ``DEXSIM_LOAD_SHAPE`` (``steady``, ``step``, ``storm``; unset: users and rate from Locust's
  options or UI), ``DEXSIM_LOAD_USERS`` (peak users) and ``DEXSIM_LOAD_SECONDS`` (run time);
- ``DEXSIM_LOAD_SLO``: the SLO file (default ``loadtests/slo.yaml``); ``DEXSIM_LOAD_VERDICT``:
  where to write the verdict as JSON.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from locust import LoadTestShape, between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from dexsim.registry import ServiceEntry, sectors
from loadtests import shapes
from loadtests.settings import LoadSettings
from loadtests.slo import SLO_FILE, load_slo, rows_from_locust, violations
from shared.runtime import LoadClock, LoadContext, LoadProfile
from shared.world import load_world

log = logging.getLogger("dexsim.load")

SETTINGS = LoadSettings()


def load_targets() -> list[tuple[ServiceEntry, LoadProfile]]:
    """Every (service, load profile) pair the manifests declare."""
    return [(e, p) for e in sectors() for p in e.manifest.load]


def _urls() -> dict[str, str]:
    if SETTINGS.urls:
        return SETTINGS.urls
    return {e.name: f"http://127.0.0.1:{e.port}" for e, _ in load_targets()}


def _keys() -> dict[str, str]:
    if SETTINGS.api_keys:
        scoped = SETTINGS.api_keys
    else:
        from dexsim.supervisor import dev_api_keys

        scoped = dev_api_keys()
    return {scope.partition(":")[2]: key for scope, key in scoped.items()}


URLS = _urls()
KEYS = _keys()


class SectorUser(FastHttpUser):
    """A data provider of one sector: posts to its ingestion API with its sector's key."""

    abstract = True
    sector: ClassVar[str] = ""
    profile: ClassVar[LoadProfile]

    def on_start(self) -> None:
        """Own random stream and simulated clock per user, so readings are distinct events."""
        self.rng = random.Random()
        self.ctx = LoadContext(self.rng, LoadClock(self.rng))
        self.headers = {"X-API-Key": KEYS.get(self.sector, ""), "Content-Type": "application/json"}

    def post(self) -> None:
        """POST one batch of the profile's path; anything but 202 is a failure."""
        path = f"/ingest/{self.profile.ingest.path}"
        with self.client.post(
            path,
            data=json.dumps(self.profile.body(self.ctx)),
            headers=self.headers,
            name=path,
            catch_response=True,
        ) as r:
            if r.status_code != 202:
                r.failure(f"{r.status_code}: {(r.text or '')[:200]}")

    def query(self, template: str) -> None:
        """GET one of the profile's read paths, for a random city where it names one."""
        city = self.rng.choice(load_world().cities)
        self.client.get(template.format(region=city.code), name=template.split("?", 1)[0])


def _user_class(entry: ServiceEntry, profile: LoadProfile) -> type[SectorUser]:
    """A Locust user posting ``profile``'s payloads (10 to 1 against each query)."""
    sector = entry.manifest.sector.name if entry.manifest.sector else entry.name

    def post(user: SectorUser) -> None:
        user.post()

    def query_task(template: str) -> Callable[[SectorUser], None]:
        def query(user: SectorUser) -> None:
            user.query(template)

        query.__name__ = "query_" + template.strip("/").split("?", 1)[0].replace("/", "_")
        return query

    tasks: dict[Callable[..., None], int] = {post: 10}
    tasks.update({query_task(t): 1 for t in profile.queries})
    attrs: dict[str, Any] = {
        "sector": sector,
        "profile": profile,
        "host": URLS.get(entry.name, ""),
        "weight": profile.weight,
        "tasks": tasks,
        "__doc__": f"{entry.name}: {profile.ingest.summary}",
        "__module__": __name__,
    }
    if profile.surges:
        # Calls multiply when a storm hits: a few per minute normally, many more in a storm.
        attrs["wait_time"] = lambda self: self.rng.uniform(1.0, 4.0) / shapes.surge_factor()
    else:
        attrs["wait_time"] = between(0.5, 1.5)
    name = "".join(p.capitalize() for p in f"{entry.name}-{profile.ingest.path}".split("-"))
    return type(f"{name}User", (SectorUser,), attrs)


def _declare_users() -> None:
    """Put a user class per load profile among the module's names, where Locust finds them."""
    for entry, profile in load_targets():
        if entry.name in URLS:
            cls = _user_class(entry, profile)
            globals()[cls.__name__] = cls


_declare_users()


def red_rainstorm(region: str, at: datetime) -> list[dict[str, Any]]:
    """Three hours of 40 mm at one station: 120 mm in 3 h, a red rainstorm signal in any city."""
    return [
        {
            "station_id": f"load-{region}",
            "region": region,
            "observed_at": (at + timedelta(hours=i)).isoformat(),
            "rain_mm": 40.0,
            "temp_c": 24.0,
            "humidity_pct": 98.0,
        }
        for i in range(3)
    ]


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
        body = json.dumps({"observations": red_rainstorm(region, at)})
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
    if not SETTINGS.shape:
        return None
    return shapes.pick(SETTINGS.shape, users=SETTINGS.users, seconds=SETTINGS.seconds)


_picked = _shape()
if _picked is not None:
    # Locust uses the LoadTestShape subclass it finds in the locustfile.
    SelectedShape = _picked


@events.quitting.add_listener
def slo_verdict(environment: Environment, **_: Any) -> None:
    """Check the SLO file against the run's statistics; exit 1 naming every broken objective."""
    path = SETTINGS.slo or SLO_FILE
    broken = violations(load_slo(path), rows_from_locust(environment.stats))
    for line in broken:
        log.error("SLO broken: %s", line)
    if not broken:
        log.info("SLO met: every objective in %s", path)
    environment.process_exit_code = 1 if broken else 0
    if SETTINGS.verdict is not None:
        SETTINGS.verdict.write_text(
            json.dumps({"passed": not broken, "violations": broken}, indent=2)
        )
