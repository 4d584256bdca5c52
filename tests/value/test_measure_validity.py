"""The value measure checked for validity, not for a favourable outcome (in-process, no broker).

* **control**: with fusion off the gain is exactly 0 in every sector, and the siloed result is
  the same whether fusion is on or off (independence), for every scenario and several seeds;
* **perfect information**: oracle decisions (each loss protected exactly where and when it
  happens, at its perfect-information cost) score REV of at least 1;
* **determinism**: the same world scores the same twice;
* **monotone**: on a small sweep of the shared forecasts' error the siloed result stays the same
  and the medians of the fused REV, the gain and the gap closed do not rise as the forecasts
  get worse;
* **zero skill**: forecasts that carry no information about when a hazard comes (the world's own,
  moved by half its span: the same climatological rate), issuing the climate record's chance of
  each product as a calibrated forecaster without skill would, give the fused mode no more value
  than the siloed one, which weighs the same record (``shared.world.Climatology``).

The in-process path is the Kafka path's exact twin (``tests/e2e`` compares them to the fen).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from dexsim.ensemble import prepare, run_worlds, score_one
from dexsim.inprocess import Variation, WorldSpec, fused_flows, score, simulate
from dexsim.values import quantile
from services.referee.domain import Scoreboard
from services.simulator.data import load_scenarios
from shared.contracts.envelope import Mode, derived_id
from shared.contracts.simulator import ImpactOccurred, ValueReference
from shared.contracts.weather import WEATHER_FORECASTS, Exceedance, ForecastIssued
from shared.world import Climatology, Normal, load_world
from tests.factories.referee import decision

#: The truth the oracle reads.
TRUTH = (ImpactOccurred, ValueReference)

SCENARIOS = sorted(load_scenarios())
#: Several seeds per scenario (the independence leak of issue 14 showed on one seed only).
SEEDS = (1, 2)

pytestmark = pytest.mark.timeout(1800)


def _checks(job: tuple[str, int]) -> dict[str, Any]:
    """One world's runs for the checks below (in a worker process)."""
    scenario, seed = job
    spec = WorldSpec(scenario, seed)
    ticks = simulate(spec)
    out: dict[str, Any] = {"on": score(ticks), "off": score(ticks, fusion=False)}
    if seed == SEEDS[0]:
        out["withheld"] = score(ticks, withheld=fused_flows())
        truth = [e for events, _ in ticks for _, e in events if isinstance(e, TRUTH)]
        out["oracle"] = oracle(truth).summary()
    else:
        out["again"] = score(simulate(spec))  # the world simulated and scored afresh
    return out


@pytest.fixture(scope="module")
def checks() -> dict[tuple[str, int], dict[str, Any]]:
    """Every scenario's worlds and their runs, two worlds at a time."""
    jobs = [(s, seed) for s in SCENARIOS for seed in SEEDS]
    return dict(zip(jobs, run_worlds(jobs, _checks, jobs=2), strict=True))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fusion_off_gains_nothing_and_fusion_does_not_touch_the_siloed_path(
    checks: dict[tuple[str, int], dict[str, Any]], scenario: str
) -> None:
    for seed in SEEDS:
        on, off = checks[(scenario, seed)]["on"], checks[(scenario, seed)]["off"]
        for name, block in off.items():
            assert block["value_gain_yuan"] == 0.0, (seed, name)
            assert block["fused"]["rev"] == block["siloed"]["rev"], (seed, name)
            assert block["multiplier"] in (None, 1.0), (seed, name)
            assert on[name]["siloed"] == block["siloed"], (seed, name)
    # withholding every cross-sector flow is the control too
    assert checks[(scenario, SEEDS[0])]["withheld"] == checks[(scenario, SEEDS[0])]["off"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_same_world_scores_the_same_twice(
    checks: dict[tuple[str, int], dict[str, Any]], scenario: str
) -> None:
    world = checks[(scenario, SEEDS[1])]
    assert world["again"] == world["on"]


def oracle(truth: list[Any]) -> Scoreboard:
    """A board with the truth and, fused, the oracle's decisions: each impact's best action,
    on its asset alone, in place just in time, at its perfect-information cost."""
    board = Scoreboard()
    for event in truth:
        board.add_truth(event)
    for event in truth:
        if not isinstance(event, ImpactOccurred):
            continue
        best = max(
            event.mitigations, key=lambda m: m.avoidable_yuan - m.perfect_cost_yuan, default=None
        )
        if best is None or best.avoidable_yuan <= best.perfect_cost_yuan:
            continue
        board.add_decision(
            decision(
                f"oracle:{event.impact_id}",
                mode=Mode.FUSED,
                at=best.full_benefit_by,
                region=event.region,
                sector=event.sector,
                action=best.action,
                asset_ids=(event.asset_id,),
                cost=best.perfect_cost_yuan,
                # an evacuation moves exactly the people this impact hits, after those moved
                # for the episode's earlier ones
                quantity=(
                    0.0
                    if best.people_before is None
                    else float(best.people_before + event.people_affected)
                ),
            )
        )
    board.advance_to(max(e.occurred_at for e in truth))
    return board


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_oracle_decisions_score_a_relative_value_of_one(
    checks: dict[tuple[str, int], dict[str, Any]], scenario: str
) -> None:
    for name, block in checks[(scenario, SEEDS[0])]["oracle"].items():
        rev = block["fused"]["rev"]
        if rev is None:  # perfect information gains nothing over the reference here
            continue
        # V* is attainable: acting exactly where and when losses occur scores at least it. It
        # can score more where one protection covers several impacts of an asset (rules that
        # share an action, or an impact not worth protecting alone that another's protection
        # covers for free), which V* counts impact by impact: REV 1.09-1.14 for agriculture in
        # the freezing rain and the drought (issue 14's note).
        assert rev >= 1.0 - 1e-6, (name, block)


def test_fused_value_does_not_rise_as_forecasts_get_worse() -> None:
    """3 error levels x 5 seeds of the heat wave (forecasts drive its fused decisions); each
    level's forecaster calibrated on its own hindcasts, as ``dexsim sweep`` does. The level
    scales the forecasts shared with other sectors, so the siloed result is the same at every
    level (a control), and the fused relative value, the gain and the gap closed do not rise."""
    medians: dict[str, list[float]] = {"rev_fused": [], "gain_yuan": [], "gap_closed": []}
    siloed: list[list[float]] = []
    variations = [Variation().with_value("forecast_error", e) for e in (0.0, 1.0, 3.0)]
    prepare(variations, jobs=2)
    for variation in variations:
        specs = [WorldSpec("heatwave-rice-flowering", s, variation) for s in range(1, 6)]
        results = run_worlds(specs, score_one, jobs=2)
        siloed.append([r.summary["overall"]["siloed"]["rev"] for r in results])
        for name, values in medians.items():
            values.append(quantile([r.measures["overall"][name] for r in results], 0.5))
    assert siloed[0] == siloed[1] == siloed[2]
    for name, (perfect, calibrated, worse) in medians.items():
        assert perfect >= calibrated >= worse, (name, medians[name])


def test_forecasts_without_skill_are_worth_nothing_to_the_fused_mode() -> None:
    """Zero skill: the sectors' fused models read forecasts made for another time of the same
    world (moved by half its span, whole days, so the climatological rate and the daily cycle
    stay) and no other sector's data; the weather service, whose public warnings both modes
    read, keeps the real forecasts. Compared seed by seed (the same world in both modes), the
    median fused REV is no more than a small tolerance above the siloed one."""
    gaps: list[float] = []
    others = [f for f in fused_flows() if f[0] != WEATHER_FORECASTS.name]
    for seed in range(1, 6):
        spec = WorldSpec("heatwave-rice-flowering", seed)
        ticks = with_unskilled_forecasts(simulate(spec), load_world().climatology)
        overall = score(ticks, withheld=others, shared={WEATHER_FORECASTS.name: NO_SKILL.name})
        gaps.append(overall["overall"]["fused"]["rev"] - overall["overall"]["siloed"]["rev"])
    assert quantile(gaps, 0.5) <= ZERO_SKILL_TOLERANCE, gaps


#: How far above the siloed REV a forecaster without skill may leave the fused one (the paired
#: median over the seeds): the timing of a moved forecast's spells against the world's still
#: varies the result a little either way (measured: -0.008 to +0.026 per seed, median +0.006).
ZERO_SKILL_TOLERANCE = 0.02


#: Where the unskilled forecasts go: a shared copy of the forecasts, read in place of them by
#: every service that reads forecasts as another sector's data (the bus's ``shared``).
NO_SKILL = dataclasses.replace(WEATHER_FORECASTS, event="forecasts-no-skill")


def with_unskilled_forecasts(ticks: list[Any], climate: Climatology) -> list[Any]:
    """``ticks`` plus, on ``NO_SKILL``, each forecast replaced by the one issued half the span
    (whole days) later (wrapping round), moved back to the time it replaces, and issuing each
    product's climatological chance (the climate record's, the chance both modes know): a
    forecaster with no skill that knows it, as a sweep's forecaster calibrated on its own
    hindcasts does. (Its own chances would be the confident ones of the real time: a
    forecaster wrong about its own skill, not one without.)"""
    hours_per_tick = (ticks[0][1].occurred_at - ticks[0][1].tick_start).total_seconds() / 3600
    span_h = hours_per_tick * len(ticks)
    shift_ticks = round(max(24, int(span_h / 2 // 24) * 24) / hours_per_tick)
    out = []
    for k, (events, marker) in enumerate(ticks):
        source, source_marker = ticks[(k + shift_ticks) % len(ticks)]
        delta = marker.occurred_at - source_marker.occurred_at
        moved = [
            (NO_SKILL, _moved(e, delta, climate))
            for spec, e in source
            if spec.name == WEATHER_FORECASTS.name
        ]
        out.append(([*events, *moved], marker))
    return out


def _moved(fc: ForecastIssued, delta: timedelta, climate: Climatology) -> ForecastIssued:
    steps = tuple(s.model_copy(update={"valid_at": s.valid_at + delta}) for s in fc.steps)
    when = fc.run_at + delta
    chances = tuple(
        Exceedance(product=e.product, probability=_rate(climate.normal(e.product, when)))
        for e in fc.exceedance
    )
    return fc.model_copy(
        update={
            "event_id": derived_id("no-skill", fc.event_id),
            "occurred_at": fc.occurred_at + delta,
            "run_at": fc.run_at + delta,
            "steps": steps,
            "exceedance": chances,
        }
    )


def _rate(normal: Normal | None) -> float:
    return 0.0 if normal is None else normal.rate
