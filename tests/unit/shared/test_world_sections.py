"""A sector's world data: its own file, with the world's shared values given once."""

from __future__ import annotations

import pytest

from shared.world import load_world
from shared.world.sectors import section
from shared.world.sectors.health import HealthWorld, health
from shared.world.sectors.rural import villages
from shared.world.sectors.urban import urban


def test_every_sector_that_counts_deaths_values_them_at_the_world_s_one_vsl() -> None:
    world = load_world()
    vsl = world.damage.constants.value_of_statistical_life_yuan
    assert health(world).vsl_yuan == villages(world).vsl_yuan == vsl
    assert urban(world).value_of_statistical_life_yuan == vsl


def test_a_sector_file_that_declares_a_shared_value_again_is_refused() -> None:
    world = load_world()
    raw = {**world.sectors["health"], "vsl_yuan": 1.0}
    again = world.model_copy(update={"sectors": {**world.sectors, "health": raw}})
    with pytest.raises(ValueError, match=r"health\.yaml declares \['vsl_yuan'\]"):
        section(again, "health", HealthWorld, vsl_yuan=2.0)
