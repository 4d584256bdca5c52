"""Run one service: ``python -m dexsim.serve <name>`` (what ``dexsim up`` starts)."""

from __future__ import annotations

import argparse
import logging
import sys

import uvicorn

from dexsim.registry import entry
from shared.logs import configure
from shared.runtime import build
from shared.settings import ConfigError, load


def main(argv: list[str] | None = None) -> int:
    """Parse the service name, validate its settings, and serve it until stopped."""
    parser = argparse.ArgumentParser(prog="python -m dexsim.serve")
    parser.add_argument("service", help="service name, e.g. weather")
    args = parser.parse_args(argv)
    try:
        found = entry(args.service)
        manifest = found.manifest
        settings = load(manifest.settings)
    except (KeyError, ConfigError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    # The port: DEXSIM_<NAME>_HTTP_PORT when set, else the manifest's plus the system's offset.
    port = settings.http_port or found.port
    configure(manifest.name, level=settings.log_level, json_lines=settings.log_json)
    api, _ = build(manifest, settings)
    logging.getLogger(__name__).info(
        "%s listening on http://%s:%d", manifest.name, settings.http_host, port
    )
    uvicorn.run(
        api,
        # uvloop when it is installed (it is a dependency on Linux and macOS), else asyncio
        loop="auto",
        host=settings.http_host,
        port=port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=20,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
