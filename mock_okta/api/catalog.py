"""The mock's OIN catalog: which app ``name`` creates an OIN integration.

Why a table: the app kind decides how Okta deactivates a user — a path-less
``PATCH`` for OIN integrations, a full ``PUT`` for custom (App Integration
Wizard) apps (okta-provisioning.md, "Deactivate / reactivate"). Okta knows
the kind from its catalog; this is the mock's small catalog: the SCIM 2.0
Test App templates (seed 002; their OIN names as seen in the Admin
Console's URLs, ``scim2testapp`` and ``scim2testapp_basic``; the OAuth
template's name is UNCONFIRMED) and the apps of seed 004. Any other
``name`` (or none) is a custom app.
"""

from __future__ import annotations

from dataclasses import dataclass

from mock_okta.connection import AuthScheme


@dataclass(frozen=True)
class CatalogApp:
    display_name: str
    #: The authentication schemes its provisioning connection accepts.
    schemes: tuple[AuthScheme, ...]


OIN_CATALOG: dict[str, CatalogApp] = {
    "scim2testapp": CatalogApp("SCIM 2.0 Test App (Header Auth)", (AuthScheme.HEADER,)),
    "scim2testapp_basic": CatalogApp("SCIM 2.0 Test App (Basic Auth)", (AuthScheme.BASIC,)),
    "scim2testapp_oauth": CatalogApp(
        "SCIM 2.0 Test App (OAuth Bearer Token)", (AuthScheme.TOKEN, AuthScheme.OAUTH2)
    ),
    "okta_org2org": CatalogApp("Okta Org2Org", (AuthScheme.TOKEN, AuthScheme.OAUTH2)),
    "zscalerbyz": CatalogApp("Zscaler 2.0", (AuthScheme.TOKEN,)),
    "google": CatalogApp("Google Workspace", (AuthScheme.OAUTH2,)),
    "office365": CatalogApp("Microsoft Office 365", (AuthScheme.OAUTH2,)),
    "slack": CatalogApp("Slack", (AuthScheme.OAUTH2,)),
    "zoomus": CatalogApp("Zoom", (AuthScheme.OAUTH2,)),
}
