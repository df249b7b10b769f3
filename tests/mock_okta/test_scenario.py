"""Scenario files: the shipped ones load; malformed ones fail with file:line: field messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mock_okta.command import shipped_scenarios
from mock_okta.connection import AuthScheme
from mock_okta.model import SyncState
from mock_okta.scenario import (
    EVENT_ARGS,
    Event,
    ImportExpectation,
    RequestSpec,
    ScenarioError,
    ScimQueryExpectation,
    load_scenario,
    load_scenario_text,
    load_scenarios,
)
from mock_okta.settings import AppKind, ImportSettings

SCENARIOS = shipped_scenarios()
FILE = "scenarios/x.yaml"

VALID = """\
name: demo
app:
  label: Demo
  kind: oin
org:
  users:
    - login: alice@example.com
      firstName: Alice
  groups:
    - name: Staff
      members: [alice@example.com]
steps:
  - assign_user: {login: alice@example.com}
    expect: {ok: true, sync_state: SYNCHRONIZED}
  - push_group: {group: Staff}
"""


def load(text: str) -> None:
    load_scenario_text(textwrap.dedent(text), FILE)


def test_oin_crud_test_loads() -> None:
    scenario = load_scenario(SCENARIOS / "oin-crud-test.yaml")
    assert scenario.name == "oin-crud-test"
    assert scenario.app.settings().kind is AppKind.OIN
    events = [s.event for s in scenario.steps if s.event is not Event.VERIFY_USER]
    assert events == [
        Event.TEST_CONNECTION,
        Event.ASSIGN_USER,
        Event.UPDATE_PROFILE,
        Event.DEACTIVATE_USER,
        Event.REACTIVATE_USER,
        Event.UNASSIGN_USER,
    ]
    update = scenario.steps[3]
    assert dict(update.profile) == {"firstName": "Updated"}
    assert update.expect is not None and update.expect.scim_user is not None
    assert update.expect.scim_user.attributes["name.givenName"] == "Updated"


def test_group_push_loads() -> None:
    scenario = load_scenario(SCENARIOS / "group-push.yaml")
    assert scenario.org.group("Engineering").members == ("ada@example.com", "grace@example.com")
    rename = next(s for s in scenario.steps if s.event is Event.RENAME_GROUP)
    assert (rename.group, rename.to) == ("Engineering", "Platform Engineering")
    last = scenario.steps[-1]
    assert last.group == "Platform Engineering"
    assert last.expect is not None and last.expect.scim_group is not None
    assert last.expect.scim_group.exists is False


def test_valid_text_gives_typed_steps() -> None:
    scenario = load_scenario_text(VALID, FILE)
    first = scenario.steps[0]
    assert (first.event, first.login, first.line) == (Event.ASSIGN_USER, "alice@example.com", 13)
    assert first.expect is not None and first.expect.sync_state is SyncState.SYNCHRONIZED
    assert scenario.org.user("alice@example.com").profile["firstName"] == "Alice"


def test_shorthand_argument() -> None:
    scenario = load_scenario_text(VALID.replace("{login: alice@example.com}", "alice@example.com"))
    assert scenario.steps[0].login == "alice@example.com"


def test_mapping_override() -> None:
    text = VALID.replace(
        "  kind: oin\n",
        "  kind: oin\n  mapping:\n    - {target: userName, source: email}\n"
        "    - {target: active, value: true}\n",
    )
    settings = load_scenario_text(text, FILE).app.settings()
    assert [(r.target, r.source, r.value) for r in settings.user_mapping] == [
        ("userName", "email", None),
        ("active", None, True),
    ]


MALFORMED = [
    pytest.param(
        VALID.replace("  label: Demo", "  lable: Demo"),
        "scenarios/x.yaml:3: app.lable: unknown key 'lable' (did you mean 'label'?)\n"
        "scenarios/x.yaml:3: app.label: required key missing",
        id="unknown-key-with-suggestion",
    ),
    pytest.param(
        VALID.replace("{ok: true,", "{ok: yes please,"),
        "scenarios/x.yaml:14: steps[0].expect.ok: expected a boolean, got a string",
        id="wrong-type",
    ),
    pytest.param(
        VALID.replace("name: demo\n", ""),
        "scenarios/x.yaml:1: name: required key missing",
        id="missing-required-key",
    ),
    pytest.param(
        VALID.replace("{login: alice@example.com}", "{login: bob@example.com}"),
        "scenarios/x.yaml:13: steps[0].assign_user.login: unknown user 'bob@example.com'"
        " (not in org.users)",
        id="unknown-login",
    ),
    pytest.param(
        VALID.replace("{login: alice@example.com}", "{login: alice@exmple.com}"),
        "scenarios/x.yaml:13: steps[0].assign_user.login: unknown user 'alice@exmple.com'"
        " (not in org.users; did you mean 'alice@example.com'?)",
        id="unknown-login-with-suggestion",
    ),
    pytest.param(
        VALID.replace("members: [alice@example.com]", "members: [carol@example.com]"),
        "scenarios/x.yaml:11: org.groups[0].members[0]: unknown user 'carol@example.com'"
        " (not in org.users)",
        id="unknown-member",
    ),
    pytest.param(
        VALID.replace("{group: Staff}", "{group: Sales}"),
        "scenarios/x.yaml:15: steps[1].push_group.group: unknown group 'Sales' (not in org.groups)",
        id="unknown-group",
    ),
    pytest.param(
        VALID.replace(
            "  - push_group: {group: Staff}", "  - push_group: {group: Staff}\n    import_users: {}"
        ),
        "scenarios/x.yaml:15: steps[1]: one event per step, got 'push_group' and 'import_users'",
        id="two-events-in-one-step",
    ),
    pytest.param(
        VALID.replace("  - push_group: {group: Staff}", "  - psuh_group: {group: Staff}"),
        "scenarios/x.yaml:15: steps[1].psuh_group: unknown key 'psuh_group'"
        " (did you mean 'push_group'?)",
        id="unknown-event-with-suggestion",
    ),
    pytest.param(
        VALID.replace("kind: oin", "kind: saml"),
        "scenarios/x.yaml:4: app.kind: invalid value 'saml' (expected one of: custom, oin)",
        id="bad-enum-kind",
    ),
    pytest.param(
        VALID.replace("SYNCHRONIZED", "SYNCED"),
        "scenarios/x.yaml:14: steps[0].expect.sync_state: invalid value 'SYNCED'"
        " (expected one of: PENDING, SYNCHRONIZED, ERROR) (did you mean 'SYNCHRONIZED'?)",
        id="bad-enum-sync-state",
    ),
    pytest.param(
        "- name: demo\n- steps: []\n",
        "scenarios/x.yaml:1: (top level): expected a mapping, got a list",
        id="top-level-not-a-mapping",
    ),
    pytest.param(
        "",
        "scenarios/x.yaml:1: (top level): empty file, expected a mapping",
        id="empty-file",
    ),
    pytest.param(
        VALID.replace("  label: Demo", "  label: Demo\n  bad: [unclosed"),
        "scenarios/x.yaml:5: invalid YAML: expected ',' or ']', but got ':'",
        id="invalid-yaml-syntax",
    ),
    pytest.param(
        VALID.replace("  label: Demo", "  label: Demo\n  label: Again"),
        "scenarios/x.yaml:4: app.label: duplicate key",
        id="duplicate-key",
    ),
    pytest.param(
        VALID.replace("{group: Staff}", "{group: Staff, to: Team}"),
        "scenarios/x.yaml:15: steps[1].push_group.to: unknown key 'to'",
        id="argument-of-another-event",
    ),
    pytest.param(
        VALID.replace("steps:\n", "steps:\n  - expect: {ok: true}\n"),
        "scenarios/x.yaml:13: steps[0]: no event (one of: " + ", ".join(Event) + ")",
        id="step-without-event",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_input_names_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load(text)
    assert str(caught.value) == message
    assert all(p.file == FILE for p in caught.value.problems)


# -- the shipped scenarios -------------------------------------------------------


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.steps


def test_the_shipped_set_is_the_documented_one() -> None:
    names = {scenario.name for scenario in load_scenarios(SCENARIOS)}
    docs = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
    documented = docs.read_text(encoding="utf-8")
    assert names >= {"oin-spec-test", "infra-everyone", "api-oauth2-setup", "bulk-push-10k"}
    assert all(f"`{name}.yaml`" in documented for name in names)


def test_bulk_scenario_generates_ten_thousand_users() -> None:
    scenario = load_scenario(SCENARIOS / "bulk-push-10k.yaml")
    users = scenario.org.users
    assert len(users) == 10_000
    assert (users[0].login, users[-1].login) == (
        "user00001@bulk.example.com",
        "user10000@bulk.example.com",
    )
    assert dict(users[41].profile) == {"firstName": "Bulk", "lastName": "User 00042"}
    assert scenario.tags == ("slow",)
    assert scenario.steps[0].event is Event.ASSIGN_GROUP
    assert scenario.steps[0].group == "Everyone"


def test_spec_test_saves_and_reuses_ids() -> None:
    scenario = load_scenario(SCENARIOS / "oin-spec-test.yaml")
    create = next(s for s in scenario.steps if s.request and s.request.save.get("new_id"))
    assert create.request is not None
    assert create.request.headers["Content-Type"] == "application/json"
    assert create.expect is not None and create.expect.status == 201
    duplicate = scenario.steps[create.index + 2]
    assert duplicate.expect is not None and duplicate.expect.status == 409
    assert duplicate.request is not None and duplicate.request.body == create.request.body
    assert scenario.given.scim_users[0]["userName"] == "${prefix}spec.seed@example.com"


# -- new syntax, loaded into the dataclasses -------------------------------------

RICH = """\
name: rich
tags: [slow, oin]
app:
  label: Rich
  kind: custom
  auth: header
  connect: false
  features: {sync_password: true, password_seed: RANDOM, password_change: CHANGE}
  import: {exact_match: EMAIL, auto_confirm_exact_match: true, allow_partial_match: true}
org:
  users:
    - {login: ada@example.com, firstName: Ada}
    - {generate: 3, login: "u{n:02d}@example.com", lastName: "No. {n}"}
  groups:
    - {name: eng, members: [ada@example.com]}
given:
  scim_users:
    - {userName: "${prefix}old@example.com", externalId: "${user.ada@example.com.id}"}
  scim_groups:
    - {displayName: "${prefix}app-only"}
steps:
  - okta_api:
      method: POST
      path: /api/v1/apps/${app.id}/connections/default
      body: {profile: {authScheme: OAUTH2}}
      save: {authorize: _links.authorize.href}
    expect: {status: 200, json: {status: DISABLED, _links.authorize.hints.allow.0: GET}}
  - okta_api: {method: GET, path: "${authorize}"}
  - okta_api: {method: GET, path: "http://okta.test/api/v1/apps/${app.id}"}
  - assign_group: Everyone
    expect:
      failed_tasks: 0
      requests: ['GET /Users?filter=userName eq "${prefix}ada@example.com"', POST /Users]
      scim_query: {filter: 'userName eq "${prefix}u"', count: 1}
  - push_group: Everyone
    expect: {scim_group: {name: Everyone}}
  - rename_group: {group: eng, to: Engineering Team}
  - request:
      method: GET
      path: /Groups/${pushed.eng.id}
      headers: {X-Trace: "${random}"}
    expect: {status: 200, json: {members.0.value: "${scim.ada@example.com.id}"}}
  - sign_in: u01@example.com
    expect: {sync_state: SYNCHRONIZED}
  - push_password: {login: ada@example.com, password: "Correct-Horse-9"}
  - retry_failed: {}
  - unassign_group: {group: Engineering Team}
  - import_users:
    expect:
      imported: {users: ["${prefix}old@example.com"], matched: [ada@example.com]}
  - import_groups: {}
    expect: {imported: {groups: ["${prefix}app-only"]}}
"""


def test_app_additions_load() -> None:
    app = load_scenario_text(RICH, FILE).app
    assert (app.auth, app.connect) == (AuthScheme.HEADER, False)
    assert (app.to_app.sync_password, app.to_app.password_seed) == (True, "RANDOM")
    assert app.to_app.password_change == "CHANGE"
    assert app.import_settings == ImportSettings(
        exact_match="EMAIL", auto_confirm_exact_match=True, allow_partial_match=True
    )
    assert app.settings().import_settings.exact_match == "EMAIL"


def test_defaults_of_the_app_additions() -> None:
    app = load_scenario_text(VALID, FILE).app
    assert (app.auth, app.connect, app.import_settings) == (
        AuthScheme.TOKEN,
        True,
        ImportSettings(),
    )


def test_generated_users_follow_listed_ones() -> None:
    scenario = load_scenario_text(RICH, FILE)
    assert [u.login for u in scenario.org.users] == [
        "ada@example.com",
        "u01@example.com",
        "u02@example.com",
        "u03@example.com",
    ]
    assert scenario.org.user("u03@example.com").profile["lastName"] == "No. 3"


def test_empty_org_users() -> None:
    text = VALID.replace(
        "  users:\n    - login: alice@example.com\n      firstName: Alice\n", "  users: []\n"
    ).replace("members: [alice@example.com]", "members: []")
    scenario = load_scenario_text(text.split("steps:")[0] + "steps:\n  - import_users:\n")
    assert scenario.org.users == ()


def test_given_and_tags_load() -> None:
    scenario = load_scenario_text(RICH, FILE)
    assert scenario.tags == ("slow", "oin")
    assert [dict(u) for u in scenario.given.scim_users] == [
        {"userName": "${prefix}old@example.com", "externalId": "${user.ada@example.com.id}"}
    ]
    assert [dict(g) for g in scenario.given.scim_groups] == [{"displayName": "${prefix}app-only"}]


def test_raw_request_steps_load() -> None:
    steps = load_scenario_text(RICH, FILE).steps
    assert steps[0].request == RequestSpec(
        "POST",
        "/api/v1/apps/${app.id}/connections/default",
        {"profile": {"authScheme": "OAUTH2"}},
        save={"authorize": "_links.authorize.href"},
    )
    assert steps[0].expect is not None
    assert (steps[0].expect.status, dict(steps[0].expect.json or {})) == (
        200,
        {"status": "DISABLED", "_links.authorize.hints.allow.0": "GET"},
    )
    assert steps[1].request is not None and steps[1].request.path == "${authorize}"
    assert steps[2].request is not None and steps[2].request.path.startswith("http://okta.test/")
    request = steps[6].request
    assert request is not None and dict(request.headers) == {"X-Trace": "${random}"}
    assert (request.body, dict(request.save)) == (None, {})


def test_new_events_and_their_arguments() -> None:
    steps = load_scenario_text(RICH, FILE).steps
    assert [s.event for s in steps[3:]] == [
        Event.ASSIGN_GROUP,
        Event.PUSH_GROUP,
        Event.RENAME_GROUP,
        Event.REQUEST,
        Event.SIGN_IN,
        Event.PUSH_PASSWORD,
        Event.RETRY_FAILED,
        Event.UNASSIGN_GROUP,
        Event.IMPORT_USERS,
        Event.IMPORT_GROUPS,
    ]
    assert (steps[3].group, steps[4].group) == ("Everyone", "Everyone")
    assert steps[7].login == "u01@example.com"
    assert (steps[8].login, steps[8].password) == ("ada@example.com", "Correct-Horse-9")
    assert steps[10].group == "Engineering Team"
    assert set(EVENT_ARGS) == set(Event)


def test_new_expectations_load() -> None:
    steps = load_scenario_text(RICH, FILE).steps
    expect = steps[3].expect
    assert expect is not None
    assert expect.failed_tasks == 0
    assert expect.requests == (
        'GET /Users?filter=userName eq "${prefix}ada@example.com"',
        "POST /Users",
    )
    assert expect.scim_query == ScimQueryExpectation("Users", 'userName eq "${prefix}u"', 1)
    assert steps[7].expect is not None and steps[7].expect.sync_state is SyncState.SYNCHRONIZED
    assert steps[11].expect is not None and steps[11].expect.imported == ImportExpectation(
        users=("${prefix}old@example.com",), matched=("ada@example.com",)
    )
    assert steps[12].expect is not None and steps[12].expect.imported == ImportExpectation(
        groups=("${prefix}app-only",)
    )


def test_requests_may_be_empty() -> None:
    text = VALID.replace("{ok: true, sync_state: SYNCHRONIZED}", "{requests: []}")
    expect = load_scenario_text(text, FILE).steps[0].expect
    assert expect is not None and expect.requests == ()


# -- new error paths ---------------------------------------------------------------

BASE = """\
name: demo
app:
  label: Demo
org:
  users:
    - login: alice@example.com
  groups:
    - name: Staff
      members: [alice@example.com]
steps:
  - assign_user: alice@example.com
"""
STEP = "  - assign_user: alice@example.com\n"
USER = "    - login: alice@example.com\n"
ERR = "scenarios/x.yaml:"


def _with_user(line: str) -> str:
    return BASE.replace(USER, USER + line)


def _expect(body: str) -> str:
    return BASE.replace(STEP, STEP + f"    expect: {body}\n")


NEW_MALFORMED = [
    pytest.param(
        _with_user('    - {generate: 3, login: "u{i}@x.com"}\n'),
        f"{ERR}7: org.users[1].login: bad format 'u{{i}}@x.com': unknown field {{i}},"
        " only {n} is defined",
        id="generator-unknown-field",
    ),
    pytest.param(
        _with_user('    - {generate: 3, login: "u{n:q}@x.com", lastName: "{}"}\n'),
        f"{ERR}7: org.users[1].login: bad format 'u{{n:q}}@x.com':"
        " Unknown format code 'q' for object of type 'int'\n"
        f"{ERR}7: org.users[1].lastName: bad format '{{}}': unknown field {{}},"
        " only {n} is defined",
        id="generator-bad-format-spec",
    ),
    pytest.param(
        _with_user('    - {generate: 3, login: "u{n@x.com"}\n'),
        f"{ERR}7: org.users[1].login: bad format 'u{{n@x.com': expected '}}' before end of string",
        id="generator-unclosed-brace",
    ),
    pytest.param(
        _with_user('    - {generate: 0, login: "u{n}@x.com"}\n'),
        f"{ERR}7: org.users[1].generate: must be between 1 and 100000, got 0",
        id="generator-zero",
    ),
    pytest.param(
        _with_user('    - {generate: 100001, login: "u{n}@x.com"}\n'),
        f"{ERR}7: org.users[1].generate: must be between 1 and 100000, got 100001",
        id="generator-too-many",
    ),
    pytest.param(
        _with_user('    - {generate: "3", login: "u{n}@x.com"}\n'),
        f"{ERR}7: org.users[1].generate: expected an integer, got a string",
        id="generator-count-not-an-int",
    ),
    pytest.param(
        _with_user('    - {generate: 2, login: "u@x.com"}\n'),
        f"{ERR}7: org.users[1].login: must use {{n}} so that the 2 generated logins differ",
        id="generator-without-n",
    ),
    pytest.param(
        _with_user('    - {generate: 3, login: "Alice{n}@example.com"}\n').replace(
            USER, "    - login: alice2@example.com\n" + USER
        ),
        f"{ERR}8: org.users[2].login: generated login 'Alice2@example.com' (n=2) clashes with"
        " 'alice2@example.com'",
        id="generator-clash-with-listed-login",
    ),
    pytest.param(
        _with_user("    - login: Alice@Example.com\n"),
        f"{ERR}7: org.users[1].login: login 'Alice@Example.com' clashes with 'alice@example.com'"
        " (Okta logins are unique regardless of case)",
        id="login-differing-in-case",
    ),
    pytest.param(
        BASE.replace("    - name: Staff\n", "    - name: Everyone\n    - name: Staff\n"),
        f"{ERR}8: org.groups[0].name: 'Everyone' always exists (Okta keeps every user in it);"
        " do not declare it",
        id="everyone-declared",
    ),
    pytest.param(
        BASE + "  - add_member: {group: Everyone, login: alice@example.com}\n",
        f"{ERR}12: steps[1].add_member.group: Okta keeps every user in 'Everyone'",
        id="everyone-membership",
    ),
    pytest.param(
        BASE + "  - rename_group: {group: Everyone, to: All}\n",
        f"{ERR}12: steps[1].rename_group.group: 'Everyone' cannot be renamed",
        id="everyone-renamed",
    ),
    pytest.param(
        BASE + "  - push_password: {login: alice@example.com}\n",
        f"{ERR}12: steps[1].push_password.password: required key missing",
        id="push-password-without-password",
    ),
    pytest.param(
        BASE + "  - sign_in: {login: alice@example.com, group: Staff}\n",
        f"{ERR}12: steps[1].sign_in.group: unknown key 'group'",
        id="sign-in-with-a-group",
    ),
    pytest.param(
        BASE + '  - request: {method: GET, path: "/Users/${1x}"}\n',
        f"{ERR}12: steps[1].request.path: malformed variable '${{1x}}' (expected ${{name}}:"
        " a letter or _, then letters, digits, '.', '@', '+' or '-')",
        id="malformed-variable",
    ),
    pytest.param(
        BASE + '  - request: {method: GET, path: "/Users/${first id}"}\n',
        f"{ERR}12: steps[1].request.path: malformed variable '${{first id}}' (expected ${{name}}:"
        " a letter or _, then letters, digits, '.', '@', '+' or '-')",
        id="variable-with-a-space",
    ),
    pytest.param(
        BASE + '  - request: {method: GET, path: "/Users/${first_id}"}\n',
        f"{ERR}12: steps[1].request.path: unknown variable '${{first_id}}'"
        " (not saved by an earlier step)",
        id="variable-never-saved",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users, save: {first: Resources.0.id}}\n"
        "  - request: {method: GET, path: '/Users/${frist}'}\n",
        f"{ERR}13: steps[2].request.path: unknown variable '${{frist}}'"
        " (not saved by an earlier step; did you mean 'first'?)",
        id="variable-misspelt",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users, save: {first: Resources.0.id}}\n"
        "    expect: {json: {id: '${first}'}}\n",
        f"{ERR}13: steps[1].expect.json.id: unknown variable '${{first}}'"
        " (saved by this step: usable from the next one)",
        id="variable-saved-by-the-same-step",
    ),
    pytest.param(
        BASE + '  - request: {method: GET, path: "/Users/${scim.bob@example.com.id}"}\n',
        f"{ERR}12: steps[1].request.path: unknown user 'bob@example.com' in"
        " '${scim.bob@example.com.id}' (not in org.users)",
        id="variable-unknown-login",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: '/Groups/${pushed.Staf.id}'}\n",
        f"{ERR}12: steps[1].request.path: unknown group 'Staf' in '${{pushed.Staf.id}}'"
        " (not in org.groups; did you mean 'Staff'?)",
        id="variable-unknown-group",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: '/Users/${user.alice@example.com}'}\n",
        f"{ERR}12: steps[1].request.path: unknown variable '${{user.alice@example.com}}'"
        " (expected ${user.<login>.id})",
        id="variable-id-without-id",
    ),
    pytest.param(
        BASE + "given:\n  scim_users:\n"
        "    - {userName: x, externalId: '${scim.alice@example.com.id}'}\n",
        f"{ERR}14: given.scim_users[0].externalId: '${{scim.alice@example.com.id}}' is not known"
        " before step 1 (given resources are created first)",
        id="given-variable-of-a-later-step",
    ),
    pytest.param(
        BASE + "given:\n  scim_users:\n    - {userName: x, id: '1'}\n    - {displayName: y}\n"
        "  scim_groups:\n    - {displayName: G, schemas: []}\n    - {displayName: H}\n"
        "    - {displayName: h}\n",
        f"{ERR}14: given.scim_users[0].id: leave it out: the target assigns ids (RFC 7644 §3.3)\n"
        f"{ERR}15: given.scim_users[1].userName: required key missing\n"
        f"{ERR}17: given.scim_groups[0].schemas: leave it out: the runner adds the core schema\n"
        f"{ERR}19: given.scim_groups[2]: duplicate displayName 'h'",
        id="given-resources",
    ),
    pytest.param(
        BASE + "given: {scim_user: []}\n",
        f"{ERR}12: given.scim_user: unknown key 'scim_user' (did you mean 'scim_users'?)",
        id="given-unknown-key",
    ),
    pytest.param(
        _expect("{status: 200}"),
        f"{ERR}12: steps[0].expect.status: status needs a request or okta_api step",
        id="status-on-an-org-event",
    ),
    pytest.param(
        _expect("{json: {id: x}}"),
        f"{ERR}12: steps[0].expect.json: json needs a request or okta_api step",
        id="json-on-an-org-event",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users}\n    expect: {status: 42}\n",
        f"{ERR}13: steps[1].expect.status: not an HTTP status: 42 (100–599)",
        id="status-out-of-range",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users}\n    expect: {json: {a..b: 1}}\n",
        f"{ERR}13: steps[1].expect.json: JSON paths are dotted strings: a.0.b",
        id="json-empty-path-segment",
    ),
    pytest.param(
        _expect('{requests: ["GTE /Users", "GET Users"]}'),
        f"{ERR}12: steps[0].expect.requests[0]: unknown method 'GTE' (expected one of: GET,"
        " POST, PUT, PATCH, DELETE) (did you mean 'GET'?)\n"
        f'{ERR}12: steps[0].expect.requests[1]: expected "METHOD /path" (relative to the SCIM'
        " base URL), got 'GET Users'",
        id="requests-shape",
    ),
    pytest.param(
        _expect("{scim_query: {filter: 'userName eq', count: 1}}"),
        f"{ERR}12: steps[0].expect.scim_query.filter: invalid filter: unexpected end in filter"
        " 'userName eq'; expected a value",
        id="scim-query-filter-syntax",
    ),
    pytest.param(
        _expect(
            "{scim_query: {endpoint: Groups, filter: 'userName eq \"${prefix}x\"', count: -1}}"
        ),
        f"{ERR}12: steps[0].expect.scim_query.count: must be 0 or more, got -1\n"
        f"{ERR}12: steps[0].expect.scim_query.filter: invalid filter: unknown attribute"
        " 'userName': Group has no attribute 'userName'",
        id="scim-query-filter-attribute-and-count",
    ),
    pytest.param(
        _expect("{scim_query: {filter: 'userName sw \"${prefix}\"', count: 1}}"),
        f"{ERR}12: steps[0].expect.scim_query.filter: Okta looks Users up only with userName"
        ' eq "…"; a verification read must use the same filter (a target may refuse other'
        " operators, RFC 7644 §3.4.2.2)",
        id="scim-query-operator-okta-never-sends",
    ),
    pytest.param(
        _expect("{scim_query: {endpoint: Groups, filter: 'externalId eq \"x\"', count: 1}}"),
        f"{ERR}12: steps[0].expect.scim_query.filter: Okta looks Groups up only with displayName"
        ' eq "…"; a verification read must use the same filter (a target may refuse other'
        " operators, RFC 7644 §3.4.2.2)",
        id="scim-query-attribute-okta-never-looks-up",
    ),
    pytest.param(
        _expect("{scim_query: {endpoint: User, filter: 'userName pr', count: 1}}"),
        f"{ERR}12: steps[0].expect.scim_query.endpoint: invalid value 'User' (expected one of:"
        " Users, Groups) (did you mean 'Users'?)",
        id="scim-query-endpoint",
    ),
    pytest.param(
        _expect("{imported: {matched: [bob@example.com], users: alice}, failed_tasks: -1}"),
        f"{ERR}12: steps[0].expect.imported.matched[0]: unknown user 'bob@example.com'"
        " (not in org.users)\n"
        f"{ERR}12: steps[0].expect.imported.users: expected a list, got a string\n"
        f"{ERR}12: steps[0].expect.failed_tasks: must be 0 or more, got -1",
        id="imported-and-failed-tasks",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: Users}\n"
        "  - okta_api: {method: FETCH, path: api/v1/apps}\n",
        f"{ERR}12: steps[1].request.path: must start with / (relative to the SCIM base URL)\n"
        f"{ERR}13: steps[2].okta_api.method: invalid value 'FETCH' (expected one of: GET, POST,"
        " PUT, PATCH, DELETE) (did you mean 'PATCH'?)\n"
        f"{ERR}13: steps[2].okta_api.path: must start with / (relative to the org URL)"
        " or be an absolute URL",
        id="request-path-and-method",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: 'http://elsewhere.test/Users'}\n",
        f"{ERR}12: steps[1].request.path: must start with / (relative to the SCIM base URL)",
        id="request-path-absolute",
    ),
    pytest.param(
        BASE + "  - okta_api: {method: GET, path: /api/v1/apps, headers: {X-A: b}}\n",
        f"{ERR}12: steps[1].okta_api.headers: unknown key 'headers'",
        id="okta-api-takes-no-headers",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users, headers: {X-A: 1}}\n",
        f"{ERR}12: steps[1].request.headers.X-A: expected a string, got an integer",
        id="header-value-not-a-string",
    ),
    pytest.param(
        BASE + "  - request: {method: GET, path: /Users, save: {first.id: id, random: id,"
        " ok: 'a..b'}}\n",
        f"{ERR}12: steps[1].request.save.first.id: cannot save as 'first.id' (a name is a letter"
        " or _, then letters, digits or _; not 'random' or 'prefix')\n"
        f"{ERR}12: steps[1].request.save.random: cannot save as 'random' (a name is a letter"
        " or _, then letters, digits or _; not 'random' or 'prefix')\n"
        f"{ERR}12: steps[1].request.save.ok: invalid path 'a..b' (dotted: a.0.b)",
        id="save-names-and-paths",
    ),
    pytest.param(
        BASE.replace(
            "  label: Demo\n",
            "  label: Demo\n  auth: bearer\n  connect: yes please\n"
            "  features: {password_seed: okta}\n"
            "  import: {exact_match: LOGIN, auto_confirm: true}\n",
        ),
        f"{ERR}4: app.auth: invalid value 'bearer' (expected one of: token, header, basic,"
        " oauth2) (did you mean 'header'?)\n"
        f"{ERR}5: app.connect: expected a boolean, got a string\n"
        f"{ERR}6: app.features.password_seed: invalid value 'okta' (expected one of: OKTA,"
        " RANDOM) (did you mean 'OKTA'?)\n"
        f"{ERR}7: app.import.auto_confirm: unknown key 'auto_confirm'"
        " (did you mean 'auto_confirm_new_users'?)\n"
        f"{ERR}7: app.import.exact_match: invalid value 'LOGIN' (expected one of: USERNAME,"
        " EMAIL)",
        id="app-additions",
    ),
    pytest.param(
        BASE + "tags: [slow, slow, 3]\n",
        f"{ERR}12: tags[1]: duplicate tag 'slow'\n"
        f"{ERR}12: tags[2]: expected a string, got an integer",
        id="tags",
    ),
    pytest.param(
        BASE + "  - update_profile: {login: alice@example.com, profile: {title: '${tilte'}}\n",
        f"{ERR}12: steps[1].update_profile.profile.title: malformed variable '${{tilte'"
        " (expected ${name}: a letter or _, then letters, digits, '.', '@', '+' or '-')",
        id="variable-in-profile-change",
    ),
]


@pytest.mark.parametrize(("text", "message"), NEW_MALFORMED)
def test_new_syntax_errors_name_file_line_and_field(text: str, message: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, FILE)
    assert str(caught.value) == message


def test_all_problems_are_listed_at_once() -> None:
    text = BASE + (
        "  - request: {method: GET, path: '/Users/${nope}'}\n"
        "    expect: {status: 1000, requests: [get]}\n"
        "  - sign_in: carol@example.com\n"
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario_text(text, FILE)
    assert [(p.line, p.path) for p in caught.value.problems] == [
        (12, "steps[1].request.path"),
        (13, "steps[1].expect.status"),
        (13, "steps[1].expect.requests[0]"),
        (14, "steps[2].sign_in.login"),
    ]
