"""Tests for harness.scim.resources: types, normalisation, PUT rules, projection, meta.

Each test names the RFC 7643/7644 section (or the IdP behaviour) its rule
comes from. Example resources are the RFC's own (§8.1–§8.4) and the create
bodies from Okta's and Microsoft Entra's reference docs (tests/scim/data).
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.scim.compat import DEFAULT, STRICT, Compat
from harness.scim.resources import (
    coerce_value,
    fold,
    format_timestamp,
    normalise_resource,
    now_timestamp,
    parse_attribute_list,
    parse_date_time,
    prepare_create,
    prepare_replace,
    project,
    resolve_name,
    resource_version,
    stamp_meta,
    validate_resource,
    values_equal,
)
from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    ENTERPRISE_USER_SCHEMA,
    ENTERPRISE_USER_URN,
    GROUP,
    GROUP_URN,
    IMMUTABLE,
    INTEGER,
    REFERENCE,
    REQUEST,
    STRING,
    USER,
    USER_SCHEMA,
    USER_URN,
    Attribute,
    ResourceType,
    Schema,
)
from tests.scim.helpers import scim_error

DATA = Path(__file__).parent / "data"
LENIENT = Compat(lenient_schemas=True)


def load(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def user_attr(name: str) -> Attribute:
    attribute = USER.top_level(name)
    assert attribute is not None
    return attribute


def minimal_user(**extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": "bjensen", **extra}


# A test-only resource type with the characteristics the core schemas lack:
# integer/decimal types, an immutable attribute, a request-returned one and a
# required extension (RFC 7643 §2.2, §6).
WIDGET_EXT = Schema(
    "urn:example:params:scim:schemas:extension:widget:2.0:Widget",
    "WidgetExtension",
    "test extension",
    (Attribute("colour", STRING, required=True), Attribute("size", INTEGER)),
)
WIDGET_SCHEMA = Schema(
    "urn:example:params:scim:schemas:core:2.0:Widget",
    "Widget",
    "test resource",
    (
        Attribute("serial", STRING, mutability=IMMUTABLE),
        Attribute("weight", DECIMAL),
        Attribute("secret", STRING, returned=REQUEST),
        Attribute(
            "spec",
            COMPLEX,
            sub_attributes=(
                Attribute("model", STRING, mutability=IMMUTABLE),
                Attribute("note", STRING),
            ),
        ),
    ),
)
WIDGET = ResourceType("Widget", "Widget", "/Widgets", "test", WIDGET_SCHEMA, ((WIDGET_EXT, True),))


def widget(**extra: Any) -> dict[str, Any]:
    return {
        "schemas": [WIDGET_SCHEMA.id, WIDGET_EXT.id],
        WIDGET_EXT.id: {"colour": "red"},
        **extra,
    }


# --------------------------------------------------------------------------
# coerce_value: RFC 7643 §2.3 data types
# --------------------------------------------------------------------------


class TestCoerceValue:
    def test_string_accepts_string_rejects_number(self) -> None:
        """RFC 7643 §2.3.1: string is a JSON string."""
        assert coerce_value(user_attr("title"), "Tour Guide", "title", STRICT) == "Tour Guide"
        with scim_error("invalidValue", r"'title' must be a string, got number 5"):
            coerce_value(user_attr("title"), 5, "title", STRICT)

    def test_boolean_json_literals(self) -> None:
        """RFC 7643 §2.3.2: true/false."""
        assert coerce_value(user_attr("active"), False, "active", STRICT) is False
        with scim_error("invalidValue", r"'active' must be a boolean, got string \"False\""):
            coerce_value(user_attr("active"), "False", "active", STRICT)

    @pytest.mark.parametrize(
        ("sent", "stored"), [("True", True), ("false", False), ("FALSE", False)]
    )
    def test_boolean_strings_under_entra_compat(self, sent: str, stored: bool) -> None:
        """Entra legacy sends "True"/"False" (Known issues …; pitfalls §14)."""
        assert coerce_value(user_attr("active"), sent, "active", DEFAULT) is stored

    def test_boolean_compat_does_not_accept_other_strings(self) -> None:
        with scim_error("invalidValue", "boolean"):
            coerce_value(user_attr("active"), "yes", "active", DEFAULT)

    def test_integer_is_not_boolean_nor_fraction(self) -> None:
        """RFC 7643 §2.3.4: a whole number; JSON true is not an integer."""
        size = WIDGET_EXT.get("size")
        assert size is not None
        assert coerce_value(size, 3, "size", STRICT) == 3
        for bad in (True, 1.5, "3"):
            with scim_error("invalidValue", "must be an integer"):
                coerce_value(size, bad, "size", STRICT)

    def test_decimal_accepts_numbers_only(self) -> None:
        """RFC 7643 §2.3.3: a real number (an integral one included)."""
        weight = WIDGET_SCHEMA.get("weight")
        assert weight is not None
        assert coerce_value(weight, 2, "weight", STRICT) == 2
        assert coerce_value(weight, 2.5, "weight", STRICT) == 2.5
        for bad in (True, "2.5", float("nan"), float("inf")):
            with scim_error("invalidValue", "decimal"):
                coerce_value(weight, bad, "weight", STRICT)

    @pytest.mark.parametrize(
        "text",
        ["2008-01-23T04:56:22Z", "2008-01-23T04:56:22.123+02:00", "2008-01-23T04:56:22"],
    )
    def test_date_time_valid_kept_as_sent(self, text: str) -> None:
        """RFC 7643 §2.3.5: xsd:dateTime, date and time both present."""
        created = Attribute("created", DATETIME)
        assert coerce_value(created, text, "meta.created", STRICT) == text

    @pytest.mark.parametrize(
        "text",
        ["2008-01-23", "2008-13-01T00:00:00Z", "2008-01-23 04:56:22Z", "2008-01-23T04:56:22+15:00"],
    )
    def test_date_time_invalid(self, text: str) -> None:
        with scim_error("invalidValue", "xsd:dateTime"):
            coerce_value(Attribute("created", DATETIME), text, "meta.created", STRICT)

    def test_binary_is_base64(self) -> None:
        """RFC 7643 §2.3.6: base64 per RFC 4648 §4."""
        cert = Attribute("value", BINARY, case_exact=True)
        assert coerce_value(cert, "TWFu", "x", STRICT) == "TWFu"
        for bad in ("not base64!", "TWF", 42):
            with scim_error("invalidValue", "base64"):
                coerce_value(cert, bad, "x509Certificates[0].value", STRICT)

    def test_reference_accepts_relative_uri(self) -> None:
        """RFC 7643 §2.3.7; §8.3 itself uses "../Groups/…"."""
        ref = Attribute("$ref", REFERENCE)
        assert coerce_value(ref, "../Groups/1", "groups.$ref", STRICT) == "../Groups/1"
        with scim_error("invalidValue", "URI"):
            coerce_value(ref, {"href": "x"}, "groups.$ref", STRICT)

    def test_null_is_unassigned(self) -> None:
        """RFC 7643 §2.5: null is equivalent to unassigned."""
        assert coerce_value(user_attr("title"), None, "title", STRICT) is None

    def test_complex_sub_attribute_names_canonicalised(self) -> None:
        """RFC 7643 §2.1 (names case-insensitive), §2.3.8 complex."""
        value = coerce_value(
            user_attr("name"), {"GIVENNAME": "Barbara", "familyname": "Jensen"}, "name", STRICT
        )
        assert value == {"givenName": "Barbara", "familyName": "Jensen"}

    def test_complex_unknown_sub_attribute(self) -> None:
        with scim_error("invalidValue", r"unknown sub-attribute 'nick' in 'name'"):
            coerce_value(user_attr("name"), {"nick": "Babs"}, "name", STRICT)
        assert coerce_value(user_attr("name"), {"nick": [], "givenName": "B"}, "n", STRICT) == {
            "givenName": "B"
        }

    def test_complex_nulls_dropped_and_empty_is_unassigned(self) -> None:
        """RFC 7643 §2.5; Entra sends "$ref": null on members."""
        members = GROUP.top_level("members")
        assert members is not None
        assert coerce_value(members, [{"$ref": None, "value": "u1"}], "members", STRICT) == [
            {"value": "u1"}
        ]
        assert coerce_value(user_attr("name"), {"givenName": None}, "name", STRICT) is None

    def test_complex_must_be_object(self) -> None:
        with scim_error("invalidValue", r"'name' must be an object, got string"):
            coerce_value(user_attr("name"), "Barbara Jensen", "name", STRICT)

    def test_sub_attribute_types_checked_with_their_path(self) -> None:
        with scim_error("invalidValue", r"'emails\[1\]\.primary' must be a boolean"):
            coerce_value(
                user_attr("emails"),
                [{"value": "a@x"}, {"value": "b@x", "primary": "yes"}],
                "emails",
                STRICT,
            )

    def test_multi_valued_requires_array(self) -> None:
        """RFC 7643 §2.4: multi-valued attributes are JSON arrays."""
        with scim_error("invalidValue", r"'emails' must be an array of objects, got object"):
            coerce_value(user_attr("emails"), {"value": "a@x"}, "emails", STRICT)

    def test_empty_array_is_unassigned(self) -> None:
        """RFC 7643 §2.5: an empty array is equivalent to unassigned (Entra's roles: [])."""
        assert coerce_value(user_attr("roles"), [], "roles", STRICT) is None
        assert coerce_value(user_attr("roles"), [None], "roles", STRICT) is None

    def test_canonical_values_not_enforced(self) -> None:
        """RFC 7643 §2.3.1: a service provider MAY accept values outside canonicalValues."""
        value = [{"value": "a@x", "type": "custom"}]
        assert coerce_value(user_attr("emails"), value, "emails", STRICT) == value

    @given(st.text())
    @settings(max_examples=50)
    def test_any_string_is_a_string(self, text: str) -> None:
        assert coerce_value(user_attr("nickName"), text, "nickName", STRICT) == text

    @given(st.one_of(st.integers(), st.floats(), st.booleans(), st.lists(st.text(), max_size=2)))
    @settings(max_examples=50)
    def test_non_strings_are_refused_for_strings(self, value: Any) -> None:
        with scim_error("invalidValue", "nickName"):
            coerce_value(user_attr("nickName"), value, "nickName", STRICT)


# --------------------------------------------------------------------------
# normalise_resource
# --------------------------------------------------------------------------


RFC_EXAMPLES = [
    ("rfc7643_8_1_minimal_user.json", USER),
    ("rfc7643_8_2_full_user.json", USER),
    ("rfc7643_8_3_enterprise_user.json", USER),
    ("rfc7643_8_4_group.json", GROUP),
]


class TestNormalise:
    @pytest.mark.parametrize(("name", "resource_type"), RFC_EXAMPLES)
    def test_rfc_examples_round_trip_unchanged(
        self, name: str, resource_type: ResourceType
    ) -> None:
        """RFC 7643 §8.1–§8.4: the RFC's own resources are already canonical."""
        example = load(name)
        assert normalise_resource(example, resource_type, STRICT) == example

    def test_body_must_be_object(self) -> None:
        with scim_error("invalidSyntax", "must be a JSON object, got array"):
            normalise_resource([minimal_user()], USER, STRICT)

    def test_schemas_required(self) -> None:
        """RFC 7643 §3: schemas is REQUIRED; pitfalls §21 -> invalidSyntax."""
        with scim_error("invalidSyntax", "no 'schemas'"):
            normalise_resource({"userName": "bjensen"}, USER, STRICT)

    def test_schemas_inferred_when_lenient(self) -> None:
        """compat.lenient_schemas (pitfalls §21)."""
        resource = normalise_resource({"userName": "bjensen"}, USER, LENIENT)
        assert resource == {"schemas": [USER_URN], "userName": "bjensen"}

    @pytest.mark.parametrize("schemas", [USER_URN, [1], {"0": USER_URN}])
    def test_schemas_must_be_array_of_strings(self, schemas: Any) -> None:
        with scim_error("invalidSyntax", "array of URN strings"):
            normalise_resource({"schemas": schemas, "userName": "b"}, USER, LENIENT)

    def test_schemas_must_include_core_urn(self) -> None:
        """RFC 7643 §3: schemas names the resource's schemas; a Group URN is not a User's."""
        with scim_error(
            "invalidSyntax", "must include 'urn:ietf:params:scim:schemas:core:2.0:User'"
        ):
            normalise_resource({"schemas": [GROUP_URN], "userName": "b"}, USER, STRICT)

    def test_schemas_missing_core_urn_added_when_lenient(self) -> None:
        resource = normalise_resource(
            {"schemas": [ENTERPRISE_USER_URN], "userName": "b"}, USER, LENIENT
        )
        assert resource["schemas"] == [USER_URN, ENTERPRISE_USER_URN]

    def test_schema_urns_match_case_insensitively(self) -> None:
        resource = normalise_resource(
            {"schemas": [USER_URN.upper()], "userName": "b"}, USER, STRICT
        )
        assert resource["schemas"] == [USER_URN]

    def test_undeclared_urn_without_data_ignored(self) -> None:
        """Pitfalls §22: Entra's group create lists a Microsoft URN the server never declared."""
        resource = normalise_resource(load("entra_create_group.json"), GROUP, STRICT)
        assert resource["schemas"] == [GROUP_URN]

    def test_undeclared_urn_key_with_data_refused(self) -> None:
        """Pitfalls §22: data under an undeclared extension URN cannot be stored."""
        body = minimal_user(**{"urn:example:ext:2.0:User": {"badge": "7"}})
        with scim_error("invalidValue", "'urn:example:ext:2.0:User' is not a schema extension"):
            normalise_resource(body, USER, STRICT)

    def test_unknown_attribute_refused(self) -> None:
        with scim_error("invalidValue", "^unknown attribute 'foo' for resource type User$"):
            normalise_resource(minimal_user(foo="bar"), USER, STRICT)

    def test_unknown_attribute_with_null_is_no_data(self) -> None:
        """RFC 7643 §2.5; Entra's example 2 sends "department": null at the top level."""
        assert normalise_resource(minimal_user(department=None, manager=[]), USER, STRICT) == (
            minimal_user()
        )

    def test_attribute_names_canonicalised(self) -> None:
        """RFC 7643 §2.1: attribute names are case-insensitive."""
        body = {
            "SCHEMAS": [USER_URN],
            "USERNAME": "bjensen",
            "Name": {"GivenName": "Barbara"},
            ENTERPRISE_USER_URN.upper(): {"DEPARTMENT": "Tours"},
        }
        assert normalise_resource(body, USER, STRICT) == {
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "bjensen",
            "name": {"givenName": "Barbara"},
            ENTERPRISE_USER_URN: {"department": "Tours"},
        }

    def test_case_duplicate_names_refused(self) -> None:
        with scim_error("invalidValue", "'userName' and 'USERNAME' .*name the same attribute"):
            normalise_resource(minimal_user(USERNAME="other"), USER, STRICT)

    def test_nulls_dropped(self) -> None:
        """RFC 7643 §2.5: null is unassigned; the internal form has no nulls."""
        body = minimal_user(title=None, emails=None, addresses=[], name={"givenName": None})
        assert normalise_resource(body, USER, STRICT) == minimal_user()

    def test_extension_must_be_object(self) -> None:
        with scim_error("invalidValue", "object of extension attributes"):
            normalise_resource(minimal_user(**{ENTERPRISE_USER_URN: "Tours"}), USER, STRICT)

    def test_unknown_extension_attribute_refused(self) -> None:
        body = minimal_user(**{ENTERPRISE_USER_URN: {"badge": "7"}})
        with scim_error(
            "invalidValue", f"unknown attribute 'badge' in schema extension {ENTERPRISE_USER_URN}"
        ):
            normalise_resource(body, USER, STRICT)

    def test_extension_values_coerced_with_urn_path(self) -> None:
        body = minimal_user(**{ENTERPRISE_USER_URN: {"department": 7}})
        with scim_error("invalidValue", f"'{ENTERPRISE_USER_URN}:department' must be a string"):
            normalise_resource(body, USER, STRICT)

    def test_extension_with_data_added_to_schemas(self) -> None:
        """RFC 7643 §3: schemas lists the schemas whose attributes are present."""
        body = minimal_user(**{ENTERPRISE_USER_URN: {"department": "Tours"}})
        assert normalise_resource(body, USER, STRICT)["schemas"] == [USER_URN, ENTERPRISE_USER_URN]

    def test_listed_extension_without_data_kept_empty_one_dropped(self) -> None:
        body = {
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "b",
            ENTERPRISE_USER_URN: {},
        }
        assert normalise_resource(body, USER, STRICT) == {
            "schemas": [USER_URN, ENTERPRISE_USER_URN],
            "userName": "b",
        }

    def test_read_only_kept_by_default_dropped_on_request(self) -> None:
        """RFC 7643 §3.1: meta "SHALL be ignored when provided by clients" — unjudged."""
        body = minimal_user(id="1", meta="nonsense", groups=[{"value": "g"}])
        with scim_error("invalidValue", "'meta' must be an object"):
            normalise_resource(body, USER, STRICT)
        assert normalise_resource(body, USER, STRICT, keep_read_only=False) == minimal_user()

    @given(
        st.fixed_dictionaries(
            {"schemas": st.just([USER_URN]), "userName": st.text(min_size=1)},
            optional={
                "ACTIVE": st.sampled_from([True, False, "True", "false", None]),
                "Name": st.fixed_dictionaries(
                    {}, optional={"givenName": st.text() | st.none(), "FAMILYNAME": st.text()}
                ),
                "emails": st.lists(
                    st.fixed_dictionaries(
                        {"value": st.text()},
                        optional={
                            "TYPE": st.sampled_from(["work", "home"]),
                            "primary": st.booleans(),
                        },
                    ),
                    max_size=3,
                ),
                "roles": st.just([]),
                ENTERPRISE_USER_URN: st.fixed_dictionaries(
                    {}, optional={"Department": st.text() | st.none(), "manager": st.none()}
                ),
            },
        )
    )
    @settings(max_examples=60)
    def test_idempotent(self, body: dict[str, Any]) -> None:
        """normalise(normalise(x)) == normalise(x): the internal form is a fixed point."""
        once = normalise_resource(body, USER, DEFAULT)
        assert normalise_resource(once, USER, DEFAULT) == once


# --------------------------------------------------------------------------
# validate_resource
# --------------------------------------------------------------------------


class TestValidate:
    def test_user_name_required(self) -> None:
        """RFC 7643 §4.1.1: each User MUST include a non-empty userName."""
        with scim_error("invalidValue", "'userName' is required"):
            validate_resource({"schemas": [USER_URN], "displayName": "B"}, USER)
        with scim_error("invalidValue", "'userName' is required"):
            validate_resource({"schemas": [USER_URN], "userName": ""}, USER)

    def test_group_display_name_required(self) -> None:
        """RFC 7643 §4.2: displayName is REQUIRED."""
        with scim_error("invalidValue", "'displayName' is required"):
            prepare_create({"schemas": [GROUP_URN], "members": []}, GROUP, STRICT)

    def test_read_only_required_attributes_not_asked_of_clients(self) -> None:
        """RFC 7643 §3.1: id is assigned by the service provider."""
        validate_resource({"schemas": [USER_URN], "userName": "b"}, USER)

    def test_at_most_one_primary(self) -> None:
        """RFC 7643 §2.4: primary true for at most one value (pitfalls §12)."""
        emails = [{"value": "a@x", "primary": True}, {"value": "b@x", "primary": True}]
        with scim_error("invalidValue", "'emails' has 2 values with primary true"):
            validate_resource(minimal_user(emails=emails), USER)
        emails[1]["primary"] = False
        validate_resource(minimal_user(emails=emails), USER)

    def test_required_extension(self) -> None:
        """RFC 7643 §6: a required extension MUST be included, with its required attributes."""
        with scim_error("invalidValue", "schema extension .*widget.* is required"):
            validate_resource({"schemas": [WIDGET_SCHEMA.id]}, WIDGET)
        with scim_error("invalidValue", "'colour' is required"):
            validate_resource({"schemas": [WIDGET_SCHEMA.id], WIDGET_EXT.id: {"size": 1}}, WIDGET)
        validate_resource(widget(), WIDGET)


# --------------------------------------------------------------------------
# POST: prepare_create (RFC 7644 §3.3)
# --------------------------------------------------------------------------


class TestPrepareCreate:
    def test_read_only_values_ignored(self) -> None:
        """RFC 7644 §3.3 / RFC 7643 §3.1: id, meta, groups, manager.displayName are the server's."""
        resource = prepare_create(load("rfc7643_8_3_enterprise_user.json"), USER, STRICT)
        for key in ("id", "meta", "groups"):
            assert key not in resource
        assert resource[ENTERPRISE_USER_URN]["manager"] == {
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
        }
        assert resource["password"] == "t1meMa$heen"

    def test_okta_create_body(self) -> None:
        """Okta's create request: groups: [] and a placeholder password (okta-provisioning.md)."""
        body = load("okta_create_user.json")
        resource = prepare_create(body, USER, STRICT)
        expected = {k: v for k, v in body.items() if k != "groups"}
        assert resource == expected

    def test_entra_create_body(self) -> None:
        """Entra Create User: meta.resourceType (readOnly) and roles: [] (unassigned)."""
        body = load("entra_create_user.json")
        resource = prepare_create(body, USER, STRICT)
        assert "meta" not in resource and "roles" not in resource
        assert resource["userName"] == body["userName"]
        assert resource["schemas"] == [USER_URN, ENTERPRISE_USER_URN]

    def test_entra_create_body_with_nulls_and_bad_urn(self) -> None:
        """Entra example 2: explicit nulls, top-level department/manager: null, '…2.0User'."""
        resource = prepare_create(load("entra_create_user_nulls.json"), USER, STRICT)
        assert resource == {
            "schemas": [USER_URN],
            "externalId": "jyoung",
            "userName": "jyoung@testuser.com",
            "active": True,
            "displayName": "Joy Young",
            "emails": [{"type": "work", "value": "jyoung@Contoso.com", "primary": True}],
            "name": {"familyName": "Young", "givenName": "Joy"},
        }

    def test_entra_create_group(self) -> None:
        resource = prepare_create(load("entra_create_group.json"), GROUP, STRICT)
        assert resource == {
            "schemas": [GROUP_URN],
            "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
            "displayName": "displayName",
        }

    def test_garbage_read_only_values_ignored_not_judged(self) -> None:
        """Pitfalls §19: a client id/meta must not turn a create into a 400."""
        body = minimal_user(id=17, meta="x", groups="y")
        assert prepare_create(body, USER, STRICT) == minimal_user()

    def test_two_primaries_refused(self) -> None:
        """Pitfalls §12: POST with two primary values -> 400 invalidValue."""
        emails = [{"value": "a@x", "primary": True}, {"value": "b@x", "primary": "True"}]
        with scim_error("invalidValue", "primary"):
            prepare_create(minimal_user(emails=emails), USER, DEFAULT)


# --------------------------------------------------------------------------
# PUT: prepare_replace (RFC 7644 §3.5.1)
# --------------------------------------------------------------------------


def stored_user() -> dict[str, Any]:
    """An existing stored user, as the server keeps it."""
    return {
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "id": "2819c223",
        "userName": "bjensen",
        "title": "Tour Guide",
        "password": "t1meMa$heen",
        "groups": [{"value": "g1", "display": "Tour Guides"}],
        ENTERPRISE_USER_URN: {"department": "Tours"},
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
    }


class TestPrepareReplace:
    def test_omitted_read_write_attributes_cleared(self) -> None:
        """RFC 7644 §3.5.1: PUT replaces; omitted readWrite values may be cleared (we do)."""
        resource = prepare_replace(stored_user(), minimal_user(nickName="Babs"), USER, STRICT)
        assert "title" not in resource
        assert ENTERPRISE_USER_URN not in resource
        assert resource["schemas"] == [USER_URN]
        assert resource["nickName"] == "Babs"

    def test_read_only_carried_over_body_values_ignored(self) -> None:
        """RFC 7644 §3.5.1: readOnly values in the body SHALL be ignored; pitfalls §19 (id)."""
        existing = stored_user()
        body = minimal_user(id="other", meta={"resourceType": "Group"}, groups=[])
        resource = prepare_replace(existing, body, USER, STRICT)
        assert resource["id"] == "2819c223"
        assert resource["meta"] == existing["meta"]
        assert resource["groups"] == existing["groups"]

    def test_password_kept_when_omitted_replaced_when_given(self) -> None:
        """§3.5.1 clears only omitted readWrite; Okta's PUT omits password when not syncing it."""
        assert prepare_replace(stored_user(), minimal_user(), USER, STRICT)["password"] == (
            "t1meMa$heen"
        )
        replaced = prepare_replace(stored_user(), minimal_user(password="new"), USER, STRICT)
        assert replaced["password"] == "new"

    def test_okta_full_put(self) -> None:
        """Okta's update: GET then PUT of the whole resource, id and meta echoed."""
        existing = stored_user()
        existing["id"] = "23a35c27-23d3-4c03-b4c5-6443c09e7173"
        resource = prepare_replace(existing, load("okta_replace_user.json"), USER, STRICT)
        assert resource["name"] == {"givenName": "Another", "familyName": "User"}
        assert resource["meta"] == existing["meta"]
        assert resource["groups"] == existing["groups"]

    def test_does_not_modify_existing(self) -> None:
        existing = stored_user()
        before = copy.deepcopy(existing)
        prepare_replace(existing, minimal_user(), USER, STRICT)
        assert existing == before

    def test_immutable_set_must_match(self) -> None:
        """RFC 7644 §3.5.1: immutable already set -> input must match, else 400 mutability."""
        existing = widget(serial="SN-1")
        with scim_error("mutability", "'serial' is immutable"):
            prepare_replace(existing, widget(serial="SN-2"), WIDGET, STRICT)
        assert prepare_replace(existing, widget(serial="SN-1"), WIDGET, STRICT)["serial"] == "SN-1"

    def test_immutable_unset_may_be_given(self) -> None:
        """RFC 7643 §2.2: immutable MAY be defined at record replacement (PUT)."""
        assert prepare_replace(widget(), widget(serial="SN-9"), WIDGET, STRICT)["serial"] == "SN-9"

    def test_immutable_omitted_is_kept(self) -> None:
        """RFC 7643 §2.2: immutable SHALL NOT be updated, and clearing is an update."""
        assert prepare_replace(widget(serial="SN-1"), widget(), WIDGET, STRICT)["serial"] == "SN-1"

    def test_immutable_sub_attribute_of_singular_complex(self) -> None:
        existing = widget(spec={"model": "A", "note": "x"})
        with scim_error("mutability", "'spec.model' is immutable"):
            prepare_replace(existing, widget(spec={"model": "B"}), WIDGET, STRICT)
        kept = prepare_replace(existing, widget(spec={"note": "y"}), WIDGET, STRICT)
        assert kept["spec"] == {"model": "A", "note": "y"}

    def test_group_members_may_change(self) -> None:
        """RFC 7643 §4.2 members sub-attributes are immutable, but PUT replaces whole values
        (Okta custom apps replace membership by PUT)."""
        existing = load("rfc7643_8_4_group.json")
        body = {"schemas": [GROUP_URN], "displayName": "Tour Guides", "members": [{"value": "u3"}]}
        resource = prepare_replace(existing, body, GROUP, STRICT)
        assert resource["members"] == [{"value": "u3"}]

    def test_required_still_enforced(self) -> None:
        with scim_error("invalidValue", "'userName' is required"):
            prepare_replace(stored_user(), {"schemas": [USER_URN]}, USER, STRICT)


# --------------------------------------------------------------------------
# project (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.2 returned)
# --------------------------------------------------------------------------


FULL = load("rfc7643_8_3_enterprise_user.json")


class TestProject:
    def test_default_set_omits_password_only(self) -> None:
        """RFC 7643 §4.1.1 / §2.2: password is returned never."""
        projected = project(FULL, USER)
        assert "password" not in projected
        assert projected == {k: v for k, v in FULL.items() if k != "password"}

    def test_password_never_even_when_asked(self) -> None:
        """Pitfalls §18: attributes=password is ignored."""
        assert project(FULL, USER, ["password"]) == {"schemas": FULL["schemas"], "id": FULL["id"]}

    def test_always_returned_with_attributes_and_not_excludable(self) -> None:
        """RFC 7644 §3.4.2.5: excludedAttributes has no effect on "always" (id, schemas)."""
        assert set(project(FULL, USER, ["userName"])) == {"schemas", "id", "userName"}
        assert {"id", "schemas"} <= set(project(FULL, USER, excluded=["id", "schemas"]))

    def test_meta_is_returned_default(self) -> None:
        """RFC 7643 §3.1: meta sub-attributes are returned "default" — omitted when not asked."""
        assert "meta" not in project(FULL, USER, ["userName"])
        assert project(FULL, USER, ["meta.lastModified"])["meta"] == {
            "lastModified": "2011-05-13T04:42:34Z"
        }

    def test_sub_attribute_projection_case_insensitive(self) -> None:
        """RFC 7644 §3.10 names, RFC 7643 §2.1 case-insensitive."""
        projected = project(FULL, USER, ["NAME.GIVENNAME", "emails.VALUE"])
        assert projected["name"] == {"givenName": "Barbara"}
        assert projected["emails"] == [
            {"value": "bjensen@example.com"},
            {"value": "babs@jensen.org"},
        ]

    def test_urn_qualified_names(self) -> None:
        """RFC 7644 §3.10: "urn:…:enterprise:2.0:User:department" and core-URN-qualified names."""
        projected = project(
            FULL, USER, [f"{ENTERPRISE_USER_URN}:department", f"{USER_URN}:userName"]
        )
        assert projected[ENTERPRISE_USER_URN] == {"department": "Tour Operations"}
        assert projected["userName"] == "bjensen@example.com"

    def test_whole_extension_urn(self) -> None:
        projected = project(FULL, USER, [ENTERPRISE_USER_URN])
        assert projected[ENTERPRISE_USER_URN] == FULL[ENTERPRISE_USER_URN]
        assert set(projected) == {"schemas", "id", ENTERPRISE_USER_URN}

    def test_extension_urn_prefixed_sub_attribute(self) -> None:
        projected = project(FULL, USER, [f"{ENTERPRISE_USER_URN}:manager.value"])
        assert projected[ENTERPRISE_USER_URN] == {
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
        }

    def test_excluded_whole_and_sub_attributes(self) -> None:
        """RFC 7644 §3.9: the default set minus the excluded attributes."""
        projected = project(FULL, USER, excluded=["emails.value", "phoneNumbers", "name"])
        assert "phoneNumbers" not in projected and "name" not in projected
        assert projected["emails"] == [{"type": "work", "primary": True}, {"type": "home"}]
        assert projected["userName"] == FULL["userName"]

    def test_excluded_members_for_entra(self) -> None:
        """Entra reads groups with excludedAttributes=members."""
        group = load("rfc7643_8_4_group.json")
        assert "members" not in project(group, GROUP, excluded=["members"])

    def test_emptied_extension_dropped_schemas_kept(self) -> None:
        projected = project(FULL, USER, excluded=[ENTERPRISE_USER_URN])
        assert ENTERPRISE_USER_URN not in projected
        assert projected["schemas"] == FULL["schemas"]

    def test_unknown_names_ignored(self) -> None:
        assert project(FULL, USER, ["userName", "nosuch", "urn:x:y:z"]) == {
            "schemas": FULL["schemas"],
            "id": FULL["id"],
            "userName": FULL["userName"],
        }
        assert project(FULL, USER, excluded=["nosuch"]) == project(FULL, USER)

    def test_returned_request_only_when_named(self) -> None:
        """RFC 7643 §2.2 returned "request": only when named in attributes."""
        resource = widget(id="w1", secret="s", serial="SN-1")
        assert "secret" not in project(resource, WIDGET)
        assert project(resource, WIDGET, ["secret"])["secret"] == "s"

    def test_empty_attribute_list_gives_always_returned_only(self) -> None:
        assert set(project(FULL, USER, [])) == {"schemas", "id"}

    def test_attributes_then_excluded(self) -> None:
        projected = project(FULL, USER, ["name"], excluded=["name.middleName"])
        assert "middleName" not in projected["name"] and "givenName" in projected["name"]

    def test_does_not_mutate_input(self) -> None:
        resource = copy.deepcopy(FULL)
        projected = project(resource, USER)
        projected["name"]["givenName"] = "changed"
        projected["emails"].append({"value": "x"})
        assert resource == FULL

    @given(
        st.lists(
            st.sampled_from(
                [
                    "userName",
                    "name.givenName",
                    "emails",
                    "password",
                    "meta",
                    "groups.display",
                    ENTERPRISE_USER_URN,
                    f"{ENTERPRISE_USER_URN}:department",
                    "nosuch",
                ]
            ),
            max_size=5,
        ),
        st.lists(st.sampled_from(["emails", "id", "name", "password", "meta"]), max_size=3),
    )
    @settings(max_examples=60)
    def test_attributes_bound_output(self, attributes: list[str], excluded: list[str]) -> None:
        """Property: project(attributes=X) keys ⊆ X ∪ always-returned; never password."""
        projected = project(FULL, USER, attributes, excluded)
        allowed = {"id", "schemas"}
        for name in attributes:
            ref = resolve_name(name, USER)
            if ref is not None:
                allowed.add(ref.container or ref.attribute.name)
            elif name == ENTERPRISE_USER_URN:
                allowed.add(name)
        assert set(projected) <= allowed
        assert "password" not in projected

    @given(st.lists(st.sampled_from(["emails", "name", "meta", "title", "password"]), max_size=4))
    @settings(max_examples=30)
    def test_excluded_never_returns_password(self, excluded: list[str]) -> None:
        projected = project(FULL, USER, excluded=excluded)
        assert "password" not in projected
        assert not set(excluded) & set(projected)


def test_parse_attribute_list() -> None:
    """RFC 7644 §3.9: a comma-separated list; blank means the parameter is absent."""
    assert parse_attribute_list("userName, name.givenName,emails") == [
        "userName",
        "name.givenName",
        "emails",
    ]
    assert parse_attribute_list(None) is None
    assert parse_attribute_list("  ") is None
    assert parse_attribute_list(",userName,,") == ["userName"]


# --------------------------------------------------------------------------
# meta, version, timestamps (RFC 7643 §3.1, RFC 7644 §3.14)
# --------------------------------------------------------------------------


class TestMeta:
    def test_version_is_weak_etag(self) -> None:
        """RFC 7643 §3.1: a version that is not strong is prefixed W/."""
        assert re.fullmatch(r'W/"[0-9a-f]{20}"', resource_version(minimal_user()))

    def test_version_deterministic_and_ignores_meta(self) -> None:
        a = {"userName": "b", "schemas": [USER_URN], "meta": {"created": "x"}}
        b = {"schemas": [USER_URN], "userName": "b", "meta": {"created": "y"}}
        assert resource_version(a) == resource_version(b)

    def test_version_changes_with_any_attribute(self) -> None:
        base = minimal_user(name={"givenName": "B"})
        changed = minimal_user(name={"givenName": "C"})
        assert resource_version(base) != resource_version(changed)
        assert resource_version(base) != resource_version(minimal_user(name={"givenName": "b"}))

    def test_stamp_meta(self) -> None:
        """RFC 7643 §3.1: meta.resourceType, created, lastModified, location, version."""
        resource = minimal_user(id="1")
        stamped = stamp_meta(
            resource,
            USER,
            "https://x/Users/1",
            "2010-01-23T04:56:22.000Z",
            "2011-05-13T04:42:34.000Z",
        )
        assert stamped["meta"] == {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22.000Z",
            "lastModified": "2011-05-13T04:42:34.000Z",
            "location": "https://x/Users/1",
            "version": resource_version(resource),
        }
        assert "meta" not in resource
        assert resource_version(stamped) == stamped["meta"]["version"]

    def test_now_timestamp_is_utc_milliseconds(self) -> None:
        """Pitfalls §5: UTC, millisecond precision, "Z"."""
        text = now_timestamp()
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text)
        moment = parse_date_time(text)
        assert moment is not None
        assert abs(datetime.now(UTC) - moment) < timedelta(seconds=5)

    def test_format_timestamp_converts_to_utc(self) -> None:
        moment = datetime(2010, 1, 23, 6, 56, 22, 123456, tzinfo=timezone(timedelta(hours=2)))
        assert format_timestamp(moment) == "2010-01-23T04:56:22.123Z"


# --------------------------------------------------------------------------
# Equality and folding
# --------------------------------------------------------------------------


class TestValuesEqual:
    def test_case_exact_decides(self) -> None:
        """RFC 7643 §2.2 caseExact: userName false (§4.1.1), externalId true (§3.1)."""
        assert values_equal(user_attr("userName"), "BJensen", "bjensen")
        assert not values_equal(user_attr("externalId"), "ABC", "abc")

    def test_complex_values_compare_all_sub_attributes(self) -> None:
        """Pitfalls §11: duplicates are values equal in every sub-attribute."""
        emails = user_attr("emails")
        assert values_equal(
            emails, {"value": "A@x", "type": "work"}, {"value": "a@x", "type": "WORK"}
        )
        assert not values_equal(emails, {"value": "a@x", "type": "work"}, {"value": "a@x"})
        assert values_equal(emails, {"value": "a@x", "display": None}, {"value": "a@x"})

    def test_booleans_are_not_numbers(self) -> None:
        assert not values_equal(Attribute("n", INTEGER), True, 1)
        assert values_equal(Attribute("b", BOOLEAN), True, True)

    def test_date_times_compare_as_instants(self) -> None:
        """RFC 7643 §2.3.5; pitfalls §5."""
        created = Attribute("created", DATETIME)
        assert values_equal(created, "2010-01-23T04:56:22Z", "2010-01-23T06:56:22.000+02:00")
        assert not values_equal(created, "2010-01-23T04:56:22Z", "2010-01-23T04:56:23Z")

    def test_multi_valued_arrays_compare_as_multisets(self) -> None:
        """RFC 7643 §2.4: the order of values carries no meaning."""
        roles = user_attr("roles")
        assert values_equal(
            roles, [{"value": "a"}, {"value": "b"}], [{"value": "B"}, {"value": "a"}]
        )
        assert not values_equal(
            roles, [{"value": "a"}, {"value": "a"}], [{"value": "a"}, {"value": "b"}]
        )

    def test_fold(self) -> None:
        """RFC 7644 §3.4.2.3: case-insensitive Unicode order with no locale."""
        assert fold(user_attr("userName"), "STRASSE") == fold(user_attr("userName"), "straße")
        assert fold(user_attr("externalId"), "ABC") == "ABC"

    def test_parse_date_time_chronological(self) -> None:
        early, late = (
            parse_date_time("2010-01-23T05:00:00+02:00"),
            parse_date_time("2010-01-23T04:00:00Z"),
        )
        assert early is not None and late is not None and early < late
        assert parse_date_time("2010-01-23T04:00:00.5Z") == datetime(
            2010, 1, 23, 4, 0, 0, 500000, UTC
        )


def test_registry_sanity_for_these_rules() -> None:
    """The characteristics these tests rely on, as RFC 7643 §4.1.1/§3.1 give them."""
    assert user_attr("password").returned == "never"
    assert user_attr("id").returned == "always"
    assert user_attr("meta").returned == "default"
    assert (
        USER_SCHEMA.get("groups") is not None and ENTERPRISE_USER_SCHEMA.get("manager") is not None
    )
