"""The simulator's adapter to its data: scenario files, the observation model, the plug-ins.

The domain reads no file: this module reads them (with ``shared.datafile.read_yaml``), finds
the sector plug-ins and the world, and passes them into ``Simulation``.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

import services.simulator.sectors as _sectors
from services.simulator.domain.calibration import RecordFigure
from services.simulator.domain.engine import Simulation
from services.simulator.domain.observations import CALIBRATED, ObservationModel
from services.simulator.domain.plugin import SectorPlugin
from services.simulator.domain.scenario import Scenario
from shared.datafile import read_yaml, yaml_line
from shared.world import load_world

_HERE = Path(__file__).resolve().parent
#: Folder holding the scenario YAML files.
SCENARIO_DIR = _HERE / "scenarios"
#: How sensors see the true state (noise, loss, delay, rates), one section per sensor model.
OBSERVATION_MODEL_FILE = _HERE / "observation_model.yaml"
#: The forecaster's fitted probability model (written by ``dexsim calibrate-forecasts``).
CALIBRATION_FILE = _HERE / "forecast_calibration.yaml"
#: The public record the world is calibrated against (losses, hydrographs, forecast skill).
RECORDS_FILE = _HERE / "records.yaml"


class ScenarioFileError(ValueError):
    """A scenario file that does not parse or validate; ``problems`` name field and line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "; ".join(problems))
        self.path = path
        self.problems = problems


def load_scenario_file(path: Path) -> Scenario:
    """Parse and validate one scenario file; a bad one raises ``ScenarioFileError``.

    Every problem is reported as ``line N: field.path: message``.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioFileError(path, [f"cannot read it: {exc.strerror}"]) from exc
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        reason = getattr(exc, "problem", None) or str(exc)
        raise ScenarioFileError(path, [f"{where}not valid YAML: {reason}"]) from exc
    if not isinstance(raw, dict):
        raise ScenarioFileError(path, ["line 1: a scenario is a mapping of fields"])
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, int | str)]
            line = yaml_line(text, loc)
            field = ".".join(str(p) for p in loc) or "(the file)"
            where = f"line {line}: " if line is not None else ""
            problems.append(f"{where}{field}: {err['msg']}")
        raise ScenarioFileError(path, problems) from None


def resolve_scenario(name_or_path: str) -> Scenario:
    """A scenario of the library by name, or a scenario file of the user's by path."""
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ScenarioFileError(path, ["no such file"])
        return load_scenario_file(path)
    return get_scenario(name_or_path)


@cache
def load_scenarios() -> dict[str, Scenario]:
    """Every scenario in the scenario folder, by name (file stem must equal the name)."""
    found: dict[str, Scenario] = {}
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        scenario = load_scenario_file(path)
        if scenario.name != path.stem:
            raise ValueError(f"{path.name}: name {scenario.name!r} differs from the file name")
        found[scenario.name] = scenario
    return found


def get_scenario(name: str) -> Scenario:
    """A scenario by name, with the known names in the error."""
    scenarios = load_scenarios()
    if name not in scenarios:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(sorted(scenarios))}")
    return scenarios[name]


@cache
def load_observation_model() -> ObservationModel:
    """Parse observation_model.yaml once, with the forecast calibration fitted for it."""
    model = ObservationModel.model_validate(read_yaml(OBSERVATION_MODEL_FILE))
    if CALIBRATION_FILE.is_file():
        model = model.with_section(CALIBRATED, {"calibration": read_yaml(CALIBRATION_FILE)})
    return model


@cache
def load_plugins() -> tuple[SectorPlugin, ...]:
    """Every sector plug-in: the ``PLUGIN`` of each module of ``sectors/``, in name order."""
    found: list[SectorPlugin] = []
    for info in sorted(pkgutil.iter_modules(_sectors.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{_sectors.__name__}.{info.name}")
        plugin = getattr(module, "PLUGIN", None)
        if not isinstance(plugin, SectorPlugin):
            raise TypeError(f"{module.__name__} declares no PLUGIN (a SectorPlugin)")
        # The module is the sector's name in snake_case (demo-sector -> demo_sector.py).
        if plugin.sector.name.replace("-", "_") != info.name:
            raise ValueError(f"{module.__name__} is the plug-in of {plugin.sector.name!r}")
        found.append(plugin)
    return tuple(found)


def simulation(
    scenario: Scenario,
    seed: int,
    *,
    run_id: str | None = None,
    model: ObservationModel | None = None,
) -> Simulation:
    """A run of ``scenario`` with ``seed`` in the shipped world, model and plug-ins.

    ``model`` replaces the shipped observation model (a sweep's varied one).
    """
    return Simulation(
        scenario,
        seed,
        world=load_world(),
        model=model or load_observation_model(),
        plugins=load_plugins(),
        run_id=run_id,
    )


@cache
def load_records() -> dict[str, Any]:
    """records.yaml as parsed (the loss figures are validated by ``loss_records``)."""
    records = read_yaml(RECORDS_FILE)
    if not isinstance(records, dict):
        raise ValueError(f"{RECORDS_FILE}: expected a mapping")
    return records


def loss_records() -> dict[str, tuple[RecordFigure, ...]]:
    """The recorded loss figures per scenario, validated; every scenario must exist."""
    out: dict[str, tuple[RecordFigure, ...]] = {}
    for name, figures in load_records()["losses"].items():
        get_scenario(name)
        out[name] = tuple(RecordFigure.model_validate(f) for f in figures)
    return out
