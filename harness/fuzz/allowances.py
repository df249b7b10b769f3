"""What a conformant provider may add to or drop from what a client wrote.

A model of the client's writes says what the client *set*; a provider's
copy may differ from it in two ways the RFCs allow, which are therefore
not findings:

* **defaults** — RFC 7644 §3.3: "Since the server is free to alter and/or
  ignore POSTed content, returning the full representation can be useful to
  the client, enabling it to correlate the client's and server's views of
  the new resource." A provider may give an attribute the client never set a
  value of its own (``active: true``; ``name.givenName: ""`` or ``null``
  next to the ``familyName`` the client sent; ``displayName`` copied from
  ``userName``). Only what the client set is compared. After a PUT or PATCH
  removed an attribute the client had set, a default may come back, but only
  the same default (the one this resource, or another of its type, showed
  unasked): any other value is a write the provider did not apply.
* **undeclared attributes** — RFC 7643 §7 / RFC 7644 §4: a provider
  publishes the attributes it supports in ``/Schemas``; one it does not
  declare it may drop (the "ignore" of §3.3). Only an attribute absent from
  a ``/Schemas`` the provider served is allowed to go missing; without
  ``/Schemas`` nothing is.

Comparison stays with :func:`harness.fuzz.oracles.differences`; this module
only shapes the two sides it compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.conformance.discovery import Discovery
from harness.scim.schema import IMMUTABLE, READ_ONLY, ResourceType

JsonDict = dict[str, Any]
#: Where a value lives: (extension URN or None, attribute, sub-attribute or None), lower case.
Site = tuple[str | None, str, str | None]


def _key(name: str) -> str:
    return name.casefold()


def _unassigned(value: Any) -> bool:
    """RFC 7643 §2.5 "unassigned", plus the empty string a provider stores for a name
    part it was never given (the client set nothing there either way)."""
    if value is None or value == "":
        return True
    if isinstance(value, list):
        return all(_unassigned(item) for item in value)
    if isinstance(value, dict):
        return all(_unassigned(item) for item in value.values())
    return False


def _holder(resource: Mapping[str, Any], container: str | None) -> Mapping[str, Any]:
    if container is None:
        return resource
    for key, value in resource.items():
        if _key(key) == _key(container) and isinstance(value, Mapping):
            return value
    return {}


def _get(holder: Mapping[str, Any], name: str) -> Any:
    for key, value in holder.items():
        if _key(key) == _key(name):
            return value
    return None


def sites(resource_type: ResourceType, resource: Mapping[str, Any]) -> dict[Site, Any]:
    """The client-writable values of ``resource``: each simple or multi-valued attribute
    whole, each sub-attribute of a singular complex one on its own."""
    out: dict[Site, Any] = {}
    for container, attribute in resource_type.all_attributes():
        if attribute.mutability == READ_ONLY:
            continue
        value = _get(_holder(resource, container), attribute.name)
        where = None if container is None else _key(container)
        if attribute.is_complex and not attribute.multi_valued and isinstance(value, Mapping):
            for sub, item in value.items():
                out[(where, _key(attribute.name), _key(sub))] = item
        elif value is not None:
            out[(where, _key(attribute.name), None)] = value
    return out


def assigned(resource_type: ResourceType, resource: Mapping[str, Any]) -> set[Site]:
    """The sites of ``resource`` that hold a value (not unassigned, RFC 7643 §2.5)."""
    found = sites(resource_type, resource)
    return {site for site, value in found.items() if not _unassigned(value)}


def only(resource_type: ResourceType, kept: set[Site], resource: JsonDict) -> JsonDict:
    """``resource`` with the client-writable values outside ``kept`` removed."""
    out = resource
    for site in sites(resource_type, resource):
        if site not in kept:
            out = _without(out, site)
    return out


def _without(resource: JsonDict, site: Site) -> JsonDict:
    """``resource`` with the value at ``site`` removed (a copy; containers kept)."""
    container, name, sub = site
    out = dict(resource)
    holder_key = None
    holder: dict[str, Any] = out
    if container is not None:
        holder_key = next((k for k in out if _key(k) == container), None)
        if holder_key is None or not isinstance(out[holder_key], Mapping):
            return out
        holder = dict(out[holder_key])
    key = next((k for k in holder if _key(k) == name), None)
    if key is not None:
        if sub is None:
            del holder[key]
        elif isinstance(holder[key], Mapping):
            rest = {k: v for k, v in holder[key].items() if _key(k) != sub}
            if rest:
                holder[key] = rest
            else:
                del holder[key]
    if holder_key is not None:
        out[holder_key] = holder
    return out


@dataclass
class Allowances:
    """Defaults learned from one target, and the attributes its ``/Schemas`` declares."""

    #: (endpoint, site) → the value the provider first gave it unasked, on any resource.
    defaults: dict[tuple[str, Site], Any] = field(default_factory=dict)
    #: (endpoint, id, site) → the value the provider gave it unasked on that resource.
    own: dict[tuple[str, str, Site], Any] = field(default_factory=dict)
    #: (schema URN, attribute) pairs the target declares, lower case; None: unknown.
    declared: frozenset[tuple[str, str]] | None = None

    def expected(self, resource_type: ResourceType, model: JsonDict) -> JsonDict:
        """``model`` without what the target may drop: attributes its /Schemas omits."""
        if self.declared is None:
            return model
        out = model
        for site in sites(resource_type, model):
            urn = site[0] or _key(resource_type.schema.id)
            if site[1] not in _COMMON and (urn, site[1]) not in self.declared:
                out = _without(out, site)
        return out

    def served(
        self,
        key: tuple[str, str],
        resource_type: ResourceType,
        model: JsonDict,
        body: JsonDict,
        ever_set: frozenset[Site] = frozenset(),
    ) -> JsonDict:
        """``body`` of the resource ``key`` (endpoint, id) without what the target may
        show where ``model`` — what the client set — has nothing.

        An attribute the client never wrote to this resource may hold any value
        the provider assigns (``displayName`` derived from ``userName`` too); the
        value is remembered as this resource's default. One the client wrote and
        then removed (``ever_set``) may come back only as that default, or as the
        default other resources of the type showed: anything else is the client's
        old value, a write the provider did not apply.
        """
        endpoint = key[0]
        written = {site for site, value in sites(resource_type, model).items() if value is not None}
        out = body
        for site, value in sites(resource_type, body).items():
            if site in written:
                continue
            if not _unassigned(value):
                if site not in ever_set:
                    self.defaults.setdefault((endpoint, site), value)
                    self.own.setdefault((*key, site), value)
                elif value not in (
                    self.own.get((*key, site), _NOTHING),
                    self.defaults.get((endpoint, site), _NOTHING),
                ):
                    continue
            out = _without(out, site)
        return out


_NOTHING = object()
#: RFC 7643 §3 and §3.1: ``schemas``, ``id``, ``externalId`` and ``meta`` belong to every
#: resource, in no schema's ``attributes`` — declared whatever /Schemas lists.
_COMMON = frozenset({"schemas", "id", "externalid", "meta"})


def declared_by(found: Discovery) -> frozenset[tuple[str, str]] | None:
    """The (schema URN, attribute) pairs the target's ``/Schemas`` declares (RFC 7643 §7,
    RFC 7644 §4), as the one reader of ``/Schemas`` read them
    (:func:`harness.conformance.discovery.read_discovery`: a ListResponse, a bare
    array, or each schema by id); None when it declares nothing readable."""
    pairs = {
        (_key(urn), _key(name)) for urn, names in (found.schemas or {}).items() for name in names
    }
    return frozenset(pairs) or None


def ignored_at_creation(resource_type: ResourceType, model: JsonDict, answer: Any) -> JsonDict:
    """``model`` (what the client POSTed, as the core stores it) without the values the
    POST answer leaves out: RFC 7644 §3.3 — "the server is free to alter and/or ignore
    POSTed content" — so a value ignored at creation is not expected later. (Whether a
    target keeps what its ``/Schemas`` declares is ``scim-harness run``'s check
    ``users.create.declared``, not a fuzz finding.)"""
    if not isinstance(answer, Mapping):
        return model
    kept = assigned(resource_type, answer)
    out = model
    for site in set(sites(resource_type, model)) - kept:  # "" as well (RFC 7643 §2.5)
        out = _without(out, site)
    return out


def not_writable(
    found: Discovery, resource_type: ResourceType, before: JsonDict, after: JsonDict
) -> list[str]:
    """The attributes a write changes from ``before`` to ``after`` that the target may
    refuse to change, by its own ``/Schemas``: declared ``immutable`` or ``readOnly``
    (RFC 7643 §2.2: they "SHALL NOT be updated"; RFC 7644 §3.5.1, §3.12 ``mutability``),
    or not declared at all by a schema it does describe (RFC 7644 §3.5.2: a path the
    schema does not define is a 400)."""
    old, new = sites(resource_type, before), sites(resource_type, after)
    out = []
    for site in set(old) | set(new):
        if old.get(site) == new.get(site):
            continue
        container, name, _ = site
        urn = container or resource_type.schema.id
        attributes = found.attributes(urn)
        if attributes is None:
            continue  # the schema is not described: nothing to go by
        declared = attributes.get(name)
        if declared is None or declared.mutability in (IMMUTABLE, READ_ONLY):
            out.append(name if container is None else f"{container}:{name}")
    return sorted(set(out))
