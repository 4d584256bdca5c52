"""Command line of the simulator: list scenarios, run one (dry or to Kafka), benchmark it."""

from __future__ import annotations

import asyncio
import json
import logging
import platform
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from services.simulator.data import (
    ScenarioFileError,
    get_scenario,
    load_scenario_file,
    load_scenarios,
    loss_records,
    resolve_scenario,
    simulation,
)
from services.simulator.domain.calibration import Comparison, compare, measure
from services.simulator.domain.clock import ClockPolicy
from services.simulator.domain.engine import Simulation
from services.simulator.domain.impacts import derive_truth
from services.simulator.domain.scenario import Scenario
from shared.contracts.simulator import HazardOccurred, ImpactOccurred
from shared.contracts.topics import REGISTRY
from shared.settings import PROJECT_ROOT

app = typer.Typer(help="The world simulator: Jiangxi's hazards, observations and ground truth.")
console = Console()

#: Where ``bench`` writes its figures.
BENCH_FILE = PROJECT_ROOT / "reports" / "bench" / "simulator.json"
#: The scenario the benchmark stretches to 30 days with every sensor reporting hourly.
BENCH_BASE = "poyang-flood-2020"
BENCH_DAYS = 30


def _problems(exc: ScenarioFileError) -> str:
    return f"{exc.path}:\n  " + "\n  ".join(exc.problems)


@app.command()
def validate(
    path: Annotated[Path, typer.Argument(help="A scenario file (YAML)")],
) -> None:
    """Check a scenario file: every problem with its line and field, or a summary of it."""
    try:
        sc = load_scenario_file(path)
    except ScenarioFileError as exc:
        count = len(exc.problems)
        console.print(
            f"[red]{exc.path} is not a valid scenario[/] "
            f"({count} problem{'s' if count > 1 else ''}):"
        )
        for problem in exc.problems:
            console.print(f"  {problem}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    known = load_scenarios()
    if sc.name in known and known[sc.name] != sc:
        console.print(
            f"[yellow]note:[/] the library has another scenario named {sc.name!r}; runs of this "
            "file write reports under the same name"
        )
    table = Table(title=f"{path}: valid scenario {sc.name}")
    table.add_column("hazard")
    table.add_column("kind")
    table.add_column("from → to")
    table.add_column("peak")
    for h in sc.hazards:
        table.add_row(
            h.id,
            h.kind.value,
            f"{h.start:%m-%d %H:%M} → {h.end:%m-%d %H:%M}",
            f"{h.peak:g} {h.unit}",
        )
    console.print(table)
    console.print(f"span {_span(sc)}; seed {sc.seed}; cities {', '.join(sc.cities or ['all'])}")
    console.print(f"run it: dexsim run --scenario {path}")


#: Where ``calibrate`` writes its figures.
CALIBRATION_FILE = PROJECT_ROOT / "reports" / "calibration.json"
_UNITS = {
    "direct_loss_yuan": "yuan",
    "agriculture_loss_yuan": "yuan",
    "people_affected": "people",
    "crop_area_affected_mu": "mu",
    "crop_area_failed_mu": "mu",
}


def _figure(value: float, metric: str) -> str:
    unit = _UNITS[metric]
    if unit == "yuan":
        return f"¥{value / 1e8:,.1f} 亿"
    return f"{value / 1e6:,.2f} m {unit}"


@app.command()
def calibrate(
    seeds: Annotated[int, typer.Option(min=1, help="Seeds 1..N; the median is compared")] = 10,
    scenario: Annotated[
        list[str] | None, typer.Option(help="Only these scenarios (repeatable)")
    ] = None,
    out: Annotated[Path, typer.Option(help="The JSON report")] = CALIBRATION_FILE,
) -> None:
    """Losses with no protective action against the public record (records.yaml).

    For every recorded figure, the median over seeds of the simulated figure over the record's
    window, its ratio to the record and the band it must fall in; exits 1 if one is outside.
    """
    records = loss_records()
    names = scenario or sorted(records)
    unknown = sorted(set(names) - set(records))
    if unknown:
        raise typer.BadParameter(
            f"no recorded figures for {', '.join(unknown)}; known: {', '.join(sorted(records))}",
            param_hint="--scenario",
        )
    results: dict[str, list[Comparison]] = {}
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("worlds"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        for name in names:
            figures = records[name]
            task = progress.add_task(name, total=seeds)
            per_seed: list[list[float]] = [[] for _ in figures]
            for seed in range(1, seeds + 1):
                sim = simulation(get_scenario(name), seed)
                impacts = [
                    it.event
                    for it in derive_truth(sim.state, sim.sectors.impacts)
                    if isinstance(it.event, ImpactOccurred)
                ]
                for values, figure in zip(per_seed, figures, strict=True):
                    values.append(measure(figure, impacts))
                progress.advance(task)
            results[name] = [
                compare(f, values) for f, values in zip(figures, per_seed, strict=True)
            ]
    table = Table(title=f"calibration: median of seeds 1..{seeds}, no protective action")
    for col in ("scenario", "metric", "simulated", "recorded", "ratio", "band", ""):
        table.add_column(col)
    for name, comparisons in results.items():
        for c in comparisons:
            m = c.figure.metric
            table.add_row(
                name,
                m,
                _figure(c.simulated, m),
                _figure(c.figure.recorded, m),
                f"{c.ratio:.2f}",
                f"{c.figure.band[0]:g}-{c.figure.band[1]:g}",
                "[green]ok[/]" if c.within else "[red]outside[/]",
            )
    # The figures are worth reading whole, even in a narrow (or piped) terminal.
    Console(width=max(console.width, 120)).print(table)
    doc = {
        name: {c.figure.metric: c.as_json() for c in comparisons}
        for name, comparisons in results.items()
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"figures written to {out}")
    outside = [f"{n} {c.figure.metric}" for n, cs in results.items() for c in cs if not c.within]
    if outside:
        console.print(f"[red]{len(outside)} figures outside their band:[/] {', '.join(outside)}")
        raise typer.Exit(1)


def _span(sc: Scenario) -> str:
    return f"{sc.start:%Y-%m-%d %H:%M} → {sc.end:%Y-%m-%d %H:%M} ({sc.hours} h, {sc.ticks} ticks)"


@app.command()
def scenarios(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a JSON list (for programs, e.g. the dashboard)")
    ] = False,
) -> None:
    """List the scenarios with their span and a one-line description in Chinese and English."""
    if as_json:
        found = load_scenarios()
        typer.echo(json.dumps([_scenario_doc(found[n]) for n in sorted(found)], ensure_ascii=False))
        return
    table = Table(title="dexsim scenarios")
    for col in ("name", "span", "seed", "描述", "description"):
        table.add_column(col, overflow="fold")
    for sc in load_scenarios().values():
        table.add_row(sc.name, _span(sc), str(sc.seed), sc.description_zh, sc.description_en)
    console.print(table)


def _scenario_doc(sc: Scenario) -> dict[str, object]:
    return {
        "name": sc.name,
        "description_zh": sc.description_zh,
        "description_en": sc.description_en,
        "ticks": sc.ticks,
        "tick_hours": sc.tick_hours,
        "seed": sc.seed,
    }


def _yuan(v: float) -> str:
    return f"¥{v / 1e8:,.2f} 亿" if v >= 1e7 else f"¥{v:,.0f}"


def _summary(sim: Simulation, started: float) -> None:
    by_topic: Counter[str] = Counter()
    loss: dict[str, float] = defaultdict(float)
    people: Counter[str] = Counter()
    impacts: Counter[str] = Counter()
    hazards: dict[str, list[HazardOccurred]] = {}
    for spec, ev in sim.all_events():
        by_topic[spec.name] += 1
        if isinstance(ev, ImpactOccurred):
            loss[ev.sector] += ev.loss_yuan
            people[ev.sector] += ev.people_affected
            impacts[ev.sector] += 1
        elif isinstance(ev, HazardOccurred):
            hazards.setdefault(ev.hazard_id, []).append(ev)
    elapsed = time.perf_counter() - started
    sc = sim.scenario
    console.print(f"[bold]{sc.name}[/] seed {sim.seed}: {sc.description_zh}")
    console.print(f"{_span(sc)}; generated {sum(by_topic.values()):,} events in {elapsed:.2f} s")

    ht = Table(title="Hazards (ground truth)")
    for col in ("hazard", "kind", "cities hit", "first onset", "peak"):
        ht.add_column(col)
    for spec_h in sc.hazards:
        eps = hazards.get(spec_h.id, [])
        onset = min((e.started_at for e in eps), default=None)
        peak = max((e.peak_intensity for e in eps), default=None)
        if spec_h.kind.value == "fog":
            peak = min((e.peak_intensity for e in eps), default=None)
        ht.add_row(
            spec_h.id,
            spec_h.kind.value,
            str(len(eps)),
            f"{onset:%m-%d %H:%M}" if onset else "-",
            f"{peak:g} {spec_h.unit}" if peak is not None else "-",
        )
    console.print(ht)

    ot = Table(title="Events by topic")
    ot.add_column("topic")
    ot.add_column("sector")
    ot.add_column("events", justify="right")
    for name in sorted(by_topic):
        ot.add_row(name, REGISTRY[name].sector, f"{by_topic[name]:,}")
    console.print(ot)

    lt = Table(title="Ground-truth losses by sector (no protective action)")
    for col in ("sector", "impacts", "loss (yuan)", "people affected"):
        lt.add_column(col, justify="right" if col != "sector" else "left")
    for sector in sorted(loss):
        lt.add_row(sector, str(impacts[sector]), _yuan(loss[sector]), f"{people[sector]:,}")
    lt.add_row(
        "total", str(sum(impacts.values())), _yuan(sum(loss.values())), f"{sum(people.values()):,}"
    )
    console.print(lt)


@app.command()
def simulate(
    scenario: Annotated[
        str, typer.Option(help="Scenario name (see `scenarios`) or a scenario file's path")
    ],
    seed: Annotated[int | None, typer.Option(help="World seed; default: the scenario's")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Summarise only; no Kafka")] = False,
    speed: Annotated[str, typer.Option(help="'max', 'realtime' or a speed-up factor")] = "max",
    services: Annotated[
        str, typer.Option(help="Comma-separated services to wait for each tick (lockstep)")
    ] = "",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for watermarks per tick")] = 30.0,
) -> None:
    """Run a scenario: print a summary (--dry-run) or publish its events to Kafka."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        sc = resolve_scenario(scenario)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--scenario") from None
    except ScenarioFileError as exc:
        raise typer.BadParameter(_problems(exc), param_hint="--scenario") from None
    started = time.perf_counter()
    sim = simulation(sc, sc.seed if seed is None else seed)
    if dry_run:
        _summary(sim, started)
        return
    expected = frozenset(s.strip() for s in services.split(",") if s.strip())
    try:
        policy = ClockPolicy.parse(
            speed, tick_seconds=sc.tick_hours * 3600, services=expected, timeout_s=timeout
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--speed") from None
    from services.simulator.publisher import publish_run  # Kafka only when publishing

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[events]:,} events"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(sc.name, total=sc.ticks, events=0)

        def on_tick(_batch: object, stats: object) -> None:
            progress.update(task, advance=1, events=getattr(stats, "events", 0))

        stats = asyncio.run(publish_run(sim, policy, on_tick=on_tick))
    console.print(
        f"published {stats.events:,} events in {stats.ticks} ticks, {stats.wall_s:.1f} s "
        f"({stats.events / max(stats.wall_s, 1e-9):,.0f} events/s); late ticks: {stats.late_ticks}"
    )


def bench_scenario() -> Scenario:
    """The benchmark's scenario: 30 simulated days over all 11 cities, every sensor hourly."""
    base = get_scenario(BENCH_BASE)
    data = base.model_dump(mode="json")
    data.update(
        name=f"bench-{BENCH_DAYS}d",
        end=(base.start + timedelta(days=BENCH_DAYS)).isoformat(),
        tick_hours=1,
        cities=None,
        cadence={
            "station_h": 1,
            "farm_h": 1,
            "road_h": 1,
            "gauge_h": 1,
            "forecast_every_h": 12,
            "forecast_horizon_h": 72,
        },
    )
    return Scenario.model_validate(data)


@app.command()
def bench(
    seed: Annotated[int, typer.Option(help="Noise seed")] = 7,
    out: Annotated[Path, typer.Option(help="Where to write the figures")] = BENCH_FILE,
) -> None:
    """Measure generation rate (events/s, as fast as possible, no Kafka) and write it to a file."""
    sc = bench_scenario()
    t0 = time.perf_counter()
    sim = simulation(sc, seed)
    t1 = time.perf_counter()
    events = 0
    wire_bytes = 0
    by_topic: Counter[str] = Counter()
    for spec, ev in sim.all_events():
        # Serialising is part of the cost of producing a publishable event.
        wire_bytes += len(ev.to_bytes())
        by_topic[spec.name] += 1
        events += 1
    t2 = time.perf_counter()
    rate = events / (t2 - t0)
    figures = {
        "benchmark": "simulator generation, as fast as possible, no Kafka",
        "scenario": sc.name,
        "simulated_days": BENCH_DAYS,
        "cities": len(sim.state.cities),
        "seed": seed,
        "events": events,
        "bytes": wire_bytes,
        "world_state_s": round(t1 - t0, 3),
        "total_s": round(t2 - t0, 3),
        "events_per_s": round(rate),
        "target_events_per_s": 20_000,
        "meets_target": rate >= 20_000,
        "by_topic": dict(sorted(by_topic.items())),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(
        f"{events:,} events ({wire_bytes / 1e6:.1f} MB JSON) in {t2 - t0:.2f} s = "
        f"[bold]{rate:,.0f} events/s[/] (target 20,000) → {out}"
    )


if __name__ == "__main__":
    app()
