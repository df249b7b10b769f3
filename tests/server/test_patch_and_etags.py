"""PATCH over HTTP (RFC 7644 §3.5.2) and ETag preconditions (RFC 7644 §3.14)."""

from __future__ import annotations

import time

import httpx
import pytest

from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer
from tests.server.helpers import (
    assert_error,
    create_group,
    create_user,
    patch_body,
    snapshot,
    user_body,
)


def test_patch_returns_200_with_the_resource(api: httpx.Client) -> None:
    """RFC 7644 §3.5.2: 200 and the entire resource; ETag = the new meta.version."""
    user = create_user(api, "bjensen")
    response = api.patch(
        f"/Users/{user['id']}",
        json=patch_body({"op": "replace", "path": "displayName", "value": "Babs"}),
    )
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Babs"
    assert body["meta"]["version"] != user["meta"]["version"]
    assert response.headers["etag"] == body["meta"]["version"]
    assert api.get(f"/Users/{user['id']}").json() == body


def test_patch_response_honours_attributes(api: httpx.Client) -> None:
    """RFC 7644 §3.5.2 / §3.9: the 200 body is subject to ``attributes``."""
    user = create_user(api, "bjensen")
    response = api.patch(
        f"/Users/{user['id']}",
        params={"attributes": "displayName"},
        json=patch_body({"op": "add", "path": "displayName", "value": "Babs"}),
    )
    assert response.json() == {
        "schemas": user["schemas"],
        "id": user["id"],
        "displayName": "Babs",
    }


def test_patch_can_answer_204_per_resource_type() -> None:
    """RFC 7644 §3.5.2 allows 204; Entra prefers it for groups — configurable per type."""
    server = InProcessScimServer(ServerConfig(patch_returns_204=frozenset({"Group"})))
    try:
        client = server.client()
        user = create_user(client, "alice")
        group = create_group(client, "Team")
        add = patch_body({"op": "add", "path": "members", "value": [{"value": user["id"]}]})
        response = client.patch(f"/Groups/{group['id']}", json=add)
        assert response.status_code == 204
        assert response.content == b""
        assert response.headers["etag"] != group["meta"]["version"]
        rename = patch_body({"op": "replace", "path": "displayName", "value": "x"})
        assert client.patch(f"/Users/{user['id']}", json=rename).status_code == 200
        # "MUST return a 200 OK if the attributes parameter is specified" (§3.5.2).
        renamed = client.patch(
            f"/Groups/{group['id']}", params={"attributes": "displayName"}, json=rename
        )
        assert renamed.status_code == 200
        assert renamed.json()["displayName"] == "x"
    finally:
        server.close()


def test_okta_deactivation_and_entra_operation_case(api: httpx.Client) -> None:
    """Okta: path-less replace of ``active``; Entra: ``Replace`` capitalised (pitfalls §14)."""
    user = create_user(api, "bjensen", active=True)
    okta = patch_body({"op": "replace", "value": {"active": False}})
    assert api.patch(f"/Users/{user['id']}", json=okta).json()["active"] is False
    entra = patch_body({"op": "Replace", "path": "active", "value": True})
    assert api.patch(f"/Users/{user['id']}", json=entra).json()["active"] is True


def test_a_no_op_patch_keeps_version_and_last_modified(api: httpx.Client) -> None:
    """RFC 7644 §3.5.2.1: adding a value already present changes nothing, not even meta."""
    user = create_user(api, "bjensen", emails=[{"value": "b@x.com", "type": "work"}])
    time.sleep(0.01)
    response = api.patch(
        f"/Users/{user['id']}",
        json=patch_body(
            {"op": "add", "path": "emails", "value": [{"value": "b@x.com", "type": "work"}]}
        ),
    )
    assert response.status_code == 200
    assert response.json()["meta"] == user["meta"]
    assert response.headers["etag"] == user["meta"]["version"]


def test_patch_is_atomic(api: httpx.Client) -> None:
    """RFC 7644 §3.5.2: if one operation fails, none is applied."""
    user = create_user(api, "bjensen")
    before = snapshot(api)
    response = api.patch(
        f"/Users/{user['id']}",
        json=patch_body(
            {"op": "replace", "path": "displayName", "value": "changed"},
            {"op": "replace", "path": 'emails[type eq "home"].value', "value": "x@y"},
        ),
    )
    assert_error(response, 400, "noTarget")
    assert snapshot(api) == before


def test_patch_user_name_to_a_taken_one_is_409(api: httpx.Client) -> None:
    """RFC 7643 §4.1.1 via PATCH: uniqueness holds for every write (checks-catalog uniq)."""
    create_user(api, "alice")
    bob = create_user(api, "bob")
    before = snapshot(api)
    response = api.patch(
        f"/Users/{bob['id']}",
        json=patch_body({"op": "replace", "path": "userName", "value": "ALICE"}),
    )
    assert_error(response, 409, "uniqueness")
    assert snapshot(api) == before


def test_patch_to_own_user_name_in_other_case_is_allowed(api: httpx.Client) -> None:
    """A user does not collide with itself (the uniqueness check excludes its own id)."""
    bob = create_user(api, "bob")
    response = api.patch(
        f"/Users/{bob['id']}",
        json=patch_body({"op": "replace", "path": "userName", "value": "BOB"}),
    )
    assert response.status_code == 200
    assert response.json()["userName"] == "BOB"


def test_patch_unknown_is_404(api: httpx.Client) -> None:
    """RFC 7644 §3.12: PATCH of an unknown id is 404."""
    body = patch_body({"op": "replace", "path": "displayName", "value": "x"})
    assert_error(api.patch("/Users/nope", json=body), 404)


# ------------------------------------------------------------------- ETags


def test_etag_equals_meta_version_everywhere(api: httpx.Client) -> None:
    """RFC 7643 §3.1 / RFC 7644 §3.14: ETag header = meta.version on single-resource replies."""
    created = api.post("/Users", json=user_body("bjensen"))
    user_id = created.json()["id"]
    replies = [
        created,
        api.get(f"/Users/{user_id}"),
        api.put(f"/Users/{user_id}", json=user_body("bjensen", title="t")),
        api.patch(
            f"/Users/{user_id}",
            json=patch_body({"op": "replace", "path": "title", "value": "u"}),
        ),
    ]
    versions = [reply.json()["meta"]["version"] for reply in replies]
    assert [reply.headers["etag"] for reply in replies] == versions
    assert len({versions[0], versions[2], versions[3]}) == 3  # every change, a new version


def test_if_none_match_current_is_304(api: httpx.Client) -> None:
    """RFC 7644 §3.14: GET with the current version → 304 Not Modified, no body."""
    user = create_user(api, "bjensen")
    version = user["meta"]["version"]
    response = api.get(f"/Users/{user['id']}", headers={"If-None-Match": version})
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == version
    stale = api.get(f"/Users/{user['id']}", headers={"If-None-Match": 'W/"old"'})
    assert stale.status_code == 200
    assert_error(api.get("/Users/nope", headers={"If-None-Match": version}), 404)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_stale_if_match_is_412_and_writes_nothing(api: httpx.Client, method: str) -> None:
    """RFC 7644 §3.14: a write with an outdated If-Match → 412 Precondition Failed."""
    user = create_user(api, "bjensen")
    api.patch(
        f"/Users/{user['id']}",
        json=patch_body({"op": "replace", "path": "title", "value": "new"}),
    )
    before = snapshot(api)
    bodies = {
        "PUT": user_body("bjensen"),
        "PATCH": patch_body({"op": "replace", "path": "title", "value": "x"}),
        "DELETE": None,
    }
    response = api.request(
        method,
        f"/Users/{user['id']}",
        json=bodies[method],
        headers={"If-Match": user["meta"]["version"]},
    )
    assert_error(response, 412)
    assert snapshot(api) == before


@pytest.mark.parametrize("header", ["*", "current", 'W/"old", current'])
def test_matching_if_match_lets_the_write_through(api: httpx.Client, header: str) -> None:
    """RFC 7644 §3.14: the current version, or ``*``, satisfies If-Match."""
    user = create_user(api, "bjensen")
    header = header.replace("current", user["meta"]["version"])
    response = api.patch(
        f"/Users/{user['id']}",
        json=patch_body({"op": "replace", "path": "title", "value": "x"}),
        headers={"If-Match": header},
    )
    assert response.status_code == 200
    deleted = api.delete(
        f"/Users/{user['id']}", headers={"If-Match": response.json()["meta"]["version"]}
    )
    assert deleted.status_code == 204
