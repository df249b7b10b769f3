"""Every shipped scenario passes against the reference server, as either app kind.

The issue's first "done when": the scenarios are the product's claims about
Okta's flows, so each must pass against the reference implementation — in
process here (fast, a fresh server per scenario). The slow 10 000-user push
runs under ``scim-harness okta run --tag slow`` and the benchmark instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.server.app import create_app
from mock_okta.command import shipped_scenarios
from mock_okta.embedded import one_off_config, target_for
from mock_okta.runner import run_scenario
from mock_okta.scenario import load_scenario

SHIPPED = sorted(shipped_scenarios().glob("*.yaml"))


def test_the_issue_scenarios_are_shipped() -> None:
    names = {path.stem for path in SHIPPED}
    assert {
        "oin-spec-test",
        "oin-crud-test",
        "infra-everyone",
        "secrets-vault",
        "feature-flags-email-id",
        "api-token-setup",
        "api-oauth2-setup",
        "jit-sign-in",
        "bulk-push-10k",
    } <= names


@pytest.mark.parametrize("kind", [None, "custom", "oin"])
@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_passes(path: Path, kind: str | None) -> None:
    scenario = load_scenario(path)
    if "slow" in scenario.tags:
        pytest.skip("slow: run with scim-harness okta run --tag slow")
    config = one_off_config()
    app = create_app(config)
    try:
        result = run_scenario(scenario, target_for(config, app=app), app_kind=kind)
    finally:
        app.state.store.close()
    assert result.verdict == "passed", result.failure_text()
    assert result.leftovers == []
    assert all(step.verdict == "passed" for step in result.steps)
