"""What the target declares about itself, read for the checks (RFC 7643 §6, §7).

Checks that depend on a declaration (the enterprise extension on User, an
attribute's mutability) read ``/ResourceTypes`` once per run through
:meth:`Target.shared` and skip when the target does not declare what they
test: a target is judged on what it says it supports.

:func:`declarations` reads ``/Schemas`` and ``/ResourceTypes`` once per run
for everything that builds on them: the ``attr.*`` checks, the bodies every
check creates and the attribute chooser (:mod:`.bodies_from_schema`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from harness.conformance.expect import describe
from harness.scim.schema import (
    DEFAULT,
    ENTERPRISE_USER_URN,
    GROUP_URN,
    READ_WRITE,
    STRING,
    USER_URN,
    Attribute,
)

if TYPE_CHECKING:
    from harness.conformance.target import Target

#: Why an enterprise-extension check is skipped (RFC 7643 §4.3 defines it, §6 declares it).
NO_ENTERPRISE = (
    "the target's /ResourceTypes declares no enterprise extension on User (RFC 7643 §4.3, §6)"
)


def endpoint_name(resource_type: Mapping[str, Any]) -> str:
    """``/Users`` (or an absolute URL ending in it) → ``Users``."""
    return str(resource_type.get("endpoint", "")).rstrip("/").split("/")[-1]


def enterprise_declared(target: Target) -> bool:
    """Whether ``/ResourceTypes`` lists the enterprise extension on User (RFC 7643 §6).

    Read once per run (one key for the PATCH checks of both modules); the
    first ``Users`` resource type decides.
    """

    def build(t: Target) -> bool:
        body = t.get("/ResourceTypes").body
        items = body.get("Resources") if isinstance(body, dict) else None
        for item in items or []:
            if isinstance(item, dict) and endpoint_name(item) == "Users":
                return any(
                    isinstance(ext, dict) and ext.get("schema") == ENTERPRISE_USER_URN
                    for ext in item.get("schemaExtensions") or []
                )
        return False

    return target.shared("patch.enterprise-declared", build)


def require_enterprise(target: Target) -> None:
    """Skip the check unless the target declares the enterprise extension on User."""
    if not enterprise_declared(target):
        pytest.skip(NO_ENTERPRISE)


@dataclass(frozen=True)
class Declared:
    """An attribute's characteristics as the target declares them (RFC 7643 §7).

    Missing characteristics take the RFC 7643 §2.2 defaults.
    """

    name: str
    type: str = STRING
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = READ_WRITE
    returned: str = DEFAULT
    canonical_values: tuple[str, ...] = ()
    subs: Mapping[str, Declared] = field(default_factory=dict)
    #: A comparison rule beyond the characteristics: "tel" (RFC 3966 values).
    rule: str = ""
    uniqueness: str = "none"

    @classmethod
    def parse(cls, body: Mapping[str, Any]) -> Declared:
        subs = {
            str(sub.get("name", "")).casefold(): cls.parse(sub)
            for sub in body.get("subAttributes") or []
            if isinstance(sub, Mapping) and sub.get("name")
        }
        canonical = body.get("canonicalValues") or ()
        return cls(
            name=str(body.get("name", "")),
            type=str(body.get("type") or STRING),
            multi_valued=body.get("multiValued") is True,
            required=body.get("required") is True,
            case_exact=body.get("caseExact") is True,
            mutability=str(body.get("mutability") or READ_WRITE),
            returned=str(body.get("returned") or DEFAULT),
            canonical_values=tuple(str(v) for v in canonical if isinstance(v, str)),
            subs=subs,
            uniqueness=str(body.get("uniqueness") or "none"),
        )

    @classmethod
    def of(cls, attribute: Attribute) -> Declared:
        """The registry's (RFC 7643) definition, for attributes /Schemas need not list."""
        return cls.parse(attribute.to_scim())

    def sub(self, name: str) -> Declared | None:
        return self.subs.get(name.casefold())

    @property
    def element(self) -> Declared:
        """One value of a multi-valued attribute."""
        return dataclasses.replace(self, multi_valued=False)


@dataclass(frozen=True)
class Discovery:
    """``/Schemas`` and ``/ResourceTypes`` as the target answered them, once per run."""

    #: Schema URN (case-folded) → attribute name (case-folded) → definition.
    schemas: Mapping[str, Mapping[str, Mapping[str, Any]]] | None
    problem: str
    #: Extension URNs (case-folded) on the Users resource type; None if unreadable.
    user_extensions: frozenset[str] | None
    #: Endpoint (``Users``) → extension URN as spelled → ``required`` (RFC 7643 §6).
    extensions: Mapping[str, Mapping[str, bool]] = field(default_factory=dict)

    def attributes(self, urn: str) -> dict[str, Declared] | None:
        """The attributes schema ``urn`` declares, by case-folded name; None when unknown."""
        schema = (self.schemas or {}).get(urn.casefold())
        if schema is None:
            return None
        return {name: Declared.parse(body) for name, body in schema.items()}


def _schema_items(body: Any) -> list[Mapping[str, Any]]:
    items = body.get("Resources") if isinstance(body, Mapping) else body
    if isinstance(body, Mapping) and "attributes" in body and "id" in body:
        items = [body]
    return [item for item in items or [] if isinstance(item, Mapping)]


def read_discovery(target: Target) -> Discovery:
    """``GET /Schemas`` (or each schema by id) and ``GET /ResourceTypes``."""
    found: dict[str, dict[str, Mapping[str, Any]]] = {}
    problem = ""
    response = target.get("/Schemas")
    items = _schema_items(response.body) if response.status == 200 else []
    if not items:
        problem = f"GET /Schemas → {describe(response)}"
        for urn in (USER_URN, ENTERPRISE_USER_URN, GROUP_URN):
            one = target.get(f"/Schemas/{urn}")
            if one.status == 200:
                items.extend(_schema_items(one.body))
    for item in items:
        attributes = {
            str(a.get("name", "")).casefold(): a
            for a in item.get("attributes") or []
            if isinstance(a, Mapping)
        }
        found[str(item.get("id", "")).casefold()] = attributes
    user_extensions: frozenset[str] | None = None
    extensions: dict[str, dict[str, bool]] = {}
    types = target.get("/ResourceTypes")
    resources = _schema_items(types.body) if types.status == 200 else None
    for item in resources or []:
        declared = {
            str(ext.get("schema", "")): ext.get("required") is True
            for ext in item.get("schemaExtensions") or []
            if isinstance(ext, Mapping) and ext.get("schema")
        }
        extensions.setdefault(endpoint_name(item), declared)
        if endpoint_name(item) == "Users" and user_extensions is None:
            user_extensions = frozenset(urn.casefold() for urn in declared)
    return Discovery(found or None, problem, user_extensions, extensions)


def declarations(target: Target) -> Discovery:
    """What the target declares, read once per run (RFC 7643 §6, §7)."""
    return target.shared("attr.discovery", read_discovery)
