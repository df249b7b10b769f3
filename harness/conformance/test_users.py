"""Users CRUD: create, read, replace, delete (RFC 7644 §3.3–§3.6; RFC 7643 §2, §3.1, §4.1).

What is checked here:

* create (§3.3) — 201 with the resource, its ``id``, ``schemas`` and the
  ``meta`` RFC 7643 §3.1 describes; ``Location`` = ``meta.location``;
  readOnly input (``id``, ``meta``, ``groups``) ignored ("SHALL be ignored",
  §3.3); ``null`` read as unassigned (RFC 7643 §2.5); a missing ``userName``
  refused; a duplicate ``userName`` — also one differing only in case, since
  ``userName`` is caseExact false (RFC 7643 §4.1.1) — refused with 409
  ``uniqueness`` (§3.3, §3.12);
* the exact create bodies Okta and Entra send (okta-provisioning.md,
  entra-provisioning.md §3), with fresh values;
* read (§3.4.1) — the stored values, 404 with an Error body for an unknown
  id (§3.12), inactive users still there (Entra requirement), values kept as
  sent (Entra guidance; Okta's tests fail when ``userName`` changes case);
* ``password`` never returned in any response (RFC 7643 §4.1.1, §2.2
  ``returned: never``);
* replace (§3.5.1) — 200 with the resource, omitted attributes cleared
  (a *policy* under the RFC, which allows defaults; Okta relies on it),
  readOnly values ignored, immutable values kept, 404, 409 ``uniqueness``;
* delete (§3.6) — 204, then 404 for every later operation;
* ``meta`` (RFC 7643 §3.1, §2.3.5) — ``created``/``lastModified`` as
  xsd:dateTime, ``lastModified`` = ``created`` until the first change, then
  advancing while ``created`` stays;
* the enterprise extension (RFC 7643 §4.3) and multi-valued attributes
  (§4.1.2) round-tripping, and ``schemas`` naming the extension (§3).

Levels: an RFC MUST/SHALL is ``must`` everywhere; where the RFC leaves room
(PUT clearing omitted attributes, values kept exactly as sent, inactive users
visible) the row is ``should`` under ``rfc`` and ``must`` under the IdP that
breaks on it; the IdP create bodies are ``must`` under their own profile.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.bodies_from_schema import (
    RENAMABLE,
    SINGULAR_STRING_CORE,
    attribute_for,
    declared_subset,
)
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_resource,
    expect_status,
    fail,
    precondition,
)
from harness.conformance.registry import check
from harness.conformance.support import (
    expect_scim_type_or_none,
    find_users_named,
    put_comparison,
    renamed,
    replacement,
    usable,
    user_path,
)
from harness.conformance.target import Target
from harness.scim.schema import ENTERPRISE_USER_URN, USER_URN

EXT = ENTERPRISE_USER_URN
#: RFC 7643 §2.3.5: xsd:dateTime (XML Schema §3.3.7) with both a date and a time.
XSD_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
    r"T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-](0\d|1[0-3]):[0-5]\d|[+-]14:00)?$"
)


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _read(target: Target, resource: Mapping[str, Any], what: str) -> dict[str, Any]:
    """GET the user: 200 and a resource body (the authority on what is stored)."""
    return expect_resource(target.get(user_path(resource)), 200, what=what)


def _unassigned(value: Any) -> bool:
    """RFC 7643 §2.5: unassigned, ``null`` and ``[]`` are the same state."""
    return value is None or value == [] or value == {}


def _parse_datetime(text: Any) -> datetime | None:
    """An xsd:dateTime as an aware instant (no offset read as UTC), or None if invalid."""
    if not isinstance(text, str) or not XSD_DATETIME.match(text):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _meta(resource: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = resource.get("meta")
    return meta if isinstance(meta, Mapping) else {}


def _element_matches(sent: Mapping[str, Any], got: Any, insensitive: tuple[str, ...]) -> bool:
    """Every sub-attribute sent is returned with the same value (``insensitive`` ignore case)."""
    if not isinstance(got, Mapping):
        return False
    for key, value in sent.items():
        found = got.get(key)
        if key in insensitive and isinstance(value, str) and isinstance(found, str):
            if value.casefold() != found.casefold():
                return False
        elif found != value:
            return False
    return True


def _enterprise_declared(target: Target) -> bool | None:
    """Whether ``/ResourceTypes`` lists the enterprise extension for User (RFC 7643 §6);
    None when it lists no User resource type at all — unknown, not "no" (the field's
    catch-all server answers it with a ListResponse of groups): then the checks try."""

    def build(t: Target) -> bool | None:
        response = t.get("/ResourceTypes")
        body = response.body if response.status == 200 else None
        items: Any = body.get("Resources") if isinstance(body, Mapping) else body
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            if str(item.get("endpoint", "")).rstrip("/").endswith("/Users"):
                extensions = item.get("schemaExtensions") or []
                return any(
                    isinstance(ext, Mapping) and ext.get("schema") == EXT for ext in extensions
                )
        return None

    return target.shared("users.enterprise-declared", build)


def _require_enterprise(target: Target) -> None:
    """Skip unless the extension is declared — except under Entra, whose default
    attribute mapping sends it: there the missing declaration is Entra's failure,
    said in those words (one cause for every check that needs it)."""
    if _enterprise_declared(target) is not False:
        return
    if target.profile == "entra":
        fail(
            "the enterprise extension on User (RFC 7643 §4.3): Entra's default attribute "
            "mapping sends urn:ietf:params:scim:schemas:extension:enterprise:2.0:User "
            "attributes (employeeNumber, department, manager …), so Entra's provisioning of "
            "them fails here (https://learn.microsoft.com/en-us/entra/identity/"
            "app-provisioning/use-scim-to-provision-users-and-groups)",
            "the target's /ResourceTypes declares no enterprise extension for User",
        )
    pytest.skip(
        "the target's /ResourceTypes declares no enterprise extension for User "
        "(RFC 7643 §6 schemaExtensions); nothing to round-trip"
    )


# --------------------------------------------------------------------------
# create
# --------------------------------------------------------------------------


@check(
    "users.post.201",
    "RFC 7644 §3.3; RFC 7643 §3.1",
    "POST /Users answers 201 with the created user: id, schemas, meta.resourceType, "
    "meta.created, meta.lastModified and meta.location",
    mutating=True,
)
def test_post_201(target: Target) -> None:
    sent = target.user_body("post")
    response = target.post("/Users", sent)
    created = expect_resource(
        response, 201, schema=USER_URN, what="POST /Users creates the user (RFC 7644 §3.3)"
    )
    meta = created.get("meta")
    ensure(
        isinstance(meta, Mapping),
        "a 'meta' object in the created resource (RFC 7643 §3.1; RFC 7644 §3.3 requires "
        "meta.location in the body)",
        f"meta = {meta!r}",
        response,
    )
    for key in ("resourceType", "created", "lastModified", "location"):
        ensure(
            isinstance(_meta(created).get(key), str) and _meta(created)[key],
            f"meta.{key} set by the service provider (RFC 7643 §3.1)",
            f"meta.{key} = {_meta(created).get(key)!r}",
            response,
        )
    ensure(
        _meta(created)["resourceType"] == "User",
        'meta.resourceType = "User" (RFC 7643 §3.1)',
        f"meta.resourceType = {_meta(created)['resourceType']!r}",
        response,
    )
    got_name = created.get("userName")
    ensure(
        isinstance(got_name, str) and got_name.casefold() == sent["userName"].casefold(),
        f"userName {sent['userName']!r} in the created resource (RFC 7643 §4.1.1)",
        f"userName = {got_name!r}",
        response,
    )


@check(
    "users.create.declared",
    "RFC 7643 §4.1, §2, §7 (the attributes a target declares); RFC 7644 §3.3",
    "POST /Users with the harness's full User trimmed to what the target's /Schemas "
    "declares (name, displayName, a typed primary e-mail, active, externalId) answers 201",
    mutating=True,
)
def test_create_declared(target: Target) -> None:
    """The root cause, reported once: when the target refuses this body, every
    other check creates minimal users (``Target.body_shape``) instead of
    failing at setup, and this check alone carries the refused POST."""
    response = target.post("/Users", target.declared_user_body("declared"))
    expect_resource(
        response,
        201,
        schema=USER_URN,
        what="POST /Users with attributes the target's /Schemas declares (RFC 7644 §3.3; "
        "RFC 7643 §4.1, §7) — other checks fall back to a minimal User when this is refused",
    )


@check(
    "users.post.location",
    "RFC 7644 §3.3, §3.1; RFC 7643 §3.1",
    "the Location header of a created user is the absolute URI in meta.location, "
    "and GET on it returns that user",
    mutating=True,
)
def test_post_location(target: Target) -> None:
    response = target.post("/Users", target.user_body("location"))
    created = expect_resource(response, 201, 200, what="POST /Users")
    header = response.headers.get("location")
    location = _meta(created).get("location")
    ensure(
        header,
        "a Location header with the new resource's URI (RFC 7644 §3.3: \"The URI of the "
        'created resource SHALL include, in the HTTP "Location" header …")',
        "no Location header",
        response,
    )
    ensure(
        isinstance(location, str) and location.startswith(("http://", "https://")),
        "meta.location as an absolute URI (RFC 7643 §3.1: the URI of the resource)",
        f"meta.location = {location!r}",
        response,
    )
    ensure(
        header == location,
        "Location header = meta.location (RFC 7644 §3.3, §3.1)",
        f"Location {header!r}, meta.location {location!r}",
        response,
    )
    fetched = target.get(str(location))
    body = expect_resource(fetched, 200, what="GET on meta.location (the resource's URI)")
    ensure(
        body["id"] == created["id"],
        f"GET {location} to return the created user id {created['id']!r}",
        f"id {body['id']!r}",
        fetched,
    )


@check(
    "users.post.okta-body",
    "Okta SCIM 2.0 reference: create user; RFC 7644 §3.3",
    "the create body Okta sends (externalId 00u…, work e-mail, locale, password, groups []) "
    "is accepted with 201 and stored as sent",
    rfc="should",
    mutating=True,
)
def test_post_okta_body(target: Target) -> None:
    user_name = target.user_name("Okta.User")
    okta_id = "00u" + target.unique("x").replace("-", "")[-14:].rjust(14, "0")
    sent = {
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": "Isaac Brock",
        "locale": "en-US",
        "externalId": okta_id,
        "groups": [],
        "password": "1mz050nq-Okta-placeholder",
        "active": True,
    }
    okta_headers = {
        "Content-Type": "application/scim+json; charset=utf-8",
        "Accept-Charset": "utf-8",
        "User-Agent": "Okta SCIM Client 1.0.0",
    }
    response = target.post("/Users", sent, headers=okta_headers)
    created = expect_resource(
        response, 201, what="POST /Users with Okta's create body (okta-provisioning.md)"
    )
    for key in ("userName", "externalId", "displayName", "locale", "active"):
        ensure(
            created.get(key) == sent[key],
            f"{key} = {sent[key]!r} as Okta sent it (Okta compares the answer with its profile)",
            f"{key} = {created.get(key)!r}",
            response,
        )
    ensure(
        "password" not in created,
        "no password in the answer (RFC 7643 §4.1.1 returned never)",
        "a password attribute in the 201 body",
        response,
    )


@check(
    "users.post.entra-body",
    "Entra [T] Create User (enterprise extension, meta.resourceType, roles [], explicit nulls); "
    "RFC 7644 §3.3; RFC 7643 §2.5",
    "the create body Entra sends — enterprise extension, meta.resourceType, roles [] and "
    "explicit nulls — is accepted with 201",
    rfc="should",
    mutating=True,
)
def test_post_entra_body(target: Target) -> None:
    user_name = target.user_name("entra")
    nickname = target.unique("mail")
    sent = {
        "schemas": [USER_URN, EXT],
        "externalId": nickname,
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
        "roles": [],
        "title": None,
        "preferredLanguage": None,
        "addresses": None,
        "phoneNumbers": None,
        EXT: {"employeeNumber": "701984", "department": None, "manager": None},
    }
    response = target.post("/Users", sent)
    created = expect_resource(
        response, 201, what="POST /Users with Entra's create body (Microsoft Learn [T])"
    )
    for key in ("created", "lastModified"):
        ensure(
            _meta(created).get(key),
            f"meta.{key} in the answer (Entra [T] Create User response)",
            f"meta = {created.get('meta')!r}",
            response,
        )
    stored = _read(target, created, "GET of the user Entra created")
    for key in ("userName", "externalId"):
        ensure(
            stored.get(key) == sent[key],
            f"{key} = {sent[key]!r} as sent (Entra matches users on it)",
            f"{key} = {stored.get(key)!r}",
            target.client.exchanges[-1],
        )
    extension = stored.get(EXT)
    ensure(
        isinstance(extension, Mapping) and extension.get("employeeNumber") == "701984",
        f'{EXT}.employeeNumber = "701984" (RFC 7643 §4.3)',
        f"{EXT} = {extension!r}",
        target.client.exchanges[-1],
    )


@check(
    "users.post.readonly-ignored",
    "RFC 7644 §3.3 (readOnly attributes SHALL be ignored); RFC 7643 §3.1",
    "a client-supplied id, meta and groups on POST are ignored: the server assigns id and meta",
    mutating=True,
)
def test_post_readonly_ignored(target: Target) -> None:
    forged_id = target.unique("client-chosen-id")
    forged_meta = {
        "resourceType": "Group",
        "created": "2001-01-01T00:00:00Z",
        "lastModified": "2001-01-01T00:00:00Z",
        "location": f"https://attacker.example/Users/{forged_id}",
        "version": 'W/"forged"',
    }
    sent = target.user_body(
        "readonly", id=forged_id, meta=forged_meta, groups=[{"value": forged_id}]
    )
    response = target.post("/Users", sent)
    created = expect_resource(
        response,
        201,
        what="POST /Users with readOnly id/meta/groups (RFC 7644 §3.3: they SHALL be ignored)",
    )
    meta = _meta(created)
    ensure(
        created["id"] != forged_id,
        "a server-assigned id; the client's id ignored (RFC 7643 §3.1: id is assigned by "
        "the service provider)",
        f"id = {created['id']!r}, the client's value",
        response,
    )
    ensure(
        meta.get("resourceType") == "User"
        and meta.get("created") != forged_meta["created"]
        and meta.get("location") != forged_meta["location"],
        "meta assigned by the server, the client's meta ignored (RFC 7643 §3.1)",
        f"meta = {dict(meta)!r}",
        response,
    )
    stored = _read(target, created, "GET of the created user")
    groups = stored.get("groups") or []
    ensure(
        not any(isinstance(g, Mapping) and g.get("value") == forged_id for g in groups),
        "groups not taken from the request (readOnly, RFC 7643 §4.1.2)",
        f"groups = {groups!r}",
        target.client.exchanges[-1],
    )


@check(
    "users.post.missing-username",
    "RFC 7643 §4.1.1 (userName REQUIRED); RFC 7644 §3.12",
    "POST /Users without userName is refused with 400 and a SCIM Error body",
    mutating=True,
)
def test_post_missing_username(target: Target) -> None:
    response = target.post("/Users", target.user_body("nouser", userName=...))
    body = expect_error(
        response, 400, what="POST /Users without the required userName (RFC 7643 §4.1.1)"
    )
    expect_scim_type_or_none(
        body,
        ("invalidValue", "invalidSyntax"),
        "scimType 'invalidValue' (a required value was missing, RFC 7644 §3.12 Table 9), or none",
        response,
    )


@check(
    "users.post.dup-409",
    "RFC 7644 §3.3 (duplicate userName → 409 uniqueness); RFC 7644 §3.12",
    "a second POST with an existing userName is refused with 409 and scimType uniqueness",
    mutating=True,
)
def test_post_duplicate(target: Target) -> None:
    first = target.create_user("dup")
    response = target.post("/Users", target.user_body("dup2", userName=first["userName"]))
    expect_error(
        response,
        409,
        "uniqueness",
        what=f"POST /Users with the taken userName {first['userName']!r} (RFC 7644 §3.3)",
    )


@check(
    "users.post.dup-case-409",
    "RFC 7643 §4.1.1 (userName unique, caseExact false); RFC 7644 §3.3",
    "a POST whose userName differs from an existing one only in case is refused with 409 "
    "uniqueness",
    mutating=True,
)
def test_post_duplicate_case(target: Target) -> None:
    first = target.create_user("dupcase")
    variant = first["userName"].swapcase()
    response = target.post("/Users", target.user_body("dupcase2", userName=variant))
    expect_error(
        response,
        409,
        "uniqueness",
        what=(
            f"POST /Users with {variant!r}, the same userName as {first['userName']!r} "
            "compared case-insensitively (RFC 7643 §4.1.1 caseExact false)"
        ),
    )


@check(
    "users.post.nulls",
    "RFC 7643 §2.5 (null = unassigned); RFC 7644 §3.3",
    "null attribute values in a POST are read as unassigned: 201, and no value stored for them",
    mutating=True,
)
def test_post_nulls(target: Target) -> None:
    nulled = (
        "nickName",
        "title",
        "preferredLanguage",
        "phoneNumbers",
        "addresses",
        "x509Certificates",
    )
    # Only what the target declares: an undeclared attribute may be refused even as null.
    declared = tuple(declared_subset(target, dict.fromkeys(nulled)))
    sent = target.user_body("nulls", **dict.fromkeys(declared))
    probe = declared_subset(target, {"name": {"middleName": "x", "honorificPrefix": "x"}})
    name_subs = tuple(probe.get("name") or ()) if isinstance(sent.get("name"), dict) else ()
    if name_subs:
        sent["name"] = dict(sent["name"], **dict.fromkeys(name_subs))
    response = target.post("/Users", sent)
    created = expect_resource(
        response, 201, what="POST /Users with null attributes (RFC 7643 §2.5: null = unassigned)"
    )
    stored = _read(target, created, "GET of the user created with nulls")
    exchange = target.client.exchanges[-1]
    for key in declared:
        ensure(
            _unassigned(stored.get(key)),
            f"{key} unassigned (absent, null or []) after POSTing null (RFC 7643 §2.5)",
            f"{key} = {stored.get(key)!r}",
            exchange,
        )
    raw_name = stored.get("name")
    name: Mapping[str, Any] = raw_name if isinstance(raw_name, Mapping) else {}
    for sub in name_subs:
        ensure(
            _unassigned(name.get(sub)),
            f"name.{sub} unassigned after POSTing null (RFC 7643 §2.5)",
            f"name.{sub} = {name.get(sub)!r}",
            exchange,
        )
    ensure(
        not name_subs or name.get("givenName") == sent["name"]["givenName"],
        "the non-null sub-attributes of name kept next to the nulls",
        f"name = {stored.get('name')!r}",
        exchange,
    )


# --------------------------------------------------------------------------
# read
# --------------------------------------------------------------------------


@check(
    "users.get.200",
    "RFC 7644 §3.4.1; RFC 7643 §3.1 (externalId caseExact)",
    "GET /Users/{id} answers 200 with the user as stored: the values the create answer showed",
    mutating=True,
)
def test_get_200(target: Target) -> None:
    extras = declared_subset(target, {"nickName": "Babs", "title": "Tour Guide"})
    sent = target.user_body("get", **extras)
    with precondition("creating the User to read back"):
        created = expect_resource(target.post("/Users", sent), 201, 200, what="POST /Users")
    response = target.get(user_path(created))
    stored = expect_resource(response, 200, schema=USER_URN, what=f"GET {user_path(created)}")
    ensure(
        stored["id"] == created["id"],
        f"the user with id {created['id']!r}",
        f"id {stored['id']!r}",
        response,
    )
    for key in ("userName", "externalId", "name", "displayName", *extras, "active"):
        if key in created:
            ensure(
                stored.get(key) == created[key],
                f"{key} = {created[key]!r}, as the create answer showed it (RFC 7644 §3.4.1)",
                f"{key} = {stored.get(key)!r}",
                response,
            )
    ensure(
        "externalId" not in sent or stored.get("externalId") == sent["externalId"],
        f"externalId {sent.get('externalId')!r} exactly as sent (caseExact, RFC 7643 §3.1)",
        f"externalId = {stored.get('externalId')!r}",
        response,
    )
    ensure(
        isinstance(stored.get("userName"), str)
        and stored["userName"].casefold() == sent["userName"].casefold(),
        f"userName {sent['userName']!r} (RFC 7643 §4.1.1)",
        f"userName = {stored.get('userName')!r}",
        response,
    )
    ensure(
        _meta(stored).get("created") == _meta(created).get("created"),
        "meta.created as in the create answer",
        f"{_meta(stored).get('created')!r} vs {_meta(created).get('created')!r}",
        response,
    )


@check(
    "users.get.404",
    "RFC 7644 §3.4.1, §3.12",
    'GET /Users/{unknown id} answers 404 with a SCIM Error body whose status is "404"',
)
def test_get_404(target: Target) -> None:
    expect_error(
        target.get(f"/Users/{target.absent_id()}"),
        404,
        what="GET of an id no user has (RFC 7644 §3.12)",
    )


@check(
    "users.get.inactive",
    "Entra [T] requirements (disabled users returned by GET and filter); Okta CRUD test; "
    "RFC 7643 §4.1.1 active",
    "a user with active false is still returned, with active false, by GET and by a userName "
    "filter",
    rfc="should",
    mutating=True,
)
def test_get_inactive(target: Target) -> None:
    user = target.create_user("inactive", active=False)
    response = target.get(user_path(user))
    stored = expect_resource(response, 200, what="GET of a user created with active false")
    ensure(
        stored.get("active") is False,
        "active = false on the disabled user (Entra: 'should have attribute active')",
        f"active = {stored.get('active')!r}",
        response,
    )
    if not usable(target, "filter"):
        return
    listed, found = find_users_named(target, user["userName"])
    match = [item for item in found if item.get("id") == user["id"]]
    ensure(
        match,
        f"the disabled user {user['id']!r} in the userName eq result (IdPs look users up "
        "before they create them; a hidden disabled user becomes a duplicate)",
        f"ids {[item.get('id') for item in found]!r}",
        listed,
    )
    ensure(
        match[0].get("active") is False,
        "active = false in the filter result",
        f"active = {match[0].get('active')!r}",
        listed,
    )


@check(
    "users.values-as-sent",
    "Entra [T] General (values stored as sent, no reformatting); Okta OIN tests (userName "
    "case, PostHog PR #42253); RFC 7643 §2.2 caseExact",
    "string values — a mixed-case userName, a formatted phone number, names with "
    "punctuation — come back exactly as sent",
    rfc="should",
    mutating=True,
)
def test_values_as_sent(target: Target) -> None:
    user_name = f"{target.unique('Mixed.Case')}@Example.COM"
    extras = declared_subset(
        target,
        {
            "displayName": "Zoë O'Brien-Smith",
            "nickName": "Zo",
            "title": "VP, R&D / Ops",
            "phoneNumbers": [{"value": "+1 (555) 010-0199 ext. 7", "type": "work"}],
        },
    )
    sent = target.user_body("asis", userName=user_name, **extras)
    with precondition("creating the User whose values are read back"):
        created = expect_resource(target.post("/Users", sent), 201, 200, what="POST /Users")
    response = target.get(user_path(created))
    stored = expect_resource(response, 200, what="GET of the user")
    strings = [key for key in ("displayName", "nickName", "title") if key in extras]
    for key in ("userName", *strings):
        ensure(
            stored.get(key) == sent[key],
            f"{key} = {sent[key]!r} exactly as sent (Entra: store values as sent; Okta "
            "compares userName with its login)",
            f"{key} = {stored.get(key)!r}",
            response,
        )
    if "phoneNumbers" not in extras:
        return
    phones = stored.get("phoneNumbers") or []
    values = [p.get("value") for p in phones if isinstance(p, Mapping)]
    ensure(
        sent["phoneNumbers"][0]["value"] in values,
        f"phoneNumbers value {sent['phoneNumbers'][0]['value']!r} unchanged (Entra: no "
        "reformatting of phone numbers)",
        f"phoneNumbers values {values!r}",
        response,
    )


# --------------------------------------------------------------------------
# password
# --------------------------------------------------------------------------


def _no_password(response: ScimResponse, secret: str, what: str) -> None:
    """No ``password`` attribute (any case) and no cleartext anywhere in the answer."""
    body = response.body
    items: list[Any] = [body]
    if isinstance(body, Mapping) and isinstance(body.get("Resources"), list):
        items += body["Resources"]
    for item in items:
        if isinstance(item, Mapping):
            keys = [key for key in item if key.casefold() == "password"]
            ensure(
                not keys,
                f"no password attribute in {what} (RFC 7643 §4.1.1: returned never, and "
                "the cleartext or hashed value SHALL NOT be returnable)",
                f"{keys[0]!r} = {item[keys[0]]!r}" if keys else "",
                response,
            )
    ensure(
        secret not in response.text,
        f"the password's cleartext nowhere in {what} (RFC 7643 §4.1.1)",
        "the cleartext in the body",
        response,
    )


@check(
    "users.password.never",
    "RFC 7643 §4.1.1 (password returned never), §2.2 (returned 'never': even if requested)",
    "the password is never returned: not by POST, GET, GET ?attributes=password, PUT, PATCH "
    "or a list",
    mutating=True,
)
def test_password_never(target: Target) -> None:
    secret = f"Pw-{target.unique('secret')}!"
    for password in (secret, secret + "2"):  # a credential: no report shows it
        target.client.add_secret(password)
    response = target.post("/Users", target.user_body("pw", password=secret))
    created = expect_resource(response, 201, 200, what="POST /Users with a password")
    _no_password(response, secret, "the POST answer")
    path = user_path(created)
    response = expect_status(target.get(path), 200, what=f"GET {path}")
    _no_password(response, secret, "the GET answer")
    response = target.get(path, params={"attributes": "password"})
    if response.status == 200:
        _no_password(response, secret, "GET ?attributes=password (returned never beats asking)")
    # A new password only where the target claims it can change one (RFC 7643 §5).
    can_change = target.capabilities.has("changePassword")
    put_secret = secret + "2" if can_change else secret
    replaced = replacement(created, displayName="Pw Changed", password=put_secret)
    if not can_change:
        del replaced["password"]
    response = expect_status(target.put(path, replaced), 200, what=f"PUT {path}")
    _no_password(response, put_secret, "the PUT answer")
    if can_change and usable(target, "patch"):
        body = patch_body(operation("replace", "password", secret + "3"))
        response = expect_status(target.patch(path, body), 200, 204, what="PATCH password")
        _no_password(response, secret + "3", "the PATCH answer")
    if usable(target, "filter"):
        listed, _ = find_users_named(target, created["userName"])
        _no_password(listed, secret, "the list answer")


# --------------------------------------------------------------------------
# replace
# --------------------------------------------------------------------------


@check(
    "users.put.200",
    "RFC 7644 §3.5.1",
    "PUT /Users/{id} with a changed attribute answers 200 with the resource, and GET shows "
    "the change",
    mutating=True,
)
def test_put_200(target: Target) -> None:
    """The changed attribute is displayName, or another mutable string the target
    declares (RFC 7643 §7)."""
    choice = attribute_for(target, RENAMABLE)
    user = target.create_user("put")
    path = user_path(user)
    new_name = f"Renamed {target.unique('dn')}"
    response = target.put(path, replacement(user, **choice.fields(new_name)))
    body = expect_resource(
        response, 200, what=f"PUT {path} (RFC 7644 §3.5.1: 200 and the resource)"
    )
    ensure(
        body["id"] == user["id"] and choice.read(body) == new_name,
        f"the replaced user (id {user['id']!r}) with {choice.path} {new_name!r}",
        f"id {body['id']!r}, {choice.path} {choice.read(body)!r}",
        response,
    )
    stored = target.get(path)
    got = choice.read(expect_resource(stored, 200, what="GET after the PUT"))
    ensure(
        got == new_name,
        f"GET to show {choice.path} {new_name!r} after the PUT",
        f"{choice.path} = {got!r}",
        stored,
    )


@check(
    "users.put.replace",
    "RFC 7644 §3.5.1 (omitted readWrite attributes MAY be cleared: *policy*); Okta full-PUT "
    "updates",
    "PUT replaces the whole user: readWrite attributes left out of the body are cleared, "
    "not kept (replace, not merge)",
    rfc="should",
    mutating=True,
)
def test_put_replace(target: Target) -> None:
    """Left out of the PUT: the optional attributes the target declares of
    nickName, title and phoneNumbers (RFC 7643 §7), or another mutable string."""
    extras = declared_subset(
        target,
        {
            "nickName": "Babs",
            "title": "Tour Guide",
            "phoneNumbers": [{"value": "tel:+1-201-555-0123", "type": "work"}],
        },
    )
    if not extras:
        extras = {attribute_for(target, SINGULAR_STRING_CORE).name: "Babs"}
    user = target.create_user("replace", **extras)
    path = user_path(user)
    body = replacement(user, **dict.fromkeys(extras, ...))
    names = ", ".join(extras)
    expect_status(target.put(path, body), 200, what=f"PUT {path} without {names}")
    response = target.get(path)
    stored = expect_resource(response, 200, what="GET after the PUT")
    kept = {key: stored.get(key) for key in extras}
    ensure(
        all(_unassigned(value) for value in kept.values()),
        f"{names} cleared: PUT replaces the resource (RFC 7644 §3.5.1; "
        "Okta clears an attribute by leaving it out of its full PUT)",
        f"still there: { {k: v for k, v in kept.items() if not _unassigned(v)}!r}",
        response,
        put_comparison("the User as PUT vs as a GET then shows it", body, stored, kept),
    )


@check(
    "users.put.readonly-ignored",
    "RFC 7644 §3.5.1 (readOnly: 'Any values provided SHALL be ignored')",
    "readOnly values in a PUT body (id, meta, groups) are ignored, not applied and not refused",
    mutating=True,
)
def test_put_readonly_ignored(target: Target) -> None:
    user = target.create_user("putro")
    path = user_path(user)
    forged = target.absent_id()
    body = replacement(
        user,
        id=user["id"],
        meta={
            "resourceType": "Group",
            "created": "2001-01-01T00:00:00Z",
            "lastModified": "2001-01-01T00:00:00Z",
            "location": f"https://attacker.example/Users/{forged}",
            "version": 'W/"forged"',
        },
        groups=[{"value": forged, "display": "forged"}],
        displayName="Read Only Ignored",
    )
    expect_resource(
        target.put(path, body),
        200,
        what=f"PUT {path} carrying readOnly id/meta/groups (RFC 7644 §3.5.1: ignored)",
    )
    response = target.get(path)
    stored = expect_resource(response, 200, what="GET after the PUT")
    meta = _meta(stored)
    ensure(
        meta.get("created") == _meta(user).get("created")
        and meta.get("resourceType") == "User"
        and meta.get("location") == _meta(user).get("location"),
        "meta unchanged by the client's values (readOnly, RFC 7643 §3.1)",
        f"meta = {dict(meta)!r}",
        response,
    )
    groups = stored.get("groups") or []
    ensure(
        not any(isinstance(g, Mapping) and g.get("value") == forged for g in groups),
        "groups not taken from the PUT body (readOnly, RFC 7643 §4.1.2)",
        f"groups = {groups!r}",
        response,
    )
    ensure(
        stored.get("displayName") == "Read Only Ignored",
        "the readWrite change in the same body applied",
        f"displayName = {stored.get('displayName')!r}",
        response,
    )


def _immutable_attributes(target: Target) -> list[tuple[str | None, str]]:
    """Single-valued string User attributes ``/Schemas`` declares immutable (RFC 7643 §7)."""

    def build(t: Target) -> list[tuple[str | None, str]]:
        found: list[tuple[str | None, str]] = []
        for urn in (USER_URN, EXT):
            response = t.get(f"/Schemas/{urn}")
            body = response.body if response.status == 200 else None
            declared = body.get("attributes") if isinstance(body, Mapping) else None
            for attribute in declared if isinstance(declared, list) else []:
                if (
                    isinstance(attribute, Mapping)
                    and attribute.get("mutability") == "immutable"
                    and attribute.get("type") == "string"
                    and not attribute.get("multiValued")
                    and isinstance(attribute.get("name"), str)
                ):
                    found.append((None if urn == USER_URN else urn, attribute["name"]))
        return found

    return target.shared("users.immutable-attributes", build)


@check(
    "users.put.immutable",
    "RFC 7644 §3.5.1 (immutable: input MUST match, else 400 mutability); RFC 7643 §2.2",
    "a PUT that changes an immutable attribute already set is refused with 400 (or ignored); "
    "the stored value never changes",
    mutating=True,
)
def test_put_immutable(target: Target) -> None:
    """Uses the first immutable attribute ``/Schemas`` declares; core User has none (skip)."""
    attributes = _immutable_attributes(target)
    if not attributes:
        pytest.skip(
            "the target's /Schemas declares no single-valued string User attribute as "
            "immutable (RFC 7643 §7); nothing to check"
        )
    urn, name = attributes[0]
    first, second = target.unique("first"), target.unique("second")
    label = name if urn is None else f"{urn}:{name}"

    def with_value(body: dict[str, Any], value: str) -> dict[str, Any]:
        if urn is None:
            return dict(body, **{name: value})
        schemas = list(body.get("schemas") or [USER_URN])
        return dict(body, schemas=schemas + [urn] * (urn not in schemas), **{urn: {name: value}})

    user = expect_resource(
        target.post("/Users", with_value(target.user_body("immutable"), first)),
        201,
        200,
        what=f"setup: POST /Users with the immutable {label} set",
    )
    path = user_path(user)
    same = target.put(path, with_value(replacement(user), first))
    expect_status(same, 200, what=f"PUT with {label} unchanged (the input matches: allowed)")
    changed = target.put(path, with_value(replacement(user), second))
    if changed.status == 400:
        expect_error(changed, 400, what=f"PUT changing the immutable {label}")
        return
    expect_status(changed, 400, 200, what=f"PUT changing the immutable {label} (400 mutability)")
    response = target.get(path)
    stored = expect_resource(response, 200, what="GET after the PUT")
    holder = stored if urn is None else stored.get(urn) or {}
    ensure(
        holder.get(name) == first,
        f"{label} still {first!r}: an immutable value SHALL NOT be updated (RFC 7643 §2.2)",
        f"{label} = {holder.get(name)!r} after the PUT answered {describe(changed)}",
        response,
    )


@check(
    "users.put.404",
    "RFC 7644 §3.5.1, §3.12",
    "PUT /Users/{unknown id} answers 404 with a SCIM Error body (PUT does not create)",
    mutating=True,
)
def test_put_404(target: Target) -> None:
    expect_error(
        target.put(f"/Users/{target.absent_id()}", target.user_body("put404")),
        404,
        what="PUT to an id no user has (RFC 7644 §3.12)",
    )


@check(
    "users.put.uniqueness",
    "RFC 7643 §4.1.1 (userName MUST be unique); RFC 7644 §3.5.1, §3.12 (409 uniqueness)",
    "a PUT giving a user another user's userName is refused with 409 uniqueness and changes "
    "nothing",
    mutating=True,
)
def test_put_uniqueness(target: Target) -> None:
    first = target.create_user("uniqa")
    # A rename to a free name must work first (support.renamed: else blocked, not failed).
    second, _ = renamed(target, target.create_user("uniqb"), "put")
    path = user_path(second)
    response = target.put(path, replacement(second, userName=first["userName"]))
    expect_error(
        response,
        409,
        "uniqueness",
        what=f"PUT {path} with {first['userName']!r}, the userName of another user",
    )
    after = target.get(path)
    ensure(
        expect_resource(after, 200, what="GET after the refused PUT").get("userName")
        == second["userName"],
        f"userName still {second['userName']!r} after the refusal",
        f"userName = {(after.body or {}).get('userName')!r}",
        after,
    )


# --------------------------------------------------------------------------
# delete
# --------------------------------------------------------------------------


@check(
    "users.delete.204",
    "RFC 7644 §3.6",
    "DELETE /Users/{id} answers 204, and the user is gone: GET answers 404",
    mutating=True,
)
def test_delete_204(target: Target) -> None:
    user = target.create_user("delete")
    path = user_path(user)
    response = target.delete(path)
    expect_status(response, 204, what=f"DELETE {path} (RFC 7644 §3.6: 204 No Content)")
    expect_error(
        target.get(path),
        404,
        what="GET of the deleted user (RFC 7644 §3.6: MUST return 404 for every operation)",
    )


@check(
    "users.delete.twice",
    "RFC 7644 §3.6 (404 for all operations on a deleted resource)",
    "a second DELETE of the same user answers 404",
    mutating=True,
)
def test_delete_twice(target: Target) -> None:
    user = target.create_user("delete2")
    path = user_path(user)
    expect_status(target.delete(path), 204, 200, what=f"first DELETE {path}")
    expect_error(target.delete(path), 404, what=f"second DELETE {path} (RFC 7644 §3.6)")


# --------------------------------------------------------------------------
# meta
# --------------------------------------------------------------------------


@check(
    "users.meta.datetime",
    "RFC 7643 §2.3.5 (xsd:dateTime with date and time), §3.1",
    "meta.created and meta.lastModified are valid xsd:dateTime values with a date and a time",
    mutating=True,
)
def test_meta_datetime(target: Target) -> None:
    response = target.post("/Users", target.user_body("datetime"))
    created = expect_resource(response, 201, 200, what="POST /Users")
    fetched = target.get(user_path(created))
    stored = expect_resource(fetched, 200, what="GET of the user")
    for answer, body in ((response, created), (fetched, stored)):
        for key in ("created", "lastModified"):
            value = _meta(body).get(key)
            ensure(
                _parse_datetime(value) is not None,
                f'meta.{key} as an xsd:dateTime such as "2008-01-23T04:56:22Z" '
                "(RFC 7643 §2.3.5: MUST encode a valid xsd:dateTime with date and time)",
                f"meta.{key} = {value!r}",
                answer,
            )


@check(
    "users.meta.lastmodified",
    "RFC 7643 §3.1 (meta.created, meta.lastModified)",
    "meta.lastModified equals meta.created until the first change, then advances on a change "
    "while meta.created stays",
    mutating=True,
)
def test_meta_lastmodified(target: Target) -> None:
    """A server with coarse timestamps gets more changes, the last one a second later."""
    response = target.post("/Users", target.user_body("lastmod"))
    user = expect_resource(response, 201, 200, what="POST /Users")
    created = _parse_datetime(_meta(user).get("created"))
    modified = _parse_datetime(_meta(user).get("lastModified"))
    ensure(
        created is not None and modified is not None,
        "meta.created and meta.lastModified as xsd:dateTime values (RFC 7643 §3.1)",
        f"meta = {user.get('meta')!r}",
        response,
    )
    ensure(
        created == modified,
        "meta.lastModified = meta.created on a never-modified user (RFC 7643 §3.1: 'MUST be "
        "the same as the value of created')",
        f"created {_meta(user).get('created')!r}, lastModified {_meta(user).get('lastModified')!r}",
        response,
    )
    path = user_path(user)
    fetched, after, later = response, user, modified
    # Millisecond clocks advance after a short pause; one-second clocks need a second.
    for pause in (0.0, 0.02, 1.1):
        time.sleep(pause)
        changed = replacement(user, displayName=target.unique("changed"))
        expect_status(target.put(path, changed), 200, what=f"PUT {path} with a new displayName")
        fetched = target.get(path)
        after = expect_resource(fetched, 200, what="GET after the change")
        later = _parse_datetime(_meta(after).get("lastModified"))
        if later is not None and modified is not None and later > modified:
            break
    ensure(
        later is not None and modified is not None and later > modified,
        f"meta.lastModified later than {_meta(user).get('lastModified')!r} after a change "
        "(RFC 7643 §3.1: the most recent time the resource was updated)",
        f"meta.lastModified = {_meta(after).get('lastModified')!r}",
        fetched,
    )
    ensure(
        _parse_datetime(_meta(after).get("created")) == created,
        f"meta.created still {_meta(user).get('created')!r} (RFC 7643 §3.1: when it was added)",
        f"meta.created = {_meta(after).get('created')!r}",
        fetched,
    )


# --------------------------------------------------------------------------
# extension and multi-valued attributes
# --------------------------------------------------------------------------


def _enterprise_user(target: Target) -> dict[str, Any]:
    """A manager and an employee with every enterprise attribute; sent body and GET of it."""

    def build(t: Target) -> dict[str, Any]:
        manager = t.create_user("manager")
        extension = {
            "employeeNumber": "E-701984",
            "costCenter": "CC-4130",
            "organization": "Example Org",
            "division": "R&D",
            "department": "Platform",
            "manager": {"value": manager["id"]},
        }
        sent = t.user_body("employee", schemas=[USER_URN, EXT], **{EXT: extension})
        created = expect_resource(
            t.post("/Users", sent),
            201,
            200,
            what="setup: POST /Users with the enterprise extension",
        )
        response = t.get(user_path(created))
        stored = expect_resource(response, 200, what="setup: GET of the enterprise user")
        return {"sent": extension, "manager": manager["id"], "stored": stored, "response": response}

    return target.shared("users.enterprise-user", build)


@check(
    "users.enterprise.roundtrip",
    "RFC 7643 §4.3 (enterprise User extension); Entra attribute mappings",
    "enterprise extension values (employeeNumber, costCenter, organization, division, "
    "department, manager.value) are stored and returned as sent",
    mutating=True,
)
def test_enterprise_roundtrip(target: Target) -> None:
    _require_enterprise(target)
    data = _enterprise_user(target)
    stored, sent, response = data["stored"], data["sent"], data["response"]
    extension = stored.get(EXT)
    ensure(
        isinstance(extension, Mapping),
        f'the extension object under "{EXT}" (RFC 7643 §3.3, §4.3)',
        f"keys {sorted(stored)!r}",
        response,
    )
    for key, value in sent.items():
        if key == "manager":
            manager = extension.get("manager")
            ensure(
                isinstance(manager, Mapping) and manager.get("value") == data["manager"],
                f"manager.value = {data['manager']!r}, the manager's id (RFC 7643 §4.3)",
                f"manager = {manager!r}",
                response,
            )
        else:
            ensure(
                extension.get(key) == value,
                f"{key} = {value!r} as sent (RFC 7643 §4.3)",
                f"{key} = {extension.get(key)!r}",
                response,
            )


@check(
    "users.schemas.extension",
    "RFC 7643 §3 (schemas lists the URIs of the schemas whose attributes are present), §3.3",
    "a user holding enterprise extension attributes lists the enterprise URN in schemas",
    mutating=True,
)
def test_schemas_extension(target: Target) -> None:
    _require_enterprise(target)
    data = _enterprise_user(target)
    stored, response = data["stored"], data["response"]
    ensure(
        EXT in (stored.get("schemas") or []) and USER_URN in (stored.get("schemas") or []),
        f"schemas = [{USER_URN}, {EXT}] on a user with extension data (RFC 7643 §3)",
        f"schemas = {stored.get('schemas')!r}",
        response,
    )


MULTI_VALUED: dict[str, list[dict[str, Any]]] = {
    "phoneNumbers": [
        {"value": "tel:+1-201-555-0123", "type": "work", "primary": True},
        {"value": "tel:+1-201-555-0199", "type": "mobile"},
    ],
    "addresses": [
        {
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "US",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "primary": True,
        },
        {
            "type": "home",
            "streetAddress": "456 Hollywood Blvd",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "US",
        },
    ],
}


@check(
    "users.multivalued.roundtrip",
    "RFC 7643 §2.4 (multi-valued attributes), §4.1.2; RFC 7644 §3.4.1",
    "several emails, phoneNumbers and addresses are stored and returned with every "
    "sub-attribute sent, none lost or duplicated",
    mutating=True,
)
def test_multivalued_roundtrip(target: Target) -> None:
    user_name = target.user_name("multi")
    emails = [
        {"value": user_name, "type": "work", "primary": True},
        {"value": f"home-{user_name}", "type": "home"},
    ]
    values = declared_subset(target, {"emails": emails, **MULTI_VALUED})
    if not values:
        pytest.skip(
            "the target's /Schemas declares none of emails, phoneNumbers and addresses "
            "(RFC 7643 §4.1.2, §7)"
        )
    sent = target.user_body("multi", userName=user_name, **values)
    with precondition("creating the User with several values"):
        created = expect_resource(target.post("/Users", sent), 201, 200, what="POST /Users")
    response = target.get(user_path(created))
    stored = expect_resource(response, 200, what="GET of the user")
    for key in values:
        got = stored.get(key) or []
        ensure(
            isinstance(got, list) and len(got) == len(sent[key]),
            f"{key} with {len(sent[key])} values, as sent (RFC 7643 §2.4)",
            f"{key} = {got!r}",
            response,
        )
        insensitive = ("value",) if key == "emails" else ()
        for element in sent[key]:
            ensure(
                any(_element_matches(element, item, insensitive) for item in got),
                f"a {key} value with {element!r} (every sub-attribute as sent)",
                f"{key} = {got!r}",
                response,
            )
