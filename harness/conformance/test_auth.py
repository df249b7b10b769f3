"""Authentication: the bearer token and how a refusal looks (RFC 7644 §2, §3.12, §7;
RFC 6750; RFC 7235).

Both IdPs authenticate with one long-lived bearer token (okta-provisioning.md
"Requests", entra-provisioning.md §1). The checks send no token, a wrong one,
a malformed ``Authorization`` header and the scheme name in other cases, and
look at the refusal: 401 (RFC 6750 §3.1 ``invalid_token``; 403 is for a valid
token without the right), no data in it, a ``WWW-Authenticate`` challenge, a
SCIM Error body. Last, Entra's habit of appending feature flags such as
``?aadOptscim062020`` to the base URL must not break auth or routing.

Only the run's own token and made-up wrong ones are sent; nothing here can
lock out a real credential.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from harness.client import FAKE_CREDENTIAL, ScimResponse
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_json,
    expect_list,
    expect_resource,
    expect_status,
    fail,
    precondition,
)
from harness.conformance.registry import check
from harness.conformance.support import usable
from harness.conformance.target import Target
from harness.scim.schema import LIST_RESPONSE_URN, SPC_URN

ENTRA_FLAG = "aadOptscim062020"


def _protected_paths(target: Target) -> list[str]:
    """Resource endpoints that must never answer without the token."""
    paths = ["/Users"]
    if usable(target, "Groups"):
        paths.append("/Groups")
    paths.append(f"/Users/{target.absent_id()}")
    return paths


def _wrong_token() -> str:
    """A wrong token marked as fake, so transcripts keep it and replays reproduce the 401."""
    return f"{FAKE_CREDENTIAL}-{secrets.token_hex(6)}"


def _expect_refused(response: ScimResponse, why: str) -> None:
    """401 and nothing of the tenant's data in the answer."""
    expect_status(response, 401, what=why)
    body = response.body
    leaked = isinstance(body, dict) and (
        "Resources" in body or LIST_RESPONSE_URN in (body.get("schemas") or [])
    )
    ensure(
        not leaked,
        "a refusal that carries no resources (RFC 7644 §2, §7)",
        "a 401 whose body is a ListResponse",
        response,
    )


@check(
    "auth.none-401",
    "RFC 7644 §2; RFC 6750 §3.1; RFC 7235 §3.1",
    "a request with no Authorization header is refused with 401 on /Users, /Groups and a "
    "resource path, and reveals nothing",
)
def test_no_credentials(target: Target) -> None:
    for path in _protected_paths(target):
        response = target.get(path, authenticate=False)
        _expect_refused(response, f"GET {path} without credentials → 401 (RFC 7644 §2)")


@check(
    "auth.bad-401",
    "RFC 7644 §2; RFC 6750 §3.1 (invalid_token → 401)",
    "a wrong bearer token is refused with 401 (not 403, which is for a valid token without "
    "the right) and reveals nothing",
)
def test_wrong_token(target: Target) -> None:
    headers = {"Authorization": f"Bearer {_wrong_token()}"}
    for path in _protected_paths(target):
        response = target.get(path, headers=headers)
        _expect_refused(
            response,
            f"GET {path} with a wrong bearer token → 401 (RFC 6750 §3.1: invalid_token)",
        )


@check(
    "auth.garbage-401",
    "RFC 7644 §2; RFC 7235 §3.1",
    "a malformed or foreign Authorization header (no scheme, empty Bearer, Basic) is refused "
    "with 401 — never accepted, never a 5xx",
)
def test_garbage_credentials(target: Target) -> None:
    # ("Bearer " with a trailing space cannot travel: HTTP strips header
    # whitespace (RFC 9110 §5.5), so it reaches the server as "Bearer".)
    for value in (
        _wrong_token(),
        "Bearer",
        f"Basic {_wrong_token()}",
        f"Bearer {_wrong_token()} extra",
    ):
        response = target.get("/Users", headers={"Authorization": value}, params={"count": 1})
        _expect_refused(response, f"Authorization: {value!r} → 401")


@check(
    "auth.error-body",
    "RFC 7644 §3.12",
    'a 401 carries a SCIM Error body (Error schema, status "401") when it carries a body',
)
def test_error_body(target: Target) -> None:
    """§3.12 shapes every SCIM error, a refused credential included; an HTML login page
    or a framework's stack trace is no answer a provisioning client can read. An empty
    401 body is allowed (the status and WWW-Authenticate say it all)."""
    for headers, authenticate in (
        ({}, False),
        ({"Authorization": f"Bearer {_wrong_token()}"}, True),
    ):
        response = target.get("/Users", headers=headers, authenticate=authenticate)
        expect_status(response, 401, what="a refused request")
        if not response.text.strip():
            continue
        expect_error(response, 401, what="a 401 with a SCIM Error body (RFC 7644 §3.12)")


@check(
    "auth.www-authenticate",
    "RFC 7235 §3.1; RFC 6750 §3",
    "a 401 carries a WWW-Authenticate challenge naming the Bearer scheme",
    rfc="must",
)
def test_www_authenticate(target: Target) -> None:
    """HTTP itself requires it: "The server generating a 401 response MUST send a
    WWW-Authenticate header field" (RFC 7235 §3.1; RFC 6750 §3 for bearer tokens).
    Neither IdP reads it, hence only ``should`` under their profiles."""
    for headers, authenticate in (
        ({}, False),
        ({"Authorization": f"Bearer {_wrong_token()}"}, True),
    ):
        response = target.get("/Users", headers=headers, authenticate=authenticate)
        expect_status(response, 401, what="a refused request")
        challenge = response.headers.get("www-authenticate", "")
        ensure(
            challenge,
            "a WWW-Authenticate header on the 401 (RFC 7235 §3.1 MUST)",
            "no WWW-Authenticate header",
            response,
        )
        ensure(
            "bearer" in challenge.lower(),
            "a challenge for the Bearer scheme, the one the target accepts (RFC 6750 §3)",
            f"WWW-Authenticate: {challenge}",
            response,
        )


@check(
    "auth.scheme-case",
    "RFC 7235 §2.1; RFC 6750 §2.1",
    "the auth-scheme name is matched case-insensitively: 'bearer' and 'BEARER' work like 'Bearer'",
    rfc="must",
)
def test_scheme_case(target: Target) -> None:
    """RFC 7235 §2.1: the scheme is "a case-insensitive token". Both IdPs send
    ``Bearer``, so a failure here matters for other clients, not for them."""
    token = target.client.token
    if not token:
        fail("a token to authenticate with (--scim-token-env)", "the run has no token")
    # The same request with the scheme as the client spells it must work first:
    # a listing that fails for another reason (a 500 on ?count) says nothing
    # about the scheme's case, and is its own root cause.
    with precondition("the same listing with the run's own Authorization header"):
        expect_list(target.get("/Users", params={"count": 1}), what="GET /Users?count=1")
    for scheme in ("bearer", "BEARER"):
        response = target.get(
            "/Users", headers={"Authorization": f"{scheme} {token}"}, params={"count": 1}
        )
        expect_list(response, what=f"'Authorization: {scheme} <token>' accepted (RFC 7235 §2.1)")


@check(
    "auth.query-flag-ok",
    "Entra [K] 'Flags to alter the SCIM behavior' (?aadOptscim062020 on the base URL)",
    "an unknown query parameter such as Entra's ?aadOptscim062020 breaks neither "
    "authentication nor routing: reads, filters and creates work as without it",
    rfc="should",
    needs=("Users",),
    mutating=True,
)
def test_query_flag(target: Target) -> None:
    """Entra appends its feature flags to the tenant URL, so every request it sends
    carries them (entra-provisioning.md §1). The SPC without the flag comes first: one
    that is no SPC either is ``disc.spc.get``'s failure, not the flag's."""
    with precondition("the ServiceProviderConfig without the flag (disc.spc.get)"):
        plain = target.get("/ServiceProviderConfig")
        ensure(
            SPC_URN in (expect_json(plain, "the ServiceProviderConfig").get("schemas") or []),
            "the ServiceProviderConfig without the flag",
            describe(plain),
            plain,
        )
    response = target.get(f"/ServiceProviderConfig?{ENTRA_FLAG}")
    expect_status(response, 200, what=f"GET /ServiceProviderConfig?{ENTRA_FLAG}")
    body = expect_json(response, "the ServiceProviderConfig")
    ensure(
        SPC_URN in (body.get("schemas") or []),
        "the ServiceProviderConfig despite the flag",
        f"schemas = {body.get('schemas')!r}",
        response,
    )
    expect_list(target.get(f"/Users?{ENTRA_FLAG}&count=1"), what=f"GET /Users?{ENTRA_FLAG}")
    response = target.post(f"/Users?{ENTRA_FLAG}", target.user_body("flag"))
    if response.status in (401, 403, 404):
        fail(
            f"POST /Users?{ENTRA_FLAG} routed and authenticated like POST /Users",
            describe(response),
            response,
        )
    created = expect_resource(response, 201, what=f"POST /Users?{ENTRA_FLAG} → 201")
    if not usable(target, "filter"):
        return
    # Built by hand: an HTTP client given ``params`` would drop the bare flag.
    for name, expected in ((created.get("userName"), 1), (target.user_name("flag-none"), 0)):
        query = quote(f'userName eq "{name}"', safe="")
        response = target.get(f"/Users?{ENTRA_FLAG}&filter={query}")
        listed = expect_list(response, what="a filter query carrying the flag")
        ensure(
            listed.get("totalResults") == expected,
            f'the filter applied despite the flag: {expected} result(s) for userName eq "{name}"',
            f"totalResults = {listed.get('totalResults')!r}",
            response,
        )
