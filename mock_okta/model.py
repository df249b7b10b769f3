"""The Okta side of provisioning: users, groups, and one app instance's memory.

Why a model at all: Okta's requests depend on what it remembers — an
assigned user already linked to a SCIM id gets ``PUT /Users/{id}``, an
unlinked one a lookup first; a pushed group is PATCHed by the SCIM id Okta
stored at push time (okta-provisioning.md, "Sequences"). Ids follow Okta's
prefixes: ``00u`` users, ``00g`` groups, ``0oa`` apps.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from mock_okta.connection import Connection
from mock_okta.settings import ProvisioningSettings

_COUNTER = itertools.count(1)


#: Room an id's namespace may take of its 17 characters after the kind prefix.
MAX_ID_NAMESPACE = 8


def okta_id(prefix: str, namespace: str = "") -> str:
    """A 20-character Okta-style id with ``prefix`` (``00u``, ``00g``, ``0oa``).

    ``namespace`` (the run's, :func:`mock_okta.namespace.id_namespace`) comes
    right after the prefix: Okta's mapping sends the user id as SCIM
    ``externalId`` and the JIT lookup finds users by it, so two runs against
    one tenant must never mint the same id — a counter alone starts at 1 in
    every run.
    """
    namespace = namespace[:MAX_ID_NAMESPACE]
    return f"{prefix}{namespace}{next(_COUNTER):0{17 - len(namespace)}d}"


class UserStatus(StrEnum):
    """Okta user lifecycle statuses (Okta Users API)."""

    STAGED = "STAGED"
    PROVISIONED = "PROVISIONED"
    ACTIVE = "ACTIVE"
    RECOVERY = "RECOVERY"
    PASSWORD_EXPIRED = "PASSWORD_EXPIRED"
    LOCKED_OUT = "LOCKED_OUT"
    SUSPENDED = "SUSPENDED"
    DEPROVISIONED = "DEPROVISIONED"


class SyncState(StrEnum):
    """An app user's provisioning state as Okta shows it on the Assignments tab."""

    PENDING = "PENDING"
    SYNCHRONIZED = "SYNCHRONIZED"
    ERROR = "ERROR"


@dataclass
class OktaProfile:
    """The Okta user profile attributes the SCIM 2.0 Test App maps (and a few more)."""

    login: str
    email: str
    # Attribute names are Okta's own (camelCase), so mappings can name them verbatim.
    firstName: str = ""
    lastName: str = ""
    displayName: str = ""
    secondEmail: str = ""
    mobilePhone: str = ""
    title: str = ""
    department: str = ""
    locale: str = "en-US"


@dataclass
class OktaUser:
    id: str
    profile: OktaProfile
    status: UserStatus = UserStatus.ACTIVE
    #: The Okta password, pushed on create when Sync Password seeds from Okta
    #: (okta-provisioning.md, "Password push"). A secret: kept out of ``repr``.
    password: str | None = field(default=None, repr=False)

    @classmethod
    def new(
        cls,
        login: str,
        first: str = "",
        last: str = "",
        *,
        email: str | None = None,
        namespace: str = "",
    ) -> OktaUser:
        """A user with a fresh ``00u`` id; email defaults to the login, displayName to the name."""
        display = f"{first} {last}".strip()
        profile = OktaProfile(login, email or login, first, last, display)
        return cls(okta_id("00u", namespace), profile)


@dataclass
class OktaGroup:
    id: str
    name: str
    members: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, name: str, namespace: str = "") -> OktaGroup:
        return cls(okta_id("00g", namespace), name)


@dataclass
class AppUser:
    """What Okta remembers of one user on one app.

    ``external_id`` is the SCIM resource ``id`` Okta stored after create or
    link (Okta calls it the app user's external id; it is not SCIM
    ``externalId``, which Okta sets to its own ``00u`` id).
    """

    user_id: str
    external_id: str | None = None
    sync_state: SyncState = SyncState.PENDING
    last_error: str | None = None
    active: bool = True


@dataclass
class FailedTask:
    """A provisioning task that failed, kept for the admin's Retry (Okta's Tasks page).

    Okta does not retry a 4xx/5xx or a timeout on its own (429 excepted, see
    :mod:`mock_okta.wire`): the task lands in the admin's queue with the
    error, and the admin retries it. ``retry`` replays exactly the failed
    provisioner step (it returns a :class:`~mock_okta.org.Outcome`).
    """

    event: str
    message: str
    retry: Callable[[], Any] = field(repr=False, compare=False)


@dataclass
class ImportedUser:
    """One user read by an import, and how Okta matched it (``To Okta`` rules)."""

    scim_id: str
    user_name: str
    email: str | None = None
    #: The Okta user it matched exactly (USERNAME or EMAIL criteria), if any.
    matched_user_id: str | None = None
    #: An auto-confirmed match is linked to the Okta user at once.
    confirmed: bool = False


@dataclass
class AppInstance:
    """One SCIM app in the org: settings, assignments and provisioning state."""

    id: str
    label: str
    settings: ProvisioningSettings = field(default_factory=ProvisioningSettings)
    #: Direct user assignments and group assignments ("Everyone" included).
    assigned_users: list[str] = field(default_factory=list)
    assigned_groups: list[str] = field(default_factory=list)
    app_users: dict[str, AppUser] = field(default_factory=dict)
    #: Okta group id → SCIM group id, for groups pushed with Push Groups.
    pushed_groups: dict[str, str] = field(default_factory=dict)
    connection: Connection = field(default_factory=Connection)
    #: Application lifecycle (``/api/v1/apps/{id}/lifecycle/activate|deactivate``).
    active: bool = True
    failed_tasks: list[FailedTask] = field(default_factory=list)
    #: The last import's results (``import_users`` / ``import_groups``).
    imported_users: list[ImportedUser] = field(default_factory=list)
    imported_groups: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def new(
        cls, label: str, settings: ProvisioningSettings | None = None, namespace: str = ""
    ) -> AppInstance:
        return cls(okta_id("0oa", namespace), label, settings or ProvisioningSettings())

    def app_user(self, user_id: str) -> AppUser:
        """The app user of ``user_id``, created (PENDING, unlinked) on first use."""
        return self.app_users.setdefault(user_id, AppUser(user_id))

    def effective_users(self, groups: dict[str, OktaGroup]) -> list[str]:
        """Users assigned directly or through an assigned group, each once, in order."""
        ids = list(self.assigned_users)
        for group_id in self.assigned_groups:
            ids += groups[group_id].members if group_id in groups else []
        return list(dict.fromkeys(ids))
