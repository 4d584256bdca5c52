"""The registry of services: every ``services/<name>/service.py`` that declares a ``MANIFEST``.

Nothing lists services by hand. A folder of ``services/`` with a ``service.py`` is a service; its
manifest says its port, whether the clock waits for it, what it reads and publishes, its
ingestion paths and load payloads. The supervisor, the runner, the bench, the load tests and the
generated files (the Prometheus scrape file, the README's service table) all derive from here.
This is the only module that imports the services' manifests.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from shared.runtime.manifest import Manifest
from shared.settings import PROJECT_ROOT, SystemSettings

SERVICES_DIR = PROJECT_ROOT / "services"


@dataclass(frozen=True)
class ServiceEntry:
    """A service ``dexsim up`` can start: its manifest and where it lives."""

    manifest: Manifest[Any]
    module: str

    @property
    def name(self) -> str:
        """The service's name."""
        return self.manifest.name

    @property
    def base_port(self) -> int:
        """The manifest's port, before ``DEXSIM_PORT_OFFSET``."""
        return self.manifest.port

    @property
    def port(self) -> int:
        """The port in this system: the manifest's port plus ``DEXSIM_PORT_OFFSET``.

        The offset lets a second system (the end-to-end tests, say) run beside a demo.
        """
        return SystemSettings().port(self.manifest.port)

    @property
    def clocked(self) -> bool:
        """Part of a scenario run: the clock waits for its watermarks."""
        return self.manifest.clocked


def _discover(root: Path) -> tuple[ServiceEntry, ...]:
    found: list[ServiceEntry] = []
    for path in sorted(root.glob("*/service.py")):
        module = f"services.{path.parent.name}.service"
        manifest = getattr(importlib.import_module(module), "MANIFEST", None)
        if not isinstance(manifest, Manifest):
            raise TypeError(f"{module} declares no MANIFEST (a shared.runtime.Manifest)")
        if manifest.name != path.parent.name:
            raise ValueError(f"{module}: MANIFEST.name {manifest.name!r} is not its folder's name")
        found.append(ServiceEntry(manifest, module))
    ports = [e.base_port for e in found]
    twice = {p for p in ports if ports.count(p) > 1}
    if twice:
        raise ValueError(f"two services share a port: {sorted(twice)}")
    # Start order: the clocked services by port (producers were given the lower ports), then
    # the watchers.
    return tuple(sorted(found, key=lambda e: (not e.clocked, e.base_port)))


@cache
def services() -> tuple[ServiceEntry, ...]:
    """Every service, in start order."""
    return _discover(SERVICES_DIR)


def clocked() -> tuple[ServiceEntry, ...]:
    """The services a scenario run restarts and the clock waits for."""
    return tuple(e for e in services() if e.clocked)


def entry(name: str) -> ServiceEntry:
    """The registry entry for ``name``, with a clear error for an unknown service."""
    for e in services():
        if e.name == name:
            return e
    known = ", ".join(e.name for e in services())
    raise KeyError(f"unknown service {name!r}; known services: {known}")


def sectors() -> tuple[ServiceEntry, ...]:
    """The services that decide for one of the plan's sectors."""
    return tuple(e for e in services() if e.manifest.sector is not None)
