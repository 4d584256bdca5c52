"""Test support: the test broker's location, free ports, and services run as real processes."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx

from dexsim.runner import groups_to_end
from shared.settings import PROJECT_ROOT

#: The test broker gets its own state folder and port, so it never touches a demo broker.
TEST_STATE = PROJECT_ROOT / ".dexsim" / "test"
TEST_KAFKA_PORT = int(os.environ.get("DEXSIM_TEST_KAFKA_PORT", "39192"))
TEST_API_KEYS = {
    "cma-jiangxi:weather": "test-weather-key",
    "agri-bureau:agriculture": "test-agriculture-key",
}


T = TypeVar("T")


def run_sync(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code, even inside a running event loop.

    ``asyncio.run`` refuses to run inside a loop (which an async test has), so the coroutine
    gets a loop of its own on a worker thread.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def wait_until(
    what: str, check: Callable[[], T | None], *, timeout: float, every: float = 0.2
) -> T:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def metric_total(url: str, name: str, **labels: str) -> float:
    """The sum of a service's samples of metric ``name`` whose labels include ``labels``."""
    total = 0.0
    for line in httpx.get(url + "/metrics", timeout=5).text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        if all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def read_to_end(servers: str, topic: str, *, since_ms: int = 0) -> list[dict[str, Any]]:
    """Every JSON message on ``topic`` written since ``since_ms`` (broker time), up to its end now.

    The end is fixed when the call starts, so this returns once it is reached: use it after a
    condition that guarantees what is wanted has been written (an ack, a watermark).
    """
    from aiokafka import AIOKafkaConsumer

    from shared.kafka import partitions_of

    parts = await partitions_of([topic], servers=servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await consumer.start()
    out: list[dict[str, Any]] = []
    try:
        consumer.assign(parts)
        ends = await consumer.end_offsets(parts)
        starts = await consumer.offsets_for_times(dict.fromkeys(parts, since_ms))
        for tp in parts:
            found = starts.get(tp)
            consumer.seek(tp, found.offset if found is not None else ends[tp])
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                out.extend(
                    json.loads(r.value) for r in records if r.value and r.value.startswith(b"{")
                )
        return out
    finally:
        await consumer.stop()


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


#: Every service process a test started, so the session can make sure none outlives it.
STARTED: list[ServiceProcess] = []


class ServiceProcess:
    """A service started as its own process, the way ``dexsim up`` starts it."""

    def __init__(self, name: str, servers: str, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        prefix = f"DEXSIM_{name.upper()}_"
        self.env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": servers,
            # Consumer groups of their own: never share partitions with another test system.
            "DEXSIM_GROUP_PREFIX": "dexsim-test",
            prefix + "HTTP_PORT": str(self.port),
            prefix + "API_KEYS": json.dumps(TEST_API_KEYS),
            prefix + "SEND_TIMEOUT_S": "3",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        self.log_path = TEST_STATE / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, wait_ready: bool = True, timeout: float = 60.0) -> ServiceProcess:
        """Start the process afresh at the topics' current ends (its state cleared); optionally
        wait until /readyz is 200.

        Starting at the ends (not at the topics' beginnings, as a new group would) keeps a test
        from first wading through everything earlier tests published, and makes what the
        service reads exactly what is published after this call returns.
        """
        TEST_STATE.mkdir(parents=True, exist_ok=True)
        group = f"{self.env['DEXSIM_GROUP_PREFIX']}-{self.name}"
        servers = self.env["KAFKA_BOOTSTRAP_SERVERS"]
        run_sync(lambda: groups_to_end(servers, [group]))  # and its state cleared
        out = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dexsim.serve", self.name],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )
        STARTED.append(self)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.log()}")
            try:
                r = httpx.get(self.url + ("/readyz" if wait_ready else "/healthz"), timeout=1)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{self.name} not ready within {timeout}s:\n{self.log()}")

    def log(self) -> str:
        """The process's output so far (last 60 lines)."""
        return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-60:])

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 20 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
