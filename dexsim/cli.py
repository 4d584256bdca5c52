"""``dexsim``: the command line of the project (broker, services, demo)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from dexsim import runner
from dexsim.localkafka import BrokerError, ensure_up, set_size, stop_all
from dexsim.localkafka import status as broker_status
from dexsim.registry import clocked, entry, services
from dexsim.supervisor import (
    PROMETHEUS_ADDRESS,
    dev_api_keys,
    logs_dir,
    prometheus_argv,
    read_pid,
    run_dir,
    run_env_file,
    supervisor_pid_file,
)
from services.simulator import cli as sim_cli
from shared.logs import configure_cli
from shared.processes import pid_alive
from shared.settings import PROJECT_ROOT, SystemSettings

app = typer.Typer(
    help="dexsim: Jiangxi 'Data Elements x' cross-sector simulation.", no_args_is_help=True
)
kafka_app = typer.Typer(help="The embedded local Kafka broker.", no_args_is_help=True)
app.add_typer(kafka_app, name="kafka")
dlq_app = typer.Typer(help="Dead-letter topics.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")
# The simulator's commands sit at the top level: dexsim scenarios | simulate | bench-sim.
app.command("scenarios")(sim_cli.scenarios)
app.command("calibrate")(sim_cli.calibrate)
scenario_app = typer.Typer(help="A scenario file of your own.", no_args_is_help=True)
scenario_app.command("validate")(sim_cli.validate)
app.add_typer(scenario_app, name="scenario")
app.command("simulate")(sim_cli.simulate)
app.command("bench-sim")(sim_cli.bench)
#: Piped into a file or a CI log, Rich would wrap every table at 80 columns, which truncates the
#: scores table's figures; a terminal keeps its own width (and $COLUMNS still wins).
console = Console(width=None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 160)
err = Console(stderr=True)

READY_TIMEOUT_S = 90.0


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}")
    return typer.Exit(code)


def _rel(path: object) -> str:
    try:
        return str(os.path.relpath(str(path), os.getcwd()))
    except ValueError:
        return str(path)


# ------------------------------------------------------------------------------------ kafka
@kafka_app.command("up")
def kafka_up(
    brokers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=5,
            help="Brokers of the local cluster (KRaft, every node a voter; 3 gives replication "
            "factor 3 and min.insync.replicas 2); default: the existing cluster's size, else 1",
        ),
    ] = None,
) -> None:
    """Start the local broker(s), fetching Kafka from Maven Central once; wait for answers."""
    settings = SystemSettings()
    if settings.external:
        console.print(
            f"KAFKA_BOOTSTRAP_SERVERS is set: using {settings.bootstrap_servers}; nothing started."
        )
    try:
        if brokers is not None and not settings.external:
            set_size(brokers, settings)
            settings = SystemSettings()
        servers, took = ensure_up(settings)
    except BrokerError as exc:
        raise _fail(str(exc)) from None
    if not settings.external:
        note = "already running" if took == 0.0 else f"ready in {took:.1f}s"
        console.print(f"Kafka {servers} [green]{note}[/]")


@kafka_app.command("down")
def kafka_down() -> None:
    """Stop the local broker."""
    settings = SystemSettings()
    if settings.external:
        console.print("KAFKA_BOOTSTRAP_SERVERS is set: the external cluster is not ours to stop.")
        return
    stopped = stop_all(settings)
    console.print("Kafka stopped" if stopped else "Kafka was not running")


@kafka_app.command("status")
def kafka_status() -> None:
    """Say whether the broker runs and answers."""
    st = broker_status()
    where = "external" if st.external else f"local, pid {st.pid}" if st.pid else "local"
    state = "[green]ready[/]" if st.ready else "[red]not answering[/]"
    console.print(f"Kafka {st.bootstrap_servers} ({where}): {state}")
    if not st.ready:
        raise typer.Exit(1)


# -------------------------------------------------------------------------------------- dlq
@dlq_app.command("replay")
def dlq_replay(
    topic: Annotated[str, typer.Argument(help="A registered topic, or its .dlq")],
    reason: Annotated[
        str | None,
        typer.Option(help="Only dead letters of this reason (handler_error, invalid, not_json...)"),
    ] = None,
    dry_run: Annotated[bool, typer.Option(help="Count what would be sent; send nothing")] = False,
    from_start: Annotated[
        bool, typer.Option(help="Replay every dead letter again, not only those since last time")
    ] = False,
) -> None:
    """Put a topic's dead letters back on it once the fault is fixed (each event decided once).

    Replay remembers where it stopped, so a second replay sends only newer dead letters; those
    of another reason than --reason are passed over.
    """
    from dexsim import dlq

    try:
        done = asyncio.run(dlq.replay(topic, reason=reason, dry_run=dry_run, from_start=from_start))
    except dlq.ReplayError as exc:
        raise typer.BadParameter(str(exc), param_hint="TOPIC") from None
    except Exception as exc:  # the broker is away: one clear line
        raise _fail(f"replay of {topic} failed: {type(exc).__name__}: {exc}") from None
    verb = "would send" if dry_run else "sent"
    sent = ", ".join(f"{n} {why}" for why, n in sorted(done.sent.items())) or "nothing"
    console.print(f"{done.dlq}: {verb} back to {done.topic}: {sent}")
    if done.skipped:
        left = ", ".join(f"{n} {why}" for why, n in sorted(done.skipped.items()))
        console.print(f"passed over (another reason): {left}")


# --------------------------------------------------------------------------------- services
def _service_ready(port: int, name: str | None = None) -> tuple[bool, str]:
    """Whether the service on ``port`` is ready, and, given its name, this system's service.

    A process of another system (another state folder or group prefix) answering on the port
    is not ready: it would never see this system's events.
    """
    try:
        r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2.0)
        doc = r.json()
    except (httpx.HTTPError, ValueError) as exc:
        return False, type(exc).__name__
    if name is not None and doc.get("group") != SystemSettings().group_id(name):
        return False, f"port {port} is served by another system's process ({doc.get('group')})"
    return r.status_code == 200, str(doc.get("detail", ""))


@app.command()
def up(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for readiness")] = READY_TIMEOUT_S,
) -> None:
    """Start the broker (if needed) and every service under a supervisor; wait until ready."""
    if run_env_file().exists():
        # The last scenario run left its settings (tick-sync, fusion); outside a run the
        # services go back to their defaults.
        if read_pid(supervisor_pid_file()) is not None:
            _restart_clocked(None, timeout)
        run_env_file().unlink(missing_ok=True)
    _up(timeout)


def _up(timeout: float) -> None:
    """Start the broker and the supervisor if needed; wait until every service is ready."""
    try:
        servers, _ = ensure_up()
    except BrokerError as exc:
        raise _fail(str(exc)) from None
    console.print(f"Kafka      {servers}  [green]ready[/]")
    dev_api_keys()
    if read_pid(supervisor_pid_file()) is None:
        run_dir().mkdir(parents=True, exist_ok=True)
        logs_dir().mkdir(parents=True, exist_ok=True)
        out = (logs_dir() / "supervisor.log").open("ab")
        subprocess.Popen(
            [sys.executable, "-m", "dexsim.supervisor"],
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    pending = {e.name: e for e in services()}
    why: dict[str, str] = {}
    while pending and time.monotonic() < deadline:
        for name, e in list(pending.items()):
            ok, why[name] = _service_ready(e.port, e.name)
            if ok:
                log = _rel(logs_dir() / f"{name}.log")
                console.print(f"{name:<10} http://127.0.0.1:{e.port}  [green]ready[/]  logs: {log}")
                del pending[name]
        time.sleep(0.3)
    if not pending and prometheus_argv() is not None and SystemSettings().dexsim_prometheus == "on":
        console.print(
            f"{'prometheus':<10} http://{PROMETHEUS_ADDRESS}  "
            f"logs: {_rel(logs_dir() / 'prometheus.log')}"
        )
    if pending:
        for name in pending:
            err.print(
                f"{name:<10} [red]not ready[/] ({why.get(name, '')}); "
                f"see {_rel(logs_dir() / f'{name}.log')}"
            )
        raise typer.Exit(1)


def _stop_dashboard_run() -> None:
    """Stop a scenario run the dashboard started (it runs in its own session), if any."""
    try:
        pid = int(json.loads((run_dir() / "dashboard-run.json").read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return
    if pid == os.getpid() or not pid_alive(pid):
        return  # a run restarting its own services must not stop itself
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGTERM)
    console.print(f"stopped the scenario run started from the dashboard (pid {pid})")


@app.command()
def down(
    keep_kafka: Annotated[bool, typer.Option(help="Leave the local broker running")] = False,
) -> None:
    """Stop every service (and the local broker unless --keep-kafka)."""
    _stop_dashboard_run()
    pid = read_pid(supervisor_pid_file())
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 40
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        console.print(
            "services stopped" if not pid_alive(pid) else "[red]services still stopping[/]"
        )
    else:
        console.print("services were not running")
    if not keep_kafka:
        kafka_down()


@app.command()
def status() -> None:
    """Show the broker and every service: pid, URL, readiness."""
    kafka_ok = broker_status().ready
    table = Table(title="dexsim")
    for col in ("component", "pid", "address", "state"):
        table.add_column(col)
    table.add_row("kafka", "", SystemSettings().bootstrap_servers, "ready" if kafka_ok else "down")
    all_ok = kafka_ok
    for e in services():
        pid = read_pid(run_dir() / f"{e.name}.pid")
        ok, detail = _service_ready(e.port, e.name)
        all_ok &= ok
        state = "ready" if ok else f"not ready ({detail})"
        table.add_row(e.name, str(pid or ""), f"http://127.0.0.1:{e.port}", state)
    console.print(table)
    if not all_ok:
        raise typer.Exit(1)


# ------------------------------------------------------------------------------------- demo
def _demo_observations() -> list[dict[str, object]]:
    """Six hours of a heavy rainstorm at Nanchang's station (58606): 62 mm in 3 hours."""
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    rain = [0.4, 1.2, 6.5, 21.0, 24.5, 16.5]
    return [
        {
            "station_id": "58606",
            "region": "360100",
            "observed_at": (start + timedelta(hours=i + 1)).isoformat(),
            "rain_mm": r,
            "temp_c": 27.5 - i * 0.4,
            "wind_ms": 6.0,
            "visibility_m": 4000,
        }
        for i, r in enumerate(rain)
    ]


async def _read_warnings(servers: str, since_ms: int, timeout: float) -> list[dict[str, object]]:
    from aiokafka import AIOKafkaConsumer

    from shared.contracts.weather import WEATHER_WARNINGS
    from shared.kafka import partitions_of

    parts = await partitions_of([WEATHER_WARNINGS.name], servers=servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=servers, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(parts)
        offsets = await consumer.offsets_for_times(dict.fromkeys(parts, since_ms))
        for tp in parts:
            found = offsets.get(tp)
            # Nothing that new yet: read from the start and filter by time. (seek_to_end is
            # resolved lazily and could land after a warning written in the meantime.)
            consumer.seek(tp, found.offset if found is not None else 0)
        got: list[dict[str, object]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not got:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                got.extend(
                    json.loads(r.value)
                    for r in records
                    if r.value and r.timestamp >= since_ms and b"WarningIssued" in r.value[:160]
                )
        return got
    finally:
        await consumer.stop()


@app.command()
def demo(
    scenario: Annotated[str, typer.Option(help="Scenario the demo replays")] = "poyang-flood-2020",
    seed: Annotated[int, typer.Option(help="Seed of the replay")] = 7,
    speed: Annotated[
        str, typer.Option(help="Speed-up over real time (14400: a simulated hour per 0.25 s)")
    ] = "14400",
) -> None:
    """Show an observation turning into a CMA warning, then replay a hazard (left running)."""
    up()
    key = next(k for scope, k in dev_api_keys().items() if scope.endswith(":weather"))
    port = entry("weather").port
    observations = _demo_observations()
    since_ms = int(time.time() * 1000) - 1000
    console.rule("1. Ingest: 6 hourly readings from Nanchang station 58606 (62 mm in 3 h)")
    r = httpx.post(
        f"http://127.0.0.1:{port}/ingest/observations",
        json={"observations": observations},
        headers={"X-API-Key": key},
        timeout=30,
    )
    console.print(f"POST /ingest/observations -> {r.status_code} {r.json()}")
    if r.status_code != 202:
        raise _fail("ingestion failed")
    console.rule("2. The warning, read back from Kafka (weather.warnings.v1)")
    warnings = asyncio.run(_read_warnings(SystemSettings().bootstrap_servers, since_ms, 30.0))
    if not warnings:
        raise _fail("no warning arrived within 30 s; see .dexsim/logs/weather.log")
    for w in warnings:
        alert = w["alert"]
        assert isinstance(alert, dict)
        info = alert["info"][0]
        console.print(
            f"[bold]{alert['msg_type']}[/] {alert['identifier']}  {w['signal']} "
            f"[bold]{w['colour']}[/]  {info['headline']}"
        )
    dash = entry("dashboard").port
    console.print(
        f"[bold]Dashboard[/]  http://127.0.0.1:{dash}/  (open it now: the replay shows live)"
    )
    console.rule(f"3. Replay {scenario}: every sector decides siloed and fused; the referee scores")
    run(
        scenario=scenario,
        seed=seed,
        speed=speed,
        fusion="on",
        report=None,
        timeout=30.0,
        hours=None,
        flows=True,
        flow_orders=2,
    )
    referee_port = entry("referee").port
    console.print(
        "\nThe system stays up for the audience:\n"
        f"  dashboard   http://127.0.0.1:{dash}/\n"
        f"  scores      http://127.0.0.1:{referee_port}/scores\n"
        f"  warnings    http://127.0.0.1:{port}/warnings/active\n"
        f"  API docs    http://127.0.0.1:{port}/docs (each service has its own)\n"
        + (f"  Prometheus  http://{PROMETHEUS_ADDRESS}\n" if prometheus_argv() is not None else "")
        + "Stop it with: .venv/bin/dexsim down"
    )


# -------------------------------------------------------------------------------------- run
def _fresh_groups(servers: str, names: list[str]) -> None:
    """Start these stopped services afresh (groups at the ends, state cleared), or say why not."""
    try:
        runner.start_groups_at_end(servers, names)
    except RuntimeError as exc:
        raise _fail(str(exc)) from None


def _restart_services(fusion: bool, timeout: float) -> None:
    """Restart the clocked services fresh, with the run's settings; watchers keep running."""
    if read_pid(supervisor_pid_file()) is None:
        try:
            servers, _ = ensure_up()
        except BrokerError as exc:
            raise _fail(str(exc)) from None
        _fresh_groups(servers, [e.name for e in clocked()])
        run_dir().mkdir(parents=True, exist_ok=True)
        run_env_file().write_text(json.dumps(runner.run_env(fusion)))
        _up(timeout)
        return
    _restart_clocked(runner.run_env(fusion), timeout)


def _restart_clocked(env: dict[str, str] | None, timeout: float) -> None:
    """Stop the clocked services, start their groups at the topics' ends, start them with ``env``.

    The supervisor holds them stopped in between (SIGUSR1) and starts them again (SIGUSR2);
    the dashboard and Prometheus keep running. ``env=None`` means the services' defaults.
    """
    supervisor = read_pid(supervisor_pid_file())
    if supervisor is None:
        return
    try:
        servers, _ = ensure_up()
    except BrokerError as exc:
        raise _fail(str(exc)) from None
    restarted = clocked()
    os.kill(supervisor, signal.SIGUSR1)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(
        read_pid(run_dir() / f"{e.name}.pid") for e in restarted
    ):
        time.sleep(0.2)
    _fresh_groups(servers, [e.name for e in restarted])
    if env is None:
        run_env_file().unlink(missing_ok=True)
    else:
        run_env_file().write_text(json.dumps(env))
    os.kill(supervisor, signal.SIGUSR2)
    deadline = time.monotonic() + timeout
    pending = {e.name: e for e in restarted}
    while pending and time.monotonic() < deadline:
        for name, e in list(pending.items()):
            if _service_ready(e.port, e.name)[0]:
                console.print(f"{name:<11} http://127.0.0.1:{e.port}  [green]restarted[/]")
                del pending[name]
        time.sleep(0.3)
    if pending:
        raise _fail(f"not ready after restart: {', '.join(pending)}; see {_rel(logs_dir())}")


def _fmt(value: object, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _multiplier_text(figures: dict[str, Any]) -> str:
    """The multiplier, or "n/a" where it means nothing (the reason is printed below the table)."""
    return "n/a" if figures.get("multiplier") is None else _fmt(figures["multiplier"])


def _print_report(report: dict[str, Any]) -> None:
    table = Table(title=f"{report['scenario']}  seed {report['seed']}  fusion {report['fusion']}")
    for col in (
        "sector", "mode", "hits", "misses", "false alarms", "mean lead (h)",
        "loss avoided (¥)", "cost (¥)", "value (¥)", "REV", "gain ΔV (¥)", "multiplier",
    ):  # fmt: skip
        table.add_column(col, justify="left" if col in ("sector", "mode") else "right")
    for name, sector in report["sectors"].items():
        for mode in ("siloed", "fused"):
            m = sector.get(mode, {})
            lead = m.get("mean_lead_time_s")
            table.add_row(
                name if mode == "siloed" else "", mode, _fmt(m.get("hits")),
                _fmt(m.get("misses")), _fmt(m.get("false_alarms")),
                _fmt(lead / 3600 if isinstance(lead, int | float) else None, 1),
                _fmt(m.get("loss_avoided_yuan"), 0), _fmt(m.get("cost_yuan"), 0),
                _fmt(m.get("value_yuan"), 0), _fmt(m.get("rev"), 3),
                _fmt(sector.get("value_gain_yuan"), 0) if mode == "fused" else "",
                _multiplier_text(sector) if mode == "fused" else "",
            )  # fmt: skip
    overall = report["overall"]
    for mode in ("siloed", "fused"):
        table.add_row(
            "overall" if mode == "siloed" else "", mode, "", "", "", "", "", "", "",
            _fmt(overall.get(mode, {}).get("rev"), 3),
            _fmt(overall.get("value_gain_yuan"), 0) if mode == "fused" else "",
            _multiplier_text(overall) if mode == "fused" else "",
        )  # fmt: skip
    console.print(table)
    reasons = [
        f"{name}: {s['multiplier_reason']}"
        for name, s in [*report["sectors"].items(), ("overall", overall)]
        if s.get("multiplier_reason")
    ]
    if reasons:
        console.print("multiplier n/a: " + "; ".join(reasons))
    ev, facts = report["events"], report["run"]
    console.print(
        f"run {facts['id']}: events published {ev['published']:,}, consumed "
        f"{ev['consumed']:,}, dead-lettered {ev['dlq']:,}; wall time {facts['wall_s']} s, "
        f"late ticks {facts['late_ticks']}"
    )
    for late in facts["late"][:5]:
        err.print(
            f"[yellow]tick {late['tick']}: no watermark from {', '.join(late['waited_for'])} "
            f"within {late['seconds']} s; the clock went on without it[/]"
        )


@app.command()
def run(
    scenario: Annotated[
        str, typer.Option(help="Scenario name (see `dexsim scenarios`) or a scenario file's path")
    ],
    seed: Annotated[int | None, typer.Option(help="Seed; default: the scenario's")] = None,
    speed: Annotated[
        str,
        typer.Option(
            help="'max' (as fast as the services keep up) or a speed-up factor over "
            "real time; lockstep either way"
        ),
    ] = "max",
    fusion: Annotated[str, typer.Option(help="'on' or 'off' (the control: multiplier 1.0)")] = "on",
    report: Annotated[Path | None, typer.Option(help="JSON report path")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait per tick's watermarks")] = 30.0,
    hours: Annotated[
        int | None, typer.Option(help="Play only the scenario's first hours (a quick run)")
    ] = None,
    flows: Annotated[
        bool,
        typer.Option(
            help="Also value each cross-sector data flow of this world (Shapley, in-process; "
            "one run per coalition of flows)"
        ),
    ] = True,
    flow_orders: Annotated[
        int,
        typer.Option(
            help="Random orders of the flows to sample when they are too many to enumerate "
            "(each costs up to one in-process run per flow)",
            min=2,
        ),
    ] = 4,
) -> None:
    """Play a scenario through every service and print the referee's scores (multiplier)."""
    from services.simulator.data import ScenarioFileError, resolve_scenario

    if fusion not in ("on", "off"):
        raise typer.BadParameter("use 'on' or 'off'", param_hint="--fusion")
    try:
        full = resolve_scenario(scenario)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--scenario") from None
    except ScenarioFileError as exc:
        problems = "\n  ".join(exc.problems)
        raise typer.BadParameter(
            f"{exc.path}:\n  {problems}\n(check it with: dexsim scenario validate {exc.path})",
            param_hint="--scenario",
        ) from None
    try:
        sc = runner.shortened(full, hours)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--hours") from None
    seed = sc.seed if seed is None else seed
    try:
        with runner.exclusive_run(run_dir()):
            _run(scenario, sc, seed, speed, fusion, report, timeout, hours, flows, flow_orders)
    except runner.RunInProgressError as exc:
        raise _fail(str(exc)) from None


def _run(
    scenario: str, sc: Any, seed: int, speed: str, fusion: str, report: Path | None,
    timeout: float, hours: int | None, flows: bool = True, flow_orders: int = 4,
) -> None:  # fmt: skip
    started = time.monotonic()
    _restart_services(fusion == "on", READY_TIMEOUT_S)
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn("ticks (simulated hours x {task.fields[tick_h]})"), TimeElapsedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task(sc.name, total=sc.ticks, tick_h=sc.tick_hours)
        try:
            clock = runner.play(
                scenario, seed, speed, watermark_timeout_s=timeout, hours=hours,
                on_tick=lambda done, total: progress.update(task, completed=done),
            )  # fmt: skip
        except RuntimeError as exc:
            raise _fail(str(exc)) from None
    with httpx.Client() as client:
        try:
            scores = runner.wait_for_final_scores(client, clock.run_id)
        except TimeoutError as exc:
            raise _fail(f"{exc}; see {_rel(logs_dir() / 'referee.log')}") from None
        events = runner.scrape_events(client)
    doc = runner.build_report(
        scenario=sc.name, seed=seed, fusion=fusion == "on", scores=scores, events=events,
        clock=clock, wall_s=time.monotonic() - started,
    )  # fmt: skip
    if flows and fusion == "on":
        doc.update(_flows_of_run(scenario, seed, hours, scores, flow_orders))
    else:
        doc["flows"] = None
        doc["flows_reason"] = "fusion off: no flow is read" if fusion == "off" else "--no-flows"
    _print_report(doc)
    if doc["flows"]:
        _print_flows(doc["flows"])
    path = report or PROJECT_ROOT / "reports" / f"{sc.name}-s{seed}-fusion-{fusion}.json"
    console.print(f"report written to {_rel(runner.write_report(doc, path))}")


def _flows_of_run(
    scenario: str, seed: int, hours: int | None, scores: dict[str, Any], orders: int
) -> dict[str, Any]:
    """The report's ``flows``: each data flow's Shapley value in this world, played in-process.

    The in-process bus scores the same world first; if that differs from the broker's scores
    (it must not: see the e2e tests) the flows are reported with a warning.
    """
    from dexsim import ensemble as ens
    from dexsim.inprocess import Variation, WorldSpec

    started = time.monotonic()
    with console.status("valuing each cross-sector data flow (in-process, one run per coalition)"):
        result = ens.value_flows(
            WorldSpec(scenario, seed, Variation(), hours), jobs=ens.default_jobs(), orders=orders
        )
    same = result.summary == scores
    if not same:
        err.print(
            "[yellow]the in-process bus scored this world differently from the broker run; "
            "the flows' values below are the in-process world's[/]"
        )
    return {
        "flows": ens.flows_doc([result]),
        "flows_check": {
            "in_process_scores_equal": same,
            "seconds": round(time.monotonic() - started, 1),
        },
    }


# ------------------------------------------------------------------------------------ chaos
def _wait_services_ready(names: list[str], timeout: float) -> None:
    """Wait until every named service answers /readyz (after faults, before reading results)."""
    deadline = time.monotonic() + timeout
    pending = set(names)
    while pending and time.monotonic() < deadline:
        pending = {n for n in pending if not _service_ready(entry(n).port, n)[0]}
        if pending:
            time.sleep(0.5)
    if pending:
        raise _fail(f"not ready again after the faults: {', '.join(sorted(pending))}")


#: The topic whose replication a chaos report shows (every topic is created alike).
DECISION_TOPIC = "agriculture.advisories.v1"


def _print_chaos(report: dict[str, Any]) -> None:
    faults = Table(title="faults")
    for col in ("fault", "pid", "at (s)", "ended (s)", "what happened"):
        faults.add_column(col)
    for f in report["faults"]:
        faults.add_row(
            f["label"], str(f["pid"] or ""), f"{f['started_s']:.1f}", f"{f['ended_s']:.1f}",
            f["note"],
        )  # fmt: skip
    console.print(faults)
    table = Table(title=f"reconciliation against the {report['reference']} run")
    for col in ("topic", "role", "reference", "run", "lost", "duplicated", "changed"):
        table.add_column(col, justify="left" if col in ("topic", "role") else "right")
    for row in report["topics"]:
        table.add_row(
            row["topic"], row["role"], f"{row['reference']:,}", f"{row['run']:,}",
            str(row["lost"]), str(row["duplicated"]), str(row["changed"]),
        )  # fmt: skip
    console.print(table)
    d = report["decisions"]
    console.print(
        f"decisions: {d['run']:,} against {d['reference']:,} (lost {d['lost']}, "
        f"duplicated {d['duplicated']}, changed {d['changed']}); the simulator sent "
        f"{report['simulator']['sent_again']} events again (dropped by its readers' "
        "de-duplication)"
    )
    if report["events_in"] is not None:
        consumed = report["events_in"]["by_topic"]
        unequal = {t: r for t, r in consumed.items() if r["reference"] != r["run"]}
        total = sum(r["run"] for r in consumed.values())
        console.print(
            f"events consumed by the services: {total:,}"
            + (f"; [red]differ on {unequal}[/]" if unequal else ", per topic as in the reference")
        )
    c = report["cluster"]
    console.print(
        f"cluster: {c['brokers']} broker(s); {c['topic']} has {c['replicas']} replica(s) per "
        f"partition, min.insync.replicas {c['min_insync_replicas']}"
    )
    for line in report["score_differences"][:20]:
        err.print(f"[red]score differs[/] {line}")


@app.command()
def chaos(
    scenario: Annotated[str, typer.Option(help="Scenario name or a scenario file's path")],
    seed: Annotated[int | None, typer.Option(help="Seed; default: the scenario's")] = None,
    plan: Annotated[
        str,
        typer.Option(
            help="'random', or faults as kind[:target][:seconds]@tick, comma-separated: "
            "kill:agriculture@20, pause:emergency:15@40, slow:weather:20@60, "
            "broker-restart@80, broker-kill:2:10@100"
        ),
    ] = "random",
    faults: Annotated[int, typer.Option(min=1, help="Faults of a random plan")] = 10,
    plan_seed: Annotated[
        int | None, typer.Option(help="Seed of a random plan; default: the scenario's seed")
    ] = None,
    hours: Annotated[
        int | None, typer.Option(help="Play only the scenario's first hours (a quick run)")
    ] = None,
    brokers: Annotated[
        int | None,
        typer.Option(min=1, max=5, help="Brokers of the local cluster (3: faults kill one)"),
    ] = None,
    reference: Annotated[
        str,
        typer.Option(
            help="The undisturbed run: 'broker' (played first on the same system) or "
            "'in-process' (the services' handlers on the in-process bus; faster)"
        ),
    ] = "broker",
    out: Annotated[Path | None, typer.Option(help="Reconciliation report (JSON)")] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds the clock waits for a tick's watermarks")
    ] = 180.0,
) -> None:
    """Play a scenario with scripted faults and reconcile it against an undisturbed run.

    Exits non-zero unless nothing was lost or duplicated and the scores are identical.
    """
    import random

    from dexsim import chaos as ch
    from dexsim.localkafka import cluster
    from services.simulator.data import resolve_scenario

    if reference not in ("broker", "in-process"):
        raise typer.BadParameter("use 'broker' or 'in-process'", param_hint="--reference")
    try:
        sc = runner.shortened(resolve_scenario(scenario), hours)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--scenario") from None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--hours") from None
    seed = sc.seed if seed is None else seed
    settings = SystemSettings()
    try:
        if brokers is not None and not settings.external:
            set_size(brokers, settings)
            settings = SystemSettings()
        ensure_up(settings)
    except BrokerError as exc:
        raise _fail(str(exc)) from None
    names = [e.name for e in clocked()]
    try:
        if plan == "random":
            rng = random.Random(f"chaos-{seed if plan_seed is None else plan_seed}")
            faults_ = ch.random_plan(
                rng, faults=faults, ticks=sc.ticks, services=names, brokers=settings.brokers
            )
        else:
            faults_ = ch.parse_plan(plan, services=names, brokers=settings.brokers, ticks=sc.ticks)
    except ch.PlanError as exc:
        raise typer.BadParameter(str(exc), param_hint="--plan") from None
    if settings.external and any(f.kind not in ch.SERVICE_KINDS for f in faults_):
        raise _fail("broker faults need the local cluster; KAFKA_BOOTSTRAP_SERVERS is set")
    console.print(
        f"{sc.name} seed {seed}: {len(faults_)} faults on {settings.brokers} broker(s): "
        + ", ".join(f.label() for f in faults_)
    )
    started = time.monotonic()
    try:
        with runner.exclusive_run(run_dir()):
            ref, run_, injector = _chaos_runs(
                ch, scenario, sc, seed, hours, reference, faults_, cluster(settings), timeout
            )
    except runner.RunInProgressError as exc:
        raise _fail(str(exc)) from None
    except (RuntimeError, TimeoutError) as exc:
        raise _fail(str(exc)) from None
    report: dict[str, Any] = {
        "scenario": sc.name,
        "seed": seed,
        "hours": hours,
        "brokers": settings.brokers,
        "reference": reference,
        "plan": plan,
        "faults": [a.doc() for a in injector.applied],
        **ch.reconcile(ref.topics, run_.topics, ref_scores=ref.scores, run_scores=run_.scores),
        "score_differences": ch.score_differences(ref.scores, run_.scores),
        "events": {"reference": ref.events, "run": run_.events},
        "events_in": ch.events_in(ref, run_),
        "cluster": asyncio.run(ch.cluster_facts(settings.bootstrap_servers, DECISION_TOPIC)),
        "run": {
            "id": run_.clock.run_id,
            "late_ticks": run_.clock.late_ticks,
            "late": [
                {"tick": w.tick, "seconds": round(w.seconds, 1), "waited_for": list(w.waited_for)}
                for w in run_.clock.late
            ],
            "reference_s": round(ref.wall_s, 1),
            "run_s": round(run_.wall_s, 1),
            "wall_s": round(time.monotonic() - started, 1),
        },
    }
    report["nothing_lost"] = ch.verdict(report)
    _print_chaos(report)
    path = out or PROJECT_ROOT / "reports" / f"chaos-{sc.name}-s{seed}.json"
    console.print(f"report written to {_rel(ch.write(report, path))}")
    same = "scores identical" if report["scores_identical"] else "scores DIFFER"
    summary = f"{report['lost']} lost, {report['duplicated']} duplicated, {same}"
    if not report["nothing_lost"]:
        raise _fail(summary + (f", {report['changed']} changed" if report["changed"] else ""))
    console.print(f"[bold green]{summary}[/]")


def _chaos_runs(
    ch: Any, scenario: str, sc: Any, seed: int, hours: int | None, reference: str,
    faults: list[Any], brokers: list[Any], timeout: float,
) -> tuple[Any, Any, Any]:  # fmt: skip
    """The undisturbed run, then the run with the faults; both results and the injector."""
    restart = lambda: _restart_services(True, READY_TIMEOUT_S)  # noqa: E731
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=console,
    ) as progress:  # fmt: skip
        if reference == "in-process":
            with console.status("the undisturbed run, in-process"):
                ref = ch.in_process_run(scenario, seed, hours, True)
        else:
            task = progress.add_task("undisturbed", total=sc.ticks)
            ref = ch.broker_run(
                scenario, seed, hours, restart=restart, watermark_timeout_s=timeout,
                on_tick=lambda done, total: progress.update(task, completed=done),
            )  # fmt: skip
        task = progress.add_task("with faults", total=sc.ticks)
        injector = ch.Injector(
            faults, pid_of=lambda name: read_pid(run_dir() / f"{name}.pid"), brokers=brokers
        )

        def on_tick(done: int, total: int) -> None:
            progress.update(task, completed=done)
            injector.on_tick(done)

        def settle() -> None:
            injector.wait()
            _wait_services_ready([e.name for e in clocked()], READY_TIMEOUT_S * 2)

        try:
            run_ = ch.broker_run(
                scenario, seed, hours, restart=restart, on_tick=on_tick,
                watermark_timeout_s=timeout, settle=settle,
            )  # fmt: skip
        except (RuntimeError, TimeoutError) as exc:
            failed = [f"{a.fault.label()}: {a.note}" for a in injector.applied if "not" in a.note]
            raise RuntimeError(
                f"{exc}" + (f" (faults that failed: {'; '.join(failed)})" if failed else "")
            ) from exc
    return ref, run_, injector


# --------------------------------------------------------------------- ensembles and sweeps
def _band_text(b: dict[str, float] | None, digits: int = 3, scale: float = 1.0) -> str:
    if b is None:
        return "n/a"
    p5, p50, p95 = (b[k] / scale for k in ("p5", "p50", "p95"))
    return f"{p50:,.{digits}f} [{p5:,.{digits}f}, {p95:,.{digits}f}]"


def _print_bands(title: str, doc: dict[str, Any]) -> None:
    table = Table(title=title)
    for col in ("sector", "REV siloed", "REV fused", "gain ΔV (¥m)", "gap closed", "multiplier"):
        table.add_column(col, justify="left" if col == "sector" else "right")
    for name, b in [*doc["sectors"].items(), ("overall", doc["overall"])]:
        table.add_row(
            name, _band_text(b["rev_siloed"]), _band_text(b["rev_fused"]),
            _band_text(b["gain_yuan"], 1, 1e6), _band_text(b["gap_closed"]),
            _band_text(b["multiplier"]),
        )  # fmt: skip
    console.print(table)
    console.print("each cell: median [5%, 95%] over the seeds")
    for name, b in [*doc["sectors"].items(), ("overall", doc["overall"])]:
        if b.get("multiplier_reason"):
            console.print(f"multiplier n/a, {name}: {b['multiplier_reason']}")


def _print_flows(flows: list[dict[str, Any]]) -> None:
    table = Table(title="What each cross-sector data flow was worth (Shapley value)")
    for col in ("source", "target", "topic", "value (¥m)", "method"):
        table.add_column(col, justify="right" if col == "value (¥m)" else "left")
    for f in flows:
        table.add_row(
            f["source"], f["target"], f["topic"], _band_text(f["value_yuan"], 2, 1e6), f["method"]
        )
    console.print(table)


def _world_progress(label: str, total: int) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TextColumn(label), TimeElapsedColumn(), console=console,
    )  # fmt: skip


# The options ``dexsim ensemble`` and ``dexsim sweep`` share.
ScenarioOption = Annotated[str, typer.Option(help="Scenario name or a scenario file's path")]
FirstSeedOption = Annotated[int, typer.Option(help="The first seed; the rest follow")]
JobsOption = Annotated[int | None, typer.Option(help="Worker processes; default: one per core")]
HoursOption = Annotated[int | None, typer.Option(help="Only the scenario's first hours")]
OutOption = Annotated[Path | None, typer.Option(help="JSON path (the chart goes beside it)")]
PublishOption = Annotated[
    bool, typer.Option(help="Publish the summary event to the running system's broker")
]


def _check_scenario(scenario: str) -> str:
    from services.simulator.data import ScenarioFileError, resolve_scenario

    try:
        return resolve_scenario(scenario).name
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--scenario") from None
    except ScenarioFileError as exc:
        raise typer.BadParameter("; ".join(exc.problems), param_hint="--scenario") from None


def _write_doc(doc: dict[str, Any], out: Path, chart: str) -> None:
    path = runner.write_report(doc, out)
    html_path = path.with_suffix(".html")
    html_path.write_text(chart, encoding="utf-8")
    console.print(f"written: {_rel(path)} and the chart {_rel(html_path)}")


@app.command()
def ensemble(
    scenario: ScenarioOption,
    seeds: Annotated[int, typer.Option(help="How many seeds (worlds)", min=1)] = 30,
    first_seed: FirstSeedOption = 1,
    flows: Annotated[
        bool, typer.Option(help="Also value each cross-sector data flow (Shapley; slower)")
    ] = False,
    flow_seeds: Annotated[
        int | None, typer.Option(help="Seeds for the flows' values; default: all of them", min=1)
    ] = None,
    flow_orders: Annotated[
        int,
        typer.Option(
            help="Random orders of the flows to sample per seed when they are too many to "
            "enumerate (each costs up to one in-process run per flow)",
            min=2,
        ),
    ] = 4,
    jobs: JobsOption = None,
    hours: HoursOption = None,
    out: OutOption = None,
    publish: PublishOption = True,
) -> None:
    """Score many seeds of a scenario in-process and report every measure's band."""
    from dexsim import charts
    from dexsim import ensemble as ens
    from dexsim.inprocess import Variation, WorldSpec
    from shared.contracts.referee import ensemble_event

    name = _check_scenario(scenario)
    workers = jobs or ens.default_jobs()
    seed_list = ens.seeds_from(first_seed, seeds)
    specs = [WorldSpec(scenario, s, Variation(), hours) for s in seed_list]
    started = time.monotonic()
    with _world_progress("seeds", len(specs)) as progress:
        task = progress.add_task(f"{name}: scoring", total=len(specs))
        results = ens.run_worlds(
            specs, ens.score_one, jobs=workers, on_done=lambda _: progress.advance(task)
        )
    timing = {"ensemble_s": round(time.monotonic() - started, 1), "jobs": workers}
    flow_results: list[Any] = []
    if flows:
        started = time.monotonic()
        chosen = specs[: flow_seeds or len(specs)]
        with _world_progress("seeds (every coalition of flows)", len(chosen)) as progress:
            task = progress.add_task(f"{name}: valuing data flows", total=len(chosen))
            flow_results = ens.run_worlds(
                chosen,
                functools.partial(ens.value_flows, orders=flow_orders),
                jobs=workers,
                on_done=lambda _: progress.advance(task),
            )
        timing["flows_s"] = round(time.monotonic() - started, 1)
    doc = ens.ensemble_doc(
        name, Variation(), results, flow_results=flow_results, timing=timing, hours=hours
    )
    _print_bands(f"{name}: {len(results)} seeds in {timing['ensemble_s']} s", doc)
    if flow_results:
        _print_flows(doc["flows"])
        console.print(f"flows valued over {len(flow_results)} seeds in {timing['flows_s']} s")
    path = out or PROJECT_ROOT / "reports" / "ensemble" / f"{name}-{len(results)}seeds.json"
    _write_doc(doc, path, charts.ensemble_html(doc))
    if publish:
        _publish(*ensemble_event(doc))


@app.command()
def sweep(
    scenario: ScenarioOption,
    vary: Annotated[
        str,
        typer.Option(
            help="NAME=V1,V2,... with NAME one of forecast_error (scale of the error of the "
            "forecasts shared with other sectors; 0 perfect, 1 calibrated; the public warnings "
            "keep the calibrated forecast), sensor_dropout (added chance a reading is lost), "
            "latency_h (hours every cross-sector read is delayed)"
        ),
    ],
    seeds: Annotated[int, typer.Option(help="Seeds per value", min=1)] = 10,
    first_seed: FirstSeedOption = 1,
    jobs: JobsOption = None,
    hours: HoursOption = None,
    out: OutOption = None,
    publish: PublishOption = True,
) -> None:
    """Every measure's band against one parameter (forecast error, dropout or latency)."""
    from dexsim import charts
    from dexsim import ensemble as ens
    from dexsim.inprocess import Variation
    from shared.contracts.referee import sweep_event

    name = _check_scenario(scenario)
    try:
        param, values = ens.parse_vary(vary)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--vary") from None
    workers = jobs or ens.default_jobs()
    seed_list = ens.seeds_from(first_seed, seeds)
    started = time.monotonic()
    variations = [Variation().with_value(param, v) for v in values]
    refits = sorted({v.forecast_error for v in variations} - {1.0})
    if refits:
        console.print(
            "fitting the forecaster's calibration for forecast_error="
            f"{', '.join(f'{e:g}' for e in refits)} on its own hindcasts (about a minute each)"
        )
        ens.prepare(variations, jobs=workers)
    calibration_s = round(time.monotonic() - started, 1)
    started = time.monotonic()
    points = []
    with _world_progress("worlds", len(values) * len(seed_list)) as progress:
        task = progress.add_task(f"{name}: {param}", total=len(values) * len(seed_list))
        for point in ens.sweep_points(
            scenario, param, values, seed_list, jobs=workers, hours=hours,
            on_done=lambda _: progress.advance(task),
        ):  # fmt: skip
            points.append(point)
    doc = {
        "scenario": name,
        "param": param,
        "seeds": seed_list,
        "hours": hours,
        "points": points,
        "timing": {
            "sweep_s": round(time.monotonic() - started, 1),
            "calibration_s": calibration_s,
            "jobs": workers,
        },
    }
    table = Table(title=f"{name}: {param} swept over {len(seed_list)} seeds per value")
    for col in (param, "REV siloed", "REV fused", "gain ΔV (¥m)", "gap closed"):
        table.add_column(col, justify="right")
    for p in points:
        o = p["overall"]
        table.add_row(
            f"{p['value']:g}", _band_text(o["rev_siloed"]), _band_text(o["rev_fused"]),
            _band_text(o["gain_yuan"], 1, 1e6), _band_text(o["gap_closed"]),
        )  # fmt: skip
    console.print(table)
    console.print("overall; each cell: median [5%, 95%] over the seeds (per sector in the JSON)")
    path = out or PROJECT_ROOT / "reports" / "sweep" / f"{name}-{param}.json"
    _write_doc(doc, path, charts.sweep_html(doc))
    if publish:
        _publish(*sweep_event(doc))


@app.command("calibrate-forecasts")
def calibrate_forecasts(
    seeds: Annotated[int, typer.Option(help="Hindcast seeds per scenario", min=2)] = 10,
    verify_seeds: Annotated[
        int, typer.Option(help="Held-out seeds per scenario for the reliability table", min=0)
    ] = 4,
    jobs: JobsOption = None,
) -> None:
    """Fit the forecaster's probability model on hindcasts and write it for the simulator,
    with the climate record of the same hindcasts (shared/world/climatology.yaml)."""
    from dexsim import calibrate
    from dexsim import ensemble as ens
    from services.simulator.data import CALIBRATION_FILE, load_scenarios
    from shared.world import CLIMATOLOGY_FILE

    workers = jobs or ens.default_jobs()
    worlds = seeds * len(load_scenarios())
    started = time.monotonic()
    with _world_progress("hindcasts", worlds) as progress:
        task = progress.add_task("hindcasts", total=worlds)
        fitted, climate = calibrate.fit_record(
            seeds=seeds, jobs=workers, on_done=lambda _: progress.advance(task)
        )
    header = (
        "# The forecaster's probability model: written by `dexsim calibrate-forecasts` from "
        f"{worlds} hindcasts\n# (every library scenario, seeds {fitted.seeds[0]}.."
        f"{fitted.seeds[-1]}); do not edit. See services/simulator/domain/probability.py.\n"
    )
    body = yaml.safe_dump(fitted.model_dump(mode="json"), sort_keys=False, width=100)
    CALIBRATION_FILE.write_text(header + body, encoding="utf-8")
    climate_header = (
        "# The climate record of dexsim's world: for each Beijing-local month of the library's "
        "hazard\n# seasons (outlooks) and each calendar month (months), and each forecast "
        "product, the share of\n# forecast runs (per city) after which the product's condition "
        "came within its horizon, and the\n# deciles of those spells' lengths and worst values. "
        "Written by `dexsim calibrate-forecasts` from\n# the same "
        f"{worlds} hindcasts as {_rel(CALIBRATION_FILE)}; do not edit.\n"
        "# Both modes weigh it (public knowledge). See shared/world/__init__.py, Climatology.\n"
    )
    body = yaml.safe_dump(
        climate.model_dump(mode="json"), sort_keys=False, width=100, default_flow_style=None
    )
    CLIMATOLOGY_FILE.write_text(climate_header + body, encoding="utf-8")
    console.print(
        f"fitted {len(fitted.products)} products in {time.monotonic() - started:.0f} s; "
        f"written: {_rel(CALIBRATION_FILE)}, {_rel(CLIMATOLOGY_FILE)}"
    )
    if verify_seeds:
        rows = calibrate.held_out(verify_seeds, jobs=workers)
        table = Table(title=f"reliability on {verify_seeds} held-out seeds per scenario")
        for col in ("product", "forecast p", "n", "mean p", "observed"):
            table.add_column(col, justify="right")
        for r in calibrate.reliability(fitted, rows):
            table.add_row(
                str(r["product"]), str(r["bin"]), str(r["n"]),
                f"{r['forecast']:.3f}", f"{r['observed']:.3f}",
            )  # fmt: skip
        console.print(table)


def _publish(spec: Any, event: Any) -> None:
    """Publish a summary event if the system's broker answers; say so if it does not."""
    from shared.kafka import publish_one

    try:
        asyncio.run(publish_one(spec, event, timeout_s=5.0))
    except Exception as exc:  # no broker running: the report stands on its own
        console.print(
            f"summary event not published ({type(exc).__name__}: {exc or 'no answer'}); with "
            "the system up (`dexsim up`), the referee exports it and the dashboard shows it"
        )
        return
    console.print(f"summary event published on {spec.name}")


# ------------------------------------------------------------------------------------ bench
@app.command()
def bench(
    out: Annotated[Path, typer.Option(help="Folder for summary.json and details.json")] = (
        PROJECT_ROOT / "reports" / "bench"
    ),
    soak: Annotated[
        str | None,
        typer.Option(
            help="Add a memory run of this long (e.g. 30m) at half the pipeline's measured "
            "rate, sampling every service's RSS every 10 s (soak.json, soak.png)"
        ),
    ] = None,
    events: Annotated[int, typer.Option(help="Backlog drained per service")] = 150_000,
    offered_eps: Annotated[int, typer.Option(help="Fixed load of the latency figures")] = 1_000,
    profile: Annotated[Path | None, typer.Option(help="Run each service under cProfile")] = None,
    consumer: Annotated[
        str, typer.Option(help="The services' data path: batch (getmany) or faust (streams)")
    ] = "batch",
) -> None:
    """Throughput and latency of every sector service against the raw Kafka client."""
    from dexsim import bench as measure

    def _duration(text: str) -> float:
        try:
            return measure.parse_duration(text)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--soak") from None

    if consumer not in ("batch", "faust"):
        raise typer.BadParameter(f"--consumer is batch or faust, not {consumer!r}")
    cfg = measure.BenchConfig(
        out=out,
        servers=SystemSettings().kafka_bootstrap_servers,
        soak=soak is not None,
        soak_s=_duration(soak) if soak else measure.BenchConfig.soak_s,
        events_per_service=events,
        offered_eps=offered_eps,
        profile=profile,
        consumer=consumer,
    )
    summary, details = measure.run_bench(cfg)
    console.print(measure.table(summary))
    for miss in details["missed_targets"]:
        console.print(f"[red]target missed:[/] {miss}")
    console.print(
        f"figures written to {_rel(out / 'summary.json')} and {_rel(out / 'details.json')}"
    )


# ------------------------------------------------------------------------------- new-sector
@app.command("new-sector")
def new_sector(
    name: Annotated[str, typer.Argument(help="The sector's name in topics, e.g. demo-sector")],
    label_zh: Annotated[str, typer.Option(help="Its name in Chinese, e.g. 示例行业")] = "",
    label_en: Annotated[str, typer.Option(help="Its name in English")] = "",
) -> None:
    """Scaffold a working sector: its service, contracts module and simulator plug-in."""
    from dexsim import scaffold

    try:
        sector = scaffold.plan(name, label_zh=label_zh, label_en=label_en)
        written = scaffold.write(sector)
    except scaffold.ScaffoldError as exc:
        raise _fail(str(exc), code=2) from None
    for path in written:
        console.print(f"wrote {_rel(path)}")
    # The templates are laid out for a short name; the project's formatter fits any name.
    python = [str(p) for p in written if p.suffix == ".py"]
    for tool in (["format", "-q"], ["check", "--fix", "-q"]):
        subprocess.run(
            [sys.executable, "-m", "ruff", *tool, *python], cwd=PROJECT_ROOT, check=False
        )
    # A fresh process discovers the new modules; this one has its registries already.
    done = subprocess.run(
        [sys.executable, "-m", "dexsim.cli", "docs"], cwd=PROJECT_ROOT, check=False
    )
    if done.returncode != 0:
        raise _fail("the sector was written but `dexsim docs` failed; run it again to see why")
    console.print(
        f"sector {sector.sector} is service {sector.module} on port {sector.port}; "
        f"its tests: .venv/bin/python -m pytest services/{sector.module}/tests"
    )


# ------------------------------------------------------------------------------------- docs
@app.command()
def docs(
    check: Annotated[bool, typer.Option(help="Only check; exit 1 when a file is stale")] = False,
) -> None:
    """Regenerate the files derived from the manifests (scrape targets, SLOs, README table)."""
    from dexsim import docs as derived

    if check:
        stale = derived.stale()
        for path in stale:
            err.print(f"[red]stale:[/] {_rel(path)} (run: dexsim docs)")
        if stale:
            raise typer.Exit(1)
        console.print("every generated file is up to date")
        return
    written = derived.write()
    for path in written:
        console.print(f"wrote {_rel(path)}")
    if not written:
        console.print("every generated file was up to date")


def main() -> None:
    """Console-script entry point."""
    configure_cli()
    app()


if __name__ == "__main__":
    main()
