"""The runner's parts on their own: namespace, variables, guard, JSON paths, the report."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import httpx
import pytest

from harness.client import ScimClient
from harness.reports.build import from_okta
from harness.reports.model import SCHEMA_PATH, read_report, report_json_text
from harness.scim.schema import USER
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.testing import SyncASGITransport
from mock_okta.expectations import MISSING, attribute_values, compare_attribute, json_path
from mock_okta.guard import GuardedTransport, Ledger
from mock_okta.namespace import Namespace, namespaced
from mock_okta.org import Org
from mock_okta.results import OktaRunResult, ScenarioResult, StepVerdict
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import load_scenario_text
from mock_okta.variables import UnknownVariable, Variables

TOKEN = "parts-secret-token-99ce"

# -- namespace -----------------------------------------------------------------


def test_namespace_prefixes_whole_names_case_insensitively_keeping_case() -> None:
    names = Namespace("scimh-1a2b3c-", ["ada@example.com", "Engineering", "Platform Engineering"])
    assert names.text("Ada@Example.com") == "scimh-1a2b3c-Ada@Example.com"
    assert (
        names.text('userName eq "ADA@example.com"') == 'userName eq "scimh-1a2b3c-ADA@example.com"'
    )
    assert names.text("grace.ada@example.com") == "grace.ada@example.com"  # not a whole name
    assert names.text("Platform Engineering") == "scimh-1a2b3c-Platform Engineering"
    assert names.text("scimh-1a2b3c-ada@example.com") == "scimh-1a2b3c-ada@example.com"
    assert names.text("${user.ada@example.com.id}") == "${user.ada@example.com.id}"
    assert names.text("${prefix}ada@example.com") == "scimh-1a2b3c-ada@example.com"
    assert Namespace("", ["ada@example.com"]).text("ada@example.com") == "ada@example.com"


def test_namespaced_scenario_keeps_keys_lines_and_passwords() -> None:
    loaded = load_scenario_text(
        textwrap.dedent(
            """\
            name: ns
            app: {label: Acme}
            org:
              users: [{login: ada@example.com, email: ada@example.com}]
              groups: [{name: Staff, members: [ada@example.com]}]
            steps:
              - push_password: {login: ada@example.com, password: ada@example.com}
              - rename_group: {group: Staff, to: Team}
                expect: {scim_group: {name: Team}}
              - update_profile: {login: ada@example.com, profile: {email: new@example.com}}
                expect:
                  scim_user: {login: ada@example.com, attributes: {emails.value: new@example.com}}
            """
        )
    )
    changed, _ = namespaced(loaded, "p-")
    assert changed.org.users[0].login == "p-ada@example.com"
    assert dict(changed.org.users[0].profile) == {"email": "p-ada@example.com"}
    assert changed.org.groups[0].members == ("p-ada@example.com",)
    assert changed.steps[0].password == "ada@example.com"  # a secret, not a name
    assert changed.steps[1].to == "p-Team" and changed.steps[1].line == loaded.steps[1].line
    assert changed.steps[1].expect is not None and changed.steps[1].expect.scim_group is not None
    assert changed.steps[1].expect.scim_group.name == "p-Team"
    assert dict(changed.steps[2].profile) == {"email": "p-new@example.com"}  # a new email
    assert changed.steps[2].expect is not None and changed.steps[2].expect.scim_user is not None
    assert dict(changed.steps[2].expect.scim_user.attributes) == {
        "emails.value": "p-new@example.com"
    }


# -- variables -------------------------------------------------------------------


def make_variables() -> Variables:
    org = Org(lambda app: ScimClient("http://unused.test"))
    ada = org.add_user("p-ada@example.com")
    group = org.add_group("p-Staff", [ada])
    app = org.add_app("Acme")
    app.app_user(ada.id).external_id = "scim-ada"
    app.pushed_groups[group.id] = "scim-staff"
    namespace = Namespace("p-", ["ada@example.com", "Staff"])
    return Variables(org, app, namespace, {"random": "r4nd", "count": 3, "app.id": app.id})


def test_variables_resolve_names_through_the_namespace() -> None:
    variables = make_variables()
    ada = variables.org.find_user("p-ada@example.com")
    assert ada is not None
    assert variables.text("/Users/${scim.ada@example.com.id}") == "/Users/scim-ada"
    assert variables.text("${user.ada@example.com.id}") == ada.id
    assert variables.text("${pushed.Staff.id}/${random}") == "scim-staff/r4nd"
    assert variables.text("${count}") == 3  # a lone variable keeps its type
    assert variables.resolve({"a": ["n=${count}"]}) == {"a": ["n=3"]}


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("${nope}", "the scenario uses the value 'nope', which no earlier step saved"),
        ("${scim.grace@example.com.id}", "Okta holds no SCIM id for grace@example.com"),
        ("${group.Nobody.id}", "no Okta group is named Nobody"),
    ],
)
def test_unknown_variables_say_which_and_why_in_plain_words(text: str, why: str) -> None:
    with pytest.raises(UnknownVariable) as raised:
        make_variables().text(f"x {text}")
    assert str(raised.value).startswith(why) and "${" not in str(raised.value)


# -- guard -----------------------------------------------------------------------


def user(name: str) -> dict[str, object]:
    return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}


def test_guard_refuses_foreign_writes_and_allows_its_own() -> None:
    app = create_app(ServerConfig(token=TOKEN))
    ledger = Ledger()
    with ScimClient(
        "http://scim.test", TOKEN, transport=GuardedTransport(SyncASGITransport(app), ledger)
    ) as client, ScimClient.in_process(app, TOKEN) as outsider:  # fmt: skip
        foreign = outsider.post("/Users", user("foreign@example.com")).body["id"]
        ours = client.post("/Users", user("ours@example.com")).body["id"]
        assert ledger.alive() == [("Users", ours, "ours@example.com")]
        for method in ("PUT", "PATCH", "DELETE"):
            refused = client.request(
                method, f"/Users/{foreign}", json_body={} if method != "DELETE" else None
            )
            assert refused.status is None
            assert f"refused by the harness: {method} /Users/{foreign}" in str(refused.error)
        assert client.get(f"/Users/{foreign}").status == 200  # reads are fine
        assert client.delete(f"/Users/{ours}").status == 204
        assert ledger.alive() == []
    app.state.store.close()


def test_guard_sees_base_paths() -> None:
    ledger = Ledger()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        return httpx.Response(201, json={"id": "g1", "displayName": "G"})

    transport = GuardedTransport(httpx.MockTransport(handler), ledger)
    with httpx.Client(transport=transport, base_url="https://tenant.test/scim/v2") as client:
        client.post("/Groups", json={})
        assert client.patch("/Groups/g1", json={}).status_code == 201
        with pytest.raises(httpx.TransportError):
            client.patch("/Groups/someone-elses", json={})
    assert seen == ["POST /scim/v2/Groups", "PATCH /scim/v2/Groups/g1"]


# -- JSON and attribute paths ------------------------------------------------------


def test_json_path_walks_lists_and_dotted_keys() -> None:
    body = {"Resources": [{"id": "a"}], "urn:x:2.0:User": {"dept": "R&D"}, "n": 0}
    assert json_path(body, "Resources.0.id") == "a"
    assert json_path(body, "urn:x:2.0:User.dept") == "R&D"
    assert json_path(body, "n") == 0
    assert json_path(body, "Resources.1.id") is MISSING
    assert json_path(body, "missing") is MISSING


def test_attribute_paths_use_the_scim_path_grammar() -> None:
    user = {
        "userName": "Ada@Example.com",
        "name": {"givenName": "Ada"},
        "emails": [
            {"value": "home@example.com", "type": "home"},
            {"value": "ada@example.com", "type": "work", "primary": True},
        ],
    }
    assert attribute_values(user, USER, "emails[work].value")[1] == ["ada@example.com"]
    assert attribute_values(user, USER, 'emails[type eq "home"].value')[1] == ["home@example.com"]
    assert compare_attribute(user, USER, "userName", "ada@example.com") is None  # caseExact false
    problem = compare_attribute(user, USER, "name.familyName", "Lovelace")
    assert problem == "the SCIM user has no name.familyName (expected 'Lovelace')"
    shorthand = compare_attribute(user, USER, "emails[other].value", "x@example.com")
    assert shorthand == (
        "the SCIM user has no emails[type eq \"other\"].value (expected 'x@example.com')"
    )
    bad = compare_attribute(user, USER, "name[", "x")
    assert bad is not None and "is not valid" in bad


# -- okta_api steps: the management API mock, secrets redacted ------------------------


def test_okta_api_step_connects_the_app_and_redacts_the_token() -> None:
    text = textwrap.dedent(
        """\
        name: api-connect
        app: {label: Acme, connect: false}
        org: {users: [{login: ada@example.com}]}
        steps:
          - assign_user: ada@example.com
            expect: {skipped: true, message_contains: "no provisioning connection"}
          - okta_api:
              method: POST
              path: /api/v1/apps/${app.id}/connections/default?activate=TRUE
              body:
                baseUrl: "${target.url}"
                profile: {authScheme: TOKEN, token: "${target.token}"}
            expect: {status: 200, json: {status: ENABLED}}
          - assign_user: ada@example.com
            expect: {ok: true, scim_user: {login: ada@example.com, active: true}}
        """
    )
    app = create_app(ServerConfig(token=TOKEN))
    try:
        result = run_scenario(load_scenario_text(text, "api.yaml"), RunTarget(app=app, token=TOKEN))
    finally:
        app.state.store.close()
    assert result.verdict == "passed", result.failure_text()
    report = json.dumps([step.to_json() for step in result.steps])
    assert TOKEN not in report
    call = result.steps[1].exchanges[0]
    assert call.request_headers["authorization"].startswith("SSWS [REDACTED]")
    assert '"token": "[REDACTED]"' in str(call.request_body)


# -- the report --------------------------------------------------------------------


def test_report_round_trips_and_matches_its_schema(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    app = create_app(ServerConfig(token=TOKEN))
    scenario = load_scenario_text(
        textwrap.dedent(
            """\
            name: one
            app: {label: Acme}
            org: {users: [{login: ada@example.com}]}
            steps:
              - assign_user: ada@example.com
              - verify_user: ada@example.com
                expect: {ok: false}
            """
        ),
        "one.yaml",
    )
    try:
        result = run_scenario(scenario, RunTarget(app=app, token=TOKEN))
    finally:
        app.state.store.close()
    skipped = ScenarioResult("slow-one", "slow.yaml", "skipped", reason="tagged slow")
    run = OktaRunResult("in-process", "2025-01-01T00:00:00+00:00", "2025-01-01T00:00:01+00:00",
                        [result, skipped], exit_code=1)  # fmt: skip
    path = tmp_path / "report.json"
    path.write_text(report_json_text(from_okta(run)), encoding="utf-8")
    report = json.loads(path.read_text())
    jsonschema.validate(report, json.loads(SCHEMA_PATH.read_text()))
    assert report["counts"] == {"passed": 0, "failed": 1, "warning": 0, "blocked": 0, "skipped": 1,
                                "error": 0, "baselined": 0, "total": 2}  # fmt: skip
    assert [step["verdict"] for step in report["entries"][0]["steps"]] == ["passed", "failed"]
    assert TOKEN not in path.read_text()
    # The report reads back into the model, steps included.
    back = read_report(path)
    assert back.to_json() == report
    assert isinstance(back.entries[0].steps[0], StepVerdict)
    assert back.entries[0].steps[1].failures[0].startswith("ok: expected Okta to report a failure")


def test_requests_count_a_429_retry_once() -> None:
    from harness.client import Exchange
    from mock_okta.expectations import Observed, StepRun, check_requests
    from mock_okta.scenario import Event, Step

    def sent(status: int, url: str = "http://scim.test/Users?count=2") -> Exchange:
        return Exchange("GET", url, {}, None, status, {}, "", 1.0)

    variables = make_variables()
    run = StepRun(ok=True, exchanges=[sent(429), sent(429), sent(200)], base_url="http://scim.test")
    observed = Observed(run, Step(0, Event.TEST_CONNECTION, 1), variables.org, variables.app,
                        ScimClient("http://unused.test"), variables)  # fmt: skip
    assert check_requests(observed, ("GET /Users?count=2",)) == []
    run.exchanges.append(sent(429, "http://scim.test/Groups"))  # not retried: it counts
    assert check_requests(observed, ("GET /Users?count=2",)) != []
