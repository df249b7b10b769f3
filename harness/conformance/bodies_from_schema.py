"""Resources built from what the target declares, and attributes chosen the same way.

A check must not fail because it sent an attribute the target never said it
supports: RFC 7643 §7 lets a service provider serve a subset of the core
schema and declare it in ``/Schemas``, and RFC 7643 §6 lists the extensions
of each resource type in ``/ResourceTypes``. So

* :func:`fit` trims the harness's full body (RFC 7643 §4.1 / §4.2) to the
  attributes and sub-attributes the target declares: undeclared and
  ``readOnly`` ones are left out (§7 ``mutability``), a ``type`` not among a
  declared ``canonicalValues`` list becomes the first one listed, a declared
  ``required`` attribute the body lacks gets a value, and a *required*
  extension (RFC 7643 §6 ``schemaExtensions``) is added with its required
  attributes. A target declaring the whole §4.1 User gets today's body
  unchanged, and so does one whose ``/Schemas`` cannot be read;
* :func:`minimal` is the least a create can carry — ``schemas`` and
  ``userName`` for a User (RFC 7643 §4.1.1, the only required attribute),
  ``displayName`` for a Group (§4.2) — the fallback when the target refuses
  the declared body (the harness reports that refusal once, as
  ``users.create.declared``);
* :func:`choose` picks, for a check that needs "some attribute with these
  characteristics" (a mutable singular string, a multi-valued complex
  attribute …), one the target declares, or returns ``None`` with the reason
  the check is skipped.

Nothing here sends a request but through the run's target:
:class:`~harness.conformance.target.Target` reads the declarations once
(:func:`~harness.conformance.discovery.declarations`) and builds its bodies
with these functions; :func:`attribute_for` and :func:`declared_subset` are
the checks' way in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from harness.conformance.discovery import Declared, Discovery, declarations
from harness.scim.schema import (
    ALWAYS,
    BINARY,
    BOOLEAN,
    COMPLEX,
    DATETIME,
    DECIMAL,
    DEFAULT,
    ENTERPRISE_USER_SCHEMA,
    ENTERPRISE_USER_URN,
    GROUP_SCHEMA,
    GROUP_URN,
    INTEGER,
    READ_ONLY,
    READ_WRITE,
    REFERENCE,
    STRING,
    USER_SCHEMA,
    USER_URN,
    Schema,
)

if TYPE_CHECKING:
    from harness.conformance.target import Target

#: The body shapes a create can take; :class:`Target` remembers which one works.
DECLARED = "declared"
MINIMAL = "minimal"

#: The core schema of each endpoint's resources (RFC 7643 §4.1, §4.2).
CORE_SCHEMA = {"Users": USER_URN, "Groups": GROUP_URN}
#: The RFC's schemas, assumed where the target's /Schemas cannot be read.
RFC_SCHEMAS: dict[str, Schema] = {
    schema.id: schema for schema in (USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA)
}
#: Attributes of every resource (RFC 7643 §3, §3.1): kept whatever ``/Schemas`` lists.
COMMON = frozenset({"schemas", "id", "externalid", "meta"})
#: What the least body of each endpoint carries besides ``schemas`` (RFC 7643 §4.1.1, §4.2).
MINIMAL_KEYS = {"Users": ("userName",), "Groups": ("displayName",)}

#: A value for a required attribute the harness has no opinion about, by type (§2.3).
PLACEHOLDERS: dict[str, Callable[[Callable[[str], str], str], Any]] = {
    STRING: lambda fresh, name: fresh(name.lower()),
    REFERENCE: lambda fresh, name: f"https://example.com/{fresh(name.lower())}",
    BINARY: lambda fresh, name: "c2NpbWg=",
    BOOLEAN: lambda fresh, name: True,
    INTEGER: lambda fresh, name: 1,
    DECIMAL: lambda fresh, name: 1.5,
    DATETIME: lambda fresh, name: "2020-01-01T00:00:00Z",
}


def _skip_value(value: Any) -> bool:
    return value is None or value == {} or value == []


def fit_value(value: Any, declared: Declared) -> Any:
    """``value`` as the declaration allows it, or ``None`` when nothing of it fits.

    A singular value for a multi-valued attribute (or the reverse) does not
    fit; a complex value keeps its declared, client-writable sub-attributes
    (all of them when the target lists none); a string with declared
    ``canonicalValues`` it is not among becomes the first of them.
    """
    if declared.multi_valued:
        if not isinstance(value, list):
            return None
        if not value:
            return []  # an explicit "no values" (RFC 7643 §2.5) fits any multi-valued attribute
        items = [fit_value(item, declared.element) for item in value]
        kept = [item for item in items if not _skip_value(item)]
        return kept or None
    if isinstance(value, list):
        return None
    if declared.type == COMPLEX:
        if not isinstance(value, Mapping):
            return None
        if not declared.subs:
            return dict(value)
        fields: dict[str, Any] = {}
        for key, sub_value in value.items():
            sub = declared.sub(key)
            if sub is None or sub.mutability == READ_ONLY:
                continue
            fitted = fit_value(sub_value, sub)
            if not _skip_value(fitted):
                fields[key] = fitted
        return fields or None
    canonical = declared.canonical_values
    if isinstance(value, str) and canonical and value.casefold() not in _folded(canonical):
        return canonical[0]
    return value


def _folded(values: tuple[str, ...]) -> set[str]:
    return {value.casefold() for value in values}


#: Values for the RFC 7643 §4.1 attributes whose shape targets check beyond their type
#: (``emails.value`` an address, RFC 7643 §4.1.2), when the target declares them
#: required and a body lacks them — even when its ``/Schemas`` omits their sub-attributes.
KNOWN_PLACEHOLDERS: dict[str, Callable[[Callable[[str], str]], Any]] = {
    "emails": lambda fresh: [
        {"value": f"{fresh('mail')}@example.com", "type": "work", "primary": True}
    ],
    "name": lambda fresh: {"givenName": fresh("given"), "familyName": fresh("family")},
}


def placeholder(declared: Declared, fresh: Callable[[str], str]) -> Any:
    """A value for a required attribute the body lacks (RFC 7643 §2.2 ``required``)."""
    known = KNOWN_PLACEHOLDERS.get(declared.name.casefold())
    if known is not None and declared.type == COMPLEX:
        return known(fresh)
    if declared.canonical_values:
        one: Any = declared.canonical_values[0]
    elif declared.type == COMPLEX:
        subs = [s for s in declared.subs.values() if s.required or s.name == "value"]
        one = {s.name: placeholder(s, fresh) for s in subs if s.mutability != READ_ONLY}
    else:
        one = PLACEHOLDERS.get(declared.type, PLACEHOLDERS[STRING])(fresh, declared.name)
    return [one] if declared.multi_valued else one


def _fill_required(
    body: dict[str, Any], declared: Mapping[str, Declared], fresh: Callable[[str], str]
) -> None:
    present = {key.casefold() for key in body}
    for name, attribute in declared.items():
        if attribute.required and attribute.mutability != READ_ONLY and name not in present:
            body[attribute.name] = placeholder(attribute, fresh)


def fit(
    endpoint: str, body: Mapping[str, Any], found: Discovery, fresh: Callable[[str], str]
) -> dict[str, Any]:
    """``body`` trimmed to what the target declares for ``endpoint`` (see the module doc).

    Unchanged when the core schema is not declared (``/Schemas`` unreadable
    or silent about it): the harness then sends the RFC's resource.
    """
    core = found.attributes(CORE_SCHEMA[endpoint])
    if core is None:
        return dict(body)
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key.casefold() in COMMON or key.startswith("urn:"):
            out[key] = value
            continue
        attribute = core.get(key.casefold())
        if attribute is None or attribute.mutability == READ_ONLY:
            continue
        fitted = fit_value(value, attribute)
        if fitted is not None:
            out[key] = fitted
    _fill_required(out, core, fresh)
    return with_required_extensions(endpoint, out, found, fresh)


def with_required(
    endpoint: str, body: Mapping[str, Any], found: Discovery, fresh: Callable[[str], str]
) -> dict[str, Any]:
    """``body`` with every attribute the target declares required and the body lacks
    (RFC 7643 §2.2 ``required``, §7 ``/Schemas``), nothing removed: a resource a
    scenario needs as it is (its values are what the scenario checks later), made
    acceptable to a target that requires more than RFC 7643 §4.1.1's ``userName``."""
    out = dict(body)
    _fill_required(out, found.attributes(CORE_SCHEMA[endpoint]) or {}, fresh)
    return with_required_extensions(endpoint, out, found, fresh)


def with_required_extensions(
    endpoint: str, body: dict[str, Any], found: Discovery, fresh: Callable[[str], str]
) -> dict[str, Any]:
    """Add each extension ``/ResourceTypes`` marks required (RFC 7643 §6), with its
    required attributes, and list it in ``schemas`` (RFC 7643 §3)."""
    for urn, required in (found.extensions.get(endpoint) or {}).items():
        if not required:
            continue
        existing = body.get(urn)
        part: dict[str, Any] = dict(existing) if isinstance(existing, Mapping) else {}
        _fill_required(part, found.attributes(urn) or {}, fresh)
        body[urn] = part
        schemas = list(body.get("schemas") or [CORE_SCHEMA[endpoint]])
        if urn not in schemas:
            body["schemas"] = [*schemas, urn]
    return body


def minimal(
    endpoint: str, body: Mapping[str, Any], found: Discovery, fresh: Callable[[str], str]
) -> dict[str, Any]:
    """The least create body (RFC 7643 §4.1.1, §4.2): ``schemas``, the name, and
    whatever the target declares required."""
    out = {"schemas": [CORE_SCHEMA[endpoint]]}
    out.update({key: body[key] for key in MINIMAL_KEYS[endpoint] if key in body})
    return with_required(endpoint, out, found, fresh)


# --------------------------------------------------------------------------
# The chooser
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Want:
    """The characteristics a check needs of "some attribute" (RFC 7643 §2.2, §7)."""

    #: In words, for the skip reason: "mutable singular string attribute besides userName".
    what: str
    type: str = STRING
    multi_valued: bool = False
    #: Names tried first, in order; then any other declared attribute that fits.
    preferred: tuple[str, ...] = ()
    #: Names never chosen (userName identifies the user; formatted strings get validated).
    avoid: frozenset[str] = frozenset()
    #: Sub-attributes a complex attribute must declare (writable).
    subs: tuple[str, ...] = ()
    #: Whether an attribute of the enterprise extension may be chosen (URN paths).
    extension: bool = True

    def fits(self, attribute: Declared) -> bool:
        ok = (
            attribute.type == self.type
            and attribute.multi_valued == self.multi_valued
            and attribute.mutability == READ_WRITE
            and attribute.returned in (DEFAULT, ALWAYS)
            and not attribute.required
            and attribute.uniqueness == "none"
            and not attribute.canonical_values
            and attribute.name.casefold() not in self.avoid
        )
        return ok and all(
            (sub := attribute.sub(name)) is not None and sub.mutability != READ_ONLY
            for name in self.subs
        )


@dataclass(frozen=True)
class Choice:
    """A declared attribute a check works with: where it sits and how to name it."""

    declared: Declared
    #: The extension URN it belongs to, or None for the core schema.
    urn: str | None = None

    @property
    def name(self) -> str:
        return self.declared.name

    @property
    def path(self) -> str:
        """The PATCH path / filter attribute (RFC 7644 §3.10: URN-qualified for extensions)."""
        return f"{self.urn}:{self.name}" if self.urn else self.name

    def fields(self, value: Any) -> dict[str, Any]:
        """``{name: value}`` for a create body or a path-less add (under the URN if extension)."""
        return {self.urn: {self.name: value}} if self.urn else {self.name: value}

    def omitted(self) -> dict[str, Any]:
        """The ``user_body`` override that leaves the attribute out (``...`` drops a key)."""
        return {} if self.urn else {self.name: ...}

    def read(self, resource: Mapping[str, Any]) -> Any:
        """The attribute's value in ``resource`` (names matched case-insensitively, §2.1)."""
        holder: Any = resource
        if self.urn:
            holder = _member(resource, self.urn)
        return _member(holder, self.name)


def _member(holder: Any, name: str) -> Any:
    if not isinstance(holder, Mapping):
        return None
    folded = name.casefold()
    return next((value for key, value in holder.items() if key.casefold() == folded), None)


#: A mutable, returned-by-default, singular string a client may set and remove.
SINGULAR_STRING = Want(
    "mutable, returned-by-default, optional singular string attribute besides userName",
    preferred=("nickName", "title", "userType", "displayName", "department", "costCenter"),
    avoid=frozenset(
        {
            "username",
            "password",
            "preferredlanguage",
            "locale",
            "timezone",
            "profileurl",
            "employeenumber",
        }
    ),
)
#: The same, in the core schema only (a plain name in a body, no URN container).
SINGULAR_STRING_CORE = dataclasses.replace(SINGULAR_STRING, extension=False)
#: A mutable singular string to change in a PUT or PATCH, displayName first.
RENAMABLE = dataclasses.replace(
    SINGULAR_STRING_CORE, preferred=("displayName", "nickName", "title", "userType")
)
#: A multi-valued complex attribute with ``value`` and ``type`` (RFC 7643 §2.4).
MULTI_COMPLEX = Want(
    "mutable multi-valued complex attribute with value and type sub-attributes",
    type=COMPLEX,
    multi_valued=True,
    preferred=("phoneNumbers", "emails", "ims", "addresses"),
    avoid=frozenset({"groups", "members", "x509certificates", "photos", "roles"}),
    subs=("value", "type"),
    extension=False,
)


def candidates(found: Discovery, want: Want, endpoint: str = "Users") -> list[Choice]:
    """Every declared attribute of ``endpoint`` that fits ``want``, preferred ones first."""
    sources: list[tuple[str | None, str]] = [(None, CORE_SCHEMA[endpoint])]
    declared_extensions = found.extensions.get(endpoint) or {}
    if want.extension and ENTERPRISE_USER_URN in declared_extensions:
        sources.append((ENTERPRISE_USER_URN, ENTERPRISE_USER_URN))
    found_choices: list[Choice] = []
    for urn, schema in sources:
        for attribute in _attributes_of(found, schema).values():
            if want.fits(attribute):
                found_choices.append(Choice(attribute, urn))
    order = [name.casefold() for name in want.preferred]

    def rank(choice: Choice) -> tuple[int, int]:
        name = choice.name.casefold()
        return (order.index(name) if name in order else len(order), choice.urn is not None)

    return sorted(found_choices, key=rank)


def _attributes_of(found: Discovery, urn: str) -> dict[str, Declared]:
    """What the target declares of schema ``urn``; the RFC's definition when its
    ``/Schemas`` says nothing readable about it (the harness then assumes RFC 7643)."""
    declared = found.attributes(urn)
    if declared is not None:
        return declared
    if found.attributes(CORE_SCHEMA["Users"]) is not None:
        return {}  # /Schemas was read and leaves this schema out
    schema = RFC_SCHEMAS.get(urn)
    return {a.name.casefold(): Declared.of(a) for a in schema.attributes} if schema else {}


def choose(found: Discovery, want: Want, endpoint: str = "Users") -> Choice | None:
    """The first declared attribute that fits ``want``; None when the target declares none."""
    found_choices = candidates(found, want, endpoint)
    return found_choices[0] if found_choices else None


def no_choice_reason(want: Want) -> str:
    """Why a check that needs ``want`` is skipped (RFC 7643 §7: a target serves what
    it declares)."""
    return f"the target's /Schemas declares no {want.what} (RFC 7643 §7)"


def declared_only(
    found: Discovery, attributes: Mapping[str, Any], endpoint: str = "Users"
) -> dict[str, Any]:
    """The entries of ``attributes`` the target declares client-writable, fitted to
    the declarations (``null`` kept as sent); all of them when ``/Schemas`` says
    nothing about the core schema (the harness then assumes RFC 7643)."""
    core = found.attributes(CORE_SCHEMA[endpoint])
    if core is None:
        return dict(attributes)
    kept: dict[str, Any] = {}
    for key, value in attributes.items():
        declared = core.get(key.casefold())
        if declared is None or declared.mutability == READ_ONLY:
            continue
        fitted = None if value is None else fit_value(value, declared)
        if value is None or fitted is not None:
            kept[key] = fitted
    return kept


# --------------------------------------------------------------------------
# For the checks: the declarations read through the run's target
# --------------------------------------------------------------------------


def attribute_for(target: Target, want: Want, endpoint: str = "Users") -> Choice:
    """The attribute a check works with, or the check is skipped with the reason."""
    choice = choose(declarations(target), want, endpoint)
    if choice is None:
        pytest.skip(no_choice_reason(want))
    return choice


def attributes_for(target: Target, want: Want, count: int, endpoint: str = "Users") -> list[Choice]:
    """Up to ``count`` attributes that fit ``want`` (at least one, or the check is skipped)."""
    found = candidates(declarations(target), want, endpoint)
    if not found:
        pytest.skip(no_choice_reason(want))
    return found[:count]


def declares(target: Target, name: str, endpoint: str = "Users") -> bool:
    """Whether the target's core schema declares attribute ``name`` (True when ``/Schemas``
    says nothing about it: the harness then assumes RFC 7643)."""
    core = declarations(target).attributes(CORE_SCHEMA[endpoint])
    return core is None or name.casefold() in core


def require_declared(target: Target, name: str, endpoint: str = "Users") -> None:
    """Skip the check, with the reason, when the target does not declare ``name``."""
    if not declares(target, name, endpoint):
        pytest.skip(
            f"the target's /Schemas does not declare {name}, which this check needs on its "
            f"{endpoint[:-1]} (RFC 7643 §7)"
        )


def declared_subset(target: Target, attributes: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`declared_only` for the run's target."""
    return declared_only(declarations(target), attributes)
