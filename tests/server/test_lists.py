"""Lists and searches over HTTP (RFC 7644 §3.4.2–§3.4.3) and the SQL push-down."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.scim.filters import parse_filter
from harness.scim.schema import GROUP, LIST_RESPONSE_URN, SEARCH_REQUEST_URN, USER
from harness.server.config import ServerConfig
from harness.server.pushdown import indexed_equalities, indexed_probes, prefix_successor
from harness.server.store import Reader
from harness.server.testing import InProcessScimServer
from tests.server.helpers import assert_error, create_group, create_user

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@pytest.fixture
def people(api: httpx.Client) -> list[dict[str, Any]]:
    """Five users with mixed-case names, some without displayName, one inactive."""
    specs = [
        ("Alice", {"displayName": "Zed", "externalId": "E-1", "title": "CTO"}),
        ("bob", {"displayName": "alpha", "externalId": "e-1"}),
        ("Carol", {"externalId": "E-3", "active": False}),
        ("dave", {"displayName": "Mid", ENTERPRISE: {"department": "Sales"},
                  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]}),
        ("Eve", {"emails": [{"value": "eve@x.com", "type": "work"}]}),
    ]  # fmt: skip
    return [create_user(api, name, **attrs) for name, attrs in specs]


def names(listing: dict[str, Any]) -> list[str]:
    return [resource["userName"] for resource in listing["Resources"]]


def test_list_response_shape(api: httpx.Client, people: list[dict[str, Any]]) -> None:
    """RFC 7644 §3.4.2: schemas, totalResults, itemsPerPage, startIndex, Resources."""
    listing = api.get("/Users").json()
    assert listing["schemas"] == [LIST_RESPONSE_URN]
    assert (listing["totalResults"], listing["itemsPerPage"], listing["startIndex"]) == (5, 5, 1)
    assert listing["Resources"] == people


def test_an_empty_result_is_200_with_zero(api: httpx.Client) -> None:
    """Okta and Entra probe with a filter that matches nothing: 200, never 404."""
    response = api.get("/Users", params={"filter": 'userName eq "nobody"'})
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": 0,
        "itemsPerPage": 0,
        "startIndex": 1,
        "Resources": [],
    }


@pytest.mark.parametrize(
    ("params", "expected", "start"),
    [
        ({"startIndex": 2, "count": 2}, ["bob", "Carol"], 2),
        ({"startIndex": 0, "count": 1}, ["Alice"], 1),
        ({"startIndex": -5, "count": 1}, ["Alice"], 1),
        ({"count": 0}, [], 1),
        ({"count": -3}, [], 1),
        ({"startIndex": 6}, [], 6),
        ({"startIndex": 5, "count": 10}, ["Eve"], 5),
    ],
)
def test_paging(
    api: httpx.Client,
    people: list[dict[str, Any]],
    params: dict[str, int],
    expected: list[str],
    start: int,
) -> None:
    """RFC 7644 §3.4.2.4: 1-based; startIndex < 1 read as 1; negative count read as 0."""
    listing = api.get("/Users", params=params).json()
    assert names(listing) == expected
    assert listing["totalResults"] == 5
    assert listing["itemsPerPage"] == len(expected)
    assert listing["startIndex"] == start


@pytest.mark.parametrize("filtered", [False, True])
def test_walking_pages_covers_everything_once(
    api: httpx.Client, people: list[dict[str, Any]], filtered: bool
) -> None:
    """RFC 7644 §3.4.2.4: Okta's import walks pages until startIndex > totalResults."""
    seen: list[str] = []
    start = 1
    params = {"filter": "userName pr"} if filtered else {}
    while True:
        listing = api.get("/Users", params={**params, "startIndex": start, "count": 2}).json()
        seen.extend(names(listing))
        start += listing["itemsPerPage"]
        if start > listing["totalResults"]:
            break
    assert sorted(seen) == sorted(p["userName"] for p in people)


def test_count_above_max_results_is_clipped() -> None:
    """RFC 7644 §3.4.2.4 / RFC 7643 §5 ``filter.maxResults``: fewer results, not an error."""
    server = InProcessScimServer(ServerConfig(max_results=2, default_count=2))
    try:
        client = server.client()
        for n in range(3):
            client.post("/Users", json={"schemas": [USER.schema.id], "userName": f"u{n}"})
        listing = client.get("/Users", params={"count": 100}).json()
        assert (listing["itemsPerPage"], listing["totalResults"]) == (2, 3)
        assert client.get("/Users").json()["itemsPerPage"] == 2  # the default count
    finally:
        server.close()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"sortBy": "userName"}, ["Alice", "bob", "Carol", "dave", "Eve"]),
        ({"sortBy": "userName", "sortOrder": "descending"},
         ["Eve", "dave", "Carol", "bob", "Alice"]),
        ({"sortBy": "displayName"}, ["bob", "dave", "Alice", "Carol", "Eve"]),
        ({"sortBy": "displayName", "sortOrder": "descending"},
         ["Carol", "Eve", "Alice", "dave", "bob"]),
        ({"sortBy": "USERNAME", "filter": 'userName sw "c" or userName sw "a"'},
         ["Alice", "Carol"]),
    ],
)  # fmt: skip
def test_sorting(
    api: httpx.Client, people: list[dict[str, Any]], params: dict[str, str], expected: list[str]
) -> None:
    """RFC 7644 §3.4.2.3: case-insensitive for caseExact false; missing values last ascending
    and first descending."""
    assert names(api.get("/Users", params=params).json()) == expected


def test_sorting_and_paging_compose(api: httpx.Client, people: list[dict[str, Any]]) -> None:
    """Sort first, then page (RFC 7644 §3.4.2.3 and §3.4.2.4 together)."""
    params = {"sortBy": "userName", "sortOrder": "descending", "startIndex": 2, "count": 2}
    assert names(api.get("/Users", params=params).json()) == ["dave", "Carol"]


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ('userName eq "alice"', ["Alice"]),
        ('USERNAME EQ "ALICE"', ["Alice"]),
        ('externalId eq "E-1"', ["Alice"]),
        ('externalId eq "e-1"', ["bob"]),
        ('displayName eq "ALPHA"', ["bob"]),
        ('userName eq "alice" and externalId eq "E-1"', ["Alice"]),
        ('userName eq "alice" and externalId eq "e-1"', []),
        ('userName eq "alice" or userName eq "bob"', ["Alice", "bob"]),
        ("active eq false", ["Carol"]),
        ('not (active eq false) and userName sw "c"', []),
        ('emails[type eq "work" and value co "@x.com"]', ["Eve"]),
        ('emails.value ew "x.com"', ["Eve"]),
        (f'{ENTERPRISE}:department eq "sales"', ["dave"]),
        ("title pr", ["Alice"]),
        ('displayName pr and not (displayName eq "Zed")', ["bob", "dave"]),
        ('meta.resourceType eq "User" and userName gt "d"', ["dave", "Eve"]),
    ],
)
def test_filters(
    api: httpx.Client, people: list[dict[str, Any]], filter_text: str, expected: list[str]
) -> None:
    """RFC 7644 §3.4.2.2 with caseExact per attribute (userName no, externalId yes)."""
    response = api.get("/Users", params={"filter": filter_text})
    assert response.status_code == 200, response.text
    assert names(response.json()) == expected
    assert response.json()["totalResults"] == len(expected)


def test_group_filters(api: httpx.Client) -> None:
    """Entra looks groups up by ``displayName eq`` (entra-provisioning.md §2)."""
    alice = create_user(api, "alice")
    create_group(api, "Sales", alice["id"])
    create_group(api, "Engineering")
    found = api.get("/Groups", params={"filter": 'displayName eq "sales"'}).json()
    assert [g["displayName"] for g in found["Resources"]] == ["Sales"]
    by_member = api.get("/Groups", params={"filter": f'members.value eq "{alice["id"]}"'}).json()
    assert [g["displayName"] for g in by_member["Resources"]] == ["Sales"]


@pytest.mark.parametrize(
    ("params", "keys"),
    [
        ({"attributes": "userName"}, {"schemas", "id", "userName"}),
        ({"attributes": "name.givenName,meta"}, {"schemas", "id", "meta"}),
        ({"excludedAttributes": "meta,displayName,externalId,title,id"},
         {"schemas", "id", "userName"}),
    ],
)  # fmt: skip
def test_projection_on_lists(
    api: httpx.Client, people: list[dict[str, Any]], params: dict[str, str], keys: set[str]
) -> None:
    """RFC 7644 §3.4.2.5: ``attributes`` selects; ``id`` is always returned, never excluded."""
    listing = api.get("/Users", params={**params, "filter": 'userName eq "alice"'}).json()
    assert set(listing["Resources"][0]) == keys


def test_post_search_equals_get(api: httpx.Client, people: list[dict[str, Any]]) -> None:
    """RFC 7644 §3.4.3: POST /Users/.search with a SearchRequest is the GET query in a body."""
    body = {
        "schemas": [SEARCH_REQUEST_URN],
        "filter": 'userName sw "a" or userName sw "d"',
        "sortBy": "userName",
        "sortOrder": "descending",
        "startIndex": 1,
        "count": 10,
        "attributes": ["userName"],
    }
    searched = api.post("/Users/.search", json=body)
    assert searched.status_code == 200
    got = api.get(
        "/Users",
        params={"filter": body["filter"], "sortBy": "userName", "sortOrder": "descending",
                "attributes": "userName"},
    )  # fmt: skip
    assert searched.json() == got.json()
    assert names(searched.json()) == ["dave", "Alice"]


def test_root_search_spans_resource_types(api: httpx.Client, people: list[dict[str, Any]]) -> None:
    """RFC 7644 §3.4.3: POST /.search at the root queries every resource type.

    A filter attribute that only one type has (userName) simply matches nothing in
    the other; sorting uses the attribute where present and puts the rest last.
    """
    create_group(api, "Zeta")
    create_group(api, "Alpha")
    body = {"schemas": [SEARCH_REQUEST_URN], "filter": "displayName pr", "sortBy": "displayName"}
    found = api.post("/.search", json=body).json()
    shown = [(r["meta"]["resourceType"], r["displayName"]) for r in found["Resources"]]
    assert shown == [("User", "alpha"), ("Group", "Alpha"), ("User", "Mid"), ("User", "Zed"),
                     ("Group", "Zeta")]  # fmt: skip
    by_user_name = api.post(
        "/.search", json={"schemas": [SEARCH_REQUEST_URN], "filter": 'userName eq "bob"'}
    ).json()
    assert by_user_name["totalResults"] == 1
    everything = api.get("/").json()
    assert everything["totalResults"] == 7
    paged = api.post("/.search", json={"schemas": [SEARCH_REQUEST_URN], "count": 2}).json()
    assert (paged["totalResults"], paged["itemsPerPage"]) == (7, 2)


def test_root_search_with_a_filter_valid_nowhere_is_400(api: httpx.Client) -> None:
    """RFC 7644 §3.4.2.2: a filter no resource type can evaluate is 400 invalidFilter."""
    body = {"schemas": [SEARCH_REQUEST_URN], "filter": 'nosuchattr eq "x"'}
    assert_error(api.post("/.search", json=body), 400, "invalidFilter")


# ---------------------------------------------------------------- push-down

PUSHDOWN_FILTERS = [
    'userName eq "alice"',
    'userName eq "ALICE"',
    'userName eq "Alice" and active eq true',
    'externalId eq "E-1"',
    'externalId eq "e-1"',
    'externalId eq "E-1" and userName eq "bob"',
    'displayName eq "zed"',
    'id eq "nope"',
    'userName eq "alice" or userName eq "bob"',
    'not (userName eq "alice")',
    '(userName eq "carol" and externalId eq "E-3") and title pr',
    'userName eq "dave" and (displayName eq "mid" or title pr)',
    'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "EVE"',
    'emails[value eq "eve@x.com"]',
    'userName ne "alice"',
    'userName eq "alice" and userName eq "bob"',
    'userName sw "AL"',
    'userName sw "a" and externalId sw "E-"',
    'displayName sw "m" or userName sw "b"',
]


def _pushed_and_scanned(
    scim_server: InProcessScimServer, api: httpx.Client, filter_text: str
) -> tuple[Any, Any]:
    """The same list query answered with the index push-down, then by a full scan."""
    store = scim_server.app.state.store
    store.pushdown = True
    pushed = api.get("/Users", params={"filter": filter_text}).json()
    store.pushdown = False
    try:
        scanned = api.get("/Users", params={"filter": filter_text}).json()
    finally:
        store.pushdown = True
    return pushed, scanned


@pytest.mark.parametrize("filter_text", PUSHDOWN_FILTERS)
def test_push_down_gives_the_same_answer_as_full_evaluation(
    scim_server: InProcessScimServer,
    api: httpx.Client,
    people: list[dict[str, Any]],
    filter_text: str,
) -> None:
    """The index probe only narrows candidates; every answer equals a full scan's."""
    pushed, scanned = _pushed_and_scanned(scim_server, api, filter_text)
    assert pushed == scanned


@pytest.mark.parametrize(
    ("filter_text", "resource_type", "expected"),
    [
        ('userName eq "BJensen"', USER, [("user_name", "bjensen")]),
        ('externalId eq "AbC"', USER, [("external_id", "AbC")]),
        ('displayName eq "Sales"', GROUP, [("display_name", "sales")]),
        ('id eq "X1"', GROUP, [("id", "X1")]),
        ('userName eq "a" and (title pr and externalId eq "b")', USER,
         [("user_name", "a"), ("external_id", "b")]),
        ('userName eq "a" or externalId eq "b"', USER, []),
        ('not (userName eq "a")', USER, []),
        ('userName ne "a"', USER, []),
        ('userName eq 5', USER, []),
        ('title eq "x"', USER, []),
        ('emails.value eq "x"', USER, []),
        ('userName eq "a"', GROUP, []),
    ],
)  # fmt: skip
def test_which_conjuncts_are_pushed_down(
    filter_text: str, resource_type: Any, expected: list[tuple[str, str]]
) -> None:
    """Only ``eq`` on an indexed attribute inside a top-level ``and`` chain; folded by
    caseExact (RFC 7643 §4.1.1 userName folds, §3.1 externalId and id do not)."""
    assert indexed_equalities(parse_filter(filter_text), resource_type) == expected


@pytest.mark.parametrize(
    ("filter_text", "expected"),
    [
        ('userName sw "BJ"', [("user_name", "prefix", "bj")]),
        ('externalId sw "Ab"', [("external_id", "prefix", "Ab")]),
        ('userName sw ""', []),
        ('userName sw "a" and userName eq "ab"', [("user_name", "prefix", "a"),
                                                 ("user_name", "=", "ab")]),
        ('userName sw "a" or userName sw "b"', []),
        ('userName co "a"', []),
    ],
)  # fmt: skip
def test_prefix_filters_become_range_probes(filter_text: str, expected: list[Any]) -> None:
    assert indexed_probes(parse_filter(filter_text), USER) == expected
    assert prefix_successor("ab") == "ac"
    assert all("ab" + tail < prefix_successor("ab") for tail in ("", "z", "\U0010ffff" * 3))


def test_an_indexed_lookup_reads_only_the_match(
    scim_server: InProcessScimServer,
    api: httpx.Client,
    people: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``userName eq`` loads one row, not the table (the 100k-user benchmark depends on it)."""
    seen: list[int] = []
    original = Reader.scan

    def counting(self: Reader, *args: Any, **kwargs: Any) -> Any:
        rows = original(self, *args, **kwargs)
        seen.append(len(rows))
        return rows

    monkeypatch.setattr(Reader, "scan", counting)
    api.get("/Users", params={"filter": 'userName eq "carol"'})
    assert seen == [1]
    scim_server.app.state.store.pushdown = False
    api.get("/Users", params={"filter": 'userName eq "carol"'})
    assert seen == [1, 5]
    scim_server.app.state.store.pushdown = True
    api.get("/Users", params={"filter": 'userName sw "CA"'})
    assert seen == [1, 5, 1]


# Filters built from the attributes push-down cares about, with values that hit
# and miss the dataset in various cases: hypothesis explores and/or/not shapes.
_ATTRIBUTES = ["userName", "externalId", "displayName", "id", "title", "USERNAME"]
_VALUES = ["alice", "ALICE", "Alice", "bob", "E-1", "e-1", "E-3", "zed", "Mid", "CTO", "x"]
_OPERATORS = ["eq", "eq", "eq", "ne", "co", "sw"]


def _comparisons() -> st.SearchStrategy[str]:
    return st.builds(
        lambda a, o, v: f'{a} {o} "{v}"',
        st.sampled_from(_ATTRIBUTES),
        st.sampled_from(_OPERATORS),
        st.sampled_from(_VALUES),
    )


_FILTERS = st.recursive(
    _comparisons(),
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=5,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filter_text=_FILTERS)
def test_push_down_equivalence_property(
    scim_server: InProcessScimServer,
    api: httpx.Client,
    people: list[dict[str, Any]],
    filter_text: str,
) -> None:
    """For any filter over the indexed attributes, push-down on and off agree."""
    pushed, scanned = _pushed_and_scanned(scim_server, api, filter_text)
    assert pushed == scanned
