"""User lifecycle as Okta sends it, against the reference server (okta-provisioning.md)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from harness.client import Exchange
from mock_okta.model import OktaUser, SyncState
from mock_okta.settings import AppKind
from tests.mock_okta.conftest import OrgFactory

SCIM = "http://scim.test"


def calls(exchanges: list[Exchange]) -> list[tuple[str, str]]:
    """(method, path?query) with the query decoded, for readable sequence assertions."""
    return [(e.method, unquote(e.url.removeprefix(SCIM))) for e in exchanges]


def body(exchange: Exchange) -> Any:
    assert exchange.request_body is not None
    return json.loads(exchange.request_body)


def assert_okta_headers(exchange: Exchange) -> None:
    headers = {k.lower(): v for k, v in exchange.request_headers.items()}
    assert headers["user-agent"] == "Okta SCIM Client 1.0.0"
    assert headers["accept"] == "application/scim+json"
    assert headers["accept-charset"] == "utf-8"
    assert headers["authorization"] == "Bearer [REDACTED]"
    if exchange.request_body is not None:
        assert headers["content-type"] == "application/scim+json; charset=utf-8"


def jane() -> OktaUser:
    return OktaUser.new("jane.doe@example.com", "Jane", "Doe")


def test_create_sends_lookup_then_okta_body(make_org: OrgFactory) -> None:
    org = make_org()
    user = jane()
    result = org.provisioner.assign_user(user)
    assert result.ok, result.message
    assert calls(result.exchanges) == [
        ("GET", '/Users?filter=userName eq "jane.doe@example.com"&startIndex=1&count=100'),
        ("POST", "/Users"),
    ]
    assert "filter=userName%20eq%20%22jane.doe%40example.com%22" in result.exchanges[0].url
    for exchange in result.exchanges:
        assert_okta_headers(exchange)
    assert body(result.exchanges[1]) == {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane.doe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"value": "jane.doe@example.com", "type": "work", "primary": True}],
        "displayName": "Jane Doe",
        "locale": "en-US",
        "active": True,
        "externalId": user.id,
        "groups": [],
    }
    app_user = org.app.app_users[user.id]
    assert app_user.external_id == result.data
    assert app_user.sync_state is SyncState.SYNCHRONIZED
    scim = org.scim_user(result.data)
    assert scim["userName"] == "jane.doe@example.com"
    assert scim["externalId"] == user.id and scim["active"] is True


@pytest.mark.parametrize("kind", [AppKind.CUSTOM, AppKind.OIN])
def test_full_lifecycle(make_org: OrgFactory, kind: AppKind) -> None:
    org = make_org(kind)
    user = jane()
    scim_id = org.provisioner.assign_user(user).data
    path = f"/Users/{scim_id}"

    user.profile.firstName = "Janet"
    update = org.provisioner.update_profile(user)
    assert update.ok, update.message
    assert calls(update.exchanges) == [("GET", path), ("PUT", path)]
    put = body(update.exchanges[1])
    assert put["id"] == scim_id and put["name"]["givenName"] == "Janet"
    assert put["active"] is True and put["externalId"] == user.id
    assert org.scim_user(scim_id)["name"]["givenName"] == "Janet"

    for step, active in (("deactivate", False), ("reactivate", True)):
        result = getattr(org.provisioner, step)(user)
        assert result.ok, result.message
        if kind is AppKind.OIN:
            assert calls(result.exchanges) == [("PATCH", path)]
            assert body(result.exchanges[0]) == {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"active": active}}],
            }
        else:
            assert calls(result.exchanges) == [("GET", path), ("PUT", path)]
            assert body(result.exchanges[1])["active"] is active
            assert body(result.exchanges[1])["userName"] == "jane.doe@example.com"
        for exchange in result.exchanges:
            assert_okta_headers(exchange)
        assert org.scim_user(scim_id)["active"] is active
        assert org.provisioner.verify_user(user).ok

    unassign = org.provisioner.deactivate(user)
    assert unassign.ok
    assert org.scim_user(scim_id)["active"] is False
    assert all(e.method != "DELETE" for e in org.okta_client.exchanges)


def test_existing_user_is_linked_and_updated(make_org: OrgFactory) -> None:
    org = make_org()
    existing = org.inspect.post(
        "/Users",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "jane.doe@example.com",
        },
    )
    assert existing.status == 201
    user = jane()
    result = org.provisioner.assign_user(user)
    assert result.ok, result.message
    scim_id = existing.body["id"]
    assert result.data == scim_id
    assert [m for m, _ in calls(result.exchanges)] == ["GET", "GET", "PUT"]
    assert calls(result.exchanges)[1:] == [
        ("GET", f"/Users/{scim_id}"),
        ("PUT", f"/Users/{scim_id}"),
    ]
    assert org.app.app_users[user.id].external_id == scim_id
    scim = org.scim_user(scim_id)
    assert scim["externalId"] == user.id and scim["name"]["familyName"] == "Doe"


def test_features_off_send_nothing(make_org: OrgFactory) -> None:
    from dataclasses import replace

    org = make_org()
    settings = org.app.settings
    org.app.settings = replace(settings, to_app=replace(settings.to_app, create_users=False))
    result = org.provisioner.assign_user(jane())
    assert result.ok and result.skipped and result.exchanges == []


def test_overridden_mapping_email_as_username(make_org: OrgFactory) -> None:
    from mock_okta.settings import MappingRow

    org = make_org()
    org.app.settings = org.app.settings.with_mapping(
        MappingRow("userName", "email"),
        MappingRow("name.givenName", "firstName"),
        MappingRow("name.familyName", "lastName"),
        MappingRow("emails[work].value", "email"),
        MappingRow("displayName", "displayName"),
    )
    user = OktaUser.new("jdoe", "Jane", "Doe", email="jane@example.com")
    result = org.provisioner.assign_user(user)
    assert result.ok, result.message
    sent = body(result.exchanges[1])
    assert sent["userName"] == "jane@example.com"
    assert set(sent) == {"schemas", "userName", "name", "emails", "displayName"}


def test_connection(make_org: OrgFactory) -> None:
    org = make_org()
    result = org.provisioner.test_connection()
    assert result.ok, result.message
    assert calls(result.exchanges) == [
        ("GET", "/Users?startIndex=1&count=2"),
        ("GET", "/Groups?startIndex=1&count=100"),
    ]
    for exchange in result.exchanges:
        assert_okta_headers(exchange)


def test_connection_with_a_wrong_token_fails(make_org: OrgFactory) -> None:
    from mock_okta.wire import okta_client_in_process

    org = make_org()
    org.provisioner.client = okta_client_in_process(org.scim_app, "wrong")
    result = org.provisioner.test_connection()
    org.provisioner.client.close()
    assert not result.ok
    assert result.message is not None and "HTTP 401" in result.message


def test_import_users_pages_by_100(make_org: OrgFactory) -> None:
    org = make_org()
    for n in range(250):
        org.inspect.post(
            "/Users",
            {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": f"u{n:03d}"},
        )
    result = org.provisioner.import_users()
    assert result.ok, result.message
    assert calls(result.exchanges) == [
        ("GET", "/Users?startIndex=1&count=100"),
        ("GET", "/Users?startIndex=101&count=100"),
        ("GET", "/Users?startIndex=201&count=100"),
    ]
    assert len(result.data) == 250
    assert len({r["id"] for r in result.data}) == 250


def test_placeholder_password_only_without_password_sync(make_org: OrgFactory) -> None:
    """okta-provisioning.md, "Create": a placeholder ``password`` when sync is off (opt-in,
    UNCONFIRMED); with Sync Password on the seeded password replaces it."""
    from dataclasses import replace

    from mock_okta.settings import PLACEHOLDER_PASSWORD

    org = make_org()
    org.app.settings = replace(org.app.settings, placeholder_password=True)
    result = org.provisioner.assign_user(jane())
    assert result.ok, result.message
    assert body(result.exchanges[1])["password"] == PLACEHOLDER_PASSWORD

    synced = replace(org.app.settings.to_app, sync_password=True)
    org.app.settings = replace(org.app.settings, to_app=synced)
    other = OktaUser.new("bob@example.com", "Bob", "Roe")
    result = org.provisioner.assign_user(other)
    assert result.ok, result.message
    assert "password" not in body(result.exchanges[1])  # seed OKTA, no Okta password known
