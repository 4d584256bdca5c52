"""Supervise the services as child processes: start, restart on crash, stop on SIGTERM.

``dexsim up`` starts this module detached (``python -m dexsim.supervisor``); ``dexsim down``
sends it SIGTERM, and it stops every child gracefully before it exits. Each service's output
goes to ``<state>/logs/<name>.log``; pid files live in ``<state>/run/``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from dexsim.registry import ServiceEntry, sectors, services
from shared.processes import pid_alive
from shared.settings import PROJECT_ROOT, SystemSettings

log = logging.getLogger(__name__)

#: Restarts allowed within ``RESTART_WINDOW_S`` before the supervisor gives up on a service.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 60.0
STOP_TIMEOUT_S = 25.0


def state_dir() -> Path:
    """The state folder (``DEXSIM_STATE_DIR``, default ``.dexsim/``)."""
    return SystemSettings().state_dir


def run_dir() -> Path:
    """Where pid files live."""
    return SystemSettings().run_dir


def logs_dir() -> Path:
    """Where service logs live."""
    return SystemSettings().logs_dir


def run_env_file() -> Path:
    """Environment overrides for the clocked services of the current scenario run."""
    return run_dir() / "run-env.json"


def read_run_env() -> dict[str, str]:
    """The current run's environment overrides (empty outside ``dexsim run``)."""
    try:
        found: dict[str, str] = json.loads(run_env_file().read_text())
    except (OSError, ValueError):
        return {}
    return found


def supervisor_pid_file() -> Path:
    """The supervisor's pid file."""
    return run_dir() / "supervisor.pid"


def api_keys_file() -> Path:
    """Development API keys generated for the local system (never committed)."""
    return state_dir() / "api-keys.json"


def dev_api_keys() -> dict[str, str]:
    """Per-sector ingestion keys for the local system: ``{"<provider>:<sector>": key}``.

    Generated once with ``secrets`` and kept in the state folder (mode 0600), so demos, tests
    and load tests on this machine can authenticate; production keys come from settings.
    """
    path = api_keys_file()
    keys: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    # Every sector with an ingestion API gets a key; a sector added since is given one too.
    wanted = {e.manifest.sector.name for e in sectors() if e.manifest.sector and e.manifest.ingest}
    have = {scope.partition(":")[2] for scope in keys}
    missing = sorted(wanted - have)
    if missing or not path.exists():
        keys.update({f"local-{s}:{s}": secrets.token_urlsafe(24) for s in missing})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(keys, indent=2))
        path.chmod(0o600)
    return keys


def read_pid(path: Path) -> int | None:
    """The live pid recorded in ``path``, if any."""
    try:
        pid = int(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def service_env(entry: ServiceEntry) -> dict[str, str]:
    """The environment of one service process."""
    env = dict(os.environ)
    prefix = f"DEXSIM_{entry.name.upper()}_"
    env.setdefault(prefix + "HTTP_PORT", str(entry.port))
    sector = entry.manifest.sector.name if entry.manifest.sector else entry.name
    keys = {s: key for s, key in dev_api_keys().items() if s.partition(":")[2] == sector}
    env.setdefault(prefix + "API_KEYS", json.dumps(keys))
    env["PYTHONUNBUFFERED"] = "1"
    return env


#: Where Prometheus serves when ``dexsim up`` starts it (loopback only).
PROMETHEUS_ADDRESS = "127.0.0.1:9090"


def prometheus_argv() -> list[str] | None:
    """The command that runs Prometheus on the project's config, if a binary is installed."""
    binary = shutil.which("prometheus")
    if binary is None:
        return None
    return [
        binary,
        f"--config.file={PROJECT_ROOT / 'deploy' / 'prometheus' / 'prometheus.yml'}",
        f"--web.listen-address={PROMETHEUS_ADDRESS}",
        f"--storage.tsdb.path={state_dir() / 'prometheus'}",
        "--storage.tsdb.retention.time=2d",
    ]


@dataclass
class Child:
    """One supervised process: a service, or Prometheus."""

    name: str
    argv: list[str]
    env: dict[str, str]
    clocked: bool = False
    proc: subprocess.Popen[bytes] | None = None
    held: bool = False
    restarts: list[float] = field(default_factory=list)
    given_up: bool = False

    @classmethod
    def service(cls, entry: ServiceEntry) -> Child:
        """A dexsim service, run the one way every service runs."""
        argv = [sys.executable, "-m", "dexsim.serve", entry.name]
        return cls(entry.name, argv, service_env(entry), clocked=entry.clocked)

    def start(self) -> None:
        """Start (or restart) the process, appending to its log."""
        logs_dir().mkdir(parents=True, exist_ok=True)
        run_dir().mkdir(parents=True, exist_ok=True)
        out = (logs_dir() / f"{self.name}.log").open("ab")
        # A clocked service takes the current run's settings (fusion, tick-sync) at every start.
        env = {**self.env, **read_run_env()} if self.clocked else self.env
        self.proc = subprocess.Popen(
            self.argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=PROJECT_ROOT,
        )
        (run_dir() / f"{self.name}.pid").write_text(str(self.proc.pid))
        log.info("started %s (pid %d)", self.name, self.proc.pid)

    def check(self) -> None:
        """Restart the process if it died, unless it keeps crashing."""
        if self.proc is None or self.given_up or self.held or self.proc.poll() is None:
            return
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S]
        if len(self.restarts) >= MAX_RESTARTS:
            log.error(
                "%s exited %d times within %.0fs; not restarting it (see its log)",
                self.name,
                MAX_RESTARTS,
                RESTART_WINDOW_S,
            )
            self.given_up = True
            return
        log.warning("%s exited with code %s; restarting", self.name, self.proc.returncode)
        self.restarts.append(now)
        self.start()

    def stop(self) -> None:
        """Ask the process to stop (SIGTERM)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> None:
        """Wait for the process to end; kill it after ``timeout`` seconds."""
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=max(0.1, timeout))
        except subprocess.TimeoutExpired:
            log.warning("%s did not stop in time; killing it", self.name)
            self.proc.kill()
            self.proc.wait()
        (run_dir() / f"{self.name}.pid").unlink(missing_ok=True)


class Supervisor:
    """Runs every registered service and keeps it running until told to stop."""

    def __init__(self, entries: tuple[ServiceEntry, ...] | None = None) -> None:
        self.children = [Child.service(e) for e in (services() if entries is None else entries)]
        prometheus = prometheus_argv()
        if prometheus is not None and SystemSettings().dexsim_prometheus == "on":
            self.children.append(Child("prometheus", prometheus, dict(os.environ)))
        self.stopping = False
        self.requests: list[int] = []

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def _on_request(self, signum: int, frame: FrameType | None) -> None:
        self.requests.append(signum)

    def _serve_requests(self) -> None:
        """SIGUSR1: stop the clocked services and hold them; SIGUSR2: start them again.

        ``dexsim run`` uses this to restart only what a run needs fresh (the dashboard and
        Prometheus keep running for the audience), with the run's settings in between.
        """
        while self.requests:
            signum = self.requests.pop(0)
            clocked = [c for c in self.children if c.clocked]
            if signum == signal.SIGUSR1:
                for child in clocked:
                    child.held = True
                    child.stop()
                deadline = time.monotonic() + STOP_TIMEOUT_S
                for child in clocked:
                    child.wait_stopped(deadline - time.monotonic())
                log.info("clocked services stopped and held")
            elif signum == signal.SIGUSR2:
                for child in clocked:
                    child.held, child.given_up, child.restarts = False, False, []
                    if child.proc is None or child.proc.poll() is not None:
                        child.start()

    def run(self) -> int:
        """Start all children, supervise them, and stop them all on SIGTERM/SIGINT."""
        signal.signal(signal.SIGTERM, self._on_signal)
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGUSR1, self._on_request)
        signal.signal(signal.SIGUSR2, self._on_request)
        dev_api_keys()
        for child in self.children:
            child.start()
        while not self.stopping:
            time.sleep(0.2)
            self._serve_requests()
            for child in self.children:
                if not self.stopping:
                    child.check()
        log.info("stopping %d services", len(self.children))
        for child in self.children:
            child.stop()
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for child in self.children:
            child.wait_stopped(deadline - time.monotonic())
        return 0


def main() -> int:
    """Entry point of the detached supervisor process."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s supervisor: %(message)s"
    )
    run_dir().mkdir(parents=True, exist_ok=True)
    supervisor_pid_file().write_text(str(os.getpid()))
    try:
        return Supervisor().run()
    finally:
        with contextlib.suppress(FileNotFoundError):
            supervisor_pid_file().unlink()


if __name__ == "__main__":
    sys.exit(main())
