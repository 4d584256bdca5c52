"""The dashboard's HTTP routes: labels from the contracts, scenarios from the operator's command,
starting a run, and the snapshot."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from services.dashboard import launcher as launcher_module
from services.dashboard.launcher import ScenariosUnavailableError, run_scenarios_command
from services.dashboard.service import DashboardSettings, new_state
from shared.contracts.topics import ACTIONS, SECTORS
from tests.factories.dashboard import (
    SCENARIOS,
    FakeCommand,
    RecordingLauncher,
    client,
    labels,
    state,
    tick,
)
from tests.unit.dashboard.summaries import SCENARIO, ensemble, sweep

SAME_ORIGIN = {"Origin": "http://testserver"}


def test_labels_name_every_sector_and_action_of_the_contracts_with_the_page_labels(
    tmp_path: Path,
) -> None:
    http, _ = client(state(tmp_path))
    found = http.get("/api/labels").json()
    assert set(found["sectors"]) == set(SECTORS)
    for name, sector in SECTORS.items():
        assert found["sectors"][name] == {
            "zh": sector.label_zh,
            "en": sector.label_en,
            "colour": sector.colour,
            "decides": bool(sector.actions),
        }
    # The plan's order: the multiplier cards and loss curves keep the page's order (a sector
    # scaffolded since, with no plan section yet, comes after these).
    # 二.2, 二.4, 二.5, 二.7, 二.8, 二.9, 二.10, 二.11, 二.12, 二.14, 二.15
    first = [
        "agriculture", "transport", "finance", "tourism", "health", "emergency", "weather",
        "urban", "energy", "water", "rural",
    ]  # fmt: skip
    assert list(found["sectors"])[: len(first)] == first
    deciding = [n for n, s in found["sectors"].items() if s["decides"] and n in first]
    assert deciding == [n for n in first if n != "weather"]
    assert set(found["actions"]) == set(ACTIONS)
    assert found["actions"]["close_road"] == {"zh": "封闭高速", "en": "close expressway"}
    for group in ("modes", "colours", "signals", "status", "bases", "run_states", "ui"):
        assert found[group] == labels()[group]


def test_the_labels_file_no_longer_names_sectors_or_actions() -> None:
    assert "sectors" not in labels()
    assert "actions" not in labels()
    assert labels()["colours"]["red"]["rgb"] == "#e5141b"


def test_the_scenario_library_is_listed_once_through_the_command(tmp_path: Path) -> None:
    command = FakeCommand()
    http, _ = client(state(tmp_path, command))
    assert command.calls == 0  # lazily, on first use
    first = http.get("/api/scenarios")
    assert first.status_code == 200
    assert first.json() == SCENARIOS
    assert http.get("/api/scenarios").json() == SCENARIOS
    assert http.post("/api/runs", json={"scenario": "fog-expressway"}).status_code == 202
    assert command.calls == 1


def test_a_failing_command_gives_a_clear_503_and_is_tried_again_later(tmp_path: Path) -> None:
    command = FakeCommand(error=ScenariosUnavailableError("`dexsim scenarios --json` exited 2"))
    found = state(tmp_path, command)
    http, _ = client(found)
    listed = http.get("/api/scenarios")
    assert listed.status_code == 503
    assert listed.json()["detail"] == "`dexsim scenarios --json` exited 2"
    run = http.post("/api/runs", json={"scenario": "poyang-flood-2020"}, headers=SAME_ORIGIN)
    assert run.status_code == 503
    assert isinstance(found.launcher, RecordingLauncher) and found.launcher.started == []
    command.error = None
    assert http.get("/api/scenarios").status_code == 200
    assert command.calls == 3


def test_output_that_is_not_a_scenario_list_gives_a_503_naming_the_field(tmp_path: Path) -> None:
    http, _ = client(state(tmp_path, FakeCommand(output=[{"name": "poyang-flood-2020"}])))
    listed = http.get("/api/scenarios")
    assert listed.status_code == 503
    assert "printed no scenario list" in listed.json()["detail"]
    assert "description_zh" in listed.json()["detail"]


def test_an_unknown_scenario_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    found = state(tmp_path)
    http, _ = client(found)
    refused = http.post("/api/runs", json={"scenario": "no-such-storm"})
    assert refused.status_code == 422
    assert "fog-expressway, poyang-flood-2020" in refused.json()["detail"]
    assert isinstance(found.launcher, RecordingLauncher) and found.launcher.started == []


def test_a_run_from_another_origin_is_refused(tmp_path: Path) -> None:
    found = state(tmp_path)
    http, _ = client(found)
    refused = http.post(
        "/api/runs", json={"scenario": "poyang-flood-2020"}, headers={"Origin": "http://evil"}
    )
    assert refused.status_code == 403
    assert isinstance(found.launcher, RecordingLauncher) and found.launcher.started == []


def test_starting_a_run_clears_the_board_and_the_deduplication_window(tmp_path: Path) -> None:
    found = state(tmp_path)
    http, runtime = client(found)
    found.board.on_tick(tick(3))
    old_dedupe = runtime.dedupe
    started = http.post(
        "/api/runs", json={"scenario": "poyang-flood-2020", "fusion": False}, headers=SAME_ORIGIN
    )
    assert started.status_code == 202
    assert started.json()["state"] == "running"
    assert isinstance(found.launcher, RecordingLauncher)
    assert found.launcher.started == [("poyang-flood-2020", False)]
    assert found.board.clock is None
    assert runtime.dedupe is not old_dedupe
    assert runtime.dedupe.first_time(tick(3).event_id)


def test_the_snapshot_holds_the_board_and_the_run(tmp_path: Path) -> None:
    found = state(tmp_path)
    http, _ = client(found)
    found.board.on_tick(tick(0))
    snap = http.get("/api/snapshot").json()
    assert snap["clock"]["scenario"] == "poyang-flood-2020"
    assert len(snap["cities"]) == 11
    assert snap["run"]["state"] == "idle"


def test_the_services_state_lists_scenarios_with_the_operators_command() -> None:
    built = new_state(DashboardSettings())
    assert built.list_scenarios is run_scenarios_command
    assert built.labels == labels()


def test_the_command_runner_reads_the_printed_json(monkeypatch: pytest.MonkeyPatch) -> None:
    printer = "import json; print(json.dumps([{'name': 'x', 'seed': 1}]))"
    monkeypatch.setattr(launcher_module, "SCENARIOS_COMMAND", (sys.executable, "-c", printer))
    assert run_scenarios_command() == [{"name": "x", "seed": 1}]


def test_the_command_runner_names_a_failing_command_and_its_last_error_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    failing = "import sys; sys.exit('No such option: --json')"
    monkeypatch.setattr(launcher_module, "SCENARIOS_COMMAND", (sys.executable, "-c", failing))
    with pytest.raises(ScenariosUnavailableError, match=r"exited with status 1: No such option"):
        run_scenarios_command()


def test_the_command_runner_refuses_output_that_is_not_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chatty = "print('scenarios: 2')"
    monkeypatch.setattr(launcher_module, "SCENARIOS_COMMAND", (sys.executable, "-c", chatty))
    with pytest.raises(ScenariosUnavailableError, match="printed no JSON"):
        run_scenarios_command()


def test_the_page_and_its_own_scripts_are_served_under_a_same_origin_policy(
    tmp_path: Path,
) -> None:
    http, _ = client(state(tmp_path))
    page = http.get("/")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = http.get("/static/app.js")
    assert script.status_code == 200 and "/api/labels" in script.text
    assert "SECTOR_COLOURS" not in script.text
    assert http.get("/static/secrets.env").status_code == 404
    assert http.get("/vendor/jquery.js").status_code == 404


def test_a_scenarios_latest_ensemble_is_served_and_a_missing_one_says_how_to_make_it(
    tmp_path: Path,
) -> None:
    found = state(tmp_path)
    http, _ = client(found)
    missing = http.get(f"/api/ensembles/{SCENARIO}")
    assert missing.status_code == 404
    assert f"dexsim ensemble --scenario {SCENARIO}" in missing.json()["detail"]
    summary = ensemble()
    found.board.on_ensemble(summary)
    served = http.get(f"/api/ensembles/{SCENARIO}")
    assert served.status_code == 200
    assert served.json() == found.board.summaries.ensemble(SCENARIO)
    assert served.json()["id"] == str(summary.event_id)
    assert served.json()["flows"][0]["value_yuan"]["p50"] == 9.0e7
    listed = http.get("/api/snapshot").json()["summaries"]["ensembles"]
    assert [e["id"] for e in listed] == [str(summary.event_id)]


def test_a_scenarios_latest_sweep_is_served_and_a_missing_one_says_how_to_make_it(
    tmp_path: Path,
) -> None:
    found = state(tmp_path)
    http, _ = client(found)
    missing = http.get(f"/api/sweeps/{SCENARIO}")
    assert missing.status_code == 404
    assert f"dexsim sweep --scenario {SCENARIO}" in missing.json()["detail"]
    found.board.on_sweep(sweep())
    served = http.get(f"/api/sweeps/{SCENARIO}").json()
    assert served["param"] == "forecast_error"
    assert [p["value"] for p in served["points"]] == [0.0, 1.0, 2.0]


def test_a_scenario_name_longer_than_the_contracts_allow_is_refused(tmp_path: Path) -> None:
    http, _ = client(state(tmp_path))
    assert http.get("/api/ensembles/" + "x" * 65).status_code == 422
    assert http.get("/api/sweeps/" + "x" * 65).status_code == 422
