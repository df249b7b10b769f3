"""Filters, part 2: logic, structure and refusals (RFC 7644 §3.4.2.2, §3.10, §3.12).

What is checked here: ``and``/``or``/``not``, the order of operations
("Grouping operators", then "not" over "and" over "or"), operator and
attribute names in any case, value paths (``emails[type eq "work" and …]``,
applied to one and the same value), sub-attributes of multi-valued
attributes (any value matches, each resource returned once), fully
URN-qualified attribute names (core and enterprise extension), near misses
that ``eq`` must never return, and the refusals: malformed filters and
ordering operators on booleans answer 400 ``invalidFilter`` (never 500, never
a silently ignored filter); an unknown attribute answers 400 or nothing.

The population and the helpers are those of
:mod:`harness.conformance.test_filters` (read that module's docstring for the
decoys and for the levels under the IdP profiles).
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.client import ScimResponse
from harness.conformance.expect import (
    describe,
    ensure,
    expect_error,
    expect_json,
    fail,
    precondition,
    resources_of,
)
from harness.conformance.learned import IDP_FILTERS, explain_refusal, is_refusal
from harness.conformance.registry import Check, Level, case, check, check_table
from harness.conformance.support import Levels, expect_scim_type_or_none
from harness.conformance.target import Target
from harness.conformance.test_filters import (
    ALL_MUST,
    FILTERING,
    RFC_MUST,
    USERS,
    _operator,
    expect_matches,
    query,
    scope_to,
    search,
    users,
)
from harness.scim.schema import ENTERPRISE_USER_URN

LOGIC = f"{FILTERING} (Table 4 logical operators, order of operations)"


def _logic(
    check_id: str,
    title: str,
    expression: str,
    expect: tuple[str, ...],
    why: str,
    *,
    rule: str = LOGIC,
    levels: Levels = RFC_MUST,
    scoped: bool = False,
) -> Check:
    """A logical-operator row: an operator row with its own rule and unscoped by default."""
    return _operator(
        check_id, title, expression, expect, why, rule=rule, levels=levels, scoped=scoped
    )


#: Most rows combine equalities on unique userNames, so their answer is exact
#: without scoping; each is built so that a wrong reading gives another answer.
LOGIC_CASES = [
    _logic(
        "filter.and",
        "and matches only users satisfying both sides",
        'userName eq "{alpha}" and externalId eq "{alpha_ext}"',
        ("alpha",),
        "and: 'the filter is a match if both subexpressions evaluate to true'",
        levels={"rfc": "must"},
    ),
    _logic(
        "filter.and.one-side-false",
        "and does not match when only the first side is true",
        'userName eq "{alpha}" and externalId eq "{alphabet_ext}"',
        (),
        "alpha's externalId is not alphabet's, so the second side is false",
        levels={"rfc": "must"},
    ),
    _logic(
        "filter.or",
        "or matches users satisfying either side",
        'userName eq "{alpha}" or userName eq "{beta}"',
        ("alpha", "beta"),
        "or: 'the filter is a match if either subexpression evaluates to true'",
    ),
    _logic(
        "filter.not",
        "not (…) matches exactly the users the inner filter does not match",
        'not (userName eq "{alpha}")',
        ("alphabet", "beta", "esc", "xalpha"),
        "not: 'reverses the result of the filter'; only alpha has that userName",
        scoped=True,
    ),
    _logic(
        "filter.precedence",
        "and binds tighter than or: a or b and c means a or (b and c)",
        'userName eq "{beta}" or userName eq "{alpha}" and active eq true',
        ("alpha", "beta"),
        "'not' takes precedence over 'and', which takes precedence over 'or': beta matches "
        "the left side; read as (a or b) and c it would be dropped (beta is inactive)",
    ),
    _logic(
        "filter.precedence.and-first",
        "a and b or c means (a and b) or c, not a and (b or c)",
        'userName eq "{alpha}" and active eq false or userName eq "{alphabet}"',
        ("alphabet",),
        "'and' before 'or': alphabet matches the right side of the or; read as "
        "a and (b or c) nothing would match",
    ),
    _logic(
        "filter.grouping",
        "parentheses override the precedence of and over or",
        '(userName eq "{beta}" or userName eq "{alpha}") and active eq true',
        ("alpha",),
        "grouping operators come first; beta is inactive, so only alpha is left",
    ),
    _logic(
        "filter.op-case",
        "attribute names and operators are case-insensitive (USERNAME EQ)",
        'USERNAME EQ "{alpha}"',
        ("alpha",),
        "'Attribute names and attribute operators used in filters are case insensitive'",
        rule=FILTERING,
    ),
    _logic(
        "filter.op-case.logical",
        "logical operators are case-insensitive too (OR, AND, NOT), and none is ignored",
        '(USERNAME eq "{beta}" OR userName Eq "{alpha}") AND NOT (username EQ "{beta}")',
        ("alpha",),
        "operators are case insensitive; ignoring OR would give nothing, ignoring AND "
        "would keep beta",
        rule=FILTERING,
    ),
    _logic(
        "filter.urn-attr.core",
        "a fully URN-qualified core attribute name filters like the short name",
        'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "{alpha}"',
        ("alpha",),
        "attrPath = [URI ':'] ATTRNAME (RFC 7644 §3.4.2.2 ABNF, §3.10)",
        rule=f"{FILTERING}; RFC 7644 §3.10",
    ),
    _logic(
        "filter.subattr-multi",
        "emails.value eq matches a user when any of its e-mails equals the value",
        'emails.value eq "{P}alpha@home.example.org"',
        ("alpha",),
        "'if a User has multiple emails values, only one has to match' — here the non-primary one",
        rule=f"{FILTERING} (multi-valued attributes)",
    ),
    _logic(
        "filter.subattr-multi.no-duplicates",
        "a user with several matching values is returned once and counted once",
        'emails.value co "alpha@"',
        ("alpha", "xalpha"),
        "alpha and xalpha each have two e-mails containing it; a resource matches or not, "
        "it is not one result per value",
        rule=f"{FILTERING} (multi-valued attributes); RFC 7644 §3.4.2",
        scoped=True,
    ),
]


#: Rows that judge the *spelling* of a filter (case of names and operators) first
#: send the same filter spelled canonically: when that answer is already wrong,
#: the defect is the operator itself (``filter.not``, ``filter.or`` … judge it),
#: and the spelling check is blocked rather than failed for someone else's cause.
CANONICAL: dict[str, str] = {
    "filter.op-case": 'userName eq "{alpha}"',
    "filter.op-case.logical": (
        '(userName eq "{beta}" or userName eq "{alpha}") and not (userName eq "{beta}")'
    ),
}


@check_table(LOGIC_CASES)
def test_logic(target: Target, case: Check) -> None:
    population = users(target)
    canonical = CANONICAL.get(case.id)
    if canonical is not None:
        plain = population.format(canonical)
        with precondition(f"the same filter spelled canonically: {plain}"):
            answer = search(target, "/Users", plain)
            expect_matches(population, answer, plain, case.params["expect"], case.params["why"])
    text = population.format(case.params["filter"])
    if case.params["scoped"]:
        text = scope_to(target, population, text)
    response = query(target, "/Users", text)
    expect_matches(population, response, text, case.params["expect"], case.params["why"])


# -- value paths (Table 5 "[]": optional, but exact when offered) ------------


def _value_path_or_skip(response: ScimResponse) -> None:
    """Value filters are a MAY (Table 5); a 400 invalidFilter declines them, honestly."""
    body = response.body if isinstance(response.body, dict) else {}
    if response.status == 400 and body.get("scimType") == "invalidFilter":
        pytest.skip(
            "the target declines value filters with 400 invalidFilter; RFC 7644 §3.4.2.2 "
            "Table 5 makes '[…]' a MAY"
        )


@check(
    "filter.valuepath",
    f"{FILTERING} (Table 5 '[]': 'expressions MUST be applied to the same value')",
    'emails[type eq "work" and value co "…"] matches users whose work e-mail contains the value',
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_valuepath(target: Target) -> None:
    population = users(target)
    text = scope_to(target, population, 'emails[type eq "work" and value co "alpha@work"]')
    response = query(target, "/Users", text)
    _value_path_or_skip(response)
    why = "alpha and xalpha have such a work e-mail; 'alphabet@work…' does not contain it"
    expect_matches(population, response, text, ["alpha", "xalpha"], why)


@check(
    "filter.valuepath.same-element",
    f"{FILTERING} (Table 5 '[]': 'expressions MUST be applied to the same value')",
    "a value filter's conditions must hold on one and the same e-mail, not on two different ones",
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_valuepath_same_element(target: Target) -> None:
    population = users(target)
    home = scope_to(target, population, 'emails[type eq "home" and value co "@home."]')
    response = query(target, "/Users", home)
    _value_path_or_skip(response)
    expect_matches(
        population, response, home, ["alpha", "xalpha"], "both have a home e-mail at @home."
    )
    # alpha and xalpha have a work e-mail and an '@home.' e-mail, but no single
    # e-mail is both: a server that tests each condition on any element returns them.
    work = scope_to(target, population, 'emails[type eq "work" and value co "@home."]')
    expect_matches(
        population,
        query(target, "/Users", work),
        work,
        [],
        "no single e-mail is of type work and contains '@home.' (the conditions apply to "
        "the same value)",
    )


# -- the enterprise extension by its URN -------------------------------------


@check(
    "filter.urn-attr",
    f"{FILTERING}; RFC 7644 §3.10; RFC 7643 §4.3",
    "an enterprise extension attribute filters by its full URN-qualified name",
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_urn_attr(target: Target) -> None:
    population = users(target)
    if not population.enterprise:
        pytest.skip(
            f"the target's /ResourceTypes does not list {ENTERPRISE_USER_URN} as a "
            "schemaExtension of Users"
        )
    text = scope_to(
        target, population, f'{ENTERPRISE_USER_URN}:employeeNumber eq "{population.prefix}1001"'
    )
    expect_matches(
        population,
        query(target, "/Users", text),
        text,
        ["alpha"],
        "alpha's employeeNumber; alphabet's ('…10010') and xalpha's ('…01001') only overlap it",
    )


# -- eq never returns near misses --------------------------------------------


@check(
    "filter.decoy",
    f"{FILTERING} ('only those resources matching the filter expression SHALL be returned'; "
    "eq: 'identical')",
    "eq never returns a user whose userName only nearly matches the value",
    **ALL_MUST,
    needs=USERS,
    mutating=True,
)
def test_decoy(target: Target) -> None:
    population = users(target)
    name = population.values["alpha"]
    near_misses = {
        "one character short at the end": name[:-1],
        "one character longer at the end": name + "x",
        "missing its first character": name[1:],
        "only the part before the '@'": name.split("@", 1)[0],
    }
    for what, value in near_misses.items():
        text = f'userName eq "{value}"'
        why = f"the value is alpha's userName {what}; eq is not co/sw/ew"
        expect_matches(population, query(target, "/Users", text), text, [], why)


# -- refusals -----------------------------------------------------------------


def _expect_invalid_filter(
    response: ScimResponse, text: str, why: str, *, strict_type: bool
) -> dict[str, Any]:
    """400 with an RFC 7644 §3.12 body; scimType invalidFilter (or, unless strict, absent).

    §3.12 makes ``scimType`` OPTIONAL, so only the ``strict_type`` cases (the
    RFC names invalidFilter for them) and ``filter.invalid-400.scimtype``
    insist on it.
    """
    what = f"filter {text} refused ({why})"
    if strict_type:
        return expect_error(response, 400, "invalidFilter", what=what)
    body = expect_error(response, 400, None, what=what)
    expect_scim_type_or_none(
        body,
        ("invalidFilter",),
        f"scimType 'invalidFilter' or none for filter {text} (RFC 7644 §3.12 Table 9)",
        response,
    )
    return body


@check(
    "filter.gt.boolean-400",
    f"{FILTERING} (gt: 'Boolean and Binary attributes SHALL cause a failed response "
    "(HTTP status code 400) with scimType of invalidFilter')",
    "gt on a boolean attribute (active gt true) is refused with 400 invalidFilter",
    **RFC_MUST,
    needs=USERS,
)
def test_gt_boolean_400(target: Target) -> None:
    # Scoped to a name nobody has (eq only): a wrong 200 reads nothing of the tenant.
    text = f'active gt true and userName eq "{target.unique("flt-none")}"'
    response = search(target, "/Users", text)
    _expect_invalid_filter(response, text, "ordering a boolean", strict_type=True)


@check(
    "filter.gt.boolean-400.binary",
    f"{FILTERING} (gt/ge/lt/le on Binary SHALL fail with 400 invalidFilter)",
    "lt on a binary attribute (x509Certificates.value) is refused with 400 invalidFilter",
    level="should",
    needs=USERS,
)
def test_lt_binary_400(target: Target) -> None:
    # should: a server without x509Certificates may read it as an unknown attribute
    # and answer 200 with nothing (filter.unknown-attr); the RFC leaves that open.
    text = f'x509Certificates.value lt "AAAA" and userName eq "{target.unique("flt-none")}"'
    response = search(target, "/Users", text)
    _expect_invalid_filter(response, text, "ordering a binary value", strict_type=True)


def _invalid(check_id: str, title: str, text: str, *, strict: bool = False, **levels: Any) -> Check:
    return case(
        f"filter.invalid-400.{check_id}",
        f"{FILTERING} (Figure 1 ABNF); RFC 7644 §3.12 (invalidFilter: 'The specified filter "
        "syntax was invalid')",
        title,
        **(levels or RFC_MUST),
        needs=USERS,
        filter=text,
        strict=strict,
    )


#: Malformed filters: each must be refused, never answered 500 nor read as
#: something else (an ignored clause returns data the client did not ask for).
INVALID_CASES = [
    _invalid("unbalanced-open", "a missing ')' is refused", '(userName eq "x"'),
    _invalid("unbalanced-close", "a stray ')' is refused", 'userName eq "x")'),
    _invalid("unbalanced-bracket", "a value filter without ']' is refused", 'emails[type eq "x"'),
    _invalid(
        "unknown-operator",
        "an operator that does not exist ('regex') is refused with invalidFilter",
        'userName regex "x"',
        strict=True,
    ),
    _invalid("missing-value", "a comparison without a value is refused", "userName eq"),
    _invalid(
        "trailing-garbage", "text after a complete expression is refused", 'userName eq "x" zz'
    ),
    _invalid("bare-word", "an attribute name alone is refused", "userName"),
    _invalid(
        "unquoted-string",
        "a string value without quotes is refused (compValue is JSON)",
        "userName eq x",
    ),
    _invalid(
        "unterminated-string", "a string without its closing quote is refused", 'userName eq "x'
    ),
    _invalid(
        "dangling-logical", "'and' without a right-hand side is refused", 'userName eq "x" and'
    ),
    _invalid(
        "unknown-logical",
        "a logical operator that does not exist ('xor') is refused",
        'userName eq "x" xor userName eq "y"',
    ),
]


@check_table(INVALID_CASES)
def test_invalid_filter(target: Target, case: Check) -> None:
    text = case.params["filter"]
    response = search(target, "/Users", text)
    why = "does not parse as RFC 7644 Figure 1"
    _expect_invalid_filter(response, text, why, strict_type=case.params["strict"])


@check(
    "filter.invalid-400.scimtype",
    "RFC 7644 §3.12 Table 9 (invalidFilter: 'The specified filter syntax was invalid')",
    "every malformed filter is refused with scimType invalidFilter, the keyword defined for it",
    level="should",
    needs=USERS,
)
def test_invalid_filter_scimtype(target: Target) -> None:
    # should: scimType is OPTIONAL in §3.12, but a client can only tell "your filter
    # is wrong" from other 400s by it.
    for spec in INVALID_CASES:
        text = spec.params["filter"]
        response = search(target, "/Users", text)
        _expect_invalid_filter(response, text, "malformed filter", strict_type=True)


@check(
    "filter.unknown-attr",
    f"{FILTERING}; RFC 7644 §3.12 (invalidFilter: 'the specified attribute and filter "
    "comparison combination is not supported')",
    "a filter on an attribute no schema defines is refused (400) or matches nothing — never 500",
    **RFC_MUST,
    needs=USERS,
    mutating=True,
)
def test_unknown_attr(target: Target) -> None:
    # The RFC does not say which (pitfalls §7), so both are accepted; what is
    # not allowed is a 500, or treating the unknown name as matching everything.
    population = users(target)
    text = scope_to(target, population, 'scimhNoSuchAttribute eq "x"')
    response = search(target, "/Users", text)
    if response.status == 400:
        _expect_invalid_filter(response, text, "unknown attribute", strict_type=False)
        return
    if response.status != 200:
        fail(
            f"filter {text}: 400 invalidFilter, or 200 with no result (an attribute no resource "
            "has matches nothing)",
            f"HTTP {response.status or response.error}",
            response,
        )
    body = expect_json(response)
    ensure(
        not resources_of(body),
        f"filter {text} to return nothing: no resource has that attribute",
        f"{len(resources_of(body))} Resources (the unknown attribute was ignored?)",
        response,
    )


# -- a filter silently ignored -------------------------------------------------

OKTA_SCIM_GUIDE = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20"
ENTRA_SCIM_TUTORIAL = (
    "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/"
    "use-scim-to-provision-users-and-groups"
)
#: The lookups each profile's IdP links accounts on (Okta: userName; Entra: userName
#: and externalId); the RFC profile asks both.
IGNORED_LOOKUPS = {
    "rfc": ("userName", "externalId"),
    "okta": ("userName",),
    "entra": ("userName", "externalId"),
}
#: A refusal of a filter: how a server that does not filter should answer (§3.12).
REFUSALS = (400, 403, 501)


def _idp_filters_on(target: Target, attribute: str) -> bool:
    """Whether the profile's IdP looks users up by ``attribute`` (then a refusal fails)."""
    idp = IDP_FILTERS.get(target.profile)
    return idp is not None and attribute.casefold() in idp.attributes


@check(
    "filter.not-ignored",
    f"{FILTERING} ('only those resources matching the filter expression SHALL be "
    "returned'), §3.12 (a filter the server does not support is refused, not ignored); Okta "
    f"looks up userName eq before it creates ({OKTA_SCIM_GUIDE}); Entra matches users with "
    f"userName/externalId eq ({ENTRA_SCIM_TUTORIAL})",
    "a userName eq (and externalId eq) filter returns exactly the one user it names, never "
    "other users or the whole collection; a target that does not filter refuses the filter",
    needs=("Users",),
    mutating=True,
)
def test_filter_not_ignored(target: Target) -> None:
    """The IdPs decide "link or create" on the answer to this lookup: a filter that is
    ignored links the first user of an unfiltered list — someone else's account. So it
    fails under ``okta`` and ``entra`` whatever the ServiceProviderConfig says. Under
    ``rfc`` it fails too, unless the SPC says ``filter.supported: false``: the target
    then said it does not filter, and ignoring instead of refusing (§3.12) is only a
    warning."""
    claimed = target.capabilities.has("filter")
    # A refusal is fine under rfc unless filter is claimed; ignoring the filter is only
    # lowered when the SPC validly says filter.supported false (an unreadable SPC says nothing).
    refusal_ok = target.profile == "rfc" and not claimed
    lowered = refusal_ok and target.capabilities.declares_unsupported("filter")
    at_most: Level | None = "should" if lowered else None
    note = (
        " (a warning only: the ServiceProviderConfig says filter.supported is false; such "
        "a target should refuse the filter, RFC 7644 §3.12)"
        if lowered
        else ""
    )
    user = target.create_user("not-ignored")
    target.create_user("not-ignored-decoy")  # an ignored filter returns it as well
    refused: list[str] = []
    for attribute in IGNORED_LOOKUPS.get(target.profile, IGNORED_LOOKUPS["rfc"]):
        value = user.get(attribute)
        if not isinstance(value, str):
            continue
        text = f'{attribute} eq "{value}"'
        response = search(target, "/Users", text)
        if response.status in REFUSALS and isinstance(response.body, dict) and refusal_ok:
            refused.append(text)
            continue  # refused, as a target that does not filter should
        if is_refusal(response) and not _idp_filters_on(target, attribute):
            refused.append(text)
            continue  # refusing an attribute is no ignoring (RFC 7644 §3.12 Table 9)
        explain_refusal(target, text, response)  # the IdP's lookup refused: in its words
        if response.status != 200:
            fail(
                f"filter {text}: a ListResponse with the one user it names"
                + ("" if claimed else ", which the IdP needs whatever the SPC claims"),
                describe(response),
                response,
                at_most=at_most,
            )
        body = expect_json(response, f"filter {text}: a ListResponse (RFC 7644 §3.4.2)")
        ids = [str(item.get("id")) for item in resources_of(body)]
        others = [i for i in ids if i != user["id"]]
        total = body.get("totalResults")
        if others or (isinstance(total, int) and total > 1):
            fail(
                f"filter {text} to return only the user it names ({FILTERING})",
                f"{len(ids)} Resources, {len(others)} of them other users, totalResults "
                f"{total!r}: the filter was ignored{note}",
                response,
                at_most=at_most,
            )
        if user["id"] not in ids:
            fail(
                f"filter {text} to return the user created with that {attribute}",
                f"{len(ids)} Resources, totalResults {total!r}, without it{note}",
                response,
                at_most=at_most,
            )
    if refused and len(refused) == len(
        [a for a in IGNORED_LOOKUPS.get(target.profile, IGNORED_LOOKUPS["rfc"]) if user.get(a)]
    ):
        pytest.skip(f"the target refused every lookup ({'; '.join(refused)}): none was ignored")
