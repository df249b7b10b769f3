"""Adaptive setup: what the checks create is built from what the target declares.

Three variants of the reference server, each a shape measured on real
vendor endpoints (issue 14):

* a *restricted* server: its ``/Schemas`` declares a User without nickName,
  title, phone numbers, addresses … and no enterprise extension, and it
  refuses anything undeclared (400 ``invalidPath`` in a body or a PATCH path,
  400 ``invalidFilter`` in a filter) — conformant (RFC 7643 §7), so no check
  may fail on it;
* ``email-type-rejected`` (a planted fault): creates with ``emails[].type``
  refused — one check reports it, the rest run on minimal users;
* ``create-minimal-only`` (a planted fault): every create body but
  ``{schemas, userName}`` refused — checks run on minimal users, and those
  that need more are blocked, not failed.

The units of :mod:`harness.conformance.bodies_from_schema` are tested on
plain declarations at the end.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

import pytest

from harness.conformance.bodies_from_schema import (
    MULTI_COMPLEX,
    SINGULAR_STRING,
    choose,
    declared_only,
    fit,
    minimal,
)
from harness.conformance.discovery import Discovery
from harness.conformance.results import RunResult
from harness.conformance.runner import EXIT_FAILURES, EXIT_OK, RunOptions, run_suite
from harness.scim.schema import ENTERPRISE_USER_URN, USER_SCHEMA, USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app

TOKEN = "adaptive-setup-token-Q7"
#: The User attributes the restricted server declares, with their declared sub-attributes.
DECLARED_USER: dict[str, frozenset[str]] = {
    "userName": frozenset(),
    "name": frozenset({"givenName", "familyName", "formatted"}),
    "displayName": frozenset(),
    "active": frozenset(),
    "password": frozenset(),
    "emails": frozenset({"value", "type", "primary"}),
    "groups": frozenset({"value", "$ref", "display", "type"}),
}
COMMON = frozenset({"schemas", "id", "externalid", "meta"})
UNDECLARED = sorted(
    a.name for a in USER_SCHEMA.attributes if a.name not in DECLARED_USER
)  # nickName, title, phoneNumbers, addresses, …
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
_UNDECLARED_IN_FILTER = re.compile(
    r"\b(" + "|".join(UNDECLARED) + r")\b|" + re.escape(ENTERPRISE_USER_URN), re.IGNORECASE
)
#: The IdP's own create bodies, sent verbatim: refusing them is the IdP's failure.
IDP_BODIES = ["users.post.okta-body", "users.post.entra-body"]
#: The checks issue 14 measured failing on such a server.
MEASURED = (
    "patch.add.simple",
    "patch.add.pathless",
    "patch.remove.simple",
    "patch.response",
    "patch.op-case",
    "users.put.200",
    "users.put.replace",
    "users.get.200",
    "users.values-as-sent",
    "users.multivalued.roundtrip",
    "filter.pr",
)


def _restricted_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The reference User schema cut down to :data:`DECLARED_USER`; one e-mail type."""
    attributes = []
    for attribute in schema["attributes"]:
        subs = DECLARED_USER.get(attribute["name"])
        if subs is None:
            continue
        attribute = dict(attribute)
        if subs:
            kept = [dict(s) for s in attribute["subAttributes"] if s["name"] in subs]
            for sub in kept:
                if attribute["name"] == "emails" and sub["name"] == "type":
                    sub["canonicalValues"] = ["work"]
            attribute["subAttributes"] = kept
        attributes.append(attribute)
    return {**schema, "attributes": attributes}


def _rewrite_discovery(path: str, body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    if path.rstrip("/").endswith("/Schemas"):
        items = [
            _restricted_schema(item) if item.get("id") == USER_URN else item
            for item in body.get("Resources", [])
            if item.get("id") != ENTERPRISE_USER_URN
        ]
        return {**body, "Resources": items, "totalResults": len(items), "itemsPerPage": len(items)}
    if path.rstrip("/").endswith("/ResourceTypes"):
        items = [{**item, "schemaExtensions": []} for item in body.get("Resources", [])]
        return {**body, "Resources": items}
    return body


def _undeclared_in(value: Any) -> str | None:
    """The first attribute of a User body (or path-less PATCH value) not declared."""
    if not isinstance(value, dict):
        return None
    for key, item in value.items():
        if key.casefold() in COMMON:
            continue
        declared = next((n for n in DECLARED_USER if n.casefold() == key.casefold()), None)
        if declared is None:
            return key
        subs = DECLARED_USER[declared]
        for element in item if isinstance(item, list) else [item]:
            if subs and isinstance(element, dict):
                extra = [k for k in element if k not in subs]
                if extra:
                    return f"{key}.{extra[0]}"
    return None


def _undeclared_path(path: str) -> str | None:
    if path.startswith(USER_URN + ":"):
        path = path[len(USER_URN) + 1 :]
    head = re.split(r"[.\[]", path, maxsplit=1)[0].casefold()
    if head in COMMON:
        return None
    if path.startswith("urn:") or head not in {n.casefold() for n in DECLARED_USER}:
        return path
    return None


def _refusal(method: str, path: str, query: str, body: Any) -> tuple[str, str] | None:
    """(scimType, detail) when the restricted server refuses this request."""
    if not path.startswith("/Users"):
        return None
    if method in ("POST", "PUT") and not path.endswith("/.search"):
        bad = _undeclared_in(body)
        return ("invalidPath", f"Attribute '{bad}' is not supported.") if bad else None
    if method == "PATCH" and isinstance(body, dict):
        for operation in body.get("Operations") or []:
            if not isinstance(operation, dict):
                continue
            if str(operation.get("op", "")).casefold() not in ("add", "replace", "remove"):
                continue
            target = operation.get("path")
            bad = (
                _undeclared_path(target)
                if isinstance(target, str)
                else _undeclared_in(operation.get("value"))
            )
            if bad:
                return ("invalidPath", f"Attribute '{bad}' is not supported.")
    if method == "GET" and "filter=" in query:
        from urllib.parse import parse_qs

        text = " ".join(parse_qs(query).get("filter", []))
        if _UNDECLARED_IN_FILTER.search(_QUOTED.sub('""', text)):
            return ("invalidFilter", "The filter names an attribute that is not supported.")
    return None


def restricted_app() -> Any:
    """The reference server behind a restricted ``/Schemas`` that it enforces."""
    inner = create_app(ServerConfig(token=TOKEN))

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        query = scope.get("query_string", b"").decode()
        refusal = _refusal(scope["method"], scope["path"], query, body)
        if refusal is not None:
            error = {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": "400",
                "scimType": refusal[0],
                "detail": refusal[1],
            }
            return await _send(send, 400, [], json.dumps(error).encode())
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": raw, "more_body": False}

        started: dict[str, Any] = {}
        parts: list[bytes] = []

        async def capture(message):
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                parts.append(message.get("body", b""))

        await inner(scope, replay, capture)
        content = b"".join(parts)
        headers = [(k, v) for k, v in started.get("headers", []) if k.lower() != b"content-length"]
        if scope["method"] == "GET" and content and started["status"] == 200:
            rewritten = _rewrite_discovery(scope["path"], json.loads(content))
            content = json.dumps(rewritten).encode()
        return await _send(send, started["status"], headers, content)

    return app


async def _send(send, status: int, headers: list, content: bytes) -> None:
    headers = [h for h in headers if h[0].lower() != b"content-type"] or []
    kind = next((v for k, v in headers if k.lower() == b"content-type"), None)
    headers = [*headers, (b"content-type", kind or b"application/scim+json")]
    if status not in (204, 304):
        headers.append((b"content-length", str(len(content)).encode()))
    else:
        content = b""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def run(
    app: Any,
    profile: str = "rfc",
    select: list[str] | None = None,
    deselect: list[str] | None = None,
) -> RunResult:
    return run_suite(
        RunOptions(
            app=app, token=TOKEN, profile=profile, select=select or [], deselect=deselect or []
        )
    )


def verdicts(result: RunResult) -> dict[str, str]:
    return {check.id: check.verdict for check in result.checks}


def failures(result: RunResult) -> str:
    return "\n\n".join(
        f"[{c.verdict}] {c.message}" for c in result.checks if c.verdict in ("failed", "warning")
    )


# -- the restricted server ----------------------------------------------------------


@pytest.mark.parametrize("profile", ["rfc", "okta"])
def test_a_restricted_schema_fails_no_check_that_hard_codes_attributes(profile: str) -> None:
    """Every area but the IdP replays (which send what the IdP sends, verbatim)
    and the attr.* family (which already skips what is undeclared)."""
    areas = ["users.*", "patch.*", "filter.*", "sort.*", "proj.*"]
    result = run(restricted_app(), profile, areas, IDP_BODIES)
    found = verdicts(result)
    assert result.exit_code == EXIT_OK, failures(result)
    assert not [c for c in result.checks if c.verdict == "warning"], failures(result)
    for check_id in MEASURED:
        assert found[check_id] in ("passed", "skipped"), (check_id, failures(result))
    assert found["users.create.declared"] == "passed"


def test_the_restricted_server_really_refuses_what_it_does_not_declare() -> None:
    """The fixture must be able to fail the old checks: nickName in a PATCH is refused."""
    import httpx

    from harness.server.testing import SyncASGITransport

    with httpx.Client(
        transport=SyncASGITransport(restricted_app()),
        base_url="http://scim.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        created = client.post("/Users", json={"schemas": [USER_URN], "userName": "r@example.com"})
        assert created.status_code == 201
        patch = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "nickName", "value": "Babs"}],
        }
        refused = client.patch(f"/Users/{created.json()['id']}", json=patch)
        assert refused.status_code == 400 and refused.json()["scimType"] == "invalidPath"
        listed = client.get("/Users", params={"filter": "title pr"})
        assert listed.status_code == 400
        schemas = client.get("/Schemas").json()["Resources"]
        user = next(s for s in schemas if s["id"] == USER_URN)
        assert "nickName" not in {a["name"] for a in user["attributes"]}


def test_a_restricted_schema_skips_with_the_reason_where_nothing_fits() -> None:
    result = run(restricted_app(), "rfc", ["patch.add.simple", "patch.remove.simple"])
    skipped = {c.id: c.message for c in result.checks if c.verdict == "skipped"}
    # The restricted User still declares displayName: it is the attribute chosen.
    assert not skipped, skipped
    assert result.exit_code == EXIT_OK, failures(result)


# -- a refused create is reported once ----------------------------------------------


def test_a_refused_email_type_fails_one_check_and_the_rest_run() -> None:
    result = run(faulty_app(FAULTS_BY_NAME["email-type-rejected"], ServerConfig(token=TOKEN)))
    counts = Counter(c.verdict for c in result.checks)
    failed = result.failed_ids()
    assert result.exit_code == EXIT_FAILURES
    # The root cause, once, with the refused POST; plus the attribute's own round trip.
    assert set(failed) == {"users.create.declared", "attr.user.emails.roundtrip"}, failures(result)
    root = next(c for c in result.checks if c.id == "users.create.declared")
    assert "emails.type" in root.message and "POST" in root.message
    assert not [c for c in result.checks if "unexpected error" in (c.message or "")]
    # Checks whose users carry typed e-mails (the filter population …) are blocked.
    assert counts["passed"] > 300, counts
    assert counts["blocked"] < 120, counts


def test_a_create_that_takes_only_the_minimal_body_runs_checks_on_minimal_users() -> None:
    result = run(faulty_app(FAULTS_BY_NAME["create-minimal-only"], ServerConfig(token=TOKEN)))
    found = verdicts(result)
    counts = Counter(found.values())
    assert result.exit_code == EXIT_FAILURES
    assert found["users.create.declared"] == "failed"
    for check_id in ("users.post.201", "users.put.200", "patch.replace.simple", "users.delete"):
        assert found.get(check_id, "passed") == "passed", (check_id, failures(result))
    # Checks that need more than a userName are blocked by the refusal, not failed.
    assert found["patch.replace.subattr"] == "blocked"
    assert not [c for c in result.checks if "unexpected error" in (c.message or "")], failures(
        result
    )
    # What still fails carries a refused attribute in its own rule (attr.*.roundtrip …).
    assert counts["passed"] > 150, counts


# -- the module's units ------------------------------------------------------------------


def _discovery(user: dict[str, Any], required_extension: bool = False) -> Discovery:
    enterprise = {
        "employeenumber": {"name": "employeeNumber", "type": "string", "required": True},
    }
    schemas = {USER_URN.casefold(): user, ENTERPRISE_USER_URN.casefold(): enterprise}
    return Discovery(
        schemas,
        "",
        frozenset({ENTERPRISE_USER_URN.casefold()}),
        {"Users": {ENTERPRISE_USER_URN: required_extension}},
    )


FULL = {
    "schemas": [USER_URN],
    "userName": "u@example.com",
    "externalId": "ext-u",
    "name": {"givenName": "Barbara", "familyName": "u", "formatted": "Barbara u"},
    "displayName": "Barbara u",
    "emails": [{"value": "u@example.com", "type": "work", "primary": True}],
    "active": True,
}


def _fresh(label: str) -> str:
    return f"scimh-{label}"


def test_fit_keeps_the_full_body_for_the_rfc_user_and_an_unreadable_schemas() -> None:
    rfc = {a.name.casefold(): a.to_scim() for a in USER_SCHEMA.attributes}
    assert fit("Users", FULL, _discovery(rfc), _fresh) == FULL
    assert fit("Users", FULL, Discovery(None, "GET /Schemas → 404", None), _fresh) == FULL


def test_fit_trims_to_declarations_and_honours_canonical_values_and_required() -> None:
    user = {
        "username": {"name": "userName", "type": "string", "required": True},
        "emails": {
            "name": "emails",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [
                {"name": "value", "type": "string"},
                {"name": "type", "type": "string", "canonicalValues": ["Corporate"]},
            ],
        },
        "active": {"name": "active", "type": "boolean", "mutability": "readOnly"},
        "costcode": {"name": "costCode", "type": "string", "required": True},
    }
    body = fit("Users", FULL, _discovery(user, required_extension=True), _fresh)
    assert body["emails"] == [{"value": "u@example.com", "type": "Corporate"}]
    assert "name" not in body and "displayName" not in body and "active" not in body
    assert body["externalId"] == "ext-u"  # a common attribute (RFC 7643 §3.1)
    assert body["costCode"] == "scimh-costcode"
    assert body["schemas"] == [USER_URN, ENTERPRISE_USER_URN]
    assert body[ENTERPRISE_USER_URN] == {"employeeNumber": "scimh-employeenumber"}
    least = minimal("Users", FULL, _discovery(user), _fresh)
    assert least == {
        "schemas": [USER_URN],
        "userName": "u@example.com",
        "costCode": "scimh-costcode",
    }


def test_the_chooser_picks_a_declared_attribute_with_the_wanted_characteristics() -> None:
    user = {
        "username": {"name": "userName", "type": "string", "required": True},
        "title": {"name": "title", "type": "string", "mutability": "readOnly"},
        "usertype": {"name": "userType", "type": "string", "canonicalValues": ["Employee"]},
        "locale": {"name": "locale", "type": "string"},
        "phonenumbers": {
            "name": "phoneNumbers",
            "type": "complex",
            "multiValued": True,
            "subAttributes": [{"name": "value"}, {"name": "type"}],
        },
    }
    found = _discovery(user)
    assert choose(found, SINGULAR_STRING) is None  # enterprise declares only a required one
    phones = choose(found, MULTI_COMPLEX)
    assert phones is not None and phones.path == "phoneNumbers"
    chosen = choose(_discovery({**user, "nickname": {"name": "nickName"}}), SINGULAR_STRING)
    assert chosen is not None and chosen.path == "nickName"
    assert declared_only(found, {"nickName": "x", "locale": "fr-CA"}) == {"locale": "fr-CA"}
