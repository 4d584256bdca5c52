"""Which services exist, where their spec lives, and the port each listens on by default."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass

from shared.runtime.service import ServiceSpec


@dataclass(frozen=True)
class ServiceEntry:
    """A service ``dexsim up`` can start."""

    name: str
    module: str
    base_port: int
    #: Part of a scenario run: the clock waits for its watermarks, ``run_env`` sets its fusion
    #: and tick-sync, the report counts its events. The dashboard only watches.
    clocked: bool = True

    @property
    def port(self) -> int:
        """The port ``dexsim up`` gives it: the base port plus ``DEXSIM_PORT_OFFSET``.

        The offset lets a second system (the end-to-end tests, say) run beside a demo.
        """
        return self.base_port + int(os.environ.get("DEXSIM_PORT_OFFSET", "0"))


#: Every service, in start order (producers of an event before its consumers).
SERVICES: tuple[ServiceEntry, ...] = (
    ServiceEntry("weather", "services.weather.service", 8101),
    ServiceEntry("agriculture", "services.agriculture.service", 8102),
    ServiceEntry("transport", "services.transport.service", 8103),
    ServiceEntry("emergency", "services.emergency.service", 8104),
    ServiceEntry("referee", "services.referee.service", 8105),
    ServiceEntry("dashboard", "services.dashboard.service", 8080, clocked=False),
)


def entry(name: str) -> ServiceEntry:
    """The registry entry for ``name``, with a clear error for an unknown service."""
    for e in SERVICES:
        if e.name == name:
            return e
    known = ", ".join(e.name for e in SERVICES)
    raise KeyError(f"unknown service {name!r}; known services: {known}")


def load_spec(name: str) -> ServiceSpec:
    """Import a service's ``SPEC``."""
    spec = importlib.import_module(entry(name).module).SPEC
    if not isinstance(spec, ServiceSpec):
        raise TypeError(f"{entry(name).module}.SPEC is not a ServiceSpec")
    return spec
