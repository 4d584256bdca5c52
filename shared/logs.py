"""Structured logging set-up, shared by every service and the CLI."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime

#: The Kafka client libraries: while a broker is away they log the same line many times a second.
CLIENT_LOGGERS = ("aiokafka", "faust", "mode", "kafka")


class RepeatLimit(logging.Filter):
    """Lets one record of each kind through per ``interval_s``, then says how many it held back.

    A kind is the logger, the level and the message's template (not its arguments), so a
    client's retry line is shown once per interval however often it is logged. Only the Kafka
    clients' loggers are limited; the project's own lines always pass.
    """

    def __init__(
        self, interval_s: float = 10.0, prefixes: tuple[str, ...] = CLIENT_LOGGERS
    ) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.prefixes = prefixes
        self._last: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """True to emit ``record``; a repeat within the interval is counted and dropped."""
        if not record.name.startswith(self.prefixes):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        last, held = self._last.get(kind, (-self.interval_s, 0))
        if now - last < self.interval_s:
            self._last[kind] = (last, held + 1)
            return False
        self._last[kind] = (now, 0)
        if held:
            record.msg = f"{record.msg} ({held} more like this in the last {now - last:.0f} s)"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the service name."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a JSON line."""
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def configure(service: str, *, level: str = "INFO", json_lines: bool = False) -> None:
    """Send logs to stderr, as JSON lines or as readable text tagged with the service."""
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter(service))
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s %(levelname)s [{service}] %(name)s: %(message)s")
        )
    handler.addFilter(RepeatLimit())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # faust/aiokafka are chatty at INFO about every rebalance step
    for noisy in ("aiokafka", "faust", "mode", "kafka"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))


def configure_cli() -> None:
    """The command line's logging: warnings and up on stderr, client repeats limited."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RepeatLimit())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
