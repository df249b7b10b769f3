"""Queries by POST: ``/Users/.search`` and ``/.search`` with a SearchRequest (RFC 7644 §3.4.3).

A SearchRequest body (``schemas`` = ``urn:ietf:params:scim:api:messages:2.0:
SearchRequest``) carries the parameters of §3.4.2 — ``filter``, ``attributes``,
``excludedAttributes``, ``sortBy``, ``sortOrder``, ``startIndex``, ``count`` —
and the answer is the same ListResponse a GET with those parameters gives.
The RFC has no ServiceProviderConfig flag for ``.search``, so a target that
answers 404/405/501 is taken as not implementing it: the checks are skipped
with that reason (catalog: "when implemented"); one that implements it must
do it right. Searching the server root (``POST /.search``) across resource
types is a *policy* check: not implementing it is fine, breaking it is not.

The populations are those of the paging and sorting checks (users the run
created, named one by one with ``userName eq … or …`` — no ``sw``, which a
server may refuse, RFC 7644 §3.12), so the expectations are exact and
nothing else on the tenant is reasoned about.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies import search_body
from harness.conformance.expect import (
    ensure,
    expect_error,
    expect_list,
    ids_of,
    resources_of,
)
from harness.conformance.learned import explain_refusal
from harness.conformance.registry import check
from harness.conformance.scoping import SCOPE_WHY
from harness.conformance.target import Target
from harness.conformance.test_paging import Population, paged_users
from harness.conformance.test_sorting import sort_users
from harness.scim.schema import USER_URN

#: Answers that mean "this server has no such endpoint" rather than "broken".
NOT_IMPLEMENTED = (404, 405, 501)


def search(target: Target, path: str, body: dict[str, Any]) -> ScimResponse:
    """POST a SearchRequest; skip the check when the endpoint is not implemented, or when
    the target refuses an operator of the filter that scopes it to the run's users."""
    response = target.post(path, body)
    if response.status in NOT_IMPLEMENTED:
        pytest.skip(
            f"POST {path} answers {response.status}: the target does not implement "
            "queries by POST (RFC 7644 §3.4.3 makes them optional)"
        )
    text = body.get("filter")
    if isinstance(text, str):
        explain_refusal(target, text, response, SCOPE_WHY)
    return response


def search_population(
    target: Target, population: Population, **parameters: Any
) -> tuple[ScimResponse, dict[str, Any]]:
    response = search(target, "/Users/.search", search_body(filter=population.filter, **parameters))
    return response, expect_list(response, what="POST /Users/.search with a SearchRequest")


def expect_population(
    body: dict[str, Any], population: Population, response: ScimResponse, what: str
) -> None:
    """The answer holds the population: totalResults counts it all, every returned
    id is one of it, and all of it is returned unless the answer is a shorter page
    (the service provider MAY return fewer than asked, RFC 7644 §3.4.2.4)."""
    found = [str(item.get("id")) for item in resources_of(body)]
    size = len(population.ids)
    foreign = set(found) - set(population.ids)
    partial = 0 < len(found) < size and body.get("itemsPerPage") == len(found)
    ensure(
        body.get("totalResults") == size
        and not foreign
        and (sorted(found) == sorted(population.ids) or partial),
        f"{what}: {population.describe()}, totalResults {size} (RFC 7644 §3.4.2)",
        f"{len(set(found) & set(population.ids))} of them, {len(foreign)} others, "
        f"totalResults = {body.get('totalResults')!r}, itemsPerPage = "
        f"{body.get('itemsPerPage')!r}",
        response,
    )


@check(
    "search.post",
    "RFC 7644 §3.4.3",
    "POST /Users/.search with a SearchRequest answers 200 with a ListResponse of the matches",
    needs=("filter",),
    mutating=True,
)
def test_search_post(target: Target) -> None:
    population = paged_users(target)
    sort_users(target)  # decoys: users the filter must not return
    response, body = search_population(target, population, count=len(population.ids))
    expect_population(body, population, response, "the SearchRequest's filter applied")


@check(
    "search.same-as-get",
    "RFC 7644 §3.4.3",
    "POST /Users/.search returns the same resources and totalResults as GET /Users with "
    "the same filter",
    needs=("filter",),
    mutating=True,
)
def test_search_same_as_get(target: Target) -> None:
    """§3.4.3: results are "returned as specified in Section 3.4.2" — the same
    query by another verb. Compared on ids and totalResults (the page order of
    an unsorted query is the server's)."""
    population = paged_users(target)
    sort_users(target)  # decoys: users the filter must not return
    size = len(population.ids)
    got = target.get("/Users", params={"filter": population.filter, "count": size})
    explain_refusal(target, population.filter, got, SCOPE_WHY)
    by_get = expect_list(got, what="GET /Users with the filter (for comparison)")
    response, by_post = search_population(target, population, count=size)
    expect_population(by_post, population, response, "the SearchRequest's filter applied")
    ensure(
        ids_of(by_post) == ids_of(by_get)
        and by_post.get("totalResults") == by_get.get("totalResults"),
        f"the same ids and totalResults as GET /Users?filter={population.filter}&count={size} "
        f"({len(ids_of(by_get))} resources, totalResults {by_get.get('totalResults')!r})",
        f"{len(ids_of(by_post))} resources, totalResults {by_post.get('totalResults')!r}, "
        f"{len(ids_of(by_post) ^ ids_of(by_get))} ids differ",
        response,
    )


@check(
    "search.attributes",
    "RFC 7644 §3.4.3; §3.9",
    "attributes and excludedAttributes in a SearchRequest project every returned resource",
    needs=("filter",),
    mutating=True,
)
def test_search_attributes(target: Target) -> None:
    population = paged_users(target)
    response, body = search_population(target, population, attributes=["userName"])
    for resource in resources_of(body):
        extra = sorted(set(resource) - {"id", "schemas", "meta", "userName"})
        ensure(
            isinstance(resource.get("id"), str) and "userName" in resource and not extra,
            'with "attributes": ["userName"], each resource holds id and userName only '
            "(RFC 7644 §3.4.3, §3.9)",
            f"id = {resource.get('id')!r}, other attributes {extra}",
            response,
        )
    response, body = search_population(target, population, excludedAttributes=["emails", "id"])
    for resource in resources_of(body):
        ensure(
            isinstance(resource.get("id"), str)
            and "emails" not in resource
            and "userName" in resource,
            'with "excludedAttributes": ["emails", "id"], each resource keeps id and userName '
            "and has no emails (id is returned: always, RFC 7644 §3.4.2.5, §3.9)",
            f"keys {sorted(resource)}",
            response,
        )


@check(
    "search.paging",
    "RFC 7644 §3.4.3; §3.4.2.4",
    "startIndex and count in a SearchRequest page the results as on GET",
    needs=("filter",),
    mutating=True,
)
def test_search_paging(target: Target) -> None:
    population = paged_users(target)
    response, body = search_population(target, population, startIndex=2, count=3)
    returned = resources_of(body)
    ensure(
        len(returned) <= 3,
        '"count": 3 → at most 3 resources (RFC 7644 §3.4.2.4)',
        f"{len(returned)} resources",
        response,
    )
    ensure(
        body.get("totalResults") == len(population.ids),
        f"totalResults = {len(population.ids)}, all matches, not the page (RFC 7644 §3.4.2.4)",
        f"totalResults = {body.get('totalResults')!r}",
        response,
    )
    ensure(
        body.get("startIndex") == 2 and body.get("itemsPerPage") == len(returned),
        f'startIndex = 2 and itemsPerPage = {len(returned)} for "startIndex": 2 '
        "(REQUIRED for a partial page, RFC 7644 §3.4.2)",
        f"startIndex = {body.get('startIndex')!r}, itemsPerPage = {body.get('itemsPerPage')!r}",
        response,
    )
    response, body = search_population(target, population, count=0)
    ensure(
        not resources_of(body) and body.get("totalResults") == len(population.ids),
        f'"count": 0 → no Resources, totalResults {len(population.ids)} (RFC 7644 §3.4.2.4)',
        f"{len(resources_of(body))} Resources, totalResults {body.get('totalResults')!r}",
        response,
    )


@check(
    "search.sort",
    "RFC 7644 §3.4.3; §3.4.2.3",
    "sortBy and sortOrder in a SearchRequest order the results",
    needs=("filter", "sort"),
    mutating=True,
)
def test_search_sort(target: Target) -> None:
    population = sort_users(target)
    size = len(population.users)
    ids: list[str] = []
    while len(ids) < size:
        response = search(
            target,
            "/Users/.search",
            search_body(
                filter=population.filter,
                sortBy="userName",
                sortOrder="descending",
                startIndex=len(ids) + 1,
                count=size,
            ),
        )
        body = expect_list(response, what="POST /Users/.search with sortBy")
        page = [str(item.get("id")) for item in resources_of(body)]
        if not page:
            break
        ids.extend(page)
    expected = population.order("userName")[::-1]
    ensure(
        ids == expected,
        '"sortBy": "userName", "sortOrder": "descending" in reverse case-insensitive '
        f"userName order: {population.names(expected)} (RFC 7644 §3.4.2.3)",
        f"{population.names(ids)}",
        response,
    )


@check(
    "search.root",
    "RFC 7644 §3.4.3; §3.4.2.1 (policy: a root search is optional)",
    "POST /.search either searches across resource types (finding the run's users) or "
    "answers not implemented",
    level="should",
    needs=("filter",),
    mutating=True,
)
def test_search_root(target: Target) -> None:
    """Allowed answers: 200 with the matches of every type; 400 ``tooMany``
    (§3.4.2.1 lets a server refuse a query that would return too much); 403,
    404, 405 or 501 for a server that does not search its root. Not allowed: a
    5xx, or a 200 that misses the users the filter names."""
    population = paged_users(target)
    response = target.post(
        "/.search", search_body(filter=population.filter, count=len(population.ids))
    )
    if response.status in (403, *NOT_IMPLEMENTED):
        return
    explain_refusal(target, population.filter, response, SCOPE_WHY)
    if response.status == 400:
        expect_error(response, 400, "tooMany", what="a root search refused as too broad")
        return
    body = expect_list(response, what="POST /.search: a ListResponse across resource types")
    expect_population(
        body,
        population,
        response,
        f"the root search with {population.filter} to find the run's users and nothing "
        "else (an attribute a resource type lacks counts as unassigned, RFC 7644 §3.4.3)",
    )
    untyped = [
        str(item.get("id"))
        for item in resources_of(body)
        if USER_URN not in (item.get("schemas") or [])
    ]
    ensure(
        not untyped,
        "every resource of a root search to say what it is in 'schemas' (RFC 7643 §3)",
        f"resources without the User schema URN: {untyped}",
        response,
    )


@check(
    "search.schema-required",
    "RFC 7644 §3.4.3 (query requests MUST be identified by the SearchRequest URN); §3.12",
    "A SearchRequest without the SearchRequest schemas URN is refused with 400 invalidSyntax",
    level="should",
    needs=("filter",),
    mutating=True,
)
def test_search_schema_required(target: Target) -> None:
    """The MUST in §3.4.3 binds the client; what a server does with a body that
    breaks it is not stated. Refusing it (400 ``invalidSyntax``) keeps a
    mistaken body from reading as a successful search; a lenient server is not
    wrong enough to fail, hence a recommendation."""
    population = paged_users(target)
    search(target, "/Users/.search", search_body(filter=population.filter))
    response = target.post("/Users/.search", {"filter": population.filter})
    expect_error(
        response, 400, "invalidSyntax", what="a SearchRequest without its schemas URN refused"
    )
