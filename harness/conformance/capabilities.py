"""What the target claims (``/ServiceProviderConfig``) and what each profile needs.

RFC 7643 §5: the ServiceProviderConfig says which optional features a
service provider supports. The suite follows it: a feature the target does
not claim is *skipped with the reason*; a feature it claims and breaks is a
*failure*. A profile can override that for features its IdP cannot work
without — Entra sends PATCH whatever the target claims, Okta filters on
``userName eq`` — so under those profiles the checks run anyway and the false
claim is itself reported by ``disc.spc.truthful``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: The SPC members that are ``{"supported": bool}`` objects (RFC 7643 §5).
SPC_FEATURES = ("patch", "bulk", "filter", "sort", "etag", "changePassword")

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

#: When the SPC cannot be read, assume what every IdP needs and no extras.
ASSUMED_WITHOUT_SPC = frozenset({"filter", "patch", "Users", "Groups"})


@dataclass(frozen=True)
class Capabilities:
    """Features the target claims, and why each missing one is missing."""

    claimed: frozenset[str]
    #: The raw SPC body (or None when it could not be read).
    spc: Mapping[str, Any] | None = None
    #: SPC limits worth knowing: filter.maxResults, bulk.maxOperations, bulk.maxPayloadSize.
    limits: Mapping[str, int] = field(default_factory=dict)
    #: Why the SPC could not be used, when it could not.
    problem: str | None = None

    @classmethod
    def from_spc(
        cls, body: Any, resource_types: Any = None, problem: str | None = None
    ) -> Capabilities:
        """Read an SPC body (and optionally a /ResourceTypes ListResponse)."""
        if not isinstance(body, Mapping):
            return cls(ASSUMED_WITHOUT_SPC, None, {}, problem or "no ServiceProviderConfig")
        claimed = {name for name in SPC_FEATURES if _supported(body.get(name))}
        claimed |= _resource_types(resource_types)
        limits: dict[str, int] = {}
        for section, key in (
            ("filter", "maxResults"),
            ("bulk", "maxOperations"),
            ("bulk", "maxPayloadSize"),
        ):
            value = (
                (body.get(section) or {}).get(key)
                if isinstance(body.get(section), Mapping)
                else None
            )
            if isinstance(value, int) and not isinstance(value, bool):
                limits[f"{section}.{key}"] = value
        return cls(frozenset(claimed), body, limits, problem)

    def has(self, feature: str) -> bool:
        return feature in self.claimed

    def missing_reason(self, feature: str, profile: str) -> str | None:
        """Why a check needing ``feature`` is skipped, or None if it must run."""
        if feature in self.claimed or feature in PROFILE_REQUIRED_FEATURES.get(profile, ()):
            return None
        if feature in ("Users", "Groups"):
            return f"the target's /ResourceTypes lists no {feature} endpoint (RFC 7643 §6)"
        return (
            f"the target's /ServiceProviderConfig does not claim {feature}.supported (RFC 7643 §5)"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "claimed": sorted(self.claimed),
            "limits": dict(self.limits),
            "problem": self.problem,
        }


def _supported(section: Any) -> bool:
    return isinstance(section, Mapping) and section.get("supported") is True


def _resource_types(listing: Any) -> set[str]:
    """Endpoint names from /ResourceTypes; Users and Groups assumed if unreadable."""
    resources: Any = listing.get("Resources") if isinstance(listing, Mapping) else listing
    if not isinstance(resources, list):
        return {"Users", "Groups"}
    found = set()
    for item in resources:
        if isinstance(item, Mapping):
            endpoint = str(item.get("endpoint", "")).strip("/").split("/")[-1]
            if endpoint in ("Users", "Groups"):
                found.add(endpoint)
    return found
