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


def indexed_equalities(expr: Filter, resource_type: ResourceType) -> list[tuple[str, str]]:
    """(column, folded value) for each pushable ``eq`` conjunct of a top-level ``and`` chain.

    Anything under ``or`` or ``not`` is left to the evaluator: narrowing by
    one side of an ``or`` would drop matches of the other.
    """
    if isinstance(expr, And):
        return indexed_equalities(expr.left, resource_type) + indexed_equalities(
            expr.right, resource_type
        )
    if not isinstance(expr, Compare) or expr.op.casefold() != "eq":
        return []
    if not isinstance(expr.value, str) or expr.path.sub_attr is not None:
        return []
    ref = resource_type.resolve(expr.path.urn, expr.path.attr)
    if ref is None or ref.container is not None or ref.attribute.name not in PUSHABLE:
        return []
    return [(PUSHABLE[ref.attribute.name], fold(ref.attribute, expr.value))]
