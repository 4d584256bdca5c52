"""The SLO verdict: which objectives a run's statistics break, named one per line."""

from __future__ import annotations

from loadtests.slo import SLO_FILE, Row, load_slo, violations

SLO = {
    "error_rate": 0.01,
    "requests": {"POST /ingest/observations": {"p95_ms": 250, "p99_ms": 500}},
    "e2e": {"E2E observation->warning": {"p99_ms": 1000, "min_samples": 3}},
}


def row(name: str, *, n: int = 100, failed: int = 0, p95: float = 10, p99: float = 20) -> Row:
    method, _, rest = name.partition(" ")
    return Row(method, rest, n, failed, p95, p99)


def test_a_run_within_every_objective_passes() -> None:
    rows = [row("POST /ingest/observations"), row("E2E observation->warning", n=5, p99=300)]
    assert violations(SLO, rows) == []


def test_each_broken_objective_is_named() -> None:
    rows = [
        row("POST /ingest/observations", failed=5, p95=300, p99=900),
        row("E2E observation->warning", n=5, p99=1500),
    ]
    broken = violations(SLO, rows)
    assert any(b.startswith("error rate 4.76%") for b in broken), broken
    assert "POST /ingest/observations: p95 300 ms > 250 ms" in broken
    assert "POST /ingest/observations: p99 900 ms > 500 ms" in broken
    assert "E2E observation->warning: p99 1500 ms > 1000 ms" in broken


def test_too_few_end_to_end_samples_break_the_run() -> None:
    broken = violations(SLO, [row("E2E observation->warning", n=3, failed=2)])
    assert "E2E observation->warning: 1 successful samples < 3 required" in broken


def test_the_shipped_slo_file_is_well_formed() -> None:
    slo = load_slo(SLO_FILE)
    assert 0 < slo["error_rate"] < 1
    assert "E2E observation->warning" in slo["e2e"]
