"""Attribute projection: ``attributes`` and ``excludedAttributes`` (RFC 7644 §3.4.2.5, §3.9, §3.10).

RFC 7644 §3.9: a client MAY ask for a partial representation "on any operation
that returns a resource" — GET by id, lists, searches, and the responses of
POST, PUT and PATCH. With ``attributes`` the default set SHALL be overridden
and each resource MUST contain the minimum set (``returned: always``: ``id``)
plus what was asked for, down to single sub-attributes (``name.givenName``);
with ``excludedAttributes`` the default set minus the named attributes is
returned, and it "SHALL have no effect" on ``returned: always`` attributes
(§3.4.2.5; RFC 7643 §2.2, §7). Names use the standard attribute notation of
§3.10, which allows the schema URN prefix, and are case-insensitive
(RFC 7643 §2.1). ``returned: never`` attributes (``password``, RFC 7643
§4.1.1) are returned in no case, even when asked for.

``meta`` is ``returned: default`` (RFC 7643 §3.1) but many servers always
send it; these checks tolerate it so they only fail what changes what a client
reads. Entra reads every group with ``excludedAttributes=members``
(entra-provisioning.md), so ignoring it there costs full member lists on
every read (vendor bug 12 in checks-catalog.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import (
    ensure,
    expect_json,
    expect_list,
    expect_resource,
    expect_status,
    resources_of,
)
from harness.conformance.registry import check
from harness.conformance.support import stored_given_name
from harness.conformance.target import Target
from harness.scim.schema import USER_URN

#: Attributes of the shared projection user that are ``returned: default``.
DEFAULT_USER_ATTRIBUTES = ("userName", "name", "displayName", "emails", "active", "externalId")


def projection_user(target: Target) -> dict[str, Any]:
    """A full core User, created once per run and only read by the projection checks."""
    return target.shared(
        "proj.user", lambda run: run.create_user("proj", keep=DEFAULT_USER_ATTRIBUTES[1:])
    )


def expect_id(resource: dict[str, Any], expected: str | None, response: ScimResponse) -> None:
    ensure(
        isinstance(resource.get("id"), str)
        and (expected is None or resource.get("id") == expected),
        "'id' always returned (returned: always, RFC 7643 §3.1; excludedAttributes "
        "SHALL have no effect on it, RFC 7644 §3.4.2.5)",
        f"id = {resource.get('id')!r}",
        response,
    )


def expect_present(
    resource: dict[str, Any], names: Iterable[str], why: str, response: ScimResponse
) -> None:
    missing = [name for name in names if resource.get(name) in (None, [], {})]
    ensure(not missing, f"{', '.join(names)} returned ({why})", f"missing: {missing}", response)


def expect_absent(
    resource: dict[str, Any], names: Iterable[str], why: str, response: ScimResponse
) -> None:
    present = [name for name in names if name in resource]
    ensure(
        not present,
        f"no {', '.join(names)} ({why})",
        f"returned: {present}",
        response,
    )


ATTRIBUTES_RULE = (
    "attributes overrides the default set: the minimum set plus what was asked, "
    "nothing else (RFC 7644 §3.9)"
)
EXCLUDED_RULE = "excludedAttributes removes them from the default set (RFC 7644 §3.9, §3.4.2.5)"


@check(
    "proj.attributes",
    "RFC 7644 §3.4.2.5; §3.9; RFC 7643 §3.1",
    "GET /Users/{id}?attributes=userName returns id and userName and no other default attribute",
    mutating=True,
)
def test_proj_attributes(target: Target) -> None:
    user = projection_user(target)
    response = target.get(f"/Users/{user['id']}", params={"attributes": "userName"})
    body = expect_resource(response, 200)
    expect_id(body, user["id"], response)
    expect_present(body, ["userName"], "asked for in attributes", response)
    others = [name for name in DEFAULT_USER_ATTRIBUTES if name != "userName"]
    expect_absent(body, others, ATTRIBUTES_RULE, response)


def _listed_alone(target: Target, **projection: str) -> tuple[dict[str, Any], ScimResponse]:
    """The projection user as the only resource of a filtered list with ``projection``."""
    user = projection_user(target)
    response = target.get(
        "/Users", params={"filter": f'userName eq "{user["userName"]}"', **projection}
    )
    resources = resources_of(expect_list(response))
    ensure(
        len(resources) == 1,
        "the one user the filter names",
        f"{len(resources)} resources",
        response,
    )
    resource = resources[0]
    expect_id(resource, user["id"], response)
    return resource, response


@check(
    "proj.attributes-list",
    "RFC 7644 §3.4.2.5; §3.9",
    "attributes= on a list returns, for every resource, id plus the named attributes only",
    needs=("filter",),
    mutating=True,
)
def test_proj_attributes_list(target: Target) -> None:
    resource, response = _listed_alone(target, attributes="userName,displayName")
    expect_present(resource, ["userName", "displayName"], "asked for in attributes", response)
    expect_absent(resource, ["name", "emails", "active", "externalId"], ATTRIBUTES_RULE, response)


@check(
    "proj.schemas-kept",
    "RFC 7643 §3 (schemas REQUIRED in a resource); RFC 7644 §3.9",
    "A resource projected with attributes= still carries its 'schemas'",
    level="should",
    mutating=True,
)
def test_proj_schemas_kept(target: Target) -> None:
    """RFC 7643 §3 makes ``schemas`` REQUIRED in every resource, but RFC 7644's own
    ``attributes=userName`` example (§3.4.2) shows results without it; keeping it is
    what clients that dispatch on ``schemas`` need, hence a recommendation."""
    user = projection_user(target)
    response = target.get(f"/Users/{user['id']}", params={"attributes": "userName"})
    body = expect_json(expect_status(response, 200))
    ensure(
        USER_URN in (body.get("schemas") or []),
        f"'schemas' with {USER_URN} in a projected User (RFC 7643 §3)",
        f"schemas = {body.get('schemas')!r}",
        response,
    )


@check(
    "proj.excluded",
    "RFC 7644 §3.4.2.5; §3.9; RFC 7643 §2.2",
    "excludedAttributes=emails,id drops emails, keeps id and the rest of the default set",
    mutating=True,
)
def test_proj_excluded(target: Target) -> None:
    user = projection_user(target)
    response = target.get(f"/Users/{user['id']}", params={"excludedAttributes": "emails,id"})
    body = expect_json(expect_status(response, 200))
    expect_id(body, user["id"], response)
    expect_absent(body, ["emails"], EXCLUDED_RULE, response)
    expect_present(
        body,
        ["userName", "name", "displayName"],
        "the default set minus the excluded attributes is returned (RFC 7644 §3.9)",
        response,
    )


@check(
    "proj.excluded-list",
    "RFC 7644 §3.4.2.5; §3.9",
    "excludedAttributes= on a list drops the named attributes from every resource",
    needs=("filter",),
    mutating=True,
)
def test_proj_excluded_list(target: Target) -> None:
    resource, response = _listed_alone(target, excludedAttributes="name,emails")
    expect_absent(resource, ["name", "emails"], EXCLUDED_RULE, response)
    expect_present(resource, ["userName"], "the rest of the default set (RFC 7644 §3.9)", response)


@check(
    "proj.subattr",
    "RFC 7644 §3.9; §3.10",
    "attributes=name.givenName returns name with only givenName (and id)",
    mutating=True,
)
def test_proj_subattr(target: Target) -> None:
    user = projection_user(target)
    response = target.get(f"/Users/{user['id']}", params={"attributes": "name.givenName"})
    body = expect_resource(response, 200)
    expect_id(body, user["id"], response)
    name = body.get("name")
    given = stored_given_name(user)
    ensure(
        isinstance(name, dict) and name.get("givenName") == given,
        f"name.givenName = {given!r} (asked for by sub-attribute, RFC 7644 §3.9, §3.10)",
        f"name = {name!r}",
        response,
    )
    extra = sorted(set(name) - {"givenName"}) if isinstance(name, dict) else []
    ensure(
        not extra,
        "no other sub-attribute of name: only the one asked for (RFC 7644 §3.9)",
        f"name also has {extra}",
        response,
    )
    expect_absent(body, ["userName", "emails", "displayName"], ATTRIBUTES_RULE, response)


@check(
    "proj.urn",
    "RFC 7644 §3.10; §3.9",
    "attributes= accepts URN-qualified names (urn:…:core:2.0:User:userName, "
    "…:User:name.familyName)",
    mutating=True,
)
def test_proj_urn(target: Target) -> None:
    user = projection_user(target)
    names = f"{USER_URN}:userName,{USER_URN}:name.familyName"
    response = target.get(f"/Users/{user['id']}", params={"attributes": names})
    body = expect_resource(response, 200)
    expect_id(body, user["id"], response)
    expect_present(
        body, ["userName"], "asked for as a URN-qualified name (RFC 7644 §3.10)", response
    )
    name = body.get("name")
    ensure(
        isinstance(name, dict) and set(name) == {"familyName"},
        f"name with familyName only (asked for as {USER_URN}:name.familyName, RFC 7644 §3.10)",
        f"name = {name!r}",
        response,
    )
    expect_absent(body, ["emails", "displayName"], ATTRIBUTES_RULE, response)


@check(
    "proj.name-case",
    "RFC 7643 §2.1; RFC 7644 §3.9",
    "Attribute names in attributes= are case-insensitive (USERNAME names userName)",
    mutating=True,
)
def test_proj_name_case(target: Target) -> None:
    user = projection_user(target)
    response = target.get(f"/Users/{user['id']}", params={"attributes": "USERNAME,Name.GivenName"})
    body = expect_resource(response, 200)
    expect_present(
        body, ["userName", "name"], "attribute names are case-insensitive (RFC 7643 §2.1)", response
    )
    expect_absent(body, ["emails", "displayName"], ATTRIBUTES_RULE, response)


@check(
    "proj.never-returned",
    "RFC 7643 §4.1.1; §7 (returned: never); RFC 7644 §3.9",
    "password is not returned even when named in attributes=",
    mutating=True,
)
def test_proj_never_returned(target: Target) -> None:
    user = target.create_user("projpw", password="Pr0jection-Secret!")
    response = target.get(f"/Users/{user['id']}", params={"attributes": "userName,password"})
    body = expect_resource(response, 200)
    expect_absent(
        body,
        ["password"],
        "password is returned: never — not even when asked for (RFC 7643 §4.1.1, §7)",
        response,
    )
    expect_present(body, ["userName"], "asked for in attributes", response)


# ---------------------------------------------------------------------------
# Write responses honour the projection too (§3.9: "any operation that returns
# a resource"; §3.5.2: the PATCH body is "subject to the attributes query
# parameter")
# ---------------------------------------------------------------------------


def expect_projected_write(
    response: ScimResponse,
    user_id: str | None,
    *,
    present: list[str],
    absent: list[str],
    rule: str,
) -> None:
    """A write answered with a resource: id plus ``present``, none of ``absent``.

    An answer without a body is left to the write's own checks (§3.3 makes the
    POST body a SHOULD; §3.5.2 allows 204 for PATCH): there is no projection
    to judge.
    """
    if not response.text:
        return
    body = expect_json(response, "the written resource as the JSON body")
    expect_id(body, user_id, response)
    expect_present(body, present, rule, response)
    expect_absent(body, absent, rule, response)


@check(
    "proj.on-write",
    "RFC 7644 §3.9; §3.3; §3.5.1",
    "POST and PUT responses honour attributes= and excludedAttributes=",
    mutating=True,
)
def test_proj_on_write(target: Target) -> None:
    body = target.user_body("projw", keep=("displayName",))
    response = target.post("/Users", body, params={"attributes": "userName"})
    expect_status(response, 201, 200, what="POST /Users?attributes=userName")
    expect_projected_write(
        response,
        None,
        present=["userName"],
        absent=["name", "emails", "displayName", "active"],
        rule="the POST response projected by attributes=userName (RFC 7644 §3.9)",
    )
    body = target.user_body("projw", keep=("displayName",))
    user_id = target.create_user("projw", **body)["id"]
    replacement = dict(body, displayName=f"{body['displayName']} (replaced)")
    response = target.put(
        f"/Users/{user_id}", replacement, params={"excludedAttributes": "emails,name"}
    )
    expect_status(response, 200, what="PUT /Users/{id}?excludedAttributes=emails,name")
    expect_projected_write(
        response,
        user_id,
        present=["userName", "displayName"],
        absent=["emails", "name"],
        rule="the PUT response projected by excludedAttributes=emails,name (RFC 7644 §3.9)",
    )


@check(
    "proj.on-write-patch",
    "RFC 7644 §3.5.2; §3.9",
    "A PATCH answered with 200 and the resource honours attributes=",
    needs=("patch",),
    mutating=True,
)
def test_proj_on_write_patch(target: Target) -> None:
    user = target.create_user("projp")
    response = target.patch(
        f"/Users/{user['id']}",
        patch_body(operation("replace", "displayName", "Projected Patch")),
        params={"attributes": "displayName"},
    )
    expect_status(response, 200, 204, what="PATCH /Users/{id}?attributes=displayName")
    expect_projected_write(
        response,
        user["id"],
        present=["displayName"],
        absent=["userName", "name", "emails"],
        rule='the 200 PATCH body is "subject to the attributes query parameter" '
        "(RFC 7644 §3.5.2, §3.9)",
    )


@check(
    "proj.excluded-members-list",
    "RFC 7644 §3.9; Entra: every group read carries excludedAttributes=members",
    "GET /Groups?filter=…&excludedAttributes=members returns the group without members",
    needs=("Groups", "filter"),
    mutating=True,
)
def test_proj_excluded_members_list(target: Target) -> None:
    """Entra's group lookup (``displayName eq`` with ``excludedAttributes=members``);
    a server that ignores it sends whole member lists on every read (vendor bug 12)."""
    member = projection_user(target)
    group = target.create_group("projg", members=[member["id"]])
    response = target.get(
        "/Groups",
        params={
            "filter": f'displayName eq "{group["displayName"]}"',
            "excludedAttributes": "members",
        },
    )
    resources = resources_of(expect_list(response))
    ensure(
        len(resources) == 1,
        "the one group the filter names",
        f"{len(resources)} resources",
        response,
    )
    resource = resources[0]
    expect_id(resource, group["id"], response)
    expect_absent(resource, ["members"], EXCLUDED_RULE, response)
    expect_present(
        resource, ["displayName"], "the rest of the default set (RFC 7644 §3.9)", response
    )
