"""The sector plug-ins: found by themselves, feeding every observation topic, each sector's own."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from pydantic import BaseModel

from services.simulator.data import load_observation_model, load_plugins
from services.simulator.domain.engine import Simulation
from services.simulator.domain.observations import ObservationModel, bind_parameters
from services.simulator.domain.plugin import (
    CodedRule,
    Exposure,
    ModelSection,
    SectorPlugin,
    assemble,
)
from services.simulator.sectors import emergency
from shared.contracts.simulator import ImpactOccurred
from shared.contracts.topics import REGISTRY, TopicRole
from shared.world import DamageRule, load_world
from tests.factories.simulator import RUN_ID, flood, short

SECTORS_DIR = Path(__file__).resolve().parents[3] / "services" / "simulator" / "sectors"

#: The topics the simulator feeds with a sector's observations.
OBSERVATION_TOPICS = {
    spec.name for spec in REGISTRY.values() if spec.marked and spec.role is TopicRole.OBSERVATIONS
}


def _plugin(name: str) -> SectorPlugin:
    return next(p for p in load_plugins() if p.sector.name == name)


def _simulation(plugins: tuple[SectorPlugin, ...], days: int) -> Simulation:
    return Simulation(
        short("heatwave-rice-flowering", days),
        1,
        world=load_world(),
        model=load_observation_model(),
        plugins=plugins,
        run_id=RUN_ID,
    )


def test_every_module_of_the_sectors_package_is_discovered_as_a_plug_in() -> None:
    modules = {p.stem for p in SECTORS_DIR.glob("*.py") if not p.stem.startswith("_")}
    found = {p.sector.name.replace("-", "_") for p in load_plugins()}
    assert found == modules
    assert {"weather", "agriculture", "transport", "emergency"} <= found


def test_the_plug_ins_together_feed_every_observation_topic_the_simulator_marks() -> None:
    declared = {s.topic.name for p in load_plugins() for s in p.sensors}
    assert OBSERVATION_TOPICS and declared == OBSERVATION_TOPICS
    # And they really produce them: 14 days of the 2020 flood have every kind of reading.
    produced = {topic for topic, _ in flood(7)}
    assert produced >= OBSERVATION_TOPICS


def test_every_rule_of_damage_yaml_belongs_to_a_plug_in_s_own_assets() -> None:
    sectors = assemble(load_plugins(), load_world(), load_observation_model())
    ran = {r.id for s in sectors.impacts for r in s.rules}
    coded = {c.rule.id for p in load_plugins() for c in p.rules}
    assert ran == {r.id for r in load_world().damage.rules} | coded
    for impacts in sectors.impacts:
        kinds = {e.kind for e in impacts.exposures}
        assert all(r.asset in kinds and r.sector == impacts.sector for r in impacts.rules)


def test_a_sector_without_a_plug_in_is_refused_rather_than_left_without_truth() -> None:
    without_transport = tuple(p for p in load_plugins() if p.sector.name != "transport")
    with pytest.raises(ValueError, match="fog-accidents"):
        assemble(without_transport, load_world(), load_observation_model())


def test_an_observation_model_section_no_plug_in_reads_is_refused() -> None:
    raw = {**load_observation_model().root, "statoin": {"drop_p": 0.1}}
    with pytest.raises(ValueError, match="statoin"):
        assemble(load_plugins(), load_world(), ObservationModel(raw))


def test_a_plug_in_may_ship_its_parameters_in_code() -> None:
    class Extra(BaseModel):
        rate: float

    bound = bind_parameters(
        ObservationModel({}), [ModelSection("extra", Extra, default=Extra(rate=0.5))]
    )
    assert bound["extra"] == Extra(rate=0.5)


def test_a_rule_declared_in_code_runs_over_its_own_sector_s_assets_only() -> None:
    heat = DamageRule(
        id="test-city-heat",
        sector="weather",
        impact="heat_stress",
        hazards=("heat_wave",),
        asset="city",
        variable="temp",
        op="ge",
        threshold=35,
        unit="hour",
        mode="duration",
        steps=((3, 0.001),),
    )
    weather = dataclasses.replace(
        _plugin("weather"),
        exposures=(Exposure(kind="city", assets=emergency.cities),),
        rules=(CodedRule(rule=heat, source="a test's threshold (?)"),),
    )
    plain = load_plugins()
    extended = tuple(weather if p.sector.name == "weather" else p for p in plain)

    def impacts(plugins: tuple[SectorPlugin, ...]) -> list[ImpactOccurred]:
        sim = _simulation(plugins, 6)
        return [ev for _, ev in sim.all_events() if isinstance(ev, ImpactOccurred)]

    def doc(ev: ImpactOccurred) -> str:
        return ev.model_dump_json(exclude={"produced_at"})

    before, after = impacts(plain), impacts(extended)
    added = [ev for ev in after if ev.impact_id.startswith("test-city-heat:")]
    assert added and {ev.sector for ev in added} == {"weather"}
    assert {ev.asset_id for ev in added} <= {c.code for c in load_world().cities}
    # Emergency's city rules did not run over weather's cities, nor the new rule over theirs.
    assert [doc(ev) for ev in after if ev not in added] == [doc(ev) for ev in before]


def test_a_rule_in_code_must_say_where_its_figures_come_from() -> None:
    rule = load_world().damage.rules[0]
    with pytest.raises(ValueError, match="source"):
        CodedRule(rule=rule, source=" ")
