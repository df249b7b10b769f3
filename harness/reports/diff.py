"""Expected vs actual as a structural diff: the RFC 6902 operations between two bodies.

A failure that compares structures (a resource after a PATCH, a round-tripped
attribute) carries both bodies; printing them side by side makes the reader
hunt for the difference, and a textual diff of two serialisations is mostly
noise — key order, the order of a multi-valued attribute, ``userName`` versus
``username``. So both bodies are first brought to a normal form in which only
what SCIM considers meaningful can differ, and ``jsonpatch.make_patch`` then
lists the operations that turn the expected body into the actual one:

* attribute names are case-insensitive (RFC 7643 §2.1), so keys are
  compared lower-cased;
* the order of a multi-valued attribute's values is not significant
  (RFC 7643 §2.4) and neither is the order of ``schemas`` (RFC 7643 §3), so
  every list is sorted by a canonical JSON form of its items.

Nothing is dropped: an attribute the target added or lost is exactly what
the reader must see. Values keep their case (``caseExact`` is a per-attribute
matter the check that failed has already judged).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import jsonpatch
import jsonpointer

#: Shown for "no value on this side" (an ``add`` has no expected value).
ABSENT = object()


def normalise(value: Any) -> Any:
    """``value`` with lower-cased keys and every list in a canonical order.

    Two keys that differ only in case (a target that sent both ``userName``
    and ``username``) keep their own spelling rather than overwrite each
    other: the duplicate is itself something to see.
    """
    if isinstance(value, dict):
        spellings: dict[str, list[str]] = {}
        for key in value:
            spellings.setdefault(str(key).lower(), []).append(key)
        result: dict[str, Any] = {}
        for lower, keys in spellings.items():
            if len(keys) == 1:
                result[lower] = normalise(value[keys[0]])
            else:
                for key in keys:
                    result[str(key)] = normalise(value[key])
        return result
    if isinstance(value, list | tuple):
        return sorted((normalise(item) for item in value), key=_canonical)
    return value


def structural_diff(expected: Any, actual: Any) -> list[dict[str, Any]]:
    """The RFC 6902 operations that turn ``expected`` into ``actual``, after :func:`normalise`.

    An empty list means the bodies are equal as SCIM compares them.
    """
    patch = jsonpatch.make_patch(normalise(expected), normalise(actual)).patch
    return [dict(operation) for operation in patch]


@dataclass(frozen=True)
class DiffRow:
    """One operation as the report's table shows it: what was expected there, what is."""

    op: str
    path: str
    #: The value at ``path`` before the operation (:data:`ABSENT` for an ``add``).
    expected: Any
    #: The value the operation leaves (:data:`ABSENT` for a ``remove``).
    actual: Any
    #: Where a ``move`` or ``copy`` took its value from.
    source: str | None = None


def diff_rows(expected: Any, actual: Any) -> list[DiffRow]:
    """:func:`structural_diff` with each operation's before and after value.

    Operations apply in sequence, so a later path can point into a list an
    earlier one shifted; each before-value is read from the document as the
    previous operations left it, which is what the path means.
    """
    document = normalise(expected)
    spelling = _spellings(expected, actual)
    rows: list[DiffRow] = []
    for operation in structural_diff(expected, actual):
        op, path = str(operation["op"]), _spelt(str(operation["path"]), spelling)
        source = operation.get("from")
        before = _resolve(document, str(operation["path"]))
        if op == "remove":
            after: Any = ABSENT
        elif op in ("add", "replace", "test"):
            after = operation.get("value")
        else:  # move, copy: the value comes from elsewhere in the document
            after = _resolve(document, str(source))
        if op == "add" and _is_list_index(document, str(operation["path"])):
            before = ABSENT  # inserting into a list shifts the values, it overwrites none
        shown_source = None if source is None else _spelt(str(source), spelling)
        rows.append(DiffRow(op, path, before, after, shown_source))
        try:
            document = jsonpatch.apply_patch(document, [operation])
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException):
            break  # cannot happen for a patch make_patch built; keep the rows so far
    return rows


def _spellings(*documents: Any) -> dict[str, str]:
    """Each lower-cased attribute name with the spelling the bodies use (the
    expected body's first): the table shows ``/name/givenName``, not the
    normal form's ``/name/givenname``."""
    found: dict[str, str] = {}

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                found.setdefault(str(key).lower(), str(key))
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    for document in documents:
        walk(document)
    return found


def _spelt(path: str, spelling: dict[str, str]) -> str:
    """A JSON pointer with each name segment in the bodies' own spelling (RFC 6901 escapes kept)."""
    segments = path.split("/")
    for index, segment in enumerate(segments[1:], 1):
        name = segment.replace("~1", "/").replace("~0", "~")
        if name in spelling:
            segments[index] = spelling[name].replace("~", "~0").replace("/", "~1")
    return "/".join(segments)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)


def _resolve(document: Any, path: str) -> Any:
    try:
        return copy.deepcopy(jsonpointer.resolve_pointer(document, path))
    except (jsonpointer.JsonPointerException, KeyError, IndexError, TypeError):
        return ABSENT


def _is_list_index(document: Any, path: str) -> bool:
    parent, _, _ = path.rpartition("/")
    return isinstance(_resolve(document, parent), list)
