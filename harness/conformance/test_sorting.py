"""Sorting of list responses: ``sortBy`` and ``sortOrder`` (RFC 7644 §3.4.2.3).

Sorting is optional; a target claims it with ``sort.supported`` in
``/ServiceProviderConfig`` (RFC 7643 §5), and the sort checks run only then.
When claimed, §3.4.2.3 says how: the ``sortBy`` attribute's value orders the
results; ``sortOrder`` defaults to ascending; strings compare
case-insensitively unless the attribute is caseExact (``userName`` and
``name.familyName`` are not); a complex attribute is named down to a
sub-attribute (``name.familyName``); a multi-valued attribute sorts by its
primary value, else its first value. When not claimed, a ``sortBy`` must be
ignored or refused with a SCIM error — which of the two is the target's
choice (*policy*).

The population: 5 users whose userNames (mixed case), family names (mixed
case) and primary e-mail addresses each put them in a different order, so a
server that sorts by the wrong attribute, case-sensitively, or by the first
instead of the primary e-mail gives a visibly different order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.expect import ensure, expect_error, expect_list, resources_of
from harness.conformance.learned import explain_refusal
from harness.conformance.registry import check
from harness.conformance.scoping import SCOPE_WHY, confirm_scope, eq_any
from harness.conformance.target import Target

#: Per user: userName tail, familyName, first (non-primary) e-mail tail, primary e-mail tail.
#: Case-insensitive userName order: a B c d E; a case-sensitive (code point)
#: order would be B E a c d. familyName: alpha Bravo charlie Delta echo
#: (code point order: Bravo Delta alpha charlie echo). Primary e-mails: k m n o q;
#: first e-mails: b d f h j — a different order again.
SORT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("c", "Delta", "b", "o"),
    ("a", "echo", "f", "q"),
    ("E", "alpha", "d", "m"),
    ("B", "charlie", "h", "k"),
    ("d", "Bravo", "j", "n"),
)


@dataclass(frozen=True)
class SortPopulation:
    """The sort users: their ids in creation order and the attributes they sort by."""

    prefix: str
    filter: str
    users: tuple[dict[str, Any], ...]

    def order(self, key: str) -> list[str]:
        """Ids in ascending order of ``key`` (compared case-insensitively, §3.4.2.3)."""
        ranked = sorted(self.users, key=lambda user: str(user[key]).casefold())
        return [str(user["id"]) for user in ranked]

    def names(self, ids: list[str], key: str = "userName") -> list[str]:
        """What a list of ids reads as, for messages: their ``key`` values."""
        by_id = {user["id"]: str(user[key]) for user in self.users}
        return [by_id.get(item, f"<foreign {item}>") for item in ids]


def sort_users(target: Target) -> SortPopulation:
    """The 5 sort users (built once per run and shared with the search checks)."""

    def build(run: Target) -> SortPopulation:
        prefix = f"{run.unique('srt')}-"
        users = []
        for tail, family, first, primary in SORT_ROWS:
            user_name = f"{prefix}{tail}@example.com"
            first_email = f"{prefix}{first}@example.org"
            primary_email = f"{prefix}{primary}@example.org"
            created = run.create_user(
                "srt",
                userName=user_name,
                name={"givenName": "Sam", "familyName": family},
                emails=[
                    {"value": first_email, "type": "home"},
                    {"value": primary_email, "type": "work", "primary": True},
                ],
            )
            users.append(
                {
                    "id": created["id"],
                    "userName": user_name,
                    "familyName": family,
                    "firstEmail": first_email,
                    "primaryEmail": primary_email,
                }
            )
        names = [user["userName"] for user in users]
        return SortPopulation(prefix, eq_any("userName", names), tuple(users))

    population = target.shared("sort.users", build)
    ids = [user["id"] for user in population.users]
    confirm_scope(target, "/Users", population.filter, ids, "the sorted users")
    return population


def sorted_ids(
    target: Target, population: SortPopulation, **params: str | int
) -> tuple[ScimResponse, list[str]]:
    """The ids of the sorted query, page after page when the server returns fewer
    than asked (it MAY, RFC 7644 §3.4.2.4); the last response for messages."""
    size = len(population.users)
    query: dict[str, str | int] = {"filter": population.filter, "count": size, **params}
    start = int(query.get("startIndex", 1))
    ids: list[str] = []
    while True:
        response = target.get("/Users", params={**query, "startIndex": start})
        explain_refusal(target, population.filter, response, SCOPE_WHY)
        body = expect_list(response)
        page = [str(item.get("id")) for item in resources_of(body)]
        ids.extend(page)
        if "count" in params or not page or len(ids) >= size:
            return response, ids
        start += len(page)


def expect_order(
    ids: list[str],
    expected: list[str],
    population: SortPopulation,
    key: str,
    what: str,
    response: ScimResponse,
) -> None:
    ensure(
        ids == expected,
        f"{what}: {population.names(expected, key)}",
        f"{population.names(ids, key)}",
        response,
    )


@check(
    "sort.asc-desc",
    "RFC 7644 §3.4.2.3",
    "sortBy=userName with sortOrder ascending/descending orders the results by userName, "
    "case-insensitively",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_asc_desc(target: Target) -> None:
    population = sort_users(target)
    expected = population.order("userName")
    response, ids = sorted_ids(target, population, sortBy="userName", sortOrder="ascending")
    expect_order(
        ids,
        expected,
        population,
        "userName",
        "sortBy=userName&sortOrder=ascending in case-insensitive order (userName is not "
        "caseExact, RFC 7643 §4.1.1; RFC 7644 §3.4.2.3)",
        response,
    )
    response, ids = sorted_ids(target, population, sortBy="userName", sortOrder="descending")
    expect_order(
        ids,
        expected[::-1],
        population,
        "userName",
        "sortBy=userName&sortOrder=descending in reverse case-insensitive order "
        "(RFC 7644 §3.4.2.3)",
        response,
    )


@check(
    "sort.default-ascending",
    "RFC 7644 §3.4.2.3",
    "sortBy without sortOrder sorts ascending",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_default_ascending(target: Target) -> None:
    population = sort_users(target)
    response, ids = sorted_ids(target, population, sortBy="userName")
    expect_order(
        ids,
        population.order("userName"),
        population,
        "userName",
        'sortBy=userName alone in ascending order ("sortOrder" SHALL default to '
        "ascending, RFC 7644 §3.4.2.3)",
        response,
    )


@check(
    "sort.subattr",
    "RFC 7644 §3.4.2.3; §3.10",
    "sortBy=name.familyName orders by that sub-attribute, case-insensitively",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_subattr(target: Target) -> None:
    population = sort_users(target)
    response, ids = sorted_ids(target, population, sortBy="name.familyName")
    expect_order(
        ids,
        population.order("familyName"),
        population,
        "familyName",
        "sortBy=name.familyName in case-insensitive familyName order (a complex "
        "attribute is sorted by the sub-attribute named in standard attribute notation, "
        "RFC 7644 §3.4.2.3)",
        response,
    )


@check(
    "sort.multivalued",
    "RFC 7644 §3.4.2.3; RFC 7643 §2.4",
    "sortBy=emails.value orders by each user's primary e-mail, not the first listed",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_multivalued(target: Target) -> None:
    """Each sort user lists a non-primary e-mail first and the primary second; the
    two orders differ, so sorting by the first value is caught."""
    population = sort_users(target)
    response, ids = sorted_ids(target, population, sortBy="emails.value")
    expect_order(
        ids,
        population.order("primaryEmail"),
        population,
        "primaryEmail",
        "sortBy=emails.value in the order of each user's primary e-mail (multi-valued: "
        '"sorted by the value of the primary attribute, if any", RFC 7644 §3.4.2.3)',
        response,
    )


@check(
    "sort.paging",
    "RFC 7644 §3.4.2.3; §3.4.2.4",
    "Pages of a sorted query follow the sort order: their concatenation is the sorted list",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_paging(target: Target) -> None:
    """startIndex indexes the sorted result, so pages of 2 (startIndex 1, 3, 5 —
    or shorter steps if the server returns fewer) must read as the full sorted
    list with nothing repeated or skipped."""
    population = sort_users(target)
    expected = population.order("userName")
    seen: list[str] = []
    responses: list[ScimResponse] = []
    start = 1
    while start <= len(expected):
        response, ids = sorted_ids(target, population, sortBy="userName", startIndex=start, count=2)
        responses.append(response)
        seen.extend(ids)
        if not ids:
            break
        start += len(ids)
    expect_order(
        seen,
        expected,
        population,
        "userName",
        "pages of 2 of sortBy=userName that together read in sorted order "
        "(RFC 7644 §3.4.2.3, §3.4.2.4)",
        responses[-1],
    )


@check(
    "sort.unknown-attr",
    "RFC 7644 §3.4.2.3; §3.12 (policy: the RFC names no rule for an unknown sortBy)",
    "A sortBy naming no attribute is refused with a SCIM error or ignored, never a server error",
    level="should",
    needs=("sort", "filter"),
    mutating=True,
)
def test_sort_unknown_attr(target: Target) -> None:
    """Either answer is defensible — 400 (``invalidValue``, like the reference
    server) or the results unsorted — but a 5xx or a partial list is not."""
    population = sort_users(target)
    response = target.get(
        "/Users", params={"filter": population.filter, "sortBy": "noSuchAttributeXyz"}
    )
    explain_refusal(target, population.filter, response, SCOPE_WHY)
    if response.status is not None and response.status >= 400:
        expect_error(response, 400, what="an unknown sortBy refused (400) or ignored (200)")
        return
    body = expect_list(response, what="an unknown sortBy refused (400) or ignored (200)")
    ids = sorted(str(item.get("id")) for item in resources_of(body))
    ensure(
        ids == sorted(user["id"] for user in population.users),
        f"with the unknown sortBy ignored, all {len(population.users)} users of the filter",
        f"{len(ids)} resources",
        response,
    )


@check(
    "sort.unsupported",
    "RFC 7644 §3.4.2.3; RFC 7643 §5 (policy: ignore or refuse an unsupported sortBy)",
    "A target that does not claim sort.supported ignores sortBy or refuses it with a SCIM error",
    level="should",
    needs=("filter",),
    mutating=True,
)
def test_sort_unsupported(target: Target) -> None:
    if target.capabilities.has("sort"):
        pytest.skip("the target claims sort.supported; the sort.* checks cover it")
    population = sort_users(target)
    response = target.get(
        "/Users",
        params={"filter": population.filter, "sortBy": "userName", "sortOrder": "descending"},
    )
    explain_refusal(target, population.filter, response, SCOPE_WHY)
    if response.status is not None and response.status >= 400:
        expect_error(
            response,
            (400, 501),
            what="sortBy ignored (200) or refused (400/501) by a target without sorting",
        )
        return
    body = expect_list(
        response,
        what="sortBy ignored (200) or refused (400/501) by a target that does not claim sorting",
    )
    ids = sorted(str(item.get("id")) for item in resources_of(body))
    ensure(
        ids == sorted(user["id"] for user in population.users),
        f"with sortBy ignored, all {len(population.users)} users of the filter",
        f"{len(ids)} resources",
        response,
    )
