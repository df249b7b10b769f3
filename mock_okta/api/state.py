"""What the management API remembers beyond the org: timestamps, names, flows.

The :class:`~mock_okta.org.Org` holds the directory and the provisioning
state (the one source of truth the scenario runner also reads). Okta's JSON
carries more — ``created``/``lastUpdated`` stamps, an app's catalog
``name`` and ``signOnMode``, a group's description, push-mapping ids, the
OAuth consent flow in progress — and that bookkeeping lives here, keyed by
the org's ids, so objects the runner created directly still serialise
(their stamps are taken on first sight).
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime

from mock_okta.connection import AuthScheme

_COUNTER = itertools.count(1)


def now() -> str:
    """An ISO 8601 UTC timestamp with milliseconds, as Okta writes them."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{_millis():03d}Z"


def _millis() -> int:
    return datetime.now(UTC).microsecond // 1000


def mapping_id() -> str:
    """A 20-character group push mapping id (Okta's examples use ``gPm…``)."""
    return f"gPm{next(_COUNTER):017d}"


@dataclass
class Stamps:
    created: str = field(default_factory=now)
    last_updated: str = ""

    def __post_init__(self) -> None:
        self.last_updated = self.last_updated or self.created

    def touch(self) -> None:
        self.last_updated = now()


@dataclass
class AppMeta:
    """Okta fields of an app instance the org does not model."""

    name: str
    sign_on_mode: str = "SAML_2_0"


@dataclass
class OAuthFlow:
    """An OAUTH2 connection waiting for consent (seed 004, steps 1–3)."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    code: str | None = None


@dataclass
class PushMapping:
    """One Group Push mapping (``/api/v1/apps/{appId}/group-push/mappings``)."""

    id: str
    app_id: str
    group_id: str
    status: str = "ACTIVE"
    #: The SCIM id of the target group, kept while the mapping is INACTIVE.
    target_id: str | None = None
    last_push: str | None = None
    error_summary: str = ""
    stamps: Stamps = field(default_factory=Stamps)


@dataclass
class ApiState:
    stamps: dict[str, Stamps] = field(default_factory=dict)
    apps: dict[str, AppMeta] = field(default_factory=dict)
    #: Okta passwords set through the API; never serialised.
    passwords: dict[str, str] = field(default_factory=dict, repr=False)
    descriptions: dict[str, str] = field(default_factory=dict)
    #: Apps whose connection was configured through the API, with its scheme.
    connections: dict[str, AuthScheme] = field(default_factory=dict)
    oauth: dict[str, OAuthFlow] = field(default_factory=dict)
    mappings: dict[str, PushMapping] = field(default_factory=dict)
    #: App user (app id, user id) → last successful sync.
    last_sync: dict[tuple[str, str], str] = field(default_factory=dict)

    def stamp(self, object_id: str) -> Stamps:
        """The object's stamps, taken now when it is first seen."""
        return self.stamps.setdefault(object_id, Stamps())

    def touch(self, object_id: str) -> None:
        self.stamp(object_id).touch()
