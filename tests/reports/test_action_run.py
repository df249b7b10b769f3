"""The composite action's own shell steps, run as GitHub would run them.

``test_action.py`` checks the action's shape; this runs its ``gate``,
summary and gate-applying steps with bash against a reference server on
127.0.0.1 (clean, and with a planted defect), the ``${{ … }}`` expressions
filled in from the inputs and the ``GITHUB_OUTPUT`` / ``GITHUB_STEP_SUMMARY``
files GitHub provides. The two ``uses:`` steps (setup-python,
upload-artifact) are GitHub's and are not run here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from harness.server.live import LiveServer

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
TOKEN = "action-run-token-5e1f0c"
EXPRESSION = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")


def steps() -> dict[str, dict[str, Any]]:
    action = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return {step.get("id") or step["name"]: step for step in action["runs"]["steps"]}


def run_step(step: dict[str, Any], context: dict[str, str], files: dict[str, Path]) -> Any:
    """Run one ``shell: bash`` step with its env resolved from ``context``."""
    assert step.get("shell") == "bash"
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "GITHUB_OUTPUT": str(files["output"]),
        "GITHUB_STEP_SUMMARY": str(files["summary"]),
    }
    for name, value in (step.get("env") or {}).items():
        env[name] = EXPRESSION.sub(lambda m: context[m.group(1)], str(value))
    return subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        env=env,
        cwd=files["output"].parent,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(params=["clean", "faulty"])
def target(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    config = ServerConfig(token=TOKEN)
    app: Any = create_app(config)
    if request.param == "faulty":
        app = faulty_app(FAULTS_BY_NAME["filter-username-case-sensitive"], config)
    with LiveServer(app) as live:
        yield request.param, live.url


def test_the_gate_writes_every_report_and_the_summary_and_fails_the_step_on_failures(
    target: tuple[str, str], tmp_path: Path
) -> None:
    kind, url = target
    report_dir = tmp_path / "scim-report"
    files = {"output": tmp_path / "output", "summary": tmp_path / "summary"}
    for file in files.values():
        file.write_text("")
    (tmp_path / "users.json").write_text("{}")  # a glob 'users.*' would match it
    context = {
        "inputs.token": TOKEN,
        "inputs.url": url,
        "inputs.profile": "okta",
        "inputs.report-dir": str(report_dir),
        "inputs.baseline": "",
        "inputs.extra-args": "--select filter.* --select users.*",
    }
    all_steps = steps()
    gate = run_step(all_steps["gate"], context, files)
    assert gate.returncode == 0, gate.stderr  # the step records the code; the last step applies it
    outputs = dict(
        line.split("=", 1) for line in files["output"].read_text().splitlines() if "=" in line
    )
    expected_code = "0" if kind == "clean" else "1"
    assert outputs == {"exit-code": expected_code, "report-dir": str(report_dir)}
    for name in ("report.html", "report.json", "junit.xml", "summary.md"):
        assert (report_dir / name).stat().st_size > 0, name
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    areas = {entry["area"] for entry in report["entries"]}
    assert areas == {"filter", "users"}  # extra-args reached the harness unglobbed

    summary = run_step(all_steps["Write the job summary"], context, files)
    assert summary.returncode == 0
    assert files["summary"].read_text() == (report_dir / "summary.md").read_text()
    if kind == "faulty":
        assert "filter.eq.username-case" in files["summary"].read_text()

    applied = run_step(
        all_steps["Apply the gate"], {"steps.gate.outputs.exit-code": outputs["exit-code"]}, files
    )
    assert applied.returncode == int(expected_code)

    # The token: masked on GitHub by the add-mask line, and written nowhere else.
    printed = [line for line in gate.stdout.splitlines() if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join(printed) + gate.stderr
    for path in [*report_dir.iterdir(), files["summary"], files["output"]]:
        assert TOKEN not in path.read_text(encoding="utf-8"), path.name


def test_a_gate_that_never_ran_fails_the_job(tmp_path: Path) -> None:
    files = {"output": tmp_path / "output", "summary": tmp_path / "summary"}
    applied = run_step(steps()["Apply the gate"], {"steps.gate.outputs.exit-code": ""}, files)
    assert applied.returncode == 2
    assert "::error::the gate did not run" in applied.stdout
