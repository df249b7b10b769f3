"""userName and externalId uniqueness on updates (RFC 7643 §4.1.1, §3.1; RFC 7644 §3.5, §3.12).

``userName`` "MUST be unique across the service provider's entire set of
Users" and is caseExact false (RFC 7643 §4.1.1): a PUT or PATCH that would
give a user another user's userName — in any case — has to be refused, with
409 and scimType ``uniqueness`` (RFC 7644 §3.12 Table 9: "One or more of the
attribute values are already in use or are reserved", for POST, PUT and
PATCH). The create-side rows are ``users.post.dup-409`` and
``users.post.dup-case-409``; ``users.put.uniqueness`` has the exact-case PUT.

Two *policy* rows (``should``): a user changing the case of its own
userName is not a conflict with itself (servers that check uniqueness
case-insensitively often collide with the row being updated), and
``externalId`` — the IdPs' join key (Okta's ``00u…`` id, Entra's
``mailNickname``/``objectId``) — unique per resource type, which RFC 7643
§3.1 does not require.

Every refusal is followed by a GET proving the resource did not change.

Each check first renames its user to a fresh, free userName the same way
(:func:`~harness.conformance.support.renamed`): a target that refuses every
rename (``userName`` declared immutable, 400 ``mutability``) breaks RFC 7643
§4.1.1 once, reported by ``attr.user.username.replace``, and blocks these
checks — its refusal says nothing about uniqueness.
"""

from __future__ import annotations

from typing import Any

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import ensure, expect_error, expect_resource, expect_status
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.support import renamed, replacement, user_path
from harness.conformance.target import Target


def _send(target: Target, how: str, user: dict[str, Any], user_name: str) -> ScimResponse:
    """Set ``user``'s userName with a PUT of the whole resource or a PATCH replace."""
    path = user_path(user)
    if how == "put":
        return target.put(path, replacement(user, userName=user_name))
    return target.patch(path, patch_body(operation("replace", "userName", user_name)))


def _variant(user_name: str) -> str:
    return user_name.swapcase()


@check_table(
    [
        case(
            "uniq.patch-username",
            "RFC 7643 §4.1.1 (userName MUST be unique); RFC 7644 §3.5.2, §3.12 (409 uniqueness)",
            "a PATCH replacing userName with another user's userName is refused with 409 "
            "uniqueness and changes nothing",
            needs=("patch",),
            mutating=True,
            how="patch",
            case_variant=False,
        ),
        case(
            "uniq.patch-username-case",
            "RFC 7643 §4.1.1 (userName unique, caseExact false); RFC 7644 §3.5.2, §3.12",
            "a PATCH replacing userName with another user's userName in other case is refused "
            "with 409 uniqueness",
            needs=("patch",),
            mutating=True,
            how="patch",
            case_variant=True,
        ),
        case(
            "uniq.put-username-case",
            "RFC 7643 §4.1.1 (userName unique, caseExact false); RFC 7644 §3.5.1, §3.12",
            "a PUT giving a user another user's userName in other case is refused with 409 "
            "uniqueness",
            mutating=True,
            how="put",
            case_variant=True,
        ),
    ]
)
def test_taken_user_name(target: Target, case: Check) -> None:
    """Langfuse PR #13528: a case-preserving check and a lowercasing insert let twins in."""
    how = case.params["how"]
    first = target.create_user("taken")
    second, _ = renamed(target, target.create_user("taker"), how)
    wanted = _variant(first["userName"]) if case.params["case_variant"] else first["userName"]
    response = _send(target, how, second, wanted)
    expect_error(
        response,
        409,
        "uniqueness",
        what=(
            f"{how.upper()} setting userName {wanted!r} while another user has "
            f"{first['userName']!r}"
            + (
                " (the same userName: caseExact false, RFC 7643 §4.1.1)"
                if case.params["case_variant"]
                else ""
            )
        ),
    )
    after = target.get(f"/Users/{second['id']}")
    stored = expect_resource(after, 200, what="GET after the refused update")
    ensure(
        stored.get("userName") == second["userName"],
        f"userName still {second['userName']!r}: a refused update changes nothing",
        f"userName = {stored.get('userName')!r}",
        after,
    )


@check(
    "uniq.self-case",
    "RFC 7643 §4.1.1 (uniqueness is among other Users) — *policy*",
    "a PUT changing only the case of a user's own userName is accepted (no conflict with "
    "itself) and stored",
    level="should",
    mutating=True,
)
def test_self_case(target: Target) -> None:
    user, _ = renamed(target, target.create_user("selfcase"), "put")
    wanted = _variant(user["userName"])
    response = _send(target, "put", user, wanted)
    expect_status(response, 200, what=f"PUT of the user's own userName in other case ({wanted!r})")
    after = target.get(f"/Users/{user['id']}")
    stored = expect_resource(after, 200, what="GET after the PUT")
    ensure(
        stored.get("userName") == wanted,
        f"userName {wanted!r} as sent (the user renamed in Okta/Entra keeps the new case)",
        f"userName = {stored.get('userName')!r}",
        after,
    )


@check(
    "uniq.externalid",
    "*policy*: externalId is the IdPs' join key (Okta 00u… id, Entra mailNickname); "
    "RFC 7643 §3.1 declares no uniqueness; RFC 7644 §3.12 (409 uniqueness)",
    "a second user with an existing user's externalId is refused with 409 uniqueness",
    level="should",
    mutating=True,
)
def test_external_id(target: Target) -> None:
    first = target.create_user("extid", keep=("externalId",))
    response = target.post("/Users", target.user_body("extid2", externalId=first["externalId"]))
    expect_error(
        response,
        409,
        "uniqueness",
        what=(
            f"POST /Users with externalId {first['externalId']!r}, already another user's "
            "(two users with one join key leave the IdP unable to tell them apart)"
        ),
    )
