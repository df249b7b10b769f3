"""Provisioning settings of one Okta app instance, as Okta's admin console has them.

Why data and not code: vendors' quick-start guides differ exactly here (which
features are on, which attributes are mapped, custom app or OIN
integration), so a scenario must be able to change them without touching the
provisioner. Facts: okta-provisioning.md, "Sequences" and "Okta management
API" (``features/USER_PROVISIONING`` capabilities).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class AppKind(StrEnum):
    """Which kind of integration the app is; it decides how Okta (de)activates.

    okta-provisioning.md, "Deactivate / reactivate": OIN integrations send a
    path-less ``PATCH`` replacing ``active``; custom (App Integration Wizard)
    apps send a full ``PUT`` carrying ``active: false`` / ``true``. Profile
    updates are ``GET`` + full ``PUT`` for both ("Update user attributes").
    """

    CUSTOM = "custom"
    OIN = "oin"


@dataclass(frozen=True)
class ToAppFeatures:
    """The "To App" checkboxes (``capabilities.create.lifecycleCreate``,
    ``update.profile``, ``update.lifecycleDeactivate``, ``update.password`` in
    okta-provisioning.md, "Okta management API")."""

    create_users: bool = True
    update_attributes: bool = True
    deactivate_users: bool = True
    sync_password: bool = False
    #: ``update.password.seed``: push the user's Okta password (OKTA, sent on
    #: create and on every Okta password change) or a random one Okta
    #: generates (RANDOM, sent on create; ``change`` CHANGE sends a fresh
    #: random one on each Okta password change, KEEP_EXISTING sends nothing).
    password_seed: str = "OKTA"
    password_change: str = "KEEP_EXISTING"


@dataclass(frozen=True)
class ImportSettings:
    """The "To Okta" settings (``features/INBOUND_PROVISIONING``, seed 004).

    ``exact_match`` is ``importRules.userCreateAndMatch.exactMatchCriteria``:
    an imported user whose ``userName`` (USERNAME) or primary email (EMAIL)
    equals an Okta user's login / email is an exact match; auto-confirmed
    matches are linked to that Okta user, the rest wait for the admin.
    """

    username_format: str = "CUSTOM"
    username_expression: str = "source.userName"
    schedule_enabled: bool = False
    full_import_expression: str | None = None
    time_zone: str | None = None
    exact_match: str = "USERNAME"
    allow_partial_match: bool = False
    auto_confirm_partial_match: bool = False
    auto_confirm_exact_match: bool = False
    auto_confirm_new_users: bool = False
    auto_activate_new_users: bool = False


@dataclass(frozen=True)
class MappingRow:
    """One line of Okta's attribute mapping: a SCIM target and where its value comes from.

    ``target`` is a dotted SCIM attribute path; a segment ``emails[work]``
    means "the entry of type ``work`` of the multi-valued ``emails``, marked
    primary" (the Create body of okta-provisioning.md). ``source`` names an
    Okta profile field (``login``, ``email`` …) or ``id`` for the Okta user id;
    when it is ``None`` the constant ``value`` is sent.
    """

    target: str
    source: str | None = None
    value: Any = None


#: The SCIM 2.0 Test App defaults, in the order of the Create body of
#: okta-provisioning.md ("Create (assign a user)"): userName is the login,
#: emails is one primary work address, ``active: true``, ``externalId`` is the
#: Okta user id (``00u…``) and ``groups`` is empty.
DEFAULT_USER_MAPPING: tuple[MappingRow, ...] = (
    MappingRow("userName", "login"),
    MappingRow("name.givenName", "firstName"),
    MappingRow("name.familyName", "lastName"),
    MappingRow("emails[work].value", "email"),
    MappingRow("displayName", "displayName"),
    MappingRow("locale", "locale"),
    MappingRow("active", value=True),
    MappingRow("externalId", "id"),
    MappingRow("groups", value=[]),
)

#: Placeholder Okta sends in ``password`` on create when password sync is off
#: (okta-provisioning.md, "Create": UNCONFIRMED for every app, hence opt-in).
PLACEHOLDER_PASSWORD = "scimh-placeholder-password"


@dataclass(frozen=True)
class ProvisioningSettings:
    """Everything on the app's Provisioning tab that changes what Okta sends."""

    kind: AppKind = AppKind.CUSTOM
    to_app: ToAppFeatures = field(default_factory=ToAppFeatures)
    #: Okta pushes newly assigned users / later profile changes to the app.
    push_new_users: bool = True
    push_profile_updates: bool = True
    #: Push Groups on: Test API Credentials also lists /Groups
    #: (okta-provisioning.md, "Test API Credentials", UNCONFIRMED).
    push_groups: bool = True
    user_mapping: tuple[MappingRow, ...] = DEFAULT_USER_MAPPING
    import_settings: ImportSettings = field(default_factory=ImportSettings)
    #: Send :data:`PLACEHOLDER_PASSWORD` on create when password sync is off.
    placeholder_password: bool = False
    #: Page size of lookups and imports (okta-provisioning.md: ``count=100``).
    page_size: int = 100

    def with_mapping(self, *rows: MappingRow) -> ProvisioningSettings:
        """These settings with the mapping replaced (e.g. email as userName, fewer rows)."""
        from dataclasses import replace

        return replace(self, user_mapping=tuple(rows))
