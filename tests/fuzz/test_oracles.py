"""The oracles catch hand-made broken answers (planted faults) and pass the reference server.

Each test builds a small situation by hand — a few users, one filter or one
PATCH — so that a failure says which rule the oracle stopped enforcing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.client import ScimClient
from harness.fuzz import oracles
from harness.fuzz.findings import KINDS, Finding, FindingsFailed, ReplayStep, assert_no_findings
from harness.fuzz.oracles import differences, filter_oracle, invariants, patch_oracle
from harness.fuzz.target import FuzzTarget
from harness.scim.schema import GROUP, GROUP_URN, PATCH_OP_URN, USER, USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    FAULTS_BY_NAME,
    Fault,
    FaultyApp,
    on_resources,
    rewrite_filter,
    rewrite_patch,
)

TOKEN = "scimh-test-token-5f0c1e9a7b"


def reference_app() -> Any:
    return create_app(ServerConfig(token=TOKEN))


def faulty(fault: Fault | str) -> Any:
    chosen = FAULTS_BY_NAME[fault] if isinstance(fault, str) else fault
    config = chosen.server_config(ServerConfig(token=TOKEN))
    return FaultyApp(create_app(config), chosen, config)


@pytest.fixture
def make_target() -> Iterator[Any]:
    made: list[FuzzTarget] = []

    def build(app: Any, shared: bool = False) -> FuzzTarget:
        """``shared``: treat the app as a tenant other clients use (filters get scoped)."""
        target = FuzzTarget(ScimClient.in_process(app, TOKEN), private=not shared)
        made.append(target)
        return target

    yield build
    for target in made:
        target.cleanup()
        assert target.leftovers == []
        target.close()


def users(target: FuzzTarget, *rows: dict[str, Any]) -> list[str]:
    """Create users named with the run prefix; their ids in order."""
    ids = []
    for number, row in enumerate(rows):
        body = {"schemas": [USER_URN], "userName": f"{target.prefix}u{number}", **row}
        response, resource_id = target.create("Users", body)
        assert response.status == 201, response.text
        assert resource_id is not None
        ids.append(resource_id)
    return ids


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


THREE = ({"title": "a", "active": True}, {"title": "b", "active": True}, {"title": "c"})
#: Correct precedence selects u0 (and binds tighter); left to right selects nothing.
PRECEDENCE = 'title eq "a" or title eq "c" and active eq false'


# -- filters -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        PRECEDENCE,
        'title co "A"',
        "not (active eq true)",
        'emails[type eq "work"] pr or title sw "b"',
        'userName ew "u1" and meta.created pr',
    ],
)
def test_filter_oracle_passes_on_the_reference_server(make_target: Any, text: str) -> None:
    target = make_target(reference_app())
    with target.example():
        users(target, *THREE)
        assert filter_oracle(target, "Users", text) == []


def test_filter_oracle_catches_left_to_right_precedence(make_target: Any) -> None:
    target = make_target(faulty("filter-precedence-left-to-right"))
    with target.example():
        ids = users(target, *THREE)
        findings = filter_oracle(target, "Users", PRECEDENCE)
    assert [f.kind for f in findings] == ["filter-differential"]
    finding = findings[0]
    assert "{id0}" in finding.summary and ids[0] not in finding.summary
    # The oracle keeps every setup; the campaign reduces the recipe once it has the
    # final finding (harness.fuzz.reduce): the one user misjudged, then the filter.
    assert [s.expect for s in finding.steps] == ["setup", "setup", "setup", "filter"]
    from harness.fuzz.reduce import reduce_finding

    small = reduce_finding(finding, target.client, target.prefix)
    assert [s.expect for s in small.steps] == ["setup", "filter"]
    assert small.steps[0].body["userName"].endswith("u0")
    assert finding.steps[-1].method == "GET"
    # A private target gets the filter as drawn (a top-level defect stays visible).
    assert target.prefix not in finding.steps[-1].path


def test_filter_oracle_only_counts_the_run_prefix(make_target: Any) -> None:
    """Another tenant user matching the filter is neither expected nor returned."""
    app = reference_app()
    other = make_target(app, shared=True)
    with other.example():
        users(other, {"title": "a"})
        target = make_target(app, shared=True)
        with target.example():
            users(target, {"title": "b"})
            assert filter_oracle(target, "Users", 'title eq "a"') == []
            assert filter_oracle(target, "Users", 'title eq "b"') == []
            # No sw scope is added (a target may refuse sw, RFC 7644 §3.12): the
            # listing keeps the run's own resources instead.
            assert target.scoped("Users", 'title eq "a"') == 'title eq "a"'
            listed = target.full_listing("Users", 'title eq "a"')
            assert listed == [] and len(other.full_listing("Users", 'title eq "a"')) == 1


def test_invalid_filter_must_be_a_400(make_target: Any) -> None:
    assert filter_oracle(make_target(reference_app()), "Users", 'title eq "a" or (') == []
    crash = make_target(faulty("filter-invalid-500"))
    assert [f.kind for f in filter_oracle(crash, "Users", 'title eq "a" or (')] == ["server-error"]


def test_invalid_filter_answered_200_is_invalid_accepted(make_target: Any) -> None:
    lenient = Fault(
        "fuzz-any-filter-ok",
        "Every filter is read as 'userName pr'.",
        "test",
        ("fuzz",),
        request=(rewrite_filter(lambda _text: "userName pr"),),
    )
    target = make_target(faulty(lenient))
    with target.example():
        users(target, {"title": "a"})
        findings = filter_oracle(target, "Users", "title eq ")
    assert [f.kind for f in findings] == ["invalid-accepted"]
    assert findings[0].steps[-1].expect == "status 400"


# -- PATCH ---------------------------------------------------------------------


def test_patch_oracle_passes_on_the_reference_server(make_target: Any) -> None:
    target = make_target(reference_app())
    with target.example():
        (user,) = users(target, {"title": "a", "emails": [{"value": "a@example.com"}]})
        valid = patch(
            {"op": "replace", "path": "title", "value": "B"},
            {"op": "add", "path": "emails", "value": [{"value": "x@example.com", "primary": True}]},
            {"op": "add", "path": "name.givenName", "value": "Ann"},
        )
        assert patch_oracle(target, "Users", user, valid) == []
        invalid = patch({"op": "replace", "path": "title", "value": "C"}, {"op": "remove"})
        assert patch_oracle(target, "Users", user, invalid) == []


def test_patch_oracle_catches_a_non_atomic_patch(make_target: Any) -> None:
    target = make_target(faulty("patch-not-atomic"))
    with target.example():
        (user,) = users(target, {"title": "a"})
        body = patch(
            {"op": "replace", "path": "title", "value": "changed"},
            {"op": "remove", "path": "userName"},
        )
        findings = patch_oracle(target, "Users", user, body)
    assert [f.kind for f in findings] == ["patch-not-atomic"]
    assert [s.expect for s in findings[0].steps] == ["setup", "status 2xx", "status 4xx",
                                                     "unchanged"]  # fmt: skip


def test_patch_oracle_catches_a_dropped_operation(make_target: Any) -> None:
    only_first = Fault(
        "fuzz-first-op-only",
        "Only the first PATCH operation is applied.",
        "test",
        ("fuzz",),
        exchange=(rewrite_patch(lambda ops: ops[:1]),),
    )
    target = make_target(faulty(only_first))
    with target.example():
        (user,) = users(target, {"title": "a"})
        body = patch(
            {"op": "replace", "path": "title", "value": "b"},
            {"op": "replace", "path": "displayName", "value": "Dee"},
        )
        findings = patch_oracle(target, "Users", user, body)
        assert [f.kind for f in findings] == ["patch-differential"]
        assert "displayName" in findings[0].summary
        # An invalid second operation dropped silently: accepted although invalid.
        body = patch(
            {"op": "replace", "path": "title", "value": "c"},
            {"op": "remove", "path": "userName"},
        )
        findings = patch_oracle(target, "Users", user, body)
    assert [f.kind for f in findings] == ["invalid-accepted"]


def test_patch_oracle_group_members_and_membership(make_target: Any) -> None:
    target = make_target(reference_app())
    with target.example():
        a, b = users(target, {}, {})
        _, group = target.create(
            "Groups",
            {"schemas": [GROUP_URN], "displayName": f"{target.prefix}g", "members": [{"value": a}]},
        )
        assert group is not None
        body = patch({"op": "add", "path": "members", "value": [{"value": b}]})
        assert patch_oracle(target, "Groups", group, body) == []
        assert oracles.membership_oracle(target) == []


def test_membership_oracle_catches_missing_user_groups(make_target: Any) -> None:
    def no_groups(resource: dict[str, Any], *_: Any) -> dict[str, Any]:
        return {**resource, "groups": []} if "userName" in resource else resource

    forgetful = Fault(
        "fuzz-user-groups-empty",
        "User.groups is always empty.",
        "test",
        ("fuzz",),
        response=(on_resources(no_groups),),
    )
    target = make_target(faulty(forgetful))
    with target.example():
        (a,) = users(target, {})
        target.create(
            "Groups",
            {"schemas": [GROUP_URN], "displayName": f"{target.prefix}g", "members": [{"value": a}]},
        )
        findings = oracles.membership_oracle(target)
    assert [f.kind for f in findings] == ["membership-asymmetric"]
    assert "{id0}" in findings[0].summary


# -- paging and invariants ------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 2, 5])
def test_paging_oracle(make_target: Any, page_size: int) -> None:
    target = make_target(reference_app())
    with target.example():
        users(target, *THREE)
        assert oracles.paging_oracle(target, "Users", None, page_size) == []
        assert oracles.paging_oracle(target, "Users", 'title ne "b"', page_size) == []
    broken = make_target(faulty("start-index-zero-based"))
    with broken.example():
        users(broken, *THREE)
        findings = oracles.paging_oracle(broken, "Users", None, page_size)
    assert [f.kind for f in findings] == ["paging"]
    assert findings[0].steps[-1].expect == f"paging {page_size} ids {{id0}} {{id1}} {{id2}}"


def test_invariants_on_malformed_json() -> None:
    for app, kinds in ((reference_app(), []), (faulty("malformed-json-500"), ["server-error"])):
        with ScimClient.in_process(app, TOKEN) as client:
            response = client.request(
                "POST", "/Users", content="{not json", headers={"Content-Type": "application/json"}
            )
            assert [f.kind for f in invariants(response)] == kinds


def test_invariants_on_error_shape() -> None:
    for app, kinds in ((reference_app(), []), (faulty("errors-not-scim"), ["error-shape"])):
        with ScimClient.in_process(app, TOKEN) as client:
            response = client.get("/Users/no-such-id")
            assert response.status == 404
            assert [f.kind for f in invariants(response)] == kinds


# -- comparison ----------------------------------------------------------------


def test_differences_follow_the_schema() -> None:
    stored = {
        "schemas": [USER_URN],
        "id": "1",
        "userName": "Bjensen",
        "emails": [{"value": "a@x.com", "type": "work"}, {"value": "b@x.com"}],
        "meta": {"version": 'W/"1"'},
        "groups": [{"value": "g"}],
    }
    same = {
        "schemas": [USER_URN],
        "id": "2",
        "USERNAME": "bjensen",
        "emails": [{"value": "B@X.COM"}, {"type": "work", "value": "a@x.com"}],
        "meta": {"version": 'W/"2"'},
    }
    assert differences(USER, stored, same) == []
    assert differences(USER, stored, {**same, "externalId": "E"}) == [
        'externalId: expected absent, got "E"'
    ]
    assert differences(USER, {**stored, "externalId": "e"}, {**same, "externalId": "E"})
    group = {"displayName": "g", "members": [{"value": "1"}]}
    shown = {"displayName": "G", "members": [{"value": "1", "display": "x", "$ref": "u/1"}]}
    assert differences(GROUP, group, shown) == []


# -- findings --------------------------------------------------------------------


def test_finding_round_trip_and_curl_hide_the_token(make_target: Any) -> None:
    target = make_target(faulty("filter-precedence-left-to-right"))
    with target.example():
        users(target, *THREE)
        (finding,) = filter_oracle(target, "Users", PRECEDENCE)
    copy = Finding.from_json(finding.to_json())
    assert copy.to_json() == finding.to_json()
    lines = finding.curl_lines("MY_TOKEN")
    assert lines and all(TOKEN not in line for line in lines)
    assert any("$MY_TOKEN" in line for line in lines)
    assert TOKEN not in finding.text()


def test_kinds_cite_rfc_sections() -> None:
    assert all(kind.rule.startswith("RFC 764") for kind in KINDS.values())
    with pytest.raises(ValueError):
        Finding.of("no-such-kind", "x")


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from(list(KINDS)), max_size=3))
def test_assert_no_findings_carries_them(kinds: list[str]) -> None:
    findings = [Finding.of(kind, f"s{n}", steps=[ReplayStep("GET", "/", None, "")])
                for n, kind in enumerate(kinds)]  # fmt: skip
    if not findings:
        assert_no_findings(findings)
        return
    with pytest.raises(FindingsFailed) as raised:
        assert_no_findings(findings)
    assert raised.value.findings == findings
