"""Service-level objectives of a load run (``loadtests/slo.yaml``) and their verdict."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: The SLO file a run checks unless told otherwise.
SLO_FILE = Path(__file__).resolve().parent / "slo.yaml"


@dataclass(frozen=True)
class Row:
    """One line of Locust's statistics: a request type and name with its counts and times."""

    method: str
    name: str
    requests: int
    failures: int
    p95_ms: float
    p99_ms: float

    @property
    def key(self) -> str:
        """How the SLO file names it: ``"<type> <name>"``."""
        return f"{self.method} {self.name}"


def load_slo(path: Path = SLO_FILE) -> dict[str, Any]:
    """The thresholds, checked for shape so that a typo does not pass silently."""
    doc: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    unknown = set(doc) - {"error_rate", "requests", "e2e"}
    if unknown or not isinstance(doc.get("error_rate"), int | float):
        raise ValueError(f"{path}: needs error_rate (number), requests, e2e; unknown: {unknown}")
    for section in ("requests", "e2e"):
        for name, limits in (doc.get(section) or {}).items():
            bad = set(limits) - {"p95_ms", "p99_ms", "min_samples"}
            if bad:
                raise ValueError(f"{path}: {section}.{name}: unknown thresholds {sorted(bad)}")
    return doc


def violations(slo: dict[str, Any], rows: Iterable[Row]) -> list[str]:
    """Every broken objective, one readable line each (empty: the run passes)."""
    rows = list(rows)
    by_key = {r.key: r for r in rows}
    broken: list[str] = []
    total = sum(r.requests for r in rows)
    failed = sum(r.failures for r in rows)
    rate = failed / total if total else 0.0
    if rate > slo["error_rate"]:
        broken.append(
            f"error rate {rate:.2%} ({failed} of {total}) > {slo['error_rate']:.2%} allowed"
        )
    for section in ("requests", "e2e"):
        for key, limits in (slo.get(section) or {}).items():
            row = by_key.get(key)
            need = int(limits.get("min_samples", 0))
            if row is None or row.requests - row.failures < need:
                if need:
                    got = 0 if row is None else row.requests - row.failures
                    broken.append(f"{key}: {got} successful samples < {need} required")
                continue
            for q in ("p95_ms", "p99_ms"):
                limit = limits.get(q)
                value = getattr(row, q)
                if limit is not None and value > limit:
                    broken.append(f"{key}: {q[:3]} {value:.0f} ms > {limit} ms")
    return broken


def rows_from_locust(stats: Any) -> list[Row]:
    """Rows from a Locust ``RequestStats`` (its per-request entries, not the aggregate)."""
    return [
        Row(
            method=e.method,
            name=e.name,
            requests=e.num_requests,
            failures=e.num_failures,
            p95_ms=e.get_response_time_percentile(0.95) or 0.0,
            p99_ms=e.get_response_time_percentile(0.99) or 0.0,
        )
        for e in stats.entries.values()
    ]
