"""Entra ID: the steps of Microsoft's SCIM Validator and of the provisioning service.

Each check replays one request (or one short sequence) that Microsoft Entra
sends, with the body shapes Microsoft publishes, and judges the answer as
the Validator does, plus what Entra needs from it on its next cycle (it
matches users by ``userName``/``externalId`` and groups by ``displayName``
every cycle, so what a PATCH changed must be findable by filter):

* [T] "Tutorial: Develop and plan provisioning for a SCIM endpoint"
  (Microsoft Learn, ``use-scim-to-provision-users-and-groups.md``): Test
  Connection (a userName filter with a random GUID → 200, empty
  ListResponse); Create User (core + enterprise schemas, ``meta.resourceType``,
  ``roles: []``); Get User; Get User by query; Update User [Single-valued];
  Disable User; Delete User (204); Create Group (the ADSCIM URN in
  ``schemas``, no members); Get Group and Get Group by displayName with
  ``excludedAttributes=members``; Update Group [Non-member attributes]
  (``Replace displayName``); [Add Members] (``Add`` with ``"$ref": null``);
  Delete Group; manager by ``Add path "manager"`` with a one-element array.
* [K] "Known issues … SCIM 2.0 protocol compliance": the **legacy** shapes
  the service sends by default (``Replace`` per path, ``"False"`` as a string,
  ``Remove path members`` with a value list) and the **compliant** ones sent
  when the tenant URL carries ``?aadOptscim062020`` (boolean ``false``, one
  path-less ``replace`` with dotted and URN-prefixed keys, ``remove`` with
  ``members[value eq "…"]``).
* The SCIM Validator (scimvalidator.microsoft.com, [V]) runs those steps as
  "POST /Users - Create User", "PATCH /Users/Id - Patch User - Disable User"
  (failing with "Response from a GET and filter request on a disabled User
  should have attribute active"), group tests when enabled, and so on; its
  full test list is not published.

Rules: RFC 7644 §3.3, §3.4.1, §3.4.2 (+ §3.4.2.2 filters, §3.4.2.5
``excludedAttributes``), §3.5.2 (PATCH), §3.6 (DELETE), §3.12; RFC 7643
§4.1.1, §4.2, §4.3 (enterprise ``manager``). Levels: ``must`` under
``entra``, ``skip`` under ``okta``; under ``rfc`` ``should`` where the body
is RFC syntax, ``skip`` where it relies on an Entra quirk the RFC does not
require (capitalised ``op``, string booleans, dotted keys, a value list on
``remove``, an undeclared URN in ``schemas``, an array for single-valued
``manager``).
"""

from __future__ import annotations

import uuid
from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_list,
    expect_resource,
    expect_status,
    ids_of,
    precondition,
    resources_of,
)
from harness.conformance.registry import check
from harness.conformance.support import (
    ENTRA_ONLY,
    MICROSOFT_GROUP_URN,
    Levels,
    enterprise_part,
    expect_patch_success,
    manager_value,
    members_comparison,
    renamed,
)
from harness.conformance.target import Target
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP_URN, USER_URN

#: An Entra replay: RFC-valid requests in Entra's exact shapes (IdP levels: levels.py).
ENTRA: Levels = {"rfc": "should"}
T = "Entra [T]"
K = "Entra [K]"
USERS_PATCH = ("patch",)
GROUPS_PATCH = ("Groups", "patch")


# -- helpers --------------------------------------------------------------------


def _entra_user_body(target: Target, label: str) -> dict[str, Any]:
    """[T] "Create User": the body the provisioning service POSTs, fresh values."""
    user_name = target.user_name(label)
    local = user_name.split("@", 1)[0]
    return {
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "externalId": str(uuid.uuid4()),
        "userName": user_name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": f"{local}.mail@example.com"}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": f"givenName {local}",
            "familyName": local,
            "givenName": "givenName",
        },
        "roles": [],
    }


def _create(target: Target, label: str, *, setup: bool = True) -> tuple[dict[str, Any], str]:
    """POST Entra's body; (the body sent, the resource path). 201 is what Entra expects."""
    body = _entra_user_body(target, label)
    response = target.post("/Users", body)
    if setup:
        with precondition("Entra's Create User"):
            created = expect_resource(response, 201, what="POST /Users")
    else:
        created = expect_resource(response, 201, what="201 Created (RFC 7644 §3.3)")
    body["id"] = created["id"]
    return body, f"/Users/{created['id']}"


def _shared_user(target: Target) -> dict[str, Any]:
    """One user created Entra's way, read (never changed) by the read steps."""

    def build(t: Target) -> dict[str, Any]:
        body, _ = _create(t, "entra-read")
        return body

    return target.shared("entra.user", build)


def _entra_filter(target: Target, endpoint: str, expression: str, **extra: str) -> ScimResponse:
    """A filter the way the Validator sends it: query-encoded (spaces as '+')."""
    params: dict[str, str | int] = dict(extra)
    params["filter"] = expression
    return target.get(endpoint, params=params)


def _expect_only(
    response: ScimResponse, resource_id: str, expression: str, why: str
) -> dict[str, Any]:
    """The ListResponse holds exactly the resource ``resource_id``; returns it."""
    body = expect_list(response, what=f"200 with a ListResponse for {expression}")
    ensure(
        ids_of(body) == {resource_id} and body.get("totalResults") == 1,
        f"{expression} to match exactly {resource_id} — {why}",
        f"ids {sorted(ids_of(body))}, totalResults = {body.get('totalResults')!r}",
        response,
    )
    return resources_of(body)[0]


def _expect_none(response: ScimResponse, expression: str, why: str) -> None:
    body = expect_list(response, what=f"200 with a ListResponse for {expression}")
    ensure(
        body.get("totalResults") == 0 and not resources_of(body),
        f"{expression} to match nothing — {why}",
        f"ids {sorted(ids_of(body))}, totalResults = {body.get('totalResults')!r}",
        response,
    )


def _state(target: Target, path: str, what: str = "GET after the PATCH") -> dict[str, Any]:
    return expect_resource(target.get(path), 200, what=what)


def _value(resource: dict[str, Any], key: str) -> Any:
    """A dotted attribute (``name.givenName``); a URN-prefixed key reads the extension."""
    if key.startswith(ENTERPRISE_USER_URN + ":"):
        return enterprise_part(resource).get(key[len(ENTERPRISE_USER_URN) + 1 :])
    node: Any = resource
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _work_email(resource: dict[str, Any]) -> Any:
    emails = resource.get("emails")
    for email in emails if isinstance(emails, list) else []:
        if isinstance(email, dict) and email.get("type") == "work":
            return email.get("value")
    return None


def _expect_values(
    resource: dict[str, Any], expected: dict[str, Any], response: ScimResponse, where: str
) -> None:
    wrong = []
    for key, value in expected.items():
        got = (
            _work_email(resource)
            if key == 'emails[type eq "work"].value'
            else _value(resource, key)
        )
        if got != value:
            wrong.append(f"{key} = {got!r} (expected {value!r})")
    ensure(not wrong, f"{where} to hold the values Entra sent", "; ".join(wrong), response)


def _member_ids(group: dict[str, Any]) -> set[str]:
    members = group.get("members")
    return {
        str(item.get("value"))
        for item in (members if isinstance(members, list) else [])
        if isinstance(item, dict)
    }


def _entra_group_body(target: Target) -> dict[str, Any]:
    """[T] "Create Group": core + ADSCIM URN, externalId, displayName, no members."""
    return {
        "schemas": [GROUP_URN, MICROSOFT_GROUP_URN],
        "externalId": str(uuid.uuid4()),
        "displayName": target.unique("entra-group"),
        "meta": {"resourceType": "Group"},
    }


def _group_with(target: Target, *member_ids: str) -> tuple[dict[str, Any], str]:
    """Setup: a group holding ``member_ids`` (POSTed with its members, as any client may)."""
    group = target.create_group("entra-group", members=list(member_ids))
    return group, f"/Groups/{group['id']}"


def _expect_members(
    target: Target, path: str, expected: set[str], response: ScimResponse, why: str
) -> None:
    """GET (members not excluded) lists exactly ``expected``; ``response`` is the PATCH."""
    group = _state(target, path, "GET of the group after the PATCH")
    found = _member_ids(group)
    ensure(
        found == expected,
        f"members exactly {sorted(expected)} — {why}",
        f"members {sorted(found)}",
        response,
        members_comparison("the group's members after the PATCH (order aside)", expected, found),
    )


def _disabled_everywhere(target: Target, body: dict[str, Any], response: ScimResponse) -> None:
    """The Validator's judgement after a disable: GET and filter both show active false."""
    expect_patch_success(response)
    path = f"/Users/{body['id']}"
    got = target.get(path)
    user = expect_resource(
        got,
        200,
        what="the disabled user still returned by GET ([T]: only a hard delete removes it)",
    )
    ensure(
        user.get("active") is False,
        "active false (a JSON boolean) on GET of the disabled user (Validator: 'Response from "
        "a GET and filter request on a disabled User should have attribute active')",
        f"active = {user.get('active')!r}",
        got,
    )
    expression = f'userName eq "{body["userName"]}"'
    listed = _entra_filter(target, "/Users", expression)
    found = _expect_only(listed, body["id"], expression, "a disabled user is still matched")
    ensure(
        found.get("active") is False,
        "active false on the disabled user in the filter result (the same Validator rule)",
        f"active = {found.get('active')!r}",
        listed,
    )


# -- users ----------------------------------------------------------------------


@check(
    "entra.service.test-connection",
    f"{T} 'Select Test Connection' (a random GUID as userName → 200, empty ListResponse); "
    "RFC 7644 §3.4.2",
    "a userName filter on a random GUID answers 200 with a ListResponse, totalResults 0",
    level="must",
    needs=("filter",),
)
def test_test_connection(target: Target) -> None:
    expression = f'userName eq "{uuid.uuid4()}"'
    _expect_none(
        _entra_filter(target, "/Users", expression),
        expression,
        "Entra's Test Connection fails on anything but 200 with an empty ListResponse",
    )


@check(
    "entra.validator.create-user",
    f"{T} 'Create User'; Validator 'POST /Users - Create User'; RFC 7644 §3.3; RFC 7643 §3.1",
    "POST /Users with Entra's body (enterprise schema, meta.resourceType, roles []) answers 201 "
    "with id, meta.created, meta.lastModified and the userName and externalId sent",
    **ENTRA,
    mutating=True,
)
def test_create_user(target: Target) -> None:
    """``meta`` is readOnly: a server must ignore it on create, not refuse the body."""
    body = _entra_user_body(target, "entra-create")
    response = target.post("/Users", body)
    created = expect_resource(
        response, 201, what="201 Created (the Validator fails a 200 here; RFC 7644 §3.3)"
    )
    raw_meta = created.get("meta")
    meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    missing = [key for key in ("created", "lastModified") if not meta.get(key)]
    ensure(
        not missing,
        "meta.created and meta.lastModified in the 201 body ([T] 'Create User' response; "
        "RFC 7643 §3.1)",
        "missing: " + ", ".join(f"meta.{key}" for key in missing),
        response,
    )
    _expect_values(
        created,
        {"userName": body["userName"], "externalId": body["externalId"], "active": True},
        response,
        "the 201 body",
    )


@check(
    "entra.validator.get-user",
    f"{T} 'Get User'; RFC 7644 §3.4.1",
    "GET /Users/{id} answers 200 with the user's id, userName, externalId and active",
    **ENTRA,
    mutating=True,
)
def test_get_user(target: Target) -> None:
    body = _shared_user(target)
    response = target.get(f"/Users/{body['id']}")
    found = expect_resource(response, 200)
    _expect_values(
        found,
        {
            "id": body["id"],
            "userName": body["userName"],
            "externalId": body["externalId"],
            "active": True,
        },
        response,
        "the user",
    )


@check(
    "entra.validator.filter-username",
    f"{T} 'Get User by query'; RFC 7644 §3.4.2.2",
    "GET /Users?filter=userName eq \"…\" (query-encoded, '+' for spaces) returns exactly the user",
    **ENTRA,
    needs=("filter",),
    mutating=True,
)
def test_filter_username(target: Target) -> None:
    body = _shared_user(target)
    expression = f'userName eq "{body["userName"]}"'
    _expect_only(
        _entra_filter(target, "/Users", expression),
        body["id"],
        expression,
        "Entra matches users by userName before it creates or updates them",
    )


@check(
    "entra.validator.filter-externalid",
    f"{T} requirements table (§3.4.2: query by externalId), example 1; RFC 7644 §3.4.2.2",
    'GET /Users?filter=externalId eq "<GUID>" returns exactly the user with that externalId',
    **ENTRA,
    needs=("filter",),
    mutating=True,
)
def test_filter_external_id(target: Target) -> None:
    body = _shared_user(target)
    expression = f'externalId eq "{body["externalId"]}"'
    _expect_only(
        _entra_filter(target, "/Users", expression),
        body["id"],
        expression,
        "Entra's matching attribute may be externalId (default mapping mailNickname)",
    )


@check(
    "entra.validator.update-username",
    f"{T} 'Update User [Single-valued properties]'; RFC 7644 §3.5.2.3, §3.4.2.2",
    "PATCH Replace userName changes it: the new userName finds the user, the old one nothing",
    **ENTRA_ONLY,
    needs=("filter", "patch"),
    mutating=True,
)
def test_update_username(target: Target) -> None:
    """Entra matches by userName next cycle; a stale index makes it create a duplicate."""
    body, path = _create(target, "entra-rename")
    # A refused rename is attr.user.username.replace's failure; here it blocks.
    user, response = renamed(target, body, op="Replace")
    new_name = user["userName"]
    _expect_values(_state(target, path), {"userName": new_name}, response, "the user")
    new = f'userName eq "{new_name}"'
    _expect_only(
        _entra_filter(target, "/Users", new), body["id"], new, "Entra's next match by userName"
    )
    old = f'userName eq "{body["userName"]}"'
    _expect_none(
        _entra_filter(target, "/Users", old), old, "the old userName no longer belongs to anyone"
    )


@check(
    "entra.legacy.update-replace",
    f"{K} 'Requests to replace multiple attributes — without feature flag'; RFC 7644 §3.5.2.3",
    "six Replace operations (displayName, work e-mail, givenName, familyName, externalId, "
    "enterprise employeeNumber) all apply, and the new externalId finds the user",
    **ENTRA_ONLY,
    needs=("filter", "patch"),
    mutating=True,
)
def test_legacy_update_replace(target: Target) -> None:
    body, path = _create(target, "entra-legacy")
    external = str(uuid.uuid4())
    changes = {
        "displayName": "Pvlo",
        'emails[type eq "work"].value': f"{target.unique('pvlo')}@example.com",
        "name.givenName": "Gtfd",
        "name.familyName": "Pkqf",
        "externalId": external,
        f"{ENTERPRISE_USER_URN}:employeeNumber": "Eqpj",
    }
    ops = [operation("Replace", key, value) for key, value in changes.items()]
    response = target.patch(path, patch_body(*ops))
    expect_patch_success(response)
    after = _state(target, path)
    _expect_values(after, changes, response, "the user after the six Replace operations")
    _expect_values(
        after,
        {"name.formatted": body["name"]["formatted"], "userName": body["userName"]},
        response,
        "the attributes no operation named (unchanged)",
    )
    expression = f'externalId eq "{external}"'
    _expect_only(
        _entra_filter(target, "/Users", expression),
        body["id"],
        expression,
        "Entra's next match by externalId",
    )


@check(
    "entra.compliant.update-dotted",
    f"{K} 'Requests to replace multiple attributes — with feature flag' (aadOptscim062020); "
    "RFC 7644 §3.5.2.3, §3.10",
    "a work-email replace plus one path-less replace whose value has dotted keys "
    "(name.givenName, name.familyName) and a URN-prefixed employeeNumber applies every key",
    **ENTRA_ONLY,
    needs=("patch",),
    mutating=True,
)
def test_compliant_update_dotted(target: Target) -> None:
    """Dotted keys are not RFC syntax for a value object; ignoring them loses updates silently."""
    body, path = _create(target, "entra-dotted")
    email = f"{target.unique('mhvaes')}@example.com"
    pathless = {
        "displayName": "Bjfe",
        "name.givenName": "Kkom",
        "name.familyName": "Unua",
        f"{ENTERPRISE_USER_URN}:employeeNumber": "Aklq",
    }
    response = target.patch(
        path,
        patch_body(
            operation("replace", 'emails[type eq "work"].value', email),
            operation("replace", value=pathless),
        ),
    )
    expect_patch_success(response)
    after = _state(target, path)
    _expect_values(
        after,
        {'emails[type eq "work"].value': email, **pathless},
        response,
        "the user after the compliant replace",
    )
    _expect_values(
        after,
        {"name.formatted": body["name"]["formatted"], "userName": body["userName"]},
        response,
        "the attributes no key named (unchanged)",
    )


@check(
    "entra.legacy.disable-user-string",
    f"{K} 'Requests made to disable users — without feature flag' ('False' as a string); "
    "Validator 'Patch User - Disable User'",
    'PATCH Replace active "False" disables the user: GET and a userName filter both return '
    "it with active false (a boolean)",
    **ENTRA_ONLY,
    needs=("filter", "patch"),
    mutating=True,
)
def test_legacy_disable_string(target: Target) -> None:
    body, path = _create(target, "entra-disable-str")
    response = target.patch(path, patch_body(operation("Replace", "active", "False")))
    _disabled_everywhere(target, body, response)


@check(
    "entra.compliant.disable-user",
    f"{K} 'Requests made to disable users — with feature flag'; Validator 'Patch User - "
    "Disable User'; RFC 7644 §3.5.2.3",
    "PATCH replace active false disables the user: GET and a userName filter both return it "
    "with active false",
    **ENTRA,
    needs=("filter", "patch"),
    mutating=True,
)
def test_compliant_disable(target: Target) -> None:
    body, path = _create(target, "entra-disable")
    response = target.patch(path, patch_body(operation("replace", "active", False)))
    _disabled_everywhere(target, body, response)


@check(
    "entra.validator.update-manager",
    f"{T} example 5 ('Add' path \"manager\", a one-element array with $ref and value); "
    "Microsoft SCIM validation 'SCIM_Update_Manager_Test' (set, then change); RFC 7643 §4.3",
    "PATCH Add manager [{$ref, value}] sets the enterprise manager, and a Replace of the same "
    "shape changes it",
    **ENTRA_ONLY,
    needs=USERS_PATCH,
    mutating=True,
)
def test_update_manager(target: Target) -> None:
    """``manager`` is single-valued complex; Entra still sends an array of one."""
    _, path = _create(target, "entra-report")
    first = target.create_user("entra-boss")["id"]
    second = target.create_user("entra-boss2")["id"]
    for op, manager_id in (("Add", first), ("Replace", second)):
        value = [{"$ref": f"{target.client.base_url}/Users/{manager_id}", "value": manager_id}]
        response = target.patch(path, patch_body(operation(op, "manager", value)))
        expect_patch_success(response, f" for {op} manager")
        after = _state(target, path)
        manager = enterprise_part(after).get("manager")
        got = manager_value(after)
        ensure(
            got == manager_id,
            f"{ENTERPRISE_USER_URN}.manager.value = {manager_id!r} after '{op}' (a one-element "
            "array read as the single value, RFC 7643 §4.3)",
            f"manager = {manager!r}",
            response,
        )


@check(
    "entra.validator.delete-user",
    f"{T} 'Delete User' (204); RFC 7644 §3.6",
    "DELETE /Users/{id} answers 204; GET then answers 404 and a userName filter nothing",
    **ENTRA,
    needs=("filter",),
    mutating=True,
)
def test_delete_user(target: Target) -> None:
    body, path = _create(target, "entra-delete")
    response = target.delete(path)
    expect_status(response, 204, what="204 No Content ([T] 'Delete User'; RFC 7644 §3.6)")
    expect_error(target.get(path), 404, what="GET of the deleted user (RFC 7644 §3.6)")
    expression = f'userName eq "{body["userName"]}"'
    _expect_none(_entra_filter(target, "/Users", expression), expression, "the user was deleted")


# -- groups ---------------------------------------------------------------------


@check(
    "entra.validator.create-group",
    f"{T} 'Create Group' (schemas with the ADSCIM URN, no members); RFC 7644 §3.3",
    "POST /Groups with Entra's body (an extra Microsoft URN in schemas, meta.resourceType, "
    "no members) answers 201 with an id and the displayName and externalId sent",
    **ENTRA_ONLY,
    needs=("Groups",),
    mutating=True,
)
def test_create_group(target: Target) -> None:
    body = _entra_group_body(target)
    response = target.post("/Groups", body)
    created = expect_resource(response, 201, what="201 Created (RFC 7644 §3.3)")
    _expect_values(
        created,
        {"displayName": body["displayName"], "externalId": body["externalId"]},
        response,
        "the 201 body",
    )
    ensure(
        not _member_ids(created),
        "no members: the group was created empty",
        f"members {sorted(_member_ids(created))}",
        response,
    )


@check(
    "entra.validator.get-group",
    f"{T} 'Get Group' (GET /Groups/{{id}}?excludedAttributes=members); RFC 7644 §3.4.2.5",
    "GET /Groups/{id}?excludedAttributes=members answers 200 with id and displayName and "
    "without members",
    **ENTRA,
    needs=("Groups",),
    mutating=True,
)
def test_get_group(target: Target) -> None:
    user = target.create_user("entra-member")["id"]
    group, path = _group_with(target, user)
    response = target.get(path, params={"excludedAttributes": "members"})
    found = expect_resource(response, 200)
    _expect_values(
        found, {"id": group["id"], "displayName": group["displayName"]}, response, "the group"
    )
    ensure(
        "members" not in found,
        "no 'members' attribute: excludedAttributes=members (RFC 7644 §3.4.2.5; Entra asks so "
        "as not to load large groups)",
        f"members = {found.get('members')!r}",
        response,
    )


@check(
    "entra.validator.filter-group",
    f"{T} 'Get Group by displayName' (GET /Groups?excludedAttributes=members&filter=…); "
    "RFC 7644 §3.4.2.2, §3.4.2.5",
    'GET /Groups?excludedAttributes=members&filter=displayName eq "…" returns exactly the '
    "group, without members",
    **ENTRA,
    needs=("Groups", "filter"),
    mutating=True,
)
def test_filter_group(target: Target) -> None:
    user = target.create_user("entra-member")["id"]
    group, _ = _group_with(target, user)
    expression = f'displayName eq "{group["displayName"]}"'
    response = _entra_filter(target, "/Groups", expression, excludedAttributes="members")
    found = _expect_only(
        response, group["id"], expression, "Entra matches groups by displayName every cycle"
    )
    ensure(
        "members" not in found,
        "no 'members' in the listed group (excludedAttributes=members, RFC 7644 §3.4.2.5)",
        f"members = {found.get('members')!r}",
        response,
    )


@check(
    "entra.validator.group-add-members",
    f"{T} 'Update Group [Add Members]' (Add, \"$ref\": null; several members per request); "
    "RFC 7644 §3.5.2.1",
    "PATCH Add members with two values whose $ref is null adds exactly those two to an empty group",
    **ENTRA_ONLY,
    needs=GROUPS_PATCH,
    mutating=True,
)
def test_group_add_members(target: Target) -> None:
    response = target.post("/Groups", _entra_group_body(target))
    with precondition("Entra's Create Group"):
        group = expect_resource(response, 201, what="POST /Groups")
    path = f"/Groups/{group['id']}"
    first = target.create_user("entra-m1")["id"]
    second = target.create_user("entra-m2")["id"]
    members = [{"$ref": None, "value": first}, {"$ref": None, "value": second}]
    patched = target.patch(path, patch_body(operation("Add", "members", members)))
    expect_patch_success(patched, " ([T] expects 204)")
    _expect_members(target, path, {first, second}, patched, "both users added")


@check(
    "entra.legacy.group-remove-member",
    f"{K} 'Requests to remove a group member — without feature flag' (Remove, path members, "
    "a value list); RFC 7644 §3.5.2.2",
    "PATCH Remove path members with value [{value: id}] removes only that member, not the "
    "whole membership",
    **ENTRA_ONLY,
    needs=GROUPS_PATCH,
    mutating=True,
)
def test_legacy_remove_member(target: Target) -> None:
    """By the RFC letter a remove of ``members`` without a filter empties the group;
    Entra means "remove these values", and reading it literally wipes every group
    the moment one member leaves."""
    first = target.create_user("entra-m1")["id"]
    second = target.create_user("entra-m2")["id"]
    _, path = _group_with(target, first, second)
    patched = target.patch(path, patch_body(operation("Remove", "members", [{"value": first}])))
    expect_patch_success(patched)
    _expect_members(target, path, {second}, patched, "only the listed member removed")


@check(
    "entra.compliant.group-remove-member",
    f"{K} 'Requests to remove a group member — with feature flag'; RFC 7644 §3.5.2.2",
    'PATCH remove path members[value eq "id"] removes only that member',
    **ENTRA,
    needs=GROUPS_PATCH,
    mutating=True,
)
def test_compliant_remove_member(target: Target) -> None:
    first = target.create_user("entra-m1")["id"]
    second = target.create_user("entra-m2")["id"]
    _, path = _group_with(target, first, second)
    patched = target.patch(path, patch_body(operation("remove", f'members[value eq "{first}"]')))
    expect_patch_success(patched)
    _expect_members(target, path, {second}, patched, "only the member the filter names removed")


@check(
    "entra.validator.rename-group",
    f"{T} 'Update Group [Non-member attributes]' (Replace displayName, 204 expected); "
    "RFC 7644 §3.5.2.3",
    "PATCH Replace displayName renames the group, keeps its members, and the new name finds it",
    **ENTRA_ONLY,
    needs=("Groups", "patch", "filter"),
    mutating=True,
)
def test_rename_group(target: Target) -> None:
    user = target.create_user("entra-member")["id"]
    group, path = _group_with(target, user)
    new_name = target.unique("entra-renamed")
    patched = target.patch(path, patch_body(operation("Replace", "displayName", new_name)))
    expect_patch_success(patched, " ([T] expects 204)")
    _expect_members(target, path, {user}, patched, "a rename leaves the membership alone")
    expression = f'displayName eq "{new_name}"'
    response = _entra_filter(target, "/Groups", expression, excludedAttributes="members")
    _expect_only(response, group["id"], expression, "Entra's next match by displayName")


@check(
    "entra.validator.delete-group",
    f"{T} 'Delete Group' (204); RFC 7644 §3.6",
    "DELETE /Groups/{id} answers 204; GET then answers 404 and a displayName filter nothing",
    **ENTRA,
    needs=("Groups", "filter"),
    mutating=True,
)
def test_delete_group(target: Target) -> None:
    user = target.create_user("entra-member")["id"]
    group, path = _group_with(target, user)
    response = target.delete(path)
    expect_status(response, 204, what="204 No Content ([T] 'Delete Group'; RFC 7644 §3.6)")
    expect_error(target.get(path), 404, what="GET of the deleted group (RFC 7644 §3.6)")
    expression = f'displayName eq "{group["displayName"]}"'
    _expect_none(
        _entra_filter(target, "/Groups", expression, excludedAttributes="members"),
        expression,
        "the group was deleted",
    )
