"""PATCH path semantics on Users (RFC 7644 §3.5.2.1–§3.5.2.3): what add, replace and remove do.

Each check creates its own User, sends one PATCH (or a short sequence) and
judges the result by a following GET — the authority on what the server
kept; a 200 body can say one thing and the store another.

* add (§3.5.2.1): an unassigned attribute is set, a single-valued one is
  replaced, a multi-valued one gains a value (an equal value is not
  duplicated, RFC 7643 §2.4), a path-less object is merged;
* replace (§3.5.2.3): simple, sub-attribute, a partial complex value
  (unspecified sub-attributes kept), a value filter with a sub-attribute,
  a value filter matching nothing (400 ``noTarget``; Entra tolerance, pitfalls
  §10), a multi-valued attribute without filter, an enterprise extension
  attribute by its URN path (§3.10; RFC 7643 §4.3);
* remove (§3.5.2.2): an attribute becomes unassigned (absent, never ``""``),
  a value filter removes only the matches, an extension attribute by URN;
* ``primary`` uniqueness (§3.5.2), operations applied in order (§3.5.2),
  and a non-membership PATCH on a Group (displayName).

The envelope, refusals, the answer and the IdPs' verbatim bodies are in
``test_patch.py``.
"""

from __future__ import annotations

from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.bodies_from_schema import (
    SINGULAR_STRING,
    SINGULAR_STRING_CORE,
    attribute_for,
    attributes_for,
    require_declared,
)
from harness.conformance.discovery import require_enterprise
from harness.conformance.expect import ensure, expect_error
from harness.conformance.registry import check
from harness.conformance.support import (
    applied,
    enterprise_part,
    new_user,
    patch_comparison,
    state_after_patch,
    stored_given_name,
)
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.schema import ENTERPRISE_USER_URN

NEEDS = ("patch",)
EXT = ENTERPRISE_USER_URN


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _patched(
    target: Target, path: str, *operations: dict[str, Any]
) -> tuple[dict[str, Any], ScimResponse, Comparison | None]:
    """Send the operations; the PATCH must succeed; the state GET shows then.

    The third item is the evidence for a failure: the User the PatchOp
    semantics make of the one read just before (the core's reading, RFC 7644
    §3.5.2) next to the one GET shows after.
    """
    before = target.get(path).body
    body = patch_body(*operations)
    response = target.patch(path, body)
    state = applied(target, path, response)
    diff = (
        patch_comparison("the User after the PATCH (meta aside)", before, body, state)
        if isinstance(before, dict)
        else None
    )
    return state, response, diff


def _email(target: Target, label: str) -> str:
    return f"{target.unique(label)}@example.com"


def _emails(resource: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in resource.get("emails") or [] if isinstance(e, dict)]


def _values(resource: dict[str, Any], kind: str | None = None) -> list[str]:
    """E-mail values (case-folded: emails.value is caseExact false), optionally of a type."""
    return sorted(
        str(e.get("value", "")).casefold()
        for e in _emails(resource)
        if kind is None or e.get("type") == kind
    )


def _two_emails(target: Target, label: str) -> tuple[dict[str, Any], str, str, str]:
    """A User with a primary work e-mail and a home e-mail: (user, path, work, home)."""
    require_declared(target, "emails")
    work, home = _email(target, f"{label}-work"), _email(target, f"{label}-home")
    user, path = new_user(
        target,
        label,
        emails=[
            {"value": work, "type": "work", "primary": True},
            {"value": home, "type": "home"},
        ],
    )
    return user, path, work, home


# --------------------------------------------------------------------------
# add (§3.5.2.1)
# --------------------------------------------------------------------------


@check(
    "patch.add.simple",
    "RFC 7644 §3.5.2.1 (target does not exist: the attribute and value are added)",
    "add of nickName (or another optional string the target declares) on a user without "
    "one sets it",
    needs=NEEDS,
    mutating=True,
)
def test_add_simple(target: Target) -> None:
    choice = attribute_for(target, SINGULAR_STRING)
    _, path = new_user(target, "add-simple", **choice.omitted())
    value = target.unique("Babs")
    state, response, diff = _patched(target, path, operation("add", choice.path, value))
    ensure(
        choice.read(state) == value,
        f"{choice.path} {value!r} after the add",
        f"GET shows {choice.path} {choice.read(state)!r}",
        response,
        diff,
    )


@check(
    "patch.add.existing-single",
    "RFC 7644 §3.5.2.1 (single-valued target: the existing value is replaced)",
    "add of displayName on a user that has one replaces it",
    needs=NEEDS,
    mutating=True,
)
def test_add_existing_single(target: Target) -> None:
    user, path = new_user(target, "add-single")
    new = target.unique("add-single-renamed")
    state, response, diff = _patched(target, path, operation("add", "displayName", new))
    ensure(
        state.get("displayName") == new,
        f"displayName {new!r} (was {user.get('displayName')!r}): add replaces a single value",
        f"GET shows displayName {state.get('displayName')!r}",
        response,
        diff,
    )


@check(
    "patch.add.multi",
    "RFC 7644 §3.5.2.1 (multi-valued target: a new value is added; a value already "
    "present makes no change); RFC 7643 §2.4",
    "add to emails appends the new value, and adding it again does not duplicate it",
    needs=NEEDS,
    mutating=True,
)
def test_add_multi(target: Target) -> None:
    user, path = new_user(target, "add-multi", keep=("emails",))
    home = _email(target, "add-multi-home")
    added = {"value": home, "type": "home"}
    state, response, diff = _patched(target, path, operation("add", "emails", [added]))
    expected = sorted([user["userName"].casefold(), home.casefold()])
    ensure(
        _values(state) == expected,
        f"emails {expected} — the work e-mail kept and the home one appended",
        f"GET shows emails {_values(state)}",
        response,
        diff,
    )
    state, response, diff = _patched(target, path, operation("add", "emails", [added]))
    ensure(
        _values(state) == expected,
        f"emails still {expected}: adding a value already present changes nothing "
        "(RFC 7644 §3.5.2.1; no duplicates, RFC 7643 §2.4)",
        f"GET shows emails {_values(state)}",
        response,
        diff,
    )


@check(
    "patch.add.pathless",
    "RFC 7644 §3.5.2.1 (no path: the value holds the attributes to add to the resource)",
    "a path-less add of {nickName, title} (or the optional strings the target declares) sets "
    "them and leaves every other attribute as it was",
    needs=NEEDS,
    mutating=True,
)
def test_add_pathless(target: Target) -> None:
    choices = attributes_for(target, SINGULAR_STRING_CORE, 2)
    _, path = new_user(target, "add-pathless")
    before = state_after_patch(target, path)
    value = {choice.name: target.unique(choice.name) for choice in choices}
    state, response, diff = _patched(target, path, operation("add", value=value))
    wrong = [f"{k} {state.get(k)!r}" for k, v in value.items() if state.get(k) != v]
    ensure(not wrong, f"{value} added", "GET shows " + ", ".join(wrong), response, diff)
    kept = [
        k
        for k in ("userName", "displayName", "name", "emails", "active", "externalId")
        if k not in value and state.get(k) != before.get(k)
    ]
    ensure(
        not kept,
        "attributes not named in the value left unchanged (a merge, not a replacement)",
        f"{', '.join(kept)} changed",
        response,
        diff,
    )


# --------------------------------------------------------------------------
# replace (§3.5.2.3)
# --------------------------------------------------------------------------


@check(
    "patch.replace.simple",
    "RFC 7644 §3.5.2.3 (single-value target: its value is replaced)",
    "replace of displayName sets the new value",
    needs=NEEDS,
    mutating=True,
)
def test_replace_simple(target: Target) -> None:
    _, path = new_user(target, "replace-simple")
    new = target.unique("replace-simple-renamed")
    state, response, diff = _patched(target, path, operation("replace", "displayName", new))
    ensure(
        state.get("displayName") == new,
        f"displayName {new!r}",
        f"GET shows displayName {state.get('displayName')!r}",
        response,
        diff,
    )


@check(
    "patch.replace.subattr",
    "RFC 7644 §3.5.2.3; §3.10 (attribute notation name.familyName)",
    "replace of name.familyName changes it and leaves name.givenName",
    needs=NEEDS,
    mutating=True,
)
def test_replace_subattr(target: Target) -> None:
    user, path = new_user(target, "replace-sub", keep=("name",))
    given = stored_given_name(user)
    family = target.unique("Jensen")
    state, response, diff = _patched(target, path, operation("replace", "name.familyName", family))
    name = state.get("name") or {}
    ensure(
        name.get("familyName") == family and name.get("givenName") == given,
        f"name.familyName {family!r} and givenName {given!r} kept",
        f"GET shows name {name!r}",
        response,
        diff,
    )


@check(
    "patch.replace.complex-partial",
    'RFC 7644 §3.5.2.3 (\'Sub-attributes that are not specified in the "value" parameter '
    "are left unchanged')",
    "replace of name with {familyName} alone keeps name.givenName",
    needs=NEEDS,
    mutating=True,
)
def test_replace_complex_partial(target: Target) -> None:
    user, path = new_user(target, "replace-partial", keep=("name",))
    given = stored_given_name(user)
    family = target.unique("Jensen")
    state, response, diff = _patched(
        target, path, operation("replace", "name", {"familyName": family})
    )
    name = state.get("name") or {}
    ensure(
        name.get("familyName") == family and name.get("givenName") == given,
        f"name.familyName {family!r} and givenName {given!r} left unchanged",
        f"GET shows name {name!r}",
        response,
        diff,
    )


@check(
    "patch.replace.valuefilter-sub",
    "RFC 7644 §3.5.2.3 (value filter and sub-attribute: the matching sub-attribute of all "
    "matching records is replaced)",
    'replace of emails[type eq "work"].value changes the work e-mail only',
    needs=NEEDS,
    mutating=True,
)
def test_replace_valuefilter_sub(target: Target) -> None:
    _, path, _, home = _two_emails(target, "replace-filter")
    new = _email(target, "replace-filter-new")
    state, response, diff = _patched(
        target, path, operation("replace", 'emails[type eq "work"].value', new)
    )
    ensure(
        _values(state, "work") == [new.casefold()] and _values(state, "home") == [home.casefold()],
        f"work e-mail {new!r} and home e-mail {home!r} untouched",
        f"GET shows emails {_emails(state)!r}",
        response,
        diff,
    )


@check(
    "patch.replace.valuefilter-nomatch",
    "RFC 7644 §3.5.2.3 (value filter with no match → 400 noTarget); pitfalls §10 (Entra: "
    "creating the value is also accepted)",
    'replace of emails[type eq "home"].value on a user without a home e-mail fails with 400 '
    "noTarget (under Entra, creating the home e-mail is accepted too)",
    needs=NEEDS,
    mutating=True,
)
def test_replace_valuefilter_nomatch(target: Target) -> None:
    """Under the Entra profile two answers pass: the RFC's 400 noTarget, and
    the tolerance Entra needs — it replaces ``emails[type eq "work"].value``
    for users who have no such e-mail yet (entra-provisioning.md §4) —
    creating ``{type: home, value}``. A 2xx that drops the value, or
    changes the work e-mail, fails everywhere."""
    require_declared(target, "emails")
    _, path = new_user(target, "replace-nomatch")
    before = state_after_patch(target, path)
    new = _email(target, "replace-nomatch")
    response = target.patch(
        path, patch_body(operation("replace", 'emails[type eq "home"].value', new))
    )
    if target.profile == "entra" and response.status in (200, 204):
        state = state_after_patch(target, path)
        ensure(
            _values(state, "home") == [new.casefold()]
            and _values(state, "work") == _values(before, "work"),
            f"either 400 noTarget, or (Entra tolerance) a created home e-mail {new!r} with the "
            "work e-mail untouched",
            f"GET shows emails {_emails(state)!r}",
            response,
        )
        return
    expect_error(response, 400, "noTarget", what="an error: the value filter matches no value")
    state = state_after_patch(target, path)
    ensure(
        _emails(state) == _emails(before),
        "emails unchanged after the refused replace",
        f"GET shows emails {_emails(state)!r}",
        response,
    )


@check(
    "patch.replace.multi-all",
    "RFC 7644 §3.5.2.3 (multi-valued target without filter: the attribute and all values "
    "are replaced)",
    "replace of emails with a one-value array leaves exactly that value",
    needs=NEEDS,
    mutating=True,
)
def test_replace_multi_all(target: Target) -> None:
    _, path, _, _ = _two_emails(target, "replace-all")
    new = _email(target, "replace-all-new")
    state, response, diff = _patched(
        target, path, operation("replace", "emails", [{"value": new, "type": "other"}])
    )
    ensure(
        _values(state) == [new.casefold()],
        f"emails exactly [{new!r}] — every previous value replaced",
        f"GET shows emails {_emails(state)!r}",
        response,
        diff,
    )


@check(
    "patch.replace.urn-path",
    "RFC 7644 §3.5.2.3; §3.10 (URN-qualified attribute path); RFC 7643 §4.3",
    "replace of urn:…:enterprise:2.0:User:department sets the enterprise department",
    needs=NEEDS,
    mutating=True,
)
def test_replace_urn_path(target: Target) -> None:
    require_enterprise(target)
    _, path = new_user(target, "urn-department")
    department = target.unique("Tour Operations")
    state, response, diff = _patched(
        target, path, operation("replace", f"{EXT}:department", department)
    )
    ensure(
        enterprise_part(state).get("department") == department,
        f"{EXT}.department = {department!r}",
        f"GET shows {EXT} = {state.get(EXT)!r}",
        response,
        diff,
    )


@check(
    "patch.replace.urn-manager",
    "RFC 7644 §3.5.2.3; §3.10; RFC 7643 §4.3 (manager: singular complex, 'value' = the "
    "manager's id)",
    "replace of urn:…:enterprise:2.0:User:manager with {value: id} sets the manager",
    needs=NEEDS,
    mutating=True,
)
def test_replace_urn_manager(target: Target) -> None:
    """A singular complex attribute with a URN path — the shape behind
    checks-catalog vendor bug 18 ("Impossible to search on a mono valued
    attribute")."""
    require_enterprise(target)
    manager = target.create_user("urn-manager")
    _, path = new_user(target, "urn-managed")
    state, response, diff = _patched(
        target, path, operation("replace", f"{EXT}:manager", {"value": manager["id"]})
    )
    got = enterprise_part(state).get("manager")
    ensure(
        isinstance(got, dict) and got.get("value") == manager["id"],
        f"{EXT}.manager.value = {manager['id']!r}",
        f"GET shows manager {got!r}",
        response,
        diff,
    )


# --------------------------------------------------------------------------
# remove (§3.5.2.2)
# --------------------------------------------------------------------------


@check(
    "patch.remove.simple",
    "RFC 7644 §3.5.2.2 (the attribute SHALL be considered unassigned); RFC 7643 §2.5",
    "remove of nickName (or another optional string the target declares) leaves it "
    'unassigned — absent or null, never ""',
    needs=NEEDS,
    mutating=True,
)
def test_remove_simple(target: Target) -> None:
    choice = attribute_for(target, SINGULAR_STRING_CORE)
    _, path = new_user(target, "remove-simple", **choice.fields(target.unique("Babs")))
    state, response, diff = _patched(target, path, operation("remove", choice.path))
    ensure(
        choice.read(state) is None,
        f"{choice.path} unassigned after the remove",
        f"GET shows {choice.path} {choice.read(state)!r}",
        response,
        diff,
    )


@check(
    "patch.remove.valuefilter",
    "RFC 7644 §3.5.2.2 (a value filter: the values matched are removed)",
    'remove of emails[type eq "home"] removes the home e-mail and keeps the work one',
    needs=NEEDS,
    mutating=True,
)
def test_remove_valuefilter(target: Target) -> None:
    _, path, work, _ = _two_emails(target, "remove-filter")
    state, response, diff = _patched(target, path, operation("remove", 'emails[type eq "home"]'))
    ensure(
        _values(state) == [work.casefold()],
        f"emails exactly [{work!r}] — only the matching home e-mail removed",
        f"GET shows emails {_emails(state)!r}",
        response,
        diff,
    )


@check(
    "patch.remove.urn-path",
    "RFC 7644 §3.5.2.2; §3.10; RFC 7643 §4.3",
    "remove of urn:…:enterprise:2.0:User:manager leaves the manager unassigned",
    needs=NEEDS,
    mutating=True,
)
def test_remove_urn_path(target: Target) -> None:
    require_enterprise(target)
    manager = target.create_user("remove-manager")
    department = target.unique("Tour Operations")
    _, path = new_user(
        target,
        "remove-managed",
        schemas=["urn:ietf:params:scim:schemas:core:2.0:User", EXT],
        **{EXT: {"department": department, "manager": {"value": manager["id"]}}},
    )
    state, response, diff = _patched(target, path, operation("remove", f"{EXT}:manager"))
    extension = enterprise_part(state)
    ensure(
        extension.get("manager") is None and extension.get("department") == department,
        f"manager unassigned and department {department!r} kept",
        f"GET shows {EXT} = {state.get(EXT)!r}",
        response,
        diff,
    )


# --------------------------------------------------------------------------
# primary, order, Group non-membership
# --------------------------------------------------------------------------


@check(
    "patch.primary",
    "RFC 7644 §3.5.2 (setting primary true SHALL set primary false on the other values); "
    "RFC 7643 §2.4",
    "adding an e-mail with primary true clears primary on the e-mail that had it",
    needs=NEEDS,
    mutating=True,
)
def test_primary(target: Target) -> None:
    user, path = new_user(target, "primary", keep=("emails",))
    home = _email(target, "primary-home")
    state, response, diff = _patched(
        target, path, operation("add", "emails", [{"value": home, "type": "home", "primary": True}])
    )
    primaries = sorted(
        str(e.get("value", "")).casefold() for e in _emails(state) if e.get("primary") is True
    )
    ensure(
        primaries == [home.casefold()],
        f"exactly one primary e-mail, the new {home!r}",
        f"primary on {primaries} — GET shows emails {_emails(state)!r}",
        response,
        diff,
    )
    ensure(
        user["userName"].casefold() in _values(state),
        "the previous primary e-mail kept (only its primary flag cleared)",
        f"GET shows emails {_emails(state)!r}",
        response,
        diff,
    )


@check(
    "patch.multi-op-order",
    "RFC 7644 §3.5.2 (operations are applied in the order given)",
    "four operations — replace, replace, add, remove — apply in sequence: the last replace "
    "wins and the added value is removed",
    needs=NEEDS,
    mutating=True,
)
def test_multi_op_order(target: Target) -> None:
    """Out of order, the remove would find nothing (400 noTarget) or the
    first replace would win."""
    choice = attribute_for(target, SINGULAR_STRING)
    user, path = new_user(target, "order", keep=("emails",))
    home = _email(target, "order-home")
    state, response, diff = _patched(
        target,
        path,
        operation("replace", choice.path, "first"),
        operation("replace", choice.path, "second"),
        operation("add", "emails", [{"value": home, "type": "home"}]),
        operation("remove", 'emails[type eq "home"]'),
    )
    ensure(
        choice.read(state) == "second" and _values(state) == [user["userName"].casefold()],
        f"{choice.path} 'second', no home e-mail and the work e-mail kept",
        f"GET shows {choice.path} {choice.read(state)!r}, emails {_emails(state)!r}",
        response,
        diff,
    )


@check(
    "patch.group.displayname",
    "RFC 7644 §3.5.2.3; RFC 7643 §4.2",
    "replace of a Group's displayName renames it and keeps its members",
    needs=("patch", "Groups"),
    mutating=True,
)
def test_group_displayname(target: Target) -> None:
    member = target.create_user("group-rename-member")
    group = target.create_group("group-rename", members=[member["id"]])
    path = f"/Groups/{group['id']}"
    new = target.unique("group-renamed")
    state, response, diff = _patched(target, path, operation("replace", "displayName", new))
    members = [m.get("value") for m in state.get("members") or [] if isinstance(m, dict)]
    ensure(
        state.get("displayName") == new and members == [member["id"]],
        f"displayName {new!r} with the member {member['id']!r} kept",
        f"GET shows displayName {state.get('displayName')!r}, members {members!r}",
        response,
        diff,
    )
