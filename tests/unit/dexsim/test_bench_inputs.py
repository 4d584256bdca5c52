"""The bench drives every sector service, on the topics its manifest reads, derived not listed."""

from __future__ import annotations

from dexsim import bench, registry
from shared.contracts.spec import TopicRole


def test_every_sector_service_is_benched_on_what_it_reads_without_fusion() -> None:
    assert set(bench.SECTOR_INPUTS) == {e.name for e in registry.sectors()}
    for e in registry.sectors():
        assert bench.SECTOR_INPUTS[e.name] == e.manifest.reads(fusion=False)
    assert set(bench.BenchConfig().services) == set(bench.SECTOR_INPUTS)


def test_the_offered_load_is_the_simulator_s_observations_only() -> None:
    assert bench.DATA_TOPICS
    for spec in bench.DATA_TOPICS:
        assert spec.marked and spec.role is TopicRole.OBSERVATIONS
