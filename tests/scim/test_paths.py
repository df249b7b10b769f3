"""Tests for harness.scim.paths: PATCH paths, RFC 7644 §3.5.2.

``PATH = attrPath / valuePath [subAttr]`` (Figure 7), the example paths of
Figure 8 and §3.5.2.1–§3.5.2.3, and their resolution against the schema
registry (§3.10 attribute notation).
"""

from __future__ import annotations

import pytest

from harness.scim.errors import ScimError
from harness.scim.expr import And, AttrPath, Compare, Not, PatchPath, Present
from harness.scim.paths import parse_path, resolve_path
from harness.scim.schema import ENTERPRISE_USER_URN, GROUP, USER, USER_URN

ID = "2819c223-7f76-453a-919d-413861904646"
E = f"{ENTERPRISE_USER_URN}:"


def p(name: str, sub: str | None = None, urn: str | None = None) -> AttrPath:
    return AttrPath(urn, name, sub)


def failure(call: object, *args: object) -> ScimError:
    with pytest.raises(ScimError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


@pytest.mark.parametrize(
    ("text", "path"),
    [
        # RFC 7644 §3.5.2 Figure 8
        ("members", PatchPath(p("members"))),
        ("name.familyName", PatchPath(p("name", "familyName"))),
        (
            'addresses[type eq "work"]',
            PatchPath(p("addresses"), Compare(p("type"), "eq", "work")),
        ),
        (f'members[value eq "{ID}"]', PatchPath(p("members"), Compare(p("value"), "eq", ID))),
        (
            f'members[value eq "{ID}"].displayName',
            PatchPath(p("members"), Compare(p("value"), "eq", ID), "displayName"),
        ),
        # §3.5.2.2 and §3.5.2.3 examples
        (
            'emails[type eq "work" and value ew "example.com"]',
            PatchPath(
                p("emails"),
                And(Compare(p("type"), "eq", "work"), Compare(p("value"), "ew", "example.com")),
            ),
        ),
        (
            'addresses[type eq "work"].streetAddress',
            PatchPath(p("addresses"), Compare(p("type"), "eq", "work"), "streetAddress"),
        ),
        # §3.10 URN-qualified paths
        (f"{E}manager", PatchPath(p("manager", urn=ENTERPRISE_USER_URN))),
        (f"{E}manager.value", PatchPath(p("manager", "value", ENTERPRISE_USER_URN))),
        (f"{USER_URN}:name.givenName", PatchPath(p("name", "givenName", USER_URN))),
        (
            f'{USER_URN}:emails[type eq "work"].value',
            PatchPath(p("emails", urn=USER_URN), Compare(p("type"), "eq", "work"), "value"),
        ),
        # Names keep the client's spelling; operators are normalised.
        (
            'EMAILS[TYPE EQ "work"].VALUE',
            PatchPath(p("EMAILS"), Compare(p("TYPE"), "eq", "work"), "VALUE"),
        ),
        (
            "emails[not (primary pr)]",
            PatchPath(p("emails"), Not(Present(p("primary")))),
        ),
        ("groups.$ref", PatchPath(p("groups", "$ref"))),
        (" title ", PatchPath(p("title"))),
    ],
)
def test_parse_path(text: str, path: PatchPath) -> None:
    """§3.5.2 Figure 7: PATH = attrPath / valuePath [subAttr]."""
    assert parse_path(text) == path


@pytest.mark.parametrize(
    "text",
    [
        "members",
        "name.familyName",
        'addresses[type eq "work"]',
        f'members[value eq "{ID}"].displayName',
        'emails[type eq "work" and value ew "example.com"]',
        f"{E}manager.value",
        'emails[value co "a\\"b"]',
    ],
)
def test_str_renders_the_path_back(text: str) -> None:
    """expr.PatchPath renders canonical text: a parse of it gives the same tree."""
    assert str(parse_path(text)) == text
    assert parse_path(str(parse_path(text))) == parse_path(text)


def test_sub_attribute_before_and_after_the_brackets_differ() -> None:
    """scim2-filter-parser rewrites ``emails[…].value`` to ``emails.value[…]``; we keep
    them apart — the second is a value filter on a single-valued sub-attribute."""
    after = parse_path('emails[type eq "work"].value')
    before = parse_path('emails.value[type eq "work"]')
    assert after != before
    assert (after.attr, after.sub_attr) == (p("emails"), "value")
    assert (before.attr, before.sub_attr) == (p("emails", "value"), None)
    assert resolve_path(after, USER).dotted == "emails.value"
    assert failure(resolve_path, before, USER).scim_type == "invalidPath"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty path"),
        ("   ", "empty path"),
        ("emails[", "unexpected end in path 'emails['"),
        ('emails[type eq "work"', "unexpected end"),
        (
            "emails[type eq]",
            "unexpected ']' at position 15 in path 'emails[type eq]'; expected a value",
        ),
        ("emails]", "unexpected ']' at position 7"),
        ("a..b", "expected a sub-attribute name right after '.' at position 2"),
        ("name.", "right after '.'"),
        ('emails[type eq "x"]junk', "unexpected 'junk' at position 20"),
        ('emails[type eq "x"] junk', "unexpected 'junk'"),
        ('emails[type eq "x"].value.display', "unexpected '.display' at position 26"),
        ('emails[type eq "x"][value eq "y"]', "cannot follow another value path"),
        ("user name", "unexpected 'name' at position 6"),
        ("name .givenName", "unexpected space before '.'"),
        ('userName eq "x"', "unexpected 'eq' at position 10"),
        ("title pr", "unexpected 'pr'"),
        ('emails[type regex "x"]', "unsupported operator 'regex'"),
        ('emails[type eq "x"', "unexpected end"),
        ('emails[type eq "unterminated]', "unterminated string"),
        ("(title)", "unexpected '('"),
        ("emails[]", "unexpected ']'"),
        ('"title"', "unexpected '\"title\"'"),
        ("title#", "unexpected character '#' at position 6"),
    ],
)
def test_invalid_paths(text: str, problem: str) -> None:
    """§3.12 Table 9 invalidPath: "The 'path' attribute was invalid or malformed" — also
    for a malformed value filter inside the path (§3.5.2 makes it part of PATH)."""
    error = failure(parse_path, text)
    assert (error.status, error.scim_type) == (400, "invalidPath")
    assert problem in error.detail, error.detail


@pytest.mark.parametrize(
    ("text", "dotted"),
    [
        ("members", "members"),
        ("name.familyName", "name.familyName"),
        ("NAME.FAMILYNAME", "name.familyName"),
        ('addresses[type eq "work"]', "addresses"),
        ('addresses[type eq "work"].streetAddress', "addresses.streetAddress"),
        ('emails[type eq "work" and value ew "example.com"]', "emails"),
        ('emails[type eq "work"].VALUE', "emails.value"),
        (f"{E}manager", f"{ENTERPRISE_USER_URN}:manager"),
        (f"{E}manager.value", f"{ENTERPRISE_USER_URN}:manager.value"),
        (f"{USER_URN}:name.givenName", "name.givenName"),
        ("password", "password"),  # writable, though never filterable
        ('schemas[value eq "urn:x"]', "schemas"),
        ("meta.lastModified", "meta.lastModified"),
    ],
)
def test_resolve_path(text: str, dotted: str) -> None:
    """§3.10 attribute notation, resolved case-insensitively (RFC 7643 §2.1) to the
    canonical attribute and sub-attribute; the core URN prefix designates core."""
    resource_type = GROUP if text.startswith("members") else USER
    assert resolve_path(parse_path(text), resource_type).dotted == dotted


def test_resolve_path_returns_the_definitions() -> None:
    ref = resolve_path(parse_path('emails[type eq "work"].value'), USER)
    assert ref.attribute.name == "emails" and ref.attribute.multi_valued
    assert ref.sub_attribute is not None and ref.sub_attribute.name == "value"
    assert ref.container is None
    manager = resolve_path(parse_path(f"{E}manager.value"), USER)
    assert manager.container == ENTERPRISE_USER_URN


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("nickname2", "unknown attribute 'nickname2': User has no attribute 'nickname2'"),
        ("name.nickName", "'name' has no sub-attribute 'nickName'"),
        ("urn:example:ext:1.0:User:foo", "'urn:example:ext:1.0:User' is not a schema of User"),
        (f"{E}manager.name", "'manager' has no sub-attribute 'name'"),
        ('emails[type eq "work"].nope', "'emails' has no sub-attribute 'nope'"),
        ('name[givenName eq "x"]', "'name' is single-valued"),
        ('emails.value[type eq "x"]', "a value filter selects values of a multi-valued attribute"),
        ('emails[nope eq "x"]', "'nope' is not a sub-attribute of 'emails'"),
        ("emails[primary gt true]", "SHALL cause a failed response"),
        ("emails[type eq 1]", "must be a JSON string"),
        ('emails[type[value eq "x"]]', "cannot be nested"),
        ('userName[value eq "x"]', "'userName' is single-valued"),
    ],
)
def test_unresolvable_paths_are_invalid_paths(text: str, problem: str) -> None:
    """§3.5.2 / §3.12: a path naming no attribute of the resource type, a value filter
    on a single-valued attribute ("allows specific values of a complex multi-valued
    attribute to be selected"), an invalid value filter — all 400 invalidPath."""
    error = failure(resolve_path, parse_path(text), USER)
    assert (error.status, error.scim_type) == (400, "invalidPath")
    assert problem in error.detail, error.detail


def test_rfc_figure_8_display_name_is_not_a_members_sub_attribute() -> None:
    """RFC 7644 Figure 8 shows ``members[…].displayName``, but RFC 7643 §4.2/§8.7.1 give
    members only value, $ref, type (and ``display`` in examples): strict resolution
    answers invalidPath naming the sub-attribute."""
    path = parse_path(f'members[value eq "{ID}"].displayName')
    error = failure(resolve_path, path, GROUP)
    assert "'members' has no sub-attribute 'displayName'" in error.detail
    assert resolve_path(parse_path(f'members[value eq "{ID}"].display'), GROUP).dotted == (
        "members.display"
    )


def test_extension_undeclared_by_the_resource_type() -> None:
    error = failure(resolve_path, parse_path(f"{E}department"), GROUP)
    assert "is not a schema of Group" in error.detail
