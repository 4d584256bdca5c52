"""Build and run a dexsim service from its spec (one way to start every service)."""

from shared.runtime.service import (
    BatchHandler,
    BrokerUnavailableError,
    Outbox,
    ServiceRuntime,
    ServiceSpec,
    Sink,
    build,
)

__all__ = [
    "BatchHandler",
    "BrokerUnavailableError",
    "Outbox",
    "ServiceRuntime",
    "ServiceSpec",
    "Sink",
    "build",
]
