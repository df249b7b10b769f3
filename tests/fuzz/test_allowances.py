"""What a provider may add (defaults) or drop (undeclared attributes): harness.fuzz.allowances."""

from __future__ import annotations

from harness.conformance.discovery import Discovery
from harness.fuzz.allowances import Allowances, declared_by
from harness.fuzz.oracles import differences
from harness.scim.schema import USER, USER_URN

MODEL = {"schemas": [USER_URN], "userName": "u", "name": {"familyName": "F"}}


def test_what_the_client_never_set_may_hold_any_default() -> None:
    allow = Allowances()
    served = {**MODEL, "active": True, "displayName": "u", "name": {"familyName": "F",
              "givenName": ""}}  # fmt: skip
    assert differences(USER, MODEL, allow.served(("Users", "1"), USER, MODEL, served)) == []
    derived = {**MODEL, "displayName": "v"}  # another resource, its own derived default
    assert allow.served(("Users", "2"), USER, MODEL, derived) == MODEL


def test_after_a_removal_only_the_same_default_may_come_back() -> None:
    allow = Allowances()
    allow.served(("Users", "1"), USER, MODEL, {**MODEL, "active": True})
    ever = frozenset({(None, "active", None), (None, "title", None)})
    back = allow.served(("Users", "2"), USER, MODEL, {**MODEL, "active": True}, ever)
    assert back == MODEL
    stale = allow.served(("Users", "2"), USER, MODEL, {**MODEL, "active": False}, ever)
    assert differences(USER, MODEL, stale) == ["active: expected absent, got false"]
    kept = allow.served(("Users", "2"), USER, MODEL, {**MODEL, "title": "Boss"}, ever)
    assert differences(USER, MODEL, kept) == ['title: expected absent, got "Boss"']


def test_only_attributes_the_schemas_omit_may_be_dropped() -> None:
    schemas = {USER_URN.casefold(): {"username": {"name": "userName"}}}
    allow = Allowances(declared=declared_by(Discovery(schemas, "", None)))
    model = {**MODEL, "externalId": "e"}
    assert allow.expected(USER, model) == {"schemas": [USER_URN], "userName": "u",
                                           "externalId": "e"}  # fmt: skip
    assert Allowances().expected(USER, model) == model
    assert declared_by(Discovery({}, "GET /Schemas → 404", None)) is None
