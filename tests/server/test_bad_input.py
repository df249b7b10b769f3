"""Every bad input: the RFC 7644 §3.12 status and scimType, and nothing written.

Each row is one request a client can get wrong. The test seeds a user and a
group, snapshots every resource (with its meta), sends the request, checks
the error body, and compares the snapshot: an error must never leave a
partial write behind (RFC 7644 §3.5.2 atomicity; one transaction per write).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.scim.schema import BULK_REQUEST_URN, GROUP_URN, SEARCH_REQUEST_URN, USER_URN
from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer
from tests.server.helpers import assert_error, patch_body, snapshot

LIMIT = 4096  # the body limit of the server under test (small, to test 413 cheaply)


@dataclass(frozen=True)
class Bad:
    """One bad request: ``{user}``/``{group}``/``{other}`` in the path are the seeded ids."""

    id: str
    method: str
    path: str
    status: int
    scim_type: str | None
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


def user(**attributes: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": "new-user", **attributes}


def patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return patch_body(*operations)


JSON = {"Content-Type": "application/scim+json"}

CASES = [
    # --- bodies that are not a JSON object (RFC 7644 §3.12 invalidSyntax) ---
    Bad("malformed-json", "POST", "/Users", 400, "invalidSyntax",
        content=b'{"userName": ', headers=JSON),
    Bad("trailing-comma", "POST", "/Users", 400, "invalidSyntax",
        content=b'{"a": 1,}', headers=JSON),
    Bad("body-is-array", "POST", "/Users", 400, "invalidSyntax", json=[user()]),
    Bad("body-is-string", "POST", "/Users", 400, "invalidSyntax", json="userName"),
    Bad("body-is-null", "POST", "/Users", 400, "invalidSyntax", content=b"null", headers=JSON),
    Bad("empty-body", "POST", "/Users", 400, "invalidSyntax", content=b"", headers=JSON),
    Bad("invalid-utf8", "POST", "/Users", 400, "invalidSyntax",
        content=b'{"schemas":["' + USER_URN.encode() + b'"],"userName":"\xff\xfe"}', headers=JSON),
    Bad("nan-literal", "POST", "/Users", 400, "invalidSyntax",
        content=b'{"userName": NaN}', headers=JSON),
    Bad("deep-nesting", "POST", "/Users", 400, "invalidSyntax", content=b"[" * 4000, headers=JSON),
    Bad("put-malformed", "PUT", "/Users/{user}", 400, "invalidSyntax", content=b"{", headers=JSON),
    Bad("patch-malformed", "PATCH", "/Users/{user}", 400, "invalidSyntax",
        content=b"}", headers=JSON),
    # --- schemas (RFC 7643 §3, pitfalls §21) ---
    Bad("missing-schemas", "POST", "/Users", 400, "invalidSyntax", json={"userName": "x"}),
    Bad("wrong-schemas", "POST", "/Users", 400, "invalidSyntax",
        json={"schemas": [GROUP_URN], "userName": "x"}),
    Bad("schemas-not-array", "POST", "/Users", 400, "invalidSyntax",
        json={"schemas": USER_URN, "userName": "x"}),
    Bad("patch-missing-patchop-urn", "PATCH", "/Users/{user}", 400, "invalidSyntax",
        json={"Operations": [{"op": "replace", "path": "title", "value": "x"}]}),
    Bad("search-missing-urn", "POST", "/Users/.search", 400, "invalidSyntax",
        json={"filter": 'userName eq "a"'}),
    # --- values (RFC 7643 §2.3, §2.2 required; 400 invalidValue) ---
    Bad("missing-username", "POST", "/Users", 400, "invalidValue", json={"schemas": [USER_URN]}),
    Bad("empty-username", "POST", "/Users", 400, "invalidValue", json=user(userName="")),
    Bad("username-not-string", "POST", "/Users", 400, "invalidValue", json=user(userName=42)),
    Bad("active-not-boolean", "POST", "/Users", 400, "invalidValue", json=user(active="yes")),
    Bad("emails-not-array", "POST", "/Users", 400, "invalidValue", json=user(emails="a@b.c")),
    Bad("unknown-attribute", "POST", "/Users", 400, "invalidValue", json=user(shoeSize=44)),
    Bad("unknown-extension-data", "POST", "/Users", 400, "invalidValue",
        json=user(**{"urn:example:ext:1.0:User": {"x": 1}})),
    Bad("two-primary-emails", "POST", "/Users", 400, "invalidValue",
        json=user(emails=[{"value": "a@x", "primary": True}, {"value": "b@x", "primary": True}])),
    Bad("group-missing-displayname", "POST", "/Groups", 400, "invalidValue",
        json={"schemas": [GROUP_URN]}),
    Bad("group-unknown-member", "POST", "/Groups", 400, "invalidValue",
        json={"schemas": [GROUP_URN], "displayName": "New", "members": [{"value": "nope"}]}),
    Bad("group-member-without-value", "POST", "/Groups", 400, "invalidValue",
        json={"schemas": [GROUP_URN], "displayName": "New", "members": [{"display": "x"}]}),
    Bad("put-drops-username", "PUT", "/Users/{user}", 400, "invalidValue",
        json={"schemas": [USER_URN], "displayName": "x"}),
    # --- uniqueness (RFC 7644 §3.3 / §3.5.1 / §3.5.2 → 409) ---
    Bad("dup-username-case", "POST", "/Users", 409, "uniqueness", json=user(userName="SEED")),
    Bad("dup-externalid", "POST", "/Users", 409, "uniqueness", json=user(externalId="seed-ext")),
    Bad("dup-group-name", "POST", "/Groups", 409, "uniqueness",
        json={"schemas": [GROUP_URN], "displayName": "seed group"}),
    Bad("put-taken-username", "PUT", "/Users/{other}", 409, "uniqueness",
        json=user(userName="seed")),
    Bad("patch-taken-username", "PATCH", "/Users/{other}", 409, "uniqueness",
        json=patch({"op": "replace", "path": "userName", "value": "Seed"})),
    # --- PATCH (RFC 7644 §3.5.2) ---
    Bad("patch-bad-path", "PATCH", "/Users/{user}", 400, "invalidPath",
        json=patch({"op": "replace", "path": "emails[type eq", "value": "x"})),
    Bad("patch-unknown-path", "PATCH", "/Users/{user}", 400, "invalidPath",
        json=patch({"op": "replace", "path": "shoeSize", "value": 44})),
    Bad("patch-remove-no-path", "PATCH", "/Users/{user}", 400, "noTarget",
        json=patch({"op": "remove"})),
    Bad("patch-filter-no-match", "PATCH", "/Users/{user}", 400, "noTarget",
        json=patch({"op": "replace", "path": 'emails[type eq "home"].value', "value": "x"})),
    Bad("patch-read-only-id", "PATCH", "/Users/{user}", 400, "mutability",
        json=patch({"op": "replace", "path": "id", "value": "x"})),
    Bad("patch-read-only-groups", "PATCH", "/Users/{user}", 400, "mutability",
        json=patch({"op": "add", "path": "groups", "value": [{"value": "{group}"}]})),
    Bad("patch-second-op-fails", "PATCH", "/Users/{user}", 400, "invalidValue",
        json=patch({"op": "replace", "path": "title", "value": "changed"},
                   {"op": "replace", "path": "active", "value": "not-a-boolean"})),
    Bad("patch-unknown-member", "PATCH", "/Groups/{group}", 400, "invalidValue",
        json=patch({"op": "add", "path": "members", "value": [{"value": "nope"}]})),
    Bad("patch-operations-not-list", "PATCH", "/Users/{user}", 400, "invalidSyntax",
        json={"schemas": patch()["schemas"], "Operations": {"op": "add"}}),
    # --- queries (RFC 7644 §3.4.2) ---
    Bad("filter-syntax", "GET", "/Users", 400, "invalidFilter", params={"filter": 'userName eq'}),
    Bad("filter-unknown-attribute", "GET", "/Users", 400, "invalidFilter",
        params={"filter": 'shoeSize eq "44"'}),
    Bad("filter-gt-boolean", "GET", "/Users", 400, "invalidFilter",
        params={"filter": "active gt true"}),
    Bad("filter-in-search", "POST", "/Groups/.search", 400, "invalidFilter",
        json={"schemas": [SEARCH_REQUEST_URN], "filter": "displayName eq"}),
    Bad("count-not-integer", "GET", "/Users", 400, "invalidValue", params={"count": "ten"}),
    Bad("start-not-integer", "GET", "/Users", 400, "invalidValue", params={"startIndex": "1.5"}),
    Bad("sort-order-unknown", "GET", "/Users", 400, "invalidValue",
        params={"sortBy": "userName", "sortOrder": "sideways"}),
    Bad("sort-by-password", "GET", "/Users", 400, "invalidValue", params={"sortBy": "password"}),
    Bad("sort-by-unknown", "GET", "/Users", 400, "invalidValue", params={"sortBy": "shoeSize"}),
    # --- HTTP level ---
    Bad("media-type-text", "POST", "/Users", 415, None,
        content=b'{"schemas":["' + USER_URN.encode() + b'"],"userName":"x"}',
        headers={"Content-Type": "text/plain"}),
    Bad("charset-latin1", "POST", "/Users", 415, None,
        content=b'{"schemas":["' + USER_URN.encode() + b'"],"userName":"x"}',
        headers={"Content-Type": "application/scim+json; charset=iso-8859-1"}),
    Bad("oversize-body", "POST", "/Users", 413, None, json=user(title="x" * LIMIT)),
    Bad("oversize-patch", "PATCH", "/Users/{user}", 413, None,
        json=patch({"op": "replace", "path": "title", "value": "x" * LIMIT})),
    Bad("unknown-id-put", "PUT", "/Users/nope", 404, None, json=user()),
    Bad("unknown-id-delete", "DELETE", "/Groups/nope", 404, None),
    Bad("unknown-endpoint", "POST", "/Devices", 404, None, json={}),
    Bad("collection-delete", "DELETE", "/Users", 405, None),
    Bad("discovery-write", "POST", "/Schemas", 405, None, json={}),
    Bad("discovery-filter", "GET", "/ResourceTypes", 403, None, params={"filter": 'id eq "x"'}),
    Bad("me", "PATCH", "/Me", 501, None, json=patch()),
    Bad("stale-if-match", "DELETE", "/Users/{user}", 412, None, headers={"If-Match": 'W/"0"'}),
    # --- bulk (RFC 7644 §3.7) ---
    Bad("bulk-missing-urn", "POST", "/Bulk", 400, "invalidSyntax", json={"Operations": []}),
    Bad("bulk-operations-missing", "POST", "/Bulk", 400, "invalidSyntax",
        json={"schemas": [BULK_REQUEST_URN]}),
    Bad("bulk-fail-on-errors-zero", "POST", "/Bulk", 400, "invalidValue",
        json={"schemas": [BULK_REQUEST_URN], "failOnErrors": 0, "Operations": []}),
    Bad("bulk-too-many-operations", "POST", "/Bulk", 413, None,
        json={"schemas": [BULK_REQUEST_URN], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": f"b{n}", "data": user(userName=f"b{n}")}
            for n in range(6)]}),
    Bad("bulk-oversize", "POST", "/Bulk", 413, None,
        json={"schemas": [BULK_REQUEST_URN], "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": user(title="x" * LIMIT)}]}),
]  # fmt: skip


@pytest.fixture
def seeded() -> Any:
    """A small server (body limit 4 KiB, 5 bulk operations) with a user, another, a group."""
    server = InProcessScimServer(
        ServerConfig(token="t", bulk_max_payload=LIMIT, bulk_max_operations=5)
    )
    client = server.client()
    seed = client.post(
        "/Users", json=user(userName="seed", externalId="seed-ext", emails=[{"value": "s@x"}])
    ).json()
    other = client.post("/Users", json=user(userName="other")).json()
    group = client.post(
        "/Groups",
        json={
            "schemas": [GROUP_URN],
            "displayName": "Seed Group",
            "members": [{"value": seed["id"]}],
        },
    ).json()
    yield client, {"user": seed["id"], "other": other["id"], "group": group["id"]}
    server.close()


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Put the seeded ids into ``{user}``-style placeholders anywhere in a JSON body."""
    if isinstance(value, str):
        for name, resource_id in ids.items():
            value = value.replace("{" + name + "}", resource_id)
        return value
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_and_changes_nothing(seeded: Any, case: Bad) -> None:
    """RFC 7644 §3.12: the right status and scimType, a SCIM Error body, and no write."""
    client, ids = seeded
    before = snapshot(client)
    kwargs: dict[str, Any] = {"headers": case.headers, "params": case.params}
    if case.content is not None:
        kwargs["content"] = case.content
    elif case.json is not None:
        kwargs["json"] = fill(case.json, ids)
    response = client.request(case.method, fill(case.path, ids), **kwargs)
    assert_error(response, case.status, case.scim_type)
    assert snapshot(client) == before


def test_streamed_oversize_body_is_413(seeded: Any) -> None:
    """The limit holds for the bytes actually streamed, not only a declared Content-Length
    (chunked transfer declares none)."""
    client, _ids = seeded
    before = snapshot(client)

    def chunks() -> Any:
        yield b'{"schemas":["' + USER_URN.encode() + b'"],"userName":"big","title":"'
        for _ in range(LIMIT // 512 + 1):
            yield b"x" * 512
        yield b'"}'

    response = client.post("/Users", content=chunks(), headers=JSON)
    assert_error(response, 413)
    assert snapshot(client) == before


def test_every_case_is_distinct() -> None:
    """Each row is reported by its id, so ids must not repeat."""
    assert len({case.id for case in CASES}) == len(CASES)


def test_snapshot_detects_a_change(seeded: Any) -> None:
    """The invariant checked above can fail: a real write changes the snapshot."""
    client, ids = seeded
    before = snapshot(client)
    client.patch(
        f"/Users/{ids['user']}", json=patch({"op": "replace", "path": "title", "value": "x"})
    )
    assert snapshot(client) != before


def test_the_small_limits_leave_normal_requests_alone(seeded: Any) -> None:
    """The 4 KiB limit of these tests does not refuse an ordinary create (RFC 7644 §3.3)."""
    client, _ids = seeded
    assert client.post("/Users", json=user()).status_code == 201
