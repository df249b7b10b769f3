"""What the target claims (``/ServiceProviderConfig``) and what each profile needs.

RFC 7643 §5: the ServiceProviderConfig says which optional features a
service provider supports. The suite follows it: a feature the target does
not claim is *skipped with the reason*; a feature it claims and breaks is a
*failure*. A profile can override that for features its IdP cannot work
without — Entra sends PATCH whatever the target claims, Okta filters on
``userName eq`` — so under those profiles the checks run anyway and the false
claim is itself reported by ``disc.spc.truthful``.

Only a *valid* declaration counts. A body that is not a ServiceProviderConfig
(its ``schemas`` does not name the SPC schema — a server that routes unknown
paths to a ListResponse —, or a feature member that is not an object with a
Boolean ``supported``), and a ``/ResourceTypes`` answer that lists no
resource type (RFC 7643 §6: each has a string ``endpoint`` and ``schema``),
declare nothing: those features are *unknown*, not unsupported. The gate
then tries them (:mod:`harness.conformance.features`) instead of skipping
their checks as "not claimed"; the broken discovery is reported once, by the
``disc.*`` checks (RFC 7644 §4: discovery is required), and in
:attr:`Capabilities.problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.scim.schema import LIST_RESPONSE_URN, SPC_URN

#: The SPC members that are ``{"supported": bool}`` objects (RFC 7643 §5).
SPC_FEATURES = ("patch", "bulk", "filter", "sort", "etag", "changePassword")
#: The endpoints a check may need, declared by ``/ResourceTypes`` (RFC 7643 §6).
RESOURCE_TYPES = ("Users", "Groups")

#: Features an IdP uses whatever the target claims (okta-provisioning.md,
#: entra-provisioning.md): the checks that need them run under that profile.
PROFILE_REQUIRED_FEATURES: Mapping[str, frozenset[str]] = {
    "rfc": frozenset(),
    # Okta: lookup by `userName eq` before create, group lookup by displayName;
    # OIN integrations use PATCH for deactivate and group membership.
    "okta": frozenset({"filter", "patch", "Users", "Groups"}),
    # Entra: filters on userName/externalId/displayName, PATCH for every update.
    "entra": frozenset({"filter", "patch", "Users", "Groups"}),
}


@dataclass(frozen=True)
class Capabilities:
    """Features the target validly claims, those it declares nothing valid about, and why."""

    claimed: frozenset[str]
    #: The raw SPC body (or None when it could not be read).
    spc: Mapping[str, Any] | None = None
    #: SPC limits worth knowing: filter.maxResults, bulk.maxOperations, bulk.maxPayloadSize.
    limits: Mapping[str, int] = field(default_factory=dict)
    #: Why the SPC or /ResourceTypes could not be used, when it could not.
    problem: str | None = None
    #: Features whose declaration is missing or invalid: neither claimed nor declared
    #: unsupported (the gate tries them, :mod:`harness.conformance.features`).
    unknown: frozenset[str] = frozenset()

    @classmethod
    def from_spc(
        cls, body: Any, resource_types: Any = None, problem: str | None = None
    ) -> Capabilities:
        """Read an SPC body and a /ResourceTypes listing, keeping only valid declarations.

        ``body`` None means the SPC could not be read (``problem`` says why),
        ``resource_types`` None that /ResourceTypes could not.
        """
        spc = body if isinstance(body, Mapping) else None
        spc_unknown, spc_problem = _spc_declarations(spc)
        claimed = {
            name for name in SPC_FEATURES if name not in spc_unknown and _supported(spc, name)
        }
        types, types_problem = _resource_types(resource_types)
        claimed |= types
        unknown = spc_unknown | (frozenset(RESOURCE_TYPES) if types_problem else frozenset())
        problems = [
            f"{problem}: {spc_problem}" if problem and spc_problem else problem or spc_problem,
            types_problem,
        ]
        why = "; ".join(part for part in problems if part) or None
        return cls(frozenset(claimed), spc, _limits(spc), why, frozenset(unknown))

    def has(self, feature: str) -> bool:
        """Whether the target validly claims ``feature`` (RFC 7643 §5, §6)."""
        return feature in self.claimed

    def declares_unsupported(self, feature: str) -> bool:
        """Whether the target validly says it does *not* support ``feature``."""
        return feature not in self.claimed and feature not in self.unknown

    def missing_reason(self, feature: str, profile: str) -> str | None:
        """Why a check needing ``feature`` is skipped, or None if it must run.

        An unknown feature is not a reason to skip: the check runs (the gate
        first tries the feature, :func:`harness.conformance.features.missing_reason`).
        """
        if not self.declares_unsupported(feature):
            return None
        if feature in PROFILE_REQUIRED_FEATURES.get(profile, ()):
            return None
        if feature in RESOURCE_TYPES:
            return f"the target's /ResourceTypes lists no {feature} endpoint (RFC 7643 §6)"
        return (
            f"the target's /ServiceProviderConfig does not claim {feature}.supported (RFC 7643 §5)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "claimed": sorted(self.claimed),
            "limits": dict(self.limits),
            "problem": self.problem,
            "unknown": sorted(self.unknown),
        }


def _spc_declarations(spc: Mapping[str, Any] | None) -> tuple[frozenset[str], str | None]:
    """The SPC features the body does not validly declare, and why (RFC 7643 §5)."""
    if spc is None:
        return frozenset(SPC_FEATURES), "no ServiceProviderConfig"
    schemas = spc.get("schemas")
    if not isinstance(schemas, list) or SPC_URN not in schemas:
        what = (
            "a ListResponse"
            if isinstance(schemas, list) and LIST_RESPONSE_URN in schemas
            else (f"schemas = {schemas!r}")
        )
        return (
            frozenset(SPC_FEATURES),
            f"GET /ServiceProviderConfig answered {what}, not a ServiceProviderConfig "
            f"(its 'schemas' must contain {SPC_URN}, RFC 7643 §5)",
        )
    invalid = [name for name in SPC_FEATURES if not _declared(spc.get(name))]
    if not invalid:
        return frozenset(), None
    return (
        frozenset(invalid),
        f"the ServiceProviderConfig declares {', '.join(invalid)} without an object with a "
        "Boolean 'supported' (RFC 7643 §5)",
    )


def _declared(section: Any) -> bool:
    return isinstance(section, Mapping) and isinstance(section.get("supported"), bool)


def _supported(spc: Mapping[str, Any] | None, name: str) -> bool:
    section = spc.get(name) if spc is not None else None
    return isinstance(section, Mapping) and section.get("supported") is True


def _limits(spc: Mapping[str, Any] | None) -> dict[str, int]:
    limits: dict[str, int] = {}
    for section, key in (
        ("filter", "maxResults"),
        ("bulk", "maxOperations"),
        ("bulk", "maxPayloadSize"),
    ):
        member = spc.get(section) if spc is not None else None
        value = member.get(key) if isinstance(member, Mapping) else None
        if isinstance(value, int) and not isinstance(value, bool):
            limits[f"{section}.{key}"] = value
    return limits


def is_resource_type(item: Any) -> bool:
    """An entry of /ResourceTypes that declares an endpoint: an object with a string
    ``endpoint`` and ``schema`` (both REQUIRED, RFC 7643 §6)."""
    return (
        isinstance(item, Mapping)
        and isinstance(item.get("endpoint"), str)
        and isinstance(item.get("schema"), str)
    )


def _resource_types(listing: Any) -> tuple[set[str], str | None]:
    """Endpoints /ResourceTypes declares, or why it declares nothing (RFC 7643 §6).

    A listing counts when it lists at least one resource type (an object with a
    string ``endpoint`` and ``schema``); anything else — no answer, an error,
    a ListResponse of Groups — leaves Users and Groups unknown.
    """
    resources: Any = listing.get("Resources") if isinstance(listing, Mapping) else listing
    types = [
        item
        for item in (resources if isinstance(resources, list) else ())
        if is_resource_type(item)
    ]
    if not types:
        return set(), (
            "GET /ResourceTypes lists no resource type (an object with 'endpoint' and "
            "'schema', RFC 7643 §6)"
        )
    found = set()
    for item in types:
        endpoint = str(item["endpoint"]).strip("/").split("/")[-1]
        if endpoint in RESOURCE_TYPES:
            found.add(endpoint)
    return found, None
