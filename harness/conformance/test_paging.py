"""Pagination of list responses: startIndex, count, totalResults (RFC 7644 §3.4.2, §3.4.2.4).

Every check here reasons only about resources the run created: a population
of users (and one of groups) the run created, listed with a filter that names
each of them: ``userName eq "a" or userName eq "b" …`` (only ``eq``, no
``sw``: a server may refuse operators it does not support, RFC 7644 §3.12,
and its paging is judged all the same; :mod:`harness.conformance.scoping`).
What else lives on the tenant is never counted or assumed, so the checks are
safe on a real tenant and their expectations are exact (a population of 7 is
7, whatever the tenant holds).

The rules (RFC 7644 §3.4.2.4): ``startIndex`` is 1-based and a value less than
1 SHALL be read as 1; ``count`` is the desired maximum, the service provider
MUST NOT return more (it MAY return fewer), a negative value SHALL be read as
0 and 0 returns nothing but ``totalResults``; ``totalResults`` is the number
of matches of the whole query, ``itemsPerPage`` the number in this page, and
``startIndex``/``itemsPerPage`` are REQUIRED when partial results are
returned (§3.4.2). Okta imports users and groups by walking pages of 100
until ``startIndex + itemsPerPage > totalResults`` (okta-provisioning.md), so
a wrong total or a 0-based index silently loses or repeats users there.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.expect import ensure, expect_list, fail, resources_of
from harness.conformance.learned import explain_refusal
from harness.conformance.registry import check
from harness.conformance.scoping import SCOPE_WHY, confirm_scope, eq_any, listing
from harness.conformance.target import Target

#: Size of the paged user population: odd, so pages of 3 end in a short page.
POPULATION = 7
#: Okta's import page (okta-provisioning.md "Import users / groups").
OKTA_PAGE = 100
#: Guard against a target whose totalResults never lets a walk end.
MAX_PAGES = 50


@dataclass(frozen=True)
class Population:
    """Resources the run created for listing checks, and the filter that finds them."""

    endpoint: str
    prefix: str
    ids: tuple[str, ...]
    filter: str

    def describe(self) -> str:
        return f"the {len(self.ids)} resources created with the prefix {self.prefix!r}"


def paged_users(target: Target) -> Population:
    """7 users whose userNames start with one unique sub-prefix (built once per run).

    The sub-prefix ends with ``-`` so no later name (``…-pg-12`` vs ``…-pg-123``)
    can start with it.
    """

    def build(run: Target) -> Population:
        prefix = f"{run.unique('pg')}-"
        names = [f"{prefix}{number}@example.com" for number in range(POPULATION)]
        ids = [run.create_user("pg", userName=name)["id"] for name in names]
        return Population("/Users", prefix, tuple(ids), eq_any("userName", names))

    population = target.shared("page.users", build)
    confirm_scope(target, "/Users", population.filter, population.ids, "the paged users")
    return population


def paged_groups(target: Target) -> Population:
    """3 groups whose displayNames start with one unique sub-prefix (built once per run)."""

    def build(run: Target) -> Population:
        prefix = f"{run.unique('pgg')}-"
        names = [f"{prefix}{number}" for number in range(3)]
        ids = [run.create_group("pgg", displayName=name)["id"] for name in names]
        return Population("/Groups", prefix, tuple(ids), eq_any("displayName", names))

    population = target.shared("page.groups", build)
    confirm_scope(target, "/Groups", population.filter, population.ids, "the paged groups")
    return population


def list_page(
    target: Target, population: Population, **params: str | int
) -> tuple[ScimResponse, dict[str, Any]]:
    """GET the population's endpoint with its filter and ``params``; a valid ListResponse
    (or the check skipped: the target refuses an operator of the scope, RFC 7644 §3.12)."""
    return listing(target, population.endpoint, population.filter, params)


def scoped_get(target: Target, population: Population, **params: str | int) -> ScimResponse:
    """The population's listing as it came (the check judges it), unless the target
    refuses an operator of the scope: then the check is skipped with that reason."""
    response = target.get(population.endpoint, params={"filter": population.filter, **params})
    explain_refusal(target, population.filter, response, SCOPE_WHY)
    return response


def integer_member(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def expect_total(
    body: dict[str, Any], population: Population, response: ScimResponse, rule: str = ""
) -> None:
    total = body.get("totalResults")
    ensure(
        total == len(population.ids),
        f"totalResults = {len(population.ids)}, the number of resources matching the "
        f"filter ({population.describe()}), whatever the page size "
        f"(RFC 7644 §3.4.2.4{rule})",
        f"totalResults = {total!r}",
        response,
    )


def expect_ours(ids: list[str], population: Population, response: ScimResponse) -> None:
    foreign = [item for item in ids if item not in population.ids]
    ensure(
        not foreign,
        f"only {population.describe()} (the filter {population.filter} matches nothing else)",
        f"ids not created by this run: {foreign}",
        response,
    )


def page_ids(body: dict[str, Any]) -> list[str]:
    return [str(item.get("id")) for item in resources_of(body)]


def expect_echoed_start(
    body: dict[str, Any], expected: int, response: ScimResponse, required: bool = False
) -> None:
    """``startIndex`` in the answer is the 1-based index of its first result (§3.4.2)."""
    if "startIndex" not in body and not required:
        return
    ensure(
        body.get("startIndex") == expected,
        f"'startIndex' = {expected}: the 1-based index of the page's first result "
        "(RFC 7644 §3.4.2, §3.4.2.4)",
        f"startIndex = {body.get('startIndex')!r}",
        response,
    )


def walk(
    target: Target, population: Population, count: int
) -> tuple[list[str], list[ScimResponse]]:
    """Every id met walking pages of ``count`` as Okta does: until start + items > total."""
    start, seen, responses = 1, [], []
    for _ in range(MAX_PAGES):
        response, body = list_page(target, population, startIndex=start, count=count)
        responses.append(response)
        ids = page_ids(body)
        ensure(
            len(ids) <= count,
            f"at most count={count} resources per page (RFC 7644 §3.4.2.4)",
            f"{len(ids)} resources at startIndex={start}",
            response,
        )
        seen.extend(ids)
        total = integer_member(body, "totalResults") or 0
        items = integer_member(body, "itemsPerPage")
        step = len(ids) if items is None else items
        if step <= 0 or start + step > total:
            return seen, responses
        start += step
    fail(
        f"a walk over pages of {count} to end within {MAX_PAGES} pages",
        f"still going at startIndex={start}",
        responses[-1],
    )


# ---------------------------------------------------------------------------
# The ListResponse of a paged query
# ---------------------------------------------------------------------------


@check(
    "page.shape",
    "RFC 7644 §3.4.2; §3.4.2.4",
    "A paged list is a ListResponse with schemas, totalResults, Resources, startIndex "
    "and itemsPerPage",
    needs=("filter",),
    mutating=True,
)
def test_page_shape(target: Target) -> None:
    """§3.4.2: ``startIndex`` and ``itemsPerPage`` are REQUIRED when partial results
    are returned due to pagination (here 3 of 7)."""
    population = paged_users(target)
    response, body = list_page(target, population, startIndex=1, count=3)
    for name in ("startIndex", "itemsPerPage"):
        value = integer_member(body, name)
        ensure(
            value is not None and value >= 0,
            f"an integer '{name}' in a ListResponse that holds one page of several "
            "(REQUIRED when partial results are returned, RFC 7644 §3.4.2)",
            f"{name} = {body.get(name)!r}",
            response,
        )
    ensure(
        "Resources" in body and resources_of(body),
        "a 'Resources' array holding the page (REQUIRED when totalResults is non-zero, "
        "RFC 7644 §3.4.2)",
        f"Resources = {body.get('Resources')!r}",
        response,
    )


@check(
    "page.one-based",
    "RFC 7644 §3.4.2.4",
    "startIndex is 1-based: startIndex=1 is the first result, and the answer echoes it",
    needs=("filter",),
    mutating=True,
)
def test_page_one_based(target: Target) -> None:
    """A 0-based server reads ``startIndex=1`` as "skip one": the first page then
    lacks the first resource and ``startIndex=7`` of 7 comes back empty (vendor bug:
    SimpleIdServer #185, Okta's own docs example showing ``startIndex: 0``)."""
    population = paged_users(target)
    size = len(population.ids)

    response, body = list_page(target, population, count=size)
    expect_echoed_start(body, 1, response)
    default_ids = page_ids(body)

    response, body = list_page(target, population, startIndex=1, count=size)
    ids = page_ids(body)
    expect_ours(ids, population, response)
    ensure(
        ids and sorted(ids) == sorted(default_ids),
        f"startIndex=1&count={size} to return the same first page as no startIndex "
        "(default 1; index 1 is the first result, RFC 7644 §3.4.2.4)",
        f"{len(ids)} resources, {len(set(default_ids) - set(ids))} of the default page missing",
        response,
    )
    expect_echoed_start(body, 1, response)

    response, body = list_page(target, population, startIndex=size, count=size)
    ids = page_ids(body)
    ensure(
        len(ids) == 1,
        f"startIndex={size} of {size} matches to return exactly the last result "
        "(1-based, RFC 7644 §3.4.2.4)",
        f"{len(ids)} resources",
        response,
    )
    expect_echoed_start(body, size, response, required=True)


@check(
    "page.count",
    "RFC 7644 §3.4.2.4",
    "count=N returns at most N resources, and itemsPerPage is the number returned",
    needs=("filter",),
    mutating=True,
)
def test_page_count(target: Target) -> None:
    population = paged_users(target)
    last = len(population.ids)
    # (startIndex, count): full pages, and a last page shorter than count.
    for start, count in ((1, 1), (1, 3), (last, 3)):
        response, body = list_page(target, population, startIndex=start, count=count)
        ids = page_ids(body)
        expect_ours(ids, population, response)
        ensure(
            len(ids) <= count,
            f"at most {count} resources for count={count}: the service provider MUST NOT "
            "return more results than specified (RFC 7644 §3.4.2.4)",
            f"{len(ids)} resources",
            response,
        )
        items = body.get("itemsPerPage")
        ensure(
            items == len(ids),
            "'itemsPerPage' = the number of resources in this page "
            "(RFC 7644 §3.4.2, §3.4.2.4; REQUIRED when the page is partial)",
            f"itemsPerPage = {items!r} with {len(ids)} Resources",
            response,
        )


@check(
    "page.total-full",
    "RFC 7644 §3.4.2; §3.4.2.4",
    "totalResults is the number of all matches, not the page size or the remainder",
    needs=("filter",),
    mutating=True,
)
def test_page_total_full(target: Target) -> None:
    """Vendor bugs: totalResults equal to the page size or to the count left after
    startIndex (wso2/product-is #7320, #13772, #12813). Okta stops its import
    when ``startIndex + itemsPerPage > totalResults``, so either loses users."""
    population = paged_users(target)
    for start in (1, 4):
        response, body = list_page(target, population, startIndex=start, count=3)
        expect_total(body, population, response)


@check(
    "page.walk",
    "RFC 7644 §3.4.2.4; Okta import (pages of startIndex/count until "
    "startIndex + itemsPerPage > totalResults)",
    "Walking pages of N from startIndex=1 returns every matching resource exactly once",
    rfc="should",
    needs=("filter",),
    mutating=True,
)
def test_page_walk(target: Target) -> None:
    """RFC 7644 §3.4.2.4 leaves the order of an unsorted query to the service
    provider and warns that paging is not stateful, so a walk over a changing
    set may repeat or skip; over a set nobody changes, a server whose pages
    overlap or skip (no stable order, wrong index arithmetic) makes Okta's
    import lose or duplicate users — hence must under okta, should elsewhere."""
    population = paged_users(target)
    seen, responses = walk(target, population, 3)
    expect_ours(seen, population, responses[-1])
    duplicates = sorted(item for item, times in Counter(seen).items() if times > 1)
    ensure(
        not duplicates,
        f"each of {population.describe()} once in a walk over pages of 3",
        f"ids on more than one page: {duplicates}",
        responses[-1],
    )
    missing = sorted(set(population.ids) - set(seen))
    ensure(
        not missing,
        f"every one of {population.describe()} on some page of the walk ({len(responses)} pages)",
        f"never returned: {missing}",
        responses[-1],
    )


# ---------------------------------------------------------------------------
# Out-of-range parameters: read as the RFC says, never an error
# ---------------------------------------------------------------------------


@check(
    "page.start-lt-1",
    "RFC 7644 §3.4.2.4",
    "A startIndex less than 1 is read as 1 (not an error, not 0-based)",
    needs=("filter",),
    mutating=True,
)
def test_page_start_lt_1(target: Target) -> None:
    population = paged_users(target)
    size = len(population.ids)
    response, body = list_page(target, population, startIndex=1, count=size)
    first = sorted(page_ids(body))
    for start in (0, -3):
        response = scoped_get(target, population, startIndex=start, count=size)
        body = expect_list(
            response, what=f"startIndex={start} read as 1 (SHALL, RFC 7644 §3.4.2.4)"
        )
        ids = sorted(page_ids(body))
        ensure(
            ids and ids == first,
            f"startIndex={start} read as 1: the same {len(first)} resources as "
            f"startIndex=1&count={size} (RFC 7644 §3.4.2.4)",
            f"{len(ids)} resources, {len(set(first) - set(ids))} of that page missing",
            response,
        )
        expect_echoed_start(body, 1, response)


@check(
    "page.count-zero",
    "RFC 7644 §3.4.2.4",
    "count=0 returns no resources but the full totalResults",
    needs=("filter",),
    mutating=True,
)
def test_page_count_zero(target: Target) -> None:
    """Vendor bug: ``count=0`` read as "no limit" (wso2/product-is #5106, #5362)."""
    population = paged_users(target)
    response, body = list_page(target, population, count=0)
    ensure(
        not resources_of(body),
        'no Resources for count=0: "no resource results are to be returned except for '
        'totalResults" (RFC 7644 §3.4.2.4)',
        f"{len(resources_of(body))} Resources",
        response,
    )
    expect_total(body, population, response)


@check(
    "page.count-negative",
    "RFC 7644 §3.4.2.4",
    "A negative count is read as 0: no resources, the full totalResults",
    needs=("filter",),
    mutating=True,
)
def test_page_count_negative(target: Target) -> None:
    population = paged_users(target)
    response = scoped_get(target, population, count=-2)
    body = expect_list(response, what="count=-2 read as 0 (SHALL, RFC 7644 §3.4.2.4)")
    ensure(
        not resources_of(body),
        "no Resources for count=-2, read as 0 (RFC 7644 §3.4.2.4)",
        f"{len(resources_of(body))} Resources",
        response,
    )
    expect_total(body, population, response)


@check(
    "page.beyond-end",
    "RFC 7644 §3.4.2; §3.4.2.4",
    "A startIndex past the last match answers 200 with no resources and the full totalResults",
    needs=("filter",),
    mutating=True,
)
def test_page_beyond_end(target: Target) -> None:
    population = paged_users(target)
    start = len(population.ids) + 5
    response = scoped_get(target, population, startIndex=start, count=10)
    body = expect_list(
        response, what=f"startIndex={start} past the end: an empty page, not an error"
    )
    ensure(
        not resources_of(body),
        f"no Resources at startIndex={start} of {len(population.ids)} matches",
        f"{len(resources_of(body))} Resources",
        response,
    )
    expect_total(body, population, response)


@check(
    "page.maxresults",
    "RFC 7643 §5 (filter.maxResults); RFC 7644 §3.4.2.4",
    "A count above the advertised filter.maxResults is clipped, not refused",
    needs=("filter",),
    mutating=True,
)
def test_page_maxresults(target: Target) -> None:
    """The client's count is a *desired* maximum; the service provider "MAY return
    fewer results" (§3.4.2.4) — up to its own maximum (RFC 7643 §5) — and says
    how many exist in totalResults. An error would break clients that ask big."""
    maximum = target.capabilities.limits.get("filter.maxResults")
    if maximum is None:
        pytest.skip("the target's /ServiceProviderConfig advertises no filter.maxResults")
    population = paged_users(target)
    count = maximum + 1
    response = scoped_get(target, population, count=count)
    body = expect_list(
        response, what=f"count={count} above filter.maxResults={maximum} clipped, not refused"
    )
    ids = page_ids(body)
    ensure(
        len(ids) <= maximum,
        f"at most filter.maxResults={maximum} resources (RFC 7643 §5)",
        f"{len(ids)} resources",
        response,
    )
    ensure(
        ids,
        f"a page of the matches ({population.describe()}), not an empty answer",
        "no Resources",
        response,
    )
    expect_total(body, population, response)


# ---------------------------------------------------------------------------
# What the IdPs send
# ---------------------------------------------------------------------------


@check(
    "page.okta-import",
    "Okta import: GET /Users?startIndex=1&count=100, then pages until "
    "startIndex + itemsPerPage > totalResults; RFC 7644 §3.4.2",
    "GET /Users?startIndex=1&count=100 answers a ListResponse with startIndex 1, "
    "itemsPerPage and totalResults Okta can page with",
    rfc="should",
)
def test_page_okta_import(target: Target) -> None:
    """Read only: the first page of an Okta import, over whatever the tenant holds.
    Okta's loop reads ``itemsPerPage`` and ``totalResults``; the RFC requires
    ``itemsPerPage`` only for a partial page, Okta reads it on every page."""
    response = target.get("/Users", params={"startIndex": 1, "count": OKTA_PAGE})
    body = expect_list(response, what="Okta's import request")
    returned = len(resources_of(body))
    ensure(
        returned <= OKTA_PAGE,
        f"at most {OKTA_PAGE} resources for count={OKTA_PAGE} (RFC 7644 §3.4.2.4)",
        f"{returned} resources",
        response,
    )
    expect_echoed_start(body, 1, response, required=True)
    items = body.get("itemsPerPage")
    ensure(
        items == returned,
        "'itemsPerPage' = the number of resources in the page (Okta's import loop adds it "
        "to startIndex; RFC 7644 §3.4.2)",
        f"itemsPerPage = {items!r} with {returned} Resources",
        response,
    )
    total = integer_member(body, "totalResults") or 0
    ensure(
        total >= returned,
        "totalResults at least the number of resources in the page (RFC 7644 §3.4.2)",
        f"totalResults = {total} with {returned} Resources",
        response,
    )


@check(
    "page.groups",
    "RFC 7644 §3.4.2.4; Okta import and push-groups lookups page /Groups",
    "Paging works on /Groups: count limits the page, totalResults counts all, "
    "a walk returns each group once",
    needs=("filter", "Groups"),
    mutating=True,
)
def test_page_groups(target: Target) -> None:
    population = paged_groups(target)
    response, body = list_page(target, population, startIndex=1, count=2)
    ids = page_ids(body)
    ensure(
        len(ids) <= 2,
        "at most count=2 groups (RFC 7644 §3.4.2.4)",
        f"{len(ids)} groups",
        response,
    )
    expect_total(body, population, response)
    seen, responses = walk(target, population, 2)
    expect_ours(seen, population, responses[-1])
    ensure(
        sorted(seen) == sorted(population.ids),
        f"a walk over pages of 2 to return each of {population.describe()} exactly once",
        f"returned {sorted(seen)}",
        responses[-1],
    )
