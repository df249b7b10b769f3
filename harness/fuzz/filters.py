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
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import quote

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
    rewrite,
)
from harness.scim.filters import OPERATORS_BY_TYPE, matches
from harness.scim.resources import parse_date_time
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
    "data_filter_texts",
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


def _spelling_options(path: AttrPath, resource_type: ResourceType) -> tuple[AttrPath, ...]:
    """The ways a client may name ``path`` (RFC 7644 §3.10), the canonical one first.

    A core attribute bare or behind the core schema URN
    (``urn:…:core:2.0:User:userName``); an extension attribute behind its
    URN or bare where that extension alone declares the name (Entra's
    ``manager``; see :meth:`ResourceType.resolve`).
    """
    if path.urn is None:
        return (path, AttrPath(resource_type.schema.id, path.attr, path.sub_attr))
    bare = AttrPath(None, path.attr, path.sub_attr)
    ref = resource_type.resolve(None, path.attr, path.sub_attr)
    if ref is not None and ref.container == path.urn:
        return (path, bare)
    return (path,)


def _spellings(path: AttrPath, resource_type: ResourceType) -> st.SearchStrategy[AttrPath]:
    """:func:`_spelling_options` as a strategy."""
    options = _spelling_options(path, resource_type)
    return st.sampled_from(options) if len(options) > 1 else st.just(path)


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
    return rewrite(expr, path=lambda p: AttrPath(_lower(p.urn), p.attr.lower(), _lower(p.sub_attr)))


def _lower(text: str | None) -> str | None:
    return None if text is None else text.lower()


# --------------------------------------------------------------------------
# Filters whose literals come from stored data
# --------------------------------------------------------------------------

#: Types whose literals are strings that ``co``/``sw``/``ew`` and case flips apply to.
_TEXT_TYPES = frozenset({STRING, REFERENCE, BINARY})
_ORDERING_OPS = ("ge", "gt", "le", "lt")
#: Longest substring a ``co``/``sw``/``ew`` literal takes from a stored string:
#: short literals hit more values and read better when shrunk.
_MAX_SUBSTRING = 12
#: Longest literal recased letter by letter; longer ones are swapped whole (cheap).
_FLIP_LIMIT = 256
_ASCII_SWAP = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
)
#: Largest integer literal quoted (JSON allows more; ``int`` → text has limits).
_MAX_INT_BITS = 1000
#: How deep a drawn tree nests (``not`` costs no atom, so it needs a bound).
_MAX_DEPTH = 6


@dataclass(frozen=True)
class _Stored:
    """A stored value a literal may quote, and one spelling of the path holding it."""

    path: AttrPath
    attribute: Attribute  # the attribute compared (its type picks operators)
    value: JsonScalar


@dataclass(frozen=True)
class _Element:
    """One stored element of a multi-valued complex attribute: a value path's target."""

    path: AttrPath  # the parent, ``emails`` or ``urn:…:User:emails``
    fields: tuple[_Stored, ...]  # its sub-attribute values, paths relative to it


@dataclass(frozen=True)
class _Pool:
    """The atoms a population offers, each tuple simplest first (shrinking ends there):
    bare spellings before URN-qualified ones, then schema order, then short values."""

    #: Values by path (one tuple per spelled path): a draw picks the path, then the
    #: value, so that an attribute with many values does not crowd out the others.
    equal: tuple[tuple[_Stored, ...], ...]  # every value: ``eq``/``ne``
    #: Non-empty strings for ``co``/``sw``/``ew``: of caseExact false attributes,
    #: where servers get case wrong (a SQL ``LIKE``, Python ``in``), and the others.
    text: tuple[tuple[_Stored, ...], ...]
    exact: tuple[tuple[_Stored, ...], ...]
    ordered: tuple[tuple[_Stored, ...], ...]  # strings, dateTimes, numbers: ``gt`` …
    present: tuple[AttrPath, ...]  # ``pr``: some have it, then none, then all
    #: Top-level multi-valued attributes (``emails``, ``members``), in the same order:
    #: ``pr`` must be false where they are unassigned or ``[]`` (RFC 7643 §2.5).
    lists: tuple[AttrPath, ...]
    elements: tuple[_Element, ...]


def _fits(attribute: Attribute, value: Any) -> bool:
    """Whether ``value`` can be the literal of a comparison on ``attribute`` (RFC 7643 §2.3).

    Strings that UTF-8 cannot encode (lone surrogates a JSON parser lets
    through) are left out: a filter holding one cannot be sent in a URL.
    """
    kind = attribute.type
    if kind in _TEXT_TYPES:
        return isinstance(value, str) and _encodable(value)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind in (INTEGER, DECIMAL):
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return value.bit_length() <= _MAX_INT_BITS
        return isinstance(value, float) and math.isfinite(value)
    if kind == DATETIME:
        return isinstance(value, str) and _encodable(value) and parse_date_time(value) is not None
    return False


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _values_at(resource: Mapping[str, Any], path: AttrPath, rt: ResourceType) -> list[Any]:
    """The values ``path`` designates in ``resource`` (internal representation).

    Multi-valued attributes are flattened; ``emails`` alone designates
    ``emails.value`` (what ``emails eq "x"`` compares, §3.4.2.2).
    """
    ref = rt.resolve(path.urn, path.attr, path.sub_attr)
    if ref is None:
        return []
    holder = resource if ref.container is None else resource.get(ref.container)
    if not isinstance(holder, Mapping):
        return []
    value = holder.get(ref.attribute.name)
    multi = ref.attribute.multi_valued
    items = (value if isinstance(value, list) else []) if multi else [value]
    sub = ref.sub_attribute
    name = sub.name if sub else ("value" if ref.attribute.is_complex and multi else None)
    if name is not None:
        items = [item.get(name) for item in items if isinstance(item, Mapping)]
    return [item for item in items if item is not None]


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _simplest_first(found: list[tuple[tuple[int, int], _Stored]]) -> tuple[_Stored, ...]:
    """One entry per (spelling, type, value), sorted by spelling, schema order, length."""
    unique: dict[tuple[AttrPath, str, Any], tuple[tuple[int, int, int], _Stored]] = {}
    for (spelling, order), item in found:
        key = (item.path, type(item.value).__name__, item.value)
        unique.setdefault(key, ((spelling, order, _size(item.value)), item))
    return tuple(item for _, item in sorted(unique.values(), key=lambda pair: pair[0]))


def _by_path(items: Iterable[_Stored]) -> tuple[tuple[_Stored, ...], ...]:
    """``items`` grouped by path, in their order (groups and values stay simplest first)."""
    groups: dict[AttrPath, list[_Stored]] = {}
    for item in items:
        groups.setdefault(item.path, []).append(item)
    return tuple(tuple(group) for group in groups.values())


def _is_list(path: AttrPath, rt: ResourceType) -> bool:
    ref = rt.resolve(path.urn, path.attr, path.sub_attr)
    return ref is not None and ref.sub_attribute is None and ref.attribute.multi_valued


def _presences(rt: ResourceType, resources: list[dict[str, Any]]) -> tuple[AttrPath, ...]:
    """Every filterable path for ``pr``, bare spellings first; of those first the paths
    some resources have and others lack (per the core's ``pr``), then those none has
    (``x509Certificates pr`` must be false everywhere, ``[]`` included), then those all
    have."""
    ranked: list[tuple[int, int, int, AttrPath]] = []
    for order, leaf in enumerate(leaves(rt)):
        held = sum(matches(Present(leaf.path), resource, rt) for resource in resources)
        group = 0 if 0 < held < len(resources) else 1 if held == 0 else 2
        for spelling, path in enumerate(_spelling_options(leaf.path, rt)):
            ranked.append((spelling, group, order, path))
    return tuple(path for *_, path in sorted(ranked, key=lambda row: row[:3]))


def _elements(rt: ResourceType, resources: list[dict[str, Any]]) -> tuple[_Element, ...]:
    """The stored elements of every multi-valued complex attribute, with their fields."""
    found: dict[tuple[AttrPath, tuple[tuple[str, str, Any], ...]], tuple[int, _Element]] = {}
    for container, parent in _value_path_parents(rt):
        subs = [sub for sub in parent.sub_attributes if sub.returned != NEVER]
        spellings = _spelling_options(AttrPath(container, parent.name), rt)
        for resource in resources:
            for element in _elements_of(resource, container, parent.name):
                fields = tuple(
                    _Stored(AttrPath(None, sub.name), sub, element[sub.name])
                    for sub in subs
                    if sub.name in element and _fits(sub, element[sub.name])
                )
                if not fields:
                    continue
                values = tuple((f.path.attr, type(f.value).__name__, f.value) for f in fields)
                for spelling, path in enumerate(spellings):
                    found.setdefault((path, values), (spelling, _Element(path, fields)))
    ranked = sorted(
        found.values(),
        key=lambda pair: (pair[0], len(pair[1].fields), _size(pair[1].fields[0].value)),
    )
    return tuple(element for _, element in ranked)


def _elements_of(
    resource: Mapping[str, Any], container: str | None, name: str
) -> list[Mapping[str, Any]]:
    holder = resource if container is None else resource.get(container)
    items = holder.get(name) if isinstance(holder, Mapping) else None
    return [item for item in items if isinstance(item, Mapping)] if isinstance(items, list) else []


def _pool(rt: ResourceType, resources: Sequence[Mapping[str, Any]]) -> _Pool:
    """What the population offers literals, computed once (draws only index into it)."""
    stored = [dict(resource) for resource in resources if isinstance(resource, Mapping)]
    found: list[tuple[tuple[int, int], _Stored]] = []
    for order, leaf in enumerate(leaves(rt)):
        if leaf.compared is None:
            continue
        values = [
            value
            for resource in stored
            for value in _values_at(resource, leaf.path, rt)
            if _fits(leaf.compared, value)
        ]
        for spelling, path in enumerate(_spelling_options(leaf.path, rt)):
            found += [((spelling, order), _Stored(path, leaf.compared, v)) for v in values]
    equal = _simplest_first(found)
    present = _presences(rt, stored)
    strings = [s for s in equal if s.attribute.type in _TEXT_TYPES and s.value != ""]
    return _Pool(
        equal=_by_path(equal),
        text=_by_path(s for s in strings if not s.attribute.case_exact),
        exact=_by_path(s for s in strings if s.attribute.case_exact),
        ordered=_by_path(s for s in equal if "gt" in OPERATORS_BY_TYPE[s.attribute.type]),
        present=present,
        lists=tuple(path for path in present if _is_list(path, rt)),
        elements=_elements(rt, stored),
    )


# -- drawing: one integer draw per choice, as few choices as will shrink well ------

_EQUALITY_OPS = ("eq", "ne")
_SUBSTRING_OPS = ("co", "sw", "ew", "co")  # co twice: the operator the planted bug breaks
#: Case modes of a string literal: below ``as_stored`` (3, or 1 for substrings)
#: as stored; up to 6 every ASCII letter in the other case; 7–9 some of them (a
#: fixed pattern per mode).
_CASE_MODES = 10
#: Spelling modes per type: case modes for strings; as stored or at two offsets
#: for dateTimes (:func:`_instant`).
_SPELLINGS = {STRING: _CASE_MODES, REFERENCE: _CASE_MODES, BINARY: _CASE_MODES, DATETIME: 3}
#: 0–2: an atom; 3: and; 4: or; 5: not.
_NODE_KINDS = st.integers(0, 5)


def _index(draw: st.DrawFn, size: int) -> int:
    """A number below ``size``: the one primitive every choice here is made of."""
    return draw(_below(size)) if size > 1 else 0


@lru_cache(maxsize=1024)
def _below(size: int) -> st.SearchStrategy[int]:
    return st.integers(0, size - 1)  # cached: hypothesis' own strategy cache costs more


def _variant(draw: st.DrawFn, ops: tuple[str, ...], item: _Stored) -> tuple[str, int]:
    """An operator of ``ops`` and a spelling mode of the literal, in one draw
    (0: the first operator, the value as stored)."""
    modes = _SPELLINGS.get(item.attribute.type, 1) if isinstance(item.value, str) else 1
    choice = _index(draw, len(ops) * modes)
    return ops[choice % len(ops)], choice // len(ops)


def _literal(item: _Stored, value: JsonScalar, mode: int, as_stored: int = 3) -> JsonScalar:
    """``value`` (``item``'s or a piece of it) spelled by ``mode``: recased strings,
    dateTimes at another offset."""
    if item.attribute.type == DATETIME:
        return _instant(value, mode)
    return _recased(value, mode, as_stored)


def _instant(value: JsonScalar, mode: int) -> JsonScalar:
    """The same instant as ``value``: as stored, at ``+00:00``, or at ``-05:30``.

    dateTime compares chronologically (RFC 7644 §3.4.2.2, pitfalls §5): a
    server that compares the text finds ``Z`` and ``+00:00`` different.
    """
    moment = parse_date_time(value) if mode and isinstance(value, str) else None
    if moment is None:
        return value
    try:
        return moment.astimezone(UTC if mode == 1 else _OFFSET).isoformat()
    except OverflowError:  # 0001-01-01T00:00Z at -05:30 is before year 1: keep it as stored
        return value


_OFFSET = timezone(-timedelta(hours=5, minutes=30))


def _recased(value: JsonScalar, mode: int, as_stored: int = 3) -> JsonScalar:
    """``value`` as stored or with ASCII letters flipped (case folding is unchanged, so a
    caseExact false attribute still matches — RFC 7643 §2.2)."""
    if mode < as_stored or not isinstance(value, str):
        return value
    if mode < 7 or len(value) > _FLIP_LIMIT:
        return value.translate(_ASCII_SWAP)
    return flip_ascii_case(value, random.Random(mode))


def _substring(draw: st.DrawFn, op: str, text: str) -> str:
    """A non-empty piece of ``text`` that ``op`` finds in it: a prefix for ``sw``,
    a suffix for ``ew``, anywhere for ``co`` (cut at code points)."""
    length = 1 + _index(draw, min(len(text), _MAX_SUBSTRING))
    if op == "sw":
        return text[:length]
    if op == "ew":
        return text[len(text) - length :]
    start = _index(draw, len(text) - length + 1)
    return text[start : start + length]


def _equality(draw: st.DrawFn, item: _Stored) -> Compare:
    """``path eq <stored value>`` (or ``ne``), strings often in the other case."""
    op, mode = _variant(draw, _EQUALITY_OPS, item)
    return Compare(item.path, op, _literal(item, item.value, mode))


def _substring_compare(draw: st.DrawFn, item: _Stored) -> Compare:
    """``path co "<piece of a stored string>"`` (or ``sw``/``ew``), mostly recased:
    ``userName co "ADA"`` catches a ``co`` that ignores caseExact false (§3.4.2.2)."""
    assert isinstance(item.value, str)
    op, mode = _variant(draw, _SUBSTRING_OPS, item)
    return Compare(item.path, op, _literal(item, _substring(draw, op, item.value), mode, 1))


def _ordering(draw: st.DrawFn, item: _Stored) -> Compare:
    """``path gt <stored value>`` and kin: the boundary value itself (ge vs gt)."""
    op, mode = _variant(draw, _ORDERING_OPS, item)
    return Compare(item.path, op, _literal(item, item.value, mode))


def _field_atom(draw: st.DrawFn, field: _Stored) -> Filter:
    """A valFilter atom on one stored sub-attribute: eq, a substring, or pr."""
    op, mode = _variant(draw, ("eq", "co", "pr"), field)
    text = field.value if field.attribute.type in _TEXT_TYPES else None
    if op == "co" and isinstance(text, str) and text:
        return Compare(field.path, "co", _literal(field, _substring(draw, "co", text), mode, 1))
    if op == "pr":
        return Present(field.path)
    return Compare(field.path, "eq", _literal(field, field.value, mode))


def _value_path(draw: st.DrawFn, element: _Element) -> ValuePath:
    """``emails[type eq "<stored type>" and value co "<piece>"]`` from one stored element."""
    fields = element.fields
    count = _index(draw, 4) if len(fields) > 1 else 0  # 0–1: one field; 2: and; 3: or
    inner = _field_atom(draw, fields[_index(draw, len(fields))])
    if count >= 2:
        other = _field_atom(draw, fields[_index(draw, len(fields))])
        inner = And(inner, other) if count == 2 else Or(inner, other)
    return ValuePath(element.path, inner)


@lru_cache(maxsize=8)
def _blind_atoms(resource_type: ResourceType) -> st.SearchStrategy[Filter]:
    return st.one_of(
        comparisons(resource_type=resource_type),
        presences(resource_type),
        value_paths(resource_type),
    )


#: (weight, kind) of the atoms: data ones weighted up; ``eq`` first, then ``pr``,
#: so that shrinking tries those before the others.
_ATOM_KINDS = (
    (4, "equal"),
    (2, "present"),
    (2, "lists"),
    (5, "text"),
    (1, "exact"),
    (1, "ordered"),
    (2, "elements"),
    (1, "blind"),  # 1 in 18: they rarely hit, and cost ten times a data atom to draw
)


class _Atoms:
    """Draws atoms from a pool: one draw picks the kind (weights are repeats in
    ``kinds``), one the stored value, one or three more the operator, case and
    substring. Hypothesis draws small ranges evenly and wide ones skewed toward
    0, so each choice is its own small draw.

    A plain class with a short repr: hypothesis prints a strategy's arguments
    (dataclass fields included), and a pool can hold megabytes of stored text.
    """

    def __init__(self, pool: _Pool, resource_type: ResourceType) -> None:
        self.pool = pool
        self.resource_type = resource_type
        offered = {"equal", "present", "lists", "text", "exact", "ordered", "elements"}
        offered = {kind for kind in offered if getattr(pool, kind)} | {"blind"}
        self.kinds = tuple(
            kind for weight, kind in _ATOM_KINDS if kind in offered for _ in range(weight)
        )

    def __repr__(self) -> str:
        sizes = (f"{kind}={len(getattr(self.pool, kind))}" for kind in sorted(set(self.kinds))
                 if kind != "blind")  # fmt: skip
        return f"<atoms of {self.resource_type.name}: {', '.join(sizes)}>"

    def draw(self, draw: st.DrawFn) -> Filter:
        kind = self.kinds[_index(draw, len(self.kinds))]
        if kind == "blind":
            return draw(_blind_atoms(self.resource_type))
        items: tuple[Any, ...] = getattr(self.pool, kind)
        item = items[_index(draw, len(items))]
        if isinstance(item, tuple):  # values at one path: pick one
            item = item[_index(draw, len(item))]
        if kind == "equal":
            return _equality(draw, item)
        if kind in ("present", "lists"):
            return Present(item)
        if kind in ("text", "exact"):
            return _substring_compare(draw, item)
        if kind == "ordered":
            return _ordering(draw, item)
        return _value_path(draw, item)


def _grow(draw: st.DrawFn, atoms: _Atoms, budget: int, depth: int = 0) -> tuple[Filter, int]:
    """A tree of at most ``budget`` atoms under and/or/not, and the atoms it used
    (what :func:`st.recursive` with :func:`_combine` builds, in fewer draws)."""
    kind = draw(_NODE_KINDS) if depth < _MAX_DEPTH else 0
    if kind == 5:
        inner, used = _grow(draw, atoms, budget, depth + 1)
        return Not(inner), used
    if kind < 3 or budget < 2:
        return atoms.draw(draw), 1
    left, used = _grow(draw, atoms, budget - 1, depth + 1)
    right, more = _grow(draw, atoms, budget - used, depth + 1)
    return (And(left, right) if kind == 3 else Or(left, right)), used + more


#: Shapes whose meaning depends on ``and`` binding tighter than ``or``
#: (RFC 7644 §3.4.2.2: "and" before "or"); :func:`render` writes them without
#: parentheses, so a left-to-right evaluator reads ``a or b and c`` as
#: ``(a or b) and c`` and differs wherever ``a`` holds and ``c`` does not.
_SHAPES: tuple[tuple[int, Callable[[list[Filter]], Filter]], ...] = (
    (3, lambda a: Or(a[0], And(a[1], a[2]))),  # a or b and c
    (4, lambda a: Or(And(a[0], a[1]), And(a[2], a[3]))),  # a and b or c and d
    (4, lambda a: Or(a[0], And(And(a[1], a[2]), a[3]))),  # a or b and c and d
    (3, lambda a: Or(And(a[0], a[1]), a[2])),  # a and b or c (right-to-left misreads it)
)


@st.composite
def _data_texts(draw: st.DrawFn, atoms: _Atoms, max_leaves: int) -> str:
    """A tree (half of them a precedence shape) rendered as :func:`_texts` does.

    The render options' coin flips come from a seeded :class:`random.Random`
    (``st.randoms()`` costs a draw per letter recased, most of a text's cost
    with URN-qualified names); the options still shrink away, so a shrunk
    text is plainly spelled.
    """
    shapes = [shape for shape in _SHAPES if shape[0] <= max_leaves]
    if shapes and _index(draw, 2) == 1:
        count, build = shapes[_index(draw, len(shapes))]
        expr = build([atoms.draw(draw) for _ in range(count)])
    else:
        expr, _ = _grow(draw, atoms, max_leaves)
    mask = _index(draw, 2 ** len(_RENDER_OPTIONS))
    options = {name: True for bit, name in enumerate(_RENDER_OPTIONS) if mask >> bit & 1}
    return render(expr, random.Random(draw(_SEEDS) if mask else 0), **options)


_SEEDS = st.integers(0, 2**16 - 1)


def data_filter_texts(
    resource_type: ResourceType,
    resources: Sequence[Mapping[str, Any]],
    max_leaves: int = 6,
) -> st.SearchStrategy[str]:
    """Valid filter strings of ``resource_type`` whose literals come from ``resources``.

    Blind literals rarely meet stored data, so the defects that only show
    on a hit stay hidden: a case-sensitive ``co`` (RFC 7643 §2.2 caseExact),
    ``pr`` true on an empty list (RFC 7644 §3.4.2.2 "non-empty value"), ``or``
    evaluated before ``and``. Here atoms quote the population: ``eq``/``ne``
    with a stored value, ``co``/``sw``/``ew`` with a piece of a stored string
    (both often with ASCII letters recased), orderings against a stored
    value, ``pr`` on paths some resources lack (or all), value paths built
    from stored elements; blind atoms (:func:`comparisons` …) are mixed in
    at low weight. Trees are and/or/not combinations, half of them shapes
    where precedence matters (``a or b and c``), rendered with the options
    of :func:`filter_texts`. Shrinking ends on a plain ``eq``/``pr`` or on the
    simplest atom that still fails (``userName co "P"``).

    ``resources`` are the target's resources in the core's internal
    representation (:func:`harness.fuzz.oracles.canonical`). They are read
    here, once; a draw only indexes into what was found. Values of other
    types than their attribute's (stored garbage) are skipped. Without
    resources this is :func:`filter_texts`.
    """
    if not resources:
        return filter_texts(resource_type, max_leaves)
    atoms = _Atoms(_pool(resource_type, resources), resource_type)
    return _data_texts(atoms, max(1, max_leaves)).filter(_fits_a_url)


#: Longest filter sent, percent-encoded: RFC 9110 §4.1 recommends that senders and
#: recipients support request lines of at least 8000 octets; a longer one tests the
#: target's URL limit (or the HTTP client's), not its filter.
MAX_ENCODED_FILTER = 8000


def _fits_a_url(text: str) -> bool:
    return len(quote(text, safe="")) <= MAX_ENCODED_FILTER


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
