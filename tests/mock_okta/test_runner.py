"""run_scenario against the reference server in-process: verdicts, transcripts, safety, cleanup."""

from __future__ import annotations

import dataclasses
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest

from harness.client import ScimClient
from harness.server.app import create_app
from harness.server.config import ServerConfig
from mock_okta.command import shipped_scenarios
from mock_okta.expectations import request_lines
from mock_okta.results import ScenarioResult
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import Scenario, load_scenario, load_scenario_text

SCENARIOS = shipped_scenarios()
TOKEN = "runner-secret-token-4f1b"
BASE = "http://scim.test"


class Server:
    """A fresh reference server in-process, with a plain client to look at it."""

    def __init__(self) -> None:
        self.app = create_app(ServerConfig(token=TOKEN))
        self.client = ScimClient.in_process(self.app, TOKEN)

    def target(self) -> RunTarget:
        return RunTarget(app=self.app, token=TOKEN)

    def all(self, endpoint: str) -> list[dict[str, Any]]:
        body = self.client.get(f"/{endpoint}?count=1000").body
        return list(body.get("Resources") or [])


@pytest.fixture
def server() -> Iterator[Server]:
    made = Server()
    yield made
    made.client.close()
    made.app.state.store.close()


def scenario(text: str) -> Scenario:
    return load_scenario_text(textwrap.dedent(text), "scenarios/test.yaml")


def lines(result: ScenarioResult, index: int) -> list[str]:
    return request_lines(result.steps[index].exchanges, BASE)


def test_oin_crud_test_passes_with_okta_requests_in_order(server: Server) -> None:
    result = run_scenario(load_scenario(SCENARIOS / "oin-crud-test.yaml"), server.target())
    assert result.verdict == "passed", result.failure_text()
    assert [s.verdict for s in result.steps] == ["passed"] * len(result.steps)
    scim_id = result.steps[2].exchanges[0].url.rsplit("/", 1)[1]
    assert lines(result, 0) == ["GET /Users?startIndex=1&count=2"]
    assert lines(result, 1) == [
        'GET /Users?filter=userName eq "crud.tester@example.com"&startIndex=1&count=100',
        "POST /Users",
    ]
    assert lines(result, 3) == [f"GET /Users/{scim_id}", f"PUT /Users/{scim_id}"]
    assert lines(result, 5) == [f"PATCH /Users/{scim_id}"]  # OIN: path-less PATCH active
    assert lines(result, 9) == [f"PATCH /Users/{scim_id}"]  # unassign deactivates, no DELETE
    post = result.steps[1].exchanges[1]
    headers = {k.lower(): v for k, v in post.request_headers.items()}
    assert headers["user-agent"] == "Okta SCIM Client 1.0.0"
    assert headers["accept"] == "application/scim+json"
    assert headers["accept-charset"] == "utf-8"
    assert headers["accept-encoding"] == "gzip,deflate"
    assert headers["content-type"] == "application/scim+json; charset=utf-8"
    assert headers["authorization"] == "Bearer [REDACTED]"
    assert result.prefix == "" and result.leftovers == []
    assert server.all("Users") == [] and server.all("Groups") == []  # cleanup


def test_group_push_passes_and_cleans_up(server: Server) -> None:
    result = run_scenario(load_scenario(SCENARIOS / "group-push.yaml"), server.target())
    assert result.verdict == "passed", result.failure_text()
    assert lines(result, 3)[0] == (
        'GET /Groups?filter=displayName eq "Engineering"&startIndex=1&count=100'
    )
    assert [line.split()[0] for line in lines(result, 3)] == ["GET", "POST", "PATCH"]
    assert lines(result, 7)[0].startswith("DELETE /Groups/")
    assert result.removed == 3  # the three users; the group was deleted by Okta
    assert server.all("Users") == [] and server.all("Groups") == []


WRONG_NAME = """\
    name: wrong-name
    app: {label: Acme, kind: custom}
    org:
      users: [{login: ada@example.com, firstName: Ada, lastName: Lovelace}]
    steps:
      - assign_user: ada@example.com
      - update_profile: {login: ada@example.com, profile: {firstName: Augusta}}
        expect:
          ok: true
          scim_user:
            login: ada@example.com
            attributes: {name.givenName: Ada Byron}
      - deactivate_user: ada@example.com
      - verify_user: ada@example.com
"""


def test_a_failed_expectation_blocks_only_the_steps_that_depend_on_it(server: Server) -> None:
    """The profile update failed, but Ada is on the app: her deactivation still runs
    (it depends on her creation, not on the update)."""
    result = run_scenario(scenario(WRONG_NAME), server.target())
    assert result.verdict == "failed"
    assert [s.verdict for s in result.steps] == ["passed", "failed", "passed", "passed"]
    failed = result.steps[1]
    assert failed.line == 7 and failed.event == "update_profile"
    assert len(failed.failures) == 1
    assert "Automatic provisioning of user ada@example.com to app Acme" in failed.failures[0]
    assert (
        "Okta reported success but the SCIM user's name.givenName is 'Augusta'"
        in (failed.failures[0])
    )
    assert "(expected 'Ada Byron')" in failed.failures[0]
    text = result.failure_text()
    assert "scenarios/test.yaml:7: step 1 update_profile ada@example.com" in text
    assert "GET http://scim.test/Users/" in text and "PUT http://scim.test/Users/" in text
    assert '"givenName": "Augusta"' in text  # the PUT body is shown
    assert "blocked" not in text  # the deactivation and its check ran
    assert TOKEN not in text
    assert server.all("Users") == []  # cleaned up although the scenario failed


def test_okta_failure_without_expect_fails_the_step(server: Server) -> None:
    # The user is not linked yet: verify_user has nothing to GET, Okta reports a failure.
    result = run_scenario(
        scenario(
            """\
            name: unexpected
            app: {label: Acme}
            org: {users: [{login: ada@example.com}]}
            steps:
              - verify_user: ada@example.com
            """
        ),
        server.target(),
    )
    assert result.verdict == "failed"
    assert result.steps[0].okta_message is not None
    assert "Okta reported a failure and the step expects none" in result.steps[0].failures[0]


def test_an_expected_okta_failure_passes(server: Server) -> None:
    result = run_scenario(
        scenario(
            """\
            name: expected-failure
            app: {label: Acme}
            org: {users: [{login: ada@example.com}]}
            steps:
              - verify_user: ada@example.com
                expect: {ok: false, message_contains: "not linked"}
            """
        ),
        server.target(),
    )
    assert result.verdict == "passed", result.failure_text()


def test_scim_user_inactive_is_reported_in_oktas_words(server: Server) -> None:
    """A server that ignores the deactivation PATCH: Okta accepts the 200, the check does not."""
    from harness.server.faults import FAULTS_BY_NAME, faulty_app

    app = faulty_app(FAULTS_BY_NAME["pathless-patch-ignored"], ServerConfig(token=TOKEN))
    oin_crud = load_scenario(SCENARIOS / "oin-crud-test.yaml")
    result = run_scenario(oin_crud, RunTarget(app=app, token=TOKEN))
    assert result.verdict == "failed"
    failed = result.failed_steps()[0]
    assert failed.event == "deactivate_user"
    assert any(
        "Okta reported success but the SCIM user" in f and "is still active" in f
        for f in failed.failures
    ), failed.failures


# -- namespace and guard: a shared tenant ----------------------------------------

FOREIGN = "ada@example.com"


def foreign_user(server: Server) -> dict[str, Any]:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": FOREIGN,
        "name": {"givenName": "Real", "familyName": "Person"},
        "active": True,
    }
    created = server.client.post("/Users", body)
    assert created.status == 201
    return dict(created.body)


LINKING = """\
    name: shared-tenant
    app: {label: Acme}
    org:
      users: [{login: ada@example.com, firstName: Ada, lastName: Lovelace}]
    steps:
      - assign_user: ada@example.com
        expect:
          ok: true
          requests:
            - 'GET /Users?filter=userName eq "${prefix}ada@example.com"&startIndex=1&count=100'
            - POST /Users
          scim_user: {login: ada@example.com, attributes: {userName: ada@example.com}}
      - deactivate_user: ada@example.com
        expect: {scim_user: {login: ada@example.com, active: false}}
"""


def test_namespace_keeps_okta_away_from_a_foreign_user(server: Server) -> None:
    foreign = foreign_user(server)
    result = run_scenario(scenario(LINKING), server.target(), prefix="scimh-abc123-")
    assert result.verdict == "passed", result.failure_text()
    assert lines(result, 0)[0] == (
        'GET /Users?filter=userName eq "scimh-abc123-ada@example.com"&startIndex=1&count=100'
    )
    assert server.all("Users") == [server.client.get(f"/Users/{foreign['id']}").body]
    untouched = server.client.get(f"/Users/{foreign['id']}").body
    assert untouched["name"]["givenName"] == "Real" and untouched["active"] is True
    assert untouched["meta"]["version"] == foreign["meta"]["version"]


def test_guard_refuses_okta_linking_to_a_user_the_run_did_not_create(server: Server) -> None:
    """Without the namespace Okta's lookup finds the foreign user; its PUT never leaves."""
    foreign = foreign_user(server)
    result = run_scenario(scenario(LINKING), server.target(), prefix="")
    assert result.verdict == "failed"
    step = result.steps[0]
    assert request_lines(step.exchanges, BASE) == [
        'GET /Users?filter=userName eq "ada@example.com"&startIndex=1&count=100',
        f"GET /Users/{foreign['id']}",
        f"PUT /Users/{foreign['id']}",
    ]
    refused = step.exchanges[-1]
    assert refused.status is None and refused.error is not None
    assert "refused by the harness: PUT" in refused.error
    assert "targets a resource this run did not create" in refused.error
    assert step.okta_message is not None and "refused by the harness" in step.okta_message
    after = server.client.get(f"/Users/{foreign['id']}").body
    assert after["meta"]["version"] == foreign["meta"]["version"]
    assert server.all("Users") == [after]  # cleanup did not touch it either


def test_prefix_sweep_finds_what_the_ledger_missed(server: Server) -> None:
    """A user created under the run's prefix but never recorded (its answer lost) is swept."""
    prefix = "scimh-5eed00-"
    lost = server.client.post(
        "/Users",
        {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"{prefix}x"},
    )
    assert lost.status == 201
    result = run_scenario(scenario(LINKING), server.target(), prefix=prefix)
    assert result.verdict == "passed", result.failure_text()
    assert server.all("Users") == []
    assert result.removed == 2


# -- variables, requests, given ----------------------------------------------------

REQUESTS = """\
    name: raw-requests
    app: {label: Acme}
    org: {users: [{login: ada@example.com, firstName: Ada}]}
    given:
      scim_users:
        - {userName: Grace@Example.com, name: {givenName: Grace}}
    steps:
      - assign_user: ada@example.com
      - request:
          method: GET
          path: /Users/${scim.ada@example.com.id}
          save: {ada_name: userName}
        expect: {status: 200, json: {name.givenName: Ada}}
      - request:
          method: GET
          path: '/Users?filter=userName eq "${ada_name}"'
          headers: {content-type: application/json}
        expect: {status: 200, json: {totalResults: 1, Resources.0.name.givenName: Ada}}
      - request:
          method: GET
          path: '/Users?filter=userName eq "grace@example.com"'
        expect: {status: 200, json: {totalResults: 1, Resources.0.name.givenName: Grace}}
"""


def test_requests_variables_and_given_resources(server: Server) -> None:
    result = run_scenario(scenario(REQUESTS), server.target())
    assert result.verdict == "passed", result.failure_text()
    headers = {k.lower(): v for k, v in result.steps[1].exchanges[0].request_headers.items()}
    assert headers["user-agent"] == "OKTA SCIM Integration"
    assert result.steps[2].argument == 'GET /Users?filter=userName eq "ada@example.com"'
    assert headers["authorization"] == "Bearer [REDACTED]"
    assert server.all("Users") == []  # the given user is removed too


def test_an_unknown_variable_fails_its_step_with_a_clear_message(server: Server) -> None:
    """The loader rejects unknown names; the runner still must not send ``""`` for one."""
    loaded = scenario(REQUESTS)
    spec = dataclasses.replace(loaded.steps[1].request, path="/Users/${nobody.id}")
    broken = dataclasses.replace(
        loaded, steps=(loaded.steps[0], dataclasses.replace(loaded.steps[1], request=spec))
    )
    result = run_scenario(broken, server.target())
    assert [s.verdict for s in result.steps] == ["passed", "failed"]
    failure = result.steps[1].failures[0]
    assert failure.startswith("the scenario uses the value 'nobody.id', which no earlier step")
    assert "${" not in failure and "user.<login>.id" in failure
    assert result.steps[1].exchanges == []


def test_given_resources_are_namespaced_with_their_case_kept(server: Server) -> None:
    result = run_scenario(scenario(REQUESTS), server.target(), prefix="scimh-0a0b0c-")
    assert result.verdict == "passed", result.failure_text()
    assert result.steps[3].argument == (
        'GET /Users?filter=userName eq "scimh-0a0b0c-grace@example.com"'
    )
    body = result.steps[3].exchanges[0].response_body
    assert '"userName":"scimh-0a0b0c-Grace@Example.com"' in body.replace(" ", "")


def test_basic_auth_scenario_is_skipped_without_credentials(server: Server) -> None:
    result = run_scenario(
        scenario(
            """\
            name: basic
            app: {label: Acme, auth: basic}
            org: {users: [{login: ada@example.com}]}
            steps:
              - assign_user: ada@example.com
            """
        ),
        server.target(),
    )
    assert result.verdict == "skipped"
    assert result.reason is not None and "needs Basic credentials" in result.reason
    assert [s.verdict for s in result.steps] == ["skipped"]


def test_app_kind_override_changes_the_deactivation(server: Server) -> None:
    text = """\
        name: kind
        app: {label: Acme, kind: oin}
        org: {users: [{login: ada@example.com}]}
        steps:
          - assign_user: ada@example.com
          - deactivate_user: ada@example.com
    """
    result = run_scenario(scenario(text), server.target(), app_kind="custom")
    assert result.app_kind == "custom"
    assert [line.split()[0] for line in lines(result, 1)] == ["GET", "PUT"]


def test_ctrl_c_still_cleans_up_and_hands_back_the_partial_result(server: Server) -> None:
    from mock_okta.runner import ScenarioInterrupted

    def interrupt(result: ScenarioResult, step: object) -> None:
        if len(result.steps) == 2:
            raise KeyboardInterrupt

    crud = load_scenario(SCENARIOS / "oin-crud-test.yaml")
    with pytest.raises(ScenarioInterrupted) as raised:
        run_scenario(crud, server.target(), progress=interrupt)
    partial = raised.value.result
    assert partial.verdict == "error" and "interrupted" in str(partial.reason)
    assert [s.verdict for s in partial.steps] == ["passed", "passed"]
    assert partial.removed == 1 and server.all("Users") == []
