"""Settings: one pydantic-settings mechanism for every service, validated when the process starts.

Each service reads ``DEXSIM_<SERVICE>_<FIELD>`` (for example ``DEXSIM_WEATHER_HTTP_PORT``).
``KAFKA_BOOTSTRAP_SERVERS`` is shared: when set, every service uses that cluster and the
embedded local broker is not started.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Project root (the folder holding pyproject.toml), used for the state folder.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Where the local broker and supervised services keep data, logs and pid files.
DEFAULT_STATE_DIR = PROJECT_ROOT / ".dexsim"

#: Port of the embedded local broker's client listener.
DEFAULT_LOCAL_KAFKA_PORT = 39092


T = TypeVar("T", bound=BaseSettings)


class ConfigError(RuntimeError):
    """Bad configuration, with a message that names the environment variable to fix."""


class SystemSettings(BaseSettings):
    """Settings of the whole local system: the cluster, the state folder, ports, Prometheus.

    Every process reads them the same way (services, the operator's ``dexsim`` command, tests).
    """

    model_config = SettingsConfigDict(env_prefix="", frozen=True, extra="ignore")

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        description="host:port[,host:port] of an existing cluster; unset = embedded local broker",
    )
    dexsim_state_dir: Path = Field(default=DEFAULT_STATE_DIR)
    dexsim_kafka_port: int = Field(default=DEFAULT_LOCAL_KAFKA_PORT, ge=1024, le=65535)
    dexsim_kafka_brokers: int | None = Field(
        default=None,
        ge=1,
        le=5,
        description="Brokers in the cluster; unset = as many as the embedded cluster was made "
        "with (dexsim kafka up --brokers N), else 1. Topics get replication factor "
        "min(3, brokers) and, replicated, min.insync.replicas 2",
    )
    dexsim_kafka_heap: str = Field(
        default="768m", pattern=r"^\d+[mg]$", description="The local broker's JVM heap"
    )
    dexsim_group_prefix: str = Field(
        default="dexsim",
        pattern=r"^[a-z0-9][a-z0-9-]{0,40}$",
        description="Consumer groups are '<prefix>-<service>': one system per prefix on a cluster",
    )
    dexsim_port_offset: int = Field(
        default=0, ge=0, le=50_000, description="Added to every service's default port"
    )
    dexsim_prometheus: Literal["on", "off"] = Field(
        default="on", description="Whether `dexsim up` starts Prometheus (when installed)"
    )
    dexsim_allow_non_loopback: bool = Field(
        default=False, description="Let services bind to interfaces other than loopback"
    )
    dexsim_state_key: SecretStr | None = Field(
        default=None,
        description="Key that signs the services' state snapshots; unset = one generated in "
        "the state folder",
    )

    @property
    def state_dir(self) -> Path:
        """The state folder: broker data, logs, pid files."""
        return self.dexsim_state_dir.resolve()

    @property
    def run_dir(self) -> Path:
        """Where pid files and the current run's settings live."""
        return self.state_dir / "run"

    @property
    def logs_dir(self) -> Path:
        """Where the supervised processes' logs live."""
        return self.state_dir / "logs"

    def port(self, base_port: int) -> int:
        """A service's port in this system: its manifest's port plus the offset."""
        return base_port + self.dexsim_port_offset

    def group_id(self, service: str) -> str:
        """The consumer group (and faust app id) of a service in this system."""
        return f"{self.dexsim_group_prefix}-{service}"

    @field_validator("kafka_bootstrap_servers")
    @classmethod
    def _check_servers(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        for server in value.split(","):
            host, sep, port = server.strip().rpartition(":")
            if not sep or not host or not port.isdigit():
                raise ValueError(f"{server!r} is not host:port")
        return value.strip()

    @property
    def cluster_file(self) -> Path:
        """Where the embedded cluster records how many brokers it was made with."""
        return self.state_dir / "kafka" / "brokers"

    @property
    def brokers(self) -> int:
        """Brokers in the cluster: the setting, else the embedded cluster's size, else 1."""
        if self.dexsim_kafka_brokers is not None:
            return self.dexsim_kafka_brokers
        try:
            return max(1, int(self.cluster_file.read_text().strip()))
        except (OSError, ValueError):
            return 1

    @property
    def replication_factor(self) -> int:
        """Replicas of every topic: min(3, brokers)."""
        return min(3, self.brokers)

    @property
    def topic_config(self) -> dict[str, str]:
        """Settings every topic is created with: with replicas, two must have each write."""
        return {"min.insync.replicas": "2"} if self.replication_factor >= 3 else {}

    @property
    def external(self) -> bool:
        """True when an existing cluster was named, so nothing local is started."""
        return self.kafka_bootstrap_servers is not None

    @property
    def bootstrap_servers(self) -> str:
        """The bootstrap servers every client should use."""
        if self.kafka_bootstrap_servers:
            return self.kafka_bootstrap_servers
        return ",".join(f"127.0.0.1:{port}" for port in self.local_broker_ports)

    @property
    def local_broker_ports(self) -> list[int]:
        """Client ports of the embedded brokers: the Kafka port, then every second one after.

        (Each broker's controller listens on its client port plus one.)
        """
        return [self.dexsim_kafka_port + 2 * i for i in range(self.brokers)]


class ServiceSettings(BaseSettings):
    """Settings common to every service; subclass per service with its own env prefix."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    http_host: str = Field(default="127.0.0.1", description="Interface the HTTP API binds to")
    http_port: int | None = Field(
        default=None, ge=1, le=65535, description="Unset: the manifest's port plus the offset"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = Field(default=False, description="One JSON object per log line")
    fusion: bool = Field(default=True, description="Fused path may read cross-sector events")
    dedupe_window: int = Field(default=100_000, ge=1000, description="event_ids remembered")
    dedupe_max_age_s: float = Field(
        default=3600.0,
        ge=60,
        description="Event ids are forgotten this long after they were seen (wall time), "
        "whatever the window's count",
    )
    batch_size: int = Field(default=500, ge=1, le=100_000, description="Largest batch read at once")
    batch_timeout_s: float = Field(
        default=0.01,
        gt=0,
        le=10,
        description="The faust path's longest wait to fill a batch (it sets that path's "
        "latency; the batch path hands over whatever a fetch brought at once)",
    )
    consumer: Literal["batch", "faust"] = Field(
        default="batch",
        description="The data path: 'batch' reads with aiokafka getmany and hands whole "
        "fetches to the agents; 'faust' reads through faust's per-message streams (slower; "
        "kept to compare, see dexsim bench --consumer)",
    )
    commit_interval_s: float = Field(
        default=1.0, gt=0, le=60, description="How often the batch path commits its offsets"
    )
    tick_sync: bool = Field(
        default=False,
        description="Hold events until their simulated tick completes and handle them in a "
        "fixed order (deterministic scenario runs; dexsim run turns it on)",
    )
    send_timeout_s: float = Field(default=5.0, gt=0, le=120, description="Wait for broker ack")
    session_timeout_s: float = Field(
        default=10.0,
        ge=6,
        le=300,
        description="Consumer-group session timeout: how soon the broker gives a killed "
        "process's partitions to its restarted successor (the broker's minimum is 6 s)",
    )
    snapshot_interval_s: float = Field(
        default=1.0,
        gt=0,
        le=600,
        description="How often the service snapshots its state while it changes (a restart "
        "handles again at most this much of its input)",
    )
    broker_wait_s: float = Field(
        default=180.0,
        ge=0,
        le=3600,
        description="How long the service waits for an unreachable broker at start before "
        "it gives up",
    )
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="JSON object mapping '<provider>:<sector>' -> API key for ingestion",
    )

    @field_validator("http_host")
    @classmethod
    def _loopback_only(cls, value: str) -> str:
        if (
            value not in {"127.0.0.1", "localhost", "::1"}
            and not SystemSettings().dexsim_allow_non_loopback
        ):
            raise ValueError(
                "binds to loopback only; set DEXSIM_ALLOW_NON_LOOPBACK=1 to serve on other "
                "interfaces (e.g. inside a container)"
            )
        return value


def load(cls: type[T]) -> T:
    """Build settings from the environment, turning a validation error into a clear message."""
    try:
        return cls()
    except ValidationError as exc:
        prefix = cls.model_config.get("env_prefix", "")
        problems = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "?"
            var = f"{prefix}{field}".upper()
            problems.append(f"  {var}: {err['msg']} (got {err.get('input')!r})")
        raise ConfigError(
            f"invalid configuration for {cls.__name__}:\n" + "\n".join(problems)
        ) from None
