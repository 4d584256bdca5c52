"""Build and run a dexsim service from its manifest (one way to start every service)."""

from shared.runtime.ingest import BrokerUnavailableError, IngestPath
from shared.runtime.manifest import (
    Agent,
    LoadClock,
    LoadContext,
    LoadProfile,
    Manifest,
    Paired,
    Persisted,
    state_of,
)
from shared.runtime.service import Outbox, ServiceRuntime, Sink, build

__all__ = [
    "Agent",
    "BrokerUnavailableError",
    "IngestPath",
    "LoadClock",
    "LoadContext",
    "LoadProfile",
    "Manifest",
    "Outbox",
    "Paired",
    "Persisted",
    "ServiceRuntime",
    "Sink",
    "build",
    "state_of",
]
