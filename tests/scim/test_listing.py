"""Tests for harness.scim.listing: query parameters, .search bodies, sorting, paging.

Rules from RFC 7644 §3.4.2 (ListResponse), §3.4.2.3 (sorting), §3.4.2.4
(pagination) and §3.4.3 (POST .search), with the positions of
scim-semantics-pitfalls.md §23–§25.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.scim.compat import DEFAULT, Compat
from harness.scim.listing import (
    ListQuery,
    list_response,
    page,
    query_from_params,
    query_from_search_request,
    sort_key,
    sort_resources,
    validate_sort_by,
)
from harness.scim.schema import (
    ENTERPRISE_USER_URN,
    GROUP,
    LIST_RESPONSE_URN,
    SEARCH_REQUEST_URN,
    USER,
    USER_URN,
)
from tests.scim.helpers import scim_error

MAX = 200
DEFAULT_COUNT = 100


def params(**values: str) -> ListQuery:
    return query_from_params(values, MAX, DEFAULT_COUNT)


def search(body: Any, compat: Compat = DEFAULT) -> ListQuery:
    return query_from_search_request(body, MAX, DEFAULT_COUNT, compat)


def user(name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "id": name, "userName": name, **extra}


def ids(resources: list[dict[str, Any]]) -> list[str]:
    return [resource["id"] for resource in resources]


# --------------------------------------------------------------------------
# Query parameters (§3.4.2)
# --------------------------------------------------------------------------


class TestQueryFromParams:
    def test_defaults(self) -> None:
        """§3.4.2.4: startIndex defaults to 1; count to the server's choice."""
        assert params() == ListQuery(start_index=1, count=DEFAULT_COUNT)

    def test_okta_connection_test_query(self) -> None:
        """Okta's Test API Credentials: GET /Users?startIndex=1&count=2."""
        query = params(startIndex="1", count="2")
        assert (query.start_index, query.count) == (1, 2)

    def test_all_parameters(self) -> None:
        query = params(
            filter='userName eq "bjensen"',
            sortBy="name.familyName",
            sortOrder="descending",
            startIndex="3",
            count="10",
            attributes="userName, emails",
            excludedAttributes="members",
        )
        assert query == ListQuery(
            filter='userName eq "bjensen"',
            sort_by="name.familyName",
            sort_order="descending",
            start_index=3,
            count=10,
            attributes=["userName", "emails"],
            excluded=["members"],
        )
        assert query.descending

    def test_parameter_names_case_insensitive(self) -> None:
        """Tolerance (the RFC spells the names but says nothing of case)."""
        query = query_from_params({"STARTINDEX": "4", "Count": "5", "sortby": "userName"}, MAX, 10)
        assert (query.start_index, query.count, query.sort_by) == (4, 5, "userName")

    def test_unknown_parameters_ignored(self) -> None:
        """Entra appends feature flags such as ?aadOptscim062020 to the base URL."""
        assert query_from_params({"aadOptscim062020": ""}, MAX, 10) == ListQuery(count=10)

    @pytest.mark.parametrize(("sent", "read"), [("0", 1), ("-5", 1), ("1", 1), ("7", 7)])
    def test_start_index_below_one_is_one(self, sent: str, read: int) -> None:
        """§3.4.2.4: "A value less than 1 SHALL be interpreted as 1" (pitfalls §23)."""
        assert params(startIndex=sent).start_index == read

    @pytest.mark.parametrize(("sent", "read"), [("-1", 0), ("0", 0), ("5", 5), ("201", MAX)])
    def test_count_negative_is_zero_and_clipped(self, sent: str, read: int) -> None:
        """§3.4.2.4: negative count SHALL be read as 0; above filter.maxResults -> clipped."""
        assert params(count=sent).count == read

    def test_default_count_clipped_to_max(self) -> None:
        assert query_from_params({}, 50, 100).count == 50

    @pytest.mark.parametrize("name", ["startIndex", "count"])
    @pytest.mark.parametrize("text", ["ten", "1.5", "1e3", "0x10"])
    def test_non_integer_is_invalid_value(self, name: str, text: str) -> None:
        """Pitfalls §23: non-integer startIndex/count -> 400 invalidValue."""
        with scim_error("invalidValue", f"'{name}' must be an integer"):
            params(**{name: text})

    def test_sort_order_values(self) -> None:
        """§3.4.2.3: "ascending" (default) or "descending"; case tolerated."""
        assert params(sortBy="userName").sort_order == "ascending"
        assert params(sortOrder="DESCENDING").sort_order == "descending"
        with scim_error("invalidValue", "'sortOrder' must be"):
            params(sortOrder="down")

    def test_blank_values_are_absent(self) -> None:
        assert params(filter="", sortBy=" ", attributes="", count="") == ListQuery(count=100)


# --------------------------------------------------------------------------
# POST /.search (§3.4.3)
# --------------------------------------------------------------------------


RFC_SEARCH = {
    "schemas": [SEARCH_REQUEST_URN],
    "attributes": ["displayName", "userName"],
    "filter": 'displayName sw "smith"',
    "startIndex": 1,
    "count": 10,
}


class TestQueryFromSearchRequest:
    def test_rfc_example(self) -> None:
        """§3.4.3, the example SearchRequest body."""
        assert search(RFC_SEARCH) == ListQuery(
            filter='displayName sw "smith"',
            start_index=1,
            count=10,
            attributes=["displayName", "userName"],
        )

    def test_all_members_case_insensitive(self) -> None:
        """RFC 7643 §2.1: attribute names in SCIM messages are case-insensitive."""
        body = {
            "SCHEMAS": [SEARCH_REQUEST_URN],
            "sortby": "userName",
            "SortOrder": "descending",
            "excludedattributes": ["emails"],
            "startindex": -3,
            "COUNT": -1,
        }
        assert search(body) == ListQuery(
            sort_by="userName", sort_order="descending", start_index=1, count=0, excluded=["emails"]
        )

    def test_schemas_required(self) -> None:
        """§3.4.3 / pitfalls §21: missing or wrong message URN -> 400 invalidSyntax."""
        body = {k: v for k, v in RFC_SEARCH.items() if k != "schemas"}
        with scim_error("invalidSyntax", "SearchRequest"):
            search(body)
        with scim_error("invalidSyntax", "SearchRequest"):
            search({**body, "schemas": [USER_URN]})
        assert search(body, Compat(lenient_schemas=True)).count == 10

    def test_body_must_be_object(self) -> None:
        with scim_error("invalidSyntax", "JSON object"):
            search([RFC_SEARCH])

    @pytest.mark.parametrize(
        ("member", "value"),
        [
            ("attributes", "userName,emails"),
            ("attributes", [1]),
            ("excludedAttributes", {"a": 1}),
            ("startIndex", "1"),
            ("count", 1.5),
            ("count", True),
            ("filter", ["userName pr"]),
            ("sortOrder", 1),
        ],
    )
    def test_wrong_types_invalid_value(self, member: str, value: Any) -> None:
        """§3.4.3: arrays of strings, integers and strings, as the RFC shows them."""
        with scim_error("invalidValue", f"'{member}' must be"):
            search({**RFC_SEARCH, member: value})

    def test_nulls_are_absent_and_count_clipped(self) -> None:
        body = {**RFC_SEARCH, "filter": None, "count": 10_000, "unknown": 1}
        query = search(body)
        assert (query.filter, query.count) == (None, MAX)


# --------------------------------------------------------------------------
# Sorting (§3.4.2.3)
# --------------------------------------------------------------------------


class TestSort:
    def test_strings_case_insensitive_unless_case_exact(self) -> None:
        """§3.4.2.3: case-insensitive unless caseExact (userName false, externalId true)."""
        users = [user("b"), user("C"), user("a")]
        assert ids(sort_resources(users, "userName", False, USER)) == ["a", "b", "C"]
        users = [user(n, externalId=n) for n in ("b", "C", "a")]
        assert ids(sort_resources(users, "externalId", False, USER)) == ["C", "a", "b"]

    def test_sort_by_case_insensitive_and_urn_prefixed(self) -> None:
        """RFC 7643 §2.1 names; RFC 7644 §3.10 URN-qualified paths."""
        users = [
            user("x", **{ENTERPRISE_USER_URN: {"department": "Zoo"}}),
            user("y", **{ENTERPRISE_USER_URN: {"department": "art"}}),
        ]
        sort_by = f"{ENTERPRISE_USER_URN}:DEPARTMENT"
        assert ids(sort_resources(users, sort_by, False, USER)) == ["y", "x"]
        assert ids(sort_resources(users, f"{USER_URN}:USERNAME", True, USER)) == ["y", "x"]

    def test_missing_values_last_ascending_first_descending(self) -> None:
        """§3.4.2.3: no data -> "ordered last if ascending and first if descending"."""
        users = [user("a", title="T2"), user("b"), user("c", title="T1")]
        assert ids(sort_resources(users, "title", False, USER)) == ["c", "a", "b"]
        assert ids(sort_resources(users, "title", True, USER)) == ["b", "a", "c"]

    def test_stable_both_ways(self) -> None:
        users = [user("a", title="T"), user("b", title="t"), user("c", title="T")]
        assert ids(sort_resources(users, "title", False, USER)) == ["a", "b", "c"]
        assert ids(sort_resources(users, "title", True, USER)) == ["a", "b", "c"]

    def test_multi_valued_sorts_by_primary_else_first(self) -> None:
        """§3.4.2.3: a multi-valued attribute sorts by its primary value, else the first."""
        users = [
            user("a", emails=[{"value": "z@x"}, {"value": "a@x", "primary": True}]),
            user("b", emails=[{"value": "m@x"}, {"value": "b@x"}]),
        ]
        assert ids(sort_resources(users, "emails.value", False, USER)) == ["a", "b"]
        assert sort_key(users[1], validate_sort_by("emails.value", USER)) == "m@x"

    def test_complex_without_sub_attribute_uses_value(self) -> None:
        """Pitfalls §25: sortBy=emails means its value sub-attribute."""
        ref = validate_sort_by("emails", USER)
        assert ref.dotted == "emails.value"

    def test_complex_without_value_sub_attribute_refused(self) -> None:
        """§3.4.2.3: a complex attribute must be named down to a sub-attribute."""
        with scim_error("invalidValue", "name a sub-attribute such as 'name.formatted'"):
            validate_sort_by("name", USER)

    @pytest.mark.parametrize(
        ("sort_by", "why"),
        [
            ("nosuch", "not an attribute"),
            ("name.nosuch", "not an attribute"),
            (f"{ENTERPRISE_USER_URN}:nosuch", "not an attribute"),
            ("password", "never returned"),
            ("x509Certificates.value", "binary"),
            ("x509Certificates", "binary"),
        ],
    )
    def test_unsortable_attributes(self, sort_by: str, why: str) -> None:
        """Pitfalls §25 / §18: unknown, binary and password -> 400 invalidValue."""
        with scim_error("invalidValue", why):
            sort_resources([user("a")], sort_by, False, USER)

    def test_date_time_chronological(self) -> None:
        """RFC 7643 §2.3.5 / pitfalls §5: instants, not strings."""
        users = [
            user("a", meta={"lastModified": "2011-05-13T05:00:00+02:00"}),  # 03:00Z
            user("b", meta={"lastModified": "2011-05-13T04:00:00Z"}),
            user("c", meta={"lastModified": "2011-05-13T03:30:00.5Z"}),
        ]
        assert ids(sort_resources(users, "meta.lastModified", False, USER)) == ["a", "c", "b"]

    def test_booleans_false_first(self) -> None:
        users = [user("a", active=True), user("b", active=False)]
        assert ids(sort_resources(users, "active", False, USER)) == ["b", "a"]

    def test_groups_by_display_name(self) -> None:
        groups = [{"id": "1", "displayName": "beta"}, {"id": "2", "displayName": "Alpha"}]
        assert ids(sort_resources(groups, "displayName", False, GROUP)) == ["2", "1"]

    def test_wrongly_typed_stored_value_counts_as_absent(self) -> None:
        users = [user("a", title=5), user("b", title="T")]
        assert ids(sort_resources(users, "title", False, USER)) == ["b", "a"]

    def test_does_not_modify_input(self) -> None:
        users = [user("b"), user("a")]
        sort_resources(users, "userName", False, USER)
        assert ids(users) == ["b", "a"]

    @given(
        st.lists(st.one_of(st.none(), st.text(alphabet="aAbB", max_size=3)), max_size=12),
        st.booleans(),
    )
    @settings(max_examples=60)
    def test_order_property(self, titles: list[str | None], descending: bool) -> None:
        """Property: a permutation; keys monotone; absent values at the RFC's end."""
        users = [
            user(str(i), **({"title": t} if t is not None else {})) for i, t in enumerate(titles)
        ]
        ordered = sort_resources(users, "title", descending, USER)
        assert sorted(ids(ordered)) == sorted(ids(users))
        keys = [r["title"].casefold() if "title" in r else None for r in ordered]
        present = [k for k in keys if k is not None]
        assert present == sorted(present, reverse=descending)
        n_absent = keys.count(None)
        tail = keys[:n_absent] if descending else keys[len(keys) - n_absent :]
        assert tail == [None] * n_absent


# --------------------------------------------------------------------------
# Paging and ListResponse (§3.4.2, §3.4.2.4)
# --------------------------------------------------------------------------


class TestPaging:
    def test_one_based(self) -> None:
        """§3.4.2.4: startIndex is 1-based."""
        assert page([1, 2, 3, 4, 5], 2, 2) == [2, 3]
        assert page([1, 2, 3], 1, None) == [1, 2, 3]

    def test_count_zero_returns_nothing(self) -> None:
        """§3.4.2.4: count=0 returns no resources (only totalResults)."""
        assert page([1, 2, 3], 1, 0) == []

    def test_past_the_end_is_empty(self) -> None:
        assert page([1, 2, 3], 4, 10) == []

    @given(st.integers(min_value=0, max_value=30), st.integers(min_value=1, max_value=7))
    @settings(max_examples=50)
    def test_walk_covers_everything_once(self, total: int, count: int) -> None:
        """Okta's import walks pages until startIndex + itemsPerPage > totalResults."""
        items = list(range(total))
        seen: list[int] = []
        start = 1
        while True:
            chunk = page(items, start, count)
            seen.extend(chunk)
            if start + len(chunk) > total or not chunk:
                break
            start += len(chunk)
        assert seen == items

    def test_list_response_shape(self) -> None:
        """§3.4.2: schemas, totalResults, itemsPerPage, startIndex, Resources."""
        resources = [user("a"), user("b")]
        assert list_response(resources, 7, 3) == {
            "schemas": [LIST_RESPONSE_URN],
            "totalResults": 7,
            "itemsPerPage": 2,
            "startIndex": 3,
            "Resources": resources,
        }

    def test_list_response_empty_keeps_resources(self) -> None:
        """Entra's "Get User by query - Zero results" shows "Resources": []."""
        body = list_response([], 0, 1)
        assert body["Resources"] == [] and body["totalResults"] == 0 and body["itemsPerPage"] == 0
