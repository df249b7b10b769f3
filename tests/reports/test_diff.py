"""The structural diff: only differences SCIM considers meaningful, none dropped."""

from __future__ import annotations

from typing import Any

import jsonpatch
import pytest

from harness.reports.diff import ABSENT, diff_rows, normalise, structural_diff

USER: dict[str, Any] = {
    "schemas": [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ],
    "userName": "bjensen",
    "name": {"familyName": "Jensen", "givenName": "Barbara"},
    "emails": [
        {"value": "b@example.com", "type": "work", "primary": True},
        {"value": "bj@example.org", "type": "home"},
    ],
}


def test_attribute_names_are_compared_case_insensitively() -> None:
    """RFC 7643 §2.1: attribute names are case-insensitive."""
    shouted = {"USERNAME": "bjensen", "Name": {"FamilyName": "Jensen", "givenname": "Barbara"}}
    same = {"userName": "bjensen", "name": {"familyName": "Jensen", "givenName": "Barbara"}}
    assert structural_diff(same, shouted) == []
    assert normalise(shouted) == {
        "username": "bjensen",
        "name": {"familyname": "Jensen", "givenname": "Barbara"},
    }


def test_the_order_of_multi_valued_attributes_and_schemas_is_not_significant() -> None:
    """RFC 7643 §2.4: multi-valued attributes are unordered; so is ``schemas``."""
    reordered = dict(USER, emails=USER["emails"][::-1], schemas=USER["schemas"][::-1])
    assert structural_diff(USER, reordered) == []


def test_values_keep_their_case() -> None:
    ops = structural_diff({"userName": "Bob"}, {"userName": "bob"})
    assert ops == [{"op": "replace", "path": "/username", "value": "bob"}]


def test_a_changed_sub_attribute_is_a_replace_at_its_path() -> None:
    actual = dict(USER, name={"familyName": "jensen", "givenName": "Barbara"})
    assert structural_diff(USER, actual) == [
        {"op": "replace", "path": "/name/familyname", "value": "jensen"}
    ]


def test_added_and_lost_attributes_are_not_dropped() -> None:
    actual = {key: value for key, value in USER.items() if key != "name"}
    actual["nickName"] = "Babs"
    ops = structural_diff(USER, actual)
    assert {"op": "remove", "path": "/name"} in ops
    assert {"op": "add", "path": "/nickname", "value": "Babs"} in ops


def test_keys_that_differ_only_in_case_are_both_kept() -> None:
    """A target that sends ``userName`` and ``username`` shows both, not one overwriting."""
    assert normalise({"userName": "a", "username": "b"}) == {"userName": "a", "username": "b"}


@pytest.mark.parametrize(
    ("expected", "actual", "ops"),
    [
        (None, {"a": 1}, [{"op": "replace", "path": "", "value": {"a": 1}}]),
        ("x", "y", [{"op": "replace", "path": "", "value": "y"}]),
        ("same", "same", []),
        ([3, 1, 2], [1, 2, 3], []),
    ],
)
def test_non_objects_just_work(expected: Any, actual: Any, ops: list[dict[str, Any]]) -> None:
    assert structural_diff(expected, actual) == ops


@pytest.mark.parametrize(
    "actual",
    [
        dict(USER, emails=[{"value": "new@example.com"}]),
        dict(USER, emails=[*USER["emails"], {"value": "third@example.com"}]),
        {"schemas": ["urn:x"], "userName": "other"},
        {"NAME": {"familyName": "J"}, "active": False},
    ],
)
def test_the_operations_turn_the_normalised_expected_into_the_normalised_actual(
    actual: Any,
) -> None:
    ops = structural_diff(USER, actual)
    assert ops
    assert jsonpatch.apply_patch(normalise(USER), ops) == normalise(actual)


def test_rows_carry_the_value_before_and_after_each_operation() -> None:
    actual = dict(USER, name={"familyName": "jensen", "givenName": "Barbara"}, title="Boss")
    actual.pop("userName")
    rows = {row.path: row for row in diff_rows(USER, actual)}
    assert (rows["/name/familyName"].expected, rows["/name/familyName"].actual) == (
        "Jensen",
        "jensen",
    )
    assert rows["/userName"].op == "remove" and rows["/userName"].expected == "bjensen"
    assert rows["/userName"].actual is ABSENT
    assert rows["/title"].op == "add" and rows["/title"].expected is ABSENT


def test_the_table_shows_names_as_the_bodies_spell_them() -> None:
    rows = diff_rows(
        {"name": {"givenName": "Ada"}, "urn:x:Ext": {"costCenter": "1"}},
        {"Name": {"givenName": "Grace"}, "urn:x:Ext": {"costCenter": "2"}},
    )
    assert sorted(row.path for row in rows) == ["/name/givenName", "/urn:x:Ext/costCenter"]
