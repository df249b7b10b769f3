"""``scim-harness run`` as a user and a CI pipeline see it: exit codes, files, stderr."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema

from harness.reports.model import SCHEMA_PATH


def scim_harness(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_run_without_url_validates_the_embedded_server(tmp_path: Path) -> None:
    """The README's main command, whole suite, over a real socket (uvicorn on 127.0.0.1)."""
    report, junit, baseline = tmp_path / "r.json", tmp_path / "j.xml", tmp_path / "b.json"
    done = scim_harness(
        "run", "--report-json", str(report), "--junitxml", str(junit),
        "--write-baseline", str(baseline),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "verdict: PASS" in done.stderr
    assert "embedded reference server (http://127.0.0.1:" in done.stderr
    data = json.loads(report.read_text())
    jsonschema.validate(data, json.loads(SCHEMA_PATH.read_text()))
    assert data["counts"]["failed"] == 0 and data["exit_code"] == 0
    assert data["counts"]["warning"] == 0 and data["counts"]["total"] >= 400
    assert junit.read_text().count("<testcase ") == data["counts"]["total"]
    assert json.loads(baseline.read_text())["failures"] == []
    # CI (stderr is not a terminal): one plain line per check.
    progress = re.findall(r"^ *\d+/\d+ PASS ", done.stderr, flags=re.MULTILINE)
    assert len(progress) == data["counts"]["passed"]


def test_unreachable_target_is_exit_2_with_one_line() -> None:
    done = scim_harness("run", "http://127.0.0.1:9", "--timeout", "2")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("scim-harness run: target unreachable")


def test_usage_errors_exit_2() -> None:
    assert scim_harness("run", "--profile", "azure").returncode == 2
    assert scim_harness("run", "--select", "no.such.check").returncode == 2


def test_list_names_every_check_with_its_level() -> None:
    done = scim_harness("run", "--list", "--profile", "okta")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert any(line.startswith("users.post.201 ") and " must " in line for line in lines)
    ids = [line.split()[0] for line in lines]
    assert len(ids) == len(set(ids))


# -- no false green: the URL is always the target, and nothing validated is not a pass --


def test_select_never_swallows_the_url() -> None:
    """``--select ID URL`` once took the URL as a second id and validated the embedded
    server instead (exit 0). The URL must be the target, here an unreachable one."""
    for option in ("--select", "--deselect"):
        done = scim_harness("run", option, "disc.*", "http://127.0.0.1:9", "--timeout", "2")
        assert done.returncode == 2, done.stderr
        assert "127.0.0.1:9" in done.stderr and "embedded" not in done.stderr


def test_anything_but_an_http_url_is_a_usage_error() -> None:
    for value in ("users.*", "example.com/scim", "ftp://example.com/scim"):
        done = scim_harness("run", "--select", "disc.*", value)
        assert done.returncode == 2
        assert "is not a SCIM base URL" in done.stderr
    assert scim_harness("fuzz", "users.*").returncode == 2
    assert scim_harness("okta", "run", "--url", "scim.example").returncode == 2


def test_selections_repeat_or_take_commas() -> None:
    done = scim_harness("run", "--select", "disc.spc.*,disc.rt.*", "--select", "auth.none*")
    assert done.returncode == 0, done.stderr
    ran = set(re.findall(r"^ *\d+/\d+ \w+ (\S+)$", done.stderr, flags=re.MULTILINE))
    assert ran and all(i.startswith(("disc.spc.", "disc.rt.", "auth.none")) for i in ran)
    assert "auth.none-401" in ran


def test_a_run_that_validated_nothing_exits_2_with_that_sentence() -> None:
    done = scim_harness("run", "--read-only", "--select", "users.post.*")
    assert done.returncode == 2, done.stderr
    assert "nothing was validated: all " in done.stderr
    assert "verdict: PASS" not in done.stderr
