"""A mock Okta org that provisions a SCIM endpoint the way Okta does (issue 5).

The modules each have one job:

* :mod:`mock_okta.model` — the Okta side: users, groups, the app instance and
  what Okta remembers about each app user and pushed group;
* :mod:`mock_okta.settings` — the app's provisioning settings as Okta's admin
  console has them, including the attribute mapping as a data table;
* :mod:`mock_okta.mapping` — applies that table to an Okta profile;
* :mod:`mock_okta.wire` — Okta's headers, query strings and client settings;
* :mod:`mock_okta.judge` — which answers Okta accepts, and its error wording;
* :mod:`mock_okta.provisioner` — lifecycle events → Okta's HTTP sequences.

Facts come from ``shared/reference/okta-provisioning.md`` (cited below as
"okta-provisioning.md, <section>").
"""

from mock_okta.model import AppInstance, AppUser, OktaGroup, OktaUser, SyncState, UserStatus
from mock_okta.provisioner import Provisioner, StepResult
from mock_okta.settings import AppKind, MappingRow, ProvisioningSettings, ToAppFeatures

__all__ = [
    "AppInstance",
    "AppKind",
    "AppUser",
    "MappingRow",
    "OktaGroup",
    "OktaUser",
    "Provisioner",
    "ProvisioningSettings",
    "StepResult",
    "SyncState",
    "ToAppFeatures",
    "UserStatus",
]
