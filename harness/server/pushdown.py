"""Which part of a filter the store can answer from an index.

The IdPs' hot queries are single equalities — Okta's ``userName eq "…"``,
Entra's ``externalId eq "…"`` and ``displayName eq "…"`` (okta-provisioning.md,
entra-provisioning.md §2), sometimes joined by ``and``. Such a conjunct on an
indexed attribute is turned into an index probe that narrows the candidates;
the *whole* filter is still evaluated on every candidate by
:func:`harness.scim.filters.matches`, so push-down can only make a query
faster, never change its answer. The folded value is computed with the same
``caseExact`` rule (:func:`harness.scim.resources.fold`) the store used to
fill the column, so ``userName eq "BJensen"`` finds ``bjensen`` (RFC 7643
§4.1.1) and ``externalId eq`` stays case-exact (RFC 7643 §3.1).

``sw`` on the same attributes becomes a range probe on the folded column
(``column >= prefix AND column < successor(prefix)``): every folded value
starting with the folded prefix lies in that half-open range in code-point
order, which is SQLite's BINARY order for UTF-8 text, and the evaluator folds
the same way (:func:`harness.scim.filters.attribute_value_compare`). Prefix
filters are how a client scopes a query to what it created (the conformance
suite's ``userName sw "<run prefix>"``), and without the probe they scan the table.
"""

from __future__ import annotations

from harness.scim.expr import And, Compare, Filter
from harness.scim.resources import fold
from harness.scim.schema import ResourceType

#: Canonical attribute name → the store's indexed column (store.INDEXED_COLUMNS).
PUSHABLE: dict[str, str] = {
    "id": "id",
    "userName": "user_name",
    "externalId": "external_id",
    "displayName": "display_name",
}


#: (column key, "=" or "prefix", folded value): one index probe.
Probe = tuple[str, str, str]


def indexed_probes(expr: Filter, resource_type: ResourceType) -> list[Probe]:
    """An index probe for each pushable ``eq``/``sw`` conjunct of a top-level ``and`` chain.

    Anything under ``or`` or ``not`` is left to the evaluator: narrowing by
    one side of an ``or`` would drop matches of the other.
    """
    if isinstance(expr, And):
        return indexed_probes(expr.left, resource_type) + indexed_probes(expr.right, resource_type)
    if not isinstance(expr, Compare) or expr.op.casefold() not in ("eq", "sw"):
        return []
    if not isinstance(expr.value, str) or expr.path.sub_attr is not None:
        return []
    ref = resource_type.resolve(expr.path.urn, expr.path.attr)
    if ref is None or ref.container is not None or ref.attribute.name not in PUSHABLE:
        return []
    folded = fold(ref.attribute, expr.value)
    if expr.op.casefold() == "eq":
        return [(PUSHABLE[ref.attribute.name], "=", folded)]
    if not folded or folded[-1] == chr(0x10FFFF):
        return []  # "sw ''" matches everything; no successor of the last code point
    return [(PUSHABLE[ref.attribute.name], "prefix", folded)]


def indexed_equalities(expr: Filter, resource_type: ResourceType) -> list[tuple[str, str]]:
    """The ``eq`` probes alone, as (column key, folded value)."""
    return [(key, value) for key, op, value in indexed_probes(expr, resource_type) if op == "="]


def prefix_successor(prefix: str) -> str:
    """The least string greater than every string that starts with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
