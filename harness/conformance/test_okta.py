"""Okta: the steps of Okta's OIN Runscope tests, replayed request for request.

Two test suites stand between a vendor and the Okta Integration Network, and
both are scripted here with their exact request shapes and judged as they
judge, plus what Okta's provisioning needs from the answer later on:

* the **SCIM 2.0 SPEC test** (``Okta-SCIM-20-SPEC-Test.json``, Runscope export
  of May 2024): list users with ``count=1&startIndex=1`` and read the first
  one by id; look up a random ``userName`` (200, ``totalResults`` 0); read an
  unknown id (404 SCIM error with a ``detail``); create a user with
  ``Content-Type: application/json``; read it back; create it again (409);
  look it up with the ``userName`` upper-cased (200); ``GET /Groups`` within
  600 ms (an *optional* step); a request with the bearer token replaced by
  ``non-token`` (401 SCIM error with ``status`` "401" and a ``detail``). The
  GET steps send ``User-Agent: OKTA SCIM Integration``,
  ``Accept: application/scim+json``, ``Accept-Charset: utf-8`` and
  ``Content-Type: application/scim+json; charset=utf-8``.
* the **SCIM 2.0 CRUD test** (``Okta-SCIM-20-CRUD-Test.json``): it drives an
  Okta org (assign, update ``firstName``, deactivate, reactivate, unassign)
  and checks the SCIM server after each action; what reaches the server are
  Okta's provisioning requests (Okta SCIM 2.0 reference): a lookup
  ``GET /Users?filter=userName eq "…"&startIndex=1&count=100``, ``POST /Users``
  with Okta's body (``externalId`` = the Okta user id, ``locale``,
  ``groups: []``, a ``password``), ``GET`` + a full ``PUT`` for profile
  updates, and ``PATCH`` ``{"op":"replace","value":{"active":false}}`` (OIN
  apps) or a full ``PUT`` with ``active: false`` (custom apps) to deactivate.

Rules: RFC 7644 §3.3 (create, 409), §3.4.1 (GET by id), §3.4.2 and §3.4.2.4
(ListResponse, paging), §3.4.2.2 and RFC 7643 §4.1.1 (userName caseExact
false), §3.5.1 (PUT), §3.5.2.3 (path-less replace), §3.12 (errors), §2
(authentication). Levels: ``must`` under ``okta`` where the Okta test fails
the step (``should`` for its optional Groups step), ``skip`` under ``entra``,
and ``should`` under ``rfc``: the RFC rules themselves are enforced, with
their own levels, by the RFC areas (``users.*``, ``filter.*``, ``patch.*``).
"""

from __future__ import annotations

import secrets
import string
from contextlib import nullcontext
from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_list,
    expect_resource,
    expect_status,
    fail,
    ids_of,
    precondition,
    resources_of,
)
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.support import Levels
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.schema import USER_URN

#: An Okta test replay (its IdP levels: harness.conformance.levels). A step that
#: asserts exactly an RFC MUST is declared ``level="must"`` and shares that rule's row.
OKTA: Levels = {"rfc": "should"}
SPEC = "Okta OIN SCIM 2.0 SPEC test"
CRUD = "Okta OIN SCIM 2.0 CRUD test"

#: Headers of the SPEC test's GET steps (Okta-SCIM-20-SPEC-Test.json).
SPEC_HEADERS = {
    "Accept-Charset": "utf-8",
    "Content-Type": "application/scim+json; charset=utf-8",
    "Accept": "application/scim+json",
    "User-Agent": "OKTA SCIM Integration",
}
#: Headers of the SPEC test's two POST /Users steps: plain JSON.
SPEC_POST_HEADERS = {
    "Content-Type": "application/json",
    "Accept": "application/scim+json; charset=utf-8",
}
#: Headers of Okta's provisioning client (okta-provisioning.md "Requests").
OKTA_HEADERS = {
    "User-Agent": "Okta SCIM Client 1.0.0",
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Content-Type": "application/scim+json; charset=utf-8",
}
#: The literal unknown id of the SPEC test's "Check status 404" step.
SPEC_UNKNOWN_ID = "00919288221112222"
DEACTIVATE = patch_body(operation("replace", value={"active": False}))
REACTIVATE = patch_body(operation("replace", value={"active": True}))


# -- helpers --------------------------------------------------------------------


def _filter_path(user_name: str, *, okta_paging: bool = False) -> str:
    """``/Users?filter=userName eq "…"`` as the Okta tools write it (spaces as %20)."""
    path = f'/Users?filter=userName eq "{user_name}"'
    return path + "&startIndex=1&count=100" if okta_paging else path


def _spec_body(target: Target, label: str) -> dict[str, Any]:
    """The SPEC test's "Create Okta user with realistic values" body, fresh values."""
    user_name = target.user_name(label)
    local = user_name.split("@", 1)[0]
    given, family = "Morgan", f"Rivera-{local}"
    return {
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": f"{local}.mail@example.com", "type": "work"}],
        "displayName": f"{given} {family}",
        "active": True,
    }


def _spec_user(target: Target) -> tuple[dict[str, Any], dict[str, Any]]:
    """One user created the SPEC test's way, shared by the steps that follow its create."""

    def build(t: Target) -> tuple[dict[str, Any], dict[str, Any]]:
        body = _spec_body(t, "okta-spec")
        response = t.post("/Users", body, headers=SPEC_POST_HEADERS)
        with precondition("the SPEC test's create step"):
            created = expect_resource(response, 201, 200, what="POST /Users")
        return body, created

    return target.shared("okta.spec-user", build)


def _okta_external_id() -> str:
    """An Okta user id (``00u`` + 17 characters), which Okta sends as ``externalId``."""
    alphabet = string.ascii_letters + string.digits
    return "00u" + "".join(secrets.choice(alphabet) for _ in range(17))


def _okta_body(target: Target, label: str) -> dict[str, Any]:
    """Okta's create body (Okta SCIM 2.0 reference "Create users"), fresh values."""
    user_name = target.user_name(label)
    local = user_name.split("@", 1)[0]
    return {
        "schemas": [USER_URN],
        "userName": user_name,
        "name": {"givenName": "Riley", "familyName": f"Okta-{local}"},
        "emails": [{"primary": True, "value": user_name, "type": "work"}],
        "displayName": f"Riley Okta-{local}",
        "locale": "en-US",
        "externalId": _okta_external_id(),
        "groups": [],
        "password": secrets.token_urlsafe(12),
        "active": True,
    }


def _assign(
    target: Target, label: str, *, setup: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Okta assigns a user: lookup by userName (0 results), then POST; (body, created).

    With ``setup`` the assignment is the check's precondition (its failure
    blocks the check; ``okta.crud.*``/``okta.spec.*`` judge it themselves).
    """
    body = _okta_body(target, label)
    with precondition("Okta's assignment (lookup, then POST /Users)") if setup else nullcontext():
        lookup = target.get(_filter_path(body["userName"], okta_paging=True), headers=OKTA_HEADERS)
        found = expect_list(lookup, what="Okta's lookup before create")
        ensure(
            found.get("totalResults") == 0,
            f"no user named {body['userName']!r} yet (the run has not created it)",
            f"totalResults = {found.get('totalResults')!r}",
            lookup,
        )
        response = target.post("/Users", body, headers=OKTA_HEADERS)
        created = expect_resource(
            response, 201, schema=USER_URN, what="Okta's POST /Users (Okta expects 201)"
        )
    return body, created


def _read(target: Target, user_id: str, what: str, headers: dict[str, str]) -> dict[str, Any]:
    return expect_resource(target.get(f"/Users/{user_id}", headers=headers), 200, what=what)


def _missing_okta_fields(resource: dict[str, Any]) -> list[str]:
    """The attributes the SPEC test requires to be non-empty on a listed or read user."""
    raw_name = resource.get("name")
    name: dict[str, Any] = raw_name if isinstance(raw_name, dict) else {}
    emails = resource.get("emails")
    first_email = emails[0] if isinstance(emails, list) and emails else {}
    values = {
        "id": resource.get("id"),
        "userName": resource.get("userName"),
        "name.givenName": name.get("givenName"),
        "name.familyName": name.get("familyName"),
        "emails[0].value": first_email.get("value") if isinstance(first_email, dict) else None,
    }
    missing = [key for key, value in values.items() if not (isinstance(value, str) and value)]
    if not isinstance(resource.get("active"), bool):
        missing.append("active (a boolean)")
    return missing


def _expect_okta_fields(resource: dict[str, Any], response: ScimResponse, where: str) -> None:
    missing = _missing_okta_fields(resource)
    ensure(
        not missing,
        f"{where} to carry id, userName, name.givenName, name.familyName, active and "
        "emails[0].value (the SPEC test asserts each is not empty; Okta's import reads them)",
        "missing or empty: " + ", ".join(missing),
        response,
    )


def _expect_values(
    resource: dict[str, Any], expected: dict[str, Any], response: ScimResponse, where: str
) -> None:
    """Each dotted key of ``expected`` has that value in ``resource``."""
    wrong = []
    sent: dict[str, Any] = {}
    found: dict[str, Any] = {}
    for key, value in expected.items():
        node: Any = resource
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node != value:
            wrong.append(f"{key} = {node!r} (sent {value!r})")
        _nest(sent, key, value)
        _nest(found, key, node)
    ensure(
        not wrong,
        f"{where} to hold the values sent",
        "; ".join(wrong),
        response,
        Comparison(f"the values sent vs {where}", sent, found),
    )


def _nest(holder: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``holder[a][b] = value`` for ``a.b``: the compared values keep the resource's shape."""
    *parents, last = dotted.split(".")
    for part in parents:
        holder = holder.setdefault(part, {})
    holder[last] = value


# -- SPEC test ------------------------------------------------------------------


@check(
    "okta.spec.list-users-paged",
    f"{SPEC} 'Test Users endpoint'; RFC 7644 §3.4.2, §3.4.2.4",
    "GET /Users?count=1&startIndex=1 answers a ListResponse with numeric totalResults, "
    "startIndex 1, itemsPerPage and at most one user carrying the attributes Okta reads",
    **OKTA,
    mutating=True,
)
def test_spec_list_users_paged(target: Target) -> None:
    """The SPEC test needs one user to exist; the run creates it, then lists.

    ``Resources[0]`` may be another user of the tenant: only its ``id`` and
    ``userName`` (which every User has) are judged then; the other
    attributes Okta asserts are judged on the run's own user.
    """
    _, mine = _spec_user(target)
    response = target.get("/Users?count=1&startIndex=1", headers=SPEC_HEADERS)
    body = expect_list(response)
    for key in ("totalResults", "startIndex", "itemsPerPage"):
        value = body.get(key)
        ensure(
            isinstance(value, int) and not isinstance(value, bool),
            f"'{key}' as a number (the SPEC test asserts is_a_number; Okta's import pages "
            "with startIndex + itemsPerPage against totalResults)",
            f"{key} = {value!r}",
            response,
        )
    resources = resources_of(body)
    ensure(
        resources,
        "a non-empty 'Resources' (at least the user the run created exists)",
        f"{len(resources)} Resources, totalResults = {body.get('totalResults')!r}",
        response,
    )
    ensure(
        len(resources) <= 1,
        "no more than count=1 resources (RFC 7644 §3.4.2.4: 'MUST NOT return more results "
        "than specified')",
        f"{len(resources)} Resources",
        response,
    )
    ensure(
        body.get("startIndex") == 1,
        "startIndex 1, the 1-based index of the first result asked for (RFC 7644 §3.4.2.4)",
        f"startIndex = {body.get('startIndex')!r}",
        response,
    )
    ensure(
        body.get("itemsPerPage") == len(resources),
        "itemsPerPage = the number of Resources in this page (RFC 7644 §3.4.2)",
        f"itemsPerPage = {body.get('itemsPerPage')!r} with {len(resources)} Resources",
        response,
    )
    first = resources[0]
    if first.get("id") == mine["id"]:
        _expect_okta_fields(first, response, "Resources[0]")
    else:
        missing = [k for k in ("id", "userName") if not first.get(k)]
        ensure(
            not missing,
            "Resources[0] with a non-empty id and userName",
            "missing: " + ", ".join(missing),
            response,
        )


@check(
    "okta.spec.get-user-by-id",
    f"{SPEC} 'Get Users/{{id}}'; RFC 7644 §3.4.1",
    "GET /Users/{id} answers 200 with that id and the attributes Okta reads",
    **OKTA,
    mutating=True,
)
def test_spec_get_user_by_id(target: Target) -> None:
    _, mine = _spec_user(target)
    response = target.get(f"/Users/{mine['id']}", headers=SPEC_HEADERS)
    body = expect_resource(response, 200)
    ensure(
        body.get("id") == mine["id"],
        f"id = {mine['id']!r}, the id asked for",
        f"id = {body.get('id')!r}",
        response,
    )
    _expect_okta_fields(body, response, "the user")


@check(
    "okta.spec.lookup-absent-username",
    f"{SPEC} 'Test invalid User by username' and 'Make sure random user doesn't exist'; "
    "RFC 7644 §3.4.2",
    "a userName filter that matches nobody answers 200 with a ListResponse and totalResults 0",
    level="must",
    needs=("filter",),
)
def test_spec_lookup_absent_username(target: Target) -> None:
    user_name = target.user_name("okta-nobody")
    response = target.get(_filter_path(user_name), headers=SPEC_HEADERS)
    body = expect_list(
        response,
        what="200 with a ListResponse ('A query that does not return any matches SHALL "
        "return success (200 OK)', RFC 7644 §3.4.2; Okta's create flow reads it as 'absent')",
    )
    ensure(
        body.get("totalResults") == 0,
        f"totalResults 0: nobody is named {user_name!r}",
        f"totalResults = {body.get('totalResults')!r}",
        response,
    )


UNKNOWN_ID_CASES = [
    case(
        "okta.spec.get-absent-id-404",
        f"{SPEC} 'Test invalid User by ID'; RFC 7644 §3.12",
        "GET /Users/<unknown id> answers 404 with a SCIM Error body carrying a detail",
        level="must",
        literal=None,
    ),
    case(
        "okta.spec.get-numeric-id-404",
        f"{SPEC} 'Check status 404' (GET /Users/{SPEC_UNKNOWN_ID}); RFC 7644 §3.12",
        "GET /Users/00919288221112222 (a 17-digit id) answers 404 with a SCIM Error body, "
        "not 400 or 500",
        level="must",
        literal=SPEC_UNKNOWN_ID,
    ),
]


@check_table(UNKNOWN_ID_CASES)
def test_spec_unknown_id(target: Target, case: Check) -> None:
    """Both SPEC steps assert 404, the Error schema and a non-empty ``detail``.

    The second uses Okta's literal id, which overflows a 64-bit integer
    column: servers with numeric ids answer 400 or 500 there.
    """
    resource_id = case.params["literal"] or target.absent_id()
    response = target.get(f"/Users/{resource_id}", headers=SPEC_HEADERS)
    body = expect_error(response, 404, what=f"no user has the id {resource_id!r}")
    detail = body.get("detail")
    ensure(
        isinstance(detail, str) and detail.strip(),
        "a non-empty 'detail' (the SPEC test asserts it; RFC 7644 §3.12 makes it optional)",
        f"detail = {detail!r}",
        response,
    )


@check(
    "okta.spec.create-user",
    f"{SPEC} 'Create Okta user with realistic values'; RFC 7644 §3.3, §3.8",
    "POST /Users sent as Content-Type application/json answers 201 with the user as sent "
    "and an id that GET /Users/{id} then finds",
    **OKTA,
    mutating=True,
)
def test_spec_create_user(target: Target) -> None:
    body = _spec_body(target, "okta-create")
    response = target.post("/Users", body, headers=SPEC_POST_HEADERS)
    if response.status == 415:
        fail(
            "the JSON body accepted although sent as application/json (the SPEC test does; "
            "RFC 7644 §3.8 has servers accept JSON)",
            describe(response),
            response,
        )
    created = expect_resource(response, 201, schema=USER_URN, what="201 Created (RFC 7644 §3.3)")
    ensure(
        created.get("active") is True,
        "active true, as sent",
        f"active = {created.get('active')!r}",
        response,
    )
    _expect_values(
        created,
        {
            "userName": body["userName"],
            "name.givenName": body["name"]["givenName"],
            "name.familyName": body["name"]["familyName"],
        },
        response,
        "the 201 body",
    )
    # Okta stores the id of the answer and addresses every later request with it.
    again = target.get(f"/Users/{created['id']}", headers=SPEC_HEADERS)
    expect_resource(
        again, 200, what="the id of the 201 body to name the user (Okta uses it for every update)"
    )


@check(
    "okta.spec.verify-created",
    f"{SPEC} 'Verify that user was created'; RFC 7644 §3.4.1",
    "GET /Users/{id} of the user just created returns its userName, givenName and familyName",
    **OKTA,
    mutating=True,
)
def test_spec_verify_created(target: Target) -> None:
    body, created = _spec_user(target)
    response = target.get(f"/Users/{created['id']}", headers=SPEC_HEADERS)
    found = expect_resource(response, 200)
    _expect_values(
        found,
        {
            "userName": body["userName"],
            "name.givenName": body["name"]["givenName"],
            "name.familyName": body["name"]["familyName"],
        },
        response,
        "the stored user",
    )


@check(
    "okta.spec.duplicate-409",
    f"{SPEC} 'Expect failure when recreating user with same values'; RFC 7644 §3.3",
    "a second POST /Users with a userName that exists answers 409",
    level="must",
    mutating=True,
)
def test_spec_duplicate_409(target: Target) -> None:
    body, _ = _spec_user(target)
    # The SPEC step re-sends the body with the userName as the e-mail value.
    again = dict(body, emails=[{"primary": True, "value": body["userName"], "type": "work"}])
    response = target.post("/Users", again, headers=SPEC_POST_HEADERS)
    expect_status(
        response,
        409,
        what=f"a conflict: {body['userName']!r} is taken (RFC 7644 §3.3 'MUST return HTTP "
        "status code 409'; Okta reports it to the admin instead of creating a second account)",
    )


@check(
    "okta.spec.username-case-insensitive",
    f"{SPEC} 'Username Case Sensitivity Check'; RFC 7644 §3.4.2.2; RFC 7643 §4.1.1",
    "filtering on the userName upper-cased answers 200 and finds the user (userName is "
    "caseExact false)",
    level="must",
    needs=("filter",),
    mutating=True,
)
def test_spec_username_case(target: Target) -> None:
    """The SPEC step asserts only 200; Okta's create flow needs the match too.

    Okta looks users up by its login before it creates them; a server that
    compares userName case-sensitively misses the existing account, and the
    POST that follows ends in 409 — an error in the admin's console.
    """
    body, created = _spec_user(target)
    upper = body["userName"].upper()
    response = target.get(_filter_path(upper), headers=SPEC_HEADERS)
    found = expect_list(response, what="200 (the SPEC test's assertion)")
    ensure(
        ids_of(found) == {created["id"]} and found.get("totalResults") == 1,
        f'userName eq "{upper}" to match exactly the user created as {body["userName"]!r} '
        "(caseExact false, RFC 7643 §4.1.1)",
        f"ids {sorted(ids_of(found))}, totalResults = {found.get('totalResults')!r}",
        response,
    )


@check(
    "okta.spec.groups-endpoint",
    f"{SPEC} 'Verify Groups endpoint' (optional step); RFC 7644 §3.4.2",
    "GET /Groups answers 200 with a ListResponse within 600 ms",
    rfc="should",
    needs=("Groups",),
)
def test_spec_groups_endpoint(target: Target) -> None:
    response = target.get("/Groups", headers=SPEC_HEADERS)
    expect_list(response)
    elapsed = response.exchange.elapsed_ms
    ensure(
        elapsed < 600,
        "an answer within 600 ms (the SPEC test's response-time assertion)",
        f"{elapsed:.0f} ms",
        response,
    )


@check(
    "okta.spec.bad-token-401",
    f"{SPEC} 'Check status 401'; RFC 7644 §2, §3.12",
    "a request whose Authorization header is 'non-token' answers 401 with a SCIM Error "
    'body (status "401" and a detail)',
    level="must",
)
def test_spec_bad_token_401(target: Target) -> None:
    headers = dict(SPEC_HEADERS, Authorization="non-token")
    user_name = target.user_name("okta-caps").upper()
    response = target.get(_filter_path(user_name), headers=headers)
    body = expect_error(response, 401, what="401: 'non-token' is no valid credential")
    detail = body.get("detail")
    ensure(
        isinstance(detail, str) and detail.strip(),
        "a non-empty 'detail' (the SPEC test asserts it)",
        f"detail = {detail!r}",
        response,
    )


# -- CRUD test ------------------------------------------------------------------


@check(
    "okta.crud.create-user",
    f"{CRUD} 'Assign the user … verify it was created'; Okta SCIM 2.0 reference "
    "'Create users'; RFC 7644 §3.3",
    "Okta's assignment — lookup by userName (0 results), then POST with externalId, locale, "
    "groups [] and a password — answers 201 with an id that GET /Users/{id} finds",
    **OKTA,
    needs=("filter",),
    mutating=True,
)
def test_crud_create_user(target: Target) -> None:
    """``groups`` is readOnly and ``password`` writeOnly: a server must take the body anyway."""
    body, created = _assign(target, "okta-assign", setup=False)
    response = target.get(f"/Users/{created['id']}", headers=OKTA_HEADERS)
    found = expect_resource(response, 200, what="the user Okta just created, by the id it stored")
    _expect_values(
        found,
        {"userName": body["userName"], "externalId": body["externalId"], "active": True},
        response,
        "the stored user",
    )


@check(
    "okta.crud.update-put",
    f"{CRUD} 'Update the user firstName … verify it was updated'; Okta SCIM 2.0 reference "
    "'Update a specific user (PUT)'; RFC 7644 §3.5.1",
    "GET then a full PUT with a new givenName answers 200 and changes only givenName",
    **OKTA,
    needs=("filter",),
    mutating=True,
)
def test_crud_update_put(target: Target) -> None:
    """Okta sends its whole app-user profile (with ``id`` and ``groups: []``) on every update."""
    body, created = _assign(target, "okta-put")
    path = f"/Users/{created['id']}"
    _read(target, created["id"], "Okta's GET before the PUT", OKTA_HEADERS)
    update = {key: value for key, value in body.items() if key != "password"}
    update["id"] = created["id"]
    update["name"] = dict(body["name"], givenName="Rileyupdate")
    response = target.put(path, update, headers=OKTA_HEADERS)
    answered = expect_resource(response, 200, what="200 with the user (RFC 7644 §3.5.1)")
    _expect_values(answered, {"name.givenName": "Rileyupdate"}, response, "the PUT's answer")
    after = target.get(path, headers=OKTA_HEADERS)
    found = expect_resource(after, 200, what="GET after the PUT")
    _expect_values(
        found,
        {
            "name.givenName": "Rileyupdate",
            "name.familyName": body["name"]["familyName"],
            "userName": body["userName"],
            "externalId": body["externalId"],
            "active": True,
        },
        after,
        "the user after the PUT",
    )


@check(
    "okta.crud.deactivate-patch",
    f"{CRUD} 'Deactivate the user … verify it was deactivated'; Okta SCIM 2.0 reference "
    "(PATCH replace active false, no path); RFC 7644 §3.5.2.3",
    "PATCH {op: replace, value: {active: false}} answers 200 or 204 and GET then shows the "
    "user, still there, with active false",
    **OKTA,
    needs=("filter", "patch"),
    mutating=True,
)
def test_crud_deactivate_patch(target: Target) -> None:
    _, created = _assign(target, "okta-deact")
    path = f"/Users/{created['id']}"
    response = target.patch(path, DEACTIVATE, headers=OKTA_HEADERS)
    expect_status(response, 200, 204, what="PATCH success (Okta accepts 200 or 204)")
    after = target.get(path, headers=OKTA_HEADERS)
    found = expect_resource(
        after, 200, what="the deactivated user still readable (Okta never deletes users)"
    )
    _expect_values(found, {"active": False}, after, "the user after deactivation")


@check(
    "okta.crud.reactivate-patch",
    f"{CRUD} 'Reactivate the user, reassign … verify it was reactivated'; Okta SCIM 2.0 "
    "reference; RFC 7644 §3.4.2.2, §3.5.2.3",
    "a deactivated user is still found by Okta's userName lookup, and PATCH "
    "{op: replace, value: {active: true}} makes it active again",
    **OKTA,
    needs=("filter", "patch"),
    mutating=True,
)
def test_crud_reactivate_patch(target: Target) -> None:
    """On reassignment Okta looks the user up again and links what it finds.

    A server that hides inactive users from filters makes Okta POST a
    second account (409), so the lookup must return the deactivated user.
    """
    body, created = _assign(target, "okta-react")
    path = f"/Users/{created['id']}"
    expect_status(
        target.patch(path, DEACTIVATE, headers=OKTA_HEADERS),
        200,
        204,
        what="Okta's deactivation PATCH",
    )
    lookup = target.get(_filter_path(body["userName"], okta_paging=True), headers=OKTA_HEADERS)
    found = expect_list(lookup, what="Okta's lookup on reassignment")
    ensure(
        ids_of(found) == {created["id"]},
        f"the deactivated user {body['userName']!r} found by its userName (Okta links it; "
        "a miss makes Okta POST a duplicate)",
        f"ids {sorted(ids_of(found))}",
        lookup,
    )
    response = target.patch(path, REACTIVATE, headers=OKTA_HEADERS)
    expect_status(response, 200, 204, what="PATCH success (Okta accepts 200 or 204)")
    after = target.get(path, headers=OKTA_HEADERS)
    _expect_values(
        expect_resource(after, 200), {"active": True}, after, "the user after reactivation"
    )


@check(
    "okta.crud.deactivate-put",
    f"{CRUD} 'Remove the integration … verify the user is deactivated' (custom App "
    "Integration Wizard apps deactivate with a full PUT); RFC 7644 §3.5.1",
    "a full PUT carrying active false answers 200 and GET then shows the user with active false",
    **OKTA,
    needs=("filter",),
    mutating=True,
)
def test_crud_deactivate_put(target: Target) -> None:
    body, created = _assign(target, "okta-unassign")
    path = f"/Users/{created['id']}"
    update = {key: value for key, value in body.items() if key != "password"}
    update.update(id=created["id"], active=False)
    response = target.put(path, update, headers=OKTA_HEADERS)
    expect_resource(response, 200, what="200 with the user (RFC 7644 §3.5.1)")
    after = target.get(path, headers=OKTA_HEADERS)
    found = expect_resource(after, 200, what="the deactivated user still readable")
    _expect_values(
        found,
        {"active": False, "userName": body["userName"]},
        after,
        "the user after the deactivating PUT",
    )
