"""Properties of PATCH application (RFC 7644 §3.5.2), checked with hypothesis.

* Atomicity (§3.5.2, pitfalls §15): a request holding one invalid operation
  raises ScimError and leaves the input exactly as it was.
* Idempotence of replace (§3.5.2.3 replaces, it never accumulates): applying
  the same replace operations twice gives what applying them once gives.
* Inverse: adding a new value to a multi-valued attribute (§3.5.2.1) and then
  removing it by a value filter (§3.5.2.2) restores the original resource.
* Robustness: on arbitrary operation lists, parsing and applying raise
  nothing but ScimError (a server answers 400, never 500).

The example budgets are modest so the default run stays fast (a few
seconds); raise ``max_examples`` locally for a deeper run.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from harness.scim.compat import DEFAULT, ENTRA, STRICT, Compat
from harness.scim.errors import ScimError
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP, PATCH_OP_URN, USER

DATA = Path(__file__).parent / "data"
USER_RESOURCE: dict[str, Any] = json.loads((DATA / "rfc7643_8_2_full_user.json").read_text())
GROUP_RESOURCE: dict[str, Any] = json.loads((DATA / "rfc7643_8_4_group.json").read_text())

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

COMPATS = st.sampled_from([DEFAULT, STRICT, ENTRA, Compat(lenient_remove=True)])

# Small, plain strings: the properties are about PATCH semantics, not the
# filter grammar's escapes and Unicode (the filter and path tests' concern).
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=8)


def body(operations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": operations}


def apply(
    resource: dict[str, Any], operations: list[dict[str, Any]], compat: Compat = DEFAULT
) -> dict[str, Any]:
    return apply_patch(resource, parse_patch_request(body(operations), compat), USER, compat)[0]


# --------------------------------------------------------------------------
# Valid operations on the RFC 7643 §8.2 user
# --------------------------------------------------------------------------

EMAIL_TYPES = st.sampled_from(["work", "home", "other"])


@st.composite
def emails(draw: st.DrawFn) -> dict[str, Any]:
    return {"value": f"{draw(WORDS)}@example.org", "type": draw(EMAIL_TYPES)}


def _replace(path: str, value: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return value.map(lambda v: {"op": "replace", "path": path, "value": v})


REPLACES = st.one_of(
    _replace("displayName", WORDS),
    _replace("title", WORDS),
    _replace("active", st.booleans()),
    _replace("name.givenName", WORDS),
    _replace("name", st.fixed_dictionaries({"familyName": WORDS})),
    _replace("emails", st.lists(emails(), max_size=3, unique_by=lambda e: e["value"])),
    _replace('emails[type eq "work"].value', WORDS.map(lambda w: f"{w}@example.com")),
    _replace('emails[type eq "home"].primary', st.booleans()),
    _replace(f"{ENTERPRISE_USER_URN}:department", WORDS),
    _replace('addresses[type eq "work"].locality', WORDS),
    _replace(
        'phoneNumbers[type eq "work"]',
        WORDS.map(lambda w: {"type": "work", "value": w}),
    ),
    WORDS.map(lambda w: {"op": "replace", "value": {"nickName": w, "name.familyName": w}}),
    st.booleans().map(lambda b: {"op": "Replace", "value": {"active": b}}),
)

ADDS = st.one_of(
    WORDS.map(lambda w: {"op": "add", "path": "title", "value": w}),
    emails().map(lambda e: {"op": "add", "path": "emails", "value": [e]}),
    WORDS.map(lambda w: {"op": "add", "path": "manager", "value": [{"value": w}]}),
    WORDS.map(lambda w: {"op": "add", "path": 'ims[type eq "xmpp"].value', "value": w}),
)

REMOVES = st.sampled_from(
    [
        {"op": "remove", "path": "title"},
        {"op": "remove", "path": "nickName"},
        {"op": "remove", "path": "name.middleName"},
        {"op": "remove", "path": 'addresses[type eq "home"]'},
        {"op": "remove", "path": 'emails[type eq "work"].primary'},
        {"op": "remove", "path": "x509Certificates"},
    ]
)

VALID = st.one_of(REPLACES, ADDS, REMOVES)

# Each is invalid against the §8.2 user whatever ran before it: the target is
# required, readOnly, mistyped or unknown.
INVALID = st.sampled_from(
    [
        {"op": "remove", "path": "userName"},
        {"op": "replace", "path": "id", "value": "other"},
        {"op": "remove", "path": "meta"},
        {"op": "add", "path": "groups", "value": [{"value": "g"}]},
        {"op": "remove"},
        {"op": "replace", "path": "active", "value": "maybe"},
        {"op": "replace", "path": "shoeSize", "value": 1},
        {"op": "replace", "value": {"userName": None}},
        {"op": "add", "path": "emails", "value": [{"value": 1}]},
        {"op": "remove", "path": 'emails[value eq "nobody@nowhere"]'},
    ]
)


@FAST
@given(
    before=st.lists(VALID, max_size=4),
    bad=INVALID,
    after=st.lists(VALID, max_size=3),
    compat=st.sampled_from([DEFAULT, STRICT, ENTRA]),
)
def test_one_invalid_operation_leaves_the_resource_untouched(
    before: list[dict[str, Any]],
    bad: dict[str, Any],
    after: list[dict[str, Any]],
    compat: Compat,
) -> None:
    """§3.5.2: "If a single operation encounters an error condition, the original SCIM
    resource MUST be restored, and a failure status SHALL be returned"."""
    resource = copy.deepcopy(USER_RESOURCE)
    try:
        apply(resource, [*before, bad, *after], compat)
    except ScimError as error:
        assert error.status == 400
    else:
        raise AssertionError(f"{bad} did not fail")
    assert resource == USER_RESOURCE


@FAST
@given(setup=st.lists(VALID, max_size=3), operation=REPLACES, compat=COMPATS)
def test_replace_is_idempotent(
    setup: list[dict[str, Any]], operation: dict[str, Any], compat: Compat
) -> None:
    """§3.5.2.3: replace sets its target to the value given, so applying the same replace
    again changes nothing — and reports no change (§3.5.2.1's no-op rule carried over).
    ``setup`` varies the starting state (a replace may create, merge or match)."""
    try:
        state = apply(USER_RESOURCE, setup, compat)
        once = apply(state, [operation], compat)
    except ScimError:
        assume(False)
        return
    twice, changed = apply_patch(once, parse_patch_request(body([operation]), compat), USER, compat)
    assert twice == once
    assert not changed


@FAST
@given(email=emails(), primary=st.booleans(), drop_emails=st.booleans())
def test_add_then_remove_by_filter_restores(
    email: dict[str, Any], primary: bool, drop_emails: bool
) -> None:
    """§3.5.2.1 add of a new value, then §3.5.2.2 remove of ``emails[value eq …]``: the
    original resource comes back (whether or not it had emails at all). A new primary
    demotes the old one (§3.5.2), so primaries are only drawn when nothing else is primary."""
    resource = copy.deepcopy(USER_RESOURCE)
    if drop_emails:
        del resource["emails"]
    else:
        resource["emails"][0].pop("primary")
    new = dict(email, primary=True) if primary else email
    added = apply(resource, [{"op": "add", "path": "emails", "value": [new]}])
    assert len(added["emails"]) == len(resource.get("emails", [])) + 1
    path = f"emails[value eq {json.dumps(email['value'])}]"
    assert apply(added, [{"op": "remove", "path": path}]) == resource


@FAST
@given(member=WORDS)
def test_add_member_then_remove_restores_the_group(member: str) -> None:
    """Okta's membership push: add ``members`` then remove ``members[value eq …]``."""
    assume(member not in {m["value"] for m in GROUP_RESOURCE["members"]})
    ops = parse_patch_request(
        body([{"op": "add", "path": "members", "value": [{"value": member, "display": "x"}]}]),
        DEFAULT,
    )
    added, changed = apply_patch(GROUP_RESOURCE, ops, GROUP, DEFAULT)
    assert changed
    remove = parse_patch_request(
        body([{"op": "remove", "path": f"members[value eq {json.dumps(member)}]"}]), DEFAULT
    )
    assert apply_patch(added, remove, GROUP, DEFAULT)[0] == GROUP_RESOURCE


# --------------------------------------------------------------------------
# Anything goes: only ScimError may come out
# --------------------------------------------------------------------------

JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=6)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "type", "primary", "display", "$ref", "givenName", "x"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=8,
)
LOOSE_PATHS = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "title",
            "active",
            "name",
            "name.givenName",
            "emails",
            "emails.value",
            'emails[type eq "work"]',
            'emails[type eq "work"].value',
            'emails[value co "@"].primary',
            "members",
            'members[value eq "x"]',
            "manager",
            "manager.value",
            f"{ENTERPRISE_USER_URN}:manager",
            ENTERPRISE_USER_URN,
            "schemas",
            "id",
            "meta.created",
            "groups",
            "password",
            "x509Certificates",
            'addresses[type eq "work" or primary eq true].country',
            "emails[",
            "",
        ]
    ),
    st.text(max_size=12),
)
LOOSE_KEYS = st.sampled_from(
    ["title", "name.givenName", "emails", "active", "id", "members", "userName", "displayName",
     f"{ENTERPRISE_USER_URN}:department", ENTERPRISE_USER_URN, "schemas", "manager", "zz"]
)  # fmt: skip


@st.composite
def loose_operations(draw: st.DrawFn) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "op": draw(st.sampled_from(["add", "remove", "replace", "Add", "REPLACE", "move", 3]))
    }
    path = draw(LOOSE_PATHS)
    if path is not None:
        operation["path"] = path
    shape = draw(st.sampled_from(["none", "value", "object"]))
    if shape == "value":
        operation["value"] = draw(JSON_VALUES)
    elif shape == "object":
        operation["value"] = draw(st.dictionaries(LOOSE_KEYS, JSON_VALUES, max_size=3))
    return operation


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    operations=st.lists(loose_operations(), min_size=1, max_size=4),
    resource_type=st.sampled_from([USER, GROUP]),
    compat=COMPATS,
)
def test_only_scim_errors_come_out(
    operations: list[dict[str, Any]], resource_type: Any, compat: Compat
) -> None:
    """RFC 7644 §3.12: every client mistake is a SCIM error; nothing else may escape
    (a server would turn it into a 500). The input is never mutated either."""
    resource = copy.deepcopy(USER_RESOURCE if resource_type is USER else GROUP_RESOURCE)
    before = copy.deepcopy(resource)
    try:
        parsed = parse_patch_request(body(operations), compat)
        result, changed = apply_patch(resource, parsed, resource_type, compat)
    except ScimError as error:
        assert 400 <= error.status < 500
    else:
        assert changed == (result != before)
    assert resource == before
