"""Group membership by PATCH (RFC 7644 §3.5.2; RFC 7643 §4.1.2, §4.2).

How Okta and Entra keep groups in step is almost entirely PATCH on
``members`` (okta-provisioning.md "Push groups"; entra-provisioning.md §4–§5),
so each shape they send is a check of its own:

* add a value list (§3.5.2.1) — several members in one PATCH; Entra's items
  with ``"$ref": null`` (RFC 7643 §2.5: null is unassigned); a member that is
  already there is not duplicated (§3.5.2.1 SHOULD; Okta re-sends adds);
* remove (§3.5.2.2) — ``members[value eq "…"]`` removes only that member;
  ``path: members`` without a value removes all; Entra's legacy removal,
  ``path: members`` *with* a value list, must remove only the listed members
  (Microsoft [K]; the RFC letter would read it as "remove all");
* rename — ``replace`` with ``path: displayName`` (§3.5.2.3) and Okta's
  path-less ``{"id", "displayName"}`` value;
* an unknown member id (*policy*: 400 ``invalidValue``, or ignored);
* the answer — 200 with the whole resource, or 204 (§3.5.2);
* User ``groups`` (readOnly, RFC 7643 §4.1.2) follows membership changes;
* the full sequences Okta's group push and Entra's group sync send.

The outcome of every PATCH is judged by a following GET of the group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import member, operation, patch_body
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_list,
    expect_resource,
    expect_status,
    fail,
    resources_of,
)
from harness.conformance.registry import check
from harness.conformance.support import (
    MICROSOFT_GROUP_URN,
    expect_patch_success,
    expect_scim_type_or_none,
    member_pool,
    member_pool_ids,
    member_values,
    members_comparison,
    resource_ids,
    usable,
)
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.schema import GROUP_URN

NEEDS = ("Groups", "Users", "patch")


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _state(target: Target, group_id: str) -> dict[str, Any]:
    return expect_resource(
        target.get(f"/Groups/{group_id}"), 200, what="GET of the group after the PATCH"
    )


def _patched(target: Target, group_id: str, *operations: dict[str, Any]) -> ScimResponse:
    """PATCH the group; the request must succeed (200 or 204)."""
    response = target.patch(f"/Groups/{group_id}", patch_body(*operations))
    expect_patch_success(response)
    return response


def _expect_members(
    target: Target, group_id: str, expected: Iterable[str], why: str, response: ScimResponse
) -> dict[str, Any]:
    """A GET shows exactly ``expected`` as members, each once (order free, 7643 §2.4)."""
    state = _state(target, group_id)
    wanted = sorted(expected)
    found = member_values(state)
    ensure(
        sorted(found) == wanted,
        f"members {wanted} — {why}",
        f"a GET shows members {found}",
        response,
        members_comparison("the group's members after the PATCH (order aside)", wanted, found),
    )
    return state


def _expect_name(state: Mapping[str, Any], name: str, response: ScimResponse) -> None:
    ensure(
        state.get("displayName") == name,
        f"displayName {name!r} after the rename",
        f"a GET shows displayName {state.get('displayName')!r}",
        response,
    )


def _entra(target: Target, op: str) -> str:
    """``op`` as Entra spells it (capitalised) under the Entra profile, else as the RFC does."""
    return op.capitalize() if target.profile == "entra" else op


# --------------------------------------------------------------------------
# add
# --------------------------------------------------------------------------


@check(
    "groups.patch.add-member",
    "RFC 7644 §3.5.2.1",
    "PATCH add of a members value list adds exactly those members and keeps the others",
    needs=NEEDS,
    mutating=True,
)
def test_add_member(target: Target) -> None:
    first, second, third = member_pool_ids(target)
    group = target.create_group("add", members=[first])
    response = _patched(
        target, group["id"], operation("add", "members", [member(second), member(third)])
    )
    _expect_members(
        target,
        group["id"],
        [first, second, third],
        "the two added in one PATCH plus the member already there",
        response,
    )


@check(
    "groups.patch.add-ref-null",
    "RFC 7644 §3.5.2.1; RFC 7643 §2.5 (null = unassigned); Entra [T] 'Update Group [Add Members]'",
    'member items with "$ref": null (Entra\'s shape) are added like items without $ref',
    needs=NEEDS,
    mutating=True,
)
def test_add_ref_null(target: Target) -> None:
    """Entra sends ``{"$ref": null, "value": "<id>"}``; a target that insists on
    a ``$ref`` string, or tries to resolve null, refuses every Entra member add.
    Sent with Entra's ``Add`` under the Entra profile, ``add`` elsewhere."""
    first, second, _ = member_pool_ids(target)
    group = target.create_group("ref-null")
    items = [{"$ref": None, "value": first}, {"$ref": None, "value": second}]
    response = _patched(target, group["id"], operation(_entra(target, "add"), "members", items))
    _expect_members(
        target, group["id"], [first, second], 'both members sent with "$ref": null', response
    )


@check(
    "groups.patch.add-dup",
    "RFC 7644 §3.5.2.1 (a value already present: no change SHOULD be made, success SHOULD be "
    "returned); RFC 7643 §2.4",
    "adding a member that is already in the group succeeds and does not list it twice",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_add_dup(target: Target) -> None:
    """Okta re-sends membership adds (push groups again, retries); a member
    listed twice then never goes away with one remove."""
    first, second, _ = member_pool_ids(target)
    group = target.create_group("add-dup", members=[first, second])
    response = _patched(target, group["id"], operation("add", "members", [member(first)]))
    _expect_members(target, group["id"], [first, second], f"{first!r} still listed once", response)


@check(
    "groups.patch.unknown-member",
    "RFC 7644 §3.5.2, §3.12 Table 9 invalidValue (policy: refuse, or ignore the unknown id)",
    "adding a member id that names no resource is refused with 400 (invalidValue) or ignored — "
    "never stored as a member",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_unknown_member(target: Target) -> None:
    """The RFC does not say whether a member must exist; both a refusal and a
    no-op are readings a server may choose. A group that lists an id no
    resource has is wrong either way."""
    first = member_pool_ids(target)[0]
    group = target.create_group("unknown-member", members=[first])
    absent = target.absent_id()
    response = target.patch(
        f"/Groups/{group['id']}", patch_body(operation("add", "members", [member(absent)]))
    )
    if response.status == 400:
        body = expect_error(response, 400, what="a refusal of the unknown member")
        expect_scim_type_or_none(
            body,
            ("invalidValue",),
            "scimType 'invalidValue' (RFC 7644 §3.12 Table 9), or none",
            response,
        )
        why = "a refused PATCH changes nothing (RFC 7644 §3.5.2, atomic)"
    elif response.status in (200, 204):
        why = f"the unknown id {absent!r} ignored, not stored"
    else:
        fail(
            "HTTP 400 (invalidValue) or a success that ignores the unknown id",
            f"HTTP {response.status}" if response.status else str(response.error),
            response,
        )
    _expect_members(target, group["id"], [first], why, response)


# --------------------------------------------------------------------------
# remove
# --------------------------------------------------------------------------


@check(
    "groups.patch.remove-filter",
    'RFC 7644 §3.5.2.2; Okta push groups and Entra compliant mode send members[value eq "<id>"]',
    'remove with path members[value eq "<id>"] removes that member only',
    needs=NEEDS,
    mutating=True,
)
def test_remove_filter(target: Target) -> None:
    first, second, third = member_pool_ids(target)
    group = target.create_group("remove-filter", members=[first, second, third])
    response = _patched(target, group["id"], operation("remove", f'members[value eq "{second}"]'))
    _expect_members(
        target,
        group["id"],
        [first, third],
        f"only {second!r} removed, the other two kept",
        response,
    )


@check(
    "groups.patch.remove-valuelist",
    "Entra [K] 'remove member' without aadOptscim062020 and [T] 'Update Group [Remove "
    "Members]' (not RFC 7644 syntax: §3.5.2.2 defines no value for remove)",
    "remove with path 'members' and a value list removes only the listed members, never all",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_remove_valuelist(target: Target) -> None:
    """Entra's default member removal is ``{"op":"Remove","path":"members",
    "value":[{"$ref":null,"value":"<id>"}]}``. Read by the RFC letter (a
    path without filter removes all values) it empties the whole group —
    checks-catalog vendor bug 16. Under the RFC profile the shape is not
    standard, so a failure is a warning."""
    first, second, third = member_pool_ids(target)
    group = target.create_group("remove-valuelist", members=[first, second, third])
    items = [{"$ref": None, "value": first}, {"$ref": None, "value": second}]
    response = _patched(target, group["id"], operation(_entra(target, "remove"), "members", items))
    _expect_members(
        target,
        group["id"],
        [third],
        f"only the listed {first!r} and {second!r} removed; {third!r} kept",
        response,
    )


@check(
    "groups.patch.remove-all",
    "RFC 7644 §3.5.2.2",
    "remove with path 'members' and no value removes every member",
    needs=NEEDS,
    mutating=True,
)
def test_remove_all(target: Target) -> None:
    first, second, _ = member_pool_ids(target)
    group = target.create_group("remove-all", members=[first, second])
    response = _patched(target, group["id"], operation("remove", "members"))
    _expect_members(
        target,
        group["id"],
        (),
        "a multi-valued attribute without filter: all values removed, the attribute unassigned",
        response,
    )


# --------------------------------------------------------------------------
# rename
# --------------------------------------------------------------------------


@check(
    "groups.patch.rename-path",
    "RFC 7644 §3.5.2.3",
    'replace with path "displayName" renames the group and leaves its members',
    needs=NEEDS,
    mutating=True,
)
def test_rename_path(target: Target) -> None:
    first = member_pool_ids(target)[0]
    group = target.create_group("rename", members=[first])
    new = target.unique("renamed")
    response = _patched(target, group["id"], operation("replace", "displayName", new))
    state = _expect_members(target, group["id"], [first], "a rename keeps members", response)
    _expect_name(state, new, response)


@check(
    "groups.patch.rename-pathless",
    "RFC 7644 §3.5.2.3 (path omitted: the value names the attributes to replace); Okta push "
    'groups rename {"op":"replace","value":{"id":…,"displayName":…}}',
    "Okta's path-less replace of {id, displayName} renames the group (the unchanged id is no "
    "modification)",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_rename_pathless(target: Target) -> None:
    """The value repeats the readOnly ``id`` with its current value; replacing
    a value by itself modifies nothing, so no ``mutability`` error is due. The
    RFC does not say so in words, hence ``should`` outside the Okta profile."""
    first = member_pool_ids(target)[0]
    group = target.create_group("rename-okta", members=[first])
    new = target.unique("renamed-okta")
    response = _patched(
        target, group["id"], operation("replace", value={"id": group["id"], "displayName": new})
    )
    state = _expect_members(target, group["id"], [first], "a rename keeps members", response)
    _expect_name(state, new, response)
    ensure(
        state.get("id") == group["id"],
        f"id {group['id']!r} unchanged",
        f"id {state.get('id')!r}",
        response,
    )


# --------------------------------------------------------------------------
# the answer, and User.groups
# --------------------------------------------------------------------------


@check(
    "groups.patch.response",
    "RFC 7644 §3.5.2 (200 and the entire resource, or 204)",
    "a membership PATCH answers 200 with the whole group as a GET shows it, or 204 with no body",
    needs=NEEDS,
    mutating=True,
)
def test_response(target: Target) -> None:
    """Both answers are allowed (Entra prefers 204 for groups, Okta takes
    either); a 200 must carry the *entire* resource, so its members must be
    the ones a following GET shows — for an add and for a remove."""
    first, second, _ = member_pool_ids(target)
    group = target.create_group("response", members=[first])
    for op in (
        operation("add", "members", [member(second)]),
        operation("remove", f'members[value eq "{first}"]'),
    ):
        response = _patched(target, group["id"], op)
        state = _state(target, group["id"])
        if response.status == 204:
            ensure(
                not response.text.strip(),
                "no body with 204 No Content (RFC 9110 §15.3.5)",
                f"a body of {len(response.text)} characters",
                response,
            )
            continue
        body = expect_resource(response, 200, what="200 with the resource")
        ensure(
            body.get("id") == group["id"],
            f"the resource of group {group['id']!r}",
            f"id {body.get('id')!r}",
            response,
        )
        ensure(
            sorted(member_values(body)) == sorted(member_values(state))
            and body.get("displayName") == state.get("displayName"),
            "the entire resource: members and displayName as a following GET shows them "
            f"({sorted(member_values(state))})",
            f"the 200 body shows members {sorted(member_values(body))}, "
            f"displayName {body.get('displayName')!r}",
            response,
            Comparison(
                "the group as a following GET shows it vs the 200 body (displayName, members)",
                _gist(state),
                _gist(body),
            ),
        )


def _gist(group: Mapping[str, Any]) -> dict[str, Any]:
    """What a membership answer is judged on: the name and the member values (sorted)."""
    members = [{"value": value} for value in sorted(member_values(group))]
    return {"displayName": group.get("displayName"), "members": members}


@check(
    "groups.user-groups",
    "RFC 7643 §4.1.2 (User 'groups': the groups the user belongs to, readOnly; support "
    "is not required, hence should)",
    "a user's 'groups' lists a group after the user is added to it and not after removal",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_user_groups(target: Target) -> None:
    user = target.create_user("user-groups")
    group = target.create_group("user-groups")

    def listed(response: ScimResponse, when: str) -> list[dict[str, Any]]:
        state = expect_resource(
            target.get(f"/Users/{user['id']}"), 200, what=f"GET of the user {when}"
        )
        groups = state.get("groups") or []
        ensure(
            isinstance(groups, list),
            "'groups' as a list (multi-valued, RFC 7643 §4.1.2)",
            f"groups = {str(groups)[:200]}",
            response,
        )
        return [item for item in groups if isinstance(item, dict)]

    added = _patched(target, group["id"], operation("add", "members", [member(user["id"])]))
    after_add = listed(added, "after the add")
    values = [str(item.get("value")) for item in after_add]
    ensure(
        values.count(group["id"]) == 1,
        f"the user's 'groups' to list {group['id']!r} once after the add",
        f"groups values {values}",
        added,
    )
    for item in after_add:
        if item.get("value") == group["id"] and item.get("type") is not None:
            ensure(
                item["type"] in ("direct", "indirect"),
                '\'type\' "direct" or "indirect" (RFC 7643 §4.1.2 canonical values)',
                f"type = {item['type']!r}",
                added,
            )
    removed = _patched(
        target, group["id"], operation("remove", f'members[value eq "{user["id"]}"]')
    )
    values = [str(item.get("value")) for item in listed(removed, "after the removal")]
    ensure(
        group["id"] not in values,
        f"the user's 'groups' no longer to list {group['id']!r} after the removal",
        f"groups values {values}",
        removed,
    )


# --------------------------------------------------------------------------
# whole IdP sequences
# --------------------------------------------------------------------------


def _lookup_is_empty(target: Target, name: str, **extra: str) -> None:
    """The IdP's look-up before create: displayName eq → 200, no Resources."""
    if not usable(target, "filter"):
        return
    response = target.get("/Groups", params={"filter": f'displayName eq "{name}"', **extra})
    body = expect_list(response, what="the look-up by displayName before create")
    ensure(
        not resources_of(body) and body.get("totalResults") == 0,
        "no group yet: totalResults 0 (RFC 7644 §3.4.2)",
        f"totalResults {body.get('totalResults')!r}",
        response,
    )


@check(
    "groups.patch.okta-push",
    "Okta push groups (okta-provisioning.md): lookup, POST members [], PATCH add with display, "
    "PATCH remove filter + add, path-less rename, DELETE; RFC 7644 §3.3, §3.5.2, §3.6",
    "Okta's whole group-push sequence works and leaves the group as Okta intends",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_okta_push(target: Target) -> None:
    first, second, third = member_pool(target)
    name = target.unique("okta-push")
    _lookup_is_empty(target, name, startIndex="1", count="100")
    created = target.post("/Groups", {"schemas": [GROUP_URN], "displayName": name, "members": []})
    group = expect_resource(created, 201, what="Okta's group create")
    gid = group["id"]

    def okta_member(user: Mapping[str, Any]) -> dict[str, Any]:
        return member(user["id"], display=user["userName"])

    response = _patched(
        target, gid, operation("add", "members", [okta_member(first), okta_member(second)])
    )
    _expect_members(
        target, gid, resource_ids([first, second]), "the two members Okta added", response
    )
    response = _patched(
        target,
        gid,
        operation("remove", f'members[value eq "{first["id"]}"]'),
        operation("add", "members", [okta_member(third)]),
    )
    _expect_members(
        target,
        gid,
        resource_ids([second, third]),
        "one removed and one added in one PATCH",
        response,
    )
    new = target.unique("okta-push-renamed")
    response = _patched(target, gid, operation("replace", value={"id": gid, "displayName": new}))
    state = _expect_members(
        target, gid, resource_ids([second, third]), "a rename keeps members", response
    )
    _expect_name(state, new, response)
    expect_status(target.delete(f"/Groups/{gid}"), 204, what="Okta's unlink with delete")


@check(
    "groups.patch.entra-sequence",
    "Entra [T] 'Group Operations' and [K] legacy PATCH: lookup with excludedAttributes, POST "
    "with the Microsoft URN, Add members ($ref null), Replace displayName, Remove with a value "
    "list, DELETE",
    "Entra's whole group-sync sequence works and leaves the group as Entra intends",
    rfc="skip",
    needs=NEEDS,
    mutating=True,
)
def test_entra_sequence(target: Target) -> None:
    first, second, third = member_pool_ids(target)
    name = target.unique("entra-sync")
    _lookup_is_empty(target, name, excludedAttributes="members")
    created = target.post(
        "/Groups",
        {
            "schemas": [GROUP_URN, MICROSOFT_GROUP_URN],
            "externalId": f"ext-{name}",
            "displayName": name,
            "meta": {"resourceType": "Group"},
        },
    )
    gid = expect_resource(created, 201, what="Entra's group create")["id"]
    read = target.get(f"/Groups/{gid}", params={"excludedAttributes": "members"})
    expect_resource(read, 200, what="Entra's read of the group")
    items = [{"$ref": None, "value": value} for value in (first, second, third)]
    response = _patched(target, gid, operation("Add", "members", items))
    _expect_members(target, gid, [first, second, third], "the three members Entra added", response)
    new = target.unique("entra-sync-renamed")
    response = _patched(target, gid, operation("Replace", "displayName", new))
    _expect_name(_state(target, gid), new, response)
    response = _patched(
        target, gid, operation("Remove", "members", [{"$ref": None, "value": second}])
    )
    _expect_members(
        target, gid, [first, third], f"only {second!r} removed (legacy value list)", response
    )
    expect_status(target.delete(f"/Groups/{gid}"), 204, what="Entra's group delete")
