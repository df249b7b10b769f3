"""The GitHub Action (``action.yml``) is well-formed and keeps the token off command lines.

GitHub only reads the file when a workflow uses it, far from this
repository's CI; so the file is checked here: it parses, every input it
declares is used and every ``inputs.X`` it uses is declared, the outputs
point at a step that sets them, the harness is called with the report
options the docs promise — and the token reaches the harness only through
the environment (a ``${{ inputs.token }}`` in a ``run:`` script would be
expanded into the command line, visible in ``ps`` and in the log).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ACTION = Path(__file__).resolve().parents[2] / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
INPUT_REFERENCE = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    loaded = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    runs = action["runs"]
    assert runs["using"] == "composite"
    return list(runs["steps"])


def test_the_action_declares_what_the_docs_promise(action: dict[str, Any]) -> None:
    assert action["inputs"]["url"]["required"] is True
    for name, default in {
        "profile": "okta",
        "python-version": "3.11",
        "report-dir": "scim-report",
        "token": "",
        "baseline": "",
        "extra-args": "",
        "install": "",
    }.items():
        assert action["inputs"][name]["default"] == default, name
    assert set(action["outputs"]) == {"exit-code", "report-dir"}


def test_inputs_and_references_agree(action: dict[str, Any]) -> None:
    text = ACTION.read_text(encoding="utf-8")
    used = {name for expr in EXPRESSION.findall(text) for name in INPUT_REFERENCE.findall(expr)}
    assert used == set(action["inputs"]), (
        f"used but not declared: {sorted(used - set(action['inputs']))}; "
        f"declared but not used: {sorted(set(action['inputs']) - used)}"
    )


def test_outputs_come_from_a_step_that_sets_them(action: dict[str, Any]) -> None:
    by_id = {step["id"]: step for step in steps(action) if "id" in step}
    for name, output in action["outputs"].items():
        match = re.fullmatch(r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}", output["value"])
        assert match, output
        step = by_id[match.group(1)]
        assert f"{match.group(2)}=" in step["run"] and "$GITHUB_OUTPUT" in step["run"], name


def test_the_token_reaches_the_harness_only_through_the_environment(
    action: dict[str, Any],
) -> None:
    for step in steps(action):
        script = step.get("run", "")
        assert "inputs.token" not in script, f"the token is expanded into a script: {step}"
        for expr in EXPRESSION.findall(script):
            assert "secrets." not in expr and "token" not in expr, (step.get("name"), expr)
        if "inputs.token" in str(step.get("with", {})):
            raise AssertionError(f"the token is passed to another action: {step}")
    gate = next(step for step in steps(action) if "scim-harness" in step.get("run", ""))
    assert gate["env"]["SCIM_TOKEN"] == "${{ inputs.token }}"
    assert "::add-mask::$SCIM_TOKEN" in gate["run"]
    # Nothing prints the variable except the mask command GitHub swallows.
    for line in gate["run"].splitlines():
        if "$SCIM_TOKEN" in line:
            assert "add-mask" in line, line


def test_the_gate_writes_every_report_and_exits_with_its_code(action: dict[str, Any]) -> None:
    all_steps = steps(action)
    gate = next(step for step in all_steps if "scim-harness" in step.get("run", ""))
    for option in ("--report-html", "--report-json", "--junitxml", "--report-md", "--profile"):
        assert option in gate["run"], option
    assert "code=$?" in gate["run"] and "set +e" in gate["run"]
    uses = [step.get("uses", "") for step in all_steps]
    assert any(u.startswith("actions/setup-python@") for u in uses)
    upload = next(s for s in all_steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["path"] == "${{ inputs.report-dir }}"
    summary = next(s for s in all_steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert summary["if"] == "always()"
    last = all_steps[-1]
    assert last["if"] == "always()" and 'exit "$CODE"' in last["run"]
    assert last["env"]["CODE"] == "${{ steps.gate.outputs.exit-code }}"
    # Ordering: the summary and the upload come after the gate, the verdict last.
    order = [all_steps.index(s) for s in (gate, summary, upload, last)]
    assert order == sorted(order)


def test_every_bash_step_declares_its_shell(action: dict[str, Any]) -> None:
    """Composite actions require ``shell`` on every ``run`` step."""
    for step in steps(action):
        if "run" in step:
            assert step.get("shell") == "bash", step.get("name")
