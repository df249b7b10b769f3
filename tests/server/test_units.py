"""Unit tests of the server's small HTTP rules: preconditions, bearer parsing, media types."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.scim.errors import ScimError
from harness.server.auth import challenge, presented_token, token_matches
from harness.server.config import ServerConfig, normalise_base_path
from harness.server.etag import check_if_match, entity_tags, not_modified
from harness.server.http import check_content_type, json_type, parse_json

CURRENT = 'W/"abc123"'


@pytest.mark.parametrize(
    ("header", "tags"),
    [
        ('W/"a"', ['W/"a"']),
        ('W/"a", "b"', ['W/"a"', '"b"']),
        ('"a,b", W/"c"', ['"a,b"', 'W/"c"']),
        ("*", ["*"]),
        ("", []),
    ],
)
def test_entity_tag_lists_split_outside_quotes(header: str, tags: list[str]) -> None:
    """RFC 7232 §3.1: If-Match is ``"*"`` or a comma-separated list of entity-tags."""
    assert entity_tags(header) == tags


@given(st.lists(st.from_regex(r'(W/)?"[a-z0-9,]{0,8}"', fullmatch=True), min_size=1, max_size=4))
def test_entity_tag_lists_round_trip(tags: list[str]) -> None:
    """Any list of well-formed tags joined by ", " splits back into the same tags."""
    assert entity_tags(", ".join(tags)) == tags


def test_if_match_accepts_absent_star_and_current() -> None:
    """RFC 7644 §3.14: a matching version, ``*``, or no header lets the write proceed."""
    check_if_match(None, CURRENT)
    check_if_match("*", CURRENT)
    check_if_match(CURRENT, CURRENT)
    check_if_match(f'W/"old", {CURRENT}', CURRENT)


@pytest.mark.parametrize("header", ['W/"old"', '"abc123"', 'W/"ABC123"'])
def test_if_match_rejects_other_versions_with_412(header: str) -> None:
    """RFC 7644 §3.14: a stale version → 412; the opaque string is compared W/ included."""
    with pytest.raises(ScimError) as raised:
        check_if_match(header, CURRENT)
    assert raised.value.status == 412


@pytest.mark.parametrize(
    ("header", "expected"),
    [(None, False), (CURRENT, True), ('"abc123"', True), ("*", True), ('W/"x"', False)],
)
def test_if_none_match_uses_weak_comparison(header: str | None, expected: bool) -> None:
    """RFC 7232 §3.2: If-None-Match compares weakly, so ``"abc123"`` matches ``W/"abc123"``."""
    assert not_modified(header, CURRENT) is expected


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        ("Bearer t0k", "t0k"),
        ("bearer t0k", "t0k"),
        ("BEARER   t0k ", "t0k"),
        ("Basic dXNlcjpwYXNz", None),
        ("Bearer", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_scheme_is_case_insensitive(authorization: str | None, token: str | None) -> None:
    """RFC 6750 §2.1 (via RFC 7235 §2.1): the auth-scheme name is case-insensitive."""
    assert presented_token(authorization) == token


def test_token_comparison() -> None:
    """RFC 6750: the token is compared exactly (case matters), in constant time."""
    assert token_matches("secret", "secret")
    assert not token_matches("secret", "Secret")
    assert not token_matches("", "secret")
    assert token_matches("ünï", "ünï")


def test_challenge_names_the_realm_and_invalid_token() -> None:
    """RFC 6750 §3: ``Bearer realm=…``, with ``error="invalid_token"`` for a bad token."""
    assert challenge("SCIM", invalid=False) == 'Bearer realm="SCIM"'
    assert challenge("SCIM", invalid=True) == 'Bearer realm="SCIM", error="invalid_token"'


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "",
        "application/scim+json",
        "application/json",
        "Application/SCIM+JSON",
        "application/scim+json; charset=utf-8",
        'application/json; charset="UTF-8"',
        "application/json;charset=utf8",
    ],
)
def test_json_media_types_are_accepted(content_type: str | None) -> None:
    """RFC 7644 §3.1/§3.8: application/scim+json, and application/json from Okta's test."""
    check_content_type(content_type)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/json; charset=iso-8859-1",
        "multipart/form-data; boundary=x",
    ],
)
def test_other_media_types_get_415(content_type: str) -> None:
    """RFC 7644 §3.8: SCIM bodies are JSON in UTF-8; anything else is unsupported."""
    with pytest.raises(ScimError) as raised:
        check_content_type(content_type)
    assert raised.value.status == 415


@pytest.mark.parametrize(
    "raw",
    [b"", b"  ", b"{", b'{"a":1,}', b"\xff\xfe{}", b'{"a": NaN}', b"[" * 50_000, b"{'a': 1}"],
)
def test_undecodable_bodies_are_invalid_syntax(raw: bytes) -> None:
    """RFC 7644 §3.12 Table 9: an unparsable body is 400 invalidSyntax, never a 500."""
    with pytest.raises(ScimError) as raised:
        parse_json(raw)
    assert (raised.value.status, raised.value.scim_type) == (400, "invalidSyntax")


def test_utf8_bodies_decode() -> None:
    """RFC 7644 §3.8: UTF-8, non-ASCII names included."""
    assert parse_json('{"userName": "jürgen"}'.encode()) == {"userName": "jürgen"}


@pytest.mark.parametrize(
    ("value", "name"),
    [(None, "null"), (True, "boolean"), (1, "number"), (1.5, "number"), ("", "string"),
     ([], "array"), ({}, "object")],
)  # fmt: skip
def test_json_type_names(value: object, name: str) -> None:
    """Error details name JSON types (RFC 8259), not Python ones."""
    assert json_type(value) == name


@pytest.mark.parametrize(
    ("given", "normalised"),
    [("", ""), ("/", ""), ("scim/v2", "/scim/v2"), ("/scim/v2/", "/scim/v2"), (" /x ", "/x")],
)
def test_base_path_normalisation(given: str, normalised: str) -> None:
    """Any spelling of the prefix mounts the same endpoints (/scim/v2 and scim/v2/)."""
    assert normalise_base_path(given) == normalised
    assert ServerConfig(base_path=given).base_path == normalised


def test_config_rejects_inconsistent_limits() -> None:
    """Settings that would advertise an impossible SPC (RFC 7643 §5) are refused up front."""
    with pytest.raises(ValueError, match="default_count"):
        ServerConfig(max_results=10, default_count=20)
    with pytest.raises(ValueError, match="bulk_max_operations"):
        ServerConfig(bulk_max_operations=0)
    with pytest.raises(ValueError, match="empty token"):
        ServerConfig(token="")


def test_body_limit_defaults_to_bulk_max_payload() -> None:
    """The same byte limit guards every body unless configured apart (RFC 7644 §3.7.4)."""
    assert ServerConfig(bulk_max_payload=5000).body_limit == 5000
    assert ServerConfig(bulk_max_payload=5000, max_body=100).body_limit == 100


def test_patch_status_per_resource_type() -> None:
    """RFC 7644 §3.5.2: 200 with the resource, or 204, chosen per resource type."""
    config = ServerConfig(patch_returns_204=frozenset({"Group"}))
    assert (config.patch_status("User"), config.patch_status("Group")) == (200, 204)
