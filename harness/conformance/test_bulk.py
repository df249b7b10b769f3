"""Bulk operations: ``POST /Bulk`` (RFC 7644 §3.7).

Run only when ``/ServiceProviderConfig`` claims ``bulk.supported`` (RFC 7643
§5) — neither Okta nor Entra sends Bulk, so a target that claims it is judged
by the RFC alone:

* a BulkRequest answers 200 with a BulkResponse (§3.7, §3.7.3) whose
  Operations echo ``method`` and ``bulkId``, carry ``status`` and
  ``location`` (REQUIRED except for a failed POST, §3.7), and, for an error,
  the §3.12 error as ``response``; ``status`` is a string in every example
  of the RFC (a should);
* ``bulkId:`` references (§3.7.2) — a group member that is a user created in
  the same request;
* partial failure: processing continues past a failed operation (§3.7 "MUST
  continue performing as many changes as possible"), unless ``failOnErrors``
  is reached (§3.7, §3.7.3);
* limits: more than ``maxOperations`` operations or more than
  ``maxPayloadSize`` bytes → 413 naming the limit (§3.7.4);
* a target that does not claim Bulk should answer 501 (§3.12, *policy*).

Operations that must fail are DELETEs of made-up ids, and the oversized
requests are made of them too: a target that wrongly runs them changes
nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import bulk_body
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_json,
    expect_resource,
    expect_status,
    fail,
)
from harness.conformance.registry import check
from harness.conformance.support import find_users_named, usable
from harness.conformance.target import Target
from harness.scim.errors import ERROR_URN
from harness.scim.schema import BULK_RESPONSE_URN, GROUP_URN

NEEDS = ("bulk", "Users")
#: Largest limits the suite exceeds on purpose (beyond them the check is skipped).
MAX_OPERATIONS_TRIED = 10_000
MAX_PAYLOAD_TRIED = 16 * 1024 * 1024

JsonDict = dict[str, Any]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _post_op(bulk_id: str, body: JsonDict, path: str = "/Users") -> JsonDict:
    return {"method": "POST", "path": path, "bulkId": bulk_id, "data": body}


def _failing_op(target: Target) -> tuple[JsonDict, str]:
    """A DELETE of a made-up id: 404 on any target, and harmless if run anyway."""
    absent = target.absent_id()
    return {"method": "DELETE", "path": f"/Users/{absent}"}, absent


def _bulk(target: Target, body: JsonDict) -> tuple[ScimResponse, list[JsonDict]]:
    """POST /Bulk; a 200 BulkResponse and its Operations (RFC 7644 §3.7.3)."""
    response = target.post("/Bulk", body)
    expect_status(response, 200, what="a processed bulk job (RFC 7644 §3.7.3)")
    parsed = expect_json(response, "a BulkResponse body (RFC 7644 §3.7.3)")
    ensure(
        BULK_RESPONSE_URN in (parsed.get("schemas") or []),
        f"'schemas' = [{BULK_RESPONSE_URN}] (RFC 7644 §3.7.3)",
        f"schemas = {parsed.get('schemas')!r}",
        response,
    )
    results = parsed.get("Operations")
    ensure(
        isinstance(results, list) and all(isinstance(item, dict) for item in results),
        "'Operations' as a list of objects (RFC 7644 §3.7.3)",
        f"Operations = {str(results)[:200]}",
        response,
    )
    return response, list(results or [])


def _status(result: Mapping[str, Any]) -> str:
    """An operation's ``status`` as text, whether sent as "201" or 201."""
    return str(result.get("status", "")).strip()


def _result_for(
    results: list[JsonDict], response: ScimResponse, what: str, **match: str
) -> JsonDict:
    """The one result whose fields equal ``match`` (method compared case-insensitively)."""
    found = [
        item
        for item in results
        if all(
            str(item.get(key, "")).upper() == value.upper()
            if key == "method"
            else item.get(key) == value
            for key, value in match.items()
        )
    ]
    ensure(
        len(found) == 1,
        f"one result for {what} ({', '.join(f'{k} {v!r}' for k, v in match.items())}) "
        "in Operations (RFC 7644 §3.7.3)",
        f"{len(found)} such results",
        response,
    )
    return found[0]


def _created_id(result: Mapping[str, Any], response: ScimResponse, what: str) -> str:
    """The new resource's id from a successful POST result: 201 and its location."""
    ensure(
        _status(result) == "201",
        f'status "201" for {what} (RFC 7644 §3.3, §3.7.3)',
        f"status {result.get('status')!r}" + _error_detail(result),
        response,
    )
    location = result.get("location")
    ensure(
        isinstance(location, str) and location.rstrip("/"),
        f"a 'location' for {what} (RFC 7644 §3.7: REQUIRED in a response)",
        f"location = {location!r}",
        response,
    )
    return str(location).rstrip("/").rsplit("/", 1)[-1]


def _error_detail(result: Mapping[str, Any]) -> str:
    answer = result.get("response")
    if isinstance(answer, Mapping) and answer.get("detail"):
        return f" ({str(answer['detail'])[:200]})"
    return ""


# --------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------


@check(
    "bulk.basic",
    "RFC 7644 §3.7, §3.7.3",
    "POST /Bulk with a BulkRequest answers 200 with a BulkResponse, and its POST creates the user",
    needs=NEEDS,
    mutating=True,
)
def test_basic(target: Target) -> None:
    user = target.user_body("bulk-basic")
    response, results = _bulk(target, bulk_body(_post_op("basic", user)))
    result = _result_for(results, response, "the POST", bulkId="basic")
    new_id = _created_id(result, response, "the POST")
    found = expect_resource(
        target.get(str(result["location"])), 200, what="GET of the bulk-created user's location"
    )
    ensure(
        found.get("id") == new_id and found.get("userName") == user["userName"],
        f"the user {user['userName']!r} at the returned location",
        f"id {found.get('id')!r}, userName {found.get('userName')!r}",
        response,
    )


@check(
    "bulk.response-shape",
    "RFC 7644 §3.7 (method REQUIRED, bulkId echoed for POST, location REQUIRED in a "
    "response), §3.7.3; per-operation status as for single requests (§3.3, §3.5.1, §3.6)",
    "each BulkResponse operation echoes method (and bulkId for POST) with its status and the "
    "resource's location: POST 201, PUT 200, DELETE 204",
    needs=NEEDS,
    mutating=True,
)
def test_response_shape(target: Target) -> None:
    replaced = target.create_user("bulk-put")
    removed = target.create_user("bulk-delete")
    put_body = {key: value for key, value in replaced.items() if key not in ("id", "meta")}
    put_body["displayName"] = target.unique("bulk-put-renamed")
    body = bulk_body(
        _post_op("shape-post", target.user_body("bulk-shape")),
        {"method": "PUT", "path": f"/Users/{replaced['id']}", "data": put_body},
        {"method": "DELETE", "path": f"/Users/{removed['id']}"},
    )
    response, results = _bulk(target, body)
    ensure(
        len(results) == 3,
        "one result per operation: 3 (RFC 7644 §3.7.3)",
        f"{len(results)} results",
        response,
    )
    for item in results:
        ensure(
            str(item.get("method", "")).upper() in ("POST", "PUT", "DELETE"),
            "every result to echo its 'method' (RFC 7644 §3.7: REQUIRED)",
            f"method = {item.get('method')!r}",
            response,
        )
    _created_id(
        _result_for(results, response, "the POST", method="POST", bulkId="shape-post"),
        response,
        "the POST",
    )
    for method, user, status in (("PUT", replaced, "200"), ("DELETE", removed, "204")):
        result = _result_for(results, response, f"the {method}", method=method)
        ensure(
            _status(result) == status,
            f'status "{status}" for the {method} (as for a single {method})',
            f"status {result.get('status')!r}" + _error_detail(result),
            response,
        )
        location = result.get("location")
        ensure(
            isinstance(location, str) and location.rstrip("/").endswith(f"/Users/{user['id']}"),
            f"'location' …/Users/{user['id']} for the {method} (RFC 7644 §3.7: REQUIRED)",
            f"location = {location!r}",
            response,
        )


@check(
    "bulk.status-string",
    "RFC 7644 §3.7.3 (every example gives 'status' as a string, as §3.12 does for errors)",
    'each BulkResponse operation\'s status is a JSON string such as "201"',
    level="should",
    needs=NEEDS,
    mutating=True,
)
def test_status_string(target: Target) -> None:
    failing, _ = _failing_op(target)
    body = bulk_body(_post_op("string", target.user_body("bulk-string")), failing)
    response, results = _bulk(target, body)
    for item in results:
        ensure(
            isinstance(item.get("status"), str),
            'every operation\'s \'status\' as a JSON string ("201", "404")',
            f"status = {item.get('status')!r} ({type(item.get('status')).__name__})",
            response,
        )


@check(
    "bulk.bulkid",
    "RFC 7644 §3.7.2",
    "a 'bulkId:' reference to a user created in the same request resolves to the new user's id "
    "(group member)",
    needs=("bulk", "Users", "Groups"),
    mutating=True,
)
def test_bulkid(target: Target) -> None:
    group = target.group_body("bulk-ref")
    group["members"] = [{"type": "User", "value": "bulkId:ref-user"}]
    body = bulk_body(
        _post_op("ref-user", target.user_body("bulk-ref")),
        _post_op("ref-group", group, path="/Groups"),
    )
    response, results = _bulk(target, body)
    user_id = _created_id(
        _result_for(results, response, "the user POST", bulkId="ref-user"),
        response,
        "the user POST",
    )
    group_id = _created_id(
        _result_for(results, response, "the group POST", bulkId="ref-group"),
        response,
        "the group POST, whose member is bulkId:ref-user",
    )
    state = expect_resource(
        target.get(f"/Groups/{group_id}"), 200, schema=GROUP_URN, what="GET of the new group"
    )
    values = [str(m.get("value")) for m in state.get("members") or [] if isinstance(m, dict)]
    ensure(
        values == [user_id],
        f"the group's only member to be the new user {user_id!r} (bulkId:ref-user resolved)",
        f"members {values}",
        response,
    )


@check(
    "bulk.partial-failure",
    "RFC 7644 §3.7 (the service provider MUST continue performing as many changes as "
    "possible and disregard partial failures)",
    "without failOnErrors, an operation after a failed one is still performed",
    needs=NEEDS,
    mutating=True,
)
def test_partial_failure(target: Target) -> None:
    failing, _ = _failing_op(target)
    user = target.user_body("bulk-after-error")
    response, results = _bulk(target, bulk_body(failing, _post_op("after", user)))
    deleted = _result_for(results, response, "the DELETE of a made-up id", method="DELETE")
    ensure(
        _status(deleted) == "404",
        'status "404" for the DELETE of an id that does not exist (RFC 7644 §3.6)',
        f"status {deleted.get('status')!r}",
        response,
    )
    _created_id(
        _result_for(results, response, "the POST after the failure", bulkId="after"),
        response,
        "the POST after the failed operation",
    )


@check(
    "bulk.failed-op",
    "RFC 7644 §3.7 ('response' MUST hold the §3.12 error for a non-2xx status; 'location' "
    "REQUIRED in a response, except in the event of a POST failure), §3.12",
    "a failed bulk operation reports its status, the RFC 7644 §3.12 error as 'response' and, "
    "unless it is a POST, its location",
    needs=NEEDS,
    mutating=True,
)
def test_failed_op(target: Target) -> None:
    existing = target.create_user("bulk-dup")
    failing, absent = _failing_op(target)
    duplicate = target.user_body("bulk-dup-again", userName=existing["userName"])
    response, results = _bulk(target, bulk_body(failing, _post_op("dup", duplicate)))
    for what, result, status in (
        ("the DELETE of a made-up id", _result_for(results, response, "the DELETE",
                                                   method="DELETE"), "404"),
        ("the POST of a duplicate userName", _result_for(results, response, "the POST",
                                                         bulkId="dup"), "409"),
    ):  # fmt: skip
        ensure(
            _status(result) == status,
            f'status "{status}" for {what} (RFC 7644 §3.6 / §3.3)',
            f"status {result.get('status')!r}",
            response,
        )
        error = result.get("response")
        ensure(
            isinstance(error, Mapping)
            and ERROR_URN in (error.get("schemas") or [])
            and str(error.get("status")) == status,
            f"'response' = an RFC 7644 §3.12 error (schemas {ERROR_URN}, status "
            f'"{status}") for {what}',
            f"response = {str(error)[:300]}",
            response,
        )
    delete = _result_for(results, response, "the DELETE", method="DELETE")
    location = delete.get("location")
    ensure(
        isinstance(location, str) and location.rstrip("/").endswith(f"/Users/{absent}"),
        f"'location' …/Users/{absent} on the failed DELETE (RFC 7644 §3.7: location is "
        "REQUIRED in a response except for a failed POST)",
        f"location = {location!r}",
        response,
    )


@check(
    "bulk.failonerrors",
    "RFC 7644 §3.7 (failOnErrors: the number of errors accepted before the operation is "
    "terminated), §3.7.3",
    "with failOnErrors 1, the operations after the first error are not performed",
    needs=NEEDS,
    mutating=True,
)
def test_fail_on_errors(target: Target) -> None:
    """§3.7.3's example answers 200 with the results up to the error; an error
    answer for the whole job is read as allowed too. Either way the POST after
    the error must not have happened (a target that wrongly creates it reports
    it, so the run still removes it)."""
    failing, _ = _failing_op(target)
    user = target.user_body("bulk-skipped")
    body = bulk_body(failing, _post_op("skipped", user), fail_on_errors=1)
    response = target.post("/Bulk", body)
    if response.status == 200:
        _, results = _bulk_results(response)
        performed = [
            item
            for item in results
            if item.get("bulkId") == "skipped" and _status(item).startswith("2")
        ]
        ensure(
            not performed,
            "no result for the POST after the first error: processing stops at failOnErrors 1",
            f"the POST was performed: {str(performed[0])[:300]}" if performed else "",
            response,
        )
    elif response.status is None or response.status < 400 or response.status >= 500:
        fail(
            "200 with the results up to the first error (RFC 7644 §3.7.3), or a 4xx error",
            f"HTTP {response.status}" if response.status else str(response.error),
            response,
        )
    if usable(target, "filter"):
        lookup, found = find_users_named(target, user["userName"], "a look-up by userName")
        ensure(
            not found,
            f"no user {user['userName']!r}: the POST after the error was not performed",
            f"{len(found)} user(s) named so",
            lookup,
        )


def _bulk_results(response: ScimResponse) -> tuple[ScimResponse, list[JsonDict]]:
    body = expect_json(response, "a BulkResponse body (RFC 7644 §3.7.3)")
    results = body.get("Operations")
    ensure(
        isinstance(results, list),
        "'Operations' as a list (RFC 7644 §3.7.3)",
        f"Operations = {str(results)[:200]}",
        response,
    )
    return response, [item for item in results or [] if isinstance(item, dict)]


def _expect_413(response: ScimResponse, limit: str, value: int, words: tuple[str, ...]) -> None:
    """RFC 7644 §3.7.4: 413, and the body names the limit exceeded."""
    body = expect_error(response, 413, what=f"413 for a request above {limit} = {value}")
    detail = str(body.get("detail") or "").casefold()
    ensure(
        str(value) in detail or any(word in detail for word in words),
        f"the error body to name the limit exceeded ({limit} {value}) (RFC 7644 §3.7.4)",
        f"detail = {body.get('detail')!r}",
        response,
    )


@check(
    "bulk.limits",
    "RFC 7644 §3.7.4; RFC 7643 §5 (bulk.maxOperations)",
    "a BulkRequest with more operations than the advertised maxOperations is refused with 413 "
    "naming the limit",
    needs=NEEDS,
    mutating=True,
)
def test_limit_operations(target: Target) -> None:
    limit = target.capabilities.limits.get("bulk.maxOperations")
    if limit is None:
        pytest.skip("the ServiceProviderConfig gives no bulk.maxOperations (RFC 7643 §5)")
    if limit >= MAX_OPERATIONS_TRIED:
        pytest.skip(f"bulk.maxOperations {limit} is too large to exceed in a test")
    failing, _ = _failing_op(target)
    body = bulk_body(*([failing] * (limit + 1)))
    response = target.post("/Bulk", body)
    _expect_413(response, "maxOperations", limit, ("operation", "payload", "size", "large"))


@check(
    "bulk.limits-payload",
    "RFC 7644 §3.7.4; RFC 7643 §5 (bulk.maxPayloadSize)",
    "a BulkRequest larger than the advertised maxPayloadSize is refused with 413 naming the limit",
    needs=NEEDS,
    mutating=True,
)
def test_limit_payload(target: Target) -> None:
    """One DELETE of a made-up id, padded with an ignored ``data`` member until
    the body passes the limit: a target that runs it anyway changes nothing."""
    limit = target.capabilities.limits.get("bulk.maxPayloadSize")
    if limit is None:
        pytest.skip("the ServiceProviderConfig gives no bulk.maxPayloadSize (RFC 7643 §5)")
    if limit >= MAX_PAYLOAD_TRIED:
        pytest.skip(f"bulk.maxPayloadSize {limit} is too large to exceed in a test")
    failing, _ = _failing_op(target)
    padded = dict(failing, data={"displayName": ""})
    base = len(json.dumps(bulk_body(padded)))
    padded["data"] = {"displayName": "x" * (limit - base + 1024)}
    response = target.post("/Bulk", bulk_body(padded))
    _expect_413(response, "maxPayloadSize", limit, ("payload", "size", "byte", "large", "too long"))


@check(
    "bulk.unsupported",
    "RFC 7644 §3.7, §3.12 (501 Not Implemented: the operation is not supported) — policy",
    "a target whose ServiceProviderConfig does not claim bulk answers POST /Bulk with 501",
    level="should",
    mutating=True,
)
def test_unsupported(target: Target) -> None:
    """Only meaningful when bulk is not claimed. The request is one DELETE of a
    made-up id, so a target that processes it anyway changes nothing; such a
    target should claim bulk (disc.spc.truthful reads the other direction)."""
    if not target.capabilities.declares_unsupported("bulk"):
        pytest.skip(
            "the target does not declare bulk.supported false (RFC 7643 §5): the bulk.* checks "
            "judge it instead"
        )
    failing, _ = _failing_op(target)
    response = target.post("/Bulk", bulk_body(failing))
    if response.status == 501:
        expect_error(response, 501)
        return
    fail(
        "HTTP 501 Not Implemented for Bulk, which the ServiceProviderConfig does not claim",
        f"HTTP {response.status}" if response.status else str(response.error),
        response,
    )
