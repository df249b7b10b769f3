"""Readings of a filter that RFC 7643/7644 leave open: a target may follow any of them.

The filter oracle (:func:`harness.fuzz.oracles.filter_oracle`) judges a
target by what the semantics core selects. Where the RFCs state a rule two
ways, or not at all, the core has to pick one reading; a target that picks
the other is not wrong, and a fuzzer that calls it wrong sends its user
chasing a non-bug. Each reading here is a way to re-evaluate the same filter
over the same listing; the oracle accepts a result equal to any of them.

* **References and case.** RFC 7643 §2.3.7 says a reference "is case
  exact", yet the schema of §8.7.1 declares ``profileUrl``, ``photos.value``
  and others ``caseExact: false``, and ``schemas`` (§3) is a list of URIs
  whose case-exactness is never stated (the §2.2 default is false). So every
  attribute of type ``reference`` may be compared either way: the two
  readings flip them all to case-exact and all to case-insensitive.
* **Comparisons with an unassigned attribute.** RFC 7644 §3.4.2.2 defines
  ``ne`` as "the attribute and operator values are not identical" and ``not``
  as "the filter does not match", but says nothing of an attribute that has
  no value. The core reads ``ne`` on an unassigned attribute as true (so
  ``x ne v`` is ``not (x eq v)``); a provider backed by SQL reads it as
  *unknown* — neither true nor false — and ``not unknown`` as unknown too
  (three-valued logic), so ``emails ne "a"`` leaves out a User without
  emails. The ``unknown-on-unassigned`` reading evaluates the filter so.
* **Unicode normalisation.** RFC 7643 §2.2/§2.3.1 compare "strings", and
  neither RFC says whether ``e`` + U+0301 equals ``é``. A provider that
  stores and compares NFC-normalised text (common in databases) is within the
  RFC; the NFC reading normalises stored values and literals first.

Readings are data (:data:`READINGS`), tried only after the declared reading
disagrees, so they cost nothing on a conformant answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from harness.scim.expr import (
    And,
    AttrPath,
    Compare,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    rewrite,
)
from harness.scim.filters import matches
from harness.scim.schema import (
    COMMON_ATTRIBUTES,
    REFERENCE,
    Attribute,
    ResourceType,
    Schema,
)

JsonDict = dict[str, Any]


# ---------------------------------------------------------------------------
# Another case-exactness for reference attributes
# ---------------------------------------------------------------------------


def _recased(attribute: Attribute, case_exact: bool) -> Attribute:
    """``attribute`` with every reference (itself or a sub-attribute) set to ``case_exact``."""
    subs = tuple(_recased(sub, case_exact) for sub in attribute.sub_attributes)
    if attribute.type == REFERENCE:
        return replace(attribute, case_exact=case_exact, sub_attributes=subs)
    return replace(attribute, sub_attributes=subs) if subs else attribute


def _schema_recased(schema: Schema, case_exact: bool) -> Schema:
    return replace(schema, attributes=tuple(_recased(a, case_exact) for a in schema.attributes))


@dataclass(frozen=True)
class _Reread(ResourceType):
    """A resource type whose common attributes are replaced too (they live outside
    any schema, RFC 7643 §3.1, so replacing the schemas alone would miss them)."""

    common: tuple[Attribute, ...] = ()

    def top_level(self, name: str) -> Attribute | None:
        folded = name.casefold()
        for attribute in self.common:
            if attribute.name.casefold() == folded:
                return attribute
        return self.schema.get(name)


def references_read(resource_type: ResourceType, case_exact: bool) -> ResourceType:
    """``resource_type`` with every reference attribute compared ``case_exact``."""
    return _Reread(
        resource_type.id,
        resource_type.name,
        resource_type.endpoint,
        resource_type.description,
        _schema_recased(resource_type.schema, case_exact),
        tuple((_schema_recased(ext, case_exact), req) for ext, req in resource_type.extensions),
        tuple(_recased(attribute, case_exact) for attribute in COMMON_ATTRIBUTES),
    )


# ---------------------------------------------------------------------------
# NFC
# ---------------------------------------------------------------------------


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_nfc(item) for item in value]
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    return value


def _nfc_literals(expr: Filter) -> Filter:
    return rewrite(expr, value=_nfc)


# ---------------------------------------------------------------------------
# Three-valued logic: a comparison with an unassigned attribute is unknown
# ---------------------------------------------------------------------------


def _assigned(path: AttrPath, resource_type: ResourceType | None) -> Filter:
    """``path pr`` on the value a comparison reads: ``emails eq "x"`` compares
    ``emails.value`` (RFC 7644 §3.4.2.2), so a phone number without a value is
    unassigned for it even though the element is there."""
    if resource_type is not None and path.sub_attr is None:
        ref = resource_type.resolve(path.urn, path.attr)
        if ref is not None and ref.attribute.is_complex and ref.attribute.sub("value"):
            return Present(AttrPath(path.urn, path.attr, "value"))
    return Present(path)


def known_true(expr: Filter, resource_type: ResourceType | None = None) -> Filter:
    """A two-valued filter true exactly where ``expr`` is *true* in three-valued logic,
    a comparison with an unassigned attribute being unknown (SQL's NULL).

    The core already makes every comparison but ``ne`` false on an unassigned
    attribute, so only ``ne`` and ``not`` change: ``x ne v`` is true only
    where ``x`` has a value, and ``not e`` only where ``e`` is known false.
    """
    match expr:
        case Compare(path, "ne", literal) if literal is not None:
            return And(_assigned(path, resource_type), expr)
        case And(left, right):
            return And(known_true(left, resource_type), known_true(right, resource_type))
        case Or(left, right):
            return Or(known_true(left, resource_type), known_true(right, resource_type))
        case Not(inner):
            return known_false(inner, resource_type)
        case ValuePath(path, inner):
            return ValuePath(path, known_true(inner))  # relative paths inside
    return expr


def known_false(expr: Filter, resource_type: ResourceType | None = None) -> Filter:
    """A two-valued filter true exactly where ``expr`` is *false* in three-valued logic
    (neither true nor unknown): a comparison is false only on an assigned value."""
    match expr:
        case Compare(path, _, literal) if literal is not None:
            return And(_assigned(path, resource_type), Not(known_true(expr, resource_type)))
        case And(left, right):
            return Or(known_false(left, resource_type), known_false(right, resource_type))
        case Or(left, right):
            return And(known_false(left, resource_type), known_false(right, resource_type))
        case Not(inner):
            return known_true(inner, resource_type)
        case ValuePath(path, inner):  # no value of ``path`` for which ``inner`` may hold
            return Not(ValuePath(path, Not(known_false(inner))))
    return Not(expr)  # ``pr`` and ``eq null`` are never unknown


# ---------------------------------------------------------------------------
# The readings
# ---------------------------------------------------------------------------

#: (expr, canonical listing, resource type) → the same, read another way.
Reread = Callable[
    [Filter, list[JsonDict], ResourceType], tuple[Filter, list[JsonDict], ResourceType]
]


@dataclass(frozen=True)
class Reading:
    """One way the RFCs allow a filter to be read, and why."""

    name: str
    why: str
    reread: Reread


READINGS: tuple[Reading, ...] = (
    Reading(
        "references-case-exact",
        "RFC 7643 §2.3.7: a reference is case exact",
        lambda e, items, rt: (e, items, references_read(rt, True)),
    ),
    Reading(
        "references-case-insensitive",
        "RFC 7643 §8.7.1 declares profileUrl, photos.value … caseExact false; §2.2 default",
        lambda e, items, rt: (e, items, references_read(rt, False)),
    ),
    Reading(
        "unknown-on-unassigned",
        "RFC 7644 §3.4.2.2 does not say what ne/not yield on an unassigned attribute; "
        "SQL-backed providers read it as unknown (three-valued logic)",
        lambda e, items, rt: (known_true(e, rt), items, rt),
    ),
    Reading(
        "nfc",
        "RFC 7643/7644 are silent on Unicode normalisation; a provider may store NFC",
        lambda e, items, rt: (_nfc_literals(e), [_nfc(item) for item in items], rt),
    ),
)


def alternatives(
    expr: Filter, listing: list[JsonDict], resource_type: ResourceType
) -> Iterator[tuple[Reading, list[str]]]:
    """For each reading, the ids of ``listing`` it selects (lazily: stop at a match)."""
    for reading in READINGS:
        reread, items, rt = reading.reread(expr, listing, resource_type)
        yield reading, [item["id"] for item in items if matches(reread, item, rt)]
