"""Assertions for checks: each failure says what was expected and shows the exchange.

Checks never use bare ``assert``: a failed expectation raises
:class:`CheckFailed` carrying the expectation in words, what the target did
instead, and the :class:`~harness.client.Exchange` that shows it. The
conformance conftest turns that into the failure message (check id, rule,
request, response, curl reproducer), so every check explains itself the
same way.

The helpers are tolerant of broken targets on purpose: a timeout, a reset,
an HTML page or truncated JSON where a SCIM body was expected is a failure
with that cause, never an exception from inside the check.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

from harness.client import Exchange, ScimResponse
from harness.conformance.registry import Level
from harness.reports.model import Comparison
from harness.scim.errors import ERROR_URN, SCIM_TYPE_STATUS
from harness.scim.schema import LIST_RESPONSE_URN as LIST_URN


class CheckFailed(AssertionError):
    """The target did not do what the check's rule requires.

    ``comparison`` is set where the check compares structures (a resource
    after a PATCH, a round-tripped value): the reports show it as a diff.

    ``at_most`` lowers the level this failure counts at for this run only
    (``"should"``: a warning even where the check is registered ``must``),
    for a check whose weight depends on what the target declares — a filter
    ignored by a target whose ServiceProviderConfig says it does not filter.
    It never raises a level (see :func:`reported_level`).
    """

    def __init__(
        self,
        expected: str,
        got: str,
        exchange: Exchange | None = None,
        comparison: Comparison | None = None,
        *,
        at_most: Level | None = None,
    ) -> None:
        super().__init__(f"expected {expected}; got {got}")
        self.expected = expected
        self.got = got
        self.exchange = exchange
        self.comparison = comparison
        self.at_most = at_most


_RANK: dict[str, int] = {"skip": 0, "should": 1, "must": 2}


def reported_level(level: Level, error: BaseException | None) -> Level:
    """The level a check's outcome counts at: its registered ``level``, lowered to the
    failure's ``at_most`` when that is lower (never raised)."""
    at_most = getattr(error, "at_most", None) if isinstance(error, CheckFailed) else None
    if at_most is None or _RANK[at_most] >= _RANK[level]:
        return level
    return at_most


class Blocked(Exception):
    """A precondition of the check failed: the check cannot judge its rule.

    Not a verdict on the rule (the principle "a precondition that failed is
    not a verdict"): the check is reported ``blocked``, naming the step that
    failed first and what the target answered there. The defect behind it,
    if it is one, is reported by the check whose rule it breaks (a refused
    create by ``users.post.*``), once, as the root cause.

    ``failure`` is the expectation that did not hold at that step, kept whole
    so that the reports can show its exchange and group every check it
    blocked under one cause.
    """

    def __init__(self, step: str, failure: CheckFailed) -> None:
        super().__init__(f"blocked: {step}: expected {failure.expected}; got {failure.got}")
        self.step = step
        self.failure = failure


@contextmanager
def precondition(step: str) -> Iterator[None]:
    """Run a setup step: an expectation that fails inside it blocks the check.

    ``step`` says what the check needed, in words ("creating a User for this
    check"); it heads the blocked message and the root-cause list. A
    :class:`Blocked` raised by a nested step keeps its own (first) step.
    """
    try:
        yield
    except CheckFailed as failure:
        raise Blocked(step, failure) from failure


def fail(
    expected: str,
    got: str,
    response: ScimResponse | Exchange | None = None,
    comparison: Comparison | None = None,
    *,
    at_most: Level | None = None,
) -> NoReturn:
    raise CheckFailed(expected, got, _exchange(response), comparison, at_most=at_most)


def ensure(
    condition: object,
    expected: str,
    got: str,
    response: ScimResponse | Exchange | None = None,
    comparison: Comparison | None = None,
) -> None:
    """Fail with ``expected``/``got`` unless ``condition`` holds."""
    if not condition:
        fail(expected, got, response, comparison)


def _exchange(response: ScimResponse | Exchange | None) -> Exchange | None:
    if isinstance(response, ScimResponse):
        return response.exchange
    return response


def describe(response: ScimResponse) -> str:
    """A short account of an answer: ``HTTP 500 (text/html)`` or the transport error."""
    if response.status is None:
        return response.error or "no answer"
    kind = response.content_type or "no Content-Type"
    text = f"HTTP {response.status} ({kind})"
    if response.error:
        text += f", {response.error}"
    elif isinstance(response.body, Mapping) and response.status >= 400:
        detail = response.body.get("detail") or response.body.get("scimType")
        if detail:
            text += f": {str(detail)[:200]}"
    return text


def expect_status(response: ScimResponse, *statuses: int, what: str = "") -> ScimResponse:
    """The answer has one of ``statuses`` (a transport error is a failure too)."""
    allowed = " or ".join(str(s) for s in statuses)
    prefix = f"{what}: " if what else ""
    if response.status is None:
        fail(f"{prefix}HTTP {allowed}", response.error or "no answer", response)
    if response.status not in statuses:
        fail(f"{prefix}HTTP {allowed}", describe(response), response)
    return response


def expect_json(response: ScimResponse, what: str = "a JSON object body") -> dict[str, Any]:
    """The body parsed as a JSON object."""
    if response.status is None:
        fail(what, response.error or "no answer", response)
    if response.error:
        fail(what, response.error, response)
    if not isinstance(response.body, dict):
        got = "an empty body" if not response.text else f"JSON {type(response.body).__name__}"
        fail(what, got, response)
    return response.body


def expect_resource(
    response: ScimResponse, *statuses: int, schema: str | None = None, what: str = ""
) -> dict[str, Any]:
    """A single SCIM resource: the status, a JSON object, an ``id`` and ``schemas``."""
    expect_status(response, *(statuses or (200,)), what=what)
    body = expect_json(response, "a SCIM resource as the JSON body (RFC 7644 §3.1)")
    ensure(
        isinstance(body.get("id"), str) and body["id"],
        "a non-empty string 'id' (RFC 7643 §3.1)",
        f"id = {body.get('id')!r}",
        response,
    )
    schemas = body.get("schemas")
    ensure(
        isinstance(schemas, list) and schemas,
        "a non-empty 'schemas' array (RFC 7643 §3)",
        f"schemas = {schemas!r}",
        response,
    )
    if schema is not None:
        ensure(
            schema in (schemas or []),
            f"'schemas' to contain {schema}",
            f"schemas = {schemas!r}",
            response,
        )
    return body


def expect_list(response: ScimResponse, what: str = "") -> dict[str, Any]:
    """A ListResponse (RFC 7644 §3.4.2): 200, schemas, integer totalResults, Resources list."""
    expect_status(response, 200, what=what)
    body = expect_json(response, "a ListResponse body (RFC 7644 §3.4.2)")
    ensure(
        LIST_URN in (body.get("schemas") or []),
        f"'schemas' = [{LIST_URN}] (RFC 7644 §3.4.2)",
        f"schemas = {body.get('schemas')!r}",
        response,
    )
    total = body.get("totalResults")
    ensure(
        isinstance(total, int) and not isinstance(total, bool) and total >= 0,
        "'totalResults' as a non-negative integer (RFC 7644 §3.4.2)",
        f"totalResults = {total!r}",
        response,
    )
    resources = body.get("Resources", [])
    ensure(
        isinstance(resources, list),
        "'Resources' as a JSON array (RFC 7644 §3.4.2)",
        f"Resources = {type(resources).__name__}",
        response,
    )
    ensure(
        (total or 0) > 0 or not resources,
        "no Resources when totalResults is 0",
        f"{len(resources)} Resources with totalResults 0",
        response,
    )
    return body


def resources_of(body: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``Resources`` of a ListResponse (absent = none, RFC 7644 §3.4.2)."""
    items = body.get("Resources") or []
    return [item for item in items if isinstance(item, dict)]


def ids_of(body: Mapping[str, Any]) -> set[str]:
    return {str(item.get("id")) for item in resources_of(body)}


def expect_error(
    response: ScimResponse,
    status: int | Iterable[int],
    scim_type: str | Iterable[str] | None = None,
    what: str = "",
) -> dict[str, Any]:
    """An RFC 7644 §3.12 error: the status, the Error schema, ``status`` as a string.

    ``scim_type`` names the accepted ``scimType`` value(s), which must then
    pair with the status as Table 9 says; ``None`` means the check judges
    the status and the body's shape only (``err.scimtype-status`` judges the
    pairing of every error once).
    """
    statuses = (status,) if isinstance(status, int) else tuple(status)
    expect_status(response, *statuses, what=what)
    body = expect_json(response, "an RFC 7644 §3.12 error body (JSON)")
    expect_error_members(response, body)
    found = body.get("scimType")
    if scim_type is not None:
        accepted = (scim_type,) if isinstance(scim_type, str) else tuple(scim_type)
        ensure(
            found in accepted,
            f"scimType {' or '.join(repr(t) for t in accepted)} (RFC 7644 §3.12 Table 9)",
            f"scimType = {found!r}",
            response,
        )
        expect_scim_type_status(response, body)
    return body


def expect_scim_type_status(response: ScimResponse, body: Mapping[str, Any]) -> None:
    """A present ``scimType`` goes with the HTTP status Table 9 gives it (RFC 7644 §3.12).

    Judged where a check asks for a scimType, and for every kind of error by
    ``err.scimtype-status``; a check about a status alone (a 404 for an
    unknown id) does not fail on the keyword beside it (the field showed a
    404 with ``invalidValue`` failing every 404 check for one habit).
    """
    found = body.get("scimType")
    if found is not None and found in SCIM_TYPE_STATUS:
        ensure(
            SCIM_TYPE_STATUS[found] == response.status,
            f"scimType {found!r} with HTTP {SCIM_TYPE_STATUS[found]} (RFC 7644 §3.12 Table 9)",
            f"HTTP {response.status}",
            response,
        )


def expect_error_members(
    response: ScimResponse, body: Mapping[str, Any], *, schemas: bool = True
) -> None:
    """The Error schema URN (unless ``schemas`` is false) and ``status`` as the HTTP
    status in a JSON string (§3.12).

    One wording for every check that meets an error body, so that a server
    habit (``"status": 409`` as a number) reads the same wherever it is seen
    and the reports group it as one root cause.
    """
    if schemas:
        ensure(
            ERROR_URN in (body.get("schemas") or []),
            f"'schemas' = [{ERROR_URN}] (RFC 7644 §3.12)",
            f"schemas = {body.get('schemas')!r}",
            response,
        )
    ensure(
        body.get("status") == str(response.status),
        f"'status' = \"{response.status}\" — the HTTP status as a JSON string (RFC 7644 §3.12)",
        f"status = {body.get('status')!r}",
        response,
    )


def expect_equal(
    actual: Any, expected: Any, what: str, response: ScimResponse | Exchange | None = None
) -> None:
    comparison = (
        Comparison(what, expected, actual)
        if isinstance(expected, dict | list) or isinstance(actual, dict | list)
        else None
    )
    ensure(actual == expected, f"{what} = {expected!r}", f"{actual!r}", response, comparison)
