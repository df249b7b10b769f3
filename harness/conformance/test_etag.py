"""ETags and preconditions on Users (RFC 7644 §3.14; RFC 7643 §3.1; RFC 7232 §2.3, §3.1–§3.2).

When ``/ServiceProviderConfig`` claims ``etag.supported`` (RFC 7643 §5) the
checks here run: "SCIM ETags MUST be specified as an HTTP header and SHOULD
be specified within the 'version' attribute" (RFC 7644 §3.14), and
``meta.version`` "must be the same as the entity-tag (ETag) HTTP response
header" (RFC 7643 §3.1). Preconditions follow RFC 7232, which §3.14 points
to: ``If-None-Match`` naming the current version on a GET → 304 (§3.2);
``If-Match`` naming another version on PUT/PATCH/DELETE → 412 and no change
(§3.1); ``If-Match`` with the current version or ``*`` → the method runs.

Weak tags (``W/"…"``) are the normal SCIM form (RFC 7644 §3.14 examples).
RFC 7232 makes ``If-Match`` a strong comparison that weak tags never pass;
SCIM servers compare the opaque strings instead, so the checks send back the
exact string the server gave (pitfalls §27).

``etag.unsupported`` is the other side: a target that does not claim ETags
should ignore the precondition headers (*policy*, ``should``) rather than
refuse requests an IdP sends without knowing any version.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import operation, patch_body
from harness.conformance.expect import ensure, expect_resource, expect_status
from harness.conformance.registry import check
from harness.conformance.support import replacement, usable, user_path
from harness.conformance.target import Target

NEEDS = ("etag",)
#: RFC 7232 §2.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE.
ENTITY_TAG = re.compile(r'^(W/)?"[\x21\x23-\x7e\x80-\xff]*"$')
STALE = 'W/"scimh-never-issued"'


def _etag(response: ScimResponse, what: str) -> str:
    """The ETag header of ``response``: present and an RFC 7232 entity-tag."""
    value = response.headers.get("etag")
    ensure(
        value,
        f"an ETag header on {what} (RFC 7644 §3.14: 'SCIM ETags MUST be specified as an "
        "HTTP header')",
        "no ETag header",
        response,
    )
    ensure(
        ENTITY_TAG.match(str(value)),
        'an entity-tag such as W/"3694e05e9dff590" (RFC 7232 §2.3: quoted, optionally W/)',
        f"ETag: {value}",
        response,
    )
    return str(value)


def _version(body: dict[str, Any]) -> Any:
    meta = body.get("meta")
    return meta.get("version") if isinstance(meta, dict) else None


def _current(target: Target, user: dict[str, Any]) -> tuple[ScimResponse, dict[str, Any], str]:
    response = target.get(user_path(user))
    body = expect_resource(response, 200, what=f"GET {user_path(user)}")
    return response, body, _etag(response, "the GET answer")


@check(
    "etag.header",
    "RFC 7644 §3.14 (ETag MUST be an HTTP header); RFC 7643 §3.1 (meta.version = ETag)",
    "single-resource answers (POST, GET) carry an ETag header, equal to meta.version when "
    "meta.version is given",
    needs=NEEDS,
    mutating=True,
)
def test_header(target: Target) -> None:
    posted = target.post("/Users", target.user_body("etag"))
    user = expect_resource(posted, 201, what="POST /Users")
    fetched = target.get(user_path(user))
    stored = expect_resource(fetched, 200, what=f"GET {user_path(user)}")
    for response, body, what in (
        (posted, user, "the POST answer"),
        (fetched, stored, "the GET answer"),
    ):
        tag = _etag(response, what)
        version = _version(body)
        ensure(
            version is None or version == tag,
            f"meta.version = the ETag header {tag!r} (RFC 7643 §3.1: 'MUST be the same as "
            "the entity-tag (ETag) HTTP response header')",
            f"meta.version = {version!r}",
            response,
        )


@check(
    "etag.meta-version",
    "RFC 7644 §3.14 (ETag SHOULD be in meta.version); RFC 7643 §3.1",
    "a resource carries its version in meta.version",
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_meta_version(target: Target) -> None:
    user = target.create_user("version")
    response, body, tag = _current(target, user)
    ensure(
        _version(body) == tag,
        f"meta.version = {tag!r}, the ETag header (RFC 7644 §3.14 SHOULD)",
        f"meta.version = {_version(body)!r}",
        response,
    )


@check(
    "etag.changes",
    "RFC 7644 §3.14; RFC 7232 §2.3 (a new entity-tag for a changed representation)",
    "the ETag changes when the user is modified, and the PUT answer carries the new one",
    needs=NEEDS,
    mutating=True,
)
def test_changes(target: Target) -> None:
    user = target.create_user("etagchange")
    _, _, before = _current(target, user)
    put = target.put(user_path(user), replacement(user, displayName=target.unique("changed")))
    expect_status(put, 200, what=f"PUT {user_path(user)} with a new displayName")
    response, _, after = _current(target, user)
    ensure(
        after != before,
        f"an ETag other than {before!r} after the change (RFC 7644 §3.14: versions identify "
        "the resource's state)",
        f"ETag {after!r}, the same as before",
        response,
    )
    put_tag = put.headers.get("etag")
    ensure(
        put_tag is None or put_tag == after,
        f"the PUT answer's ETag = the new version {after!r}",
        f"ETag {put_tag!r} on the PUT answer",
        put,
    )


@check(
    "etag.if-none-match",
    "RFC 7644 §3.14; RFC 7232 §3.2, §4.1 (If-None-Match on GET → 304)",
    "GET with If-None-Match naming the current version answers 304 without a body; "
    "with another version, 200",
    needs=NEEDS,
    mutating=True,
)
def test_if_none_match(target: Target) -> None:
    user = target.create_user("ifnonematch")
    _, _, tag = _current(target, user)
    response = target.get(user_path(user), headers={"If-None-Match": tag})
    expect_status(response, 304, what=f"GET with If-None-Match: {tag} (the current version)")
    ensure(
        not response.text,
        "an empty body on 304 (RFC 7232 §4.1)",
        f"{len(response.text)} characters of body",
        response,
    )
    other = target.get(user_path(user), headers={"If-None-Match": STALE})
    expect_resource(other, 200, what=f"GET with If-None-Match: {STALE} (not the current version)")


@check(
    "etag.if-match-stale",
    "RFC 7644 §3.14; RFC 7232 §3.1 (If-Match not matching → 412, method not performed)",
    "PUT, PATCH and DELETE with If-Match naming a superseded version answer 412 and change nothing",
    needs=NEEDS,
    mutating=True,
)
def test_if_match_stale(target: Target) -> None:
    user = target.create_user("ifmatchstale")
    path = user_path(user)
    _, _, stale = _current(target, user)
    kept = target.unique("current")
    expect_status(target.put(path, replacement(user, displayName=kept)), 200, what=f"PUT {path}")
    stale_header = {"If-Match": stale}
    expect_status(
        target.put(path, replacement(user, displayName="lost update"), headers=stale_header),
        412,
        what=f"PUT with If-Match: {stale} (the version before the last change)",
    )
    if usable(target, "patch"):
        body = patch_body(operation("replace", "displayName", "lost update"))
        expect_status(
            target.patch(path, body, headers=stale_header),
            412,
            what=f"PATCH with If-Match: {stale} (superseded)",
        )
    expect_status(
        target.delete(path, headers=stale_header),
        412,
        what=f"DELETE with If-Match: {stale} (superseded)",
    )
    response = target.get(path)
    stored = expect_resource(
        response, 200, what="GET after the refused requests (the user must still exist)"
    )
    ensure(
        stored.get("displayName") == kept,
        f"displayName still {kept!r}: a 412 performs nothing (RFC 7232 §3.1)",
        f"displayName = {stored.get('displayName')!r}",
        response,
    )


@check(
    "etag.if-match-current",
    "RFC 7644 §3.14; RFC 7232 §3.1 (If-Match matching → the method is performed)",
    "PUT and DELETE with If-Match naming the current version succeed",
    needs=NEEDS,
    mutating=True,
)
def test_if_match_current(target: Target) -> None:
    user = target.create_user("ifmatch")
    path = user_path(user)
    _, _, tag = _current(target, user)
    changed = target.unique("changed")
    put = target.put(path, replacement(user, displayName=changed), headers={"If-Match": tag})
    body = expect_resource(put, 200, what=f"PUT with If-Match: {tag} (the current version)")
    ensure(
        body.get("displayName") == changed,
        f"displayName {changed!r} after the conditional PUT",
        f"displayName = {body.get('displayName')!r}",
        put,
    )
    _, _, tag = _current(target, user)
    expect_status(
        target.delete(path, headers={"If-Match": tag}),
        204,
        200,
        what=f"DELETE with If-Match: {tag} (the current version)",
    )


@check(
    "etag.if-match-star",
    "RFC 7644 §3.14; RFC 7232 §3.1 (If-Match: * matches any current representation)",
    "PUT with If-Match: * on an existing user succeeds",
    needs=NEEDS,
    mutating=True,
)
def test_if_match_star(target: Target) -> None:
    user = target.create_user("ifmatchstar")
    changed = target.unique("changed")
    put = target.put(
        user_path(user), replacement(user, displayName=changed), headers={"If-Match": "*"}
    )
    body = expect_resource(put, 200, what="PUT with If-Match: * (any current version)")
    ensure(
        body.get("displayName") == changed,
        f"displayName {changed!r} after the PUT",
        f"displayName = {body.get('displayName')!r}",
        put,
    )


@check(
    "etag.unsupported",
    "RFC 7644 §3.14; RFC 7643 §5 (etag.supported false) — *policy*",
    "a target that does not claim ETags ignores If-Match and If-None-Match instead of "
    "refusing or short-cutting requests",
    level="should",
    mutating=True,
)
def test_unsupported(target: Target) -> None:
    if not target.capabilities.declares_unsupported("etag"):
        pytest.skip(
            "the target does not declare etag.supported false (RFC 7643 §5): the other etag.* "
            "checks cover it"
        )
    user = target.create_user("noetag")
    path = user_path(user)
    got = target.get(path, headers={"If-None-Match": "*"})
    expect_resource(got, 200, what="GET with If-None-Match: * (ETags not supported: ignored)")
    put = target.put(
        path, replacement(user, displayName=target.unique("changed")), headers={"If-Match": STALE}
    )
    expect_status(put, 200, what=f"PUT with If-Match: {STALE} (ETags not supported: ignored)")
