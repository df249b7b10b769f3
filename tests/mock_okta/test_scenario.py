"""Scenario files: the shipped ones load; malformed ones fail with file:line: field messages."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from mock_okta.model import SyncState
from mock_okta.scenario import (
    Event,
    ScenarioError,
    load_scenario,
    load_scenario_text,
)
from mock_okta.settings import AppKind

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
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
