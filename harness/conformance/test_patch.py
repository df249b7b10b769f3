"""PATCH protocol on Users (RFC 7644 §3.5.2): the envelope, errors, atomicity, the answer.

Covers what a PATCH request is and how a refusal looks, not where a path
points (add/replace/remove semantics are in ``test_patch_paths.py``):

* the PatchOp envelope — ``schemas`` (§3.5.2), ``op`` names and their case,
  an empty or unknown operation, a body that is not JSON (§3.12);
* refusals that must leave the resource exactly as it was — atomicity
  (§3.5.2 "SHALL be treated as atomic … the original SCIM resource MUST be
  restored"), remove without path or of a required attribute (§3.5.2.2),
  malformed paths (§3.12 Table 9 ``invalidPath``), readOnly and immutable
  attributes (§3.5.2; RFC 7643 §2.2), values of the wrong type;
* the answer — 200 with the whole resource or 204, 200 when ``attributes``
  is given, a no-op that keeps ``meta.lastModified`` (§3.5.2, §3.5.2.1);
* the exact bodies the IdPs send: Okta's path-less deactivate, reactivate and
  password push (okta-provisioning.md), Entra's capitalised ops, string
  booleans, dotted path-less keys, manager shapes and group rename
  (entra-provisioning.md; Microsoft Learn [T] "Tutorial: Develop and plan
  provisioning for a SCIM endpoint" and [K] "Known issues … SCIM 2.0
  protocol compliance"). Those bodies are sent verbatim, with fresh values.

Levels: an RFC MUST/SHALL is ``must``; a *policy* row (the RFC does not say
how to treat a client's malformed envelope) is ``should`` and accepts every
answer the RFC allows; an IdP quirk is ``must`` under that IdP's profile and
``skip`` elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.bodies_from_schema import (
    RENAMABLE,
    SINGULAR_STRING,
    attribute_for,
    declared_subset,
    declares,
)
from harness.conformance.discovery import enterprise_declared, require_enterprise
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_resource,
    precondition,
)
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.support import (
    ENTRA_ONLY,
    PATCH_SUCCESS,
    applied,
    compared,
    enterprise_part,
    expect_patch_success,
    manager_value,
    new_user,
    patch_comparison,
    state_after_patch,
    stored_given_name,
)
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP_URN, PATCH_OP_URN, USER_URN

NEEDS = ("patch",)
EXT = ENTERPRISE_USER_URN


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


#: What a PATCH result comparison shows: the core's reading of the request vs GET.
_AFTER_PATCH = "the User after the PATCH (meta aside): RFC 7644 §3.5.2 applied vs GET"


def _patch_evidence(
    before: dict[str, Any], body: Any
) -> Callable[[dict[str, Any]], Comparison | None]:
    """The evidence of a PATCH result, once GET has shown the state."""
    return lambda state: patch_comparison(_AFTER_PATCH, before, body, state)


def _core(resource: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in resource.items() if key != "meta"}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [
        f"{key}: {before.get(key)!r} → {after.get(key)!r}"
        for key in keys
        if before.get(key) != after.get(key)
    ]


def _expect_unchanged(
    target: Target, path: str, before: dict[str, Any], response: ScimResponse, why: str
) -> None:
    """GET shows the resource as it was before the refused PATCH (meta aside)."""
    after = state_after_patch(target, path)
    changes = _changes(_core(before), _core(after))
    ensure(
        not changes,
        f"the resource unchanged after the refused PATCH — {why}",
        "a GET afterwards shows " + "; ".join(changes)[:700],
        response,
        compared("the resource before vs after the refused PATCH (meta aside)", before, after),
    )


def _expect_refused(
    response: ScimResponse,
    scim_types: Sequence[str] | None,
    *,
    required: bool,
    rule: str,
    why: str = "",
) -> None:
    """HTTP 400 with an RFC 7644 §3.12 error body; ``scimType`` as the rule says.

    ``scimType`` is OPTIONAL in §3.12; where only Table 9 names the keyword
    (``required`` False) an absent one passes but a different one does not,
    since a wrong keyword misleads the client. Where the section itself
    names it (``noTarget`` in §3.5.2.2) it is required.
    """
    body = expect_error(response, 400, what=f"an error, since {why}" if why else "")
    if scim_types is None:
        return
    found = body.get("scimType")
    if found is None and not required:
        return
    names = " or ".join(repr(name) for name in scim_types)
    ensure(
        found in scim_types,
        f"scimType {names} ({rule}){'' if required else ', or no scimType'}",
        f"scimType = {found!r}",
        response,
    )


def _schemas(target: Target) -> list[dict[str, Any]]:
    """The schema definitions of ``GET /Schemas`` (RFC 7643 §7), [] when unreadable."""

    def build(t: Target) -> list[dict[str, Any]]:
        body = t.get("/Schemas").body
        items = body.get("Resources") if isinstance(body, dict) else body
        return [item for item in items or [] if isinstance(item, dict)]

    return target.shared("patch.schemas", build)


def _attributes(target: Target, schema_id: str) -> list[dict[str, Any]]:
    for schema in _schemas(target):
        if schema.get("id") == schema_id:
            return [a for a in schema.get("attributes") or [] if isinstance(a, dict)]
    return []


def _immutable_user_attribute(target: Target) -> str | None:
    """A writable-once string attribute of User the target declares (a path to it)."""
    sources = [(USER_URN, "")]
    if enterprise_declared(target):
        sources.append((EXT, f"{EXT}:"))
    for schema_id, prefix in sources:
        for attribute in _attributes(target, schema_id):
            if (
                attribute.get("mutability") == "immutable"
                and attribute.get("type") == "string"
                and not attribute.get("multiValued")
                and not attribute.get("required")
                and isinstance(attribute.get("name"), str)
            ):
                return f"{prefix}{attribute['name']}"
    return None


def _members_value_immutable(target: Target) -> bool:
    """Whether the Group schema declares ``members.value`` immutable (RFC 7643 §4.2)."""
    for attribute in _attributes(target, GROUP_URN):
        if str(attribute.get("name", "")).casefold() == "members":
            for sub in attribute.get("subAttributes") or []:
                if isinstance(sub, dict) and sub.get("name") == "value":
                    return bool(sub.get("mutability") == "immutable")
    return False


def _require_groups(target: Target) -> None:
    reason = target.capabilities.missing_reason("Groups", target.profile)
    if reason:
        pytest.skip(reason)


def _member_ids(group: dict[str, Any]) -> list[str]:
    return [str(m.get("value")) for m in group.get("members") or [] if isinstance(m, dict)]


def _work_values(user: dict[str, Any]) -> list[str]:
    return [
        str(e.get("value", "")).casefold()
        for e in user.get("emails") or []
        if isinstance(e, dict) and e.get("type") == "work"
    ]


# --------------------------------------------------------------------------
# The envelope
# --------------------------------------------------------------------------


@check(
    "patch.schema-required",
    "RFC 7644 §3.5.2 (policy; §3.12 Table 9 invalidSyntax)",
    "a PATCH body without the PatchOp URN in 'schemas' is refused with 400 invalidSyntax "
    "or, leniently, applied — never accepted and silently dropped",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_schema_required(target: Target) -> None:
    """The RFC says the body MUST carry the URN but not what a server does
    with a body that lacks it: strict 400 and lenient inference both pass
    (pitfalls §21); a 2xx that did nothing, or a 5xx, does not."""
    _, path = new_user(target, "schemaless")
    before = state_after_patch(target, path)
    new = target.unique("schemaless-renamed")
    response = target.patch(path, {"Operations": [operation("replace", "displayName", new)]})
    if response.status == 400:
        _expect_refused(
            response,
            ("invalidSyntax",),
            required=False,
            rule="RFC 7644 §3.12 Table 9: the body does not conform to the PatchOp schema",
        )
        _expect_unchanged(target, path, before, response, "a refused request changes nothing")
        return
    ensure(
        response.status in (200, 204),
        "HTTP 400 invalidSyntax (the body MUST carry 'schemas': [PatchOp URN], RFC 7644 "
        "§3.5.2), or a lenient 200/204 that applies the operation",
        describe(response),
        response,
    )
    state = state_after_patch(target, path)
    ensure(
        state.get("displayName") == new,
        f"a lenient 200/204 to have applied the operation: displayName {new!r}",
        f"GET shows displayName {state.get('displayName')!r} — accepted and dropped",
        response,
    )


@check(
    "patch.empty-operations",
    "RFC 7644 §3.5.2 (policy: 'Operations' is an array of one or more operations)",
    "a PATCH with an empty 'Operations' array is refused with 400 or answered as a no-op, "
    "never a server error and never a change",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_empty_operations(target: Target) -> None:
    _, path = new_user(target, "emptyops")
    before = state_after_patch(target, path)
    response = target.patch(path, {"schemas": [PATCH_OP_URN], "Operations": []})
    if response.status == 400:
        _expect_refused(
            response,
            ("invalidSyntax", "invalidValue"),
            required=False,
            rule="RFC 7644 §3.12 Table 9: a malformed request body",
        )
    else:
        ensure(
            response.status in (200, 204),
            "HTTP 400 (invalidSyntax: 'Operations' MUST hold one or more operations, RFC 7644 "
            "§3.5.2), or a 200/204 no-op",
            describe(response),
            response,
        )
    _expect_unchanged(target, path, before, response, "there was no operation to apply")


def _capitalised(target: Target, path: str, capitalised: dict[str, Any]) -> ScimResponse:
    """Send one operation with its op capitalised; when it is refused, the same operation
    in lower case must work, or the refusal is about the operation, not its case
    (``patch.remove.*`` and the others judge that) and the check is blocked."""
    response = target.patch(path, patch_body(capitalised))
    if response.status in (200, 204):
        return response
    lower = {**capitalised, "op": str(capitalised["op"]).lower()}
    with precondition(f"the same operation with 'op': {lower['op']!r} in lower case"):
        expect_patch_success(target.patch(path, patch_body(lower)))
    return response


@check(
    "patch.op-case",
    "RFC 7644 §3.5.2; Entra [T] 'General' (no case-sensitive match on 'op'), [K] samples",
    "'Add', 'Replace' and 'Remove' — Entra's capitalised op names — are accepted as "
    "add, replace and remove",
    rfc="should",
    needs=NEEDS,
    mutating=True,
)
def test_op_case(target: Target) -> None:
    """Entra capitalises ``op`` in every request it sends by default; a
    server that matches case-sensitively blocks every Entra update
    (checks-catalog vendor bug 1). The Add body is [K]'s, on nickName where
    the target declares it (else another optional string it declares)."""
    choice = attribute_for(target, SINGULAR_STRING)
    _, path = new_user(target, "opcase", **choice.omitted())
    response = _capitalised(target, path, operation("Add", choice.path, "Babs"))
    state = applied(target, path, response)
    ensure(
        choice.read(state) == "Babs",
        f"'op': 'Add' to set {choice.path} 'Babs' (Entra [K] 'add a single-value string "
        "attribute')",
        f"GET shows {choice.path} {choice.read(state)!r}",
        response,
    )
    new = target.unique("opcase-renamed")
    response = _capitalised(target, path, operation("Replace", "displayName", new))
    state = applied(target, path, response)
    ensure(
        state.get("displayName") == new,
        f"'op': 'Replace' to set displayName {new!r}",
        f"GET shows displayName {state.get('displayName')!r}",
        response,
    )
    response = _capitalised(target, path, operation("Remove", choice.path))
    state = applied(target, path, response)
    ensure(
        choice.read(state) is None,
        f"'op': 'Remove' to unassign {choice.path}",
        f"GET shows {choice.path} {choice.read(state)!r}",
        response,
    )


@check(
    "patch.not-json",
    "RFC 7644 §3.12 (invalidSyntax)",
    "a PATCH whose body is not JSON answers 400 with a SCIM error, not a 5xx or an HTML page",
    needs=NEEDS,
    mutating=True,
)
def test_not_json(target: Target) -> None:
    _, path = new_user(target, "notjson")
    before = state_after_patch(target, path)
    response = target.request(
        "PATCH",
        path,
        content='{"schemas": ["' + PATCH_OP_URN + '"], "Operations": [{"op": "replace",',
        headers={"Content-Type": "application/scim+json"},
    )
    _expect_refused(
        response,
        ("invalidSyntax",),
        required=False,
        rule="RFC 7644 §3.12 Table 9: the request body was invalid",
    )
    _expect_unchanged(target, path, before, response, "an unparsable request changes nothing")


@check(
    "patch.absent-404",
    "RFC 7644 §3.5.2; §3.12 (404: the specified resource does not exist)",
    "a PATCH on an id that does not exist answers 404 with a SCIM error body",
    needs=NEEDS,
    mutating=True,
)
def test_absent_404(target: Target) -> None:
    response = target.patch(
        f"/Users/{target.absent_id()}",
        patch_body(operation("replace", "displayName", target.unique("ghost"))),
    )
    expect_error(response, 404)


# --------------------------------------------------------------------------
# Refusals that must leave the resource as it was
# --------------------------------------------------------------------------

#: An id no resource of the run has; only sent as a value, never as a URL.
FOREIGN_ID = "2819c223-7f76-453a-919d-413861904646"

REFUSALS = [
    case(
        "patch.atomic",
        "RFC 7644 §3.5.2 (a PATCH SHALL be atomic; the original resource MUST be restored)",
        "when the second operation fails the PATCH answers 400 and the first operation's "
        "change is not kept",
        needs=NEEDS,
        mutating=True,
        ops=[
            operation("replace", "displayName", "scimh-atomic-first-op"),
            operation("remove"),
        ],
        scim=None,
        required=False,
        why="one operation failed, so none may apply",
    ),
    case(
        "patch.remove.no-path",
        "RFC 7644 §3.5.2.2 ('If \"path\" is unspecified … 400 … noTarget')",
        "'remove' without 'path' fails with 400 noTarget and changes nothing",
        needs=NEEDS,
        mutating=True,
        ops=[operation("remove")],
        scim=("noTarget",),
        required=True,
        why="remove needs a path",
    ),
    case(
        "patch.remove.required",
        "RFC 7644 §3.5.2.2 (removing a required attribute → error 'mutability')",
        "removing the required userName fails with 400 (mutability or invalidValue) and "
        "userName stays",
        needs=NEEDS,
        mutating=True,
        ops=[operation("remove", "userName")],
        scim=("mutability", "invalidValue"),
        required=True,
        why="userName is required (RFC 7643 §4.1.1)",
    ),
    case(
        "patch.invalid-path",
        "RFC 7644 §3.5.2; §3.12 Table 9 (invalidPath: 'path' invalid or malformed)",
        "a malformed path (an unclosed value filter) fails with 400 invalidPath",
        needs=NEEDS,
        mutating=True,
        ops=[operation("replace", 'emails[type eq "work"', "x@example.com")],
        scim=("invalidPath",),
        required=False,
        why="the path does not parse",
    ),
    case(
        "patch.readonly",
        "RFC 7644 §3.5.2 (a client MUST NOT modify a readOnly attribute); RFC 7643 §3.1 (id)",
        "replacing 'id' with another value fails with 400 mutability and the id stays",
        needs=NEEDS,
        mutating=True,
        ops=[operation("replace", "id", FOREIGN_ID)],
        scim=("mutability",),
        required=False,
        why="id is readOnly",
    ),
    case(
        "patch.readonly.meta",
        "RFC 7644 §3.5.2; RFC 7643 §3.1 (meta is readOnly)",
        "replacing 'meta.created' fails with 400 mutability",
        needs=NEEDS,
        mutating=True,
        ops=[operation("replace", "meta.created", "2001-01-01T00:00:00Z")],
        scim=("mutability",),
        required=False,
        why="meta is readOnly",
    ),
    case(
        "patch.readonly.groups",
        "RFC 7644 §3.5.2; RFC 7643 §4.1.2 (User 'groups' is readOnly)",
        "adding to a User's 'groups' fails with 400 (mutability) — membership is changed on "
        "the Group",
        needs=NEEDS,
        mutating=True,
        ops=[operation("add", "groups", [{"value": FOREIGN_ID}])],
        scim=("mutability", "invalidValue"),
        required=False,
        why="User.groups is readOnly",
    ),
    case(
        "patch.unknown-op",
        "RFC 7644 §3.5.2 ('op' is add, remove or replace; no JSON Patch 'move'); §3.12",
        "an operation 'move' fails with 400 (invalidSyntax) and changes nothing",
        needs=NEEDS,
        mutating=True,
        ops=[{"op": "move", "from": "displayName", "path": "nickName"}],
        scim=("invalidSyntax", "invalidValue"),
        required=False,
        why="'move' is not a SCIM PATCH operation",
    ),
    case(
        "patch.wrong-type",
        "RFC 7644 §3.5.2 (operations MUST be compatible with the attribute's type); "
        "§3.12 Table 9 invalidValue; RFC 7643 §2.3.2",
        "replacing the boolean 'active' with the string \"maybe\" fails with 400 invalidValue",
        needs=NEEDS,
        mutating=True,
        ops=[operation("replace", "active", "maybe")],
        scim=("invalidValue",),
        required=False,
        why="'maybe' is not a boolean",
    ),
]


@check_table(REFUSALS)
def test_refused(target: Target, case: Check) -> None:
    """Each case: a PATCH the RFC says must fail; the resource must be exactly
    as before (compared attribute by attribute, ``meta`` aside)."""
    _, path = new_user(target, "refused", **declared_subset(target, {"nickName": "Babs"}))
    before = state_after_patch(target, path)
    response = target.patch(path, patch_body(*case.params["ops"]))
    why = case.params["why"]
    scim, required = case.params["scim"], case.params["required"]
    undeclared = [
        str(op.get("path")) for op in case.params["ops"]
        if op.get("path") and not declares(target, str(op["path"]).split(".")[0].split("[")[0])
    ]  # fmt: skip
    if undeclared:
        # An attribute the target does not have: invalidPath is the fitting refusal
        # (RFC 7644 §3.12 Table 9), whatever the RFC's own characteristics say.
        scim = (*scim, "invalidPath")
        why += f"; the target does not declare {', '.join(undeclared)}"
    _expect_refused(response, scim, required=required, rule=case.rule, why=why)
    _expect_unchanged(target, path, before, response, why)


# --------------------------------------------------------------------------
# Immutable attributes
# --------------------------------------------------------------------------


def _immutable_subject(target: Target) -> str | None:
    """A User attribute declared immutable, or None to use Group ``members.value``."""
    attribute = _immutable_user_attribute(target)
    if attribute is not None:
        return attribute
    _require_groups(target)
    if not _members_value_immutable(target):
        pytest.skip(
            "the target's /Schemas declares no immutable User attribute and no immutable "
            "Group members.value to test with (RFC 7643 §2.2, §7)"
        )
    return None


def _user_without(target: Target, label: str, attribute: str) -> tuple[dict[str, Any], str]:
    """A User created without ``attribute`` (a core one is left out of the POST body)."""
    if attribute.startswith(f"{EXT}:"):
        return new_user(target, label)
    return new_user(target, label, **{attribute: ...})


def _value_at(resource: dict[str, Any], attribute: str) -> Any:
    if attribute.startswith(f"{EXT}:"):
        return enterprise_part(resource).get(attribute[len(EXT) + 1 :])
    return resource.get(attribute)


@check(
    "patch.immutable-add-ok",
    "RFC 7644 §3.5.2 (a client MAY 'add' a value to an immutable attribute with no "
    "previous value); RFC 7643 §2.2",
    "adding a value to an immutable attribute that has none succeeds",
    needs=NEEDS,
    mutating=True,
)
def test_immutable_add_ok(target: Target) -> None:
    """The attribute comes from the target's own /Schemas; with none on User,
    Group ``members.value`` (immutable in RFC 7643 §4.2) is the subject:
    adding the first member writes a value that had none."""
    attribute = _immutable_subject(target)
    if attribute is not None:
        _, path = _user_without(target, "immutable", attribute)
        value = target.unique("immutable")
        response = target.patch(path, patch_body(operation("add", attribute, value)))
        state = applied(target, path, response)
        got = _value_at(state, attribute)
        ensure(
            got == value,
            f"{attribute} = {value!r} after adding it where it had no value",
            f"GET shows {got!r}",
            response,
        )
        return
    member = target.create_user("immutable-member")
    group = target.create_group("immutable")
    path = f"/Groups/{group['id']}"
    response = target.patch(
        path, patch_body(operation("add", "members", [{"value": member["id"]}]))
    )
    state = applied(target, path, response)
    ensure(
        member["id"] in _member_ids(state),
        f"the new member {member['id']} listed: adding a members value (members.value is "
        "immutable, RFC 7643 §4.2) where none existed is allowed",
        f"GET shows members {_member_ids(state)!r}",
        response,
    )


@check(
    "patch.immutable-modify",
    "RFC 7644 §3.5.2 (a client MUST NOT modify an immutable attribute); §3.12 Table 9 "
    "mutability; RFC 7643 §2.2",
    "changing an immutable attribute that already has a value fails with 400 mutability",
    needs=NEEDS,
    mutating=True,
)
def test_immutable_modify(target: Target) -> None:
    attribute = _immutable_subject(target)
    if attribute is not None:
        _, path = _user_without(target, "immutable", attribute)
        first = target.patch(path, patch_body(operation("add", attribute, target.unique("a"))))
        applied(target, path, first)
        ops = [operation("replace", attribute, target.unique("b"))]
    else:
        first_member = target.create_user("immutable-a")
        second_member = target.create_user("immutable-b")
        group = target.create_group("immutable", members=[first_member["id"]])
        path = f"/Groups/{group['id']}"
        ops = [
            operation(
                "replace", f'members[value eq "{first_member["id"]}"].value', second_member["id"]
            )
        ]
    before = state_after_patch(target, path)
    response = target.patch(path, patch_body(*ops))
    _expect_refused(
        response,
        ("mutability",),
        required=False,
        rule="RFC 7644 §3.12 Table 9: modification of an immutable attribute with a value",
        why="the attribute is immutable and already has a value",
    )
    _expect_unchanged(target, path, before, response, "the attribute is immutable")


# --------------------------------------------------------------------------
# The answer
# --------------------------------------------------------------------------


@check(
    "patch.response",
    "RFC 7644 §3.5.2 (200 with the entire resource, or 204)",
    "a successful PATCH answers 200 with the whole updated resource (as GET shows it) or 204",
    needs=NEEDS,
    mutating=True,
)
def test_response(target: Target) -> None:
    """The PATCH changes displayName, or another mutable string the target declares."""
    choice = attribute_for(target, RENAMABLE)
    user, path = new_user(target, "response")
    new = target.unique("response-renamed")
    response = target.patch(path, patch_body(operation("replace", choice.path, new)))
    state = applied(target, path, response)
    ensure(
        choice.read(state) == new,
        f"GET after the PATCH to show {choice.path} {new!r}",
        f"{choice.path} {choice.read(state)!r}",
        response,
    )
    if response.status == 204:
        return
    body = expect_resource(response, 200, what=PATCH_SUCCESS)
    ensure(
        body.get("id") == user["id"],
        f"the 200 body to be the patched resource, id {user['id']!r}",
        f"id {body.get('id')!r}",
        response,
    )
    changes = _changes(_core(body), _core(state))
    ensure(
        not changes,
        "the 200 body to be the entire resource as it now is (RFC 7644 §3.5.2) — equal to a "
        "following GET",
        "body vs GET: " + "; ".join(changes)[:700],
        response,
        compared(
            "the resource as a following GET shows it vs the 200 body (meta aside)", state, body
        ),
    )


@check(
    "patch.response.attributes",
    "RFC 7644 §3.5.2 ('MUST return a 200 OK if the \"attributes\" parameter is specified'); §3.9",
    "a PATCH with ?attributes=userName answers 200 with only id, userName (and returned-always "
    "attributes)",
    needs=NEEDS,
    mutating=True,
)
def test_response_attributes(target: Target) -> None:
    user, path = new_user(target, "projected")
    new = target.unique("projected-renamed")
    response = target.patch(
        path,
        patch_body(operation("replace", "displayName", new)),
        params={"attributes": "userName"},
    )
    body = expect_resource(
        response,
        200,
        what="200 with the resource — not 204 — once 'attributes' is given (RFC 7644 §3.5.2)",
    )
    ensure(
        str(body.get("userName", "")).casefold() == user["userName"].casefold(),
        f"userName {user['userName']!r} in the projected body",
        f"userName {body.get('userName')!r}",
        response,
    )
    extra = sorted(name for name in ("displayName", "emails", "name", "active") if name in body)
    ensure(
        not extra,
        "only the requested attributes and those returned 'always' (RFC 7644 §3.9, §3.4.2.5)",
        f"also {', '.join(extra)}",
        response,
    )
    state = state_after_patch(target, path)
    ensure(
        state.get("displayName") == new,
        f"the PATCH applied: GET shows displayName {new!r}",
        f"displayName {state.get('displayName')!r}",
        response,
    )


@check(
    "patch.no-op-timestamp",
    "RFC 7644 §3.5.2.1 (an add of a value already present SHALL NOT change the modify "
    "timestamp); pitfalls §11",
    "adding an e-mail the user already has changes nothing, not even meta.lastModified or "
    "meta.version",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_no_op_timestamp(target: Target) -> None:
    """A *should*: the rule is a SHALL NOT, but the project reports it as a
    warning (pitfalls §11) because a timestamp is the only witness. The value
    re-added is the stored one, verbatim as GET returned it."""
    _, path = new_user(target, "noop", keep=("emails",))
    before = state_after_patch(target, path)
    emails = [e for e in before.get("emails") or [] if isinstance(e, dict)]
    ensure(emails, "the created user to have its e-mail (setup)", "no emails", None)
    time.sleep(0.02)  # a server that bumps the timestamp must show a different one
    response = target.patch(path, patch_body(operation("add", "emails", [emails[0]])))
    after = applied(target, path, response)
    ensure(
        after.get("emails") == before.get("emails"),
        "emails unchanged: the value was already present (RFC 7644 §3.5.2.1)",
        f"emails {after.get('emails')!r}",
        response,
    )
    meta_before, meta_after = before.get("meta") or {}, after.get("meta") or {}
    for key in ("lastModified", "version"):
        ensure(
            meta_after.get(key) == meta_before.get(key),
            f"meta.{key} unchanged by a PATCH that changed nothing",
            f"{meta_before.get(key)!r} → {meta_after.get(key)!r}",
            response,
        )


# --------------------------------------------------------------------------
# Okta's bodies (okta-provisioning.md "Deactivate / reactivate", "Password push")
# --------------------------------------------------------------------------


#: Verbatim bodies. Okta: okta-provisioning.md "Deactivate / reactivate" (Okta
#: SCIM 2.0 reference). Entra: [T] "Disable User"; [K] "Requests made to
#: disable users", without feature flag (the default today) — a string.
OKTA_DEACTIVATE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "value": {"active": False}}],
}
OKTA_REACTIVATE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "replace", "value": {"active": True}}],
}
ENTRA_DISABLE = {
    "Operations": [{"op": "Replace", "path": "active", "value": False}],
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
}
ENTRA_LEGACY_DISABLE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
}
ENTRA_LEGACY_ENABLE = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
}

ACTIVE_BODIES = [
    case(
        "patch.replace.pathless-okta",
        "RFC 7644 §3.5.2.3 (no path: the value holds the attributes to replace); Okta SCIM "
        "2.0 reference (deactivate)",
        'Okta\'s deactivate {"op":"replace","value":{"active":false}} sets active to false',
        needs=NEEDS,
        mutating=True,
        start=True,
        steps=[(OKTA_DEACTIVATE, False)],
    ),
    case(
        "patch.okta.reactivate",
        "RFC 7644 §3.5.2.3; Okta SCIM 2.0 reference (reactivate)",
        'Okta\'s reactivate {"op":"replace","value":{"active":true}} makes a deactivated user '
        "active again",
        needs=NEEDS,
        mutating=True,
        start=False,
        steps=[(OKTA_REACTIVATE, True)],
    ),
    case(
        "patch.entra.disable",
        "Entra [T] 'Disable User'",
        'Entra\'s disable {"op":"Replace","path":"active","value":false} sets active to false',
        needs=NEEDS,
        mutating=True,
        start=True,
        steps=[(ENTRA_DISABLE, False)],
        **ENTRA_ONLY,
    ),
    case(
        "patch.active-string",
        "Entra [K] 'Requests made to disable users — without feature flag' (a string value)",
        'Entra\'s legacy {"op":"Replace","path":"active","value":"False"} sets active to the '
        'boolean false, and "True" back to true',
        rfc="should",
        needs=NEEDS,
        mutating=True,
        start=True,
        steps=[(ENTRA_LEGACY_DISABLE, False), (ENTRA_LEGACY_ENABLE, True)],
    ),
]


@check_table(ACTIVE_BODIES)
def test_active_bodies(target: Target, case: Check) -> None:
    """The IdPs' (de)activation PATCHes, sent verbatim; GET must then show
    ``active`` as a JSON boolean. Entra's default mode sends ``"False"``: a
    server answering invalidValue blocks every Entra offboarding
    (checks-catalog vendor bug 2) — an RFC *should* (no RFC rule makes the
    string legal), an Entra *must*."""
    before, path = new_user(target, "active", active=case.params["start"])
    for body, wanted in case.params["steps"]:
        response = target.patch(path, body)
        state = applied(target, path, response)
        ensure(
            state.get("active") is wanted,
            f"active = {str(wanted).lower()} (a JSON boolean) after this PATCH",
            f"GET shows active {state.get('active')!r}",
            response,
            patch_comparison(_AFTER_PATCH, before, body, state),
        )
        before = state


@check(
    "patch.okta.password",
    "RFC 7644 §3.5.2.3; RFC 7643 §4.1.1 (password writeOnly, returned never); Okta password push",
    'Okta\'s password push — path-less replace {"password": …} — succeeds and no answer '
    "returns the password",
    needs=("patch", "changePassword"),
    mutating=True,
)
def test_okta_password(target: Target) -> None:
    _, path = new_user(target, "okta-password")
    secret = f"Sc1m-{target.unique('pw')}!"
    body = {
        "schemas": [PATCH_OP_URN],
        "Operations": [{"op": "replace", "value": {"password": secret}}],
    }
    response = target.patch(path, body)
    expect_patch_success(response)
    get = target.get(path)
    state = expect_resource(get, 200, what="GET of the resource after the PATCH")
    for answer, body, text in ((response, response.body, response.text), (get, state, get.text)):
        where = f"{answer.exchange.method} answer"
        ensure(
            not (isinstance(body, dict) and any(k.casefold() == "password" for k in body)),
            f"no 'password' attribute in the {where} (returned 'never', RFC 7643 §4.1.1)",
            "'password' is present",
            answer,
        )
        ensure(
            secret not in text,
            f"the password value nowhere in the {where}",
            "the password value is echoed",
            answer,
        )


# --------------------------------------------------------------------------
# Entra's bodies (entra-provisioning.md §4–§5; Microsoft Learn [T] and [K])
# --------------------------------------------------------------------------


@check(
    "patch.entra.multi-valued",
    "Entra [T] 'Update User [Multi-valued properties]'",
    'Entra\'s two Replace operations — emails[type eq "work"].value and name.familyName — '
    "change exactly those values",
    needs=NEEDS,
    mutating=True,
    **ENTRA_ONLY,
)
def test_entra_multi_valued(target: Target) -> None:
    user, path = new_user(target, "entra-multi")
    email = f"{target.unique('updated')}@example.com"
    family = target.unique("updatedFamilyName")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": email},
            {"op": "Replace", "path": "name.familyName", "value": family},
        ],
    }
    response = target.patch(path, body)
    state = applied(target, path, response)
    comparison = patch_comparison(_AFTER_PATCH, user, body, state)
    ensure(
        _work_values(state) == [email.casefold()],
        f"one work e-mail, now {email!r}",
        f"GET shows emails {state.get('emails')!r}",
        response,
        comparison,
    )
    name = state.get("name") or {}
    ensure(
        name.get("familyName") == family and name.get("givenName") == stored_given_name(user),
        f"name.familyName {family!r} with givenName kept",
        f"GET shows name {name!r}",
        response,
        comparison,
    )


@check(
    "patch.entra.add-work-email",
    "Entra [T]/[K] paths (emails[type eq \"work\"].value); entra-provisioning.md §4 ('Add' "
    "for attributes with no value); RFC 7644 §3.5.2.1",
    'Entra\'s Add of emails[type eq "work"].value on a user with no e-mail creates the work e-mail',
    needs=NEEDS,
    mutating=True,
    **ENTRA_ONLY,
)
def test_entra_add_work_email(target: Target) -> None:
    user, path = new_user(target, "entra-add-email", emails=...)
    email = f"{target.unique('work')}@example.com"
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": 'emails[type eq "work"].value', "value": email}],
    }
    response = target.patch(path, body)
    state = applied(target, path, response)
    ensure(
        _work_values(state) == [email.casefold()],
        f"one e-mail {{type: work, value: {email!r}}} created by the add",
        f"GET shows emails {state.get('emails')!r}",
        response,
        patch_comparison(_AFTER_PATCH, user, body, state),
    )


@check(
    "patch.entra.legacy-replace-multi",
    "Entra [K] 'Requests to replace multiple attributes — without feature flag'",
    "Entra's six Replace operations (displayName, work e-mail, name parts, externalId, "
    "enterprise employeeNumber) are all applied",
    needs=NEEDS,
    mutating=True,
    **ENTRA_ONLY,
)
def test_entra_legacy_replace_multi(target: Target) -> None:
    """Without the enterprise extension the employeeNumber operation is left
    out (Entra maps only attributes the app has)."""
    user, path = new_user(target, "entra-legacy-multi")
    values = {
        "displayName": target.unique("Pvlo"),
        "email": f"{target.unique('TestBcwqnm')}@example.com",
        "givenName": target.unique("Gtfd"),
        "familyName": target.unique("Pkqf"),
        "externalId": target.unique("Eqpj"),
    }
    operations = [
        {"op": "Replace", "path": "displayName", "value": values["displayName"]},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": values["email"]},
        {"op": "Replace", "path": "name.givenName", "value": values["givenName"]},
        {"op": "Replace", "path": "name.familyName", "value": values["familyName"]},
        {"op": "Replace", "path": "externalId", "value": values["externalId"]},
    ]
    if enterprise_declared(target):
        values["employeeNumber"] = target.unique("Eqpj")
        operations.append(
            {"op": "Replace", "path": f"{EXT}:employeeNumber", "value": values["employeeNumber"]}
        )
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations}
    response = target.patch(path, body)
    _expect_entra_replaced(target, path, response, values, _patch_evidence(user, body))


def _expect_entra_replaced(
    target: Target,
    path: str,
    response: ScimResponse,
    values: dict[str, str],
    comparison: Callable[[dict[str, Any]], Comparison | None],
) -> None:
    """Every value Entra sent is what GET shows; ``comparison`` builds the evidence from GET."""
    state = applied(target, path, response)
    name = state.get("name") or {}
    extension = state.get(EXT) or {}
    got = {
        "displayName": state.get("displayName"),
        "email": next(iter(_work_values(state)), None),
        "givenName": name.get("givenName"),
        "familyName": name.get("familyName"),
        "employeeNumber": extension.get("employeeNumber"),
        "externalId": state.get("externalId"),
    }
    wanted = {key: (v.casefold() if key == "email" else v) for key, v in values.items()}
    wrong = [
        f"{key} {got.get(key)!r} (sent {wanted[key]!r})"
        for key in wanted
        if got.get(key) != wanted[key]
    ]
    ensure(
        not wrong,
        "every attribute in the request replaced",
        "GET shows " + "; ".join(wrong),
        response,
        comparison(state),
    )


@check(
    "patch.replace.pathless-dotted",
    "Entra [K] 'Requests to replace multiple attributes — with feature flag' "
    "(aadOptscim062020); RFC 7644 §3.10 attribute notation",
    'Entra\'s path-less replace with keys "name.givenName", "name.familyName" and '
    '"urn:…:enterprise:2.0:User:employeeNumber" applies each key as a path',
    needs=NEEDS,
    mutating=True,
    **ENTRA_ONLY,
)
def test_pathless_dotted(target: Target) -> None:
    """Servers that read only top-level attribute names drop the dotted keys
    silently (checks-catalog vendor bug 3) — the 200 hides the loss. Without
    the enterprise extension the URN-prefixed key is left out."""
    user, path = new_user(target, "entra-dotted")
    values = {
        "displayName": target.unique("Bjfe"),
        "email": f"{target.unique('TestMhvaes')}@example.com",
        "givenName": target.unique("Kkom"),
        "familyName": target.unique("Unua"),
    }
    value = {
        "displayName": values["displayName"],
        "name.givenName": values["givenName"],
        "name.familyName": values["familyName"],
    }
    if enterprise_declared(target):
        values["employeeNumber"] = value[f"{EXT}:employeeNumber"] = target.unique("Aklq")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": values["email"]},
            {"op": "replace", "value": value},
        ],
    }
    response = target.patch(path, body)
    _expect_entra_replaced(target, path, response, values, _patch_evidence(user, body))


@check(
    "patch.entra.manager-add",
    "Entra [T] 'Example 5' (Add path \"manager\", value a one-element array with $ref and "
    "value); RFC 7643 §4.3",
    'Entra\'s manager PATCH — bare path "manager", value [{"$ref": …, "value": id}] — sets '
    "the enterprise manager",
    needs=NEEDS,
    mutating=True,
    **ENTRA_ONLY,
)
def test_entra_manager_add(target: Target) -> None:
    require_enterprise(target)
    manager = target.create_user("entra-manager")
    _, path = new_user(target, "entra-managed")
    ref = f"{target.client.base_url}/Users/{manager['id']}"
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [
            {"op": "Add", "path": "manager", "value": [{"$ref": ref, "value": manager["id"]}]}
        ],
    }
    response = target.patch(path, body)
    state = applied(target, path, response)
    ensure(
        manager_value(state) == manager["id"],
        f"{EXT}.manager.value = {manager['id']!r}",
        f"GET shows manager {manager_value(state)!r}",
        response,
    )


@check(
    "patch.entra.manager-string",
    'Entra [T] enterprise schema example ("manager": "<id>"); entra-provisioning.md §3 '
    "(accept a string id)",
    "a manager PATCH whose value is the manager's id as a bare string sets manager.value",
    rfc="skip",
    needs=NEEDS,
    mutating=True,
)
def test_entra_manager_string(target: Target) -> None:
    """A *should* under Entra: the string shape comes from the tutorial's
    schema example, not from a captured request (UNCONFIRMED that the live
    service sends it); entra-provisioning.md asks servers to accept it."""
    require_enterprise(target)
    manager = target.create_user("entra-manager")
    _, path = new_user(target, "entra-managed")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Add", "path": "manager", "value": manager["id"]}],
    }
    response = target.patch(path, body)
    state = applied(target, path, response)
    ensure(
        manager_value(state) == manager["id"],
        f"{EXT}.manager.value = {manager['id']!r}",
        f"GET shows manager {manager_value(state)!r}",
        response,
    )


@check(
    "patch.entra.group-rename",
    "Entra [T] 'Update Group [Non-member attributes]' (204 expected; 200 allowed by "
    "RFC 7644 §3.5.2)",
    'Entra\'s group rename {"op":"Replace","path":"displayName",…} renames the group',
    needs=("patch", "Groups"),
    mutating=True,
    **ENTRA_ONLY,
)
def test_entra_group_rename(target: Target) -> None:
    group = target.create_group("entra-rename")
    path = f"/Groups/{group['id']}"
    new = target.unique("updatedDisplayName")
    body = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": new}],
    }
    response = target.patch(path, body)
    state = applied(target, path, response)
    ensure(
        state.get("displayName") == new,
        f"displayName {new!r} after the rename",
        f"GET shows displayName {state.get('displayName')!r}",
        response,
    )
