"""Groups: create, read, list, replace, delete, and what membership means (RFC 7643 §4.2).

Covers the Group resource outside PATCH (membership changes by PATCH are in
``test_membership.py``):

* POST (RFC 7644 §3.3) — empty groups in Okta's (``members: []``) and
  Entra's (no ``members``) shapes, Entra's extra Microsoft schema URN, a
  group created with members, a duplicate ``displayName`` (a *policy* under
  RFC and Okta; Entra matches groups by displayName and needs it unique —
  entra-provisioning.md §3, Microsoft Learn [T] "/Groups");
* GET by id and 404 (§3.4.1, §3.12), the list (§3.4.2), Entra's
  ``excludedAttributes=members`` on every group read (§3.4.2.5, §3.9);
* the shape of ``members`` values (RFC 7643 §4.2: ``value`` the member's id,
  ``$ref`` its URI, ``type`` "User" or "Group");
* PUT replaces displayName and members (§3.5.1); DELETE → 204 then 404 (§3.6);
* User ``groups`` is readOnly (RFC 7643 §4.1.2): membership sent in a User PUT
  is ignored (§3.5.1); a deleted user no longer appears among a group's members.

Every check that writes creates its own groups; the member users are a small
pool shared by the run (``target.shared``), since no check here changes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_list,
    expect_resource,
    expect_status,
    fail,
    precondition,
    resources_of,
)
from harness.conformance.registry import check
from harness.conformance.support import (
    MICROSOFT_GROUP_URN,
    member_pool_ids,
    member_values,
    members_comparison,
    put_comparison,
    usable,
)
from harness.conformance.target import Target
from harness.scim.schema import GROUP_URN

NEEDS = ("Groups",)
NEEDS_USERS = ("Groups", "Users")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _state(target: Target, group_id: str, what: str = "") -> dict[str, Any]:
    """The Group as a GET shows it now (the authority on what a write did)."""
    return expect_resource(
        target.get(f"/Groups/{group_id}"), 200, what=what or "GET of the group afterwards"
    )


def _expect_members(
    state: Mapping[str, Any], expected: Iterable[str], why: str, response: ScimResponse
) -> None:
    """``members`` holds exactly ``expected`` (each once; order carries no meaning, 7643 §2.4)."""
    wanted = sorted(expected)
    found = member_values(state)
    ensure(
        sorted(found) == wanted,
        f"members {wanted} — {why}",
        f"the group shows members {found}",
        response,
        members_comparison("the group's members (order aside)", wanted, found),
    )


def _created(response: ScimResponse, what: str) -> dict[str, Any]:
    """RFC 7644 §3.3: a created Group is answered 201 with the resource."""
    return expect_resource(response, 201, schema=GROUP_URN, what=what)


# --------------------------------------------------------------------------
# POST
# --------------------------------------------------------------------------


@check(
    "groups.post.empty",
    "RFC 7644 §3.3; RFC 7643 §4.2",
    "POST /Groups with 'members': [] (Okta) or without members (Entra) creates an empty group "
    "(201)",
    needs=NEEDS,
    mutating=True,
)
def test_post_empty(target: Target) -> None:
    okta_shape = target.group_body("empty-okta")  # "members": []
    entra_shape = target.group_body("empty-entra")
    del entra_shape["members"]  # Entra creates groups without a members key
    for body, shape in ((okta_shape, "'members': []"), (entra_shape, "no 'members'")):
        response = target.post("/Groups", body)
        created = _created(response, f"a Group POST with {shape}")
        ensure(
            created.get("displayName") == body["displayName"],
            f"displayName {body['displayName']!r} as sent",
            f"displayName {created.get('displayName')!r}",
            response,
        )
        _expect_members(created, (), f"a group created with {shape} has no members", response)


@check(
    "groups.post.extra-urn",
    "RFC 7644 §3.3 (policy); Entra [T] 'Create Group' sends "
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group in 'schemas'",
    "a Group POST carrying Entra's extra Microsoft schema URN is created (Entra), or refused "
    "with a clean 400 error",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_post_extra_urn(target: Target) -> None:
    """Entra's tutorial still shows the Microsoft URN in the create body (entra-
    provisioning.md §3); a target that refuses it never gets Entra's groups.
    Outside the Entra profile a declared refusal (400 with an RFC 7644 §3.12
    body) is an allowed reading; a 5xx or an unexplained answer is not."""
    name = target.unique("entra-urn")
    body = {
        "schemas": [GROUP_URN, MICROSOFT_GROUP_URN],
        "externalId": f"ext-{name}",
        "displayName": name,
        "meta": {"resourceType": "Group"},
    }
    response = target.post("/Groups", body)
    if response.status == 400 and target.profile != "entra":
        expect_error(response, 400, what="a declared refusal of the unknown schema URN")
        return
    created = _created(response, "Entra's Group create body (extra schema URN ignored)")
    ensure(
        created.get("displayName") == name,
        f"displayName {name!r} as sent",
        f"displayName {created.get('displayName')!r}",
        response,
    )


@check(
    "groups.post.members",
    "RFC 7644 §3.3; RFC 7643 §4.2",
    "a Group POSTed with members keeps exactly those members",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_post_members(target: Target) -> None:
    pool = member_pool_ids(target)
    members = pool[:2]
    response = target.post("/Groups", target.group_body("with-members", members=members))
    created = _created(response, "a Group POST with two members")
    if "members" in created:
        _expect_members(created, members, "the POST answer shows the members sent", response)
    _expect_members(
        _state(target, created["id"]), members, "a GET shows the members POSTed", response
    )


@check(
    "groups.post.dup-name",
    "policy (RFC 7643 §4.2 declares no uniqueness for displayName; RFC 7644 §3.3 409 "
    "'uniqueness'); Entra and Okta look groups up by displayName eq",
    "a second Group with an existing displayName is refused with 409 uniqueness",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_post_dup_name(target: Target) -> None:
    """Entra (and Okta's group push) look a group up by ``displayName eq``; two
    groups of one name make that lookup ambiguous, so the target should refuse
    the second as RFC 7644 §3.3 refuses a duplicate of a unique attribute."""
    first = target.create_group("dup-name")
    again = target.group_body("dup-name-again", displayName=first["displayName"])
    response = target.post("/Groups", again)
    expect_error(
        response,
        409,
        "uniqueness",
        what=f"a refusal of a second group named {first['displayName']!r}",
    )


# --------------------------------------------------------------------------
# GET, list, projection
# --------------------------------------------------------------------------


@check(
    "groups.get.200",
    "RFC 7644 §3.4.1",
    "GET /Groups/{id} answers 200 with the group as stored",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_get_200(target: Target) -> None:
    member = member_pool_ids(target)[0]
    group = target.create_group("get", members=[member])
    response = target.get(f"/Groups/{group['id']}")
    found = expect_resource(response, 200, schema=GROUP_URN)
    ensure(
        found.get("id") == group["id"],
        f"id {group['id']!r}",
        f"id {found.get('id')!r}",
        response,
    )
    ensure(
        found.get("displayName") == group["displayName"],
        f"displayName {group['displayName']!r} as created",
        f"displayName {found.get('displayName')!r}",
        response,
    )
    _expect_members(found, [member], "the member the group was created with", response)


@check(
    "groups.get.404",
    "RFC 7644 §3.4.1; §3.12",
    "GET /Groups/{unknown id} answers 404 with an RFC 7644 §3.12 error body",
    needs=NEEDS,
)
def test_get_404(target: Target) -> None:
    expect_error(target.get(f"/Groups/{target.absent_id()}"), 404)


@check(
    "groups.list",
    "RFC 7644 §3.4.2; Okta: GET /Groups?startIndex=1&count=100 (test connection, import)",
    "GET /Groups answers 200 with a ListResponse of Group resources",
    needs=NEEDS,
)
def test_list(target: Target) -> None:
    """Only the shape is judged: the tenant's other groups are none of the run's business."""
    response = target.get("/Groups", params={"startIndex": 1, "count": 100})
    body = expect_list(response)
    for item in resources_of(body):
        ensure(
            isinstance(item.get("id"), str) and item["id"],
            "every listed Group to have a non-empty 'id' (RFC 7643 §3.1)",
            f"a Resource without one: {str(item)[:200]}",
            response,
        )
        ensure(
            GROUP_URN in (item.get("schemas") or []),
            f"every listed Group's 'schemas' to contain {GROUP_URN} (RFC 7643 §3)",
            f"schemas = {item.get('schemas')!r} on {item.get('id')!r}",
            response,
        )


@check(
    "groups.exclude-members",
    "RFC 7644 §3.4.2.5, §3.9; Entra [T] 'Get Group': every group read carries "
    "excludedAttributes=members",
    "excludedAttributes=members leaves members out of a group read (by id and by filter) and "
    "keeps id and displayName",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_exclude_members(target: Target) -> None:
    """§3.9: the default set minus the excluded attributes, and always ``id``.
    A target that ignores the parameter sends Entra every member on every
    read; Infisical PR #6525 links that to Entra truncating memberships."""
    group = target.create_group("exclude", members=member_pool_ids(target)[:2])
    responses = [target.get(f"/Groups/{group['id']}", params={"excludedAttributes": "members"})]
    found = [expect_resource(responses[0], 200)]
    if usable(target, "filter"):
        listed = target.get(
            "/Groups",
            params={
                "excludedAttributes": "members",
                "filter": f'displayName eq "{group["displayName"]}"',
            },
        )
        items = [i for i in resources_of(expect_list(listed)) if i.get("id") == group["id"]]
        ensure(
            len(items) == 1,
            f"the group {group['displayName']!r} found by displayName eq (RFC 7644 §3.4.2.2)",
            f"{len(items)} results with its id",
            listed,
        )
        responses.append(listed)
        found.append(items[0])
    for response, item in zip(responses, found, strict=True):
        ensure(
            "members" not in item,
            "no 'members' in a group read with excludedAttributes=members",
            f"{len(member_values(item))} members returned",
            response,
        )
        ensure(
            item.get("id") == group["id"] and item.get("displayName") == group["displayName"],
            "'id' (returned always) and 'displayName' still returned (RFC 7644 §3.9)",
            f"id {item.get('id')!r}, displayName {item.get('displayName')!r}",
            response,
        )


@check(
    "groups.members-shape",
    "RFC 7643 §4.2",
    "each members value carries the member's id in 'value'; 'type' (when given) is \"User\" "
    "for a user and '$ref' (when given) is that user's URI",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_members_shape(target: Target) -> None:
    member = member_pool_ids(target)[0]
    group = target.create_group("shape", members=[member])
    response = target.get(f"/Groups/{group['id']}")
    state = expect_resource(response, 200)
    members = state.get("members")
    ensure(
        isinstance(members, list) and len(members) == 1,
        "'members' as a list of one value (RFC 7643 §4.2, multi-valued complex)",
        f"members = {str(members)[:200]}",
        response,
    )
    item = members[0] if isinstance(members, list) else None
    if not isinstance(item, dict) or item.get("value") != member:
        fail(
            f'a member object with "value": {member!r} — the member\'s id',
            f"{str(item)[:200]}",
            response,
        )
    if item.get("type") is not None:
        ensure(
            item["type"] == "User",
            "'type' \"User\" for a member that is a User",
            f"type = {item['type']!r}",
            response,
        )
    ref = item.get("$ref")
    if ref is not None:
        ensure(
            isinstance(ref, str) and ref.rstrip("/").endswith(f"/Users/{member}"),
            f"'$ref' the URI of the member resource, …/Users/{member}",
            f"$ref = {ref!r}",
            response,
        )
    if item.get("display") is not None:
        ensure(
            isinstance(item["display"], str),
            "'display' as a string",
            f"display = {item['display']!r}",
            response,
        )


# --------------------------------------------------------------------------
# PUT and DELETE
# --------------------------------------------------------------------------


@check(
    "groups.put.replace",
    "RFC 7644 §3.5.1",
    "PUT /Groups/{id} replaces displayName and the whole member list and answers 200",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_put_replace(target: Target) -> None:
    """Okta custom apps push a group with a full PUT (okta-provisioning.md); the
    body is Okta's: the resource with ``id`` and the new state."""
    first, second = member_pool_ids(target)[:2]
    group = target.create_group("put", members=[first])
    new_name = target.unique("put-renamed")
    body = {
        "schemas": [GROUP_URN],
        "id": group["id"],
        "displayName": new_name,
        "members": [{"value": second}],
    }
    response = target.put(f"/Groups/{group['id']}", body)
    answered = expect_resource(response, 200, what="PUT answers 200 with the resource")
    ensure(
        answered.get("displayName") == new_name,
        f"the PUT answer to show displayName {new_name!r}",
        f"displayName {answered.get('displayName')!r}",
        response,
    )
    state = _state(target, group["id"])
    ensure(
        state.get("displayName") == new_name,
        f"displayName {new_name!r} after the PUT",
        f"a GET shows displayName {state.get('displayName')!r}",
        response,
        put_comparison("the Group as PUT vs as a GET then shows it", body, state),
    )
    _expect_members(state, [second], "PUT replaces the member list, it does not merge", response)


@check(
    "groups.delete.204",
    "RFC 7644 §3.6",
    "DELETE /Groups/{id} answers 204, and the group is then 404",
    needs=NEEDS,
    mutating=True,
)
def test_delete_204(target: Target) -> None:
    group = target.create_group("delete")
    response = target.delete(f"/Groups/{group['id']}")
    expect_status(response, 204)
    after = target.get(f"/Groups/{group['id']}")
    expect_error(after, 404, what="GET of the deleted group")


@check(
    "groups.delete-user-cascade",
    "RFC 7644 §3.6 (a deleted resource MUST be 404 and omitted from queries); "
    "RFC 7643 §4.2 (members name existing resources) — no MUST for references, so a should",
    "deleting a user removes it from the groups it was a member of",
    level="should",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_delete_user_cascade(target: Target) -> None:
    """A member value that names a deleted user points at a 404: a client that
    follows it, or counts members, is misled."""
    leaving = target.create_user("leaving")
    staying = target.create_user("staying")
    group = target.create_group("cascade", members=[leaving["id"], staying["id"]])
    deleted = target.delete(f"/Users/{leaving['id']}")
    if deleted.status in (403, 405, 501):
        pytest.skip(f"the target does not delete users (DELETE → {deleted.status})")
    with precondition("DELETE of a member user"):
        expect_status(deleted, 204, what=f"DELETE /Users/{leaving['id']}")
    _expect_members(
        _state(target, group["id"]),
        [staying["id"]],
        f"the deleted user {leaving['id']!r} gone, the other member kept",
        deleted,
    )


@check(
    "groups.user-groups-readonly",
    "RFC 7643 §4.1.2 (User 'groups' readOnly; membership changes MUST go through the Group); "
    "RFC 7644 §3.5.1 (readOnly values in PUT SHALL be ignored)",
    "a User PUT that lists a group in 'groups' succeeds and changes no membership",
    needs=NEEDS_USERS,
    mutating=True,
)
def test_user_groups_readonly(target: Target) -> None:
    """Okta's update is GET then a full PUT of what it read, ``groups``
    included; a target that refuses the PUT, or applies it as a membership
    change, breaks every profile update."""
    user = target.create_user("readonly-groups")
    group = target.create_group("readonly-groups")
    body = {key: value for key, value in user.items() if key != "meta"}
    body["groups"] = [{"value": group["id"], "display": group["displayName"]}]
    response = target.put(f"/Users/{user['id']}", body)
    expect_resource(response, 200, what="the PUT accepted, its readOnly 'groups' ignored")
    _expect_members(
        _state(target, group["id"]),
        (),
        "User 'groups' is readOnly: the PUT must not make the user a member",
        response,
    )
    state = expect_resource(target.get(f"/Users/{user['id']}"), 200, what="GET of the user")
    listed = [str(g.get("value")) for g in state.get("groups") or [] if isinstance(g, dict)]
    ensure(
        group["id"] not in listed,
        f"the user's 'groups' not to list {group['id']!r} (the PUT value is ignored)",
        f"groups = {listed}",
        response,
    )
