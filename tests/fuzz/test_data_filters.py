"""``data_filter_texts`` (harness/fuzz/filters.py): filters whose literals come from stored data.

* Every text is valid (RFC 7644 §3.4.2.2): ``compile_filter`` accepts it for
  Users and Groups, over populations the reference server created from the
  body strategies (and lists with 200), and over stored junk and hostile values.
* It reaches the planted filter defects of :mod:`harness.server.faults`,
  judged with the semantics core alone (no server): within a fixed number of
  draws (fixed seed) it produces a text on which the correct evaluation and
  the fault's evaluation select different resources — ``and`` before ``or``,
  ``co`` under caseExact false (RFC 7643 §2.2), ``pr`` on an unassigned
  multi-valued attribute (RFC 7643 §2.5). The fault's own code does the
  faulty evaluation, so a change to either side shows here.
* Shrinking ends on a short, readable filter.

Rates are printed (``pytest -s``); assertions need only a hit, or a rate far
below the one measured, so that they hold for any hypothesis version that
draws evenly.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, seed, settings
from hypothesis import strategies as st

from harness.client import ScimClient
from harness.fuzz.filters import (
    data_filter_texts,
    filter_texts,
    junk_resources,
    stored_resources,
)
from harness.fuzz.oracles import canonical
from harness.fuzz.resources import group_bodies, user_bodies
from harness.scim.expr import And, AttrPath, Compare, Filter, Not, Or, Present, ValuePath
from harness.scim.filters import compile_filter, matches
from harness.scim.schema import (
    ENTERPRISE_USER_URN,
    GROUP,
    GROUP_URN,
    USER,
    USER_URN,
    ResourceType,
)
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    _CASE_EXACT_TYPES,
    _left_to_right,
    _pr_as_key_exists,
    split_logical,
)

TOKEN = "data-filters-test-token"
PREFIX = "fz-data-"
SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]
#: The budget in which each planted defect must be reached (examples of one strategy).
DRAWS = 200

Resource = dict[str, Any]


# --------------------------------------------------------------------------
# Populations
# --------------------------------------------------------------------------


def _meta(resource_type: ResourceType, index: int) -> dict[str, str]:
    instant = f"2024-05-13T04:42:{index:02d}Z"
    return {"resourceType": resource_type.name, "created": instant, "lastModified": instant}


def _stored(body: dict[str, Any], resource_type: ResourceType, index: int) -> Resource:
    """``body`` as the core holds it once created: canonical, with ``id`` and ``meta``."""
    resource = canonical(body, resource_type)
    resource["id"] = f"{index:08d}-0000-4000-8000-000000000000"
    resource["meta"] = _meta(resource_type, index)
    return resource


#: A small hand-written population: readable failures, and every defect has
#: something to bite on (letters in case-insensitive strings, users with and
#: without e-mails, no one with x509Certificates).
_PEOPLE_BODIES: list[dict[str, Any]] = [
    {
        "schemas": [USER_URN, ENTERPRISE_USER_URN],
        "userName": "ada.lovelace",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "emails": [{"value": "ada@example.com", "type": "work", "primary": True}],
        "title": "Countess",
        "active": True,
        ENTERPRISE_USER_URN: {"department": "Analytical Engines"},
    },
    {
        "schemas": [USER_URN],
        "userName": "grace.hopper",
        "displayName": "Grace Hopper",
        "emails": [
            {"value": "grace@navy.example", "type": "work"},
            {"value": "gh@home.example", "type": "home"},
        ],
        "active": False,
    },
    {
        "schemas": [USER_URN],
        "userName": "linus",
        "phoneNumbers": [{"value": "+358 40 123 4567", "type": "mobile"}],
    },
]
PEOPLE: list[Resource] = [_stored(body, USER, index) for index, body in enumerate(_PEOPLE_BODIES)]


def _member(person: Resource) -> dict[str, str]:
    """A member as the reference server shows it (RFC 7643 §4.2: display, type derived)."""
    return {"value": person["id"], "display": person["userName"], "type": "User"}


CREWS: list[Resource] = [
    _stored({"schemas": [GROUP_URN], "displayName": name, "members": members}, GROUP, index)
    for index, (name, members) in enumerate(
        [
            ("Engine Room", [_member(PEOPLE[0]), _member(PEOPLE[1])]),
            ("Bridge", [_member(PEOPLE[2])]),
            ("Galley", []),
        ]
    )
]

#: Values the target may hold that a filter has to quote (or skip).
HOSTILE: Resource = {
    "schemas": [USER_URN],
    "id": 'id "with" \\ quotes',
    "userName": 'say "hi"\\\n\t\x00\x1f end',
    "displayName": "ü\U0001f600" * 2000,
    "nickName": "\ud800 lone surrogate",
    "title": 42,
    "active": "true",
    "emails": [{"value": "", "type": None, "primary": "yes"}, "not an object", {"value": 1.5}],
    "phoneNumbers": {"value": "not a list"},
    "name": {"givenName": ["a", "list"], "familyName": float("nan")},
    "meta": {"created": "yesterday", "lastModified": "2011-05-13T04:42:34+02:00"},
}


def _users(min_size: int, max_size: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    return st.lists(
        user_bodies(PREFIX),
        min_size=min_size,
        max_size=max_size,
        unique_by=(
            lambda b: b["userName"].casefold(),
            lambda b: b.get("externalId") or b["userName"],
        ),
    )


@pytest.fixture(scope="module")
def client() -> Iterator[ScimClient]:
    """One in-process reference server for the module; each example deletes what it made."""
    with ScimClient.in_process(create_app(ServerConfig(token=TOKEN)), TOKEN) as scim:
        yield scim


def _create(client: ScimClient, endpoint: str, body: dict[str, Any], made: list[str]) -> Resource:
    response = client.post(endpoint, body)
    assert response.status == 201, (response.status, response.body, body)
    assert isinstance(response.body, dict)
    made.append(f"{endpoint}/{response.body['id']}")
    return response.body


# --------------------------------------------------------------------------
# Validity
# --------------------------------------------------------------------------


@pytest.mark.parametrize("resource_type", [USER, GROUP], ids=lambda rt: rt.name)
def test_texts_compile_over_server_populations(
    client: ScimClient, resource_type: ResourceType
) -> None:
    """RFC 7644 §3.4.2.2: each text compiles over what the reference server stored,
    and the server lists with 200 (the literals survive the URL too)."""
    endpoint = f"/{resource_type.endpoint.strip('/')}"

    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=SLOW_OK)
    @given(bodies=_users(1, 4), data=st.data())
    def check(bodies: list[dict[str, Any]], data: st.DataObject) -> None:
        made: list[str] = []
        try:
            users = [_create(client, "/Users", body, made) for body in bodies]
            stored = [canonical(user, USER) for user in users]
            if resource_type is GROUP:
                stored = _groups(client, data, [user["id"] for user in users], made)
            strategy = data_filter_texts(resource_type, stored)
            for _ in range(15):
                text = data.draw(strategy, label="filter")
                compile_filter(text, resource_type)
                listed = client.get(endpoint, params={"filter": text, "count": 1})
                assert listed.status == 200, (text, listed.body)
        finally:
            for path in reversed(made):
                client.delete(path)

    check()


def _groups(
    client: ScimClient, data: st.DataObject, ids: list[str], made: list[str]
) -> list[Resource]:
    bodies = data.draw(
        st.lists(group_bodies(PREFIX), min_size=1, max_size=3,
                 unique_by=(lambda b: b["displayName"].casefold(),
                            lambda b: b.get("externalId") or b["displayName"])),
        label="groups",
    )  # fmt: skip
    groups = []
    for body in bodies:
        members = data.draw(st.lists(st.sampled_from(ids), unique=True), label="members")
        body = {**body, "members": [{"value": member} for member in members]}
        groups.append(canonical(_create(client, "/Groups", body, made), GROUP))
    return groups


@pytest.mark.parametrize("resource_type", [USER, GROUP], ids=lambda rt: rt.name)
def test_texts_compile_over_junk(resource_type: ResourceType) -> None:
    """Stored values of any JSON type, hostile strings, NaN: skipped or quoted, never invalid."""
    population = st.lists(
        st.one_of(stored_resources(resource_type), junk_resources(resource_type)),
        min_size=1,
        max_size=4,
    ).map(lambda found: [HOSTILE, *found])

    @settings(max_examples=40, deadline=None, database=None, suppress_health_check=SLOW_OK)
    @given(population, st.data())
    def check(resources: list[Resource], data: st.DataObject) -> None:
        strategy = data_filter_texts(resource_type, resources)
        for _ in range(10):
            text = data.draw(strategy, label="filter")
            compile_filter(text, resource_type)
            text.encode("utf-8")  # sendable: no lone surrogate

    check()


@pytest.mark.parametrize("resource_type", [USER, GROUP], ids=lambda rt: rt.name)
def test_instants_at_the_ends_of_time_are_quoted_as_stored(resource_type: ResourceType) -> None:
    """Year 1 at -05:30 is before year 1 (found by CI): the literal stays as stored."""
    edge = {
        "schemas": [resource_type.schema.id],
        "id": "edge",
        "meta": {"created": "0001-01-01T00:00:00Z", "lastModified": "9999-12-31T23:59:59Z"},
    }

    @settings(max_examples=60, deadline=None, database=None, suppress_health_check=SLOW_OK)
    @given(data_filter_texts(resource_type, [edge]))
    def check(text: str) -> None:
        compile_filter(text, resource_type)

    check()


def test_no_resources_is_filter_texts() -> None:
    """Nothing stored, nothing to quote: the blind strategy."""
    assert data_filter_texts(USER, []) is filter_texts(USER, 6)
    assert data_filter_texts(GROUP, [], max_leaves=3) is filter_texts(GROUP, 3)


def test_hostile_values_are_quoted_or_skipped() -> None:
    """RFC 7159 §7 escapes in the text; the lone surrogate and the non-strings stay out."""
    texts = _draws(data_filter_texts(USER, [HOSTILE]), 300, seed_value=5)
    quoted = [t for t in texts if '\\"hi\\"' in t]
    assert quoted, "userName with a quote never quoted"
    assert not any("lone surrogate" in t for t in texts)
    assert any("\\u0000" in t for t in texts), "control characters never escaped"


# --------------------------------------------------------------------------
# The planted defects, evaluated with the core
# --------------------------------------------------------------------------


def _selected(expr: Filter, resources: list[Resource], rt: ResourceType) -> list[bool]:
    return [matches(expr, resource, rt) for resource in resources]


def precedence_differs(text: str, resources: list[Resource], rt: ResourceType) -> bool:
    """``filter-precedence-left-to-right``: the fault's rewrite selects other resources."""
    rewritten = _left_to_right(text)
    if rewritten == text:
        return False
    expr = compile_filter(text, rt)
    return _selected(expr, resources, rt) != _selected(compile_filter(rewritten, rt), resources, rt)


def _co_case_sensitive(expr: Filter, resource: Resource, rt: ResourceType) -> bool:
    """The filter as ``filter-co-case-sensitive`` evaluates it: ``co`` outside value
    paths against a caseExact copy of the schema, the rest as the core does."""
    match expr:
        case And(left, right):
            return _co_case_sensitive(left, resource, rt) and _co_case_sensitive(
                right, resource, rt
            )
        case Or(left, right):
            return _co_case_sensitive(left, resource, rt) or _co_case_sensitive(right, resource, rt)
        case Not(inner):
            return not _co_case_sensitive(inner, resource, rt)
        case Compare(_, "co", str()):
            return matches(expr, resource, _CASE_EXACT_TYPES[rt.name])
    return matches(expr, resource, rt)


def co_case_differs(text: str, resources: list[Resource], rt: ResourceType) -> bool:
    expr = compile_filter(text, rt)
    faulty = [_co_case_sensitive(expr, resource, rt) for resource in resources]
    return _selected(expr, resources, rt) != faulty


def pr_differs(text: str, resources: list[Resource], rt: ResourceType) -> bool:
    """``filter-pr-empty-list``: ``pr`` read as "the key exists" selects other resources."""
    expr = compile_filter(text, rt)
    return _selected(expr, resources, rt) != _selected(_pr_as_key_exists(expr, rt), resources, rt)


def _atoms(expr: Filter, inside: bool = False) -> Iterator[tuple[Filter, bool]]:
    """Every comparison and presence test, and whether it sits inside a value path."""
    match expr:
        case And(left, right) | Or(left, right):
            yield from _atoms(left, inside)
            yield from _atoms(right, inside)
        case Not(inner):
            yield from _atoms(inner, inside)
        case ValuePath(_, inner):
            yield from _atoms(inner, True)
        case _:
            yield expr, inside


def co_only_case_insensitive(text: str, resources: list[Resource], rt: ResourceType) -> bool:
    """Some top-level ``co`` literal matches a resource only when case is ignored."""
    exact = _CASE_EXACT_TYPES[rt.name]
    return any(
        isinstance(atom, Compare)
        and atom.op == "co"
        and not inside
        and any(matches(atom, r, rt) and not matches(atom, r, exact) for r in resources)
        for atom, inside in _atoms(compile_filter(text, rt))
    )


def _multi_valued(path: AttrPath, rt: ResourceType) -> bool:
    ref = rt.resolve(path.urn, path.attr, path.sub_attr)
    return ref is not None and ref.attribute.multi_valued


def multi_valued_pr_splits(text: str, resources: list[Resource], rt: ResourceType) -> bool:
    """Some ``<multi-valued> pr`` is false for one resource and true for another."""
    return any(
        isinstance(atom, Present)
        and not inside
        and _multi_valued(atom.path, rt)
        and len(set(_selected(atom, resources, rt))) == 2
        for atom, inside in _atoms(compile_filter(text, rt))
    )


def _draws(strategy: st.SearchStrategy[str], count: int, seed_value: int) -> list[str]:
    """``count`` texts of ``strategy``, the same ones on every run."""
    texts: list[str] = []

    @seed(seed_value)
    @settings(max_examples=count, deadline=None, database=None, suppress_health_check=SLOW_OK,
              phases=[Phase.generate])  # fmt: skip
    @given(strategy)
    def collect(text: str) -> None:
        texts.append(text)

    collect()
    return texts


Check = Callable[[str, list[Resource], ResourceType], bool]

DEFECTS: list[tuple[str, Check, ResourceType, list[Resource], float]] = [
    # (name, check, type, population, a rate well below the one measured)
    ("precedence-users", precedence_differs, USER, PEOPLE, 0.03),
    ("precedence-groups", precedence_differs, GROUP, CREWS, 0.03),
    ("co-case-users", co_case_differs, USER, PEOPLE, 0.02),
    ("co-case-groups", co_case_differs, GROUP, CREWS, 0.02),
    ("co-literal-users", co_only_case_insensitive, USER, PEOPLE, 0.03),
    ("pr-empty-list-users", pr_differs, USER, PEOPLE, 0.03),
    ("pr-empty-list-groups", pr_differs, GROUP, CREWS, 0.02),
    ("pr-multi-valued-split", multi_valued_pr_splits, USER, PEOPLE, 0.02),
]


@pytest.mark.parametrize(
    ("check", "resource_type", "resources", "floor"),
    [pytest.param(*row[1:], id=row[0]) for row in DEFECTS],
)
def test_planted_defects_are_reached(
    check: Check, resource_type: ResourceType, resources: list[Resource], floor: float
) -> None:
    """Within DRAWS texts over one population (a fixed seed), some expose the defect."""
    texts = _draws(data_filter_texts(resource_type, resources), DRAWS, seed_value=2024)
    hits = [text for text in texts if check(text, resources, resource_type)]
    blind = _draws(filter_texts(resource_type), DRAWS, seed_value=2024)
    blind_hits = sum(check(text, resources, resource_type) for text in blind)
    print(f"\n{check.__name__} {resource_type.name}: {len(hits)}/{len(texts)} "
          f"(blind filter_texts: {blind_hits}/{len(blind)}); e.g. {hits[:1]}")  # fmt: skip
    assert len(hits) >= floor * len(texts), hits


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@pytest.mark.parametrize(
    ("check", "resource_type"),
    [(precedence_differs, USER), (co_case_differs, USER), (pr_differs, USER)],
    ids=["precedence", "co-case", "pr-empty-list"],
)
def test_defects_reached_over_drawn_populations(check: Check, resource_type: ResourceType) -> None:
    """The same over populations drawn from ``user_bodies`` (faker and adversarial values):
    ``find`` fails with NoSuchExample if no (population, text) within DRAWS exposes it."""
    populations = _users(2, 4).map(
        lambda bodies: [_stored(body, USER, index) for index, body in enumerate(bodies)]
    )
    pairs = populations.flatmap(
        lambda people: st.tuples(st.just(people), data_filter_texts(resource_type, people))
    )
    people, text = find(
        pairs,
        lambda pair: check(pair[1], pair[0], resource_type),
        settings=settings(max_examples=DRAWS, database=None, phases=[Phase.generate],
                          suppress_health_check=SLOW_OK),
        random=random.Random(11),
    )  # fmt: skip
    print(f"\n{check.__name__}: {text!r} over {len(people)} users")


# --------------------------------------------------------------------------
# Shrinking
# --------------------------------------------------------------------------


def _shrunk(check: Check, resource_type: ResourceType, resources: list[Resource]) -> Filter:
    text = find(
        data_filter_texts(resource_type, resources),
        lambda text: check(text, resources, resource_type),
        settings=settings(max_examples=DRAWS, database=None, suppress_health_check=SLOW_OK),
        random=random.Random(3),
    )
    print(f"\n{check.__name__}: {text}")
    return compile_filter(text, resource_type)


def test_co_failure_shrinks_to_one_comparison() -> None:
    """A shrunk ``co`` failure reads like ``userName co "A"``: one top-level comparison."""
    expr = _shrunk(co_case_differs, USER, PEOPLE)
    assert isinstance(expr, Compare) and expr.op == "co", expr
    assert isinstance(expr.value, str) and len(expr.value) <= 3, expr


def test_pr_failure_shrinks_to_one_presence() -> None:
    """A shrunk ``pr`` failure is one presence test on a multi-valued attribute."""
    expr = _shrunk(pr_differs, USER, PEOPLE)
    assert isinstance(expr, Present) and _multi_valued(expr.path, USER), expr


def test_precedence_failure_shrinks_to_three_atoms() -> None:
    """A shrunk precedence failure is ``a or b and c`` with three plain atoms."""
    expr = _shrunk(precedence_differs, USER, PEOPLE)
    assert isinstance(expr, Or) and isinstance(expr.right, And), expr
    atoms = list(_atoms(expr))
    assert len(atoms) == 3 and not any(inside for _, inside in atoms), expr


def test_precedence_shapes_are_common() -> None:
    """Texts whose top level mixes ``and`` and ``or`` (what a left-to-right parser
    misreads) are a good share of the draws, not a lucky few."""
    texts = _draws(data_filter_texts(USER, PEOPLE), DRAWS, seed_value=7)
    mixed = [t for t in texts if len({w.casefold() for w in split_logical(t)[1]}) == 2]
    print(f"\nmixed and/or at top level: {len(mixed)}/{len(texts)}")
    assert len(mixed) >= 0.15 * len(texts)
