"""Small decisions of the service layer: what a projection needs loaded."""

from __future__ import annotations

import pytest

from harness.scim.schema import GROUP, USER
from harness.server.membership import Loading, loading_for, mentions
from harness.server.records import hash_password


@pytest.mark.parametrize(
    ("attributes", "excluded", "needed"),
    [
        (None, None, True),
        (None, ["members"], False),
        (None, ["MEMBERS"], False),
        (None, ["members.display"], True),
        (["displayName"], None, False),
        (["members"], None, True),
        (["members.value"], None, True),
        (["urn:ietf:params:scim:schemas:core:2.0:Group:members"], None, True),
        (["displayName"], ["members"], False),
    ],
)
def test_group_members_are_loaded_only_when_returned(
    attributes: list[str] | None, excluded: list[str] | None, needed: bool
) -> None:
    """RFC 7644 §3.4.2.5: the projection decides; loading follows it (vendor bug 12)."""
    assert loading_for(GROUP, attributes, excluded) == Loading(members=needed)


@pytest.mark.parametrize(
    ("attributes", "excluded", "needed"),
    [(None, None, True), (None, ["groups"], False), (["userName"], None, False),
     (["groups.display"], None, True)],
)  # fmt: skip
def test_user_groups_are_loaded_only_when_returned(
    attributes: list[str] | None, excluded: list[str] | None, needed: bool
) -> None:
    """RFC 7643 §4.1.2: User groups are derived; load them only when the response shows them."""
    assert loading_for(USER, attributes, excluded) == Loading(groups=needed)


def test_mentions_is_conservative() -> None:
    """Over-inclusion only costs a query; missing a mention would give a wrong answer."""
    assert mentions('members[value eq "x"]', "members")
    assert mentions("MEMBERS.value pr", "members")
    assert mentions('displayName eq "members"', "members")
    assert not mentions('displayName eq "x"', "members")
    assert not mentions(None, "members")


def test_password_hashes_are_salted_and_not_plaintext() -> None:
    """RFC 7643 §4.1.1: the password is never returned; it is not stored in clear either."""
    first, second = hash_password("s3cret"), hash_password("s3cret")
    assert first != second
    assert "s3cret" not in first
    assert first.startswith("pbkdf2-sha256$")
