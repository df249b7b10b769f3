"""Filters, part 1: attribute operators on the values users and groups hold (RFC 7644 §3.4.2.2).

What is checked here: every attribute operator (``eq ne co sw ew pr gt ge lt
le``) on strings honouring each attribute's ``caseExact`` (RFC 7643 §2.2 and
§7: "The server SHALL use case sensitivity when evaluating filters";
``userName`` is caseExact false, §4.1.1; ``id`` and ``externalId`` caseExact
true, §3.1; Group ``displayName`` false, §4.2), chronological comparison of
``meta.created`` / ``meta.lastModified`` (RFC 7643 §2.3.5), booleans, JSON
string escapes in comparison values (§3.4.2.2 ``compValue``, RFC 7159), the
empty result (§3.4.2: 200 with ``totalResults`` 0, never 404), and the exact
lookups Okta and Entra send before they create anything.
:mod:`harness.conformance.test_filters_logic` has the logical operators,
value paths, URN-qualified names and the malformed filters.

How: one population of five users (and two groups) is created once per run
(:func:`users`, :func:`groups`) and only read. Its names are built so that
decoys nearly match each filter — a prefix overlap (``alpha`` / ``alphabet``),
a suffix overlap (``xalpha``), the same letters in another case where case
matters (``externalId``), a title holding the escape-free spelling of the
escaped one — and every filter whose answer could include resources the run
did not create is scoped with ``and (userName eq "<each population user>" or
…)`` — never ``sw``, which a server may refuse (RFC 7644 §3.12) — so the
expected answer is exact whatever else lives on the tenant. A filter the
target refuses with 400 ``invalidFilter`` because it does not support one of
its operators skips the check with that reason (learned once per run,
:mod:`harness.conformance.learned`), unless the profile's IdP sends that
operator. Every
check compares the returned ids with the expected set, both ways, and
``totalResults`` with its size.

Levels: an RFC MUST is ``must`` under ``rfc``. Under ``okta`` and ``entra``
a rule is ``must`` only where that IdP sends the request (Okta: ``userName eq``
and ``displayName eq``; Entra: ``userName eq``, ``externalId eq``,
``displayName eq``, ``and``); the other operators are ``should`` there: the
IdP profiles run filter checks even when the SPC does not claim
``filter.supported`` (capabilities.PROFILE_REQUIRED_FEATURES), and a server
that implements only what its IdP sends is ready for that IdP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import quote, urlencode

import pytest

from harness.client import ScimResponse
from harness.conformance.bodies_from_schema import SINGULAR_STRING_CORE, choose, no_choice_reason
from harness.conformance.discovery import declarations
from harness.conformance.expect import (
    ensure,
    expect_list,
    expect_resource,
    fail,
    precondition,
    resources_of,
)
from harness.conformance.learned import explain_refusal
from harness.conformance.registry import Check, case, check, check_table
from harness.conformance.scoping import confirm_scope, eq_any, within
from harness.conformance.support import Levels
from harness.conformance.target import Target
from harness.scim.schema import ENTERPRISE_USER_URN, USER_URN

# -- levels, needs, rules ------------------------------------------------------


#: RFC MUST (the IdP levels: harness.conformance.levels).
RFC_MUST: Levels = {"rfc": "must"}
#: RFC MUST that both IdPs rely on (harness.conformance.levels says which and why).
ALL_MUST: Levels = {"level": "must"}
USERS = ("filter", "Users")
GROUPS = ("filter", "Groups")
FILTERING = "RFC 7644 §3.4.2.2"
CASE_EXACT = "RFC 7643 §2.2, §7 (caseExact: 'SHALL use case sensitivity when evaluating filters')"


# -- the population ------------------------------------------------------------


@dataclass(frozen=True)
class Population:
    """Resources created once for the filter checks, by short key (``alpha`` …).

    ``values`` names what the filter templates of the tables may use:
    ``{P}`` (the prefix every userName starts with), ``{PU}`` (it upper-cased),
    ``{<key>}`` (a userName), ``{<key>_ext}`` (an externalId) and so on.
    """

    prefix: str
    resources: Mapping[str, dict[str, Any]]
    values: Mapping[str, str]
    #: What each key is, for messages: "alpha <scimh-…alpha@example.com>".
    labels: Mapping[str, str]
    enterprise: bool = False
    by_id: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id.update({str(body["id"]): key for key, body in self.resources.items()})

    def id(self, key: str) -> str:
        return str(self.resources[key]["id"])

    def ids(self) -> list[str]:
        return [str(body["id"]) for body in self.resources.values()]

    def format(self, template: str) -> str:
        return template.format(**self.values)

    def scoped(self, expression: str) -> str:
        """``expression`` restricted to this population (nothing else on the tenant counts),
        by naming each of its users with ``eq`` (:mod:`harness.conformance.scoping`).
        Checks call :func:`scope_to`, which confirms the scope first."""
        return within(expression, self.scope)

    @property
    def scope(self) -> str:
        """The filter naming each user of the population: ``userName eq "…" or …``."""
        return eq_any("userName", [self.values[key] for key in self.keys])

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.resources)

    def describe(self, keys: Iterable[str]) -> str:
        names = [self.labels[key] for key in self.keys if key in set(keys)]
        return ", ".join(names) if names else "no resource"


#: Every population user: the attributes that differ (the rest is user_body's).
#: ``...`` removes an attribute (alphabet and beta have no title). Everyone has
#: an e-mail: many targets require one, and a refused user would fail every check.
USER_SPECS: dict[str, dict[str, Any]] = {
    "alpha": {
        "local": "alpha@example.com",
        "ext": "Ext-Alpha",
        "family": "Lovelace",
        "title": "Engineer",
        "emails": [("alpha@work.example.com", "work"), ("alpha@home.example.org", "home")],
        "active": True,
        "employee": "1001",
    },
    "alphabet": {  # prefix overlap: "alpha" + "bet"
        "local": "alphabet@example.com",
        "ext": "Ext-alphabet",
        "family": "Lovelace-King",
        "title": ...,
        "emails": [("alphabet@work.example.com", "work")],
        "active": True,
        "employee": "10010",
    },
    "xalpha": {  # suffix overlap: "x" + "alpha"; title = the escape-free spelling
        "local": "xalpha@example.com",
        "ext": "Ext-XALPHA",
        "family": "XLovelace",
        "title": "Q quoted backslash cafe",
        "emails": [("xalpha@work.example.com", "work"), ("xalpha@home.example.org", "home")],
        "active": True,
        "employee": "01001",
    },
    "beta": {  # inactive, no title, no enterprise data
        "local": "beta@example.org",
        "ext": "EXT-BETA",
        "family": "Hopper",
        "title": ...,
        "emails": [("beta@other.example.org", "other")],
        "active": False,
        "employee": None,
    },
    "esc": {  # a title that needs JSON escapes in a filter
        "local": "esc@example.net",
        "ext": "ext-esc",
        "family": "Escher",
        "title": 'Q "quoted" back\\slash caf\u00e9',
        "emails": [("esc@work.example.com", "work")],
        "active": True,
        "employee": None,
    },
}


def _supports_enterprise(target: Target) -> bool:
    """Whether /ResourceTypes lists the enterprise extension for Users (RFC 7643 §6).

    Only then does the population carry enterprise data: a server without the
    extension may rightly refuse it, and that must not fail every filter check.
    """
    response = target.get("/ResourceTypes")
    body = response.body if response.status == 200 else None
    items = body.get("Resources") if isinstance(body, dict) else body
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or str(item.get("endpoint", "")).rstrip("/") != "/Users":
            continue
        for extension in item.get("schemaExtensions") or []:
            if isinstance(extension, dict) and extension.get("schema") == ENTERPRISE_USER_URN:
                return True
    return False


def _build_users(target: Target) -> Population:
    prefix = target.unique("flt") + "."
    enterprise = _supports_enterprise(target)
    # "title" in the specs: title, or another optional string the target declares.
    text = choose(declarations(target), SINGULAR_STRING_CORE)
    resources: dict[str, dict[str, Any]] = {}
    values: dict[str, str] = {"P": prefix, "PU": prefix.upper()}
    if text is not None:
        values["title"] = text.name
    labels: dict[str, str] = {}
    for key, spec in USER_SPECS.items():
        user_name = prefix + spec["local"]
        attributes: dict[str, Any] = {
            "userName": user_name,
            "externalId": prefix + spec["ext"],
            "name": {"givenName": "Ada", "familyName": prefix + spec["family"]},
            "displayName": f"Ada {key}",
            "active": spec["active"],
        }
        if text is not None:
            attributes[text.name] = spec["title"]
        attributes["emails"] = [
            {"value": prefix + value, "type": kind, **({"primary": True} if i == 0 else {})}
            for i, (value, kind) in enumerate(spec["emails"])
        ]
        if enterprise and spec["employee"]:
            attributes["schemas"] = [USER_URN, ENTERPRISE_USER_URN]
            attributes[ENTERPRISE_USER_URN] = {"employeeNumber": prefix + spec["employee"]}
        resources[key] = target.create_user(f"flt-{key}", **attributes)
        values[key] = user_name
        values[f"{key}_upper"] = user_name.upper()
        values[f"{key}_ext"] = prefix + spec["ext"]
        values[f"{key}_ext_swapped"] = prefix + spec["ext"].swapcase()
        values[f"{key}_id"] = str(resources[key]["id"])
        labels[key] = f"{key} <{user_name}>"
    return Population(prefix, resources, values, labels, enterprise)


def scope_to(target: Target, population: Population, expression: str) -> str:
    """``expression`` scoped to the population, once the scope alone is confirmed to list
    exactly its users (else the check is blocked on that, one cause for every check)."""
    confirm_scope(target, "/Users", population.scope, population.ids(), "the filter population")
    return population.scoped(expression)


def users(target: Target) -> Population:
    """The shared user population (created on first use, removed at the end of the run)."""
    return target.shared("filter.users", _build_users)


def _build_groups(target: Target) -> Population:
    name = target.unique("flt-grp")
    specs = {"team": name, "teamx": name + "x"}  # teamx: the name with one more letter
    resources = {
        key: target.create_group(f"flt-{key}", displayName=dn) for key, dn in specs.items()
    }
    values = {"team": name, "team_upper": name.upper(), "teamx": name + "x", "P": name}
    labels = {key: f"{key} <{dn}>" for key, dn in specs.items()}
    return Population(name, resources, values, labels)


def groups(target: Target) -> Population:
    return target.shared("filter.groups", _build_groups)


# -- requests and expectations -------------------------------------------------


def list_path(endpoint: str, *pairs: tuple[str, str | int]) -> str:
    """``endpoint?…`` with the parameters in the order given, spaces as ``%20``.

    Built by hand (not httpx ``params``, which writes ``+``) because that is
    how Okta encodes its lookups (okta-provisioning.md) and ``%20`` is read as a
    space by every URL parser, while ``+`` is only a space in form encoding.
    """
    return f"{endpoint}?{urlencode(pairs, quote_via=quote)}"


def search(target: Target, endpoint: str, text: str) -> ScimResponse:
    return target.get(list_path(endpoint, ("filter", text)))


def query(target: Target, endpoint: str, text: str) -> ScimResponse:
    """:func:`search` for a filter the check expects to be answered: a refusal of an
    operator the target does not support (400 invalidFilter, RFC 7644 §3.12) skips the
    check with that reason instead of failing it (:mod:`harness.conformance.learned`)."""
    response = search(target, endpoint, text)
    explain_refusal(target, text, response)
    return response


def expect_matches(
    population: Population,
    response: ScimResponse,
    text: str,
    expected: Iterable[str],
    why: str,
) -> dict[str, Any]:
    """The ListResponse holds exactly the ``expected`` keys, each once, and says so in totals.

    RFC 7644 §3.4.2.2: "only those resources matching the filter expression
    SHALL be returned"; §3.4.2: ``totalResults`` is the number of results of
    the query. A resource outside the population can only appear by
    mistake: every filter here either names a unique value or is scoped.
    """
    wanted = set(expected)
    body = expect_list(response, what=f"filter {text}")
    ids = [str(item.get("id")) for item in resources_of(body)]
    want = f"filter {text} to return exactly {population.describe(wanted)} ({why})"
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    ensure(
        not duplicates,
        f"{want}, each resource once",
        "the same resource more than once: "
        + ", ".join(population.labels.get(population.by_id.get(i, ""), i) for i in duplicates),
        response,
    )
    found = {population.by_id[i] for i in ids if i in population.by_id}
    foreign = [i for i in ids if i not in population.by_id]
    if found != wanted or foreign:
        parts = [f"returned {population.describe(found)}"]
        if found - wanted:
            parts.append(f"wrongly included: {population.describe(found - wanted)}")
        if wanted - found:
            parts.append(f"missing: {population.describe(wanted - found)}")
        if foreign:
            parts.append(f"{len(foreign)} resource(s) this run did not create (ids {foreign[:3]})")
        fail(want, "; ".join(parts), response)
    total = body.get("totalResults")
    ensure(
        total == len(wanted),
        f"totalResults = {len(wanted)} for filter {text} (RFC 7644 §3.4.2)",
        f"totalResults = {total!r} with {len(ids)} Resources",
        response,
    )
    return body


def expect_empty(response: ScimResponse, text: str, why: str) -> dict[str, Any]:
    """A filter that matches nothing: 200, a ListResponse, totalResults 0, no Resources."""
    body = expect_list(response, what=f"filter {text} matching nothing ({why})")
    ensure(
        body.get("totalResults") == 0 and not resources_of(body),
        f"filter {text} to match nothing: totalResults 0 and no Resources ({why})",
        f"totalResults = {body.get('totalResults')!r} with {len(resources_of(body))} Resources",
        response,
    )
    return body


# -- lookups: the exact requests Okta and Entra send -------------------------

_OKTA_PAGE = (("startIndex", 1), ("count", 100))
_ENTRA_GROUP = (("excludedAttributes", "members"),)


def _lookup(
    check_id: str,
    rule: str,
    title: str,
    levels: Levels,
    *,
    kind: str,
    expression: str,
    expect: tuple[str, ...],
    why: str,
    before: tuple[tuple[str, str | int], ...] = (),
    after: tuple[tuple[str, str | int], ...] = (),
) -> Check:
    """A lookup of one existing resource by a unique value, sent as the IdP sends it."""
    return case(
        check_id,
        rule,
        title,
        **levels,
        needs=USERS if kind == "users" else GROUPS,
        mutating=True,
        kind=kind,
        filter=expression,
        expect=expect,
        why=why,
        before=before,
        after=after,
    )


#: Unscoped on purpose: each names a value only one resource has, and is the
#: very query string the IdP sends (Okta adds startIndex/count after the filter,
#: Entra puts excludedAttributes=members before it for groups).
LOOKUP_CASES = [
    _lookup(
        "filter.eq.username",
        f"{FILTERING}; Okta 'determine if the user already exists'; Entra [T] 'Get User by query'",
        'userName eq "x" returns exactly the user whose userName is x, not the near misses',
        ALL_MUST,
        kind="users",
        expression='userName eq "{alpha}"',
        expect=("alpha",),
        why="eq: 'the attribute and operator values must be identical'",
    ),
    _lookup(
        "filter.eq.username-case",
        f"{FILTERING}; RFC 7643 §4.1.1 (userName caseExact false); Okta OIN SPEC test",
        'userName eq "X" finds the user created as "x": userName is compared without case',
        ALL_MUST,
        kind="users",
        expression='userName eq "{alpha_upper}"',
        expect=("alpha",),
        why="userName is caseExact false (RFC 7643 §4.1.1), so the upper-cased name matches",
    ),
    _lookup(
        "filter.eq.externalid",
        f"{FILTERING}; RFC 7643 §3.1; Entra [T] matching on externalId",
        'externalId eq "x" returns exactly the user with that externalId',
        {"rfc": "must"},
        kind="users",
        expression='externalId eq "{alpha_ext}"',
        expect=("alpha",),
        why="externalId eq is how Entra finds an existing user; 'alphabet' only shares a prefix",
    ),
    _lookup(
        "filter.eq.displayname",
        f"{FILTERING}; Okta group push lookup; Entra [T] 'Get Group by displayName'",
        'Groups: displayName eq "x" returns exactly the group named x, not "x" + one letter',
        ALL_MUST,
        kind="groups",
        expression='displayName eq "{team}"',
        expect=("team",),
        why="eq needs identical values; the decoy group's name only starts with it",
    ),
    _lookup(
        "filter.eq.displayname-case",
        f"{FILTERING}; RFC 7643 §4.2 (displayName caseExact false); {CASE_EXACT}",
        "Groups: displayName eq in another case still finds the group (caseExact false)",
        RFC_MUST,
        kind="groups",
        expression='displayName eq "{team_upper}"',
        expect=("team",),
        why="Group displayName is caseExact false (RFC 7643 §4.2 and §8.7.1)",
    ),
    _lookup(
        "filter.okta.user-lookup",
        "Okta SCIM 2.0 reference: create = GET /Users?filter=userName eq …&startIndex=1"
        f"&count=100, then POST only if none; {FILTERING}",
        "Okta's exact lookup (filter with startIndex=1&count=100) returns the one existing user",
        {"rfc": "should"},
        kind="users",
        expression='userName eq "{alpha}"',
        expect=("alpha",),
        why="Okta links the user it finds here; a miss makes it POST a duplicate (409)",
        after=_OKTA_PAGE,
    ),
    _lookup(
        "filter.okta.group-lookup",
        f"Okta group push: GET /Groups?filter=displayName eq …&startIndex=1&count=100; {FILTERING}",
        "Okta's exact group lookup returns the existing group, not the one with a longer name",
        {"rfc": "should"},
        kind="groups",
        expression='displayName eq "{team}"',
        expect=("team",),
        why="Okta links the group it finds here before pushing memberships",
        after=_OKTA_PAGE,
    ),
    _lookup(
        "filter.entra.group-lookup",
        "Entra [T] 'Get Group by displayName': GET /Groups?excludedAttributes=members&filter=…; "
        f"{FILTERING}",
        "Entra's exact group lookup (with excludedAttributes=members) returns the existing group",
        {"rfc": "should"},
        kind="groups",
        expression='displayName eq "{team}"',
        expect=("team",),
        why="Entra creates a duplicate group when this lookup misses",
        before=_ENTRA_GROUP,
    ),
]


@check_table(LOOKUP_CASES)
def test_lookup(target: Target, case: Check) -> None:
    kind = case.params["kind"]
    population = users(target) if kind == "users" else groups(target)
    text = population.format(case.params["filter"])
    pairs = (*case.params["before"], ("filter", text), *case.params["after"])
    response = target.get(list_path("/Users" if kind == "users" else "/Groups", *pairs))
    explain_refusal(target, text, response)
    expect_matches(population, response, text, case.params["expect"], case.params["why"])


def _miss(
    check_id: str,
    rule: str,
    title: str,
    levels: Levels,
    *,
    endpoint: str,
    order: tuple[str, ...],
    why: str,
) -> Check:
    return case(
        check_id,
        rule,
        title,
        **levels,
        needs=USERS if endpoint == "/Users" else GROUPS,
        endpoint=endpoint,
        order=order,
        why=why,
    )


#: A lookup of a fresh GUID nobody has, parameters in the IdP's order: the answer
#: is 200 and an empty ListResponse, the one shape an IdP reads as "not there, create it".
MISS_CASES = [
    _miss(
        "filter.empty-200",
        "RFC 7644 §3.4.2 ('A query that does not return any matches SHALL return success "
        "… with totalResults set to a value of 0'); Entra [T] Test Connection",
        "a filter that matches no user answers 200 with an empty ListResponse, never 404",
        ALL_MUST,
        endpoint="/Users",
        order=("filter",),  # Entra's Test Connection: a random GUID as the userName
        why="no user has that userName",
    ),
    _miss(
        "filter.empty-200.groups",
        "RFC 7644 §3.4.2; Entra [T] Test Connection and 'Get Group by displayName'",
        "a Groups filter that matches nothing answers 200 with an empty ListResponse, never 404",
        ALL_MUST,
        endpoint="/Groups",
        order=("excludedAttributes", "filter"),
        why="no group has that displayName",
    ),
    _miss(
        "filter.okta.user-lookup-miss",
        "Okta OIN SPEC test 'filter on a random userName → 200, 0 results'; RFC 7644 §3.4.2",
        "Okta's exact lookup for a userName nobody has answers 200 with totalResults 0, not 404",
        {"rfc": "must"},
        endpoint="/Users",
        order=("filter", "startIndex", "count"),
        why="Okta treats anything but 200 with 0 results as an error",
    ),
]


@check_table(MISS_CASES)
def test_lookup_miss(target: Target, case: Check) -> None:
    endpoint = case.params["endpoint"]
    attribute = "userName" if endpoint == "/Users" else "displayName"
    text = f'{attribute} eq "{uuid.uuid4()}"'
    known: dict[str, str | int] = {
        "filter": text,
        "excludedAttributes": "members",
        "startIndex": 1,
        "count": 100,
    }
    pairs = [(name, known[name]) for name in case.params["order"]]
    response = target.get(list_path(endpoint, *pairs))
    explain_refusal(target, text, response)
    expect_empty(response, text, case.params["why"])


# -- string operators and caseExact ------------------------------------------

_USERNAME = "userName is caseExact false (RFC 7643 §4.1.1): case is ignored"
_EXTERNAL_ID = "externalId is caseExact true (RFC 7643 §3.1): case matters"
_ID = "id is caseExact true (RFC 7643 §3.1): case matters"


def _operator(
    check_id: str,
    title: str,
    expression: str,
    expect: tuple[str, ...],
    why: str,
    *,
    rule: str = f"{FILTERING}; {CASE_EXACT}",
    scoped: bool = True,
    levels: Levels = RFC_MUST,
    inactive: bool = False,
) -> Check:
    return case(
        check_id,
        rule,
        title,
        **levels,
        needs=USERS,
        mutating=True,
        filter=expression,
        expect=expect,
        why=why,
        scoped=scoped,
        inactive=inactive,
    )


STRING_CASES = [
    _operator(
        "filter.eq.externalid-case",
        "externalId eq with the value in another case matches nothing (caseExact true)",
        'externalId eq "{alpha_ext_swapped}"',
        (),
        f"{_EXTERNAL_ID}; alpha's externalId differs only in case",
        scoped=False,
    ),
    _operator(
        "filter.eq.id",
        "id eq returns exactly the resource with that id",
        'id eq "{alpha_id}"',
        ("alpha",),
        "id is the server-assigned identifier (RFC 7643 §3.1)",
        scoped=False,
    ),
    _operator(
        "filter.ne",
        "ne excludes the user whose userName equals the value, ignoring case",
        'userName ne "{alpha_upper}"',
        ("alphabet", "xalpha", "beta", "esc"),
        f"ne: 'the attribute and operator values are not identical'; {_USERNAME}",
    ),
    _operator(
        "filter.ne.externalid-case",
        "ne on externalId keeps the user whose value differs only in case (caseExact true)",
        'externalId ne "{alpha_ext_swapped}"',
        ("alpha", "alphabet", "xalpha", "beta", "esc"),
        f"{_EXTERNAL_ID}: no externalId is identical to the value",
    ),
    _operator(
        "filter.co",
        "co matches userNames containing the value, ignoring case",
        'userName co "LPHA@EXAMPLE.COM"',
        ("alpha", "xalpha"),
        f"co: 'the entire operator value must be a substring'; {_USERNAME}; "
        "'alphabet@…' does not contain it",
    ),
    _operator(
        "filter.co.externalid-case",
        "co on externalId is case-sensitive: a substring in another case does not match",
        'externalId co "-Alpha"',
        ("alpha",),
        f"{_EXTERNAL_ID}; 'Ext-alphabet' contains it only ignoring case",
    ),
    _operator(
        "filter.sw",
        "sw matches userNames starting with the value, ignoring case",
        'userName sw "{PU}ALPHA"',
        ("alpha", "alphabet"),
        f"sw: the value must be a prefix; {_USERNAME}; 'xalpha' only contains it",
    ),
    _operator(
        "filter.sw.externalid-case",
        "sw on externalId is case-sensitive: 'EXT-…' and 'ext-…' do not start with 'Ext-'",
        'externalId sw "{P}Ext-"',
        ("alpha", "alphabet", "xalpha"),
        f"{_EXTERNAL_ID}; beta ('EXT-BETA') and esc ('ext-esc') differ only in case",
    ),
    _operator(
        "filter.ew",
        "ew matches userNames ending with the value, ignoring case",
        'userName ew "ALPHA@EXAMPLE.COM"',
        ("alpha", "xalpha"),
        f"ew: the value must be a suffix; {_USERNAME}; 'alphabet@…' does not end with it",
    ),
    _operator(
        "filter.ew.externalid-case",
        "ew on externalId is case-sensitive: only the value ending in 'ALPHA' matches",
        'externalId ew "ALPHA"',
        ("xalpha",),
        f"{_EXTERNAL_ID}; alpha ends with 'Alpha', which matches only ignoring case",
    ),
    # Ordering: the literals differ from the stored names at a letter before any
    # punctuation, so code-point order, case-folded order and locale collations
    # (which skip '@', '.', '-') agree on the answer; they are upper-case while
    # the names are lower-case, so a case-sensitive comparison gets it wrong.
    _operator(
        "filter.gt-ge-lt-le.string.gt",
        "gt on userName compares lexicographically, ignoring case",
        'userName gt "{PU}B"',
        ("beta", "esc", "xalpha"),
        f"gt: 'lexicographical comparison' for strings; {_USERNAME}",
    ),
    _operator(
        "filter.gt-ge-lt-le.string.ge",
        "ge on userName includes the equal value (in another case) and the greater ones",
        'userName ge "{beta_upper}"',
        ("beta", "esc", "xalpha"),
        f"ge: greater than or equal, lexicographically; {_USERNAME}",
    ),
    _operator(
        "filter.gt-ge-lt-le.string.lt",
        "lt on userName compares lexicographically, ignoring case",
        'userName lt "{PU}B"',
        ("alpha", "alphabet"),
        f"lt: 'lexicographical comparison' for strings; {_USERNAME}",
    ),
    _operator(
        "filter.gt-ge-lt-le.string.le",
        "le on userName includes the equal value (in another case) and the smaller ones",
        'userName le "{beta_upper}"',
        ("alpha", "alphabet", "beta"),
        f"le: less than or equal, lexicographically; {_USERNAME}",
    ),
    _operator(
        "filter.pr",
        "pr matches only users whose title has a value",
        "{title} pr",
        ("alpha", "xalpha", "esc"),
        "pr: 'if the attribute has a non-empty value … there is a match'; "
        "alphabet and beta were created without a title",
        rule=FILTERING,
    ),
    _operator(
        "filter.boolean.eq-false",
        "active eq false returns the inactive users only",
        "active eq false",
        ("beta",),
        "only beta was created with active false (RFC 7643 §4.1.1 'active')",
        rule=f"{FILTERING}; RFC 7643 §2.3.2",
        inactive=True,
    ),
    _operator(
        "filter.boolean.eq-true",
        "active eq true returns the active users only",
        "active eq true",
        ("alpha", "alphabet", "xalpha", "esc"),
        "beta was created with active false",
        rule=f"{FILTERING}; RFC 7643 §2.3.2",
        inactive=True,
    ),
    _operator(
        "filter.subattr-complex",
        "a sub-attribute of a complex attribute (name.familyName) is filtered with dot notation",
        'name.familyName eq "{P}Lovelace"',
        ("alpha",),
        "'For complex attributes, a fully qualified sub-attribute MUST be specified "
        "using standard attribute notation' (RFC 7644 §3.10); 'Lovelace-King' and "
        "'XLovelace' only overlap it",
        rule=f"{FILTERING}; RFC 7644 §3.10",
    ),
    # JSON escapes (compValue follows RFC 7159): esc's title is
    # Q "quoted" back\slash café; xalpha's title is the escape-free spelling.
    _operator(
        "filter.string-escapes.quote",
        'an escaped quote (\\") in a filter value is read as a quote character',
        '{title} co "\\"quoted\\""',
        ("esc",),
        'compValue strings follow JSON (RFC 7159 §7): \\" is a quotation mark',
        rule=f"{FILTERING} (compValue); RFC 7159 §7",
    ),
    _operator(
        "filter.string-escapes.backslash",
        "an escaped backslash (\\\\) in a filter value is read as one backslash",
        '{title} co "back\\\\slash"',
        ("esc",),
        "compValue strings follow JSON (RFC 7159 §7): \\\\ is one backslash; "
        "xalpha's 'backslash' has none",
        rule=f"{FILTERING} (compValue); RFC 7159 §7",
    ),
    _operator(
        "filter.string-escapes.unicode",
        "a \\u00e9 escape in a filter value is read as the character é",
        '{title} co "caf\\u00e9"',
        ("esc",),
        "compValue strings follow JSON (RFC 7159 §7): \\u00e9 is é; xalpha has 'cafe'",
        rule=f"{FILTERING} (compValue); RFC 7159 §7",
    ),
]


@check_table(STRING_CASES)
def test_string_operators(target: Target, case: Check) -> None:
    population = users(target)
    if "{title}" in case.params["filter"] and "title" not in population.values:
        pytest.skip(no_choice_reason(SINGULAR_STRING_CORE))
    text = population.format(case.params["filter"])
    if case.params["scoped"]:
        text = scope_to(target, population, text)
    if case.params["inactive"] and population.resources["beta"].get("active") is not False:
        pytest.skip(
            "the target answered beta's creation with active = "
            f"{population.resources['beta'].get('active')!r}, not false: nothing to filter on "
            "(the users checks report that)"
        )
    response = query(target, "/Users", text)
    expect_matches(population, response, text, case.params["expect"], case.params["why"])


@check(
    "filter.pr.complex",
    f"{FILTERING} (pr: 'or if it contains a non-empty node for complex attributes')",
    "emails pr matches a user with e-mails and not a user created without any",
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_pr_complex(target: Target) -> None:
    # A user of its own: the shared population all have e-mails, because many
    # targets require one; if this target refuses a user without, say so.
    population = users(target)
    bare = target.user_body("flt-noemail", emails=...)
    response = target.post("/Users", bare)
    if response.status in (400, 409, 422):
        pytest.skip(f"the target refuses a user without e-mails (HTTP {response.status})")
    with precondition("creating a user without e-mails"):
        created = expect_resource(response, 201, 200, what="POST /Users")
    pair = Population(
        population.prefix,
        {"alpha": population.resources["alpha"], "noemail": created},
        population.values,
        {"alpha": population.labels["alpha"], "noemail": f"noemail <{bare['userName']}>"},
    )
    for key, expected in (("noemail", []), ("alpha", ["alpha"])):
        name = bare["userName"] if key == "noemail" else population.values["alpha"]
        text = f'emails pr and userName eq "{name}"'
        why = "noemail was created without emails" if key == "noemail" else "alpha has two"
        expect_matches(pair, query(target, "/Users", text), text, expected, why)


@check(
    "filter.eq.id-case",
    f"{FILTERING}; RFC 7643 §3.1 (id caseExact true); {CASE_EXACT}",
    "id eq with the id in another case matches nothing (caseExact true)",
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_eq_id_case(target: Target) -> None:
    population = users(target)
    original = population.id("alpha")
    swapped = original.swapcase()
    if swapped == original:
        pytest.skip(f"the target's ids have no letters ({original!r}): case cannot be varied")
    text = f'id eq "{swapped}"'
    expect_matches(
        population,
        query(target, "/Users", text),
        text,
        [],
        f"{_ID}; alpha's id is {original!r}",
    )


# -- dateTime: chronological, not string, comparison --------------------------


def _instant(text: Any) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _literal(instant: datetime, offset_hours: int) -> str:
    """``instant`` as an xsd:dateTime written in another UTC offset (same instant)."""
    zone = timezone(timedelta(hours=offset_hours))
    return instant.astimezone(zone).isoformat(timespec="milliseconds")


def _bound(population: Population, attribute: str) -> tuple[datetime, datetime]:
    """The earliest and latest value of ``meta.<attribute>`` over the population."""
    found = []
    for key, body in population.resources.items():
        raw = (body.get("meta") or {}).get(attribute)
        instant = _instant(raw)
        if instant is None:
            pytest.skip(
                f"user {key} was returned with meta.{attribute} = {raw!r}, not an xsd:dateTime "
                "with a time zone (RFC 7643 §3.1, §2.3.5): nothing to compare with"
            )
        found.append(instant)
    return min(found), max(found)


def _datetime_case(op: str, attribute: str, hit: tuple[str, int], miss: tuple[str, int]) -> Check:
    return case(
        f"filter.gt-ge-lt-le.datetime.{op}",
        f"{FILTERING} ('for DateTime types, it is a chronological comparison'); RFC 7643 §2.3.5",
        f"{op} on meta.{attribute} compares instants, also when the value has another UTC offset",
        **RFC_MUST,
        needs=USERS,
        mutating=True,
        op=op,
        attribute=attribute,
        hit=hit,
        miss=miss,
    )


#: (side, offset hours): "early" = 2 s before the earliest value, "late" = 2 s
#: after the latest. Written in an offset whose wall-clock text sorts the other
#: way than the instant, so a string comparison gives the wrong answer both times.
DATETIME_CASES = [
    _datetime_case("gt", "lastModified", hit=("early", 1), miss=("late", -5)),
    _datetime_case("ge", "created", hit=("early", 2), miss=("late", -4)),
    _datetime_case("lt", "lastModified", hit=("late", -5), miss=("early", 1)),
    _datetime_case("le", "created", hit=("late", -4), miss=("early", 2)),
]


@check_table(DATETIME_CASES)
def test_datetime_operators(target: Target, case: Check) -> None:
    population = users(target)
    attribute, op = case.params["attribute"], case.params["op"]
    earliest, latest = _bound(population, attribute)
    margin = timedelta(seconds=2)
    sides = {"early": earliest - margin, "late": latest + margin}
    everyone = population.keys
    for outcome, (side, offset) in (("hit", case.params["hit"]), ("miss", case.params["miss"])):
        literal = _literal(sides[side], offset)
        text = scope_to(target, population, f'meta.{attribute} {op} "{literal}"')
        where = "before" if side == "early" else "after"
        why = (
            f"{literal} is 2 s {where} every population user's meta.{attribute} "
            f"({earliest.isoformat()} … {latest.isoformat()}); dateTime compares as instants"
        )
        expect_matches(
            population,
            query(target, "/Users", text),
            text,
            everyone if outcome == "hit" else (),
            why,
        )
