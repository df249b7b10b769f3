"""Tests for harness.scim.patch: PatchOp parsing and application, RFC 7644 §3.5.2.

Each test names its rule: an RFC 7644 §3.5.2.x sentence or example, an RFC
7643 attribute characteristic, a position of scim-semantics-pitfalls.md, or
the IdP request it reproduces (okta-provisioning.md, entra-provisioning.md).
The RFC's own §3.5.2.1–§3.5.2.3 example requests are reproduced verbatim
against its §8.2 (bjensen) and §8.4 (Tour Guides) resources.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from harness.scim.compat import DEFAULT, ENTRA, STRICT, Compat
from harness.scim.errors import ScimError
from harness.scim.patch import PatchOperation, apply_patch, parse_patch_request
from harness.scim.schema import (
    ENTERPRISE_USER_URN,
    GROUP,
    PATCH_OP_URN,
    USER,
    USER_URN,
    ResourceType,
)

DATA = Path(__file__).parent / "data"
BJENSEN_ID = "2819c223-7f76-453a-919d-413861904646"
MANDY_ID = "902c246b-6245-4190-8e05-00816be7344a"
LENIENT_REMOVE = Compat(lenient_remove=True)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


@pytest.fixture
def user() -> dict[str, Any]:
    """RFC 7643 §8.2, the full bjensen User, already in canonical spelling."""
    return load("rfc7643_8_2_full_user.json")


@pytest.fixture
def group() -> dict[str, Any]:
    """RFC 7643 §8.4, the "Tour Guides" Group with two members."""
    return load("rfc7643_8_4_group.json")


def body(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


def run(
    resource: dict[str, Any],
    *operations: dict[str, Any],
    resource_type: ResourceType = USER,
    compat: Compat = DEFAULT,
) -> tuple[dict[str, Any], bool]:
    """Parse and apply, checking on the way that the input is never mutated."""
    before = copy.deepcopy(resource)
    result = apply_patch(
        resource, parse_patch_request(body(*operations), compat), resource_type, compat
    )
    assert resource == before
    return result


def patched(resource: dict[str, Any], *operations: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return run(resource, *operations, **kwargs)[0]


def failure(resource: dict[str, Any], *operations: dict[str, Any], **kwargs: Any) -> ScimError:
    """The ScimError a request raises; the input must come out untouched (§3.5.2 atomicity)."""
    before = copy.deepcopy(resource)
    with pytest.raises(ScimError) as caught:
        run(resource, *operations, **kwargs)
    assert resource == before
    return caught.value


def parse_failure(request: Any, compat: Compat = DEFAULT) -> ScimError:
    with pytest.raises(ScimError) as caught:
        parse_patch_request(request, compat)
    return caught.value


def emails(resource: dict[str, Any]) -> list[tuple[str, str | None, Any]]:
    return [(e["value"], e.get("type"), e.get("primary")) for e in resource.get("emails", [])]


def member_ids(resource: dict[str, Any]) -> list[str]:
    return [m["value"] for m in resource.get("members", [])]


# --------------------------------------------------------------------------
# Parsing the request (RFC 7644 §3.5.2)
# --------------------------------------------------------------------------


def test_parse_lower_cases_op_and_parses_path() -> None:
    """§3.5.2: op is add/remove/replace; Entra sends them capitalised (pitfalls §14)."""
    operations = parse_patch_request(
        body({"op": "Replace", "path": 'emails[type eq "work"].value', "value": "x@y"}), DEFAULT
    )
    assert len(operations) == 1
    operation = operations[0]
    assert isinstance(operation, PatchOperation)
    assert operation.op == "replace"
    assert operation.raw_path == 'emails[type eq "work"].value'
    assert operation.path is not None
    assert operation.path.attr.attr == "emails"
    assert operation.path.sub_attr == "value"
    assert operation.value == "x@y"


def test_parse_keeps_operations_in_order() -> None:
    """§3.5.2: operations are applied in the order given."""
    operations = parse_patch_request(
        body({"op": "remove", "path": "title"}, {"op": "ADD", "path": "title", "value": "t"}),
        DEFAULT,
    )
    assert [(o.op, o.raw_path, o.value) for o in operations] == [
        ("remove", "title", None),
        ("add", "title", "t"),
    ]


def test_parse_pathless_operation_has_no_path() -> None:
    """§3.5.2.3: "If the 'path' parameter is omitted, the target is assumed to be the resource"."""
    (operation,) = parse_patch_request(body({"op": "replace", "value": {"active": False}}), DEFAULT)
    assert operation.path is None and operation.raw_path is None
    assert operation.value == {"active": False}


def test_parse_member_names_are_case_insensitive() -> None:
    """RFC 7643 §2.1 names are case-insensitive; Entra asks for no case-sensitive structure."""
    (operation,) = parse_patch_request(
        {"SCHEMAS": [PATCH_OP_URN], "operations": [{"OP": "add", "Path": "title", "Value": "t"}]},
        DEFAULT,
    )
    assert (operation.op, operation.raw_path, operation.value) == ("add", "title", "t")


@pytest.mark.parametrize(
    "request_body",
    [
        pytest.param([], id="body-is-array"),
        pytest.param("Operations", id="body-is-string"),
        pytest.param({"Operations": [{"op": "remove", "path": "title"}]}, id="no-schemas"),
        pytest.param(
            {"schemas": [USER_URN], "Operations": [{"op": "remove", "path": "title"}]},
            id="wrong-schemas",
        ),
        pytest.param(
            {"schemas": PATCH_OP_URN, "Operations": [{"op": "remove", "path": "title"}]},
            id="schemas-not-array",
        ),
        pytest.param({"schemas": [PATCH_OP_URN]}, id="no-operations"),
        pytest.param({"schemas": [PATCH_OP_URN], "Operations": []}, id="empty-operations"),
        pytest.param({"schemas": [PATCH_OP_URN], "Operations": {"op": "add"}}, id="not-a-list"),
        pytest.param(body("remove"), id="operation-not-object"),  # type: ignore[arg-type]
        pytest.param(body({"path": "title"}), id="no-op"),
        pytest.param(body({"op": "move", "path": "title"}), id="unknown-op"),
        pytest.param(body({"op": 1, "path": "title"}), id="op-not-string"),
        pytest.param(
            body({"op": "add", "Op": "remove", "path": "title", "value": "x"}), id="op-twice"
        ),
    ],
)
def test_parse_rejects_malformed_requests(request_body: Any) -> None:
    """§3.5.2 request form (schemas URN, one or more Operations, op in add/remove/replace);
    §3.12 Table 9: a body that does not conform to the request schema is invalidSyntax."""
    error = parse_failure(request_body)
    assert (error.status, error.scim_type) == (400, "invalidSyntax")


def test_parse_lenient_schemas_infers_the_patchop_urn() -> None:
    """pitfalls §21: Compat.lenient_schemas infers a missing PatchOp URN."""
    lenient = Compat(lenient_schemas=True)
    (operation,) = parse_patch_request({"Operations": [{"op": "remove", "path": "title"}]}, lenient)
    assert operation.op == "remove"


@pytest.mark.parametrize("path", ['emails[type eq "work"', "", "   ", 42, "emails]"])
def test_parse_rejects_invalid_paths(path: Any) -> None:
    """§3.12 Table 9: invalidPath, "The 'path' attribute was invalid or malformed"."""
    error = parse_failure(body({"op": "replace", "path": path, "value": "x"}))
    assert (error.status, error.scim_type) == (400, "invalidPath")


@pytest.mark.parametrize("op", ["add", "replace", "Add"])
def test_parse_add_and_replace_need_a_value(op: str) -> None:
    """§3.5.2.1 "The operation MUST contain a 'value' member"; Table 9 invalidValue is
    "A required value was missing"."""
    error = parse_failure(body({"op": op, "path": "title"}))
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_parse_remove_value_is_optional() -> None:
    """§3.5.2.2: remove carries only a path; the value is optional (Entra legacy sends one)."""
    (operation,) = parse_patch_request(body({"op": "remove", "path": "members"}), DEFAULT)
    assert operation.value is None


# --------------------------------------------------------------------------
# add (RFC 7644 §3.5.2.1)
# --------------------------------------------------------------------------


def test_rfc_3_5_2_1_example_add_member(group: dict[str, Any]) -> None:
    """§3.5.2.1, first example: add a member to a group; existing members stay."""
    new = {
        "display": "Babs Jensen",
        "$ref": "https://example.com/v2/Users/a1b2",
        "value": "a1b2",
    }
    result, changed = run(
        group, {"op": "add", "path": "members", "value": [new]}, resource_type=GROUP
    )
    assert changed
    assert member_ids(result) == [BJENSEN_ID, MANDY_ID, "a1b2"]
    assert result["members"][-1] == new


def test_rfc_3_5_2_1_example_pathless_add(user: dict[str, Any]) -> None:
    """§3.5.2.1, second example: path-less add of emails and "nickname" (lower-case in the
    RFC: names are case-insensitive, RFC 7643 §2.1, and are stored canonically)."""
    del user["emails"]
    del user["nickName"]
    result = patched(
        user,
        {
            "op": "add",
            "value": {"emails": [{"value": "babs@jensen.org", "type": "home"}], "nickname": "Babs"},
        },
    )
    assert result["emails"] == [{"value": "babs@jensen.org", "type": "home"}]
    assert result["nickName"] == "Babs"
    assert "nickname" not in result


def test_add_creates_an_unassigned_attribute(user: dict[str, Any]) -> None:
    """§3.5.2.1: "If the target location does not exist, the attribute and value are added"."""
    del user["title"]
    result, changed = run(user, {"op": "add", "path": "title", "value": "Captain"})
    assert changed and result["title"] == "Captain"


def test_add_replaces_an_existing_single_value(user: dict[str, Any]) -> None:
    """§3.5.2.1: "If the target location specifies a single-valued attribute, the existing
    value is replaced" (checks-catalog patch.add.existing-single)."""
    assert patched(user, {"op": "add", "path": "nickName", "value": "Barb"})["nickName"] == "Barb"


def test_add_complex_merges_sub_attributes(user: dict[str, Any]) -> None:
    """§3.5.2.1: a complex target takes "a set of sub-attributes"; the others are kept."""
    result = patched(user, {"op": "add", "path": "name", "value": {"givenName": "Barb"}})
    assert result["name"]["givenName"] == "Barb"
    assert result["name"]["familyName"] == "Jensen"


def test_add_appends_to_multi_valued(user: dict[str, Any]) -> None:
    """§3.5.2.1: "If the target location specifies a multi-valued attribute, a new value is
    added to the attribute"."""
    result = patched(
        user, {"op": "add", "path": "emails", "value": [{"value": "b@x.org", "type": "other"}]}
    )
    assert emails(result) == [*emails(user), ("b@x.org", "other", None)]


def test_add_wraps_a_single_value_for_multi_valued(group: dict[str, Any]) -> None:
    """Tolerance: a single object for a multi-valued attribute is one new value (§3.5.2.1)."""
    result = patched(
        group, {"op": "add", "path": "members", "value": {"value": "u9"}}, resource_type=GROUP
    )
    assert member_ids(result) == [BJENSEN_ID, MANDY_ID, "u9"]


def test_add_of_present_value_changes_nothing(user: dict[str, Any]) -> None:
    """§3.5.2.1: "If the target location already contains the value specified, no changes
    SHOULD be made … SHALL NOT change the modify timestamp" (pitfalls §11). emails.value is
    caseExact false (RFC 7643 §4.1.2), so a case variant is the same value."""
    same = {"value": "BJensen@Example.com", "type": "work", "primary": True}
    result, changed = run(user, {"op": "add", "path": "emails", "value": [same]})
    assert not changed
    assert result == user


def test_add_case_variant_of_case_exact_value_is_new(user: dict[str, Any]) -> None:
    """RFC 7643 §2.2 caseExact: photos.value is a caseExact reference, so case matters."""
    photo = dict(user["photos"][0], value=user["photos"][0]["value"].upper())
    result, changed = run(user, {"op": "add", "path": "photos", "value": [photo]})
    assert changed and len(result["photos"]) == 3


def test_add_does_not_repeat_values_within_one_request(group: dict[str, Any]) -> None:
    """RFC 7643 §2.4: no duplicate values, even when the request repeats one."""
    result = patched(
        group,
        {"op": "add", "path": "members", "value": [{"value": "u9"}, {"value": "u9"}]},
        resource_type=GROUP,
    )
    assert member_ids(result) == [BJENSEN_ID, MANDY_ID, "u9"]


def test_add_existing_member_with_other_display_changes_nothing(group: dict[str, Any]) -> None:
    """RFC 7643 §4.2: members' sub-attributes are immutable, so ``value`` names a member;
    Okta's add carries its own ``display`` (okta-provisioning.md, push groups) and must
    not duplicate an existing member (checks-catalog groups.patch.add-dup)."""
    okta = {"value": BJENSEN_ID, "display": "bjensen@example.com"}
    result, changed = run(
        group, {"op": "add", "path": "members", "value": [okta]}, resource_type=GROUP
    )
    assert not changed and result == group


def test_add_member_with_null_ref(group: dict[str, Any]) -> None:
    """Entra "Add Members": ``{"$ref": null, "value": id}`` — null is no value (RFC 7643
    §2.5), so the item is accepted and stored without ``$ref`` (checks-catalog
    groups.patch.add-ref-null)."""
    result = patched(
        group,
        {
            "op": "Add",
            "path": "members",
            "value": [{"$ref": None, "value": "u7"}, {"$ref": None, "value": "u8"}],
        },
        resource_type=GROUP,
    )
    assert result["members"][-2:] == [{"value": "u7"}, {"value": "u8"}]


def test_add_with_filter_and_sub_attribute_sets_it_on_matches(user: dict[str, Any]) -> None:
    """§3.5.2.1 with a valuePath: the sub-attribute of the selected values is set."""
    result = patched(user, {"op": "add", "path": 'emails[type eq "home"].display', "value": "Home"})
    assert result["emails"][1] == {"value": "babs@jensen.org", "type": "home", "display": "Home"}
    assert result["emails"][0] == user["emails"][0]


def test_add_with_type_filter_and_no_match_creates_the_value(user: dict[str, Any]) -> None:
    """§3.5.2.1 "If the target location does not exist, the attribute and value are added";
    Entra uses Add for values that do not exist yet (entra-provisioning.md §4)."""
    result = patched(
        user, {"op": "Add", "path": 'phoneNumbers[type eq "fax"].value', "value": "555-1"}
    )
    assert result["phoneNumbers"][-1] == {"type": "fax", "value": "555-1"}


def test_add_with_other_filter_and_no_match_is_no_target(user: dict[str, Any]) -> None:
    """§3.12 noTarget: a filter that does not say what to create selects nothing to add to."""
    error = failure(user, {"op": "add", "path": 'emails[value eq "zz"].display', "value": "x"})
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_add_with_filter_merges_object_into_matches(user: dict[str, Any]) -> None:
    """§3.5.2.1: a complex target takes "a set of sub-attributes", given ones replaced."""
    result = patched(
        user, {"op": "add", "path": 'emails[type eq "home"]', "value": {"display": "H"}}
    )
    assert result["emails"][1] == {"value": "babs@jensen.org", "type": "home", "display": "H"}


def test_add_primary_value_demotes_the_old_primary(user: dict[str, Any]) -> None:
    """RFC 7644 §3.5.2 / RFC 7643 §2.4: when PATCH sets primary true on one value, the others
    are set to false — the newly set value wins (pitfalls §12)."""
    new = {"value": "b@x.org", "type": "other", "primary": True}
    result = patched(user, {"op": "add", "path": "emails", "value": [new]})
    assert emails(result) == [
        ("bjensen@example.com", "work", False),
        ("babs@jensen.org", "home", None),
        ("b@x.org", "other", True),
    ]


def test_add_two_primaries_at_once_is_invalid(user: dict[str, Any]) -> None:
    """RFC 7643 §2.4: at most one primary; one operation naming two contradicts itself."""
    two = [{"value": "a@x.org", "primary": True}, {"value": "b@x.org", "primary": True}]
    error = failure(user, {"op": "add", "path": "emails", "value": two})
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_add_extension_attribute_by_urn_path_lists_the_schema(user: dict[str, Any]) -> None:
    """RFC 7644 §3.10 URN-qualified path; RFC 7643 §3 ``schemas`` names the schemas whose
    attributes are present, so enterprise data implies the enterprise URN."""
    result = patched(
        user, {"op": "add", "path": f"{ENTERPRISE_USER_URN}:department", "value": "Tour Operations"}
    )
    assert result[ENTERPRISE_USER_URN] == {"department": "Tour Operations"}
    assert result["schemas"] == [USER_URN, ENTERPRISE_USER_URN]


def test_pathless_add_merges_an_extension_object(user: dict[str, Any]) -> None:
    """RFC 7643 §3: extension attributes sit in an object under the URN key (pitfalls §13)."""
    user[ENTERPRISE_USER_URN] = {"costCenter": "4130"}
    result = patched(
        user, {"op": "add", "value": {ENTERPRISE_USER_URN.upper(): {"DEPARTMENT": "Ops"}}}
    )
    assert result[ENTERPRISE_USER_URN] == {"costCenter": "4130", "department": "Ops"}


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(
            [{"$ref": "http://example.com/Users/26118915", "value": "26118915"}], id="array-of-one"
        ),
        pytest.param("26118915", id="bare-id"),
        pytest.param({"value": "26118915"}, id="object"),
    ],
)
def test_entra_manager_shapes(user: dict[str, Any], value: Any) -> None:
    """Entra tutorial example 5: ``{"op":"Add","path":"manager","value":[{"$ref":…,"value":…}]}``
    — bare ``manager`` path and a one-element array for a singular complex attribute; its
    schema example uses a bare id string (entra-provisioning.md §3)."""
    result = patched(user, {"op": "Add", "path": "manager", "value": value})
    assert result[ENTERPRISE_USER_URN]["manager"]["value"] == "26118915"
    assert ENTERPRISE_USER_URN in result["schemas"]


def test_manager_array_of_two_is_invalid(user: dict[str, Any]) -> None:
    """RFC 7643 §4.3: manager is single-valued; only the one-element Entra shape is read."""
    two = [{"value": "a"}, {"value": "b"}]
    error = failure(user, {"op": "add", "path": "manager", "value": two})
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_add_wrong_type_is_invalid_value(user: dict[str, Any]) -> None:
    """RFC 7643 §2.3 data types; §3.12 invalidValue (checked by resources.coerce_value)."""
    error = failure(user, {"op": "add", "path": "active", "value": "yes"})
    assert (error.status, error.scim_type) == (400, "invalidValue")


# --------------------------------------------------------------------------
# remove (RFC 7644 §3.5.2.2)
# --------------------------------------------------------------------------


def test_remove_without_path_is_no_target(user: dict[str, Any]) -> None:
    """§3.5.2.2: "If 'path' is unspecified, the operation fails with … 'noTarget'"."""
    error = failure(user, {"op": "remove"})
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_remove_single_value_unassigns_it(user: dict[str, Any]) -> None:
    """§3.5.2.2: the attribute "SHALL be considered unassigned" — absent, not "" or null
    (RFC 7643 §2.5, pitfalls §3)."""
    result, changed = run(user, {"op": "remove", "path": "title"})
    assert changed and "title" not in result


def test_remove_of_unassigned_attribute_changes_nothing(user: dict[str, Any]) -> None:
    """pitfalls §9: removing an attribute that has no value succeeds with no change."""
    del user["title"]
    result, changed = run(user, {"op": "remove", "path": "title"})
    assert not changed and result == user


def test_rfc_3_5_2_2_example_remove_all_members(group: dict[str, Any]) -> None:
    """§3.5.2.2 example "remove all members of a group": unassigned, not []."""
    result = patched(group, {"op": "remove", "path": "members"}, resource_type=GROUP)
    assert "members" not in result


def test_rfc_3_5_2_2_example_remove_one_member(group: dict[str, Any]) -> None:
    """§3.5.2.2 example: ``members[value eq "2819c223-…"]`` removes only that member."""
    result = patched(
        group, {"op": "remove", "path": f'members[value eq "{BJENSEN_ID}"]'}, resource_type=GROUP
    )
    assert member_ids(result) == [MANDY_ID]


def test_rfc_3_5_2_2_example_remove_multiple_members(group: dict[str, Any]) -> None:
    """§3.5.2.2 example: several remove operations in one request; the last member gone
    leaves ``members`` unassigned ("the multi-valued attribute SHALL be considered unassigned")."""
    result = patched(
        group,
        {"op": "remove", "path": f'members[value eq "{BJENSEN_ID}"]'},
        {"op": "remove", "path": f'members[value eq "{MANDY_ID}"]'},
        resource_type=GROUP,
    )
    assert "members" not in result


def test_rfc_3_5_2_2_example_remove_with_complex_filter(user: dict[str, Any]) -> None:
    """§3.5.2.2 example: ``emails[type eq "work" and value ew "example.com"]``."""
    result = patched(
        user, {"op": "remove", "path": 'emails[type eq "work" and value ew "example.com"]'}
    )
    assert emails(result) == [("babs@jensen.org", "home", None)]


def test_rfc_3_5_2_2_example_replace_members_by_remove_then_add(group: dict[str, Any]) -> None:
    """§3.5.2.2 example: remove all members, then add new ones, in one request."""
    result = patched(
        group,
        {"op": "remove", "path": "members"},
        {"op": "add", "path": "members", "value": [{"value": "u1"}, {"value": "u2"}]},
        resource_type=GROUP,
    )
    assert member_ids(result) == ["u1", "u2"]


def test_remove_filter_without_match_is_no_target(user: dict[str, Any]) -> None:
    """§3.12 noTarget: "The specified path did not yield an attribute or attribute value
    that could be operated on" (pitfalls §9, strict by default)."""
    error = failure(user, {"op": "remove", "path": 'emails[type eq "other"]'})
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_remove_filter_without_match_is_no_op_when_lenient(user: dict[str, Any]) -> None:
    """pitfalls §9: Compat.lenient_remove turns the unmatched remove into a no-op."""
    result, changed = run(
        user, {"op": "remove", "path": 'emails[type eq "other"]'}, compat=LENIENT_REMOVE
    )
    assert not changed and result == user


def test_remove_sub_attribute_of_matches(user: dict[str, Any]) -> None:
    """§3.5.2.2: "Sub-attributes whose values have been removed SHALL be considered unassigned"."""
    result = patched(user, {"op": "remove", "path": 'emails[type eq "work"].primary'})
    assert result["emails"][0] == {"value": "bjensen@example.com", "type": "work"}
    assert result["emails"][1] == user["emails"][1]


def test_remove_sub_attribute_of_singular_complex(user: dict[str, Any]) -> None:
    """§3.5.2.2 single-value target ``name.middleName``: the rest of ``name`` stays."""
    result = patched(user, {"op": "remove", "path": "name.middleName"})
    assert "middleName" not in result["name"]
    assert result["name"]["givenName"] == "Barbara"


def test_remove_last_sub_attribute_unassigns_the_complex(user: dict[str, Any]) -> None:
    """RFC 7643 §2.5: a complex value with nothing in it is unassigned, not ``{}``."""
    user["name"] = {"givenName": "Barbara"}
    assert "name" not in patched(user, {"op": "remove", "path": "name.givenName"})


def test_remove_last_extension_attribute_drops_the_extension(user: dict[str, Any]) -> None:
    """RFC 7643 §2.5: no empty extension object is stored."""
    user[ENTERPRISE_USER_URN] = {"department": "Ops"}
    result = patched(user, {"op": "remove", "path": f"{ENTERPRISE_USER_URN}:department"})
    assert ENTERPRISE_USER_URN not in result


@pytest.mark.parametrize(
    ("resource_type", "path"),
    [(USER, "userName"), (GROUP, "displayName"), (USER, "schemas")],
)
def test_remove_of_required_attribute_is_mutability(
    user: dict[str, Any], group: dict[str, Any], resource_type: ResourceType, path: str
) -> None:
    """§3.5.2.2: "If an attribute is removed or becomes unassigned and is defined as a
    required attribute … 'mutability'" (pitfalls §16)."""
    resource = user if resource_type is USER else group
    error = failure(resource, {"op": "remove", "path": path}, resource_type=resource_type)
    assert (error.status, error.scim_type) == (400, "mutability")


@pytest.mark.parametrize("path", ["id", "meta", "meta.lastModified", "groups"])
def test_remove_of_read_only_attribute_is_mutability(user: dict[str, Any], path: str) -> None:
    """§3.5.2.2 (read-only removed → mutability); RFC 7643 §3.1 id/meta, §4.1.2 groups."""
    error = failure(user, {"op": "remove", "path": path})
    assert (error.status, error.scim_type) == (400, "mutability")


def test_entra_legacy_remove_with_value_removes_only_listed(group: dict[str, Any]) -> None:
    """Entra "Remove Members" (legacy): ``path: members`` with a value list removes only the
    listed members, never all (entra-provisioning.md §4–§5; checks-catalog vendor bug 16)."""
    result = patched(
        group,
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": BJENSEN_ID}]},
        resource_type=GROUP,
    )
    assert member_ids(result) == [MANDY_ID]


def test_legacy_remove_of_absent_member_changes_nothing(group: dict[str, Any]) -> None:
    """The listed value names what must not remain; already gone is success (Entra retries)."""
    result, changed = run(
        group,
        {"op": "remove", "path": "members", "value": [{"value": "gone"}]},
        resource_type=GROUP,
    )
    assert not changed and result == group


def test_remove_with_value_without_value_key_matches_whole_values(user: dict[str, Any]) -> None:
    """Generalised legacy remove: addresses have no ``value`` sub-attribute (RFC 7643
    §4.1.2), so a listed address is matched as a whole, caseExact-aware."""
    home = dict(user["addresses"][1], locality="HOLLYWOOD")
    result = patched(user, {"op": "remove", "path": "addresses", "value": home})
    assert [a["type"] for a in result["addresses"]] == ["work"]


# --------------------------------------------------------------------------
# replace (RFC 7644 §3.5.2.3)
# --------------------------------------------------------------------------


def test_rfc_3_5_2_3_example_replace_all_members(group: dict[str, Any]) -> None:
    """§3.5.2.3 example: replace ``members`` — "the attribute and all values are replaced"."""
    members = [
        {"display": "Babs Jensen", "$ref": f"https://example.com/v2/Users/{BJENSEN_ID}",
         "value": BJENSEN_ID},
        {"display": "James Smith", "$ref": "https://example.com/v2/Users/08e1d05d",
         "value": "08e1d05d-121c-4561-8b96-473d93df9210"},
    ]  # fmt: skip
    result = patched(
        group, {"op": "replace", "path": "members", "value": members}, resource_type=GROUP
    )
    assert result["members"] == members


def test_rfc_3_5_2_3_example_replace_work_address(user: dict[str, Any]) -> None:
    """§3.5.2.3 example: ``addresses[type eq "work"]`` replaced by a whole new record."""
    address = {
        "type": "work",
        "streetAddress": "911 Universal City Plaza",
        "locality": "Hollywood",
        "region": "CA",
        "postalCode": "91608",
        "country": "US",
        "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
        "primary": True,
    }
    result = patched(user, {"op": "replace", "path": 'addresses[type eq "work"]', "value": address})
    assert result["addresses"] == [address, user["addresses"][1]]


def test_rfc_3_5_2_3_example_replace_street_address(user: dict[str, Any]) -> None:
    """§3.5.2.3 example: ``addresses[type eq "work"].streetAddress`` — "the matching
    sub-attribute of all matching records is replaced"."""
    result = patched(
        user,
        {
            "op": "replace",
            "path": 'addresses[type eq "work"].streetAddress',
            "value": "1010 Broadway Ave",
        },
    )
    assert result["addresses"][0] == dict(user["addresses"][0], streetAddress="1010 Broadway Ave")
    assert result["addresses"][1] == user["addresses"][1]


def test_rfc_3_5_2_3_example_pathless_replace(user: dict[str, Any]) -> None:
    """§3.5.2.3 example: path-less replace of emails and "nickname" — all values replaced."""
    new_emails = [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ]
    user["emails"].append({"value": "old@x.org", "type": "other"})
    result = patched(user, {"op": "replace", "value": {"emails": new_emails, "nickname": "Babs J"}})
    assert result["emails"] == new_emails
    assert result["nickName"] == "Babs J"


def test_replace_simple_attribute(user: dict[str, Any]) -> None:
    """§3.5.2.3: "If the target location is a single-value attribute, the attributes value
    is replaced" (checks-catalog patch.replace.simple)."""
    assert (
        patched(user, {"op": "replace", "path": "displayName", "value": "B"})["displayName"] == "B"
    )


def test_replace_sub_attribute_keeps_the_others(user: dict[str, Any]) -> None:
    """§3.5.2.3 ``name.familyName`` (checks-catalog patch.replace.subattr)."""
    result = patched(user, {"op": "replace", "path": "name.familyName", "value": "Smith"})
    assert result["name"] == dict(user["name"], familyName="Smith")


def test_replace_complex_with_partial_object_merges(user: dict[str, Any]) -> None:
    """§3.5.2.3: "Sub-attributes that are not specified in the 'value' parameter are left
    unchanged" (checks-catalog patch.replace.complex-partial)."""
    result = patched(user, {"op": "replace", "path": "name", "value": {"givenName": "Barb"}})
    assert result["name"] == dict(user["name"], givenName="Barb")


def test_replace_of_absent_attribute_is_an_add(user: dict[str, Any]) -> None:
    """§3.5.2.3: "If the target location path specifies an attribute that does not exist,
    the service provider SHALL treat the operation as an 'add'"."""
    del user["name"]
    result = patched(user, {"op": "replace", "path": "name.givenName", "value": "Barb"})
    assert result["name"] == {"givenName": "Barb"}


def test_replace_multi_valued_without_filter_replaces_all(user: dict[str, Any]) -> None:
    """§3.5.2.3 (checks-catalog patch.replace.multi-all)."""
    result = patched(user, {"op": "replace", "path": "phoneNumbers", "value": [{"value": "1"}]})
    assert result["phoneNumbers"] == [{"value": "1"}]


def test_replace_filter_sub_attribute_changes_only_matches(user: dict[str, Any]) -> None:
    """§3.5.2.3 / Entra ``Replace emails[type eq "work"].value`` (checks-catalog
    patch.replace.valuefilter-sub)."""
    result = patched(
        user, {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new@example.com"}
    )
    assert emails(result) == [
        ("new@example.com", "work", True),
        ("babs@jensen.org", "home", None),
    ]


def test_replace_filter_without_match_is_no_target(user: dict[str, Any]) -> None:
    """§3.5.2.3: "no record match was made … 'noTarget'" (pitfalls §10, strict default)."""
    error = failure(
        user, {"op": "replace", "path": 'emails[type eq "other"].value', "value": "o@x"}
    )
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_replace_creates_typed_value_under_entra_compat(user: dict[str, Any]) -> None:
    """pitfalls §10: with Compat.replace_creates a ``type eq "…"`` filter with no match
    creates ``{type, value}`` (Entra replaces work emails users do not have yet)."""
    del user["emails"]
    result = patched(
        user,
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "w@x.org"},
        compat=ENTRA,
    )
    assert result["emails"] == [{"type": "work", "value": "w@x.org"}]


def test_replace_creates_only_for_a_type_equality(user: dict[str, Any]) -> None:
    """pitfalls §10: "Any other filter stays strict" even under the Entra compat."""
    error = failure(
        user,
        {"op": "replace", "path": 'emails[value eq "zz"].type', "value": "work"},
        compat=ENTRA,
    )
    assert (error.status, error.scim_type) == (400, "noTarget")


def test_replace_filter_primary_demotes_the_old_primary(user: dict[str, Any]) -> None:
    """RFC 7644 §3.5.2: setting primary true on one value sets the others false."""
    result = patched(
        user, {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}
    )
    assert emails(result) == [
        ("bjensen@example.com", "work", False),
        ("babs@jensen.org", "home", True),
    ]


def test_replace_with_null_unassigns(user: dict[str, Any]) -> None:
    """RFC 7643 §2.5: "Assigning an attribute with the value 'null' … has the effect of making
    the attribute 'unassigned'"."""
    assert "title" not in patched(user, {"op": "replace", "path": "title", "value": None})


def test_replace_required_with_null_is_mutability(user: dict[str, Any]) -> None:
    """§3.5.2.2's rule covers any attribute that "becomes unassigned" and is required."""
    error = failure(user, {"op": "replace", "path": "userName", "value": None})
    assert (error.status, error.scim_type) == (400, "mutability")


def test_okta_deactivate(user: dict[str, Any]) -> None:
    """Okta deactivate: ``{"op":"replace","value":{"active":false}}`` (okta-provisioning.md;
    checks-catalog patch.replace.pathless-okta)."""
    result, changed = run(user, {"op": "replace", "value": {"active": False}})
    assert changed and result["active"] is False
    assert {k: v for k, v in result.items() if k != "active"} == {
        k: v for k, v in user.items() if k != "active"
    }


def test_okta_group_rename_ignores_its_own_id(group: dict[str, Any]) -> None:
    """Okta rename: ``{"op":"replace","value":{"id":"<id>","displayName":"<new>"}}``
    (okta-provisioning.md): writing ``id`` with its current value modifies nothing."""
    value = {"id": group["id"], "displayName": "Guides"}
    result = patched(group, {"op": "replace", "value": value}, resource_type=GROUP)
    assert result == dict(group, displayName="Guides")


def test_okta_group_rename_with_another_id_is_mutability(group: dict[str, Any]) -> None:
    """RFC 7643 §3.1: id is readOnly; RFC 7644 §3.5.2: "MUST NOT modify" → mutability."""
    value = {"id": "another-id", "displayName": "Guides"}
    error = failure(group, {"op": "replace", "value": value}, resource_type=GROUP)
    assert (error.status, error.scim_type) == (400, "mutability")


@pytest.mark.parametrize("sent", ["False", "false", "FALSE"])
def test_entra_string_booleans(user: dict[str, Any], sent: str) -> None:
    """Entra legacy ``{"op":"Replace","path":"active","value":"False"}`` (entra-provisioning.md
    §5; pitfalls §14): read as false while Compat.string_booleans is on."""
    assert patched(user, {"op": "Replace", "path": "active", "value": sent})["active"] is False


def test_string_booleans_refused_when_strict(user: dict[str, Any]) -> None:
    """RFC 7643 §2.3.2: a boolean is JSON true/false; without the compat switch → invalidValue."""
    error = failure(user, {"op": "replace", "path": "active", "value": "False"}, compat=STRICT)
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_string_boolean_only_for_boolean_attributes(user: dict[str, Any]) -> None:
    """pitfalls §14: string booleans apply to boolean attributes only; title stays a string."""
    assert patched(user, {"op": "replace", "path": "title", "value": "True"})["title"] == "True"


def test_entra_compliant_pathless_replace_with_path_keys(user: dict[str, Any]) -> None:
    """Entra ``aadOptscim062020``: path-less replace whose keys are paths — dotted
    ``name.givenName`` and a URN-prefixed ``…:employeeNumber`` (entra-provisioning.md §5;
    pitfalls §13; checks-catalog patch.replace.pathless-dotted)."""
    value = {
        "displayName": "Barbara J",
        "name.givenName": "Barb",
        "name.familyName": "Jensen-Smith",
        f"{ENTERPRISE_USER_URN}:employeeNumber": "701984",
    }
    result = patched(user, {"op": "replace", "value": value})
    assert result["displayName"] == "Barbara J"
    assert result["name"] == dict(user["name"], givenName="Barb", familyName="Jensen-Smith")
    assert result[ENTERPRISE_USER_URN] == {"employeeNumber": "701984"}
    assert ENTERPRISE_USER_URN in result["schemas"]


def test_pathless_key_with_value_filter(user: dict[str, Any]) -> None:
    """pitfalls §13: a key may even be a valuePath, applied as its own operation."""
    value = {'emails[type eq "work"].value': "new@example.com"}
    result = patched(user, {"op": "replace", "value": value})
    assert result["emails"][0]["value"] == "new@example.com"


def test_pathless_unknown_key_is_invalid_value(user: dict[str, Any]) -> None:
    """§3.12 invalidValue: a value "not compatible with the operation" — there is no path."""
    error = failure(user, {"op": "replace", "value": {"shoeSize": 44}})
    assert (error.status, error.scim_type) == (400, "invalidValue")


@pytest.mark.parametrize("value", ["Babs", ["Babs"], None, 1])
def test_pathless_value_must_be_an_object(user: dict[str, Any], value: Any) -> None:
    """§3.5.2.1/§3.5.2.3: without a path the value is "a set of attributes"."""
    error = failure(user, {"op": "replace", "value": value})
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_pathless_case_duplicate_keys_are_invalid(user: dict[str, Any]) -> None:
    """RFC 7643 §2.1: ``title`` and ``TITLE`` name one attribute twice."""
    error = failure(user, {"op": "replace", "value": {"title": "a", "TITLE": "b"}})
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_urn_path_for_extension_attribute(user: dict[str, Any]) -> None:
    """RFC 7644 §3.10: ``urn:…:enterprise:2.0:User:department`` as a path (Entra; checks-catalog
    patch.replace.urn-path)."""
    path = f"{ENTERPRISE_USER_URN}:department"
    assert patched(user, {"op": "Replace", "path": path, "value": "HR"})[ENTERPRISE_USER_URN] == {
        "department": "HR"
    }


def test_core_urn_prefixed_path(user: dict[str, Any]) -> None:
    """RFC 7644 §3.10: a core attribute may be written with its schema URN."""
    result = patched(user, {"op": "replace", "path": f"{USER_URN}:userName", "value": "bj"})
    assert result["userName"] == "bj"


def test_entra_multi_operation_update(user: dict[str, Any]) -> None:
    """Entra "Update User [Multi-valued properties]": two replaces in one request, applied
    in order (§3.5.2; checks-catalog patch.multi-op-order)."""
    result = patched(
        user,
        {
            "op": "Replace",
            "path": 'emails[type eq "work"].value',
            "value": "updatedEmail@microsoft.com",
        },
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
    )
    assert result["emails"][0]["value"] == "updatedEmail@microsoft.com"
    assert result["name"]["familyName"] == "updatedFamilyName"


def test_operations_apply_in_order(user: dict[str, Any]) -> None:
    """§3.5.2: later operations see the effect of earlier ones."""
    result = patched(
        user,
        {"op": "replace", "path": "title", "value": "a"},
        {"op": "remove", "path": "title"},
        {"op": "add", "path": "title", "value": "c"},
    )
    assert result["title"] == "c"


# --------------------------------------------------------------------------
# Mutability (RFC 7643 §2.2, RFC 7644 §3.5.2)
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "id", "value": "x"},
        {"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"},
        {"op": "add", "path": "groups", "value": [{"value": "g9"}]},
        {"op": "replace", "path": 'groups[display eq "Employees"].display', "value": "x"},
        {"op": "remove", "path": 'groups[display eq "Employees"]'},
        {"op": "add", "path": "manager", "value": {"value": "m1", "displayName": "Boss"}},
    ],
)
def test_read_only_changes_are_mutability(user: dict[str, Any], operation: dict[str, Any]) -> None:
    """§3.5.2: "a client MUST NOT modify an attribute that has mutability 'readOnly'";
    id, meta (RFC 7643 §3.1), groups (§4.1.2), manager.displayName (§4.3)."""
    error = failure(user, operation)
    assert (error.status, error.scim_type) == (400, "mutability")


def test_member_value_cannot_be_edited_in_place(group: dict[str, Any]) -> None:
    """RFC 7643 §4.2: members.value is immutable; §3.5.2 forbids modifying it."""
    error = failure(
        group,
        {"op": "replace", "path": f'members[value eq "{BJENSEN_ID}"].value', "value": "other"},
        resource_type=GROUP,
    )
    assert (error.status, error.scim_type) == (400, "mutability")


def test_immutable_sub_attribute_may_be_added_when_unset(group: dict[str, Any]) -> None:
    """§3.5.2: "a client MAY 'add' a value to an 'immutable' attribute if the attribute had
    no previous value" (checks-catalog patch.immutable-add-ok)."""
    del group["members"][0]["display"]
    result = patched(
        group,
        {"op": "add", "path": f'members[value eq "{BJENSEN_ID}"].display', "value": "Babs"},
        resource_type=GROUP,
    )
    assert result["members"][0]["display"] == "Babs"


def test_write_only_password_can_be_replaced(user: dict[str, Any]) -> None:
    """RFC 7643 §4.1.1: password is writeOnly — writable, never returned (Okta password push)."""
    assert patched(user, {"op": "replace", "path": "password", "value": "n3w"})["password"] == "n3w"


def test_schemas_extension_urn_may_be_added(user: dict[str, Any]) -> None:
    """Our reading of RFC 7643 §3: declared URNs may be listed, canonically spelt."""
    result = patched(user, {"op": "add", "path": "schemas", "value": ENTERPRISE_USER_URN.upper()})
    assert result["schemas"] == [USER_URN, ENTERPRISE_USER_URN]


def test_schemas_unknown_urn_is_invalid_value(user: dict[str, Any]) -> None:
    """pitfalls §22: a URN the resource type does not declare cannot be listed by PATCH."""
    error = failure(user, {"op": "add", "path": "schemas", "value": ["urn:example:x"]})
    assert (error.status, error.scim_type) == (400, "invalidValue")


def test_schemas_keep_core_and_extensions_with_data(user: dict[str, Any]) -> None:
    """RFC 7643 §3: ``schemas`` names the schemas of the attributes present."""
    user[ENTERPRISE_USER_URN] = {"department": "Ops"}
    user["schemas"] = [USER_URN, ENTERPRISE_USER_URN]
    result = patched(user, {"op": "replace", "path": "schemas", "value": [USER_URN.lower()]})
    assert result["schemas"] == [USER_URN, ENTERPRISE_USER_URN]
    emptied = failure(user, {"op": "replace", "path": "schemas", "value": []})
    assert emptied.scim_type == "mutability"  # §3.5.2.2: a required attribute made unassigned


# --------------------------------------------------------------------------
# Paths, errors, atomicity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["shoeSize", "name.shoeSize", "urn:example:ext:1.0:User:x"])
def test_unknown_path_is_invalid_path(user: dict[str, Any], path: str) -> None:
    """§3.12 invalidPath: a path that names no attribute of the resource type."""
    error = failure(user, {"op": "replace", "path": path, "value": "x"})
    assert (error.status, error.scim_type) == (400, "invalidPath")


def test_value_filter_on_singular_attribute_is_invalid_path(user: dict[str, Any]) -> None:
    """§3.5.2 valuePath selects values of a multi-valued attribute; title has one value."""
    error = failure(user, {"op": "replace", "path": 'title[value eq "x"]', "value": "x"})
    assert (error.status, error.scim_type) == (400, "invalidPath")


def test_patch_is_atomic(user: dict[str, Any]) -> None:
    """§3.5.2: "If a single operation encounters an error condition, the original SCIM
    resource MUST be restored" (pitfalls §15; checks-catalog patch.atomic). ``failure``
    checks the input is deep-equal to before; the detail names the failing operation."""
    error = failure(
        user,
        {"op": "replace", "path": "title", "value": "changed"},
        {"op": "replace", "path": "active", "value": "not-a-boolean"},
    )
    assert error.scim_type == "invalidValue"
    assert error.detail.startswith("Operations[1] (replace active)")


def test_apply_never_mutates_its_input_on_success(user: dict[str, Any]) -> None:
    """Atomicity relies on it: the caller keeps the original until it commits the result."""
    before = copy.deepcopy(user)
    result, _ = apply_patch(
        user,
        parse_patch_request(
            body({"op": "remove", "path": 'emails[type eq "work"].primary'}), DEFAULT
        ),
        USER,
        DEFAULT,
    )
    assert user == before
    result["emails"][1]["value"] = "mutated"
    assert user == before


class TestWholeExtensionPath:
    """A path that is an extension URN alone designates the extension's object.

    RFC 7644 §3.10 lets a schema URN stand for all of its attributes; the
    scim2-tester peer sends such paths for add, replace and remove.
    """

    def test_add_sets_the_extension_attributes(self, user: dict[str, Any]) -> None:
        user.pop(ENTERPRISE_USER_URN, None)
        result = patched(
            user, {"op": "add", "path": ENTERPRISE_USER_URN, "value": {"department": "Ops"}}
        )
        assert result[ENTERPRISE_USER_URN] == {"department": "Ops"}
        assert ENTERPRISE_USER_URN in result["schemas"]

    def test_replace_merges_like_a_pathless_replace(self, user: dict[str, Any]) -> None:
        user[ENTERPRISE_USER_URN] = {"department": "Old", "costCenter": "4130"}
        result = patched(
            user, {"op": "replace", "path": ENTERPRISE_USER_URN, "value": {"department": "New"}}
        )
        assert result[ENTERPRISE_USER_URN] == {"department": "New", "costCenter": "4130"}

    def test_remove_drops_the_whole_object(self, user: dict[str, Any]) -> None:
        user[ENTERPRISE_USER_URN] = {"department": "Old", "costCenter": "4130"}
        result, changed = run(user, {"op": "remove", "path": ENTERPRISE_USER_URN})
        assert ENTERPRISE_USER_URN not in result
        assert changed

    def test_remove_of_an_absent_extension_changes_nothing(self, user: dict[str, Any]) -> None:
        user.pop(ENTERPRISE_USER_URN, None)
        _, changed = run(user, {"op": "remove", "path": ENTERPRISE_USER_URN})
        assert not changed

    def test_unknown_attribute_inside_is_still_rejected(self, user: dict[str, Any]) -> None:
        error = failure(user, {"op": "add", "path": ENTERPRISE_USER_URN, "value": {"shoeSize": 44}})
        assert (error.status, error.scim_type) == (400, "invalidValue")

    def test_a_schemas_member_naming_the_extension_is_tolerated(self, user: dict[str, Any]) -> None:
        """scim2-models puts ``schemas`` inside extension objects; one naming it is harmless."""
        user.pop(ENTERPRISE_USER_URN, None)
        value = {"schemas": [ENTERPRISE_USER_URN], "department": "Ops"}
        result = patched(user, {"op": "replace", "path": ENTERPRISE_USER_URN, "value": value})
        assert result[ENTERPRISE_USER_URN] == {"department": "Ops"}

    def test_a_schemas_member_naming_another_schema_is_rejected(self, user: dict[str, Any]) -> None:
        value = {"schemas": [USER_URN], "department": "Ops"}
        error = failure(user, {"op": "replace", "path": ENTERPRISE_USER_URN, "value": value})
        assert error.status == 400
