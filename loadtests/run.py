"""``python -m loadtests.run``: a headless Locust run with a verdict, or the web UI (``--ui``).

Headless (``make load``): makes sure the system answers (``dexsim up`` when it does not and no
``DEXSIM_LOAD_URLS`` was given), runs the chosen shape for a bounded time and user count, writes
Locust's HTML report and CSV statistics under ``--out`` (default ``reports/load/``), checks
``loadtests/slo.yaml`` and exits non-zero, naming each broken objective, when any is broken.

``--ui`` (``make load-ui``) serves Locust's web UI on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from rich.console import Console

from dexsim.registry import sectors
from loadtests.settings import LoadSettings
from loadtests.shapes import SHAPES
from loadtests.slo import SLO_FILE
from shared.settings import PROJECT_ROOT

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
DEFAULT_OUT = PROJECT_ROOT / "reports" / "load"
#: Bounds of a run: this is a load test of one machine's loopback, not a stress test.
MAX_USERS = 200
MAX_SECONDS = 1800
UI_PORT = 8089

console = Console()


def _urls() -> dict[str, str]:
    given = LoadSettings().urls
    if given:
        return given
    return {e.name: f"http://127.0.0.1:{e.port}" for e in sectors() if e.manifest.load}


def _not_ready(urls: dict[str, str]) -> list[str]:
    down = []
    for name, url in urls.items():
        try:
            ok = httpx.get(url + "/readyz", timeout=2.0).status_code == 200
        except httpx.HTTPError:
            ok = False
        if not ok:
            down.append(name)
    return down


def ensure_system(start: bool) -> None:
    """Start the system with ``dexsim up`` when a sector service does not answer (if allowed)."""
    urls = _urls()
    for name, url in urls.items():
        host = httpx.URL(url).host
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit(f"error: {name} at {url} is not on loopback; load runs are local only")
    down = _not_ready(urls)
    if not down:
        return
    if not start or LoadSettings().urls:
        raise SystemExit(f"error: not ready: {', '.join(down)} (start them: dexsim up)")
    console.print(f"not ready: {', '.join(down)}; starting the system (dexsim up)")
    done = subprocess.run([sys.executable, "-m", "dexsim.cli", "up"], cwd=PROJECT_ROOT, check=False)
    if done.returncode != 0 or _not_ready(urls):
        raise SystemExit("error: the system did not come up; see .dexsim/logs/")


def locust_argv(args: argparse.Namespace) -> list[str]:
    """The Locust command line of this run."""
    argv = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "INFO"]
    if args.ui:
        return [*argv, "--web-host", "127.0.0.1", "--web-port", str(args.ui_port)]
    out: Path = args.out
    return [
        *argv,
        "--headless",
        "--only-summary",
        "--users", str(args.users),
        "--spawn-rate", str(max(1, args.users // 5)),
        "--run-time", f"{int(args.seconds) + 5}s",
        "--stop-timeout", "5",
        "--html", str(out / "report.html"),
        "--csv", str(out / "locust"),
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Parse options, make sure the system runs, run Locust, report the verdict."""
    p = argparse.ArgumentParser(prog="python -m loadtests.run", description=__doc__.split("\n")[0])
    p.add_argument("--shape", choices=sorted(SHAPES), default="steady")
    p.add_argument("--users", type=int, default=30, help=f"peak users (at most {MAX_USERS})")
    p.add_argument("--seconds", type=float, default=60, help=f"run time (at most {MAX_SECONDS})")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report and CSV folder")
    p.add_argument("--slo", type=Path, default=SLO_FILE, help="SLO thresholds")
    p.add_argument("--no-start", action="store_true", help="fail instead of running dexsim up")
    p.add_argument("--ui", action="store_true", help="serve Locust's web UI on 127.0.0.1")
    p.add_argument("--ui-port", type=int, default=UI_PORT)
    args = p.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS or not 1 <= args.seconds <= MAX_SECONDS:
        p.error(f"--users must be 1..{MAX_USERS} and --seconds 1..{MAX_SECONDS}")
    ensure_system(start=not args.no_start)
    args.out.mkdir(parents=True, exist_ok=True)
    verdict = args.out / "verdict.json"
    verdict.unlink(missing_ok=True)
    env = {
        **os.environ,
        "DEXSIM_LOAD_SLO": str(args.slo),
        "DEXSIM_LOAD_VERDICT": str(verdict),
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])
        ),
    }
    if not args.ui:
        env.update(
            DEXSIM_LOAD_SHAPE=args.shape,
            DEXSIM_LOAD_USERS=str(args.users),
            DEXSIM_LOAD_SECONDS=str(args.seconds),
        )
    else:
        console.print(f"Locust web UI: http://127.0.0.1:{args.ui_port} (Ctrl-C to stop)")
    code = subprocess.run(locust_argv(args), env=env, cwd=PROJECT_ROOT, check=False).returncode
    if args.ui:
        return code
    if verdict.exists():
        doc = json.loads(verdict.read_text())
        for line in doc["violations"]:
            console.print(f"[red]SLO broken:[/] {line}")
        console.print("[green]SLO met[/]" if doc["passed"] else "[red]SLO not met[/]")
    console.print(f"report: {args.out / 'report.html'}  CSV: {args.out / 'locust_stats.csv'}")
    return code


if __name__ == "__main__":
    sys.exit(main())
