"""Errors: the RFC 7644 §3.12 error response and the bodies a server must refuse.

* the shape of every error — ``schemas`` is the Error URN, ``status`` is the
  HTTP status as a JSON *string* (§3.12);
* ``scimType`` paired with its status as Table 9 says, provoked one kind at a
  time (``err.scimtype-table.*``): invalidFilter, uniqueness, noTarget,
  invalidPath, mutability, invalidValue, invalidSyntax. ``tooMany``,
  ``invalidVers`` and ``sensitive`` cannot be provoked reliably on an unknown
  target and are left out;
* request bodies that are not a resource — malformed or truncated JSON, an
  array, nothing at all, a value of the wrong JSON type, a body over the size
  limit — answered with a 4xx SCIM Error, never a 500, an HTML page or a
  success;
* unknown endpoints (404) and unsupported methods (405/501);
* every kind of error at once (404, 405, 400 filter/PATCH/JSON, 409): a SCIM
  Error labelled as JSON (``err.schema.all-errors``), as
  ``application/scim+json`` (``err.media-type``), and without the server's
  internals — SQL, stack traces, paths, exception classes — in it
  (``err.no-internals``, patterns in :data:`LEAK_PATTERNS`).

Levels: an RFC MUST/SHALL is ``must``. ``scimType`` itself is OPTIONAL in
§3.12 except where a section names it with SHALL/MUST (uniqueness §3.3,
noTarget §3.5.2.3), so the other Table 9 rows are ``should``; choices the RFC
leaves open (405 vs 501, the 413 limit, filters on ``password``) are
``should`` and accept every reading the RFC allows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.bodies_from_schema import require_declared
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_error_members,
    expect_list,
    expect_scim_type_status,
    expect_status,
    fail,
    ids_of,
    precondition,
)
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.support import expect_scim_type_or_none, usable
from harness.conformance.target import Target
from harness.scim.errors import ERROR_URN
from harness.scim.schema import USER_URN

SCIM_JSON = {"Content-Type": "application/scim+json"}
#: The nickName of err.oversize's User: about 1 MiB, beyond many servers' body limits
#: and within others' — either answer is fine, only a crash is not.
LARGE_VALUE = 1024 * 1024


def _send_raw(target: Target, method: str, path: str, content: bytes) -> ScimResponse:
    """A request whose body is sent byte for byte (the client would re-encode JSON)."""
    return target.request(method, path, content=content, headers=SCIM_JSON)


def _scim_type_in(
    response: ScimResponse, body: dict[str, Any], accepted: tuple[str, ...], why: str
) -> None:
    """A present scimType must be one of ``accepted`` (scimType itself is OPTIONAL, §3.12)."""
    names = " or ".join(repr(t) for t in accepted)
    expected = f"no scimType, or {names} ({why}, RFC 7644 §3.12 Table 9)"
    expect_scim_type_or_none(body, accepted, expected, response)


def _cheap_errors(target: Target) -> list[tuple[str, ScimResponse]]:
    """Errors every target can be made to produce without writing anything."""
    answers = [
        ("GET of an unknown id", target.get(f"/Users/{target.absent_id()}")),
        ("GET of an unknown endpoint", target.get(f"/{target.unique('NoSuchEndpoint')}")),
    ]
    if usable(target, "filter"):
        answers.append(
            ("a malformed filter", target.get("/Users", params={"filter": 'userName eq "x" and'}))
        )
    return answers


# --------------------------------------------------------------------------
# the error body
# --------------------------------------------------------------------------


@check(
    "err.schema",
    "RFC 7644 §3.12",
    "error responses (404 unknown id, 404 unknown endpoint, 400 bad filter) carry a JSON body "
    "whose 'schemas' is the Error URN",
)
def test_error_schema(target: Target) -> None:
    for what, response in _cheap_errors(target):
        expect_status(response, 400, 404, what=what)
        ensure(
            isinstance(response.body, dict) and not response.error,
            f"{what}: a JSON error body (RFC 7644 §3.12)",
            describe(response),
            response,
        )
        ensure(
            ERROR_URN in (response.body.get("schemas") or []),
            f"{what}: 'schemas' = [{ERROR_URN}] (RFC 7644 §3.12)",
            f"schemas = {response.body.get('schemas')!r}",
            response,
        )


@check(
    "err.status-string",
    "RFC 7644 §3.12",
    "the error body's 'status' is the HTTP status code as a JSON string (\"404\", not 404)",
)
def test_error_status_string(target: Target) -> None:
    for what, response in _cheap_errors(target):
        expect_status(response, 400, 404, what=what)
        body = response.body if isinstance(response.body, dict) else {}
        expect_error_members(response, body, schemas=False)


# --------------------------------------------------------------------------
# scimType and its status (Table 9)
# --------------------------------------------------------------------------


def _user_path(target: Target, label: str) -> str:
    return f"/Users/{target.create_user(label)['id']}"


def _provoke_invalid_filter(target: Target) -> ScimResponse:
    return target.get("/Users", params={"filter": 'userName eq "x" and'})


def _provoke_uniqueness(target: Target) -> ScimResponse:
    body = target.user_body("dup", keep=("externalId",))
    with precondition("the first POST of the user"):
        expect_status(target.post("/Users", body), 201, what="POST /Users")
    return target.post("/Users", {**body, "externalId": f"{body['externalId']}-2"})


def _provoke_no_target(target: Target) -> ScimResponse:
    require_declared(target, "emails")  # a filter on an undeclared attribute is invalidPath
    path = _user_path(target, "notarget")
    return target.patch(
        path,
        patch_body(operation("replace", 'emails[value eq "nobody@example.invalid"].type', "home")),
    )


def _provoke_invalid_path(target: Target) -> ScimResponse:
    path = _user_path(target, "badpath")
    return target.patch(path, patch_body(operation("replace", "9nickName!!", "x")))


def _provoke_mutability(target: Target) -> ScimResponse:
    path = _user_path(target, "mutability")
    return target.patch(path, patch_body(operation("replace", "id", target.absent_id())))


def _provoke_invalid_value(target: Target) -> ScimResponse:
    user = target.create_user("invalidvalue")
    body = {k: v for k, v in user.items() if k not in ("id", "meta", "userName")}
    return target.put(f"/Users/{user['id']}", body)


def _provoke_invalid_syntax(target: Target) -> ScimResponse:
    path = _user_path(target, "syntax")
    text = json.dumps(patch_body(operation("replace", "nickName", "x")))
    return _send_raw(target, "PATCH", path, text[: len(text) // 2].encode())


PROVOKE: dict[str, Callable[[Target], ScimResponse]] = {
    "invalidFilter": _provoke_invalid_filter,
    "uniqueness": _provoke_uniqueness,
    "noTarget": _provoke_no_target,
    "invalidPath": _provoke_invalid_path,
    "mutability": _provoke_mutability,
    "invalidValue": _provoke_invalid_value,
    "invalidSyntax": _provoke_invalid_syntax,
}


@check_table(
    [
        case(
            "err.scimtype-table.invalid-filter",
            "RFC 7644 §3.12 Table 9; §3.4.2.2",
            "a syntactically broken filter is answered 400 with scimType 'invalidFilter'",
            level="should",
            needs=("filter",),
            scim_type="invalidFilter",
            status=400,
        ),
        case(
            "err.scimtype-table.uniqueness",
            "RFC 7644 §3.3; §3.12 Table 9",
            "a POST with a taken userName is answered 409 with scimType 'uniqueness'",
            needs=("Users",),
            mutating=True,
            scim_type="uniqueness",
            status=409,
        ),
        case(
            "err.scimtype-table.no-target",
            "RFC 7644 §3.5.2.3; §3.12 Table 9",
            "a PATCH replace whose value filter matches nothing is answered 400 with scimType "
            "'noTarget'",
            needs=("patch", "Users"),
            mutating=True,
            scim_type="noTarget",
            status=400,
        ),
        case(
            "err.scimtype-table.invalid-path",
            "RFC 7644 §3.5.2; §3.12 Table 9",
            "a PATCH with a malformed path ('9nickName!!') is answered 400 with scimType "
            "'invalidPath'",
            level="should",
            needs=("patch", "Users"),
            mutating=True,
            scim_type="invalidPath",
            status=400,
        ),
        case(
            "err.scimtype-table.mutability",
            "RFC 7644 §3.5.2; RFC 7643 §2.2; §3.12 Table 9",
            "a PATCH that changes the readOnly 'id' is answered 400 with scimType 'mutability'",
            level="should",
            needs=("patch", "Users"),
            mutating=True,
            scim_type="mutability",
            status=400,
        ),
        case(
            "err.scimtype-table.invalid-value",
            "RFC 7643 §4.1.1 (userName REQUIRED); RFC 7644 §3.12 Table 9",
            "a PUT without the required userName is answered 400 with scimType 'invalidValue'",
            level="should",
            needs=("Users",),
            mutating=True,
            scim_type="invalidValue",
            status=400,
        ),
        case(
            "err.scimtype-table.invalid-syntax",
            "RFC 7644 §3.12 Table 9",
            "a PATCH whose body is cut in half is answered 400 with scimType 'invalidSyntax'",
            level="should",
            needs=("patch", "Users"),
            mutating=True,
            scim_type="invalidSyntax",
            status=400,
        ),
    ]
)
def test_scim_type_table(target: Target, case: Check) -> None:
    """Each row provokes one error kind and wants Table 9's pair: the scimType *and* the
    status it goes with (``uniqueness`` with 409, the others with 400). ``expect_error``
    also refuses a scimType sent with another status than Table 9 gives it."""
    scim_type = case.params["scim_type"]
    response = PROVOKE[scim_type](target)
    expect_error(
        response,
        case.params["status"],
        scim_type,
        what=f"HTTP {case.params['status']} with scimType {scim_type!r}",
    )


# --------------------------------------------------------------------------
# bodies that are not a resource
# --------------------------------------------------------------------------


@check(
    "err.malformed-json",
    "RFC 7644 §3.12 (invalidSyntax)",
    "a POST body that is not valid JSON is answered 400 with a SCIM Error (scimType, if any, "
    "'invalidSyntax') — never a 5xx or an HTML page",
    needs=("Users",),
    mutating=True,
)
def test_malformed_json(target: Target) -> None:
    user_name = target.user_name("malformed")
    for text in (
        f'{{"schemas": ["{USER_URN}"], "userName": "{user_name}",}}',  # trailing comma
        f"{{'schemas': ['{USER_URN}'], 'userName': '{user_name}'}}",  # single quotes
        f'{{"schemas": ["{USER_URN}"] "userName": "{user_name}"}}',  # missing comma
    ):
        response = _send_raw(target, "POST", "/Users", text.encode())
        body = expect_error(response, 400, what="400 for a body that is not JSON")
        _scim_type_in(response, body, ("invalidSyntax",), "a body that does not parse")


@check(
    "err.truncated-json",
    "RFC 7644 §3.12 (invalidSyntax)",
    "a POST body cut off mid-document is answered 400 with a SCIM Error — never a 5xx, a "
    "hang or a created resource",
    needs=("Users",),
    mutating=True,
)
def test_truncated_json(target: Target) -> None:
    text = json.dumps(target.user_body("truncated"))
    for cut in (len(text) // 2, len(text) - 1):
        response = _send_raw(target, "POST", "/Users", text[:cut].encode())
        body = expect_error(response, 400, what=f"400 for a body cut at {cut} of {len(text)}")
        _scim_type_in(response, body, ("invalidSyntax",), "a truncated body")


@check(
    "err.array-body",
    "RFC 7644 §3.3; §3.12",
    "a POST whose body is a JSON array instead of a resource object is answered 400",
    needs=("Users",),
    mutating=True,
)
def test_array_body(target: Target) -> None:
    response = target.post("/Users", [target.user_body("array")])
    body = expect_error(response, 400, what="400 for a JSON array where a resource belongs")
    _scim_type_in(response, body, ("invalidSyntax", "invalidValue"), "not a resource object")


@check(
    "err.empty-body",
    "RFC 7644 §3.3; §3.12",
    "a POST /Users with an empty body is answered 400 with a SCIM Error",
    needs=("Users",),
    mutating=True,
)
def test_empty_body(target: Target) -> None:
    response = _send_raw(target, "POST", "/Users", b"")
    body = expect_error(response, 400, what="400 for an empty body")
    _scim_type_in(response, body, ("invalidSyntax", "invalidValue"), "no resource at all")


@check(
    "err.wrong-type",
    "RFC 7643 §2.3, §4.1.1; RFC 7644 §3.12",
    "a value of the wrong JSON type (userName as an object, name as a string, active as a "
    "word) is answered 400 invalidValue or invalidSyntax, not stored",
    needs=("Users",),
    mutating=True,
)
def test_wrong_type(target: Target) -> None:
    for key, value in (
        ("userName", {"value": target.user_name("obj")}),
        ("name", "Barbara Jensen"),
        ("active", "maybe"),
    ):
        body = target.user_body("wrongtype", **{key: value})
        response = target.post("/Users", body)
        found = expect_error(
            response, 400, what=f"400 for {key} = {json.dumps(value)} (RFC 7643 §2.3 types)"
        )
        _scim_type_in(
            response, found, ("invalidValue", "invalidSyntax"), "a value of the wrong type"
        )


@check(
    "err.oversize",
    "RFC 7644 §3.12 (413 'request payload too large'); RFC 7231 §6.5.11",
    "a large request body (a User with a 1 MiB nickName) is either accepted (2xx) or refused "
    "cleanly (413, or another 4xx) — never a 5xx, a reset or a hang",
    level="should",
    needs=("Users",),
    mutating=True,
)
def test_oversize(target: Target) -> None:
    """``bulk.maxPayloadSize`` is the limit of a Bulk request (RFC 7643 §5), not of a plain
    POST, and no RFC caps a resource's size: a 201 for a 1 MiB User is conformant, and so
    is a 413 from a server with a smaller body limit. What a client must be able to rely
    on is an answer — a 5xx, a dropped connection or a timeout leaves it guessing whether
    the User exists."""
    response = target.post("/Users", target.user_body("oversize", nickName="x" * LARGE_VALUE))
    status = response.status
    ensure(
        status is not None and (200 <= status < 300 or 400 <= status < 500),
        f"an answer to a {LARGE_VALUE // 1024} KiB nickName: 2xx (accepted) or 413/4xx "
        "(refused, RFC 7644 §3.12)",
        describe(response),
        response,
    )


# --------------------------------------------------------------------------
# endpoints and methods
# --------------------------------------------------------------------------


@check(
    "err.unknown-endpoint",
    "RFC 7644 §3.12 (404: endpoint does not exist)",
    "a request to a path that is no SCIM endpoint is answered 404 with a SCIM Error",
)
def test_unknown_endpoint(target: Target) -> None:
    for path in (f"/{target.unique('NoSuchEndpoint')}", "/Users/x/y/z"):
        expect_error(target.get(path), 404, what=f"GET {path} → 404 (RFC 7644 §3.12)")


@check(
    "err.method",
    "RFC 7644 §3.12 (501); RFC 7231 §6.5.5 (405 + Allow)",
    "a method an endpoint does not support (DELETE /ResourceTypes) is answered 405 with an "
    "Allow header, or 501, as a SCIM Error",
    level="should",
    mutating=True,
)
def test_method_not_allowed(target: Target) -> None:
    """Which of 405 (HTTP) or 501 (RFC 7644 §3.12: "operation not supported") is a
    choice; either way the client gets a SCIM Error it can read."""
    response = target.delete("/ResourceTypes")
    expect_error(response, (405, 501), what="405 or 501 for DELETE /ResourceTypes")
    if response.status == 405:
        allow = response.headers.get("allow", "")
        ensure(
            "GET" in allow.upper(),
            "an Allow header listing GET on a 405 (RFC 7231 §6.5.5 MUST)",
            f"Allow: {allow!r}" if allow else "no Allow header",
            response,
        )


@check(
    "err.sensitive",
    "RFC 7644 §3.12 (sensitive); RFC 7643 §4.1.1 (password returned never)",
    "a filter on 'password' never reveals who has that password: 403 sensitive, 400 "
    "invalidFilter, or no match",
    level="should",
    needs=("filter", "Users"),
    mutating=True,
)
def test_sensitive_filter(target: Target) -> None:
    """A password is writeOnly and never returned; a filter on it must not become an
    oracle for guessing it. The RFC leaves the form of the refusal open."""
    secret = f"Pw-{target.unique('secret')}-9!"
    user = target.create_user("sensitive", password=secret)
    response = target.get("/Users", params={"filter": f'password eq "{secret}"'})
    if response.status == 200:
        body = expect_list(response)
        ensure(
            user["id"] not in ids_of(body),
            "no user found by its password (403 sensitive, 400 invalidFilter or 0 results)",
            f"the user created with that password was returned ({describe(response)})",
            response,
        )
        return
    if response.status == 403:
        expect_error(response, 403, "sensitive", what="403 with scimType 'sensitive'")
        return
    if response.status == 400:
        expect_error(response, 400, "invalidFilter", what="400 with scimType 'invalidFilter'")
        return
    fail(
        "403 sensitive, 400 invalidFilter or a ListResponse without the user",
        describe(response),
        response,
    )


# --------------------------------------------------------------------------
# every error a client meets: a SCIM Error, labelled so, with nothing inside
# --------------------------------------------------------------------------

SCIM_MEDIA_TYPE = "application/scim+json"


def _provoked_errors(target: Target) -> list[tuple[str, ScimResponse]]:
    """One error of each kind a provisioning client meets, provoked without touching
    anything the run did not create: unknown id and endpoint, a malformed filter, a
    method an endpoint does not take, and — unless the run is read-only — a bad PATCH
    (on an id nobody has), a body that is not JSON and a duplicate userName. Only the
    answers that are errors (4xx/5xx) are judged: whether each kind *is* refused is
    the business of the other err.* checks."""
    answers = [
        ("GET of an unknown id", target.get(f"/Users/{target.absent_id()}")),
        ("GET of an unknown endpoint", target.get(f"/{target.unique('NoSuchEndpoint')}")),
        ("a malformed filter", _provoke_invalid_filter(target)),
        ("GET /.search (a search is a POST, RFC 7644 §3.4.3)", target.get("/.search")),
    ]
    if target.read_only or not usable(target, "Users"):
        return answers
    bad_patch = patch_body(operation("frobnicate", "nickName", "x"))
    answers.append(
        ("a PATCH with an unknown op", target.patch(f"/Users/{target.absent_id()}", bad_patch))
    )
    answers.append(("a body that is not JSON", _send_raw(target, "POST", "/Users", b'{"a":')))
    body = target.user_body("leak-dup")
    if target.post("/Users", body).ok:
        answers.append(("a duplicate userName", target.post("/Users", body)))
    return answers


def _errors(target: Target) -> list[tuple[str, ScimResponse]]:
    return [
        (what, response)
        for what, response in _provoked_errors(target)
        if response.status is not None and response.status >= 400
    ]


@check(
    "err.schema.all-errors",
    "RFC 7644 §3.12 ('implementers MUST return the errors in the body of the response in a "
    "JSON format'); §3.8",
    "every kind of error (404, 405, 400 filter, PATCH and JSON, 409) is a SCIM Error: a JSON "
    "body labelled as JSON, the Error schema, 'status' as a string — never an HTML page, "
    "plain text or an empty body",
)
def test_every_error_is_a_scim_error(target: Target) -> None:
    for what, response in _errors(target):
        media = response.content_type.split(";", 1)[0].strip().lower()
        ensure(
            media in ("application/json", SCIM_MEDIA_TYPE) or media.endswith("+json"),
            f"{what}: a JSON Content-Type ({SCIM_MEDIA_TYPE}) on the error (RFC 7644 §3.12)",
            f"Content-Type: {response.content_type or '(none)'}; {describe(response)}",
            response,
        )
        ensure(
            isinstance(response.body, dict) and not response.error,
            f"{what}: an RFC 7644 §3.12 error body (a JSON object)",
            "an empty body" if not response.text.strip() else describe(response),
            response,
        )
        expect_error_members(response, response.body)


@check(
    "err.scimtype-status",
    "RFC 7644 §3.12 Table 9 (each scimType with its HTTP status)",
    "every kind of error that carries a scimType carries the one Table 9 pairs with its status "
    "(no invalidValue on a 404, no uniqueness on a 400)",
    rfc="should",
)
def test_every_scim_type_pairs_with_its_status(target: Target) -> None:
    for _, response in _errors(target):
        if isinstance(response.body, dict):
            expect_scim_type_status(response, response.body)


@check(
    "err.media-type",
    "RFC 7644 §3.1, §3.8, §8.1 (application/scim+json, the SCIM media type); Microsoft SCIM "
    "Validator",
    "every kind of error (404, 405, 400 filter, PATCH and JSON, 409) is labelled "
    "application/scim+json like the other answers, not application/json",
    rfc="should",
)
def test_error_media_type(target: Target) -> None:
    """media.response looks at a 404; a server's other error paths (a validation
    handler, a conflict, the router's 405) often answer through another framework
    default. §8.1 notes that older SCIM used application/json and both IdPs read it,
    so this gates the Entra profile only, as media.response does."""
    for what, response in _errors(target):
        media = response.content_type.split(";", 1)[0].strip().lower()
        ensure(
            media == SCIM_MEDIA_TYPE,
            f"{what}: Content-Type {SCIM_MEDIA_TYPE} (RFC 7644 §8.1)",
            f"Content-Type: {response.content_type or '(none)'}",
            response,
        )


#: What an error must not show a client: server internals. Each pattern names one
#: thing that never belongs in a SCIM 'detail' and that no human-readable message
#: needs; they are written to stay quiet on ordinary English ("select a value from
#: the list") and on the filter, JSON and attribute names a detail quotes back.
LEAK_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, flags))
    for name, pattern, flags in (
        # SQL statements (keywords upper-case, as ORMs and drivers print them)
        ("an SQL statement", r"\bSELECT\s+[\w*\"`\[][^\n]{0,300}?\sFROM\s+[\w\"`\[]", 0),
        ("an SQL statement", r"\bINSERT\s+INTO\s+[\w\"`\[]", 0),
        ("an SQL statement", r"\bUPDATE\s+[\w\"`\[.\]]+\s+SET\s+[\w\"`\[]", 0),
        ("an SQL statement", r"\bDELETE\s+FROM\s+[\w\"`\[]", 0),
        # database errors
        ("a database error", r"\bSQLSTATE\b|\bORA-\d{5}\b|\bSQLITE_[A-Z]+\b|\bER_[A-Z_]{4,}\b", 0),
        ("a database error", r"\bviolates (?:unique|foreign key|not-null|check) constraint\b", 0),
        ("a database error", r"\bE11000 duplicate key\b|error in your SQL syntax", re.I),
        ("a database driver", r"\b(?:psycopg2?|sqlalchemy|pymysql|sqlite3|PG::|pgx:)", 0),
        ("a database driver", r"\b(?:org\.hibernate|Sequelize\w*Error|PrismaClient\w*Error)", 0),
        # stack traces
        ("a stack trace", r"Traceback \(most recent call last\)", 0),
        ("a stack trace", r"\bFile \"[^\"\n]+\", line \d+, in \w", 0),
        ("a stack trace", r"\bat [\w$.<>]+\([\w$]+\.(?:java|kt|scala|groovy):\d+\)", 0),
        ("a stack trace", r"\bat [\w.<>`]+\(.*\) in [^\n]+:line \d+", 0),
        ("a stack trace", r"\bat (?:[\w.<>$]+ )?\(?(?:/|[A-Za-z]:\\|node:)[^\s()]+:\d+:\d+\)?", 0),
        ("a stack trace", r"\.rb:\d+:in [`']|Stack trace:\s*#0 |goroutine \d+ \[running\]", 0),
        # file paths of the server's code
        (
            "a server file path",
            r"(?<![\w.:/-])(?:/(?:home|usr|opt|srv|var/www|app|src)/|[A-Za-z]:\\)[^\s\"']*"
            r"\.(?:py|rb|js|mjs|ts|java|php|go|cs|kt)\b",
            0,
        ),
        ("a server file path", r"(?:site-packages|node_modules|dist-packages)[/\\]", 0),
        # exception class names
        (
            "an exception class name",
            r"\b(?:[a-z_][a-z0-9_]*\.){2,}[A-Z]\w*(?:Exception|Error)\b"
            r"|\bSystem\.(?:\w+\.)*\w*Exception\b",
            0,
        ),
        (
            "an exception class name",
            r"\b(?:NullPointer|NullReference|ClassCast|IllegalArgument|IllegalState|"
            r"ArgumentNull|InvalidOperation|IndexOutOfRange|ArrayIndexOutOfBounds|"
            r"DbUpdate|Sql|SQL|Unhandled)Exception\b"
            r"|\b(?:Integrity|Operational|Programming|Attribute|Key|Type|Index|Reference)"
            r"Error\b(?=:|\s*\()",
            0,
        ),
    )
)


def leaks(text: str) -> list[tuple[str, str]]:
    """What ``text`` gives away: (kind, the text where it starts), each kind once."""
    found: list[tuple[str, str]] = []
    for name, pattern in LEAK_PATTERNS:
        match = None if any(name == kind for kind, _ in found) else pattern.search(text)
        if match:
            line_end = text.find("\n", match.end())
            end = min(match.end() + 60, len(text) if line_end < 0 else line_end)
            found.append((name, text[match.start() : max(end, match.end())][:160]))
    return found


@check(
    "err.no-internals",
    "RFC 7644 §3.12 ('detail': a human-readable message); §7 (security considerations); policy",
    "no error body shows the server's internals: no SQL text or database error, stack "
    "trace, server file path or exception class name (in 'detail' or a non-JSON body)",
    level="should",
)
def test_no_internals_in_errors(target: Target) -> None:
    """A detail is for the administrator reading the IdP's log. SQL text, a stack
    trace or a path tells an attacker which database, framework and code the server
    runs and where an input reached unchecked; it tells the administrator nothing they
    can act on. The whole body is read (a 500 page, a 'trace' member), not just
    'detail'."""
    for what, response in _errors(target):
        found = leaks(response.text)
        ensure(
            not found,
            f"{what}: an error body without server internals (RFC 7644 §7)",
            "; ".join(f"{kind}: {text!r}" for kind, text in found),
            response,
        )
