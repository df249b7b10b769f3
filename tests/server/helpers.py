"""Request bodies and response checks shared by the reference-server tests."""

from __future__ import annotations

from typing import Any

import httpx

from harness.scim.errors import ERROR_URN
from harness.scim.schema import GROUP_URN, PATCH_OP_URN, USER_URN


def user_body(user_name: str, **attributes: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": user_name, **attributes}


def group_body(display_name: str, *member_ids: str, **attributes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [GROUP_URN], "displayName": display_name, **attributes}
    if member_ids:
        body["members"] = [{"value": member_id} for member_id in member_ids]
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


def create(api: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(endpoint, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def create_user(api: httpx.Client, user_name: str, **attributes: Any) -> dict[str, Any]:
    return create(api, "/Users", user_body(user_name, **attributes))


def create_group(api: httpx.Client, display_name: str, *member_ids: str) -> dict[str, Any]:
    return create(api, "/Groups", group_body(display_name, *member_ids))


def assert_error(response: httpx.Response, status: int, scim_type: str | None = None) -> None:
    """RFC 7644 §3.12: the Error schema, ``status`` as a string equal to the HTTP status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/scim+json"
    body = response.json()
    assert body["schemas"] == [ERROR_URN]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type, body
    assert isinstance(body.get("detail"), str) and body["detail"]


def snapshot(api: httpx.Client) -> dict[str, Any]:
    """Every stored resource with its meta: equal snapshots mean nothing was written."""
    return {
        endpoint: api.get(endpoint, params={"count": 1000}).json()["Resources"]
        for endpoint in ("/Users", "/Groups")
    }
