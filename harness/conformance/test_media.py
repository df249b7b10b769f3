"""Media types and encoding (RFC 7644 §3.1, §3.8, §8.1).

* responses are labelled ``application/scim+json`` (§3.1, §8.1; the Microsoft
  SCIM Validator insists on it) and, at the least, as JSON;
* requests are accepted as the IdPs send them: Okta's ``Content-Type:
  application/scim+json; charset=utf-8``, the OIN SPEC test's
  ``application/json``, and ``Accept: application/json`` (§3.8 SHOULD);
* bodies are UTF-8 (§3.8 "Servers MUST accept requests … using UTF-8"): a
  user whose names are outside ASCII — sent as raw UTF-8 bytes, not ``\\u``
  escapes — comes back with the same characters.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from typing import Any

from harness.client import ScimResponse
from harness.conformance.expect import (
    describe,
    ensure,
    expect_list,
    expect_resource,
    expect_status,
    precondition,
)
from harness.conformance.registry import check
from harness.conformance.target import Target
from harness.reports.model import Comparison

SCIM_MEDIA_TYPE = "application/scim+json"
JSON_MEDIA_TYPES = frozenset({SCIM_MEDIA_TYPE, "application/json"})
OKTA_CONTENT_TYPE = "application/scim+json; charset=utf-8"
#: Non-ASCII names: Latin with diacritics, Greek, CJK, a character outside the
#: Basic Multilingual Plane (UTF-16 surrogates in \\u form) — NFC-normalised.
UNICODE_NAMES = {
    "givenName": "Zoë Ångström-Łukasz",
    "familyName": "Δημητρίου 李小龍 😀",
}


def _media_type(response: ScimResponse) -> str:
    return response.content_type.split(";", 1)[0].strip().lower()


def _read_only_answers(target: Target) -> list[tuple[str, ScimResponse]]:
    """A success, a list and an error: each must be labelled the same way."""
    return [
        ("GET /ServiceProviderConfig", target.get("/ServiceProviderConfig")),
        ("GET /Users?count=1", target.get("/Users", params={"count": 1})),
        ("GET of an unknown id (an error)", target.get(f"/Users/{target.absent_id()}")),
    ]


@check(
    "media.response",
    "RFC 7644 §3.1, §8.1; Microsoft SCIM Validator",
    "responses with a body carry Content-Type application/scim+json (successes, lists and "
    "errors alike)",
    rfc="should",
)
def test_response_media_type(target: Target) -> None:
    """RFC 7644 registers application/scim+json for SCIM messages (§8.1) and uses it
    throughout; plain application/json is read by both IdPs, so this gates only the
    Entra profile, whose validator rejects other media types."""
    for what, response in _read_only_answers(target):
        expect_status(response, 200, 404, what=what)
        ensure(
            _media_type(response) == SCIM_MEDIA_TYPE,
            f"{what}: Content-Type {SCIM_MEDIA_TYPE} (RFC 7644 §8.1)",
            f"Content-Type: {response.content_type or '(none)'}",
            response,
        )


@check(
    "media.response-json",
    "RFC 7644 §3.8; RFC 7231 §3.1.1.5",
    "JSON bodies are labelled as JSON (application/scim+json or application/json), never "
    "text/html, text/plain or nothing",
)
def test_response_is_labelled_json(target: Target) -> None:
    """§3.8: servers MUST return JSON; a client dispatching on Content-Type (as HTTP
    requires) cannot read JSON sent as text/html."""
    for what, response in _read_only_answers(target):
        expect_status(response, 200, 404, what=what)
        ensure(
            _media_type(response) in JSON_MEDIA_TYPES or _media_type(response).endswith("+json"),
            f"{what}: a JSON Content-Type (application/scim+json)",
            f"Content-Type: {response.content_type or '(none)'}",
            response,
        )
        ensure(
            not response.error,
            f"{what}: a body that parses as JSON",
            describe(response),
            response,
        )


def _create_with_content_type(target: Target, label: str, content_type: str) -> ScimResponse:
    return target.post("/Users", target.user_body(label), headers={"Content-Type": content_type})


@check(
    "media.accept-json",
    "RFC 7644 §3.8; Okta OIN SPEC test (creates with Content-Type: application/json)",
    "a POST /Users sent with Content-Type: application/json is accepted like "
    "application/scim+json (201)",
    rfc="should",
    needs=("Users",),
    mutating=True,
)
def test_request_application_json(target: Target) -> None:
    response = _create_with_content_type(target, "ctjson", "application/json")
    expect_resource(
        response, 201, what="201 for a create sent as application/json (Okta's SPEC test)"
    )


@check(
    "media.charset",
    "RFC 7644 §3.8 (UTF-8 MUST be accepted); okta-provisioning.md (Okta's request headers)",
    "a POST /Users with Content-Type 'application/scim+json; charset=utf-8' (what Okta sends) "
    "is accepted (201)",
    needs=("Users",),
    mutating=True,
)
def test_request_charset(target: Target) -> None:
    """A media-type parameter is part of HTTP (RFC 7231 §3.1.1.1); a server comparing
    the whole header with 'application/scim+json' refuses every request Okta sends."""
    response = _create_with_content_type(target, "charset", OKTA_CONTENT_TYPE)
    expect_resource(response, 201, what=f"201 for Content-Type: {OKTA_CONTENT_TYPE}")
    response = _create_with_content_type(target, "charset2", "application/scim+json;charset=UTF-8")
    expect_resource(response, 201, what="201 for Content-Type: application/scim+json;charset=UTF-8")


@check(
    "media.accept-header-json",
    "RFC 7644 §3.8 (SHOULD support Accept: application/json)",
    "a request with Accept: application/json is answered with JSON (not 406)",
    level="should",
)
def test_accept_application_json(target: Target) -> None:
    response = target.get("/Users", params={"count": 1}, headers={"Accept": "application/json"})
    expect_list(response, what="a ListResponse for Accept: application/json (RFC 7644 §3.8)")
    ensure(
        _media_type(response) in JSON_MEDIA_TYPES,
        "a JSON media type in the answer",
        f"Content-Type: {response.content_type or '(none)'}",
        response,
    )


def _names(resource: dict[str, Any]) -> dict[str, Any]:
    name = resource.get("name") if isinstance(resource.get("name"), dict) else {}
    return {key: (name or {}).get(key) for key in UNICODE_NAMES}


@check(
    "media.utf8",
    "RFC 7644 §3.8 (UTF-8); RFC 8259 §8.1",
    "names outside ASCII, sent as raw UTF-8, are stored and returned with the same characters "
    "(POST answer and a later GET)",
    needs=("Users",),
    mutating=True,
)
def test_utf8_round_trip(target: Target) -> None:
    body = target.user_body("utf8")
    body["name"] = dict(UNICODE_NAMES, formatted=" ".join(UNICODE_NAMES.values()))
    body["displayName"] = body["name"]["formatted"]
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    response = target.request(
        "POST", "/Users", content=raw, headers={"Content-Type": SCIM_MEDIA_TYPE}
    )
    created = expect_resource(response, 201, what="201 for a user with non-ASCII names")
    _expect_same_names("the POST answer", created, response)
    response = target.get(f"/Users/{created['id']}")
    _expect_same_names("a GET of the user", expect_resource(response, 200), response)


def _characters(*texts: str) -> Counter[str]:
    """The characters of ``texts`` (NFC), spaces aside: what an encoding keeps or breaks."""
    return Counter(
        char for text in texts for char in unicodedata.normalize("NFC", text) if not char.isspace()
    )


def _expect_same_names(source: str, resource: dict[str, Any], response: ScimResponse) -> None:
    ensure(
        "\ufffd" not in response.text,
        f"{source}: valid UTF-8 (RFC 7644 §3.8)",
        "bytes that are not UTF-8 (decoded as U+FFFD)",
        response,
    )
    # Only what the target returns is judged: a name it drops whatever its
    # characters is not a UTF-8 defect (the attr.user.name.* checks judge it),
    # and with nothing returned there is nothing to judge the encoding on.
    got = {
        key: unicodedata.normalize("NFC", value) if isinstance(value, str) else value
        for key, value in _names(resource).items()
        if value is not None
    }
    display = resource.get("displayName")
    with precondition(f"{source} to return some of the non-ASCII names it was sent"):
        ensure(
            got or display is not None,
            "name.givenName, name.familyName or displayName in the answer",
            "none of them",
            response,
        )
    # The encoding is judged on the characters, not on how the target splits a
    # name (one re-derives givenName/familyName from the formatted name: the same
    # characters, moved between the two — its defect is attr.user.name.*'s). A
    # mis-decoding adds characters never sent ("ZoÃ«"), a utf8mb3 store drops the
    # emoji: the multiset of characters differs either way.
    sent = {key: UNICODE_NAMES[key] for key in got if key in UNICODE_NAMES}
    returned = _characters(*(str(value) for value in got.values()))
    expected = _characters(*UNICODE_NAMES.values())
    complete = len(got) == len(UNICODE_NAMES)
    ensure(
        returned == expected if complete else not returned - expected,
        f"{source}: name.givenName/familyName with exactly the characters sent, "
        f"{sent!r} (RFC 7644 §3.8: UTF-8)",
        f"{got!r}: characters never sent {sorted(returned - expected)!r}, "
        f"lost {sorted(expected - returned) if complete else []!r}",
        response,
        Comparison(f"name as sent vs {source} (NFC)", {"name": sent}, {"name": got}),
    )
    ensure(
        display is None
        or unicodedata.normalize("NFC", str(display)) == " ".join(UNICODE_NAMES.values()),
        f"{source}: displayName with the same characters",
        f"displayName = {display!r}",
        response,
    )
