"""Users over HTTP: create, read, replace, delete (RFC 7644 §3.3–§3.6; RFC 7643 §4.1)."""

from __future__ import annotations

import httpx

from harness.scim.schema import ENTERPRISE_USER_URN, USER_URN
from tests.server.helpers import assert_error, create_user, user_body

BASE = "http://testserver"


def test_post_is_201_with_location_etag_and_meta(api: httpx.Client) -> None:
    """RFC 7644 §3.3: 201, the full resource, ``Location`` = ``meta.location``; §3.14 ETag."""
    response = api.post("/Users", json=user_body("bjensen", externalId="ext-1"))
    assert response.status_code == 201
    body = response.json()
    meta = body["meta"]
    assert body["schemas"] == [USER_URN]
    assert body["userName"] == "bjensen"
    assert body["externalId"] == "ext-1"
    assert meta["resourceType"] == "User"
    assert meta["location"] == f"{BASE}/Users/{body['id']}"
    assert meta["created"] == meta["lastModified"]
    assert meta["version"].startswith('W/"')
    assert response.headers["location"] == meta["location"]
    assert response.headers["etag"] == meta["version"]
    assert response.headers["content-type"] == "application/scim+json"


def test_client_supplied_read_only_values_are_ignored(api: httpx.Client) -> None:
    """RFC 7643 §3.1: ``id`` and ``meta`` from a client are ignored (Entra sends meta)."""
    body = user_body(
        "bjensen",
        id="client-chosen",
        meta={"resourceType": "User", "created": "2000-01-01T00:00:00Z"},
        groups=[],
    )
    created = api.post("/Users", json=body).json()
    assert created["id"] != "client-chosen"
    assert created["meta"]["created"] != "2000-01-01T00:00:00Z"
    assert "groups" not in created


def test_okta_and_entra_create_bodies_are_accepted(api: httpx.Client) -> None:
    """Okta's create (password, ``groups: []``) and Entra's (extension, nulls, ``roles: []``)."""
    okta = user_body(
        "isabella@example.com",
        name={"givenName": "Isabella", "familyName": "Ramos"},
        emails=[{"primary": True, "value": "isabella@example.com", "type": "work"}],
        displayName="Isabella Ramos",
        locale="en-US",
        externalId="00u1abcd",
        groups=[],
        password="1mz050nq",
        active=True,
    )
    assert api.post("/Users", json=okta).status_code == 201
    entra = {
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "Test_User_ab6490ee@contoso.com",
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": "t@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "givenName familyName", "familyName": "f", "givenName": "g"},
        "roles": [],
        "title": None,
        ENTERPRISE_USER_URN: {"department": "Sales", "manager": None},
    }
    created = api.post("/Users", json=entra)
    assert created.status_code == 201, created.text
    assert created.json()[ENTERPRISE_USER_URN] == {"department": "Sales"}
    assert "title" not in created.json()


def test_get_returns_the_stored_values_as_sent(api: httpx.Client) -> None:
    """RFC 7644 §3.4.1; userName keeps its case (RFC 7643 §4.1.1 compares, not rewrites)."""
    created = create_user(api, "BJensen@Example.com", displayName="Babs")
    response = api.get(f"/Users/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["etag"] == created["meta"]["version"]
    assert response.headers["location"] == created["meta"]["location"]


def test_get_unknown_is_404(api: httpx.Client) -> None:
    """RFC 7644 §3.12: unknown id → 404 with the Error body."""
    assert_error(api.get("/Users/does-not-exist"), 404)


def test_a_group_id_is_not_a_user(api: httpx.Client) -> None:
    """RFC 7644 §3.4.1: /Users/{id} only finds Users, even though ids are unique store-wide."""
    group = api.post(
        "/Groups",
        json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "g"},
    ).json()
    assert_error(api.get(f"/Users/{group['id']}"), 404)


def test_password_is_never_returned(api: httpx.Client) -> None:
    """RFC 7643 §4.1.1: ``password`` is writeOnly and returned never, in any response."""
    created = api.post("/Users", json=user_body("bjensen", password="s3cret!"))
    user_id = created.json()["id"]
    responses = [
        created,
        api.get(f"/Users/{user_id}"),
        api.get(f"/Users/{user_id}", params={"attributes": "password"}),
        api.get("/Users"),
        api.put(f"/Users/{user_id}", json=user_body("bjensen", password="n3w")),
        api.patch(
            f"/Users/{user_id}",
            json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "path": "password", "value": "again"}],
            },
        ),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        assert "password" not in response.text
        assert "s3cret" not in response.text


def test_put_replaces_and_clears_omitted_attributes(api: httpx.Client) -> None:
    """RFC 7644 §3.5.1: PUT replaces; readWrite attributes left out are cleared."""
    created = create_user(api, "bjensen", displayName="Babs", title="Tour Guide")
    response = api.put(f"/Users/{created['id']}", json=user_body("bjensen", displayName="Barbara"))
    assert response.status_code == 200
    body = response.json()
    assert body["displayName"] == "Barbara"
    assert "title" not in body
    assert body["meta"]["created"] == created["meta"]["created"]
    assert body["meta"]["version"] != created["meta"]["version"]
    assert response.headers["etag"] == body["meta"]["version"]
    assert api.get(f"/Users/{created['id']}").json() == body


def test_put_ignores_read_only_values(api: httpx.Client) -> None:
    """RFC 7644 §3.5.1: readOnly values in a PUT SHALL be ignored (id, meta, groups)."""
    created = create_user(api, "bjensen")
    body = user_body(
        "bjensen",
        id="other-id",
        meta={"created": "1999-01-01T00:00:00Z"},
        groups=[{"value": "nope"}],
        nickName="B",
    )
    replaced = api.put(f"/Users/{created['id']}", json=body).json()
    assert replaced["id"] == created["id"]
    assert replaced["meta"]["created"] == created["meta"]["created"]
    assert "groups" not in replaced
    assert replaced["nickName"] == "B"


def test_put_without_changes_keeps_the_version(api: httpx.Client) -> None:
    """Okta re-PUTs the whole user on every sync; an identical PUT is not a modification."""
    created = create_user(api, "bjensen", displayName="Babs")
    again = api.put(f"/Users/{created['id']}", json=user_body("bjensen", displayName="Babs"))
    assert again.json()["meta"] == created["meta"]


def test_put_unknown_is_404(api: httpx.Client) -> None:
    """RFC 7644 §3.5.1 / §3.12: PUT of an unknown id is 404, not a create."""
    assert_error(api.put("/Users/nope", json=user_body("x")), 404)


def test_delete_is_204_then_404(api: httpx.Client) -> None:
    """RFC 7644 §3.6: 204 without a body; the resource is then gone; a second DELETE 404."""
    created = create_user(api, "bjensen")
    response = api.delete(f"/Users/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(api.get(f"/Users/{created['id']}"), 404)
    assert_error(api.delete(f"/Users/{created['id']}"), 404)


def test_user_name_uniqueness_ignores_case(api: httpx.Client) -> None:
    """RFC 7643 §4.1.1: userName unique and caseExact false → a case variant is 409."""
    create_user(api, "bjensen")
    assert_error(api.post("/Users", json=user_body("BJENSEN")), 409, "uniqueness")


def test_a_deleted_user_name_can_be_reused(api: httpx.Client) -> None:
    """RFC 7644 §3.6: a deleted resource no longer holds its userName (RFC 7643 §4.1.1)."""
    created = create_user(api, "bjensen")
    api.delete(f"/Users/{created['id']}")
    assert api.post("/Users", json=user_body("bjensen")).status_code == 201


def test_inactive_users_are_still_returned(api: httpx.Client) -> None:
    """RFC 7643 §4.1.1 ``active``: a disabled user is still a resource (MS Validator)."""
    created = create_user(api, "bjensen", active=False)
    assert api.get(f"/Users/{created['id']}").json()["active"] is False
    found = api.get("/Users", params={"filter": 'userName eq "bjensen"'}).json()
    assert found["totalResults"] == 1


def test_attributes_apply_to_write_responses(api: httpx.Client) -> None:
    """RFC 7644 §3.9: ``attributes`` also shapes POST and PUT responses."""
    response = api.post(
        "/Users", params={"attributes": "userName"}, json=user_body("bjensen", title="x")
    )
    assert response.status_code == 201
    assert set(response.json()) == {"schemas", "id", "userName"}
    assert response.headers["etag"]
    user_id = response.json()["id"]
    replaced = api.put(
        f"/Users/{user_id}",
        params={"excludedAttributes": "meta,title"},
        json=user_body("bjensen", title="y"),
    )
    assert set(replaced.json()) == {"schemas", "id", "userName"}


def test_head_answers_like_get_without_a_body(api: httpx.Client) -> None:
    """RFC 9110 §9.3.2: HEAD is GET without content; the ETag is the same."""
    created = create_user(api, "bjensen")
    response = api.head(f"/Users/{created['id']}")
    assert response.status_code == 200
    assert response.headers["etag"] == created["meta"]["version"]
