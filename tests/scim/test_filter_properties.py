"""Properties of filters (RFC 7644 §3.4.2.2), checked with hypothesis.

Filters are drawn from the grammar over the User schema and resources at
random (harness/fuzz/filters.py):

* the text of a tree parses back to the tree (``str`` is faithful);
* Boolean laws hold on evaluation: De Morgan, double negation, ``x ne v`` ≡
  ``not (x eq v)`` on single-valued attributes (pitfalls §1);
* ``caseExact: false`` values, attribute names and operators may change case
  (RFC 7643 §2.1, §2.2; RFC 7644 §3.4.2.2) and redundant parentheses may be
  added without changing the parse or the result;
* ``a or b and c`` ≡ ``a or (b and c)`` and ≢ ``(a or b) and c``;
* robustness: arbitrary text gives a Filter or 400 invalidFilter (a PatchPath
  or 400 invalidPath), and evaluation of a valid filter never raises, whatever
  the stored resource holds.
"""

from __future__ import annotations

import random
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from harness.fuzz.filters import (
    SYNTAX_PIECES,
    case_insensitive_string_comparisons,
    casefold_names,
    filters,
    flip_ascii_case,
    junk_resources,
    render,
    single_valued_comparisons,
    stored_resources,
    syntax_soup,
)
from harness.scim.errors import ScimError
from harness.scim.expr import And, Compare, Filter, Not, Or, PatchPath, Present, ValuePath
from harness.scim.filters import compile_filter, matches, parse_filter, validate_filter
from harness.scim.paths import parse_path
from harness.scim.schema import USER

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def holds(expr: Filter, resource: dict[str, Any]) -> bool:
    return matches(expr, resource, USER)


@FAST
@given(filters())
def test_text_round_trip(expr: Filter) -> None:
    """parse(str(f)) == f: the canonical text of a tree is read back as that tree,
    JSON literals (escapes, numbers, true/false/null) included."""
    validate_filter(expr, USER)
    assert parse_filter(str(expr)) == expr


@FAST
@given(filters(max_leaves=3), filters(max_leaves=3), stored_resources())
def test_de_morgan(a: Filter, b: Filter, resource: dict[str, Any]) -> None:
    """§3.4.2.2 Table 4: not/and/or are the Boolean operators, so
    ``not (a and b)`` ≡ ``not a or not b`` and ``not (a or b)`` ≡ ``not a and not b``."""
    assert holds(Not(And(a, b)), resource) == holds(Or(Not(a), Not(b)), resource)
    assert holds(Not(Or(a, b)), resource) == holds(And(Not(a), Not(b)), resource)


@FAST
@given(filters(), stored_resources())
def test_double_negation(expr: Filter, resource: dict[str, Any]) -> None:
    """``not (not (f))`` ≡ ``f``: "not" inverts a two-valued result (pitfalls §1 makes
    absent attributes false, not unknown)."""
    assert holds(Not(Not(expr)), resource) == holds(expr, resource)
    text = f"not (not ({expr}))"
    assert holds(parse_filter(text), resource) == holds(expr, resource)


@FAST
@given(single_valued_comparisons(), stored_resources())
def test_ne_is_not_eq_on_single_valued_attributes(
    compare: Compare, resource: dict[str, Any]
) -> None:
    """Pitfalls §1: ``x ne v`` ≡ ``not (x eq v)`` on single-valued attributes, absent
    ones included (which is why absent matches ``ne``)."""
    eq, ne = Compare(compare.path, "eq", compare.value), Compare(compare.path, "ne", compare.value)
    assert holds(ne, resource) == holds(Not(eq), resource)


@FAST
@given(case_insensitive_string_comparisons(), stored_resources(), st.randoms(use_true_random=False))
def test_case_of_case_insensitive_values_does_not_matter(
    compare: Compare, resource: dict[str, Any], rng: random.Random
) -> None:
    """RFC 7643 §2.2 caseExact false, §3.4.2.2: the comparison value's case does not
    change the result, for every operator (gt/lt compare the folded strings)."""
    assert isinstance(compare.value, str)
    recased = Compare(compare.path, compare.op, flip_ascii_case(compare.value, rng))
    assert holds(recased, resource) == holds(compare, resource)


@FAST
@given(filters(), stored_resources(), st.randoms(use_true_random=False))
def test_case_of_names_and_operators_does_not_matter(
    expr: Filter, resource: dict[str, Any], rng: random.Random
) -> None:
    """RFC 7643 §2.1 attribute names and RFC 7644 §3.4.2.2 operators are case
    insensitive: the recased text parses to the same tree up to the spelling of names,
    and evaluates the same."""
    parsed = parse_filter(render(expr, rng, recase=True))
    assert casefold_names(parsed) == casefold_names(expr)
    validate_filter(parsed, USER)
    assert holds(parsed, resource) == holds(expr, resource)


@FAST
@given(filters(), st.randoms(use_true_random=False))
def test_redundant_parentheses_keep_the_parse(expr: Filter, rng: random.Random) -> None:
    """§3.4.2.2 Table 5: "( )" only changes the order of operations; redundant ones
    give the very same tree (hence the same result)."""
    assert parse_filter(render(expr, rng, extra_parens=True)) == expr


@FAST
@given(filters(max_leaves=2), filters(max_leaves=2), filters(max_leaves=2), stored_resources())
def test_and_binds_tighter_than_or(
    a: Filter, b: Filter, c: Filter, resource: dict[str, Any]
) -> None:
    """§3.4.2.2: "not" > "and" > "or": ``a or b and c`` is ``a or (b and c)``."""
    text = f"({a}) or ({b}) and ({c})"
    assert parse_filter(text) == Or(a, And(b, c))
    assert holds(parse_filter(text), resource) == (
        holds(a, resource) or (holds(b, resource) and holds(c, resource))
    )


def test_or_then_and_differs_from_and_then_or() -> None:
    """A witness that the two groupings differ: a true, c false gives
    ``a or (b and c)`` true and ``(a or b) and c`` false — the reading
    scim2-filter-parser 0.7.0 would give."""
    resource = {"schemas": [], "title": "Guide", "userType": "Intern", "active": False}
    text = 'title pr or userType eq "Intern" and active eq true'
    assert holds(compile_filter(text, USER), resource) is True
    wrong = compile_filter('(title pr or userType eq "Intern") and active eq true', USER)
    assert holds(wrong, resource) is False


@FAST
@given(filters(), junk_resources())
def test_evaluation_never_raises(expr: Filter, resource: dict[str, Any]) -> None:
    """A valid filter on a resource holding any JSON at any known key answers a bool:
    a stored value of an unexpected type simply does not match."""
    assert holds(expr, resource) in (True, False)
    assert holds(Not(expr), resource) is not holds(expr, resource)


FILTER_NODES = (Compare, Present, And, Or, Not, ValuePath)


def _parse_or_invalid(text: str, parse: Any, scim_type: str, kind: type | tuple[type, ...]) -> None:
    try:
        result = parse(text)
    except ScimError as error:
        assert (error.status, error.scim_type) == (400, scim_type), error
        return
    assert isinstance(result, kind)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), syntax_soup))
@example("a" + " or a pr" * 500)
@example("(" * 5000)
@example("not (" * 2000)
@example("x eq 1" + "0" * 5000)
@example("".join(SYNTAX_PIECES))
def test_arbitrary_text_is_a_filter_or_invalid_filter(text: str) -> None:
    """§3.4.2.2: a filter that cannot be parsed is 400 invalidFilter — never another
    exception (a server answers 400, never 500)."""
    _parse_or_invalid(text, parse_filter, "invalidFilter", FILTER_NODES)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=40), syntax_soup))
@example("emails[" * 3000)
def test_arbitrary_text_is_a_path_or_invalid_path(text: str) -> None:
    """§3.5.2 / §3.12 Table 9: a malformed path is 400 invalidPath, nothing else."""
    _parse_or_invalid(text, parse_path, "invalidPath", PatchPath)


@FAST
@given(syntax_soup)
def test_parsed_text_validates_or_is_invalid_filter(text: str) -> None:
    """Validation of any parsed filter raises nothing but invalidFilter either."""
    try:
        expr = parse_filter(text)
        validate_filter(expr, USER)
    except ScimError as error:
        assert error.scim_type == "invalidFilter"
        return
    assert holds(expr, {"userName": "x"}) in (True, False)
