"""Run one service: ``python -m shared.runtime <name>`` (what ``dexsim up`` starts)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import uvicorn

from shared.logs import configure
from shared.runtime.registry import entry, load_spec
from shared.runtime.service import build
from shared.settings import ConfigError, load


def main(argv: list[str] | None = None) -> int:
    """Parse the service name, validate its settings, and serve it until stopped."""
    parser = argparse.ArgumentParser(prog="python -m shared.runtime")
    parser.add_argument("service", help="service name, e.g. weather")
    args = parser.parse_args(argv)
    try:
        reg = entry(args.service)
        spec = load_spec(args.service)
        prefix = spec.settings_cls.model_config.get("env_prefix", "")
        os.environ.setdefault(f"{prefix}HTTP_PORT".upper(), str(reg.port))
        settings = load(spec.settings_cls)
    except (KeyError, ConfigError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    configure(spec.name, level=settings.log_level, json_lines=settings.log_json)
    api, _ = build(spec, settings)
    logging.getLogger(__name__).info(
        "%s listening on http://%s:%d", spec.name, settings.http_host, settings.http_port
    )
    uvicorn.run(
        api,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=20,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
