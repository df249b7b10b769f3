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
