"""Helpers the check modules share: levels, resource paths, PATCH success, pools.

The ``test_*.py`` modules were written side by side and each grew its own
copy of these; they live here once so that a fix (or a message) changes in
one place and every check that relies on it stays in step. Only helpers
whose logic is the same everywhere belong here: a helper that merely looks
alike but judges something else stays in its module.

What the target *declares* (``/ResourceTypes``, ``/Schemas``) is read by
:mod:`harness.conformance.discovery`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import (
    ensure,
    expect_list,
    expect_resource,
    expect_status,
    precondition,
    resources_of,
)
from harness.conformance.features import missing_reason
from harness.conformance.registry import Level
from harness.conformance.target import Target
from harness.reports.model import Comparison
from harness.scim.compat import Compat
from harness.scim.patch import apply_patch, parse_patch_request
from harness.scim.schema import ENTERPRISE_USER_URN, USER, ResourceType

# -- levels ----------------------------------------------------------------------


class Levels(TypedDict, total=False):
    """The RFC level keyword of :func:`check` / :func:`case`, spread with ``**``.

    Typed (not ``dict[str, Any]``) so that mypy catches a misspelt level in a
    shared constant before the registry rejects it at import. The IdP levels
    are not here: :mod:`harness.conformance.levels` gives them.
    """

    level: Level
    rfc: Level


#: An Entra-only behaviour, no RFC rule (the level table makes it Entra's must).
ENTRA_ONLY: Levels = {"rfc": "skip"}

# -- names -----------------------------------------------------------------------

#: The extra schema URN Entra puts in a Group POST (Microsoft Learn [T] "Create Group").
MICROSOFT_GROUP_URN = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"

# -- features --------------------------------------------------------------------


def usable(target: Target, feature: str) -> bool:
    """Whether a check may lean on ``feature`` (claimed, required by the profile, or
    undeclared and working when tried — :func:`harness.conformance.features.missing_reason`).

    For checks that use a feature on the side (a filter to double-check a
    write): they take another way, rather than skip, when it is not usable.
    """
    return missing_reason(target, feature) is None


# -- users -----------------------------------------------------------------------

#: Attributes of a created resource a PUT body must not carry to stay a pure replace
#: (readOnly: RFC 7644 §3.5.1 would ignore them anyway).
READ_ONLY_KEYS = ("id", "meta", "groups")


def user_path(resource: Mapping[str, Any]) -> str:
    """``/Users/<id>``: where a created User is read, replaced and patched."""
    return f"/Users/{resource['id']}"


def new_user(target: Target, label: str, **attributes: Any) -> tuple[dict[str, Any], str]:
    """Create a User for this check; (the resource, its path for PATCH and GET)."""
    user = target.create_user(label, **attributes)
    return user, user_path(user)


def replacement(resource: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """A PUT body: the resource without its readOnly parts, ``changes`` applied (``...`` drops)."""
    body = {key: value for key, value in resource.items() if key not in READ_ONLY_KEYS}
    body.update(changes)
    return {key: value for key, value in body.items() if value is not ...}


def find_users_named(
    target: Target, user_name: str, what: str = ""
) -> tuple[ScimResponse, list[dict[str, Any]]]:
    """``GET /Users?filter=userName eq "…"``: the answer and the Users it lists (§3.4.2).

    How a check confirms a write (or its absence) the way an IdP looks users
    up; ``what`` names the look-up in a failure (by default, the request).
    """
    expression = f'userName eq "{user_name}"'
    response = target.get("/Users", params={"filter": expression})
    body = expect_list(response, what=what or f"GET /Users?filter={expression}")
    return response, resources_of(body)


#: The step every check that changes a userName builds on (one wording, one root cause).
RENAME_STEP = (
    "renaming a User to a fresh, free userName (RFC 7643 §4.1.1: userName is readWrite; "
    "attr.user.username.replace judges renames)"
)


def renamed(
    target: Target, user: Mapping[str, Any], how: str = "patch", op: str = "replace"
) -> tuple[dict[str, Any], ScimResponse]:
    """``user`` renamed to a fresh userName no one has, by PUT or PATCH ``op``; (the user
    as it now is, the answer).

    The uniqueness checks on update and Entra's rename need a rename to work
    at all before they can test anything else: a target that refuses every
    rename (``userName`` declared immutable, 400 ``mutability``) breaks RFC
    7643 §4.1.1 once — ``attr.user.username.replace`` fails for it — and
    blocks them at this step, rather than failing each as if uniqueness (or
    Entra's index) were broken. Under PUT the answer must be 200 (§3.5.1);
    under PATCH 200 or 204 (§3.5.2).
    """
    fresh = target.user_name("renamed")
    path = user_path(user)
    with precondition(RENAME_STEP):
        if how == "put":
            response = target.put(path, replacement(user, userName=fresh))
            expect_status(response, 200, what=f"PUT {path} with the free userName {fresh!r}")
        else:
            response = target.patch(path, patch_body(operation(op, "userName", fresh)))
            expect_patch_success(response, f" for {op} of userName with the free {fresh!r}")
    return {**user, "userName": fresh}, response


# -- stored values a check watches -----------------------------------------------


def stored_given_name(user: Mapping[str, Any]) -> str:
    """The created user's name.givenName: what the sub-attribute checks watch stay put.

    A target that drops it on create (judged by attr.user.name.roundtrip) leaves
    nothing to watch: the check is blocked, not tripped by a missing key.
    """
    name = user.get("name")
    given = name.get("givenName") if isinstance(name, dict) else None
    with precondition("the created user holding the name.givenName it was sent"):
        ensure(isinstance(given, str), "name.givenName in the POST answer", f"name = {name!r}")
    return str(given)


# -- the enterprise extension ----------------------------------------------------


def enterprise_part(resource: Mapping[str, Any]) -> dict[str, Any]:
    """A User's enterprise extension object ({} when absent or not an object, RFC 7643 §4.3)."""
    extension = resource.get(ENTERPRISE_USER_URN)
    return extension if isinstance(extension, dict) else {}


def manager_value(user: Mapping[str, Any]) -> Any:
    """``manager.value`` of the enterprise extension; a bare manager value as it is."""
    manager = enterprise_part(user).get("manager")
    return manager.get("value") if isinstance(manager, dict) else manager


# -- PATCH -----------------------------------------------------------------------

PATCH_SUCCESS = "PATCH success (RFC 7644 §3.5.2: 200 with the resource, or 204)"


def expect_patch_success(response: ScimResponse, note: str = "") -> ScimResponse:
    """A PATCH succeeded: 200 with the resource, or 204 (RFC 7644 §3.5.2); ``note`` adds why.

    Never more than the status: whether the change happened is for a GET
    afterwards to show, since a 204 carries no body to judge.
    """
    return expect_status(response, 200, 204, what=f"{PATCH_SUCCESS}{note}")


def state_after_patch(target: Target, path: str) -> dict[str, Any]:
    """The resource as GET shows it now (the authority on what a PATCH did)."""
    return expect_resource(target.get(path), 200, what="GET of the resource after the PATCH")


def applied(target: Target, path: str, response: ScimResponse) -> dict[str, Any]:
    """The PATCH succeeded; the resource as a following GET shows it."""
    expect_patch_success(response)
    return state_after_patch(target, path)


# -- expected vs actual ------------------------------------------------------------
#
# A failure that compares structures carries both sides as JSON (a
# :class:`Comparison`); the reports show the RFC 6902 operations between them.
# These helpers only build evidence: they never raise, so a target's odd body
# cannot change a check's verdict through them.

#: The core's most tolerant reading (every IdP-compat switch on): the checks send
#: Okta's and Entra's bodies verbatim, and a conformant target applies them.
TOLERANT = Compat(
    string_booleans=True, replace_creates=True, lenient_remove=True, lenient_schemas=True
)


def without_meta(resource: Any) -> Any:
    """The resource without ``meta`` (server-kept: timestamps and versions differ by design)."""
    if not isinstance(resource, Mapping):
        return resource
    return {key: value for key, value in resource.items() if key != "meta"}


def compared(what: str, expected: Any, actual: Any) -> Comparison:
    """Expected vs actual, ``meta`` aside when they are resources."""
    return Comparison(what, without_meta(expected), without_meta(actual))


def patch_comparison(
    what: str,
    before: Mapping[str, Any],
    body: Any,
    after: Any,
    resource_type: ResourceType = USER,
) -> Comparison | None:
    """What ``body`` makes of ``before`` by RFC 7644 §3.5.2 (the core's reading) vs ``after``.

    ``None`` when the core cannot apply the request (a shape it does not
    know): then the check's own words are the only evidence.
    """
    try:
        operations = parse_patch_request(copy.deepcopy(body), TOLERANT)
        expected, _ = apply_patch(dict(without_meta(before)), operations, resource_type, TOLERANT)
    except Exception:  # evidence only: it never decides a verdict
        return None
    return compared(what, expected, after)


def put_comparison(
    what: str, sent: Mapping[str, Any], stored: Any, omitted: Iterable[str] = ()
) -> Comparison:
    """What a PUT sent (readOnly parts aside) vs what GET shows of the same attributes.

    ``omitted`` names attributes the PUT left out on purpose: a replace clears
    them (RFC 7644 §3.5.1), so they are absent on the expected side and shown
    on the actual side when the target kept them.
    """
    expected = {key: value for key, value in sent.items() if key not in READ_ONLY_KEYS}
    names = {name.casefold() for name in (*expected, *omitted)}
    actual = (
        {key: value for key, value in stored.items() if key.casefold() in names}
        if isinstance(stored, Mapping)
        else stored
    )
    return Comparison(what, expected, actual)


def members_comparison(what: str, expected: Iterable[str], found: Iterable[str]) -> Comparison:
    """Two member lists as ``{"members": [{"value": id}, …]}``, sorted (order carries no
    meaning, RFC 7643 §2.4), so that a diff points under ``/members``."""

    def shaped(ids: Iterable[str]) -> dict[str, Any]:
        return {"members": [{"value": value} for value in sorted(ids)]}

    return Comparison(what, shaped(expected), shaped(found))


# -- groups ----------------------------------------------------------------------

POOL_SIZE = 3


def member_pool(target: Target) -> list[dict[str, Any]]:
    """A few Users the run shares as group members (no check changes them).

    Built once under one key for the group and membership checks alike, so a
    run creates one pool, not one per module.
    """

    def build(t: Target) -> list[dict[str, Any]]:
        return [t.create_user(f"member{n}") for n in range(1, POOL_SIZE + 1)]

    return target.shared("groups.member-pool", build)


def resource_ids(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """The ``id`` of each resource, in order (what a Group's ``members[].value`` holds)."""
    return [str(resource["id"]) for resource in resources]


def member_pool_ids(target: Target) -> list[str]:
    """Ids of the shared :func:`member_pool` Users."""
    return resource_ids(member_pool(target))


def member_values(group: Mapping[str, Any]) -> list[str]:
    """The ``members[].value`` of a Group, in the order given (absent = none, RFC 7643 §2.5).

    A malformed ``members`` becomes a readable entry rather than an exception,
    so the check fails with what the target sent.
    """
    members = group.get("members") or []
    if not isinstance(members, list):
        return [f"<members is a {type(members).__name__}, not a list>"]
    return [str(item.get("value")) if isinstance(item, dict) else repr(item) for item in members]


# -- errors ----------------------------------------------------------------------


def expect_scim_type_or_none(
    body: Mapping[str, Any], accepted: tuple[str, ...], expected: str, response: ScimResponse
) -> None:
    """A present ``scimType`` is one of ``accepted``; an absent one passes.

    ``scimType`` is OPTIONAL in RFC 7644 §3.12, so a target may leave it out,
    but a wrong keyword misleads the client. ``expected`` says in words what
    the check accepts (the rule it cites).
    """
    found = body.get("scimType")
    ensure(found is None or found in accepted, expected, f"scimType = {found!r}", response)
