"""The campaign engine: budgets, shrinking, the example database, replay files.

Small example counts only; the big campaigns are CLI and benchmark runs.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from harness.client import ScimClient
from harness.fuzz.campaign import PROPERTIES, CampaignOptions, run_campaign, selected
from harness.fuzz.replay import ReplayError, load_replay, replay, replay_outcomes, write_replay
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, FaultyApp

TOKEN = "scimh-test-token-c0ffee1234"


def reference_app() -> Any:
    return create_app(ServerConfig(token=TOKEN))


def faulty(name: str) -> Any:
    fault = FAULTS_BY_NAME[name]
    config = fault.server_config(ServerConfig(token=TOKEN))
    return FaultyApp(create_app(config), fault, config)


def available(name: str) -> bool:
    """A property whose strategies module (another part of issue 6) is present."""
    needs = {
        "filters-users": "filters",
        "filters-groups": "filters",
        "invalid-filters": "filters",
        "patch-users": "patches",
        "patch-groups": "patches",
        "invalid-patches": "patches",
        "paging": "resources",
        "stateful": "stateful",
    }[name]
    return importlib.util.find_spec(f"harness.fuzz.{needs}") is not None


def campaign(app: Any, names: list[str], **extra: Any) -> Any:
    options = CampaignOptions(**{"app": app, "token": TOKEN, "seed": 7, "properties": names,
                                 **extra})  # fmt: skip
    return run_campaign(options)


@pytest.mark.parametrize("name", [n for n in PROPERTIES if n != "stateful"])
def test_reference_server_has_no_findings(name: str) -> None:
    if not available(name):
        pytest.skip(f"the strategies of {name} are not in this build yet")
    result = campaign(reference_app(), [name], max_examples=50)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
    assert prop.examples >= 50 and prop.stopped == "examples"
    assert result.leftovers == [] and result.exit_code == 0


def test_planted_paging_defect_is_shrunk_and_replays(tmp_path: Path) -> None:
    result = campaign(faulty("start-index-zero-based"), ["paging"], max_examples=200)
    assert result.exit_code == 1
    (finding,) = result.findings
    assert finding.kind == "paging" and finding.found_by == "paging"
    # Shrunk: one resource is enough to show a 0-based startIndex.
    assert [step.expect for step in finding.steps] == ["setup", finding.steps[-1].expect]
    assert finding.steps[-1].expect.startswith("paging ") and "{id0}" in finding.steps[-1].expect
    path = tmp_path / "replay.json"
    write_replay(path, result.findings, result.prefix)
    (loaded,) = load_replay(path)
    assert loaded.to_json() == finding.to_json()
    assert TOKEN not in path.read_text()
    with ScimClient.in_process(faulty("start-index-zero-based"), TOKEN) as client:
        again = replay(path, client)
        assert [f.kind for f in again] == ["paging"]
    with ScimClient.in_process(reference_app(), TOKEN) as client:
        (outcome,) = replay_outcomes(path, client)
        assert not outcome.reproduced and outcome.reason == "every expectation held"


def test_filter_finding_replays_against_the_faulty_app_only(tmp_path: Path) -> None:
    """A hand-made filter finding (the oracle's, three users) through the replay file."""
    from harness.fuzz.oracles import filter_oracle
    from harness.fuzz.target import FuzzTarget
    from harness.scim.schema import USER_URN

    target = FuzzTarget.for_app(faulty("filter-precedence-left-to-right"), TOKEN)
    with target.example():
        for number, row in enumerate(({"title": "a", "active": True}, {"title": "c"})):
            target.create("Users", {"schemas": [USER_URN], "userName": f"{target.prefix}{number}",
                                    **row})  # fmt: skip
        findings = filter_oracle(
            target, "Users", 'title eq "a" or title eq "c" and active eq false'
        )
    target.cleanup()
    assert [f.kind for f in findings] == ["filter-differential"]
    path = tmp_path / "replay.json"
    write_replay(path, findings, target.prefix)
    with ScimClient.in_process(faulty("filter-precedence-left-to-right"), TOKEN) as client:
        assert [f.kind for f in replay(path, client)] == ["filter-differential"]
    with ScimClient.in_process(reference_app(), TOKEN) as client:
        assert replay(path, client) == []


def test_example_database_replays_a_failure_first(tmp_path: Path) -> None:
    database = str(tmp_path / "db")
    first = campaign(
        faulty("start-index-zero-based"), ["paging"], max_examples=200, database_dir=database
    )
    assert first.findings and any(Path(database).iterdir())
    again = campaign(
        faulty("start-index-zero-based"),
        ["paging"],
        max_examples=200,
        database_dir=database,
        seed=99,
    )
    assert again.findings
    # The saved example comes first: few examples until the failure is shown again.
    assert again.properties[0].examples <= first.properties[0].examples


def test_duration_budget_stops_between_chunks() -> None:
    result = campaign(reference_app(), ["paging"], duration_s=0.5, chunk=5)
    (prop,) = result.properties
    assert prop.stopped == "duration" and prop.examples >= 5


def test_unknown_property_and_bad_target() -> None:
    with pytest.raises(ValueError):
        selected(["no-such-property"])
    result = run_campaign(CampaignOptions(app=reference_app(), token=TOKEN, properties=["nope"]))
    assert result.exit_code == 2 and result.problem
    refused = run_campaign(CampaignOptions(app=reference_app(), token="wrong", max_examples=1))
    assert refused.exit_code == 2 and "authentication refused" in str(refused.problem)


def test_replay_file_errors(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "something-else"}')
    with pytest.raises(ReplayError):
        load_replay(path)


def test_stateful_property_runs_when_present() -> None:
    if not available("stateful"):
        pytest.skip("harness.fuzz.stateful not in this build yet")
    result = campaign(reference_app(), ["stateful"], max_examples=5)
    (prop,) = result.properties
    assert prop.error is None, prop.error
    assert result.findings == [], "\n\n".join(f.text() for f in result.findings)
