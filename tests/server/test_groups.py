"""Groups and membership over HTTP (RFC 7643 §4.2, §4.1.2; RFC 7644 §3.5.2)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from harness.server.config import ServerConfig
from harness.server.store import Reader
from harness.server.testing import InProcessScimServer
from tests.server.helpers import (
    assert_error,
    create_group,
    create_user,
    group_body,
    patch_body,
    snapshot,
)

BASE = "http://testserver"


def test_members_get_ref_type_and_display_from_the_store(api: httpx.Client) -> None:
    """RFC 7643 §4.2: ``value`` is the id; the server fills ``$ref``, ``type`` and ``display``.

    Client ``type``/``$ref`` are ignored (Entra sends ``"$ref": null``); a sent
    ``display`` is kept (Okta sends the login), else the member's displayName or
    userName is used (pitfalls §29).
    """
    alice = create_user(api, "alice", displayName="Alice A.")
    bob = create_user(api, "bob")
    carol = create_user(api, "carol")
    body = group_body("Team")
    body["members"] = [
        {"value": alice["id"], "type": "Group", "$ref": None},
        {"value": bob["id"]},
        {"value": carol["id"], "display": "carol@okta"},
    ]
    response = api.post("/Groups", json=body)
    assert response.status_code == 201, response.text
    members = response.json()["members"]
    assert members == [
        {"value": alice["id"], "$ref": f"{BASE}/Users/{alice['id']}", "type": "User",
         "display": "Alice A."},
        {"value": bob["id"], "$ref": f"{BASE}/Users/{bob['id']}", "type": "User",
         "display": "bob"},
        {"value": carol["id"], "$ref": f"{BASE}/Users/{carol['id']}", "type": "User",
         "display": "carol@okta"},
    ]  # fmt: skip
    assert api.get(f"/Groups/{response.json()['id']}").json()["members"] == members


def test_empty_groups_have_no_members_attribute(api: httpx.Client) -> None:
    """RFC 7643 §2.5: an empty multi-valued attribute is unassigned, so it is omitted."""
    for body in (group_body("A"), {**group_body("B"), "members": []}):
        created = api.post("/Groups", json=body)
        assert created.status_code == 201
        assert "members" not in created.json()


def test_duplicate_members_are_kept_once(api: httpx.Client) -> None:
    """RFC 7643 §2.4 / §4.2: a member appears once however often it is sent."""
    alice = create_user(api, "alice")
    group = create_group(api, "Team", alice["id"], alice["id"])
    assert [m["value"] for m in group["members"]] == [alice["id"]]
    again = api.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": [{"value": alice["id"]}]}),
    )
    assert [m["value"] for m in again.json()["members"]] == [alice["id"]]
    assert again.json()["meta"]["version"] == group["meta"]["version"]


def test_unknown_member_is_400_invalid_value_and_nothing_changes(api: httpx.Client) -> None:
    """Our policy (checks-catalog groups.patch.unknown-member): 400 invalidValue, no write."""
    alice = create_user(api, "alice")
    group = create_group(api, "Team", alice["id"])
    before = snapshot(api)
    assert_error(api.post("/Groups", json=group_body("Other", "no-such-id")), 400, "invalidValue")
    response = api.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": [{"value": "no-such-id"}]}),
    )
    assert_error(response, 400, "invalidValue")
    assert snapshot(api) == before


def test_user_groups_are_derived_from_membership(api: httpx.Client) -> None:
    """RFC 7643 §4.1.2: ``groups`` is readOnly and reflects Group ``members`` (type direct)."""
    alice = create_user(api, "alice")
    team = create_group(api, "Team", alice["id"])
    ops = create_group(api, "Ops", alice["id"])
    fetched = api.get(f"/Users/{alice['id']}").json()
    assert fetched["groups"] == [
        {"value": team["id"], "$ref": f"{BASE}/Groups/{team['id']}", "display": "Team",
         "type": "direct"},
        {"value": ops["id"], "$ref": f"{BASE}/Groups/{ops['id']}", "display": "Ops",
         "type": "direct"},
    ]  # fmt: skip
    listed = api.get("/Users", params={"filter": 'userName eq "alice"'}).json()
    assert listed["Resources"][0]["groups"] == fetched["groups"]
    api.patch(
        f"/Groups/{team['id']}",
        json=patch_body({"op": "remove", "path": f'members[value eq "{alice["id"]}"]'}),
    )
    assert [g["value"] for g in api.get(f"/Users/{alice['id']}").json()["groups"]] == [ops["id"]]


def test_user_groups_are_filterable(api: httpx.Client) -> None:
    """RFC 7644 §3.4.2.2: a filter may use ``groups.value``; the derived value is used."""
    alice = create_user(api, "alice")
    create_user(api, "bob")
    team = create_group(api, "Team", alice["id"])
    found = api.get("/Users", params={"filter": f'groups.value eq "{team["id"]}"'}).json()
    assert [r["userName"] for r in found["Resources"]] == ["alice"]


def test_deleting_a_user_removes_it_from_groups(api: httpx.Client) -> None:
    """RFC 7643 §4.2: membership refers to live resources; the group's version changes."""
    alice = create_user(api, "alice")
    bob = create_user(api, "bob")
    group = create_group(api, "Team", alice["id"], bob["id"])
    assert api.delete(f"/Users/{alice['id']}").status_code == 204
    after = api.get(f"/Groups/{group['id']}").json()
    assert [m["value"] for m in after["members"]] == [bob["id"]]
    assert after["meta"]["version"] != group["meta"]["version"]


def test_put_replaces_the_membership(api: httpx.Client) -> None:
    """RFC 7644 §3.5.1: a group PUT replaces displayName and members (Okta custom apps)."""
    alice = create_user(api, "alice")
    bob = create_user(api, "bob")
    group = create_group(api, "Team", alice["id"])
    replaced = api.put(f"/Groups/{group['id']}", json=group_body("Team 2", bob["id"]))
    assert replaced.status_code == 200
    assert replaced.json()["displayName"] == "Team 2"
    assert [m["value"] for m in replaced.json()["members"]] == [bob["id"]]
    assert "groups" not in api.get(f"/Users/{alice['id']}").json()


def test_okta_group_push_sequence(api: httpx.Client) -> None:
    """okta-provisioning.md "Push groups": lookup, create empty, add/remove members, rename."""
    alice = create_user(api, "alice")
    bob = create_user(api, "bob")
    lookup = api.get("/Groups", params={"filter": 'displayName eq "Eng"'})
    assert lookup.json()["totalResults"] == 0
    group = api.post("/Groups", json={**group_body("Eng"), "members": []}).json()
    add = patch_body(
        {"op": "add", "path": "members", "value": [
            {"value": alice["id"], "display": "alice"}, {"value": bob["id"], "display": "bob"}]}
    )  # fmt: skip
    assert api.patch(f"/Groups/{group['id']}", json=add).status_code == 200
    remove = patch_body({"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})
    assert api.patch(f"/Groups/{group['id']}", json=remove).status_code == 200
    rename = patch_body({"op": "replace", "value": {"id": group["id"], "displayName": "Eng2"}})
    renamed = api.patch(f"/Groups/{group['id']}", json=rename).json()
    assert renamed["displayName"] == "Eng2"
    assert [m["value"] for m in renamed["members"]] == [bob["id"]]
    assert api.delete(f"/Groups/{group['id']}").status_code == 204


def test_group_display_name_is_unique_by_default(api: httpx.Client) -> None:
    """Policy (checks-catalog groups.post.dup-name): Entra needs unique names → 409."""
    create_group(api, "Team")
    assert_error(api.post("/Groups", json=group_body("TEAM")), 409, "uniqueness")


def test_group_display_name_uniqueness_can_be_switched_off() -> None:
    """RFC 7643 §4.2 declares no uniqueness for displayName; the policy can be turned off."""
    server = InProcessScimServer(ServerConfig(unique_group_display_name=False))
    try:
        client = server.client()
        assert client.post("/Groups", json=group_body("Team")).status_code == 201
        assert client.post("/Groups", json=group_body("Team")).status_code == 201
    finally:
        server.close()


def test_external_id_is_unique_per_resource_type(api: httpx.Client) -> None:
    """Policy: externalId is the IdPs' join key; a duplicate (exact) is 409."""
    create_user(api, "alice", externalId="ext-1")
    response = api.post(
        "/Users",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bob",
              "externalId": "ext-1"},
    )  # fmt: skip
    assert_error(response, 409, "uniqueness")
    other_case = api.post(
        "/Users",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "carol",
              "externalId": "EXT-1"},
    )  # fmt: skip
    assert other_case.status_code == 201  # caseExact (RFC 7643 §3.1)
    assert api.post("/Groups", json=group_body("G", externalId="ext-1")).status_code == 201


def test_nested_groups(api: httpx.Client) -> None:
    """RFC 7643 §4.2: a member may be a Group (``type`` "Group", ``$ref`` to /Groups)."""
    alice = create_user(api, "alice")
    inner = create_group(api, "Inner", alice["id"])
    outer = create_group(api, "Outer", inner["id"])
    [member] = outer["members"]
    assert member == {
        "value": inner["id"],
        "$ref": f"{BASE}/Groups/{inner['id']}",
        "type": "Group",
        "display": "Inner",
    }
    assert api.get(f"/Groups/{inner['id']}").json()["members"][0]["value"] == alice["id"]


def test_a_group_cannot_contain_itself(api: httpx.Client) -> None:
    """Policy: a self-membership is 400 invalidValue (RFC 7644 §3.12), not a silent loop."""
    group = create_group(api, "Loop")
    response = api.patch(
        f"/Groups/{group['id']}",
        json=patch_body({"op": "add", "path": "members", "value": [{"value": group["id"]}]}),
    )
    assert_error(response, 400, "invalidValue")


def test_nested_groups_can_be_switched_off() -> None:
    """With nested groups off, a Group member (RFC 7643 §4.2) is 400 invalidValue."""
    server = InProcessScimServer(ServerConfig(nested_groups=False))
    try:
        client = server.client()
        inner = client.post("/Groups", json=group_body("Inner")).json()
        response = client.post("/Groups", json=group_body("Outer", inner["id"]))
        assert_error(response, 400, "invalidValue")
    finally:
        server.close()


def forbid_member_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any member load fail, to prove that a request never performs one."""

    def refuse(self: Reader, group_ids: Any) -> Any:
        raise AssertionError("members were loaded")

    monkeypatch.setattr(Reader, "members_of", refuse)


def test_excluded_members_are_never_loaded(
    api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 7644 §3.4.2.5 + Entra: ``excludedAttributes=members`` must be cheap (vendor bug 12)."""
    alice = create_user(api, "alice")
    group = create_group(api, "Big", alice["id"])
    forbid_member_loading(monkeypatch)
    single = api.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"})
    assert single.status_code == 200
    assert single.json()["displayName"] == "Big"
    listed = api.get(
        "/Groups",
        params={"excludedAttributes": "members", "filter": 'displayName eq "Big"'},
    )
    assert listed.json()["totalResults"] == 1
    assert api.get("/Groups", params={"attributes": "displayName"}).status_code == 200
    # The probe works: a read that does need members trips it.
    assert api.get(f"/Groups/{group['id']}").status_code == 500


def test_excluded_members_keeps_the_etag(api: httpx.Client) -> None:
    """RFC 7644 §3.14: the version describes the resource, not the projection of it."""
    alice = create_user(api, "alice")
    group = create_group(api, "Team", alice["id"])
    slim = api.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"})
    assert slim.headers["etag"] == group["meta"]["version"]
    assert "members" not in slim.json()
