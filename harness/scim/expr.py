"""Typed syntax trees for SCIM filters (RFC 7644 §3.4.2.2) and PATCH paths (§3.5.2).

``filters.parse_filter`` and ``paths.parse_path`` produce these; the
evaluator, PATCH application, the SQL push-down and the fuzz strategies
consume them. Each node renders back to canonical filter text with ``str()``
so a parse/serialise round trip can be tested and a shrunk fuzz example reads
as the filter a person would type.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

# RFC 7644 §3.4.2.2 Table 3 (``pr`` is unary and has its own node).
COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")

JsonScalar = str | int | float | bool | None


@dataclass(frozen=True)
class AttrPath:
    """``[URI ":"] ATTRNAME *1subAttr`` — names as the client spelled them."""

    urn: str | None
    attr: str
    sub_attr: str | None = None

    def __str__(self) -> str:
        text = self.attr if self.sub_attr is None else f"{self.attr}.{self.sub_attr}"
        return f"{self.urn}:{text}" if self.urn else text


@dataclass(frozen=True)
class Compare:
    """``attrPath compareOp compValue``; ``value`` is the decoded JSON literal."""

    path: AttrPath
    op: str
    value: JsonScalar

    def __str__(self) -> str:
        return f"{self.path} {self.op} {json.dumps(self.value, ensure_ascii=False)}"


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    path: AttrPath

    def __str__(self) -> str:
        return f"{self.path} pr"


@dataclass(frozen=True)
class And:
    left: Filter
    right: Filter

    def __str__(self) -> str:
        return f"{_wrap(self.left, And)} and {_wrap(self.right, And, right=True)}"


@dataclass(frozen=True)
class Or:
    left: Filter
    right: Filter

    def __str__(self) -> str:
        return f"{_wrap(self.left, Or)} or {_wrap(self.right, Or, right=True)}"


@dataclass(frozen=True)
class Not:
    expr: Filter

    def __str__(self) -> str:
        return f"not ({self.expr})"


@dataclass(frozen=True)
class ValuePath:
    """``attrPath "[" valFilter "]"``: the filter applies to one value at a time.

    ``path`` names the multi-valued (or complex) attribute; the attribute
    paths inside ``filter`` are relative to it (``type``, ``value``).
    """

    path: AttrPath
    filter: Filter

    def __str__(self) -> str:
        return f"{self.path}[{self.filter}]"


Filter = Compare | Present | And | Or | Not | ValuePath


def _wrap(node: Filter, parent: type, *, right: bool = False) -> str:
    """Parenthesise a child only where precedence or grouping needs it.

    ``or`` under ``and`` needs parentheses (``and`` binds tighter, RFC 7644
    §3.4.2.2). ``and``/``or`` associate to the left when parsed, so a right
    operand of the same operator keeps its parentheses: ``a and (b and c)``
    must not come back as ``(a and b) and c`` from a parse of the text.
    """
    if (isinstance(node, Or) and parent is And) or (right and type(node) is parent):
        return f"({node})"
    return str(node)


@dataclass(frozen=True)
class PatchPath:
    """A PATCH ``path`` (RFC 7644 §3.5.2 ABNF): ``attrPath`` or ``valuePath [subAttr]``.

    ``attr`` names the top-level attribute (with its sub-attribute for a plain
    ``name.givenName``); ``value_filter`` selects values of a multi-valued
    attribute; ``sub_attr`` is the sub-attribute after ``]``
    (``emails[type eq "work"].value``).
    """

    attr: AttrPath
    value_filter: Filter | None = None
    sub_attr: str | None = None

    def __str__(self) -> str:
        text = str(self.attr)
        if self.value_filter is not None:
            text += f"[{self.value_filter}]"
        if self.sub_attr is not None:
            text += f".{self.sub_attr}"
        return text


def rewrite(
    expr: Filter,
    path: Callable[[AttrPath], AttrPath] = lambda p: p,
    value: Callable[[JsonScalar], JsonScalar] = lambda v: v,
) -> Filter:
    """``expr`` with every attribute path passed through ``path`` and every
    comparison literal through ``value``; the tree's shape is kept.

    The fuzzer reads one filter several ways (names folded, literals
    NFC-normalised); one walk serves them all.
    """
    match expr:
        case And(left, right):
            return And(rewrite(left, path, value), rewrite(right, path, value))
        case Or(left, right):
            return Or(rewrite(left, path, value), rewrite(right, path, value))
        case Not(inner):
            return Not(rewrite(inner, path, value))
        case ValuePath(p, inner):
            return ValuePath(path(p), rewrite(inner, path, value))
        case Present(p):
            return Present(path(p))
        case Compare(p, op, literal):
            return Compare(path(p), op, value(literal))
    raise TypeError(expr)
