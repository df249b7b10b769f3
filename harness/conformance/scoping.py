"""Scoping to the run's own resources with nothing but ``eq`` — or no filter at all.

A check may only reason about what the run created, and finding that must
not lean on an operator the target may refuse: RFC 7644 §3.4.2.2 lists
``sw``, but §3.12 lets a server answer ``400 invalidFilter`` for an operator
it does not support, and a scope built on ``sw`` then fails checks whose
rule (paging, POST search) the target keeps. So the run's resources are
found in one of two ways, each the only implementation of its rule:

* :func:`eq_any` — the names the run knows, ``userName eq "a" or userName
  eq "b"``: exact, for a small population (its ``or`` is the one operator it
  adds; a target that refuses ``or`` skips those checks with that reason,
  :mod:`harness.conformance.learned`);
* :func:`walk_collection` — paging through the whole collection without a
  filter (RFC 7644 §3.4.2.4) and keeping what the run owns, bounded: it stops
  after ``max_pages`` and says so. The cleanup sweeps use it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.client import ScimResponse
from harness.conformance.expect import ensure, expect_list, ids_of, precondition
from harness.conformance.learned import explain_refusal

if TYPE_CHECKING:
    from harness.conformance.target import Target

#: Page size of a walk (Okta's import page, okta-provisioning.md).
WALK_PAGE = 100
#: A walk stops after this many pages (10 000 resources at 100 a page) and says so.
WALK_PAGES = 100
#: The attribute that carries a resource's name (and so the run prefix).
NAME_ATTRIBUTE: Mapping[str, str] = {"Users": "userName", "Groups": "displayName"}
#: Why a check scopes its listing (appended to a skip reason).
SCOPE_WHY = "this check scopes its listing to the run's own resources with eq … or eq …"


def literal(value: str) -> str:
    """A filter compValue: ``value`` as a JSON string (RFC 7644 §3.4.2.2, RFC 7159)."""
    return json.dumps(value, ensure_ascii=False)


def eq_any(attribute: str, values: Iterable[str]) -> str:
    """``attribute eq "a" or attribute eq "b" …``: exactly the named resources."""
    terms = [f"{attribute} eq {literal(value)}" for value in values]
    if not terms:
        raise ValueError("eq_any needs at least one value")
    return " or ".join(terms)


def within(expression: str, scope: str) -> str:
    """``(expression) and (scope)``: a filter restricted to a scope (grouping first, §3.4.2.2)."""
    return f"({expression}) and ({scope})"


def listing(
    target: Target,
    endpoint: str,
    text: str,
    params: Mapping[str, str | int] | None = None,
    why: str = SCOPE_WHY,
) -> tuple[ScimResponse, dict[str, Any]]:
    """GET ``endpoint`` with the filter ``text``: a ListResponse, or a skip naming the operator
    the target refuses (learned once per run) — never a failure for a refusal RFC 7644 §3.12
    allows, unless the profile's IdP sends that operator."""
    response = target.get(endpoint, params={"filter": text, **(params or {})})
    explain_refusal(target, text, response, why)
    return response, expect_list(response)


#: How many of the run's resources a confirmation lists in one page (its populations
#: are 3–7; a page of 100 holds them even where the default page is small).
CONFIRM_PAGE = 100


def confirm_scope(target: Target, endpoint: str, text: str, ids: Iterable[str], what: str) -> None:
    """The scope filter ``text`` lists exactly the run's ``ids`` — once per run and scope.

    Every check that lists "its" resources through ``text`` presumes it; a
    server that answers it wrongly with a 200 (it cannot parse ``or``, it
    compares a userName it rewrote) would otherwise fail each of them on a
    rule (paging, an operator) it never got to show. So a wrong answer
    blocks those checks, as one cause; a refusal skips them (:func:`listing`).
    """
    wanted = set(ids)

    def confirm(run: Target) -> bool:
        response, body = listing(run, endpoint, text, {"count": CONFIRM_PAGE})
        with precondition(f"{what}: the scope filter listing the run's {len(wanted)} resources"):
            found = ids_of(body)
            ensure(
                found == wanted,
                f"GET {endpoint}?filter={text} to list exactly the {len(wanted)} resources "
                "the run created with those names (RFC 7644 §3.4.2.2)",
                f"{len(found & wanted)} of them and {len(found - wanted)} others "
                f"(totalResults {body.get('totalResults')!r})",
                response,
            )
        return True

    target.shared(f"scope {endpoint} {text}", confirm)


@dataclass
class Walk:
    """What a walk over a collection kept, and whether it saw the whole collection."""

    endpoint: str
    kept: list[dict[str, Any]] = field(default_factory=list)
    pages: int = 0
    seen: int = 0
    complete: bool = False
    #: Why the walk ended early (a refused or broken page, the page bound), if it did.
    problem: str | None = None

    def note(self) -> str | None:
        """One line for the report when the walk did not see everything."""
        if self.complete:
            return None
        return (
            f"the sweep of /{self.endpoint} read {self.pages} page(s), {self.seen} resources, "
            f"and stopped: {self.problem}; resources with the run's prefix beyond them "
            "were not checked"
        )


def walk_collection(
    get: Callable[..., ScimResponse],
    endpoint: str,
    keep: Callable[[Mapping[str, Any]], bool],
    *,
    page: int = WALK_PAGE,
    max_pages: int = WALK_PAGES,
) -> Walk:
    """Page through ``/endpoint`` (no filter) and keep the resources ``keep`` accepts.

    ``get(path, params=…)`` sends the request (the cleanup's unguarded client).
    Pages follow Okta's loop — until ``startIndex + itemsPerPage >
    totalResults`` (RFC 7644 §3.4.2.4) — and the walk stops after
    ``max_pages``. Nothing is deleted while walking: a deletion would shift
    the indexes of the pages still to come.
    """
    walk = Walk(endpoint)
    start = 1
    ids: set[str] = set()
    for _ in range(max_pages):
        response = get(f"/{endpoint}", params={"startIndex": start, "count": page})
        body = response.body
        if response.status != 200 or not isinstance(body, Mapping):
            walk.problem = (
                f"GET /{endpoint}?startIndex={start} → {response.status or response.error}"
            )
            return walk
        walk.pages += 1
        items = [item for item in body.get("Resources") or [] if isinstance(item, Mapping)]
        walk.seen += len(items)
        for item in items:
            item_id = item.get("id")
            if isinstance(item_id, str) and item_id not in ids and keep(item):
                ids.add(item_id)
                walk.kept.append(dict(item))
        total = body.get("totalResults")
        if not items or not isinstance(total, int) or start + len(items) > total:
            walk.complete = True
            return walk
        start += len(items)
    walk.problem = f"the bound of {max_pages} pages of {page}"
    return walk


def named_with(prefix: str, endpoint: str) -> Callable[[Mapping[str, Any]], bool]:
    """``keep`` for :func:`walk_collection`: the resource's name starts with ``prefix``
    (compared without case: userName and displayName are caseExact false, RFC 7643 §4)."""
    attribute = NAME_ATTRIBUTE[endpoint]
    folded = prefix.casefold()
    return lambda item: str(item.get(attribute, "")).casefold().startswith(folded)
