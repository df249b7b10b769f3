"""``scim-harness okta run`` as a CI pipeline sees it: exit codes, output, report, secrets."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.client import ScimClient
from harness.reports.model import SCHEMA_PATH
from harness.server.config import ServerConfig
from harness.server.testing import LiveScimServer

TOKEN = "cli-okta-secret-token-7d2e"

GOOD = """\
name: good
app: {label: Acme}
org: {users: [{login: ada@example.com, firstName: Ada}]}
steps:
  - assign_user: ada@example.com
    expect: {ok: true, scim_user: {login: ada@example.com, attributes: {name.givenName: Ada}}}
"""
BAD = """\
name: bad
app: {label: Acme}
org: {users: [{login: ada@example.com, firstName: Ada}]}
steps:
  - assign_user: ada@example.com
    expect: {scim_user: {login: ada@example.com, attributes: {name.givenName: Grace}}}
  - verify_user: ada@example.com
"""
SLOW = """\
name: slowpoke
tags: [slow]
app: {label: Acme}
org: {users: [{login: ada@example.com}]}
steps:
  - assign_user: ada@example.com
"""


def validate(report: dict[str, Any]) -> None:
    """Every report a test writes matches the report schema (docs/report.md)."""
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def live() -> Iterator[LiveScimServer]:
    server = LiveScimServer(ServerConfig(token=TOKEN))
    yield server
    server.close()


def test_the_shipped_scenarios_pass_on_embedded_servers(tmp_path: Path) -> None:
    """No URL: a fresh embedded server per scenario (a real socket), a schema-valid report."""
    report = tmp_path / "okta.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "okta",
            "run",
            "--report-json",
            str(report),
            "mock_okta/scenarios/oin-crud-test.yaml",
            "mock_okta/scenarios/group-push.yaml",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "PASSED oin-crud-test" in done.stderr and "PASSED group-push" in done.stderr
    assert 'assign_user crud.tester@example.com: GET /Users?filter=userName eq "crud.tester' in (
        done.stderr
    )
    assert "verdict: PASS" in done.stderr
    data = json.loads(report.read_text())
    validate(data)
    assert data["counts"]["passed"] == data["counts"]["total"] == 2
    assert data["exit_code"] == 0
    steps = data["entries"][0]["steps"]
    assert steps[0]["exchanges"][0]["request"]["headers"]["authorization"] == "Bearer [REDACTED]"


def test_a_failing_scenario_exits_1_with_the_failure_in_full(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, "bad.yaml", BAD)
    report = tmp_path / "r.json"
    assert main(["okta", "run", str(bad), "--report-json", str(report)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:5: step 0 assign_user ada@example.com — FAILED" in err
    assert "name.givenName is 'Ada' (expected 'Grace')" in err
    # Okta created Ada (only the state check failed), so her verification still ran.
    assert "blocked" not in err
    assert "verdict: FAIL — bad" in err
    data = json.loads(report.read_text())
    validate(data)
    steps = data["entries"][0]["steps"]
    assert [s["verdict"] for s in steps] == ["failed", "passed"]
    assert data["exit_code"] == 1


def test_scenario_files_that_do_not_load_exit_2_with_the_loaders_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = write(tmp_path, "good.yaml", GOOD)
    broken = write(tmp_path, "broken.yaml", GOOD.replace("assign_user: ada", "assign_user: bob"))
    assert main(["okta", "run", str(good), str(broken)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}:5: steps[0].assign_user.login: unknown user 'bob@example.com'" in err
    assert "nothing was run" in err and "PASSED" not in err


def test_unreachable_target_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCIM_TOKEN", TOKEN)
    good = write(tmp_path, "good.yaml", GOOD)
    assert main(["okta", "run", str(good), "--url", "http://127.0.0.1:9", "--timeout", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("scim-harness okta run: target unreachable")


def test_refused_credentials_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    live: LiveScimServer,
) -> None:
    monkeypatch.setenv("WRONG_TOKEN", "not-the-token")
    good = write(tmp_path, "good.yaml", GOOD)
    code = main(["okta", "run", str(good), "--url", live.base_url, "--token-env", "WRONG_TOKEN"])
    assert code == 2
    assert "authentication refused" in capsys.readouterr().err


def test_a_url_run_is_namespaced_cleans_up_and_never_shows_the_token(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    live: LiveScimServer,
) -> None:
    monkeypatch.setenv("SCIM_TOKEN", TOKEN)
    good, bad = write(tmp_path, "good.yaml", GOOD), write(tmp_path, "bad.yaml", BAD)
    report = tmp_path / "r.json"
    code = main(["okta", "run", str(good), str(bad), "--url", live.base_url,
                 "--report-json", str(report)])  # fmt: skip
    assert code == 1
    out, err = capsys.readouterr()
    data = json.loads(report.read_text())
    validate(data)
    for text in (out, err, report.read_text()):
        assert TOKEN not in text
    prefix = data["entries"][0]["details"]["prefix"]
    assert prefix.startswith("scimh-") and len(prefix) == len("scimh-1a2b3c-")
    assert f'userName eq "{prefix}ada@example.com"' in err
    assert data["cleanup"]["leftovers"] == [] and data["cleanup"]["removed"] > 0
    with ScimClient(live.base_url, TOKEN) as client:
        assert client.get("/Users").body["totalResults"] == 0


def test_slow_scenarios_run_only_when_selected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "good.yaml", GOOD)
    slow = write(tmp_path, "slow.yaml", SLOW)
    assert main(["okta", "run", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "PASSED good" in err and "PASSED slowpoke" not in err
    assert "skipped slowpoke: tagged slow" in err
    assert main(["okta", "run", str(tmp_path), "--tag", "slow"]) == 0
    err = capsys.readouterr().err
    assert "PASSED slowpoke" in err and "PASSED good" not in err
    assert main(["okta", "run", str(slow)]) == 0  # a file named on its own is selected
    assert "PASSED slowpoke" in capsys.readouterr().err
    assert main(["okta", "run", str(tmp_path), "--tag", "nothing-has-this"]) == 2


def test_list_prints_the_scenarios_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["okta", "run", "--list"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines()]
    assert "oin-crud-test" in names and "group-push" in names
