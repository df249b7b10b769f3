"""A population: the Users and Groups one chunk of examples queries.

Creating resources is what an example spends its time on (a POST and a
DELETE each, and hypothesis' draws of a full User body). A filter changes
nothing, so the filter properties create one population per chunk of
examples (:meth:`FuzzTarget.fixture`) and each example only draws a filter
and sends it — one request instead of a dozen.

The population is drawn with hypothesis from the same body strategies as
everything else (``user_bodies``/``group_bodies``), under a seed derived
from the campaign seed, so ``--seed`` reproduces it: the first body drawn
is hypothesis' simplest one, the rest are varied (locales, adversarial
values, the enterprise extension with a ``manager`` that names an earlier
User). Groups get members from the Users, one Group stays empty, so
``members``/``groups`` filters have something on both sides.

The filters each example draws are *data-aware*
(:func:`harness.fuzz.filters.data_filter_texts`): literals are the
population's own values, substrings of them and case flips, so that
``co``, ``pr`` and ``and``/``or`` precedence are probed where a wrong
answer shows. The target's listing is read once, after creation; the
oracle judges every example of the chunk against it.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st

from harness.fuzz.findings import Finding
from harness.fuzz.oracles import canonical, invariants
from harness.fuzz.resources import group_bodies, user_bodies
from harness.fuzz.target import FuzzTarget, resource_type_of

T = TypeVar("T")

#: Users and Groups of one population: enough that a filter splits them.
USERS, GROUPS = 10, 4


@dataclass
class Population:
    """The resources of one chunk, as the target lists them, and their filter strategies."""

    listings: dict[str, list[dict[str, Any]]]
    #: Why the population could not be made (the target broke an invariant creating it).
    findings: list[Finding] = field(default_factory=list)
    _filters: dict[str, st.SearchStrategy[str]] = field(default_factory=dict)
    _canonical: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def listing(self, endpoint: str) -> list[dict[str, Any]]:
        """What the target listed of ``endpoint`` right after the population was made."""
        return self.listings.get(endpoint, [])

    def canonical(self, endpoint: str) -> list[dict[str, Any]]:
        """The listing in the core's representation (computed once per chunk)."""
        if endpoint not in self._canonical:
            resource_type = resource_type_of(endpoint)
            self._canonical[endpoint] = [
                canonical(item, resource_type) for item in self.listing(endpoint)
            ]
        return self._canonical[endpoint]

    def filters(self, endpoint: str) -> st.SearchStrategy[str]:
        """Valid filters of ``endpoint`` whose literals come from this population."""
        if endpoint not in self._filters:
            from harness.fuzz.filters import data_filter_texts

            self._filters[endpoint] = data_filter_texts(
                resource_type_of(endpoint), self.canonical(endpoint)
            )
        return self._filters[endpoint]


def drawn(strategy: st.SearchStrategy[T], count: int, chunk_seed: int) -> list[T]:
    """``count`` values of ``strategy`` under ``chunk_seed``: hypothesis' generation
    phase alone (nothing fails, nothing shrinks), so the first is the simplest and
    the rest are what hypothesis draws for a test — the same for the same seed."""
    values: list[T] = []

    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(strategy)
    def collect(value: T) -> None:
        values.append(value)

    seed(chunk_seed)(collect)()
    return values


def _distinct(
    bodies: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]
) -> list[dict[str, Any]]:
    seen: set[str] = set()
    kept = []
    for body in bodies:
        name = key(body)
        if name not in seen:
            seen.add(name)
            kept.append(body)
    return kept


def _user_key(body: dict[str, Any]) -> str:
    """RFC 7643 §4.1.1: userName is unique, compared case-insensitively."""
    return str(body.get("userName", "")).casefold()


def _group_key(body: dict[str, Any]) -> str:
    return str(body.get("displayName", "")).casefold()


def _stamped(
    target: FuzzTarget, endpoint: str, bodies: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Every chunk's first body is hypothesis' simplest one: stamped with a serial, it
    never repeats a name a soft-deleting target still keeps (:meth:`FuzzTarget.stamp`)."""
    return [target.stamp(endpoint, body) for body in bodies]


def build_population(
    target: FuzzTarget, chunk_seed: int, users: int = USERS, groups: int = GROUPS
) -> Population:
    """Create a population on ``target`` (inside :meth:`FuzzTarget.fixture`) and list it.

    Half the Users are created first so that the other half's enterprise
    ``manager`` can name them (RFC 7643 §4.3: the manager's id). Each
    Group but the last gets a random subset of the Users as members.
    """
    rng = random.Random(chunk_seed)
    first = _distinct(drawn(user_bodies(target.prefix), users // 2, chunk_seed), _user_key)
    refused_before = target.discards.copy()
    created, findings = create_all(target, "Users", _stamped(target, "Users", first))
    if findings:
        return Population({}, findings)
    if first and not created:
        why = "; ".join(f"{n} × {r}" for r, n in (target.discards - refused_before).items())
        raise PopulationRefused(f"the target refused every User of the population: {why}")
    managers = [resource["id"] for resource in created]
    more = drawn(user_bodies(target.prefix, managers), users - len(first), chunk_seed + 1)
    taken = {_user_key(body) for body in first}
    rest = [body for body in _distinct(more, _user_key) if _user_key(body) not in taken]
    more_created, findings = create_all(target, "Users", _stamped(target, "Users", rest))
    if findings:
        return Population({}, findings)
    ids = managers + [resource["id"] for resource in more_created]
    bodies = _distinct(drawn(group_bodies(target.prefix), groups, chunk_seed + 2), _group_key)
    bodies = _stamped(target, "Groups", bodies)
    for index, body in enumerate(bodies):
        chosen = [] if index == len(bodies) - 1 else rng.sample(ids, rng.randint(1, len(ids)))
        body["members"] = [{"value": member} for member in chosen]
    _, findings = create_all(target, "Groups", bodies)
    if findings:
        return Population({}, findings)
    listings: dict[str, list[dict[str, Any]]] = {}
    for endpoint in ("Users", "Groups"):
        listing = target.full_listing(endpoint)
        if isinstance(listing, Finding):
            return Population({}, [listing])
        listings[endpoint] = listing
    return Population(listings)


def create_all(
    target: FuzzTarget, endpoint: str, bodies: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Finding]]:
    """POST each body; the created resources, or the findings that stop the population
    (or the example: the per-example properties create their resources with it too).

    A valid body refused with a 4xx is not judged here (a target may lack an
    optional attribute or refuse a value it cannot store); the population
    goes on with what was created.
    """
    created: list[dict[str, Any]] = []
    for body in bodies:
        response, resource_id = target.create(endpoint, body)
        broken = invariants(response, target)
        if broken:
            return created, broken
        if resource_id is not None and isinstance(response.body, dict):
            created.append(response.body)
        elif response.status is not None and 400 <= response.status < 500:
            # Counted with the examples' discards: the report says what the target refused.
            target.discards[f"population: POST /{endpoint} refused with {response.status}"] += 1
    return created, []


class PopulationRefused(RuntimeError):
    """The target refused every User of a population: the filters would be judged on
    nothing, and a property that checked nothing must not pass (an ``error`` with the
    refusals; ``scim-harness run`` says which creations the target refuses)."""
