"""Hypothesis strategies for SCIM filters (RFC 7644 §3.4.2.2), valid and near-valid.

Valid filters are drawn from the grammar as typed trees
(:mod:`harness.scim.expr`) that :func:`harness.scim.filters.validate_filter`
accepts for a resource type: attribute paths come from the schema registry
(``returned: never`` ones excluded, pitfalls §18), operators from those each
data type supports (:data:`harness.scim.filters.OPERATORS_BY_TYPE`),
literals fit the attribute's type. :func:`render` writes a tree as text with
variations a client may use — names and operators in any case (RFC 7643
§2.1, RFC 7644 §3.4.2.2), core and extension URN prefixes (§3.10) or none,
redundant parentheses, ``not(`` with or without a space, ``\\u`` escapes —
independently of ``str()`` so that a round trip means something.

Near-valid invalid filters (:func:`invalid_filter_texts`) are valid ones
with one named :class:`Mutation`: the syntax mutations break the §3.4.2.2
ABNF (the RFC's answer is 400 ``invalidFilter``); the schema mutations are
well-formed filters the core refuses for what they name (unknown attribute,
``gt`` on a boolean — §3.4.2.2 "SHALL" — and the policies of pitfalls §6,
§7, §18). Nothing the RFC allows is generated as invalid: keywords in any
case are valid; JSON literals (``true``, ``false``, ``null``) are
case-sensitive because compValue takes "rules from JSON" (RFC 7159 §3).

Resources for evaluating filters (:func:`stored_resources`) are in the
internal representation, with values from the same small pools as the
literals so that comparisons often hit.

Promoted from ``tests/scim/strategies.py`` (issue 6); the property tests of
the core import them from here.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from harness.fuzz.values import ADVERSARIAL_STRINGS, EDGE_DATE_TIMES
from harness.scim.expr import (
    And,
    AttrPath,
    Compare,
    Filter,
    JsonScalar,
    Not,
    Or,
    Present,
    ValuePath,
)
from harness.scim.filters import OPERATORS_BY_TYPE
from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    DATETIME,
    DECIMAL,
    ENTERPRISE_USER_URN,
    INTEGER,
    NEVER,
    REFERENCE,
    STRING,
    USER,
    USER_URN,
    Attribute,
    ResourceType,
)

__all__ = [
    "DATE_TIMES",
    "LITERALS",
    "MUTATIONS",
    "STRINGS",
    "SYNTAX_PIECES",
    "Leaf",
    "Mutation",
    "case_insensitive_string_comparisons",
    "casefold_names",
    "comparisons",
    "filter_texts",
    "filter_trees",
    "flip_ascii_case",
    "invalid_filter_texts",
    "junk_resources",
    "leaves",
    "presences",
    "render",
    "single_valued_comparisons",
    "stored_resources",
    "syntax_soup",
    "value_paths",
]

# --------------------------------------------------------------------------
# Value pools shared by literals and stored values
# --------------------------------------------------------------------------

#: Strings that collide under case folding, prefixes of each other, and
#: characters that need escaping in a filter.
WORDS = ("a", "A", "ab", "AB", "aB", "b", "Bc", "abc", "é", "É", "x@example.com", "X@Example.COM")
TRICKY = ('"', "\\", 'q"uo\\te', "tab\there", "ü\u00e9\u4e2d", "", "Straße", "STRASSE")

STRINGS: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(TRICKY),
    st.text(max_size=6),
    st.sampled_from(sorted(ADVERSARIAL_STRINGS.values())),
)


def _date_time_texts(moment: datetime) -> list[str]:
    """Spellings of one instant: Z, an offset, with and without fraction (pitfalls §5)."""
    utc = moment.astimezone(UTC)
    shifted = moment.astimezone(timezone(timedelta(hours=2)))
    return [
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        shifted.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
    ]


_INSTANTS = [datetime(2011, 5, 13, 4, 42, s, tzinfo=UTC) for s in (33, 34, 35)]
DATE_TIMES: st.SearchStrategy[str] = st.one_of(
    st.sampled_from([text for moment in _INSTANTS for text in _date_time_texts(moment)]),
    st.sampled_from(EDGE_DATE_TIMES),
)

NUMBERS: st.SearchStrategy[int | float] = st.one_of(
    st.sampled_from([0, 1, -1, 2, 2.5, 1e3, 10**20, 2**53 + 1, -(2**31)]),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)

#: The literal of each RFC 7643 §2.3 data type.
LITERALS: dict[str, st.SearchStrategy[Any]] = {
    STRING: STRINGS,
    REFERENCE: STRINGS,
    BINARY: st.sampled_from(["TUlJ", "tuLJ", "QUJD"]),
    BOOLEAN: st.booleans(),
    INTEGER: NUMBERS,
    DECIMAL: NUMBERS,
    DATETIME: DATE_TIMES,
}

# --------------------------------------------------------------------------
# Attribute paths of a resource type
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A path a filter may name, with the attribute its comparisons compare."""

    path: AttrPath
    compared: Attribute | None  # None: only ``pr`` applies (complex without value)
    single_valued: bool


@lru_cache(maxsize=8)
def leaves(resource_type: ResourceType = USER) -> tuple[Leaf, ...]:
    """Every filterable path of ``resource_type`` (``returned: never`` excluded, §18)."""
    found: list[Leaf] = []
    for container, attribute in resource_type.all_attributes():
        if attribute.returned == NEVER:
            continue
        single = not attribute.multi_valued
        if not attribute.is_complex:
            found.append(Leaf(AttrPath(container, attribute.name), attribute, single))
            continue
        value = attribute.sub("value") if attribute.multi_valued else None
        found.append(Leaf(AttrPath(container, attribute.name), value, single))
        for sub in attribute.sub_attributes:
            if sub.returned != NEVER:
                found.append(Leaf(AttrPath(container, attribute.name, sub.name), sub, single))
    return tuple(found)


def _comparable(resource_type: ResourceType) -> tuple[Leaf, ...]:
    return tuple(leaf for leaf in leaves(resource_type) if leaf.compared is not None)


def _value_path_parents(resource_type: ResourceType) -> list[tuple[str | None, Attribute]]:
    """Multi-valued complex attributes, the parents of value paths (§3.4.2.2 Table 5)."""
    return [
        (container, attribute)
        for container, attribute in resource_type.all_attributes()
        if attribute.is_complex and attribute.multi_valued
    ]


def _spellings(path: AttrPath, resource_type: ResourceType) -> st.SearchStrategy[AttrPath]:
    """The ways a client may name ``path`` (RFC 7644 §3.10).

    A core attribute bare or behind the core schema URN
    (``urn:…:core:2.0:User:userName``); an extension attribute behind its
    URN or bare where that extension alone declares the name (Entra's
    ``manager``; see :meth:`ResourceType.resolve`).
    """
    if path.urn is None:
        return st.sampled_from([path, AttrPath(resource_type.schema.id, path.attr, path.sub_attr)])
    bare = AttrPath(None, path.attr, path.sub_attr)
    ref = resource_type.resolve(None, path.attr, path.sub_attr)
    if ref is not None and ref.container == path.urn:
        return st.sampled_from([path, bare])
    return st.just(path)


@st.composite
def comparisons(
    draw: st.DrawFn,
    candidates: tuple[Leaf, ...] | None = None,
    resource_type: ResourceType = USER,
) -> Compare:
    """``attrPath op value`` whose operator and value fit the attribute type."""
    leaf = draw(st.sampled_from(candidates or _comparable(resource_type)))
    assert leaf.compared is not None
    op = draw(st.sampled_from(sorted(OPERATORS_BY_TYPE[leaf.compared.type])))
    value: JsonScalar = draw(LITERALS[leaf.compared.type])
    if op in ("eq", "ne") and draw(st.integers(0, 9)) == 0:
        value = None  # RFC 7643 §2.5: null means unassigned
    return Compare(draw(_spellings(leaf.path, resource_type)), op, value)


@st.composite
def presences(draw: st.DrawFn, resource_type: ResourceType = USER) -> Present:
    """``attrPath pr``: any filterable path, complex ones included (Table 3)."""
    leaf = draw(st.sampled_from(leaves(resource_type)))
    return Present(draw(_spellings(leaf.path, resource_type)))


def _element_leaves(parent: Attribute) -> st.SearchStrategy[Filter]:
    subs = [sub for sub in parent.sub_attributes if sub.returned != NEVER]
    present = [Present(AttrPath(None, sub.name)) for sub in subs]
    compares = [
        st.builds(
            Compare, st.just(AttrPath(None, sub.name)), st.sampled_from(ops), LITERALS[sub.type]
        )
        for sub in subs
        for ops in [sorted(OPERATORS_BY_TYPE[sub.type])]
    ]
    return st.one_of(st.sampled_from(present), *compares)


@lru_cache(maxsize=32)
def element_filters(parent: Attribute) -> st.SearchStrategy[Filter]:
    """A valFilter over ``parent``'s sub-attributes (paths relative to it)."""
    return st.recursive(_element_leaves(parent), _combine, max_leaves=4)


def value_paths(resource_type: ResourceType = USER) -> st.SearchStrategy[ValuePath]:
    """``emails[type eq "work" and …]`` over the multi-valued complex attributes."""
    return st.one_of(
        *(
            st.builds(
                ValuePath,
                _spellings(AttrPath(container, parent.name), resource_type),
                element_filters(parent),
            )
            for container, parent in _value_path_parents(resource_type)
        )
    )


def _combine(children: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    )


@lru_cache(maxsize=16)
def filter_trees(
    resource_type: ResourceType = USER, max_leaves: int = 6
) -> st.SearchStrategy[Filter]:
    """Valid filters of ``resource_type``: comparisons, presence and value paths
    under and/or/not (RFC 7644 §3.4.2.2 Tables 3–5)."""
    atoms = st.one_of(
        comparisons(resource_type=resource_type),
        presences(resource_type),
        value_paths(resource_type),
    )
    return st.recursive(atoms, _combine, max_leaves=max_leaves)


def filters(max_leaves: int = 6) -> st.SearchStrategy[Filter]:
    """Valid User filters (the name the core's property tests use)."""
    return filter_trees(USER, max_leaves)


def single_valued_comparisons(resource_type: ResourceType = USER) -> st.SearchStrategy[Compare]:
    """Comparisons on paths that hold at most one value (for ``ne`` ≡ ``not eq``)."""
    single = tuple(leaf for leaf in _comparable(resource_type) if leaf.single_valued)
    return comparisons(single, resource_type)


def case_insensitive_string_comparisons(
    resource_type: ResourceType = USER,
) -> st.SearchStrategy[Compare]:
    """Comparisons on string attributes with ``caseExact: false`` (RFC 7643 §2.2)."""
    insensitive = tuple(
        leaf
        for leaf in _comparable(resource_type)
        if leaf.compared is not None
        and leaf.compared.type in (STRING, REFERENCE)
        and not leaf.compared.case_exact
    )
    return comparisons(insensitive, resource_type).filter(lambda c: c.value is not None)


# --------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------


def flip_ascii_case(text: str, rng: random.Random) -> str:
    """``text`` with some ASCII letters in the other case (case folding unchanged)."""
    return "".join(
        c.swapcase() if c.isascii() and c.isalpha() and rng.random() < 0.5 else c for c in text
    )


def render(
    expr: Filter,
    rng: random.Random,
    *,
    recase: bool = False,
    extra_parens: bool = False,
    ascii_escapes: bool = False,
    tight_not: bool = False,
) -> str:
    """Filter text for ``expr``, in spellings RFC 7644 §3.4.2.2 allows.

    ``recase``: names and operators in random case (RFC 7643 §2.1, §3.4.2.2).
    ``extra_parens``: redundant groupings. ``ascii_escapes``: non-ASCII in
    strings as ``\\uXXXX`` (JSON, RFC 7159 §7). ``tight_not``: ``not(…)``
    as the ABNF ``*1"not" "(" FILTER ")"`` writes it, not ``not (…)``.
    """

    def word(text: str) -> str:
        return flip_ascii_case(text, rng) if recase else text

    def path(p: AttrPath) -> str:
        name = word(p.attr) if p.sub_attr is None else f"{word(p.attr)}.{word(p.sub_attr)}"
        return f"{word(p.urn)}:{name}" if p.urn else name

    def group(text: str) -> str:
        return f"({text})" if extra_parens and rng.random() < 0.3 else text

    def operand(node: Filter, parent: type, right: bool) -> str:
        text = walk(node)
        needs = (isinstance(node, Or) and parent is And) or (right and type(node) is parent)
        return f"({text})" if needs else text

    def walk(node: Filter) -> str:
        match node:
            case And(left, right) | Or(left, right):
                keyword = word("and" if isinstance(node, And) else "or")
                kind = type(node)
                text = f"{operand(left, kind, False)} {keyword} {operand(right, kind, True)}"
            case Not(inner):
                text = f"{word('not')}{'' if tight_not else ' '}({walk(inner)})"
            case ValuePath(p, inner):
                text = f"{path(p)}[{walk(inner)}]"
            case Present(p):
                text = f"{path(p)} {word('pr')}"
            case Compare(p, op, value):
                literal = json.dumps(value, ensure_ascii=ascii_escapes)
                text = f"{path(p)} {word(op)} {literal}"
        return group(text)

    return walk(expr)


@st.composite
def _texts(draw: st.DrawFn, trees: st.SearchStrategy[Filter]) -> str:
    expr = draw(trees)
    rng = draw(st.randoms(use_true_random=False))
    options = draw(
        st.fixed_dictionaries({}, optional=dict.fromkeys(_RENDER_OPTIONS, st.just(True)))
    )
    return render(expr, rng, **options)


_RENDER_OPTIONS = ("recase", "extra_parens", "ascii_escapes", "tight_not")


@lru_cache(maxsize=16)
def filter_texts(resource_type: ResourceType = USER, max_leaves: int = 6) -> st.SearchStrategy[str]:
    """Valid filter strings of ``resource_type``: ``compile_filter`` accepts each one."""
    return _texts(filter_trees(resource_type, max_leaves))


def casefold_names(expr: Filter) -> Filter:
    """``expr`` with every attribute name and URN in lower case (names compare so)."""

    def fold_path(p: AttrPath) -> AttrPath:
        return AttrPath(_lower(p.urn), p.attr.lower(), _lower(p.sub_attr))

    match expr:
        case And(left, right):
            return And(casefold_names(left), casefold_names(right))
        case Or(left, right):
            return Or(casefold_names(left), casefold_names(right))
        case Not(inner):
            return Not(casefold_names(inner))
        case ValuePath(p, inner):
            return ValuePath(fold_path(p), casefold_names(inner))
        case Present(p):
            return Present(fold_path(p))
        case Compare(p, op, value):
            return Compare(fold_path(p), op, value)
    raise TypeError(expr)


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


# --------------------------------------------------------------------------
# Near-valid invalid filters
# --------------------------------------------------------------------------

#: "syntax": the text is outside the RFC 7644 §3.4.2.2 ABNF. "schema": the
#: text parses but names something the resource type cannot filter on.
SYNTAX, SCHEMA = "syntax", "schema"


@dataclass(frozen=True)
class _Parts:
    """What a mutation works on: one valid atom and its pieces, spelled as sent."""

    atom: str  # e.g. 'userName eq "x"'
    path: str  # 'userName'
    op: str  # 'eq'
    value: str  # '"x"'
    parent: str  # 'emails' — a value-path parent
    inner: str  # 'type eq "work"' — a valid valFilter for it


@dataclass(frozen=True)
class Mutation:
    """A named way to turn valid filter text invalid, and why the RFC (or the
    core's documented policy) refuses the result."""

    name: str
    layer: str
    why: str
    make: Callable[[_Parts, ResourceType], str]

    def __repr__(self) -> str:
        return f"Mutation({self.name!r})"


def _bad_operator(parts: _Parts, rt: ResourceType) -> str:
    return f"{parts.path} regex {parts.value}"


def _disallowed_operator(parts: _Parts, rt: ResourceType) -> str:
    """A comparison whose operator the attribute's type refuses (pitfalls §6)."""
    for leaf in _comparable(rt):
        assert leaf.compared is not None
        allowed = OPERATORS_BY_TYPE[leaf.compared.type]
        for op in ("gt", "co", "sw", "le"):
            if op not in allowed:
                literal = "true" if leaf.compared.type == BOOLEAN else '"2011-05-13T04:42:34Z"'
                return f"{leaf.path} {op} {literal}"
    raise AssertionError(f"{rt.name} has no attribute that refuses an operator")


def _wrong_literal(parts: _Parts, rt: ResourceType) -> str:
    """A string attribute compared with a number (RFC 7643 §2.3 types)."""
    for leaf in _comparable(rt):
        if leaf.compared is not None and leaf.compared.type == STRING:
            return f"{leaf.path} eq 42"
    raise AssertionError(rt.name)


def _complex_compared(parts: _Parts, rt: ResourceType) -> str:
    """A singular complex attribute compared without a sub-attribute (§3.4.2.2)."""
    for leaf in leaves(rt):
        if leaf.compared is None and leaf.single_valued:
            return f'{leaf.path} eq "x"'
    raise AssertionError(rt.name)


#: The mutations, in the order shrinking prefers (simplest first).
MUTATIONS: tuple[Mutation, ...] = (
    Mutation("trailing-and", SYNTAX, "logExp needs a FILTER on both sides of 'and'",
             lambda p, rt: f"{p.atom} and"),
    Mutation("leading-or", SYNTAX, "logExp needs a FILTER before 'or'",
             lambda p, rt: f"or {p.atom}"),
    Mutation("unclosed-paren", SYNTAX, "'(' FILTER ')' must be balanced",
             lambda p, rt: f"({p.atom}"),
    Mutation("stray-close-paren", SYNTAX, "')' without '('", lambda p, rt: f"{p.atom})"),
    Mutation("empty-parens", SYNTAX, "'(' FILTER ')' needs a FILTER",
             lambda p, rt: f"{p.atom} and ()"),
    Mutation("unknown-operator", SYNTAX, "compareOp is one of the nine of Table 3",
             _bad_operator),
    Mutation("symbolic-operator", SYNTAX, "'==' is not a compareOp",
             lambda p, rt: f"{p.path} == {p.value}"),
    Mutation("missing-value", SYNTAX, "attrExp needs a compValue after compareOp",
             lambda p, rt: f"{p.path} {p.op}"),
    Mutation("missing-operator", SYNTAX, "attrExp needs compareOp or 'pr'",
             lambda p, rt: f"{p.path} {p.value}"),
    Mutation("pr-with-value", SYNTAX, "'pr' takes no compValue",
             lambda p, rt: f"{p.path} pr {p.value}"),
    Mutation("unquoted-string", SYNTAX, "compValue strings are JSON strings (quoted)",
             lambda p, rt: f"{p.path} {p.op} bjensen"),
    Mutation("single-quoted-string", SYNTAX, "JSON strings use double quotes",
             lambda p, rt: f"{p.path} {p.op} 'bjensen'"),
    Mutation("bad-escape", SYNTAX, "RFC 7159 §7 has no '\\q' escape",
             lambda p, rt: f'{p.path} {p.op} "a\\qb"'),
    Mutation("short-unicode-escape", SYNTAX, "RFC 7159 §7: '\\u' takes 4 hex digits",
             lambda p, rt: f'{p.path} {p.op} "a\\u12"'),
    Mutation("unterminated-string", SYNTAX, "a JSON string ends with '\"'",
             lambda p, rt: f'{p.path} {p.op} "bjensen'),
    Mutation("raw-control-in-string", SYNTAX, "RFC 7159 §7: control characters are escaped",
             lambda p, rt: f'{p.path} {p.op} "a\x01b"'),
    Mutation("capitalised-literal", SYNTAX,
             "compValue takes false/null/true 'rules from JSON' (RFC 7159 §3: lower case)",
             lambda p, rt: f"{p.path} eq True"),
    Mutation("leading-zero-number", SYNTAX, "RFC 7159 §6: no leading zeros",
             lambda p, rt: f"{p.path} eq 007"),
    Mutation("bare-fraction-number", SYNTAX, "RFC 7159 §6: digits after '.'",
             lambda p, rt: f"{p.path} eq 1."),
    Mutation("plus-number", SYNTAX, "RFC 7159 §6: no leading '+'", lambda p, rt: f"{p.path} eq +1"),
    Mutation("not-without-parens", SYNTAX, "'not' is followed by '(' FILTER ')'",
             lambda p, rt: f"not {p.atom}"),
    Mutation("two-filters-no-operator", SYNTAX, "two FILTERs need 'and'/'or' between",
             lambda p, rt: f"{p.atom} {p.atom}"),
    Mutation("double-dot-path", SYNTAX, "subAttr is one '.' ATTRNAME",
             lambda p, rt: f"{p.parent}..value pr"),
    Mutation("space-in-path", SYNTAX, "attrPath has no spaces",
             lambda p, rt: f"{p.parent}. value pr"),
    Mutation("name-starts-with-digit", SYNTAX, "ATTRNAME = ALPHA *(nameChar)",
             lambda p, rt: f'1{p.path} eq "x"'),
    Mutation("unclosed-bracket", SYNTAX, "valuePath needs ']'",
             lambda p, rt: f"{p.parent}[{p.inner}"),
    Mutation("empty-brackets", SYNTAX, "valuePath needs a valFilter",
             lambda p, rt: f"{p.parent}[]"),
    Mutation("stray-close-bracket", SYNTAX, "']' without '['", lambda p, rt: f"{p.atom}]"),
    Mutation("unknown-attribute", SCHEMA,
             "no such attribute (pitfalls §7; §3.12 invalidFilter)",
             lambda p, rt: 'noSuchAttribute eq "x"'),
    Mutation("unknown-sub-attribute", SCHEMA, "no such sub-attribute (pitfalls §7)",
             lambda p, rt: f"{p.parent}.noSuchSub pr"),
    Mutation("unknown-extension", SCHEMA, "URN not in the resource type's schemaExtensions",
             lambda p, rt: 'urn:example:params:scim:schemas:extension:x:2.0:User:x pr'),
    Mutation("disallowed-operator", SCHEMA,
             "§3.4.2.2: gt/ge/lt/le on boolean SHALL fail; co/sw/ew on non-strings (§6)",
             _disallowed_operator),
    Mutation("wrong-literal-type", SCHEMA, "a string attribute compared with a number",
             _wrong_literal),
    Mutation("complex-compared", SCHEMA, "a complex attribute needs a sub-attribute",
             _complex_compared),
    Mutation("ordering-with-null", SCHEMA, "null compares with eq/ne only (RFC 7643 §2.5)",
             lambda p, rt: f"{p.parent}.type gt null"),
    Mutation("nested-value-path", SCHEMA,
             "valFilter holds no valuePath (RFC 7644 errata 4690/7322)",
             lambda p, rt: f"{p.parent}[{p.inner} and {p.parent}[{p.inner}]]"),
)  # fmt: skip

#: Mutations only some resource types can express.
_USER_ONLY = {
    "never-returned": Mutation(
        "never-returned",
        SCHEMA,
        "password is returned never: not filterable (RFC 7643 §7, pitfalls §18)",
        lambda p, rt: 'password eq "secret"',
    )
}


def mutations(resource_type: ResourceType, layers: tuple[str, ...]) -> tuple[Mutation, ...]:
    """The mutations that apply to ``resource_type`` in the given layers."""
    extra = tuple(_USER_ONLY.values()) if resource_type is USER else ()
    return tuple(m for m in (*MUTATIONS, *extra) if m.layer in layers)


@lru_cache(maxsize=8)
def _parts(resource_type: ResourceType) -> st.SearchStrategy[_Parts]:
    parents = st.sampled_from(_value_path_parents(resource_type)).flatmap(
        lambda found: st.tuples(st.just(found), element_filters(found[1]))
    )
    return _draw_parts(comparisons(resource_type=resource_type), parents)


@st.composite
def _draw_parts(
    draw: st.DrawFn,
    compares: st.SearchStrategy[Compare],
    parents: st.SearchStrategy[tuple[tuple[str | None, Attribute], Filter]],
) -> _Parts:
    compare = draw(compares)
    (container, parent), inner = draw(parents)
    value = json.dumps(compare.value, ensure_ascii=False)
    parent_path = AttrPath(container, parent.name)
    return _Parts(str(compare), str(compare.path), compare.op, value, str(parent_path), str(inner))


@st.composite
def _invalid(
    draw: st.DrawFn, resource_type: ResourceType, layers: tuple[str, ...], max_leaves: int
) -> str:
    mutation = draw(st.sampled_from(mutations(resource_type, layers)))
    broken = mutation.make(draw(_parts(resource_type)), resource_type)
    context = draw(_contexts(resource_type, max_leaves))
    if context is None:
        return broken
    place = draw(st.sampled_from(["and-after", "or-before", "not"]))
    if place == "and-after":
        return f"{context} and {broken}"
    if place == "or-before":
        return f"{broken} or {context}"
    return f"not ({broken})"


@lru_cache(maxsize=16)
def _contexts(resource_type: ResourceType, max_leaves: int) -> st.SearchStrategy[str | None]:
    return st.none() | filter_texts(resource_type, max_leaves)


def invalid_filter_texts(
    resource_type: ResourceType = USER,
    layers: tuple[str, ...] = (SYNTAX, SCHEMA),
    max_leaves: int = 3,
) -> st.SearchStrategy[str]:
    """Near-valid filter strings ``compile_filter`` must refuse with 400 invalidFilter.

    A valid atom is broken by one :class:`Mutation` and then placed, or not,
    inside a valid filter (``valid and broken``, ``broken or valid``,
    ``not (broken)``), which keeps it invalid: the ABNF admits no partial
    parse, and validation visits every branch. ``layers`` selects syntax
    mutations, schema mutations or both. A blank filter is not generated:
    ``compile_filter`` refuses it, but a blank ``filter`` query parameter
    counts as absent (:func:`harness.scim.listing.query_from_params`).
    """
    return _invalid(resource_type, layers, max_leaves)


# --------------------------------------------------------------------------
# Stored resources for evaluation
# --------------------------------------------------------------------------


def _value_for(attribute: Attribute) -> st.SearchStrategy[Any]:
    if attribute.is_complex:
        subs = {sub.name: _value_for(sub) for sub in attribute.sub_attributes}
        return st.fixed_dictionaries({}, optional=subs)
    return LITERALS[attribute.type]


def _attribute_values(attribute: Attribute) -> st.SearchStrategy[Any]:
    if attribute.multi_valued:
        return st.lists(_value_for(attribute), min_size=1, max_size=3)
    return _value_for(attribute)


@lru_cache(maxsize=8)
def stored_resources(resource_type: ResourceType = USER) -> st.SearchStrategy[dict[str, Any]]:
    """A resource in the internal representation (canonical keys, unassigned absent),
    with values from the literal pools so that filters often match."""
    attributes = [
        (container, attribute)
        for container, attribute in resource_type.all_attributes()
        if attribute.name != "schemas"
    ]
    return _stored(resource_type, tuple(attributes))


@st.composite
def _stored(
    draw: st.DrawFn,
    resource_type: ResourceType,
    attributes: tuple[tuple[str | None, Attribute], ...],
) -> dict[str, Any]:
    resource: dict[str, Any] = {"schemas": [resource_type.schema.id]}
    extensions: dict[str, dict[str, Any]] = {}
    chosen = draw(st.sets(st.sampled_from(range(len(attributes))), max_size=10))
    for index in sorted(chosen):
        container, attribute = attributes[index]
        holder = resource if container is None else extensions.setdefault(container, {})
        holder[attribute.name] = draw(_attribute_values(attribute))
    for urn, data in extensions.items():
        resource[urn] = data
        resource["schemas"].append(urn)
    return resource


JSON_JUNK: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["value", "type", "givenName", "x"]), children, max_size=3
        )
    ),
    max_leaves=6,
)


@st.composite
def junk_resources(draw: st.DrawFn, resource_type: ResourceType = USER) -> dict[str, Any]:
    """A resource whose known keys hold values of any JSON type (stored garbage)."""
    keys = [
        attribute.name for container, attribute in resource_type.all_attributes() if not container
    ]
    resource = draw(st.dictionaries(st.sampled_from(keys), JSON_JUNK, max_size=6))
    for extension, _required in resource_type.extensions:
        if draw(st.booleans()):
            resource[extension.id] = draw(JSON_JUNK)
    return resource


# --------------------------------------------------------------------------
# Token soup
# --------------------------------------------------------------------------

#: Pieces of filter syntax, for token soups that reach deep parser states.
SYNTAX_PIECES = (
    "userName", "name.givenName", "emails", "emails.value", "title", "active",
    f"{ENTERPRISE_USER_URN}:manager.value", f"{USER_URN}:userName", "urn:x:", "$ref",
    "eq", "NE", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "regex",
    "and", "OR", "not", "Not", "(", ")", "[", "]", ".", "..", ":", " ", " ", " ",
    '"x"', '"', '"\\u00e9"', '"\\q"', "\\", "true", "false", "null", "True", "nullable",
    "1", "-2.5e3", "007", "1.", "-", "1e999", "\t", "\n", "\x00", "é",
)  # fmt: skip

syntax_soup: st.SearchStrategy[str] = st.lists(st.sampled_from(SYNTAX_PIECES), max_size=14).map(
    "".join
)
