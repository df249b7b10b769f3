"""Settings of one reference-server instance.

An app is built by :func:`harness.server.app.create_app` from one frozen
:class:`ServerConfig`; nothing is read from globals or the environment after
that (the CLI reads the environment and builds the config). Every number the
server advertises in ``/ServiceProviderConfig`` comes from here, so what is
advertised and what is enforced cannot drift apart (RFC 7643 §5).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.scim.compat import DEFAULT, Compat

#: The server implements the protocol as written, so its help page is the RFC.
DOCUMENTATION_URI = "https://datatracker.ietf.org/doc/html/rfc7644"


def normalise_base_path(path: str) -> str:
    """``"scim/v2/"`` → ``"/scim/v2"``; ``"/"`` and ``""`` → ``""`` (mounted at the root)."""
    stripped = path.strip().strip("/")
    return f"/{stripped}" if stripped else ""


@dataclass(frozen=True)
class ServerConfig:
    """Everything that distinguishes one reference-server instance from another."""

    #: The bearer token clients must present (RFC 6750). ``None`` switches
    #: authentication off — meant for the in-process pytest fixture only; the
    #: ``serve`` command refuses to start without a token unless ``--no-auth``.
    token: str | None = None
    #: ``(user-id, password)`` also accepted as ``Authorization: Basic`` (RFC 7617),
    #: for Okta's "SCIM 2.0 Test App (Basic Auth)" template (seed 002). A secret:
    #: kept out of ``repr``. ``None``: Basic is refused.
    basic_credentials: tuple[str, str] | None = field(default=None, repr=False)
    #: SQLite database: a file path, or ``":memory:"`` (gone when the app stops).
    database: str = ":memory:"
    #: Path prefix the SCIM endpoints are mounted under: ``""`` or ``"/scim/v2"``.
    base_path: str = ""
    #: Absolute URL clients reach the server at (behind a proxy); ``None`` =
    #: derive ``meta.location`` and ``Location`` from each request's own URL.
    public_base_url: str | None = None
    #: SPC ``filter.maxResults``: a larger ``count`` is clipped (RFC 7644 §3.4.2.4).
    max_results: int = 1000
    #: Page size when the client gives no ``count``.
    default_count: int = 100
    #: SPC ``bulk.maxOperations`` (RFC 7644 §3.7.4).
    bulk_max_operations: int = 1000
    #: SPC ``bulk.maxPayloadSize`` in bytes (RFC 7644 §3.7.4).
    bulk_max_payload: int = 1_048_576
    #: Request-body limit of the non-bulk endpoints; ``None`` = ``bulk_max_payload``.
    max_body: int | None = None
    #: Resource type names ("User", "Group") whose PATCH answers 204 instead of
    #: 200 + resource (RFC 7644 §3.5.2 allows both; Entra prefers 204 for groups).
    patch_returns_204: frozenset[str] = field(default_factory=frozenset)
    #: Which IdP deviations the semantics core tolerates.
    compat: Compat = DEFAULT
    #: Group ``displayName`` unique (case-insensitive) → 409 ``uniqueness``. Not
    #: an RFC rule (7643 §4.2 declares no uniqueness) but Entra matches groups by
    #: displayName and cannot cope with two of the same name.
    unique_group_display_name: bool = True
    #: ``externalId`` unique per resource type (case-exact, RFC 7643 §3.1). Not an
    #: RFC rule either; the IdPs use it as their join key, so a duplicate is a bug.
    unique_external_id: bool = True
    #: Groups may be members of groups (RFC 7643 §4.2 ``members.type`` "Group").
    nested_groups: bool = True
    #: ``documentationUri`` of ``/ServiceProviderConfig`` (RFC 7643 §5).
    documentation_uri: str = DOCUMENTATION_URI
    #: ``realm`` of the ``WWW-Authenticate`` challenge (RFC 6750 §3).
    realm: str = "SCIM"

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_path", normalise_base_path(self.base_path))
        if self.public_base_url is not None:
            object.__setattr__(self, "public_base_url", self.public_base_url.rstrip("/"))
        for name in ("max_results", "bulk_max_operations", "bulk_max_payload"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if not 0 <= self.default_count <= self.max_results:
            raise ValueError("default_count must lie between 0 and max_results")
        if self.token == "":
            raise ValueError("an empty token would accept 'Bearer ' — use None for no auth")
        if self.basic_credentials is not None:
            user, password = self.basic_credentials
            if not user or ":" in user:
                # RFC 7617 §2: the user-id cannot contain a colon (it ends at the first one).
                raise ValueError("the Basic user-id must be non-empty and contain no ':'")
            if not password:
                raise ValueError("an empty Basic password would accept 'user:'")

    @property
    def authenticates(self) -> bool:
        """Whether any credential is required (bearer token, Basic, or both)."""
        return self.token is not None or self.basic_credentials is not None

    @property
    def body_limit(self) -> int:
        """Largest request body accepted outside ``/Bulk`` (413 above it)."""
        return self.max_body if self.max_body is not None else self.bulk_max_payload

    def patch_status(self, resource_type: str) -> int:
        """200 (resource in the body) or 204 for a successful PATCH (RFC 7644 §3.5.2)."""
        return 204 if resource_type in self.patch_returns_204 else 200
