"""Broken SCIM servers fail the shipped scenarios at the right step, in Okta's words.

The issue's "broken variants of the reference server": each planted defect
(harness.server.faults) must make the scenario that exercises it fail at
the step where Okta would notice — not earlier, not later — with a message
an Okta admin would recognise; a 429 storm within Okta's retry budget must
be recovered from, and one beyond it must fail the first step.
"""

from __future__ import annotations

import pytest

from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, RateLimitStorm, faulty_app
from mock_okta.command import shipped_scenarios
from mock_okta.results import ScenarioResult
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import load_scenario

SCENARIOS = shipped_scenarios()
TOKEN = "fault-scenario-token"


def run(scenario_file: str, app: object, kind: str | None = None) -> ScenarioResult:
    scenario = load_scenario(SCENARIOS / scenario_file)
    return run_scenario(scenario, RunTarget(app=app, token=TOKEN), app_kind=kind)


def first_step(scenario_file: str, event: str) -> int:
    scenario = load_scenario(SCENARIOS / scenario_file)
    return next(step.index for step in scenario.steps if step.event.value == event)


@pytest.mark.parametrize(
    ("fault", "scenario_file", "kind", "event", "words"),
    [
        # Okta's CRUD test: the deactivation is "accepted" but the user stays active.
        ("deactivate-ignored", "oin-crud-test.yaml", "oin", "deactivate_user", ["active"]),
        ("deactivate-ignored", "oin-crud-test.yaml", "custom", "deactivate_user", ["active"]),
        # A case-sensitive userName filter misses the existing user: Okta POSTs, the
        # server (uniqueness is case-insensitive) refuses — Okta's create error.
        (
            "filter-username-case-sensitive",
            "link-existing-user.yaml",
            None,
            "assign_user",
            ["Automatic provisioning of user", "failed", "409"],
        ),
        # Removing one member empties the group.
        ("remove-member-removes-all", "group-push.yaml", None, "remove_member", ["members"]),
        # The rename is answered 200 and not stored.
        ("group-rename-ignored", "group-push.yaml", None, "rename_group", ["Platform"]),
    ],
)
def test_fault_fails_the_scenario_at_the_right_step(
    fault: str, scenario_file: str, kind: str | None, event: str, words: list[str]
) -> None:
    clean = run(scenario_file, create_app(ServerConfig(token=TOKEN)), kind)
    assert clean.verdict == "passed", clean.failure_text()

    broken = run(scenario_file, faulty_app(FAULTS_BY_NAME[fault], ServerConfig(token=TOKEN)), kind)
    assert broken.verdict == "failed", broken.failure_text()
    failed = broken.failed_steps()
    assert failed[0].index == first_step(scenario_file, event), broken.failure_text()
    text = broken.failure_text()
    for word in words:
        assert word in text, text
    assert f"{scenario_file}:{failed[0].line}" in text


def test_a_429_burst_within_oktas_budget_is_recovered() -> None:
    clean = run("oin-crud-test.yaml", create_app(ServerConfig(token=TOKEN)))
    app = RateLimitStorm(create_app(ServerConfig(token=TOKEN)), burst=4, every=7, retry_after="0")
    stormy = run("oin-crud-test.yaml", app)
    assert stormy.verdict == "passed", stormy.failure_text()
    statuses = [e.status for step in stormy.steps for e in step.exchanges]
    assert statuses.count(429) >= 4
    # Each 429 was retried until answered: without the 429s, Okta sent exactly
    # what it sends to a calm server.
    sent = [(e.method, e.status) for step in stormy.steps for e in step.exchanges]
    calm = [(e.method, e.status) for step in clean.steps for e in step.exchanges]
    assert [call for call in sent if call[1] != 429] == calm


def test_an_endless_429_storm_fails_the_first_step_in_oktas_words() -> None:
    app = RateLimitStorm(create_app(ServerConfig(token=TOKEN)), endless=True, retry_after="0")
    result = run("oin-crud-test.yaml", app)
    assert result.verdict == "failed"
    failed = result.failed_steps()
    assert failed[0].index == 0
    assert "429" in result.failure_text()
    # Okta gave up after its bounded retries: 1 attempt + 10 retries.
    assert [e.status for e in failed[0].exchanges] == [429] * 11
