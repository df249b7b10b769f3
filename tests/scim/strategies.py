"""Hypothesis strategies for SCIM filters (RFC 7644 §3.4.2.2) over the User schema.

Filters are drawn from the grammar as typed trees (:mod:`harness.scim.expr`)
that :func:`harness.scim.filters.validate_filter` accepts: attribute paths
come from the schema registry, operators from the operators each data type
supports, literals fit the attribute's type. Resources are drawn in the
internal representation with values from the same small pools as the
literals, so that comparisons often hit. :func:`render` writes a tree as
text with variations a client may use (any case for names and operators,
redundant parentheses), independently of ``str()``.

A later fuzzing issue will promote these to ``harness/fuzz``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

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

# --------------------------------------------------------------------------
# Value pools shared by literals and stored values
# --------------------------------------------------------------------------

#: Strings that collide under case folding, prefixes of each other, and
#: characters that need escaping in a filter.
WORDS = ("a", "A", "ab", "AB", "aB", "b", "Bc", "abc", "é", "É", "x@example.com", "X@Example.COM")
TRICKY = ('"', "\\", 'q"uo\\te', "tab\there", "ü\u00e9\u4e2d", "")

STRINGS: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(WORDS), st.sampled_from(TRICKY), st.text(max_size=6)
)


def _date_time_texts(moment: datetime) -> list[str]:
    """Spellings of one instant: Z, an offset, with and without fraction."""
    utc = moment.astimezone(UTC)
    shifted = moment.astimezone(timezone(timedelta(hours=2)))
    return [
        utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
        utc.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        shifted.strftime("%Y-%m-%dT%H:%M:%S+02:00"),
    ]


_INSTANTS = [datetime(2011, 5, 13, 4, 42, s, tzinfo=UTC) for s in (33, 34, 35)]
DATE_TIMES: st.SearchStrategy[str] = st.sampled_from(
    [text for moment in _INSTANTS for text in _date_time_texts(moment)]
)

NUMBERS: st.SearchStrategy[int | float] = st.one_of(
    st.sampled_from([0, 1, -1, 2, 2.5, 1e3, 10**20]),
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
# Attribute paths of the User resource type
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Leaf:
    """A path a filter may name, with the attribute its comparisons compare."""

    path: AttrPath
    compared: Attribute | None  # None: only ``pr`` applies (complex without value)
    single_valued: bool


def user_leaves(resource_type: ResourceType = USER) -> list[Leaf]:
    """Every filterable path of ``resource_type`` (``returned: never`` excluded, §18)."""
    leaves: list[Leaf] = []
    for container, attribute in resource_type.all_attributes():
        if attribute.returned == NEVER:
            continue
        single = not attribute.multi_valued
        if not attribute.is_complex:
            leaves.append(Leaf(AttrPath(container, attribute.name), attribute, single))
            continue
        value = attribute.sub("value") if attribute.multi_valued else None
        leaves.append(Leaf(AttrPath(container, attribute.name), value, single))
        for sub in attribute.sub_attributes:
            if sub.returned != NEVER:
                leaves.append(Leaf(AttrPath(container, attribute.name, sub.name), sub, single))
    return leaves


LEAVES = user_leaves()
COMPARABLE_LEAVES = [leaf for leaf in LEAVES if leaf.compared is not None]

#: Multi-valued complex attributes, the parents of value paths.
VALUE_PATH_PARENTS = [
    (container, attribute)
    for container, attribute in USER.all_attributes()
    if attribute.is_complex and attribute.multi_valued
]


def _maybe_core_urn(path: AttrPath) -> st.SearchStrategy[AttrPath]:
    """``userName`` or ``urn:…:core:2.0:User:userName`` (RFC 7644 §3.10)."""
    if path.urn is not None:
        return st.just(path)
    return st.sampled_from([path, AttrPath(USER_URN, path.attr, path.sub_attr)])


@st.composite
def comparisons(draw: st.DrawFn, leaves: list[Leaf] = COMPARABLE_LEAVES) -> Compare:
    """``attrPath op value`` whose operator and value fit the attribute type."""
    leaf = draw(st.sampled_from(leaves))
    assert leaf.compared is not None
    op = draw(st.sampled_from(sorted(OPERATORS_BY_TYPE[leaf.compared.type])))
    value: JsonScalar = draw(LITERALS[leaf.compared.type])
    if op in ("eq", "ne") and draw(st.integers(0, 9)) == 0:
        value = None  # RFC 7643 §2.5: null means unassigned
    return Compare(draw(_maybe_core_urn(leaf.path)), op, value)


@st.composite
def presences(draw: st.DrawFn) -> Present:
    leaf = draw(st.sampled_from(LEAVES))
    return Present(draw(_maybe_core_urn(leaf.path)))


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


def element_filters(parent: Attribute) -> st.SearchStrategy[Filter]:
    """A valFilter over ``parent``'s sub-attributes (paths relative to it)."""
    return st.recursive(_element_leaves(parent), _combine, max_leaves=4)


def value_paths() -> st.SearchStrategy[ValuePath]:
    """``emails[type eq "work" and …]`` over the multi-valued complex attributes."""
    return st.one_of(
        *(
            st.builds(ValuePath, st.just(AttrPath(container, parent.name)), element_filters(parent))
            for container, parent in VALUE_PATH_PARENTS
        )
    )


def _combine(children: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    )


def filters(max_leaves: int = 6) -> st.SearchStrategy[Filter]:
    """Valid User filters: comparisons, presence, value paths under and/or/not."""
    leaves = st.one_of(comparisons(), presences(), value_paths())
    return st.recursive(leaves, _combine, max_leaves=max_leaves)


def single_valued_comparisons() -> st.SearchStrategy[Compare]:
    """Comparisons on paths that hold at most one value (for ``ne`` ≡ ``not eq``)."""
    return comparisons([leaf for leaf in COMPARABLE_LEAVES if leaf.single_valued])


def case_insensitive_string_comparisons() -> st.SearchStrategy[Compare]:
    """Comparisons on string attributes with ``caseExact: false`` (RFC 7643 §2.2)."""
    leaves = [
        leaf
        for leaf in COMPARABLE_LEAVES
        if leaf.compared is not None
        and leaf.compared.type in (STRING, REFERENCE)
        and not leaf.compared.case_exact
    ]
    return comparisons(leaves).filter(lambda c: c.value is not None)


# --------------------------------------------------------------------------
# Resources
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


_USER_ATTRIBUTES = [
    (container, attribute)
    for container, attribute in USER.all_attributes()
    if attribute.name != "schemas"
]


@st.composite
def users(draw: st.DrawFn) -> dict[str, Any]:
    """A User in the internal representation (canonical keys, unassigned absent)."""
    resource: dict[str, Any] = {"schemas": [USER_URN]}
    extension: dict[str, Any] = {}
    chosen = draw(st.sets(st.sampled_from(range(len(_USER_ATTRIBUTES))), max_size=10))
    for index in sorted(chosen):
        container, attribute = _USER_ATTRIBUTES[index]
        holder = resource if container is None else extension
        holder[attribute.name] = draw(_attribute_values(attribute))
    if extension:
        resource[ENTERPRISE_USER_URN] = extension
        resource["schemas"].append(ENTERPRISE_USER_URN)
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
def junk_users(draw: st.DrawFn) -> dict[str, Any]:
    """A resource whose known keys hold values of any JSON type (stored garbage)."""
    keys = [attribute.name for container, attribute in USER.all_attributes() if not container]
    resource = draw(st.dictionaries(st.sampled_from(keys), JSON_JUNK, max_size=6))
    if draw(st.booleans()):
        resource[ENTERPRISE_USER_URN] = draw(JSON_JUNK)
    return resource


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
) -> str:
    """Filter text for ``expr``: with ``recase`` names and operators in random case
    (RFC 7644 §3.4.2.2, RFC 7643 §2.1), with ``extra_parens`` redundant groupings."""

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
                text = f"{word('not')} ({walk(inner)})"
            case ValuePath(p, inner):
                text = f"{path(p)}[{walk(inner)}]"
            case Present(p):
                text = f"{path(p)} {word('pr')}"
            case Compare(p, op, value):
                text = f"{path(p)} {word(op)} {json.dumps(value, ensure_ascii=False)}"
        return group(text)

    return walk(expr)


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
