"""The signal catalogue file: it loads, and bad edits are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from services.weather.service import WeatherSettings, load_catalogue
from shared.contracts.weather import Colour, SignalType
from tests.factories.weather import catalogue as default_catalogue

SIGNALS_FILE = WeatherSettings().signals_path


def test_the_shipped_catalogue_covers_the_signals_the_scenarios_need() -> None:
    enabled = set(default_catalogue().enabled)
    needed = {"rainstorm", "heat", "cold_wave", "road_icing", "frost", "fog", "gale", "drought"}
    assert needed <= {s.value for s in enabled}
    assert SignalType.TYPHOON not in enabled  # no cyclone track to tell it from a gale


def test_colours_map_to_cap_severities_in_order() -> None:
    cat = default_catalogue()
    assert [cat.severity[c] for c in Colour] == ["Minor", "Moderate", "Severe", "Extreme"]
    assert cat.severity_confirmed == (Colour.BLUE,)


def test_the_agency_code_is_416_and_marked_unconfirmed() -> None:
    ident = default_catalogue().identifier
    assert (ident.agency_code, ident.agency_code_confirmed) == ("416", False)


def _edited(tmp_path: Path, edit: object) -> Path:
    raw = yaml.safe_load(SIGNALS_FILE.read_text(encoding="utf-8"))
    edit(raw)  # type: ignore[operator]
    path = tmp_path / "signals.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_levels_out_of_colour_order_are_refused(tmp_path: Path) -> None:
    def swap(raw: dict) -> None:
        levels = raw["signals"]["rainstorm"]["levels"]
        levels[0], levels[1] = levels[1], levels[0]

    with pytest.raises(ValidationError, match="lowest colour first"):
        load_catalogue(_edited(tmp_path, swap))


def test_an_unknown_template_placeholder_is_refused(tmp_path: Path) -> None:
    def typo(raw: dict) -> None:
        raw["templates"]["headline"]["alert"]["en"] = "{sendr} issues a warning"

    with pytest.raises(ValidationError, match="sendr"):
        load_catalogue(_edited(tmp_path, typo))


def test_a_wind_force_missing_from_the_beaufort_table_is_refused(tmp_path: Path) -> None:
    def drop(raw: dict) -> None:
        del raw["beaufort_ms"][13]

    with pytest.raises(ValidationError, match="force 13"):
        load_catalogue(_edited(tmp_path, drop))
