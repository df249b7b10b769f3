"""Whether a feature works: the probes, and the gate's decision for unknown features.

The same probes serve three purposes, so each rule has one implementation:

* ``disc.spc.truthful.*`` run :data:`TRUTHFUL` on what the SPC claims (a claim
  not backed by behaviour fails, RFC 7643 §5);
* ``disc.spc.under-claim.*`` run :data:`HONOURED` on what it declares
  unsupported (a feature that works anyway should be claimed);
* the gate runs :data:`PROBES` on a feature the target declares nothing
  valid about (:attr:`Capabilities.unknown` — an SPC that is a ListResponse,
  a /ResourceTypes that lists no resource type): its checks run when the
  feature works when tried, as the okta and entra profiles assume filter and
  PATCH anyway, and are skipped with what the probe saw when it does not —
  never as "not claimed". A probe that cannot even be set up (the user it
  creates is refused) decides nothing: the checks run and are blocked on
  their own.

A probe's resources belong to the run (``Target.shared``), created once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.conformance.bodies import bulk_body, operation, patch_body
from harness.conformance.capabilities import PROFILE_REQUIRED_FEATURES
from harness.conformance.expect import (
    Blocked,
    CheckFailed,
    ensure,
    expect_json,
    expect_list,
    expect_resource,
    expect_status,
    ids_of,
    resources_of,
)
from harness.conformance.target import Target
from harness.scim.schema import BULK_RESPONSE_URN

Probe = Callable[[Target], None]


def probe_user(target: Target) -> dict[str, Any]:
    """The run's own User the probes read, filter and compare (created once)."""
    return target.shared("feature.user", lambda found: found.create_user("probe"))


def _truthful_etag(target: Target) -> None:
    """RFC 7644 §3.14: when supported, ETags MUST be given as an HTTP header (and SHOULD
    also be the resource's ``meta.version``)."""
    user = probe_user(target)
    response = target.get(f"/Users/{user['id']}")
    body = expect_resource(response, 200)
    etag = response.headers.get("etag")
    ensure(
        etag,
        "an ETag header on GET of a resource, since etag.supported is true (RFC 7644 §3.14)",
        "no ETag header",
        response,
    )
    version = (body.get("meta") or {}).get("version")
    ensure(
        version is None or version == etag,
        "meta.version to equal the ETag header (RFC 7644 §3.14)",
        f"ETag {etag!r}, meta.version {version!r}",
        response,
    )


def _truthful_sort(target: Target) -> None:
    """RFC 7644 §3.4.2.3: a provider that claims sort accepts ``sortBy``/``sortOrder``."""
    params: dict[str, str | int] = {"sortBy": "userName", "sortOrder": "descending", "count": 2}
    if target.capabilities.has("filter"):  # a name nobody has: only eq, the list stays empty
        params["filter"] = f'userName eq "{target.unique("truthful-sort")}@example.com"'
    expect_list(
        target.get("/Users", params=params),
        what="a ListResponse for sortBy=userName, since sort.supported is true (RFC 7644 §3.4.2.3)",
    )


def _truthful_patch(target: Target) -> None:
    user = target.create_user("truthful-patch")
    path = f"/Users/{user['id']}"
    new_name = target.unique("patched")
    response = target.patch(path, patch_body(operation("replace", "displayName", new_name)))
    expect_status(
        response, 200, 204, what="PATCH success, since patch.supported is true (RFC 7644 §3.5.2)"
    )
    after = expect_resource(target.get(path), 200, what="GET after the PATCH")
    ensure(
        after.get("displayName") == new_name,
        f"the PATCH to have set displayName to {new_name!r}",
        f"displayName = {after.get('displayName')!r}",
        response,
    )


def _truthful_bulk(target: Target) -> None:
    body = bulk_body(
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "u1",
            "data": target.user_body("truthful-bulk"),
        }
    )
    response = target.post("/Bulk", body)
    expect_status(
        response, 200, what="a BulkResponse, since bulk.supported is true (RFC 7644 §3.7)"
    )
    answer = expect_json(response, "a BulkResponse (RFC 7644 §3.7.3)")
    ensure(
        BULK_RESPONSE_URN in (answer.get("schemas") or []),
        f"'schemas' = [{BULK_RESPONSE_URN}] (RFC 7644 §3.7.3)",
        f"schemas = {answer.get('schemas')!r}",
        response,
    )
    results = answer.get("Operations") or []
    ensure(
        len(results) == 1 and str(results[0].get("status", "")).startswith("201"),
        "one operation result with status 201 for the one POST (RFC 7644 §3.7.3)",
        f"Operations = {results!r}"[:300],
        response,
    )


def _truthful_filter(target: Target) -> None:
    user = probe_user(target)
    target.create_user("truthful-decoy")  # a filter that is ignored would return it too
    name = user["userName"]
    response = target.get("/Users", params={"filter": f'userName eq "{name}"'})
    body = expect_list(response, what="a ListResponse for a filter, since filter.supported is true")
    ensure(
        ids_of(body) == {user["id"]},
        f'userName eq "{name}" to match exactly the user created with it (RFC 7644 §3.4.2.2)',
        f"ids {sorted(ids_of(body))[:5]}, totalResults {body.get('totalResults')}",
        response,
    )


def _truthful_change_password(target: Target) -> None:
    user = target.create_user("truthful-pw")
    path = f"/Users/{user['id']}"
    secret = f"Pw-{target.unique('x')}-9!"
    if target.capabilities.has("patch"):
        response = target.patch(path, patch_body(operation("replace", "password", secret)))
        expect_status(
            response,
            200,
            204,
            what="a password change by PATCH, since changePassword.supported is true (RFC 7643 §5)",
        )
    else:
        body = {k: v for k, v in user.items() if k not in ("meta", "id")}
        body["password"] = secret
        response = target.put(path, body)
        expect_status(
            response,
            200,
            what="a password change by PUT, since changePassword.supported is true (RFC 7643 §5)",
        )
    ensure(
        secret not in response.text,
        "the new password never returned (RFC 7643 §4.1.1: returned 'never')",
        "the password appears in the response",
        response,
    )


TRUTHFUL = {
    "etag": _truthful_etag,
    "sort": _truthful_sort,
    "patch": _truthful_patch,
    "bulk": _truthful_bulk,
    "filter": _truthful_filter,
    "changePassword": _truthful_change_password,
}


def _sorted_names(target: Target, order: str) -> list[str]:
    response = target.get(
        "/Users", params={"sortBy": "userName", "sortOrder": order, "startIndex": 1, "count": 50}
    )
    expect_status(response, 200, what=f"sortBy=userName&sortOrder={order}")
    body = expect_json(response)
    return [str(item.get("userName", "")).casefold() for item in resources_of(body)]


def _honours_sort(target: Target) -> None:
    """Stronger evidence than the truthful probe (which only wants a ListResponse): the
    ascending and descending pages are each in order, and not the same order."""
    for label in ("under-sort-a", "under-sort-b"):
        target.create_user(label)
    ascending = _sorted_names(target, "ascending")
    descending = _sorted_names(target, "descending")
    ensure(
        len(set(ascending)) > 1
        and ascending == sorted(ascending)
        and descending == sorted(descending, reverse=True),
        "sorted pages",
        "unsorted pages",
    )


#: How each feature is seen to work: the truthful probes (they fail when the feature
#: does not work), a stronger one for sort. changePassword is left out: a password
#: accepted and silently dropped cannot be told from one changed.
HONOURED = {
    "filter": _truthful_filter,
    "sort": _honours_sort,
    "patch": _truthful_patch,
    "etag": _truthful_etag,
    "bulk": _truthful_bulk,
}


def _lists(endpoint: str) -> Probe:
    """``GET /Users`` (``/Groups``) answers a ListResponse: the endpoint is there
    (RFC 7644 §3.4.2)."""

    def probe(target: Target) -> None:
        expect_list(
            target.get(f"/{endpoint}", params={"count": 1}),
            what=f"a ListResponse for GET /{endpoint} (RFC 7644 §3.4.2)",
        )

    return probe


#: How the gate tries a feature the target does not validly declare: the stronger
#: evidence where there is one (sort), the truthful probe otherwise.
PROBES: dict[str, Probe] = {
    **TRUTHFUL,
    **HONOURED,
    "Users": _lists("Users"),
    "Groups": _lists("Groups"),
}


def missing_reason(target: Target, feature: str) -> str | None:
    """Why a check needing ``feature`` is skipped, or None if it runs.

    A declared feature follows the declaration and the profile
    (:meth:`Capabilities.missing_reason`); an unknown one is tried once per
    run, unless the profile runs its checks anyway.
    """
    capabilities = target.capabilities
    reason = capabilities.missing_reason(feature, target.profile)
    if (
        reason is not None
        or feature not in capabilities.unknown
        or feature in PROFILE_REQUIRED_FEATURES.get(target.profile, ())
    ):
        return reason
    return target.shared(f"feature.tried:{feature}", lambda found: _tried(found, feature))


def _tried(target: Target, feature: str) -> str | None:
    """Run the probe of an unknown feature: None when it works (or cannot be tried)."""
    probe = PROBES.get(feature)
    if probe is None or target.read_only:
        return None  # nothing to try without writing: the checks judge it themselves
    try:
        probe(target)
    except Blocked:
        return None
    except CheckFailed as failure:
        sent = failure.exchange
        where = f"{sent.method} {target.relative(sent.url)} → " if sent is not None else ""
        return (
            f"the target's discovery does not validly declare {feature} (disc.spc.* and "
            f"disc.rt.* report it, RFC 7643 §5, §6), and {feature} did not work when tried "
            f"({where}{failure.got})"
        )
    return None
