"""The embedded default broker: a real Apache Kafka 3.9.x in KRaft combined mode, on loopback.

Jars come from Maven Central through ``deploy/kafka/pom.xml`` (fetched once, cached under the
state folder). One broker's data, logs and pid file live in ``<state>/kafka/``; a cluster of
three (``dexsim kafka up --brokers 3``) keeps each node in ``<state>/kafka/node-<n>/``, every
node a broker and a voter of the controller quorum, on the Kafka port and every second port
after it (each node's controller on its port plus one). The cluster's size is recorded in
``<state>/kafka/brokers`` so every process of the system agrees on it. When
``KAFKA_BOOTSTRAP_SERVERS`` is set nothing here starts anything: that cluster is used instead.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from shared.settings import PROJECT_ROOT, SystemSettings

log = logging.getLogger(__name__)

DEPLOY_DIR = PROJECT_ROOT / "deploy" / "kafka"
POM = DEPLOY_DIR / "pom.xml"
READY_TIMEOUT_S = 90.0


class BrokerError(RuntimeError):
    """The local broker could not be fetched, started or stopped; the message says what to do."""


@dataclass(frozen=True)
class BrokerStatus:
    """What ``dexsim kafka status`` reports."""

    bootstrap_servers: str
    external: bool
    pid: int | None
    ready: bool
    home: Path | None

    @property
    def running(self) -> bool:
        """True when a broker answers (or a local process is alive)."""
        return self.ready or self.pid is not None


class LocalKafka:
    """Fetches, formats, starts, checks and stops one local broker in a state folder."""

    def __init__(
        self,
        state_dir: Path,
        port: int,
        *,
        node_id: int = 1,
        voters: str | None = None,
        replication: int = 1,
        home: Path | None = None,
    ) -> None:
        state_dir = state_dir.resolve()
        self.home = home or state_dir / "kafka"
        self.port = port
        self.controller_port = port + 1
        self.node_id = node_id
        self.voters = voters or f"{node_id}@127.0.0.1:{self.controller_port}"
        self.replication = replication
        self.cluster_id_file = state_dir / "kafka" / "cluster-id"
        self.libs = state_dir / "kafka-libs"
        self.data_dir = self.home / "data"
        self.logs_dir = self.home / "logs"
        self.pid_file = self.home / "kafka.pid"
        self.config = self.home / "server.properties"

    @classmethod
    def from_settings(cls, settings: SystemSettings | None = None) -> LocalKafka:
        """The (first) broker named by the settings (``DEXSIM_STATE_DIR``, the Kafka port)."""
        return cluster(settings)[0]

    @property
    def bootstrap_servers(self) -> str:
        """host:port of the client listener."""
        return f"127.0.0.1:{self.port}"

    # ---------------------------------------------------------------- fetch
    def fetch(self) -> Path:
        """Copy the broker jars from Maven Central into the cache (once per pom version)."""
        stamp = self.libs / ".pom-sha256"
        digest = hashlib.sha256(POM.read_bytes()).hexdigest()
        if stamp.exists() and stamp.read_text() == digest and any(self.libs.glob("kafka_2.13-*")):
            return self.libs
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError(
                "Maven (mvn) is not installed; it fetches the Kafka jars from Maven Central. "
                "Install it (Debian: apt-get install maven) or set KAFKA_BOOTSTRAP_SERVERS "
                "to use an existing cluster."
            )
        log.info("fetching Kafka jars from Maven Central into %s", self.libs)
        if self.libs.exists():
            shutil.rmtree(self.libs)
        self.libs.mkdir(parents=True)
        cmd = [
            mvn,
            "-q",
            "-B",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={self.libs}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BrokerError(
                "mvn could not fetch the Kafka jars (is Maven Central reachable?):\n"
                + (proc.stdout + proc.stderr)[-2000:]
            )
        stamp.write_text(digest)
        return self.libs

    # ---------------------------------------------------------------- state
    def pid(self) -> int | None:
        """The broker's pid if its process is alive."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return pid
        # A zombie or a recycled pid is not our broker. (The command line is not checked for
        # kafka.Kafka: the JVM launcher may re-exec itself, hiding it for a moment.)
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return pid
        if stat.rsplit(")", 1)[-1].split()[0] == "Z":
            return None
        return pid if not cmdline or b"java" in cmdline else None

    def port_open(self) -> bool:
        """True when something accepts TCP connections on the client port."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            return sock.connect_ex(("127.0.0.1", self.port)) == 0

    def ready(self) -> bool:
        """True when the broker answers a metadata request (not merely an open port)."""
        if not self.port_open():
            return False
        return asyncio.run(_answers(self.bootstrap_servers))

    def status(self) -> BrokerStatus:
        """Process and readiness of the local broker."""
        return BrokerStatus(self.bootstrap_servers, False, self.pid(), self.ready(), self.home)

    # ---------------------------------------------------------------- up/down
    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise BrokerError(
                "Java is not installed; the local Kafka broker needs Java 17 "
                "(Debian: apt-get install openjdk-17-jre-headless) or set "
                "KAFKA_BOOTSTRAP_SERVERS to use an existing cluster."
            )
        return java

    def _render_config(self) -> None:
        template = Template((DEPLOY_DIR / "server.properties.template").read_text())
        self.config.write_text(
            template.substitute(
                port=self.port,
                controller_port=self.controller_port,
                data_dir=self.data_dir,
                node_id=self.node_id,
                voters=self.voters,
                replication=self.replication,
                min_insync=2 if self.replication >= 3 else 1,
            )
        )

    def _cluster_id(self) -> str:
        """The cluster's id, shared by its nodes (made by the first node formatted)."""
        if self.cluster_id_file.exists():
            return self.cluster_id_file.read_text().strip()
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        self.cluster_id_file.parent.mkdir(parents=True, exist_ok=True)
        self.cluster_id_file.write_text(cluster_id)
        return cluster_id

    def _format(self, java: str) -> None:
        if (self.data_dir / "meta.properties").exists():
            return
        cluster_id = self._cluster_id()
        cmd = [
            java,
            "-cp",
            f"{self.libs}/*",
            f"-Dlog4j.configuration=file:{DEPLOY_DIR}/log4j.properties",
            f"-Dkafka.logs.dir={self.logs_dir}",
            "kafka.tools.StorageTool",
            "format",
            # "=" form: a base64 id may start with "-", which the parser would take for a flag
            f"--cluster-id={cluster_id}",
            "-c",
            str(self.config),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise BrokerError("formatting Kafka storage failed:\n" + proc.stdout + proc.stderr)

    def up(self, *, timeout: float = READY_TIMEOUT_S) -> float:
        """Start the broker unless it already runs; wait until it answers; return seconds taken."""
        started = time.monotonic()
        if self.pid() is not None and self.ready():
            return 0.0
        self.start()
        return self.wait_ready(started, timeout)

    def start(self) -> None:
        """Start the broker's process unless it runs (without waiting for it to answer)."""
        if self.pid() is None and self.port_open():
            raise BrokerError(
                f"port {self.port} is taken by another program; set DEXSIM_KAFKA_PORT to a free "
                "port or KAFKA_BOOTSTRAP_SERVERS to use that cluster"
            )
        java = self._java()
        self.fetch()
        for d in (self.data_dir, self.logs_dir):
            d.mkdir(parents=True, exist_ok=True)
        if self.pid() is None:
            self._render_config()
            self._format(java)
            heap = SystemSettings().dexsim_kafka_heap
            cmd = [
                java,
                f"-Xmx{heap}",
                f"-Xms{heap}",
                "-XX:+UseG1GC",
                "-Djava.awt.headless=true",
                f"-Dlog4j.configuration=file:{DEPLOY_DIR}/log4j.properties",
                f"-Dkafka.logs.dir={self.logs_dir}",
                "-cp",
                f"{self.libs}/*",
                "kafka.Kafka",
                str(self.config),
            ]
            out = (self.logs_dir / "stdout.log").open("ab")
            proc = subprocess.Popen(
                cmd,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                cwd=self.home,
            )
            self.pid_file.write_text(str(proc.pid))
            log.info("started Kafka (pid %d) on %s", proc.pid, self.bootstrap_servers)

    def wait_ready(self, started: float, timeout: float = READY_TIMEOUT_S) -> float:
        """Wait until the broker answers; return the seconds since ``started``."""
        deadline = started + timeout
        while time.monotonic() < deadline:
            if self.pid() is None:
                raise BrokerError(
                    "the Kafka broker exited during start-up; last lines of its log:\n"
                    + self._log_tail()
                )
            if self.ready():
                return time.monotonic() - started
            time.sleep(0.25)
        raise BrokerError(
            f"Kafka did not answer within {timeout:.0f}s; last lines of its log:\n"
            + self._log_tail()
        )

    def down(self, *, timeout: float = 30.0) -> bool:
        """Stop the broker gracefully (SIGTERM, then SIGKILL); return True if one was running.

        Returns once its port is free: a JVM's first thread can look gone (a zombie) while its
        shutdown still holds the listener, and a broker started at once would fail to bind.
        """
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (self.pid() is not None or self.port_open()):
            time.sleep(0.2)
        if self.pid() is not None or self.port_open():
            log.warning("Kafka did not stop within %.0fs; killing it", timeout)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            self._wait_gone(10.0)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _wait_gone(self, timeout: float) -> None:
        """Wait until no process answers for the broker and its port is free."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and (self.pid() is not None or self.port_open()):
            time.sleep(0.1)

    def kill(self) -> bool:
        """``kill -9`` the broker (a crash, for fault tests); return True if one was running."""
        pid = self.pid()
        if pid is None:
            return False
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
        self._wait_gone(10.0)
        return True

    def wipe(self) -> None:
        """Stop the broker and delete its data (the jar cache is kept)."""
        self.down()
        shutil.rmtree(self.home, ignore_errors=True)

    def _log_tail(self, lines: int = 25) -> str:
        for name in ("server.log", "stdout.log"):
            path = self.logs_dir / name
            if path.exists():
                return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
        return "(no log written)"


async def _answers(servers: str, timeout: float = 3.0) -> bool:
    """True when a Kafka cluster at ``servers`` answers a metadata request."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        await asyncio.wait_for(admin.list_topics(), timeout)
        return True
    except Exception:  # any failure to talk to it means "not ready"
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


def cluster(settings: SystemSettings | None = None, brokers: int | None = None) -> list[LocalKafka]:
    """The nodes of the embedded cluster (``brokers`` of them, else the system's size)."""
    s = settings or SystemSettings()
    n = brokers or s.brokers
    state = s.dexsim_state_dir
    if n == 1:
        return [LocalKafka(state, s.dexsim_kafka_port)]
    ports = [s.dexsim_kafka_port + 2 * i for i in range(n)]
    voters = ",".join(f"{i + 1}@127.0.0.1:{port + 1}" for i, port in enumerate(ports))
    home = state.resolve() / "kafka"
    return [
        LocalKafka(
            state,
            port,
            node_id=i + 1,
            voters=voters,
            replication=min(3, n),
            home=home / f"node-{i + 1}",
        )
        for i, port in enumerate(ports)
    ]


def status(settings: SystemSettings | None = None) -> BrokerStatus:
    """Status of whichever cluster the settings point at (ready: every node answers)."""
    s = settings or SystemSettings()
    if s.external:
        ok = asyncio.run(_answers(s.bootstrap_servers))
        return BrokerStatus(s.bootstrap_servers, True, None, ok, None)
    nodes = [n.status() for n in cluster(s)]
    first = nodes[0]
    return BrokerStatus(
        s.bootstrap_servers, False, first.pid, all(n.ready for n in nodes), first.home
    )


def set_size(brokers: int, settings: SystemSettings | None = None) -> None:
    """Record the embedded cluster's size, refusing to change that of an existing cluster.

    KRaft's voters are fixed when a cluster is formatted, so another size means a new cluster.
    """
    s = settings or SystemSettings()
    current = s.brokers
    existing = any((node.data_dir / "meta.properties").exists() for node in cluster(s, current))
    if existing and current != brokers:
        raise BrokerError(
            f"the local cluster in {s.state_dir / 'kafka'} was made with {current} broker(s); "
            f"to run {brokers}, stop it (dexsim down) and delete that folder, or use another "
            "state folder (DEXSIM_STATE_DIR)"
        )
    s.cluster_file.parent.mkdir(parents=True, exist_ok=True)
    s.cluster_file.write_text(f"{brokers}\n")


def ensure_up(settings: SystemSettings | None = None) -> tuple[str, float]:
    """Make sure the cluster answers: the external one, or the local one (started if needed)."""
    s = settings or SystemSettings()
    if s.external:
        if not asyncio.run(_answers(s.bootstrap_servers)):
            raise BrokerError(
                f"KAFKA_BOOTSTRAP_SERVERS={s.bootstrap_servers} does not answer; start that "
                "cluster or unset the variable to use the embedded local broker"
            )
        return s.bootstrap_servers, 0.0
    nodes = cluster(s)
    started = time.monotonic()
    if all(n.pid() is not None and n.ready() for n in nodes):
        return s.bootstrap_servers, 0.0
    # Every node first, then wait: a quorum of several elects its leader only once most run.
    for node in nodes:
        if node.pid() is None:
            node.start()
    took = max(node.wait_ready(started) for node in nodes)
    return s.bootstrap_servers, took


def stop_all(settings: SystemSettings | None = None) -> bool:
    """Stop every node of the local cluster; return True if any was running."""
    return any([node.down() for node in cluster(settings)])
