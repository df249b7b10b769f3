"""Two mock-Okta runs against one tenant never see each other's users (issue 14, item 8).

Okta's mapping sends the Okta user id as SCIM ``externalId`` and the JIT
sign-in looks users up by it. The mock org's ids come from a counter, which
starts at 1 in every process: unless the ids carry the run's namespace, a
later run's lookup matches a user an earlier run left behind (here: on a
server whose DELETE only deactivates, so every run leaves its users).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import mock_okta.model
from mock_okta.namespace import id_namespace
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import load_scenario
from tests.conformance.test_scoping import TOKEN, delete_deactivates, reference

JIT = Path(mock_okta.model.__file__).parent / "scenarios" / "jit-sign-in.yaml"


def test_the_run_namespace_is_in_every_okta_id() -> None:
    assert id_namespace("scimh-1a2b3c-") == "1a2b3c" and id_namespace("") == ""
    assert mock_okta.model.okta_id("00u", "1a2b3c").startswith("00u1a2b3c")
    assert len(mock_okta.model.okta_id("00u", "1a2b3c")) == 20


def test_two_runs_against_one_server_do_not_see_each_others_users(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = delete_deactivates(reference())  # every run leaves its users behind
    scenario = load_scenario(JIT)
    results = []
    for prefix in ("scimh-aaaaaa-", "scimh-bbbbbb-"):
        # A fresh process each time: the id counter starts again at 1.
        monkeypatch.setattr(mock_okta.model, "_COUNTER", itertools.count(1))
        results.append(run_scenario(scenario, RunTarget(app=app, token=TOKEN), prefix=prefix))
    first, second = results
    assert first.verdict == "passed", first.reason
    assert second.verdict == "passed", [s.to_json() for s in second.steps if s.verdict != "passed"]
    # What the first run left is listed, as deactivated, in its own report.
    assert first.leftovers and {item["outcome"] for item in first.leftovers} == {"deactivated"}
    assert all(item["name"].startswith("scimh-aaaaaa-") for item in first.leftovers)
