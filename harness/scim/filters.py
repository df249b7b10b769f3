"""SCIM filters (RFC 7644 §3.4.2.2): parse, validate against the schema, evaluate.

Parsing goes through the PyPI package scim2-filter-parser 0.7.0 (on sly 0.5),
a product decision (shared/reference/scim2-filter-parser-notes.md): the
package's grammar rules (``SCIMParser``) build its AST, which is converted to
our typed tree (:mod:`harness.scim.expr`). The package is wrapped, not used
as is, because of measured defects, each fixed here:

* **Precedence.** Its table ``("left", OR, AND)`` puts ``and`` and ``or`` on
  one level, so ``a or b and c`` reads as ``(a or b) and c``. §3.4.2.2 says
  "not" > "and" > "or". sly collects grammar rules from the class body (a
  subclass of ``SCIMParser`` has none and fails with "No grammar rules are
  defined"), so :func:`_grammar` re-declares the grammar class from the
  package's own rule functions with a corrected precedence table.
* **Lexing.** Its ``SCIMLexer`` reads numbers as single digits, ends a string
  at the first ``"`` and keeps escapes raw, returns ``true``/``false``/``null``
  as strings, lexes ``nullable`` as ``null`` + ``able`` (literal rules come
  before names). Its ``SCHEMA_URI`` regex is kept in spirit (the URI is
  everything up to the last ``:`` before the attribute name, §3.10), with
  RFC 3986 scheme and ``%``/``~``/``/`` characters added. Our
  :func:`_tokenize` replaces it and feeds the package's parser sly tokens of
  the same types whose values are already the decoded JSON literals
  (RFC 7644 §3.4.2.2: "compValue … rules from JSON", RFC 7159) and whose
  keywords match case-insensitively (RFC 7644 §3.4.2.2: operators are case
  insensitive).
* **Value paths as attributes.** Its ``attr_path`` rule accepts
  ``emails[type eq "work"].value eq "x"`` (not in the §3.4.2.2 ABNF) and
  rewrites it to ``emails.value[…]``, losing which came first. Filters reject
  such a path; PATCH paths strip the trailing sub-attribute before the parse
  (:mod:`harness.scim.paths`), so the rewrite never runs.

Validation (:func:`validate_filter`) checks a parsed tree against the schema
registry, and evaluation (:func:`matches`) applies it to one stored resource;
both read the attribute characteristics (type, multiValued, caseExact,
returned) from :mod:`harness.scim.schema`.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, Protocol

import sly
from scim2_filter_parser import ast as pkg_ast
from scim2_filter_parser.parser import SCIMParser, SCIMParserError
from sly.lex import Token

from harness.scim import errors
from harness.scim.compat import DEFAULT, Compat
from harness.scim.errors import ScimError
from harness.scim.expr import (
    COMPARE_OPS,
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
from harness.scim.resources import fold, parse_date_time
from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    INTEGER,
    NEVER,
    REFERENCE,
    STRING,
    Attribute,
    AttributeRef,
    ResourceType,
)

__all__ = [
    "MAX_OPERATORS",
    "OPERATORS_BY_TYPE",
    "Reader",
    "attribute_value_compare",
    "compile_filter",
    "explain_unresolved",
    "fold",
    "matches",
    "matches_value",
    "parse_filter",
    "validate_filter",
    "validate_value_filter",
]

# ==========================================================================
# Lexing
# ==========================================================================

#: Logical and grouping operators plus attribute operators a filter may hold.
#: The RFC sets no limit; this one bounds the depth of the tree, which the
#: parser, the evaluator and ``str()`` walk recursively (a server must answer
#: 400, never fail with a RecursionError, whatever the client sends).
MAX_OPERATORS = 100

Kind = Literal["filter", "path"]

_WHITESPACE = " \t\r\n"

# RFC 7644 §3.4.2.2 Tables 3 and 4; matched case-insensitively ("EQ", "And").
_KEYWORDS: dict[str, str] = {op: op.upper() for op in (*COMPARE_OPS, "pr", "and", "or", "not")}

# JSON literals (RFC 7159 §3) are lower case only.
_LITERALS: dict[str, tuple[str, JsonScalar]] = {
    "true": ("TRUE", True),
    "false": ("FALSE", False),
    "null": ("NULL", None),
}

_PUNCTUATION: dict[str, str] = {"(": "LPAREN", ")": "RPAREN", "[": "LBRACKET", "]": "RBRACKET"}

#: Tokens that deepen the tree; counted against :data:`MAX_OPERATORS`.
_DEEPENING = frozenset({"AND", "OR", "NOT", "LPAREN", "LBRACKET"})

# ATTRNAME = ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA (§3.4.2.2);
# the leading "$" admits "$ref" (RFC 7643 §2.3.7, members.$ref, groups.$ref).
_NAME = r"\$?[A-Za-z][A-Za-z0-9_-]*"
_NAME_RE = re.compile(_NAME)
_SUB_ATTR_RE = re.compile(r"\.(" + _NAME + r")")

# attrPath = [URI ":"] ATTRNAME: a URI scheme, then URI characters up to the
# *last* ":" that is followed by an attribute name (§3.10: names never hold
# ":"). Parentheses, brackets and quotes are left out so that grouping and
# strings are never swallowed.
_URI_PREFIX_RE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9:._~%/+-]*:(?=\$?[A-Za-z])")

# Anything that starts like a number; checked against the JSON grammar so that
# "007", "1.", "1and" are reported as malformed numbers, not as two tokens.
_NUMBER_LIKE_RE = re.compile(r"-?[0-9][0-9A-Za-z_.+-]*")
_JSON_NUMBER_RE = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")

# RFC 7159 §7 string: no raw control characters, escapes from a fixed set.
_JSON_STRING_RE = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_JSON_ESCAPES = frozenset('"\\/bfnrtu')
_HEX4_RE = re.compile(r"[0-9a-fA-F]{4}")


class _SyntaxProblem(Exception):
    """A syntax error at a position; :class:`Reader` turns it into a ScimError."""

    def __init__(self, reason: str, position: int | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.position = position


def _token(kind: str, value: Any, start: int, end: int) -> Token:
    token = Token()
    token.type, token.value, token.lineno, token.index, token.end = kind, value, 1, start, end
    return token


def _tokenize(text: str) -> Iterator[Token]:
    """sly tokens of the types ``SCIMParser`` expects, with decoded values."""
    position = 0
    while position < len(text):
        char = text[position]
        if char in _WHITESPACE:
            position += 1
            continue
        token = _next_token(text, position)
        yield token
        position = token.end


def _next_token(text: str, start: int) -> Token:
    char = text[start]
    if char in _PUNCTUATION:
        return _token(_PUNCTUATION[char], char, start, start + 1)
    if char == '"':
        return _string(text, start)
    if char == ".":
        return _sub_attr(text, start)
    if char == "-" or char.isdigit():
        return _number(text, start)
    uri = _URI_PREFIX_RE.match(text, start)
    if uri is not None:
        return _token("SCHEMA_URI", text[start : uri.end() - 1], start, uri.end())
    name = _NAME_RE.match(text, start)
    if name is not None:
        return _word(name.group(), start)
    raise _SyntaxProblem(f"unexpected character {char!r}", start)


def _word(word: str, start: int) -> Token:
    """A keyword (any case), a JSON literal (lower case) or an attribute name."""
    end = start + len(word)
    keyword = _KEYWORDS.get(word.lower())
    if keyword is not None:
        return _token(keyword, word, start, end)
    if word in _LITERALS:
        kind, value = _LITERALS[word]
        return _token(kind, value, start, end)
    return _token("ATTRNAME", word, start, end)


def _sub_attr(text: str, start: int) -> Token:
    """``subAttr = "." ATTRNAME``, with no space on either side of the dot."""
    match = _SUB_ATTR_RE.match(text, start)
    if match is None:
        raise _SyntaxProblem("expected a sub-attribute name right after '.'", start)
    if start > 0 and text[start - 1] in _WHITESPACE:
        raise _SyntaxProblem("unexpected space before '.'", start)
    return _token("SUBATTR", match.group(1), start, match.end())


def _number(text: str, start: int) -> Token:
    """A JSON number (RFC 7159 §6): int when it has no fraction or exponent."""
    match = _NUMBER_LIKE_RE.match(text, start)
    if match is None:
        raise _SyntaxProblem(f"unexpected character {text[start]!r}", start)
    literal = match.group()
    if _JSON_NUMBER_RE.fullmatch(literal) is None:
        raise _SyntaxProblem(f"malformed number {literal!r} (JSON number grammar)", start)
    value: int | float
    try:
        is_int = not any(c in literal for c in ".eE")
        value = int(literal) if is_int else float(literal)
    except ValueError:  # more digits than int() accepts
        raise _SyntaxProblem(f"number {literal[:20]}… is too long", start) from None
    if value in (float("inf"), float("-inf")):
        raise _SyntaxProblem(f"number {literal!r} is out of range", start)
    return _token("NUMBER", value, start, match.end())


def _string(text: str, start: int) -> Token:
    """A JSON string (RFC 7159 §7), decoded (``\\"``, ``\\\\``, ``\\u00e9``)."""
    match = _JSON_STRING_RE.match(text, start)
    if match is None:
        raise _string_problem(text, start)
    return _token("COMP_VALUE", json.loads(match.group()), start, match.end())


def _string_problem(text: str, start: int) -> _SyntaxProblem:
    """Why the string opening at ``start`` is not a JSON string."""
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            escape = text[position + 1 : position + 2]
            if escape not in _JSON_ESCAPES or not escape:
                return _SyntaxProblem(f"invalid escape '\\{escape}' in string", position)
            if escape == "u" and not _HEX4_RE.fullmatch(text[position + 2 : position + 6]):
                return _SyntaxProblem("invalid \\u escape in string (needs 4 hex digits)", position)
            position += 2
            continue
        if ord(char) < 0x20:
            return _SyntaxProblem(
                f"unescaped control character U+{ord(char):04X} in string", position
            )
        position += 1
    return _SyntaxProblem("unterminated string", start)


# ==========================================================================
# The package's grammar with RFC precedence
# ==========================================================================

# RFC 7644 §3.4.2.2: "not" binds tighter than "and", "and" tighter than "or".
_PRECEDENCE = (("left", "OR"), ("left", "AND"), ("right", "NOT"))

_OPERATOR_TOKENS = tuple(op.upper() for op in (*COMPARE_OPS, "pr"))

# How an expected token is named in an error detail, in the order listed.
_EXPECTED_PHRASES: dict[str, str] = {
    **dict.fromkeys(_OPERATOR_TOKENS, "an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr)"),
    **dict.fromkeys(("COMP_VALUE", "NUMBER", "TRUE", "FALSE", "NULL"), "a value"),
    **dict.fromkeys(("ATTRNAME", "SCHEMA_URI"), "an attribute name"),
    "NOT": "'not'",
    "LPAREN": "'('",
    "SUBATTR": "'.' and a sub-attribute",
    "LBRACKET": "'['",
    "AND": "'and'",
    "OR": "'or'",
    "RBRACKET": "']'",
    "RPAREN": "')'",
    "$end": "the end",
}


def _expected_hint(expected: set[str]) -> str:
    """The "; expected '(' or an attribute name" tail of an error detail."""
    phrases = list(dict.fromkeys(_EXPECTED_PHRASES[t] for t in _EXPECTED_PHRASES if t in expected))
    if not phrases:
        return ""
    if len(phrases) == 1:
        return f"; expected {phrases[0]}"
    return f"; expected {', '.join(phrases[:-1])} or {phrases[-1]}"


def _bracket_depth(tokens: list[Token], token: Token | None) -> int:
    """How many ``[`` are open before ``token`` (the end when None)."""
    depth = 0
    for seen in tokens:
        if seen is token:
            break
        depth += {"LBRACKET": 1, "RBRACKET": -1}.get(seen.type, 0)
    return depth


class _UnexpectedToken(Exception):
    def __init__(self, token: Token | None, expected: set[str]) -> None:
        super().__init__(token)
        self.token = token
        self.expected = expected


def _syntax_error(self: sly.Parser, token: Token | None) -> None:
    """sly's error hook: stop at the first error, noting what was expected."""
    raise _UnexpectedToken(token, set(self._lrtable.lr_action[self.state]))


def _grammar(name: str, start: str) -> type[sly.Parser]:
    """A sly parser class made of ``SCIMParser``'s own rule functions.

    sly builds the LALR tables when the class statement runs, from the rule
    functions found in the class namespace (``ParserMeta``); inheriting them
    does not count. Re-declaring the class with the package's rules, our
    precedence table and a chosen start symbol keeps the package's grammar
    and AST while fixing its precedence.
    """
    rules = {key: value for key, value in vars(SCIMParser).items() if hasattr(value, "rules")}
    namespace: dict[str, Any] = {
        "_": None,  # ParserMeta deletes the "_" decorator name it normally injects
        "tokens": SCIMParser.tokens,
        "precedence": _PRECEDENCE,
        "start": start,
        "error": _syntax_error,
        **rules,
    }
    return type(sly.Parser)(name, (sly.Parser,), namespace)


_FilterGrammar = _grammar("_FilterGrammar", "filter")
_AttrPathGrammar = _grammar("_AttrPathGrammar", "attr_path")
_GRAMMARS: dict[str, type[sly.Parser]] = {"filter": _FilterGrammar, "attr_path": _AttrPathGrammar}


# ==========================================================================
# One parse: text -> tokens -> package AST -> our tree
# ==========================================================================

_ERRORS: dict[str, Callable[[str], ScimError]] = {
    "filter": errors.invalid_filter,
    "path": errors.invalid_path,
}


_EXAMPLES: dict[str, str] = {
    "filter": "a filter such as 'userName eq \"bjensen\"' (RFC 7644 §3.4.2.2)",
    "path": "a path such as 'name.familyName' or 'emails[type eq \"work\"].value' "
    "(RFC 7644 §3.5.2)",
}


class Reader:
    """One parse of a filter or a PATCH path text.

    Holds the text for error details (the offending token and its position
    are named, counting characters from 1) and the sly parser instance whose
    position records locate nodes of the package's AST. ``kind`` decides the
    error: ``invalidFilter`` for filters, ``invalidPath`` for anything inside
    a PATCH path, value filter included (RFC 7644 §3.5.2, §3.12 Table 9).
    :mod:`harness.scim.paths` builds its grammar on this class.
    """

    def __init__(self, text: str, kind: Kind) -> None:
        self.text = text
        self.kind = kind
        self._parser: sly.Parser | None = None
        if not isinstance(text, str):
            raise _ERRORS[kind](f"a {kind} must be a string, got {type(text).__name__}")
        if not text.strip():
            raise _ERRORS[kind](f"empty {kind}: expected {_EXAMPLES[kind]}")
        try:
            self.tokens: list[Token] = list(_tokenize(text))
        except _SyntaxProblem as problem:
            raise self.error(problem.reason, problem.position) from None
        deepening = [t for t in self.tokens if t.type in _DEEPENING]
        if len(deepening) > MAX_OPERATORS:
            raise self.error(
                f"more than {MAX_OPERATORS} logical operators, parentheses and brackets "
                "(a limit of this server)",
                deepening[MAX_OPERATORS].index,
            )

    def error(self, reason: str, position: int | None, hint: str = "") -> ScimError:
        """The ScimError for ``reason``: position, the text, then what was expected."""
        text = str(self.text)
        shown = text if len(text) <= 200 else text[:200] + "…"
        where = "" if position is None else f" at position {position + 1}"
        return _ERRORS[self.kind](f"{reason}{where} in {self.kind} {shown!r}{hint}")

    def parse(self, tokens: list[Token], start: Literal["filter", "attr_path"]) -> Any:
        """The package's AST for ``tokens`` read from the ``start`` symbol."""
        self._parser = parser = _GRAMMARS[start]()
        try:
            return parser.parse(iter(tokens))
        except _UnexpectedToken as unexpected:
            raise self._unexpected(unexpected, tokens) from None
        except SCIMParserError:  # attr_path: a value path with two sub-attributes
            raise self.error("a value path takes one sub-attribute at most", None) from None

    def _unexpected(self, unexpected: _UnexpectedToken, tokens: list[Token]) -> ScimError:
        token, expected = unexpected.token, unexpected.expected
        if self.kind == "path" and _bracket_depth(tokens, token) == 0:
            # LALR states are shared with the filter rules; outside brackets a
            # path can only go on with "[", ".sub" or end.
            expected &= {"LBRACKET", "SUBATTR", "$end", "ATTRNAME", "SCHEMA_URI"}
        hint = _expected_hint(expected)
        if token is None:
            return self.error("unexpected end", None, hint)
        shown = self.text[token.index : token.end]
        if token.type == "ATTRNAME" and expected & set(_OPERATOR_TOKENS):
            return self.error(
                f"unsupported operator {shown!r} (RFC 7644 §3.4.2.2 Table 3: "
                "eq, ne, co, sw, ew, gt, ge, lt, le, pr)",
                token.index,
            )
        if token.type == "ATTRNAME" and shown.lower() in _LITERALS:
            hint = f"; JSON literals are lower case: {shown.lower()}"
        return self.error(f"unexpected {shown!r}", token.index, hint)

    def _position(self, node: Any) -> int | None:
        try:
            return int(self._parser.index_position(node)[0]) if self._parser else None
        except (KeyError, TypeError):
            return None

    def to_filter(self, node: Any) -> Filter:
        """Our tree for a node of the package's AST (``Filter``, ``LogExpr``, ``AttrExpr``).

        The package wraps every grouping in a ``Filter`` node (``negated`` for
        ``not (…)``, ``namespace`` for a value path); those become
        :class:`Not` and :class:`ValuePath` or vanish.
        """
        if isinstance(node, pkg_ast.Filter):
            if node.namespace is not None:
                return ValuePath(self._value_path_parent(node.namespace), self.to_filter(node.expr))
            inner = self.to_filter(node.expr)
            return Not(inner) if node.negated else inner
        if isinstance(node, pkg_ast.LogExpr):
            logical = And if node.op.lower() == "and" else Or
            return logical(self.to_filter(node.expr1), self.to_filter(node.expr2))
        path = self.to_attr_path(node.attr_path)
        op = node.value.lower()
        if op == "pr":
            return Present(path)
        return Compare(path, op, node.comp_value.value)

    def to_attr_path(self, node: Any) -> AttrPath:
        """``[URI ":"] ATTRNAME *1subAttr`` (§3.4.2.2); a value path is no attribute path."""
        if isinstance(node.attr_name, pkg_ast.Filter):
            raise self.error(
                "a value path such as 'emails[type eq \"work\"]' cannot be compared or "
                "followed by a sub-attribute in a filter; put the condition inside the "
                'brackets: \'emails[type eq "work" and value eq "…"]\'',
                self._position(node),
            )
        sub = node.sub_attr.value if node.sub_attr is not None else None
        return AttrPath(node.uri, node.attr_name, sub)

    def _value_path_parent(self, node: Any) -> AttrPath:
        if isinstance(node.attr_name, pkg_ast.Filter):
            raise self.error("a value path cannot follow another value path", self._position(node))
        return self.to_attr_path(node)


def parse_filter(text: str) -> Filter:
    """The syntax tree of a filter (RFC 7644 §3.4.2.2); names kept as spelled.

    Raises ``invalidFilter`` (400) for anything that is not a filter: empty
    text, an unknown operator (§3.4.2.2: "'The operator 'regex' is not
    supported'"), unbalanced grouping, trailing text, malformed literals.
    """
    reader = Reader(text, "filter")
    return reader.to_filter(reader.parse(reader.tokens, "filter"))


# ==========================================================================
# Attribute resolution
# ==========================================================================


def explain_unresolved(path: AttrPath, resource_type: ResourceType) -> str:
    """Why ``path`` names nothing in ``resource_type`` (for error details)."""
    is_core = path.urn is None or path.urn.casefold() == resource_type.schema.id.casefold()
    if not is_core and resource_type.extension(str(path.urn)) is None:
        known = ", ".join(resource_type.schema_urns)
        return f"'{path.urn}' is not a schema of {resource_type.name} (known: {known})"
    ref = resource_type.resolve(path.urn, path.attr)
    if ref is None:
        return f"unknown attribute '{path}': {resource_type.name} has no attribute '{path.attr}'"
    owner = ref.attribute.name
    return f"unknown attribute '{path}': '{owner}' has no sub-attribute '{path.sub_attr}'"


def _relative(path: AttrPath, parent: Attribute) -> Attribute | None:
    """The attribute a path inside ``parent[…]`` names (RFC 7644 §3.4.2.2 Table 5).

    Paths in a value filter are sub-attributes of the parent. For a simple
    multi-valued parent (``schemas``) the element itself is the ``value``,
    the reading RFC 7644 §3.5.2 gives for ``[value eq …]`` on simple values.
    """
    if path.urn is not None or path.sub_attr is not None:
        return None
    if parent.is_complex:
        return parent.sub(path.attr)
    return parent if path.attr.casefold() == "value" else None


def _implied_value(attribute: Attribute) -> Attribute | None:
    """The sub-attribute a comparison on a multi-valued complex attribute means.

    §3.4.2.2 Figure 2 filters with ``emails co "example.com"`` next to
    ``emails.value co "example.org"``: a multi-valued complex attribute with a
    ``value`` sub-attribute compares its ``value`` (our reading, the common
    one). Any other complex attribute needs a sub-attribute ("a fully
    qualified sub-attribute MUST be specified", §3.4.2.2).
    """
    if attribute.is_complex and attribute.multi_valued:
        return attribute.sub("value")
    return None


def _compared(attribute: Attribute) -> Attribute | None:
    """The attribute whose values a comparison actually compares."""
    return _implied_value(attribute) if attribute.is_complex else attribute


# ==========================================================================
# Validation
# ==========================================================================

_ORDERING_OPS = ("gt", "ge", "lt", "le")
_SUBSTRING_OPS = ("co", "sw", "ew")

#: Operators each RFC 7643 §2.3 data type supports. Ordering on boolean and
#: binary is excluded by §3.4.2.2 ("SHALL cause a failed response … 400 …
#: invalidFilter"); substring operators on booleans, numbers and dateTime by
#: our policy (pitfalls §6: they are defined on strings).
OPERATORS_BY_TYPE: dict[str, frozenset[str]] = {
    STRING: frozenset(COMPARE_OPS),
    REFERENCE: frozenset(COMPARE_OPS),
    BINARY: frozenset(("eq", "ne", *_SUBSTRING_OPS)),
    BOOLEAN: frozenset(("eq", "ne")),
    INTEGER: frozenset(("eq", "ne", *_ORDERING_OPS)),
    DECIMAL: frozenset(("eq", "ne", *_ORDERING_OPS)),
    DATETIME: frozenset(("eq", "ne", *_ORDERING_OPS)),
    COMPLEX: frozenset(),
}


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _is_date_time(value: Any) -> bool:
    return isinstance(value, str) and parse_date_time(value) is not None


#: Which JSON literal fits each data type (RFC 7643 §2.3), and how to say so.
#: Numbers of either kind fit both integer and decimal: the comparison is
#: numeric (§3.4.2.2) and ``age gt 1.5`` is well defined on integers.
_LITERAL_FITS: dict[str, tuple[Callable[[Any], bool], str]] = {
    STRING: (_is_string, "a JSON string"),
    REFERENCE: (_is_string, "a JSON string"),
    BINARY: (_is_string, "a JSON string (base64)"),
    BOOLEAN: (_is_boolean, "true or false"),
    INTEGER: (_is_number, "a JSON number"),
    DECIMAL: (_is_number, "a JSON number"),
    DATETIME: (_is_date_time, 'an xsd:dateTime string such as "2011-05-13T04:42:34Z"'),
}


def _string_boolean(value: Any) -> bool | None:
    """``"True"``/``"false"`` (any case) as a boolean, else None (Compat.string_booleans)."""
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value.casefold())
    return None


class _Names(Protocol):
    """Where the attribute paths of a (sub-)filter are resolved."""

    def leaf(self, path: AttrPath) -> Attribute: ...

    def parent(self, path: AttrPath) -> Attribute: ...


@dataclass(frozen=True)
class _ResourceNames:
    """Paths of a filter: resolved against the resource type (RFC 7644 §3.10)."""

    resource_type: ResourceType

    def _ref(self, path: AttrPath) -> AttributeRef:
        ref = self.resource_type.resolve(path.urn, path.attr, path.sub_attr)
        if ref is None:
            raise errors.invalid_filter(explain_unresolved(path, self.resource_type))
        if NEVER in (ref.attribute.returned, ref.target.returned):
            # pitfalls §18: a filter would reveal a value that is never returned.
            raise errors.invalid_filter(
                f"'{path}' cannot be used in a filter: it is never returned (RFC 7643 §7)"
            )
        return ref

    def leaf(self, path: AttrPath) -> Attribute:
        return self._ref(path).target

    def parent(self, path: AttrPath) -> Attribute:
        ref = self._ref(path)
        if ref.sub_attribute is not None or not (
            ref.attribute.is_complex or ref.attribute.multi_valued
        ):
            raise errors.invalid_filter(
                f"'{path}[…]': a value filter needs a complex or multi-valued attribute "
                "(RFC 7644 §3.4.2.2 Table 5)"
            )
        return ref.attribute


@dataclass(frozen=True)
class _ElementNames:
    """Paths inside ``parent[…]``: sub-attributes of the parent (§3.4.2.2 Table 5)."""

    parent_attribute: Attribute

    def leaf(self, path: AttrPath) -> Attribute:
        attribute = _relative(path, self.parent_attribute)
        if attribute is None:
            name = self.parent_attribute.name
            hint = "sub-attributes" if self.parent_attribute.is_complex else "'value'"
            raise errors.invalid_filter(
                f"'{path}' is not a sub-attribute of '{name}': a value filter on '{name}' "
                f"may only name its {hint} (RFC 7644 §3.4.2.2)"
            )
        if attribute.returned == NEVER:
            raise errors.invalid_filter(f"'{path}' cannot be used in a filter: never returned")
        return attribute

    def parent(self, path: AttrPath) -> Attribute:
        raise errors.invalid_filter(
            f"'{path}[…]': value filters cannot be nested inside "
            f"'{self.parent_attribute.name}[…]' (RFC 7644 §3.4.2.2 valFilter)"
        )


def _check(expr: Filter, names: _Names, compat: Compat) -> None:
    match expr:
        case And(left, right) | Or(left, right):
            _check(left, names, compat)
            _check(right, names, compat)
        case Not(inner):
            _check(inner, names, compat)
        case ValuePath(path, inner):
            _check(inner, _ElementNames(names.parent(path)), compat)
        case Present(path):
            names.leaf(path)  # pr applies to complex attributes too (§3.4.2.2 Table 3)
        case Compare(path, op, value):
            _check_comparison(path, names.leaf(path), op, value, compat)


def _check_comparison(
    path: AttrPath, attribute: Attribute, op: str, value: JsonScalar, compat: Compat
) -> None:
    compared = _compared(attribute)
    if compared is None:
        raise errors.invalid_filter(
            f"'{path}' is a complex attribute: compare one of its sub-attributes, "
            f"e.g. '{path}.{attribute.sub_attributes[0].name}' (RFC 7644 §3.4.2.2)"
        )
    if value is None:
        # RFC 7643 §2.5: null is "unassigned"; only (in)equality means anything.
        if op not in ("eq", "ne"):
            raise errors.invalid_filter(f"'{path} {op} null': null compares with eq or ne only")
        return
    if op not in OPERATORS_BY_TYPE[compared.type]:
        raise errors.invalid_filter(_operator_refusal(path, compared, op))
    fits, expected = _LITERAL_FITS[compared.type]
    if fits(value) or (
        compared.type == BOOLEAN and compat.string_booleans and _string_boolean(value) is not None
    ):
        return
    raise errors.invalid_filter(
        f"'{path} {op} {json.dumps(value, ensure_ascii=False)}': '{path}' is of type "
        f"{compared.type}, the value must be {expected} (RFC 7644 §3.4.2.2, RFC 7643 §2.3)"
    )


def _operator_refusal(path: AttrPath, attribute: Attribute, op: str) -> str:
    if op in _ORDERING_OPS:
        why = (
            "RFC 7644 §3.4.2.2: boolean and binary attributes SHALL cause a failed response "
            "for gt, ge, lt, le"
        )
    else:
        why = "co, sw and ew compare strings only"
    return f"operator '{op}' cannot be applied to '{path}', of type {attribute.type} ({why})"


def validate_filter(expr: Filter, resource_type: ResourceType, compat: Compat = DEFAULT) -> None:
    """Check a parsed filter against ``resource_type``'s schemas; raise invalidFilter.

    §3.4.2.2 and §3.12 Table 9 ("the specified attribute and filter
    comparison combination is not supported"): unknown attributes and
    extension URNs (pitfalls §7), ``returned: never`` attributes (pitfalls
    §18), operators the attribute's type does not support (pitfalls §6),
    values that do not fit the type (an xsd:dateTime for dateTime, pitfalls
    §5; ``"True"`` for a boolean only under ``compat.string_booleans``), and
    a complex attribute compared without a sub-attribute — except a
    multi-valued one with ``value`` (``emails eq "x"`` means ``emails.value``).
    """
    _check(expr, _ResourceNames(resource_type), compat)


def validate_value_filter(
    expr: Filter, parent: AttributeRef, resource_type: ResourceType, compat: Compat = DEFAULT
) -> None:
    """Check the valFilter of ``parent[…]``; its paths are relative to ``parent``.

    Raises ``invalidFilter``; :func:`harness.scim.paths.resolve_path` turns it
    into ``invalidPath`` inside a PATCH path.
    """
    _check(expr, _ElementNames(parent.attribute), compat)


def compile_filter(text: str, resource_type: ResourceType, compat: Compat = DEFAULT) -> Filter:
    """:func:`parse_filter` then :func:`validate_filter`: what a query handler needs."""
    expr = parse_filter(text)
    validate_filter(expr, resource_type, compat)
    return expr


# ==========================================================================
# Evaluation
# ==========================================================================


def _strings(attribute: Attribute, stored: Any, literal: Any) -> tuple[Any, Any] | None:
    if isinstance(stored, str) and isinstance(literal, str):
        return fold(attribute, stored), fold(attribute, literal)
    return None


def _booleans(attribute: Attribute, stored: Any, literal: Any) -> tuple[Any, Any] | None:
    wanted = literal if isinstance(literal, bool) else _string_boolean(literal)
    if isinstance(stored, bool) and wanted is not None:
        return stored, wanted
    return None


def _numbers(attribute: Attribute, stored: Any, literal: Any) -> tuple[Any, Any] | None:
    if _is_number(stored) and _is_number(literal):
        return stored, literal
    return None


def _instants(attribute: Attribute, stored: Any, literal: Any) -> tuple[Any, Any] | None:
    if not (isinstance(stored, str) and isinstance(literal, str)):
        return None
    left, right = parse_date_time(stored), parse_date_time(literal)
    if left is None or right is None:
        return None
    return left, right


#: How each data type puts a stored value and a literal side by side
#: (§3.4.2.2: strings by caseExact, dateTime chronologically, numbers
#: numerically); None when they are not comparable, which is no match.
_COMPARABLE: dict[str, Callable[[Attribute, Any, Any], tuple[Any, Any] | None]] = {
    STRING: _strings,
    REFERENCE: _strings,
    BINARY: _strings,
    BOOLEAN: _booleans,
    INTEGER: _numbers,
    DECIMAL: _numbers,
    DATETIME: _instants,
}

_OPERATIONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "co": lambda stored, literal: literal in stored,
    "sw": lambda stored, literal: stored.startswith(literal),
    "ew": lambda stored, literal: stored.endswith(literal),
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def attribute_value_compare(attribute: Attribute, stored: Any, op: str, literal: Any) -> bool:
    """Whether one stored value of ``attribute`` satisfies ``op literal`` (§3.4.2.2 Table 3).

    The single comparison primitive: strings fold by ``caseExact``
    (:func:`fold`, RFC 7643 §2.2) and order by code point ("lexicographical"),
    dateTime compares as instants, numbers numerically. ``ne`` is ``not eq``.
    A stored value of another type, or an operator the type does not
    support, is no match — never an exception.
    """
    if op == "ne":
        return not attribute_value_compare(attribute, stored, "eq", literal)
    if op not in OPERATORS_BY_TYPE.get(attribute.type, frozenset()):
        return False
    comparable = _COMPARABLE[attribute.type](attribute, stored, literal)
    if comparable is None:
        return False
    return bool(_OPERATIONS[op](*comparable))


def _present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr``: "a non-empty or non-null value, or … a non-empty node".

    ``null``, ``""``, ``[]`` and ``{}`` (and containers of only those) are
    empty (RFC 7643 §2.5, pitfalls §3); ``false`` and ``0`` are values.
    """
    if value is None:
        return False
    if isinstance(value, str):
        return value != ""
    if isinstance(value, list):
        return any(_present(item) for item in value)
    if isinstance(value, dict):
        return any(_present(item) for item in value.values())
    return True


@dataclass(frozen=True)
class _Operand:
    """The values one attribute path designates: empty when unassigned."""

    attribute: Attribute
    values: list[Any]


def _compare(operand: _Operand, op: str, literal: JsonScalar) -> bool:
    """§3.4.2.2 with pitfalls §1–§2: any value may match; absent matches only ``ne``."""
    if literal is None:
        assigned = any(_present(value) for value in operand.values)
        return assigned if op == "ne" else (op == "eq" and not assigned)
    attribute = _compared(operand.attribute)
    if attribute is None:
        return False
    values = operand.values
    if attribute is not operand.attribute:  # emails eq "x" compares emails.value
        values = [v for v in (_get(element, attribute.name) for element in values) if v is not None]
    if not values:
        return op == "ne"
    return any(attribute_value_compare(attribute, value, op, literal) for value in values)


class _Scope(Protocol):
    """Where paths are evaluated: a whole resource, or one element of a value path."""

    def operand(self, path: AttrPath) -> _Operand | None: ...

    def elements(self, path: AttrPath) -> tuple[Attribute, list[Any]] | None: ...


def _stored(resource: Any, ref: AttributeRef) -> list[Any]:
    """The assigned values at ``ref``: multi-valued attributes are flattened."""
    holder = resource if ref.container is None else _get(resource, ref.container)
    value = _get(holder, ref.attribute.name)
    items = _values_of(ref.attribute, value)
    if ref.sub_attribute is not None:
        items = [_get(item, ref.sub_attribute.name) for item in items]
    return [item for item in items if item is not None]


def _values_of(attribute: Attribute, value: Any) -> list[Any]:
    """The values an attribute holds; a multi-valued one stored as a non-array has none."""
    if not attribute.multi_valued:
        return [value]
    return value if isinstance(value, list) else []


def _get(holder: Any, key: str) -> Any:
    return holder.get(key) if isinstance(holder, dict) else None


@dataclass(frozen=True)
class _ResourceScope:
    resource: Any
    resource_type: ResourceType

    def _ref(self, path: AttrPath) -> AttributeRef | None:
        return self.resource_type.resolve(path.urn, path.attr, path.sub_attr)

    def operand(self, path: AttrPath) -> _Operand | None:
        ref = self._ref(path)
        return None if ref is None else _Operand(ref.target, _stored(self.resource, ref))

    def elements(self, path: AttrPath) -> tuple[Attribute, list[Any]] | None:
        ref = self._ref(path)
        if ref is None or ref.sub_attribute is not None:
            return None
        return ref.attribute, _stored(self.resource, ref)


@dataclass(frozen=True)
class _ElementScope:
    element: Any
    parent: Attribute

    def operand(self, path: AttrPath) -> _Operand | None:
        attribute = _relative(path, self.parent)
        if attribute is None:
            return None
        value = self.element if attribute is self.parent else _get(self.element, attribute.name)
        return _Operand(attribute, [] if value is None else [value])

    def elements(self, path: AttrPath) -> tuple[Attribute, list[Any]] | None:
        return None


def _evaluate(expr: Filter, scope: _Scope) -> bool:
    match expr:
        case And(left, right):
            return _evaluate(left, scope) and _evaluate(right, scope)
        case Or(left, right):
            return _evaluate(left, scope) or _evaluate(right, scope)
        case Not(inner):
            return not _evaluate(inner, scope)
        case ValuePath(path, inner):
            # Table 5: the whole inner filter applies to one value at a time.
            found = scope.elements(path)
            if found is None:
                return False
            parent, elements = found
            return any(_evaluate(inner, _ElementScope(element, parent)) for element in elements)
        case Present(path):
            operand = scope.operand(path)
            return operand is not None and any(_present(v) for v in operand.values)
        case Compare(path, op, value):
            operand = scope.operand(path)
            return operand is not None and _compare(operand, op, value)
    return False


def matches(expr: Filter, resource: dict[str, Any], resource_type: ResourceType) -> bool:
    """Whether a stored resource satisfies a validated filter (RFC 7644 §3.4.2.2).

    Pure and total: whatever ``resource`` holds, the answer is a bool. Rules:
    multi-valued attributes match when any value does; ``emails eq "x"``
    compares ``emails.value``; value paths apply the inner filter to one
    element at a time; an unassigned attribute matches no operator but
    ``ne`` (pitfalls §1), ``pr`` needs a non-empty value (pitfalls §3);
    ``eq null`` holds for an unassigned attribute and ``ne null`` for an
    assigned one (RFC 7643 §2.5); ``not`` inverts.
    """
    return _evaluate(expr, _ResourceScope(resource, resource_type))


def matches_value(
    expr: Filter, value: Any, parent: AttributeRef, resource_type: ResourceType
) -> bool:
    """Whether one element of ``parent`` satisfies the valFilter of a PATCH path (§3.5.2).

    ``emails[type eq "work"]``: ``expr`` is ``type eq "work"`` and ``value``
    one element of ``emails``; for a simple multi-valued attribute the
    element is the scalar and the filter names it ``value``.
    """
    return _evaluate(expr, _ElementScope(value, parent.attribute))
