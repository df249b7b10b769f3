"""Discovery endpoints (RFC 7644 §4; RFC 7643 §5–§7) and /Me (RFC 7644 §3.11)."""

from __future__ import annotations

import httpx
import pytest

from harness.scim.schema import (
    ENTERPRISE_USER_URN,
    GROUP_URN,
    LIST_RESPONSE_URN,
    RESOURCE_TYPE_URN,
    SCHEMA_URN,
    SPC_URN,
    USER_URN,
)
from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer
from tests.server.helpers import assert_error

BASE = "http://testserver"


def test_service_provider_config_is_truthful(api: httpx.Client) -> None:
    """RFC 7643 §5: every feature is declared with the limits the server enforces."""
    response = api.get("/ServiceProviderConfig")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/scim+json"
    spc = response.json()
    config = ServerConfig()
    assert spc["schemas"] == [SPC_URN]
    assert spc["documentationUri"].startswith("https://")
    for feature in ("patch", "changePassword", "sort", "etag"):
        assert spc[feature] == {"supported": True}
    assert spc["bulk"] == {
        "supported": True,
        "maxOperations": config.bulk_max_operations,
        "maxPayloadSize": config.bulk_max_payload,
    }
    assert spc["filter"] == {"supported": True, "maxResults": config.max_results}
    [scheme] = spc["authenticationSchemes"]
    assert scheme["type"] == "oauthbearertoken"
    assert scheme["name"] and scheme["description"]
    assert spc["meta"] == {
        "resourceType": "ServiceProviderConfig",
        "location": f"{BASE}/ServiceProviderConfig",
    }


def test_service_provider_config_follows_the_config() -> None:
    """The advertised numbers are the configured ones (checks-catalog disc.spc.truthful)."""
    server = InProcessScimServer(
        ServerConfig(max_results=50, default_count=10, bulk_max_operations=7, bulk_max_payload=999)
    )
    try:
        spc = server.client().get("/ServiceProviderConfig").json()
    finally:
        server.close()
    assert spc["filter"]["maxResults"] == 50
    assert (spc["bulk"]["maxOperations"], spc["bulk"]["maxPayloadSize"]) == (7, 999)


def test_resource_types_list_and_by_id(api: httpx.Client) -> None:
    """RFC 7643 §6; RFC 7644 §4: a ListResponse of User and Group, each gettable by id."""
    listing = api.get("/ResourceTypes").json()
    assert listing["schemas"] == [LIST_RESPONSE_URN]
    assert listing["totalResults"] == 2 == listing["itemsPerPage"]
    by_id = {item["id"]: item for item in listing["Resources"]}
    assert by_id["User"]["endpoint"] == "/Users"
    assert by_id["User"]["schema"] == USER_URN
    assert by_id["User"]["schemaExtensions"] == [{"schema": ENTERPRISE_USER_URN, "required": False}]
    assert by_id["Group"]["schema"] == GROUP_URN
    user = api.get("/ResourceTypes/User")
    assert user.status_code == 200
    assert user.json()["schemas"] == [RESOURCE_TYPE_URN]
    assert user.json()["meta"]["location"] == f"{BASE}/ResourceTypes/User"
    assert_error(api.get("/ResourceTypes/Device"), 404)


def test_schemas_list_and_by_id(api: httpx.Client) -> None:
    """RFC 7643 §7: schema resources with their attribute characteristics."""
    listing = api.get("/Schemas").json()
    ids = [item["id"] for item in listing["Resources"]]
    assert ids == [USER_URN, GROUP_URN, ENTERPRISE_USER_URN]
    assert listing["totalResults"] == 3
    user = api.get(f"/Schemas/{USER_URN}")
    assert user.status_code == 200
    body = user.json()
    assert body["schemas"] == [SCHEMA_URN]
    user_name = next(a for a in body["attributes"] if a["name"] == "userName")
    assert (user_name["uniqueness"], user_name["caseExact"]) == ("server", False)
    assert_error(api.get("/Schemas/urn:example:nothing"), 404)


@pytest.mark.parametrize("path", ["/Schemas", "/ResourceTypes", "/ServiceProviderConfig"])
def test_filter_on_discovery_is_403(api: httpx.Client, path: str) -> None:
    """RFC 7644 §4: a filter on a discovery endpoint SHOULD be answered 403."""
    assert_error(api.get(path, params={"filter": 'id eq "User"'}), 403)


def test_paging_parameters_on_discovery_are_ignored(api: httpx.Client) -> None:
    """RFC 7644 §4: sort and pagination parameters there are ignored."""
    body = api.get("/Schemas", params={"startIndex": 2, "count": 1, "sortBy": "id"}).json()
    assert body["totalResults"] == 3 == len(body["Resources"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/ServiceProviderConfig"),
        ("PUT", "/ServiceProviderConfig"),
        ("POST", "/Schemas"),
        ("DELETE", f"/Schemas/{USER_URN}"),
        ("PATCH", "/ResourceTypes/User"),
        ("POST", "/ResourceTypes"),
    ],
)
def test_writes_to_discovery_are_405(api: httpx.Client, method: str, path: str) -> None:
    """RFC 7644 §4: discovery endpoints are read-only; Okta's SPEC test expects 405."""
    response = api.request(method, path, json={})
    assert_error(response, 405)
    assert "GET" in response.headers["allow"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_me_is_not_implemented(api: httpx.Client, method: str) -> None:
    """RFC 7644 §3.11: a server that cannot map the token to a User answers 501."""
    assert_error(api.request(method, "/Me"), 501)
    assert_error(api.request(method, "/Me/anything"), 501)
