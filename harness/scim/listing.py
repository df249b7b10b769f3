"""Listing: query parameters, sorting, paging and the ListResponse (RFC 7644 §3.4.2, §3.4.3).

A query reaches the service provider either as URL parameters on
``GET /Users`` (§3.4.2) or as a ``SearchRequest`` body on ``POST /.search``
(§3.4.3); both become one :class:`ListQuery`. Sorting follows §3.4.2.3 with
the same case-folding rule as filters (:func:`harness.scim.resources.fold`);
paging is 1-based (§3.4.2.4).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.scim import errors
from harness.scim.compat import Compat
from harness.scim.resources import fold, parse_attribute_list, parse_date_time, resolve_name
from harness.scim.schema import (
    BINARY,
    BOOLEAN,
    DATETIME,
    DECIMAL,
    INTEGER,
    LIST_RESPONSE_URN,
    NEVER,
    REFERENCE,
    SEARCH_REQUEST_URN,
    STRING,
    WRITE_ONLY,
    Attribute,
    AttributeRef,
    ResourceType,
)

ASCENDING = "ascending"
DESCENDING = "descending"
SORT_ORDERS = (ASCENDING, DESCENDING)


@dataclass(frozen=True)
class ListQuery:
    """One list/search request, whichever way it arrived.

    ``start_index`` is already clamped to ≥ 1 and ``count`` to
    ``0..max_results`` (RFC 7644 §3.4.2.4); ``count`` is None only when the
    caller gave no default either (no limit).
    """

    filter: str | None = None
    sort_by: str | None = None
    sort_order: str = ASCENDING
    start_index: int = 1
    count: int | None = None
    attributes: list[str] | None = None
    excluded: list[str] | None = None

    @property
    def descending(self) -> bool:
        return self.sort_order == DESCENDING


# --------------------------------------------------------------------------
# GET query parameters (§3.4.2)
# --------------------------------------------------------------------------

_INTEGER_RE = re.compile(r"[+-]?\d+", re.ASCII)


def query_from_params(
    params: Mapping[str, str], max_results: int, default_count: int | None
) -> ListQuery:
    """A :class:`ListQuery` from URL query parameters (RFC 7644 §3.4.2).

    Parameter names are matched case-insensitively: the RFC spells them
    ``startIndex``, ``sortBy`` … and says nothing of case, and tolerance costs
    nothing. Unknown parameters are ignored (Entra appends feature flags such
    as ``aadOptscim062020`` to the base URL). A blank value counts as absent.
    """
    named = {key.casefold(): value for key, value in params.items()}

    def get(name: str) -> str | None:
        value = named.get(name.casefold())
        return value if value is not None and value.strip() else None

    start_text, count_text = get("startIndex"), get("count")
    start = None if start_text is None else _parse_int("startIndex", start_text)
    count = None if count_text is None else _parse_int("count", count_text)
    return ListQuery(
        filter=get("filter"),
        sort_by=_strip(get("sortBy")),
        sort_order=_sort_order(get("sortOrder")),
        start_index=_start_index(start),
        count=_count(count, max_results, default_count),
        attributes=parse_attribute_list(get("attributes")),
        excluded=parse_attribute_list(get("excludedAttributes")),
    )


def _strip(text: str | None) -> str | None:
    return None if text is None else text.strip()


def _parse_int(name: str, text: str) -> int:
    """An integer parameter; anything else is a client error (pitfalls §23)."""
    stripped = text.strip()
    if not _INTEGER_RE.fullmatch(stripped):
        raise errors.invalid_value(f"'{name}' must be an integer, got {text!r}")
    return int(stripped)


def _sort_order(text: str | None) -> str:
    """§3.4.2.3: "ascending" or "descending" (default ascending); case tolerated."""
    if text is None:
        return ASCENDING
    order = text.strip().casefold()
    if order not in SORT_ORDERS:
        raise errors.invalid_value(
            f'\'sortOrder\' must be "ascending" or "descending", got {text!r}'
        )
    return order


def _start_index(value: int | None) -> int:
    """§3.4.2.4: 1-based; "a value less than 1 SHALL be interpreted as 1"."""
    return 1 if value is None or value < 1 else value


def _count(value: int | None, max_results: int, default_count: int | None) -> int | None:
    """§3.4.2.4: negative "SHALL be interpreted as 0"; never above the server's maximum.

    Clipping a count above ``filter.maxResults`` (RFC 7643 §5) to the maximum
    is allowed because the service provider "MAY return fewer results" than
    asked; ``totalResults`` still tells the client there is more.
    """
    if value is None:
        value = default_count
    if value is None:
        return None
    return min(max(value, 0), max_results)


# --------------------------------------------------------------------------
# POST /.search body (§3.4.3)
# --------------------------------------------------------------------------


def query_from_search_request(
    body: Any, max_results: int, default_count: int | None, compat: Compat
) -> ListQuery:
    """A :class:`ListQuery` from a ``SearchRequest`` body (RFC 7644 §3.4.3).

    The body carries ``schemas`` with the SearchRequest URN (else 400
    ``invalidSyntax``, pitfalls §21, unless ``compat.lenient_schemas``);
    ``attributes``/``excludedAttributes`` are JSON arrays of strings and
    ``startIndex``/``count`` JSON integers, as the §3.4.3 example shows them;
    a value of another type is 400 ``invalidValue``. Member names match
    case-insensitively (RFC 7643 §2.1); nulls are absent; unknown members are
    ignored.
    """
    if not isinstance(body, dict):
        raise errors.invalid_syntax(
            f"a SearchRequest must be a JSON object, got {type(body).__name__}"
        )
    members = {key.casefold(): value for key, value in body.items() if value is not None}
    _check_search_schemas(members.get("schemas"), compat)

    def get(name: str, kind: Callable[[str, Any], Any]) -> Any:
        value = members.get(name.casefold())
        return None if value is None else kind(name, value)

    return ListQuery(
        filter=get("filter", _json_string),
        sort_by=_strip(get("sortBy", _json_string)),
        sort_order=_sort_order(get("sortOrder", _json_string)),
        start_index=_start_index(get("startIndex", _json_int)),
        count=_count(get("count", _json_int), max_results, default_count),
        attributes=get("attributes", _json_names),
        excluded=get("excludedAttributes", _json_names),
    )


def _check_search_schemas(schemas: Any, compat: Compat) -> None:
    if compat.lenient_schemas:
        return
    if not isinstance(schemas, list) or SEARCH_REQUEST_URN not in schemas:
        raise errors.invalid_syntax(
            f'a SearchRequest must have "schemas": ["{SEARCH_REQUEST_URN}"] '
            f"(RFC 7644 §3.4.3), got {schemas!r}"
        )


def _json_string(name: str, value: Any) -> str | None:
    if not isinstance(value, str):
        raise errors.invalid_value(f"'{name}' must be a string, got {value!r}")
    return value if value.strip() else None


def _json_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.invalid_value(f"'{name}' must be an integer, got {value!r}")
    return value


def _json_names(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise errors.invalid_value(f"'{name}' must be an array of attribute names, got {value!r}")
    return [item.strip() for item in value if item.strip()]


# --------------------------------------------------------------------------
# Sorting (§3.4.2.3)
# --------------------------------------------------------------------------


def validate_sort_by(sort_by: str, resource_type: ResourceType) -> AttributeRef:
    """The attribute ``sortBy`` designates, or 400 ``invalidValue``.

    §3.4.2.3: an attribute path in standard notation (case-insensitive,
    optionally URN-qualified); a complex attribute must be named down to a
    sub-attribute — for a complex attribute with a ``value`` sub-attribute
    (``emails``, ``manager``) that one is taken, as is conventional. Sorting
    on ``binary`` values or on ``password`` (writeOnly, returned never:
    ordering by it would leak it) is refused (pitfalls §18, §25).
    """
    ref = resolve_name(sort_by.strip(), resource_type)
    if ref is None:
        raise errors.invalid_value(
            f"sortBy {sort_by!r} is not an attribute of resource type {resource_type.name}"
        )
    if ref.sub_attribute is None and ref.attribute.is_complex:
        value = ref.attribute.sub("value")
        if value is None:
            raise errors.invalid_value(
                f"sortBy {sort_by!r} names a complex attribute; name a sub-attribute such as "
                f"'{ref.attribute.name}.{ref.attribute.sub_attributes[0].name}' (RFC 7644 §3.4.2.3)"
            )
        ref = AttributeRef(ref.schema_urn, ref.attribute, value, ref.container)
    target = ref.target
    if target.type == BINARY:
        raise errors.invalid_value(f"sortBy {sort_by!r}: binary values have no order")
    if target.returned == NEVER or target.mutability == WRITE_ONLY:
        raise errors.invalid_value(f"sortBy {sort_by!r}: the attribute is never returned")
    return ref


_SortValue = str | int | float | datetime


def _key_string(attribute: Attribute, value: Any) -> _SortValue | None:
    return fold(attribute, value) if isinstance(value, str) else None


def _key_number(attribute: Attribute, value: Any) -> _SortValue | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


def _key_boolean(attribute: Attribute, value: Any) -> _SortValue | None:
    return int(value) if isinstance(value, bool) else None


def _key_date_time(attribute: Attribute, value: Any) -> _SortValue | None:
    return parse_date_time(value) if isinstance(value, str) else None


# Data type -> the comparable form of a value (None: no usable value).
_SORT_KEYS: dict[str, Callable[[Attribute, Any], _SortValue | None]] = {
    STRING: _key_string,
    REFERENCE: _key_string,
    INTEGER: _key_number,
    DECIMAL: _key_number,
    BOOLEAN: _key_boolean,
    DATETIME: _key_date_time,
}


def sort_key(resource: dict[str, Any], ref: AttributeRef) -> _SortValue | None:
    """The value ``resource`` sorts by for ``ref``, or None when it has none.

    §3.4.2.3: a multi-valued attribute sorts by its primary value, "if any,
    or else the first value in the list"; strings compare case-insensitively
    unless caseExact; dateTimes chronologically. A stored value of the wrong
    type counts as no value rather than breaking the order.
    """
    holder = resource if ref.container is None else resource.get(ref.container)
    if not isinstance(holder, dict):
        return None
    value = holder.get(ref.attribute.name)
    if ref.attribute.multi_valued:
        value = _primary_or_first(value)
    if ref.sub_attribute is not None:
        value = value.get(ref.sub_attribute.name) if isinstance(value, dict) else None
    if value is None:
        return None
    return _SORT_KEYS[ref.target.type](ref.target, value)


def _primary_or_first(values: Any) -> Any:
    if not isinstance(values, list) or not values:
        return None
    for item in values:
        if isinstance(item, dict) and item.get("primary") is True:
            return item
    return values[0]


def sort_resources(
    resources: list[dict[str, Any]],
    sort_by: str,
    descending: bool,
    resource_type: ResourceType,
) -> list[dict[str, Any]]:
    """``resources`` ordered by ``sortBy`` (RFC 7644 §3.4.2.3); a new, stable list.

    Resources with no value "are ordered last if ascending and first if
    descending" (§3.4.2.3). Equal keys keep their input order in both
    directions, so paging over a stable store is repeatable.
    """
    ref = validate_sort_by(sort_by, resource_type)
    keyed = [(sort_key(resource, ref), resource) for resource in resources]
    present = [(key, resource) for key, resource in keyed if key is not None]
    absent = [resource for key, resource in keyed if key is None]
    present.sort(key=lambda pair: pair[0], reverse=descending)
    ordered = [resource for _key, resource in present]
    return absent + ordered if descending else ordered + absent


# --------------------------------------------------------------------------
# Paging and the ListResponse (§3.4.2, §3.4.2.4)
# --------------------------------------------------------------------------


def page(items: list[Any], start_index: int, count: int | None) -> list[Any]:
    """The page of ``items`` starting at 1-based ``start_index``, at most ``count`` long."""
    start = max(start_index, 1) - 1
    if count is None:
        return items[start:]
    return items[start : start + max(count, 0)]


def list_response(
    resources: list[dict[str, Any]], total_results: int, start_index: int
) -> dict[str, Any]:
    """The ``ListResponse`` message (RFC 7644 §3.4.2).

    ``totalResults`` counts every match and ``itemsPerPage`` this page
    (§3.4.2.4). ``Resources`` is present even when empty: the RFC requires
    it only when ``totalResults`` is non-zero, but Entra's "zero results"
    example shows ``"Resources": []`` and clients index it unconditionally.
    """
    return {
        "schemas": [LIST_RESPONSE_URN],
        "totalResults": total_results,
        "itemsPerPage": len(resources),
        "startIndex": start_index,
        "Resources": resources,
    }
