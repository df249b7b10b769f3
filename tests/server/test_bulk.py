"""``POST /Bulk`` (RFC 7644 §3.7): bulkId references, circular references, failOnErrors, limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from harness.scim.schema import (
    BULK_REQUEST_URN,
    BULK_RESPONSE_URN,
    ENTERPRISE_USER_URN,
    GROUP_URN,
    PATCH_OP_URN,
    USER_URN,
)
from harness.server.bulk import references_in, strip_unresolved, substitute
from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer
from tests.server.helpers import assert_error, create_user, snapshot


def bulk(*operations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"schemas": [BULK_REQUEST_URN], "Operations": list(operations), **extra}


def post_user(bulk_id: str, user_name: str, **attributes: Any) -> dict[str, Any]:
    data = {"schemas": [USER_URN], "userName": user_name, **attributes}
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def post_group(bulk_id: str, name: str, *member_values: str) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": name}
    if member_values:
        data["members"] = [{"type": "User", "value": value} for value in member_values]
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


def run(api: httpx.Client, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post("/Bulk", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["schemas"] == [BULK_RESPONSE_URN]
    operations: list[dict[str, Any]] = response.json()["Operations"]
    return operations


def resource_id(result: dict[str, Any]) -> str:
    return str(result["location"].rsplit("/", 1)[-1])


def test_each_operation_runs_and_reports(api: httpx.Client) -> None:
    """RFC 7644 §3.7.3: one result per operation with method, bulkId, location, version, status."""
    existing = create_user(api, "existing")
    results = run(
        api,
        bulk(
            post_user("u1", "alice"),
            {"method": "PUT", "path": f"/Users/{existing['id']}",
             "data": {"schemas": [USER_URN], "userName": "existing", "title": "t"}},
            {"method": "PATCH", "path": f"/Users/{existing['id']}", "data": {
                "schemas": [PATCH_OP_URN],
                "Operations": [{"op": "replace", "path": "nickName", "value": "n"}]}},
            {"method": "DELETE", "path": f"/Users/{existing['id']}"},
        ),
    )  # fmt: skip
    assert [(r["method"], r["status"]) for r in results] == [
        ("POST", "201"), ("PUT", "200"), ("PATCH", "200"), ("DELETE", "204")
    ]  # fmt: skip
    created = results[0]
    assert created["bulkId"] == "u1"
    fetched = api.get(created["location"]).json()
    assert fetched["userName"] == "alice"
    assert created["version"] == fetched["meta"]["version"]
    assert_error(api.get(f"/Users/{existing['id']}"), 404)


def test_bulk_ids_resolve_in_member_values(api: httpx.Client) -> None:
    """RFC 7644 §3.7.2: ``bulkId:<id>`` in data is replaced by the created resource's id —
    even when the referring operation comes first (it waits for the POST)."""
    results = run(
        api,
        bulk(
            post_group("g1", "Tour Guides", "bulkId:u1", "bulkId:u2"),
            post_user("u1", "alice"),
            post_user("u2", "bob"),
        ),
    )
    assert [r["status"] for r in results] == ["201", "201", "201"]
    group = api.get(results[0]["location"]).json()
    assert sorted(m["value"] for m in group["members"]) == sorted(
        [resource_id(results[1]), resource_id(results[2])]
    )
    assert group["meta"]["version"] == results[0]["version"]


def test_bulk_ids_resolve_anywhere_in_data_and_in_paths(api: httpx.Client) -> None:
    """§3.7.2: references nested in data (enterprise ``manager.value``) and in ``path``."""
    report = post_user(
        "u2",
        "bob",
        **{ENTERPRISE_USER_URN: {"manager": {"value": "bulkId:u1"}}},
    )
    report["data"]["schemas"] = [USER_URN, ENTERPRISE_USER_URN]
    results = run(
        api,
        bulk(
            post_user("u1", "alice"),
            report,
            post_group("g1", "Team"),
            {"method": "PATCH", "path": "/Groups/bulkId:g1", "data": {
                "schemas": [PATCH_OP_URN],
                "Operations": [{"op": "add", "path": "members",
                                "value": [{"value": "bulkId:u2"}]}]}},
        ),
    )  # fmt: skip
    assert [r["status"] for r in results] == ["201", "201", "201", "200"]
    bob = api.get(results[1]["location"]).json()
    assert bob[ENTERPRISE_USER_URN]["manager"]["value"] == resource_id(results[0])
    team = api.get(results[2]["location"]).json()
    assert [m["value"] for m in team["members"]] == [bob["id"]]


def test_circular_references_are_resolved(api: httpx.Client) -> None:
    """RFC 7644 §3.7.1: two groups that are members of each other are both created,
    each listing the other (the service provider MUST try to resolve the cycle)."""
    results = run(
        api,
        bulk(
            {**post_group("a", "Group A"), "data": {"schemas": [GROUP_URN], "displayName": "A",
                                                    "members": [{"value": "bulkId:b"}]}},
            {**post_group("b", "Group B"), "data": {"schemas": [GROUP_URN], "displayName": "B",
                                                    "members": [{"value": "bulkId:a"}]}},
        ),
    )  # fmt: skip
    assert [r["status"] for r in results] == ["201", "201"]
    a, b = (api.get(r["location"]).json() for r in results)
    assert [m["value"] for m in a["members"]] == [b["id"]]
    assert [m["value"] for m in b["members"]] == [a["id"]]
    assert results[0]["version"] == a["meta"]["version"]


def test_a_self_reference_is_resolved(api: httpx.Client) -> None:
    """A one-element cycle: a user who is their own manager."""
    op = post_user("me", "alice", **{ENTERPRISE_USER_URN: {"manager": {"value": "bulkId:me"}}})
    op["data"]["schemas"] = [USER_URN, ENTERPRISE_USER_URN]
    [result] = run(api, bulk(op))
    assert result["status"] == "201"
    alice = api.get(result["location"]).json()
    assert alice[ENTERPRISE_USER_URN]["manager"]["value"] == alice["id"]


def test_undeclared_and_failed_references(api: httpx.Client) -> None:
    """A reference no POST declares → 400 invalidValue; one whose POST failed → 409."""
    create_user(api, "taken")
    results = run(
        api,
        bulk(
            post_group("g1", "G1", "bulkId:ghost"),
            post_user("u1", "TAKEN"),
            post_group("g2", "G2", "bulkId:u1"),
        ),
    )
    assert [r["status"] for r in results] == ["400", "409", "409"]
    assert results[0]["response"]["scimType"] == "invalidValue"
    assert results[1]["response"]["scimType"] == "uniqueness"
    assert results[2]["response"]["status"] == "409"
    assert api.get("/Groups").json()["totalResults"] == 0


def test_fail_on_errors_stops_processing(api: httpx.Client) -> None:
    """RFC 7644 §3.7.3: after ``failOnErrors`` errors the job stops; done work stays."""
    results = run(
        api,
        bulk(
            post_user("u1", "alice"),
            {"method": "DELETE", "path": "/Users/nope-1"},
            {"method": "DELETE", "path": "/Users/nope-2"},
            post_user("u2", "bob"),
            failOnErrors=2,
        ),
    )
    assert [r["status"] for r in results] == ["201", "404", "404"]
    assert [u["userName"] for u in api.get("/Users").json()["Resources"]] == ["alice"]


def test_without_fail_on_errors_everything_is_attempted(api: httpx.Client) -> None:
    """RFC 7644 §3.7: the server continues past failures when failOnErrors is absent."""
    results = run(
        api,
        bulk(
            {"method": "DELETE", "path": "/Users/nope"},
            post_user("u1", "alice"),
            {"method": "PATCH", "path": "/Users/bulkId:u1"},
            {"method": "POST", "path": "/Users", "data": {"schemas": [USER_URN], "userName": "x"}},
            {"method": "GET", "path": "/Users"},
            {"method": "POST", "path": "/Devices", "bulkId": "d", "data": {}},
            {"method": "POST", "path": "/Users/abc", "bulkId": "d2", "data": {}},
            post_user("u1", "duplicate-bulk-id"),
        ),
    )
    statuses = [(r["status"], r.get("response", {}).get("scimType")) for r in results]
    assert statuses == [
        ("404", None), ("201", None), ("400", "invalidSyntax"), ("400", "invalidSyntax"),
        ("400", "invalidSyntax"), ("404", None), ("400", "invalidValue"), ("400", "invalidValue"),
    ]  # fmt: skip
    for result in results[2:]:
        assert result["response"]["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]


def test_version_is_a_precondition(api: httpx.Client) -> None:
    """RFC 7644 §3.7: ``version`` acts as If-Match; stale → 412 for that operation."""
    user = create_user(api, "alice")
    stale = {"method": "DELETE", "path": f"/Users/{user['id']}", "version": 'W/"old"'}
    current = {"method": "DELETE", "path": f"/Users/{user['id']}",
               "version": user["meta"]["version"]}  # fmt: skip
    assert [r["status"] for r in run(api, bulk(stale, current))] == ["412", "204"]


def test_limits_are_enforced_with_413() -> None:
    """RFC 7644 §3.7.4: maxOperations and maxPayloadSize, as advertised, → 413."""
    server = InProcessScimServer(ServerConfig(bulk_max_operations=2, bulk_max_payload=2000))
    try:
        client = server.client()
        spc = client.get("/ServiceProviderConfig").json()["bulk"]
        assert (spc["maxOperations"], spc["maxPayloadSize"]) == (2, 2000)
        before = snapshot(client)
        three = bulk(*(post_user(f"u{n}", f"user{n}") for n in range(3)))
        assert_error(client.post("/Bulk", json=three), 413)
        big = bulk(post_user("u", "big", title="x" * 2000))
        assert_error(client.post("/Bulk", json=big), 413)
        assert snapshot(client) == before
        two = bulk(*(post_user(f"u{n}", f"user{n}") for n in range(2)))
        assert client.post("/Bulk", json=two).status_code == 200
    finally:
        server.close()


def test_bulk_is_reachable_under_the_base_path() -> None:
    """RFC 7644 §3.7: /Bulk sits under the base URL like every endpoint; locations include it."""
    server = InProcessScimServer(ServerConfig(base_path="/scim/v2"))
    try:
        [result] = run(server.client(), bulk(post_user("u", "alice")))
        assert result["location"].startswith("http://testserver/scim/v2/Users/")
    finally:
        server.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("bulkId:a", {"a"}),
        ({"members": [{"value": "bulkId:a"}, {"value": "x"}], "m": {"v": "bulkId:b"}}, {"a", "b"}),
        (["bulkid:a", "xbulkId:b", 3, None], set()),
    ],
)
def test_references_in(value: Any, expected: set[str]) -> None:
    """RFC 7644 §3.7.2: a reference is a string value ``bulkId:<id>`` (prefix case-sensitive)."""
    assert references_in(value) == expected


def test_substitute_and_strip() -> None:
    """RFC 7644 §3.7.2: resolved references are replaced; for a cycle, unresolved ones dropped."""
    data = {"members": [{"value": "bulkId:a"}, {"value": "bulkId:b"}], "x": {"v": "bulkId:b"}}
    assert substitute(data, {"a": "1"}) == {
        "members": [{"value": "1"}, {"value": "bulkId:b"}],
        "x": {"v": "bulkId:b"},
    }
    assert strip_unresolved(data, {"a": "1"}) == {"members": [{"value": "1"}]}
    nested = {"ext": {"manager": {"value": "bulkId:b"}, "department": "d"}, "title": "bulkId:b"}
    assert strip_unresolved(nested, {}) == {"ext": {"department": "d"}}


def test_a_failed_operation_other_than_post_still_names_its_location(api: httpx.Client) -> None:
    """RFC 7644 §3.7: ``location`` is REQUIRED in a response except after a POST failure."""
    [deleted, created] = run(
        api,
        bulk(
            {"method": "DELETE", "path": "/Users/nope"},
            {"method": "POST", "path": "/Nowhere", "bulkId": "x", "data": {}},
        ),
    )
    assert deleted["status"] == "404"
    assert deleted["location"].endswith("/Users/nope")
    assert created["status"] == "404" and "location" not in created
