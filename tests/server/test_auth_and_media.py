"""Authentication (RFC 7644 §2, RFC 6750), media types (§3.1, §3.8), routing errors (§3.12)."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.server.config import ServerConfig
from harness.server.testing import InProcessScimServer
from tests.server.helpers import assert_error, create_user, snapshot, user_body

PROTECTED = [
    ("GET", "/Users"),
    ("GET", "/Groups"),
    ("POST", "/Users"),
    ("GET", "/Users/some-id"),
    ("GET", "/ServiceProviderConfig"),
    ("GET", "/Schemas"),
    ("GET", "/ResourceTypes"),
    ("POST", "/Bulk"),
    ("POST", "/.search"),
    ("GET", "/no/such/endpoint"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_token_is_401_with_a_challenge(
    scim_server: InProcessScimServer, api: httpx.Client, method: str, path: str
) -> None:
    """RFC 7644 §2 and RFC 6750 §3: 401, ``WWW-Authenticate: Bearer realm``, a SCIM body,
    and nothing written. Discovery endpoints too: our policy is that nothing answers
    without the token."""
    before = snapshot(api)
    anonymous = scim_server.client(headers={})
    response = anonymous.request(method, path, json=user_body("x"))
    assert_error(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="SCIM"'
    assert snapshot(api) == before


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer wrong",
        "Bearer scim-harness-test-tokenX",
        "Basic c2NpbTpzY2lt",
        "scim-harness-test-token",
    ],
)
def test_a_wrong_credential_is_401_and_writes_nothing(
    scim_server: InProcessScimServer, api: httpx.Client, authorization: str
) -> None:
    """RFC 7644 §2: a bad credential is 401 (not 403) and nothing happens."""
    before = snapshot(api)
    intruder = scim_server.client(headers={})
    response = intruder.post(
        "/Users", json=user_body("x"), headers={"Authorization": authorization}
    )
    assert_error(response, 401)
    assert "Bearer" in response.headers["www-authenticate"]
    assert snapshot(api) == before


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "BeArEr"])
def test_the_scheme_name_is_case_insensitive(scim_server: InProcessScimServer, scheme: str) -> None:
    """RFC 6750 §2.1 / RFC 7235 §2.1: auth-scheme names are case-insensitive."""
    client = scim_server.client(headers={})
    token = scim_server.token
    response = client.get("/Users", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200


def test_without_a_configured_token_the_server_is_open() -> None:
    """The in-process fixture may run without auth (``ServerConfig(token=None)``)."""
    server = InProcessScimServer(ServerConfig(token=None))
    try:
        assert server.client().get("/Users").status_code == 200
    finally:
        server.close()


# -- Basic (RFC 7617), accepted next to the bearer token when configured -------------

BASIC_USER, BASIC_PASSWORD = "okta", "s3cret:with-colon-ü"


def basic(user: str, password: str, scheme: str = "Basic") -> str:
    pair = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"{scheme} {pair}"


@pytest.fixture
def basic_server() -> Iterator[InProcessScimServer]:
    server = InProcessScimServer(
        ServerConfig(token="bearer-token", basic_credentials=(BASIC_USER, BASIC_PASSWORD))
    )
    yield server
    server.close()


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC"])
def test_basic_credentials_are_accepted_when_configured(
    basic_server: InProcessScimServer, scheme: str
) -> None:
    """RFC 7617 §2: ``Basic base64(user-id:password)``; the password may contain a colon
    (only the user-id may not) and UTF-8 (§2.1); the scheme is case-insensitive."""
    client = basic_server.client(headers={})
    header = {"Authorization": basic(BASIC_USER, BASIC_PASSWORD, scheme)}
    created = client.post("/Users", json=user_body("via-basic"), headers=header)
    assert created.status_code == 201, created.text
    assert client.get("/Users", headers={"Authorization": "Bearer bearer-token"}).status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        basic(BASIC_USER, "wrong"),
        basic("someone-else", BASIC_PASSWORD),
        basic(BASIC_USER, BASIC_PASSWORD[:-1]),
        "Basic not*base64",
        "Basic",
        "Bearer wrong",
    ],
    ids=["wrong-password", "wrong-user", "prefix", "bad-base64", "empty", "wrong-bearer"],
)
def test_wrong_credentials_are_401_naming_both_schemes(
    basic_server: InProcessScimServer, authorization: str
) -> None:
    """RFC 7235 §4.1: one ``WWW-Authenticate`` may carry several challenges; the client
    learns that both Bearer and Basic are accepted. Nothing is written."""
    api = basic_server.client(headers={"Authorization": "Bearer bearer-token"})
    before = snapshot(api)
    response = basic_server.client(headers={}).post(
        "/Users", json=user_body("x"), headers={"Authorization": authorization}
    )
    assert_error(response, 401)
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith('Bearer realm="SCIM"')
    assert 'Basic realm="SCIM", charset="UTF-8"' in challenge
    assert ('error="invalid_token"' in challenge) == authorization.startswith("Bearer")
    assert BASIC_PASSWORD not in response.text
    assert snapshot(api) == before


def test_basic_only_refuses_bearer_tokens() -> None:
    server = InProcessScimServer(ServerConfig(basic_credentials=("u", "p")))
    try:
        client = server.client(headers={})
        assert client.get("/Users", headers={"Authorization": basic("u", "p")}).status_code == 200
        refused = client.get("/Users", headers={"Authorization": "Bearer p"})
        assert_error(refused, 401)
        assert_error(client.get("/Users"), 401)
    finally:
        server.close()


def test_basic_is_refused_unless_configured(scim_server: InProcessScimServer) -> None:
    token = scim_server.token
    assert token is not None
    response = scim_server.client(headers={}).get(
        "/Users", headers={"Authorization": basic("user", token)}
    )
    assert_error(response, 401)
    assert "Basic" not in response.headers["www-authenticate"]


@pytest.mark.parametrize("pair", [("a:b", "p"), ("", "p"), ("u", "")])
def test_basic_credentials_are_validated(pair: tuple[str, str]) -> None:
    """RFC 7617 §2: the user-id ends at the first colon, so it cannot contain one."""
    with pytest.raises(ValueError):
        ServerConfig(basic_credentials=pair)


def test_basic_credentials_stay_out_of_the_config_repr() -> None:
    assert BASIC_PASSWORD not in repr(ServerConfig(basic_credentials=("u", BASIC_PASSWORD)))


def test_unknown_query_parameters_are_ignored(api: httpx.Client) -> None:
    """Entra appends feature flags such as ``?aadOptscim062020`` to every URL."""
    create_user(api, "bjensen")
    assert api.get("/Users?aadOptscim062020").json()["totalResults"] == 1
    assert api.get("/ServiceProviderConfig?aadOptscim062020").status_code == 200
    response = api.post("/Users?aadOptscim062020&foo=bar", json=user_body("other"))
    assert response.status_code == 201


@pytest.mark.parametrize(
    "content_type",
    ["application/scim+json", "application/json", "application/scim+json; charset=utf-8"],
)
def test_json_media_types_are_accepted(api: httpx.Client, content_type: str) -> None:
    """RFC 7644 §3.1 and §3.8: scim+json, plain json (Okta's SPEC test sends it), charset."""
    response = api.post(
        "/Users", content=b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
        b'"userName":"bjensen"}', headers={"Content-Type": content_type},
    )  # fmt: skip
    assert response.status_code == 201
    assert response.headers["content-type"] == "application/scim+json"


def test_a_body_without_content_type_is_read_as_json(api: httpx.Client) -> None:
    """Our tolerance: a SCIM endpoint has one body format, so a missing type is not an error."""
    request = api.build_request(
        "POST", "/Users", content=b'{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],'
        b'"userName":"bjensen"}',
    )  # fmt: skip
    assert "content-type" not in request.headers
    assert api.send(request).status_code == 201


def test_non_ascii_values_round_trip(api: httpx.Client) -> None:
    """RFC 7644 §3.8: UTF-8 on the wire both ways."""
    created = create_user(api, "jürgen.łukasz@example.com", displayName="Jürgen Łukasz 日本")
    fetched = api.get(f"/Users/{created['id']}")
    assert fetched.json()["displayName"] == "Jürgen Łukasz 日本"
    assert "Jürgen".encode() in fetched.content


def test_unknown_route_is_a_scim_404(api: httpx.Client) -> None:
    """RFC 7644 §3.12: errors, including routing ones, carry the SCIM Error body."""
    assert_error(api.get("/Devices"), 404)
    assert_error(api.post("/Users/x/y", json={}), 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [("DELETE", "/Users"), ("PUT", "/Groups"), ("PATCH", "/Users"), ("GET", "/Bulk"),
     ("POST", "/Users/some-id"), ("GET", "/.search")],
)  # fmt: skip
def test_wrong_method_is_a_scim_405(api: httpx.Client, method: str, path: str) -> None:
    """RFC 7644 §3.12: an unsupported method → 405 with the Error body and ``Allow``."""
    response = api.request(method, path)
    assert_error(response, 405)
    assert response.headers["allow"]


def test_an_unexpected_exception_is_a_scim_500(
    scim_server: InProcessScimServer, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RFC 7644 §3.12: even a server bug answers with a SCIM body, not HTML or a trace."""

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(scim_server.app.state.service, "search", broken)
    response = api.get("/Users")
    assert_error(response, 500)
    assert "boom" not in response.text
