"""The shipped climate record: written for the library as it is, and read as documented."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.simulator.data import load_observation_model, load_scenarios
from services.simulator.domain.probability import SECTION, ForecastProbability
from shared.world import Climatology, Normal, load_world, year_month


def test_the_record_covers_the_library_and_the_forecasters_products() -> None:
    record = load_world().climatology
    scenarios = load_scenarios()
    assert record.scenarios == tuple(sorted(scenarios)), "rerun `dexsim calibrate-forecasts`"
    products = {
        p.product
        for p in ForecastProbability.model_validate(load_observation_model().root[SECTION]).products
    }
    for name, scenario in scenarios.items():
        outlook = record.outlooks.get(year_month(scenario.start))
        assert outlook is not None, f"{name}: no outlook for its first month"
        # a product whose spell a short scenario's runs cannot hold has no runs, so no entry
        assert outlook and set(outlook) <= products, name


def test_an_outlook_is_read_before_the_calendar_month_and_the_month_before_nothing() -> None:
    hot = Normal(rate=0.5, durations=(4.0,), extremes=(37.0,))
    mild = Normal(rate=0.2, durations=(3.0,), extremes=(35.0,))
    record = Climatology(outlooks={"2013-07": {"p": hot}}, months={7: {"p": mild}})
    # 2013-06-30 17:00 UTC is 1 July 01:00 in Beijing: the month is local
    assert record.normal("p", datetime(2013, 6, 30, 17, tzinfo=UTC)) == hot
    assert record.normal("p", datetime(2015, 7, 10, tzinfo=UTC)) == mild
    assert record.normal("p", datetime(2015, 8, 10, tzinfo=UTC)) is None
    assert record.normal("q", datetime(2013, 7, 10, tzinfo=UTC)) is None


def test_a_record_that_cannot_be_read_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="deciles of its spells"):
        Normal(rate=0.3)
    with pytest.raises(ValueError, match="is not a YYYY-MM month"):
        Climatology(outlooks={"July": {}})
    with pytest.raises(ValueError, match=r"are not 1\.\.12"):
        Climatology(months={13: {}})
