"""The PATCH choices RFC 7644 leaves to the server, each a ``Compat`` switch.

* RFC 7644 §3.10: clients "SHOULD fully qualify extended attributes"; a bare
  extension name may be resolved or refused (``bare_extension_paths``).
* §3.12 Table 9 ``noTarget``: "the specified path value contains a filter
  that yields no match" — ``add`` on such a filter may create the element or
  be refused (``filtered_add_creates``).
* §3.5.2.3: ``replace attr[filter]`` with an object replaces each selected
  record whole or merges into it (``replace_merges_selected``).

The defaults keep the reference server's behaviour; STRICT takes the refusing
side of the first two.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from harness.scim.compat import DEFAULT, ENTRA, STRICT, Compat
from harness.scim.errors import ScimError
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP, PATCH_OP_URN, USER, USER_URN

MERGE = Compat(replace_merges_selected=True)


def apply(resource: dict[str, Any], operation: dict[str, Any], compat: Compat) -> Any:
    """The patched resource, or the ScimError; the input is never mutated (§3.5.2)."""
    before = copy.deepcopy(resource)
    body = {"schemas": [PATCH_OP_URN], "Operations": [operation]}
    result: Any
    try:
        result, _changed = apply_patch(resource, parse_patch_request(body, compat), USER, compat)
    except ScimError as error:
        result = error
    assert resource == before
    return result


def bare_user() -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": "bjensen"}


# -- RFC 7644 §3.10: bare extension attribute names ---------------------------------


@pytest.mark.parametrize("compat", [DEFAULT, ENTRA], ids=["default", "entra"])
def test_bare_extension_path_resolves_by_default(compat: Compat) -> None:
    op = {"op": "replace", "path": "employeeNumber", "value": "1"}
    result = apply(bare_user(), op, compat)
    assert result[ENTERPRISE_USER_URN] == {"employeeNumber": "1"}
    manager = {"op": "add", "path": "manager", "value": "26118915"}  # Entra's bare manager
    assert apply(bare_user(), manager, compat)[ENTERPRISE_USER_URN]["manager"]["value"] == (
        "26118915"
    )


@pytest.mark.parametrize(
    "op",
    [
        {"op": "replace", "path": "employeeNumber", "value": "1"},
        {"op": "remove", "path": "costCenter"},
        {"op": "add", "path": "manager.value", "value": "26118915"},
    ],
)
def test_strict_refuses_a_bare_extension_path(op: dict[str, Any]) -> None:
    error = apply(bare_user(), op, STRICT)
    assert isinstance(error, ScimError)
    assert (error.status, error.scim_type) == (400, "invalidPath")
    assert "§3.10" in error.detail


def test_strict_accepts_the_qualified_path_and_bare_core_names() -> None:
    qualified = {"op": "replace", "path": f"{ENTERPRISE_USER_URN}:employeeNumber", "value": "1"}
    assert apply(bare_user(), qualified, STRICT)[ENTERPRISE_USER_URN] == {"employeeNumber": "1"}
    # §3.10: "Clients MAY omit core schema attribute URN prefixes".
    assert apply(bare_user(), {"op": "add", "path": "title", "value": "T"}, STRICT)["title"] == "T"
    pathless = {"op": "add", "value": {ENTERPRISE_USER_URN: {"costCenter": "4130"}}}
    assert apply(bare_user(), pathless, STRICT)[ENTERPRISE_USER_URN] == {"costCenter": "4130"}


def test_strict_refuses_a_bare_extension_key_in_a_pathless_value() -> None:
    error = apply(bare_user(), {"op": "add", "value": {"employeeNumber": "1"}}, STRICT)
    assert isinstance(error, ScimError)
    assert error.status == 400
    assert apply(bare_user(), {"op": "add", "value": {"employeeNumber": "1"}}, DEFAULT)[
        ENTERPRISE_USER_URN
    ] == {"employeeNumber": "1"}


# -- §3.12 Table 9 noTarget: add on a value filter that matches nothing ---------------


ADD_WORK = {"op": "add", "path": 'emails[type eq "work"].value', "value": "w@example.com"}


@pytest.mark.parametrize("compat", [DEFAULT, ENTRA], ids=["default", "entra"])
def test_add_on_an_unmatched_type_filter_creates_by_default(compat: Compat) -> None:
    result = apply(bare_user(), ADD_WORK, compat)
    assert result["emails"] == [{"type": "work", "value": "w@example.com"}]


@pytest.mark.parametrize(
    "op",
    [ADD_WORK, {"op": "add", "path": 'emails[type eq "work"]', "value": {"value": "w@x.org"}}],
)
def test_strict_answers_no_target_for_an_add_whose_filter_matches_nothing(
    op: dict[str, Any],
) -> None:
    user = {**bare_user(), "emails": [{"type": "home", "value": "h@example.com"}]}
    error = apply(user, op, STRICT)
    assert isinstance(error, ScimError)
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_strict_still_adds_when_the_filter_matches_or_there_is_none() -> None:
    user = {**bare_user(), "emails": [{"type": "work", "value": "old@example.com"}]}
    assert apply(user, ADD_WORK, STRICT)["emails"] == [{"type": "work", "value": "w@example.com"}]
    # No filter: §3.5.2.1 "If the target location does not exist, the attribute and
    # value are added".
    plain = {"op": "add", "path": "emails.value", "value": "a@example.com"}
    assert apply(bare_user(), plain, STRICT)["emails"] == [{"value": "a@example.com"}]


# -- §3.5.2.3: replace attr[filter] with an object, whole record or merge -------------


def test_replace_on_a_filter_replaces_the_record_or_merges_into_it() -> None:
    user = {
        **bare_user(),
        "emails": [
            {"value": "a@example.org", "display": "Norma", "type": "work"},
            {"value": "b@example.org", "type": "home"},
        ],
    }
    op = {
        "op": "replace",
        "path": 'emails[value eq "a@example.org"]',
        "value": {"value": "a@example.org", "primary": False},
    }
    whole = apply(user, op, DEFAULT)
    assert whole["emails"] == [
        {"value": "a@example.org", "primary": False},
        {"value": "b@example.org", "type": "home"},
    ]
    assert apply(user, op, STRICT)["emails"] == whole["emails"]
    merged = apply(user, op, MERGE)
    assert merged["emails"] == [
        {"value": "a@example.org", "display": "Norma", "type": "work", "primary": False},
        {"value": "b@example.org", "type": "home"},
    ]


def test_merge_reading_keeps_the_mutability_gate() -> None:
    """Merging writes sub-attributes, so an immutable one that has a value stays
    (RFC 7643 §2.2); the whole-record reading removes one value and adds another."""
    group = {"schemas": [GROUP.schema.id], "displayName": "g", "members": [{"value": "u1"}]}
    op = {"op": "replace", "path": 'members[value eq "u1"]', "value": {"value": "u2"}}
    body = {"schemas": [PATCH_OP_URN], "Operations": [op]}
    whole, _ = apply_patch(group, parse_patch_request(body, DEFAULT), GROUP, DEFAULT)
    assert whole["members"] == [{"value": "u2"}]
    with pytest.raises(ScimError) as caught:
        apply_patch(group, parse_patch_request(body, MERGE), GROUP, MERGE)
    assert caught.value.scim_type == "mutability"
