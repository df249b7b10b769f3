"""Ids as ``{idN}`` placeholders: put into a replay recipe and taken out again by structure.

A replay recipe (:class:`~harness.fuzz.findings.ReplayStep`) names the ids a
target assigned as ``{id0}``, ``{id1}`` … so that it replays on a tenant that
assigns other ids. Ids are opaque strings the service provider chooses
(RFC 7643 §3.1: "a unique identifier … assigned by the service provider");
a real server may use small integers, so an id of ``"3"`` must not be
found inside ``\\ud83c``, inside the run prefix ``scimh-fz-3a…`` or inside
``count=3``. Substituting in the JSON *text* did exactly that (the filter
properties then died with a ``JSONDecodeError`` on such a server), so here
an id is replaced only where it is a whole value:

* in JSON, a string equal to the id; in the strings that hold a filter —
  a PATCH operation's ``path`` (RFC 7644 §3.5.2 ``valuePath``) and a
  SearchRequest's ``filter`` (§3.4.3) — a quoted literal equal to it
  (``members[value eq "3"]``, the filter grammar's ``compValue``, §3.4.2.2);
* in a request path, a path segment equal to it (``/Users/3``) and, in the
  query, a quoted literal of the ``filter`` parameter;
* in a sentence (a finding's summary), the id quoted (``'3'``, ``"3"``) or
  as a path segment (``/Users/3``) — never a bare number in the prose.

Filling placeholders back in works on the same structure (every string of a
JSON value), so an id with a quote or a backslash cannot break the JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode

PLACEHOLDER = re.compile(r"\{id(\d+)\}")
#: A placeholder as :func:`urlencode` writes it.
PLACEHOLDER_ENCODED = re.compile(r"%7Bid(\d+)%7D")
#: A double-quoted literal of the filter grammar (RFC 7644 §3.4.2.2, JSON string syntax).
_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')
#: JSON members whose string value is (or holds) a filter.
_FILTER_KEYS = frozenset({"path", "filter"})
#: What may follow an id written as a path segment in a sentence.
_SEGMENT_END = r"(?=$|[\s/?#,;:)\]'\"])"


def placeholder(index: int) -> str:
    return f"{{id{index}}}"


def numbering(ids: list[str]) -> dict[str, str]:
    """Each id's placeholder (the first position wins if an id repeats)."""
    out: dict[str, str] = {}
    for index, resource_id in enumerate(ids):
        out.setdefault(resource_id, placeholder(index))
    return out


def _literals(text: str, swap: Callable[[str], str | None]) -> str:
    """``text`` with each quoted literal whose value ``swap`` maps replaced, re-quoted."""

    def one(match: re.Match[str]) -> str:
        try:
            value = json.loads(match[0])
        except ValueError:
            return match[0]
        new = swap(value) if isinstance(value, str) else None
        return match[0] if new is None else json.dumps(new, ensure_ascii=False)

    return _LITERAL.sub(one, text)


def _walk(value: Any, leaf: Callable[[str, str | None], str]) -> Any:
    """``value`` with every string passed through ``leaf(string, member name)``."""
    if isinstance(value, str):
        return leaf(value, None)
    if isinstance(value, list):
        return [_walk(item, leaf) for item in value]
    if isinstance(value, Mapping):
        return {
            key: leaf(item, key) if isinstance(item, str) else _walk(item, leaf)
            for key, item in value.items()
        }
    return value


def template_value(value: Any, ids: list[str]) -> Any:
    """A JSON value with each whole-string id (and each id literal in a filter) as ``{idN}``."""
    names = numbering(ids)
    if not names:
        return value

    def leaf(text: str, key: str | None) -> str:
        if text in names:
            return names[text]
        if key in _FILTER_KEYS:
            return _literals(text, names.get)
        return text

    return _walk(value, leaf)


def template_filter(text: str, ids: list[str]) -> str:
    """A filter with each quoted literal equal to an id as ``"{idN}"`` (RFC 7644 §3.4.2.2)."""
    return _literals(text, numbering(ids).get)


def template_path(path: str, ids: list[str]) -> str:
    """``/Users/{id0}?filter=…`` for a request path: whole segments, ``filter`` literals.

    The path is returned unchanged when it names none of the ids; otherwise
    the query is re-encoded as :func:`urlencode` does, with each placeholder
    left readable (``{id0}``, as replays fill it in).
    """
    names = numbering(ids)
    if not names:
        return path
    base, mark, query = path.partition("?")
    segments = [names.get(unquote(segment), segment) for segment in base.split("/")]
    new_base = "/".join(segments)
    pairs = parse_qsl(query, keep_blank_values=True) if mark else []
    new_pairs = [
        (key, template_filter(value, ids) if key == "filter" else value) for key, value in pairs
    ]
    if new_pairs != pairs:
        encoded = PLACEHOLDER_ENCODED.sub(r"{id\1}", urlencode(new_pairs))
        return f"{new_base}?{encoded}"
    return new_base + mark + query


def template_text(text: str, ids: list[str]) -> str:
    """A sentence with each id written quoted or as a path segment replaced by ``{idN}``."""
    names = numbering(ids)
    for resource_id in sorted(names, key=len, reverse=True):
        escaped = re.escape(resource_id)
        pattern = (
            rf"(?<=')({escaped})(?=')|(?<=\")({escaped})(?=\")|(?<=/)({escaped}){_SEGMENT_END}"
        )
        text = re.sub(pattern, names[resource_id], text)
    return text


def fill_value(value: Any, ids: list[str]) -> Any:
    """A JSON value with ``{idN}`` back to the N-th id, string by string."""

    def leaf(text: str, key: str | None) -> str:
        if key in _FILTER_KEYS:
            text = _literals(text, lambda literal: _filled_or_none(literal, ids))
        return PLACEHOLDER.sub(lambda match: ids[int(match[1])], text)

    return _walk(value, leaf)


def _filled_or_none(literal: str, ids: list[str]) -> str | None:
    match = PLACEHOLDER.fullmatch(literal)
    return ids[int(match[1])] if match else None


def referenced(value: Any) -> set[int]:
    """The placeholder numbers a templated JSON value names."""
    found: set[int] = set()

    def leaf(text: str, key: str | None) -> str:
        found.update(int(match[1]) for match in PLACEHOLDER.finditer(text))
        return text

    _walk(value, leaf)
    return found


def segment(resource_id: str) -> str:
    """An id as one path segment (RFC 3986 §3.3): every reserved character percent-encoded."""
    return quote(resource_id, safe="")
