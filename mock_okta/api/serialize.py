"""Okta's JSON shapes: users, groups, apps, app users, connections, features, mappings.

One job: turn the org's objects into the JSON Okta's management API answers
(OpenAPI spec schemas ``User``, ``Group``, ``Application``, ``AppUser``,
``ApplicationGroupAssignment``, ``ProvisioningConnectionResponse``,
``ApplicationFeature``, ``GroupPushMapping``): ids, ``status``,
``created``/``lastUpdated``, ``profile`` and ``_links`` under the org URL.
Secrets never appear: a connection shows its scheme, status and base URL,
a user's credentials only that a password exists.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from urllib.parse import urlencode

from mock_okta.api.context import Api
from mock_okta.api.features import FEATURES
from mock_okta.api.state import PushMapping
from mock_okta.connection import AuthScheme
from mock_okta.model import AppInstance, OktaGroup, OktaUser, SyncState, UserStatus

#: Profile fields always present in a user's JSON (Okta's required base attributes).
REQUIRED_PROFILE = ("firstName", "lastName", "email", "login")

#: The app's ``features`` list (Okta's Application object) from its settings.
_APP_FEATURES = (
    ("PUSH_NEW_USERS", lambda s: s.to_app.create_users and s.push_new_users),
    ("PUSH_PROFILE_UPDATES", lambda s: s.to_app.update_attributes and s.push_profile_updates),
    ("PUSH_USER_DEACTIVATION", lambda s: s.to_app.deactivate_users),
    ("REACTIVATE_USERS", lambda s: s.to_app.deactivate_users),
    ("PUSH_PASSWORD_UPDATES", lambda s: s.to_app.sync_password),
    ("GROUP_PUSH", lambda s: s.push_groups),
    ("IMPORT_NEW_USERS", lambda s: True),
)

#: The org's sync state → Okta's ``AppUserSyncState`` (which has no PENDING:
#: a change not yet pushed is ``OUT_OF_SYNC``).
SYNC_STATES = {
    SyncState.SYNCHRONIZED: "SYNCHRONIZED",
    SyncState.ERROR: "ERROR",
    SyncState.PENDING: "OUT_OF_SYNC",
}


def _href(api: Api, path: str, *allow: str) -> dict[str, Any]:
    link: dict[str, Any] = {"href": api.url(path)}
    if allow:
        link["hints"] = {"allow": list(allow)}
    return link


#: The guidance of seed 004's ``_links.authorize``, verbatim.
AUTHORIZE_GUIDANCE = (
    "Specifies the URI to invoke in a browser for granting scope consent required to "
    "complete the OAuth 2.0 connection."
)


# -- users ---------------------------------------------------------------------


def user(api: Api, okta_user: OktaUser) -> dict[str, Any]:
    stamps = api.state.stamp(okta_user.id)
    profile = {k: v for k, v in asdict(okta_user.profile).items() if v or k in REQUIRED_PROFILE}
    credentials: dict[str, Any] = {"provider": {"type": "OKTA", "name": "OKTA"}}
    if okta_user.id in api.state.passwords:
        credentials = {"password": {}, **credentials}
    base = f"/api/v1/users/{okta_user.id}"
    return {
        "id": okta_user.id,
        "status": okta_user.status.value,
        "created": stamps.created,
        "activated": stamps.created if okta_user.status is not UserStatus.STAGED else None,
        "statusChanged": stamps.last_updated,
        "lastLogin": None,
        "lastUpdated": stamps.last_updated,
        "passwordChanged": stamps.created if okta_user.id in api.state.passwords else None,
        "type": {"id": "otyMockDefaultUserType0"},
        "profile": profile,
        "credentials": credentials,
        "_links": {
            "self": _href(api, base),
            "deactivate": _href(api, f"{base}/lifecycle/deactivate", "POST"),
        },
    }


# -- groups --------------------------------------------------------------------


def group(api: Api, okta_group: OktaGroup) -> dict[str, Any]:
    stamps = api.state.stamp(okta_group.id)
    base = f"/api/v1/groups/{okta_group.id}"
    built_in = okta_group.id == api.org.everyone.id
    return {
        "id": okta_group.id,
        "created": stamps.created,
        "lastUpdated": stamps.last_updated,
        "lastMembershipUpdated": stamps.last_updated,
        "objectClass": ["okta:user_group"],
        "type": "BUILT_IN" if built_in else "OKTA_GROUP",
        "profile": {
            "name": okta_group.name,
            "description": api.state.descriptions.get(
                okta_group.id, "All users in your organization" if built_in else ""
            ),
        },
        "_links": {
            "self": _href(api, base),
            "users": _href(api, f"{base}/users"),
            "apps": _href(api, f"{base}/apps"),
        },
    }


# -- apps ----------------------------------------------------------------------


def app(api: Api, instance: AppInstance) -> dict[str, Any]:
    stamps = api.state.stamp(instance.id)
    meta = api.state.apps.get(instance.id)
    base = f"/api/v1/apps/{instance.id}"
    connected = has_connection(api, instance)
    lifecycle = "deactivate" if instance.active else "activate"
    return {
        "id": instance.id,
        "name": meta.name if meta else instance.id,
        "label": instance.label,
        "status": "ACTIVE" if instance.active else "INACTIVE",
        "created": stamps.created,
        "lastUpdated": stamps.last_updated,
        "signOnMode": meta.sign_on_mode if meta else "SAML_2_0",
        "features": [name for name, on in _APP_FEATURES if connected and on(instance.settings)],
        "settings": {"app": {}},
        "_links": {
            "self": _href(api, base),
            "users": _href(api, f"{base}/users"),
            "groups": _href(api, f"{base}/groups"),
            lifecycle: _href(api, f"{base}/lifecycle/{lifecycle}", "POST"),
        },
    }


def has_connection(api: Api, instance: AppInstance) -> bool:
    """Provisioning is configured: through this API, or directly on the org (runner)."""
    return instance.id in api.state.connections or bool(instance.connection.base_url)


def connection(api: Api, instance: AppInstance) -> dict[str, Any]:
    """``ProvisioningConnectionResponse``; OAUTH2 exactly as seed 004 shows it."""
    conn = instance.connection
    base = f"/api/v1/apps/{instance.id}/connections/default"
    lifecycle = "deactivate" if conn.enabled else "activate"
    body: dict[str, Any] = {}
    if conn.auth_scheme is not AuthScheme.OAUTH2:
        body["authScheme"] = conn.auth_scheme.value
    if conn.base_url:
        body["baseUrl"] = conn.base_url
    body["status"] = conn.status.value
    body["profile"] = {"authScheme": conn.auth_scheme.value}
    links: dict[str, Any] = {
        lifecycle: _href(api, f"{base}/lifecycle/{lifecycle}", "POST"),
        "self": _href(api, base, "POST", "GET"),
    }
    flow = api.state.oauth.get(instance.id)
    if conn.auth_scheme is AuthScheme.OAUTH2 and flow is not None and not conn.access_token:
        links["authorize"] = {
            "href": api.url(authorize_path(api, instance, flow.state)),
            "hints": {"allow": ["GET"], "guidance": [AUTHORIZE_GUIDANCE]},
        }
    body["_links"] = links
    return body


def authorize_path(api: Api, instance: AppInstance, state: str) -> str:
    query = urlencode(
        {
            "scope": "admin",
            "response_type": "code",
            "state": state,
            "client_id": instance.id,
            "redirect_uri": api.url(callback_path(api, instance)),
        }
    )
    return f"/mock/oauth2/authorize?{query}"


def callback_path(api: Api, instance: AppInstance) -> str:
    meta = api.state.apps.get(instance.id)
    return f"/api/v1/apps/{meta.name if meta else instance.id}/{instance.id}/oauth2/callback"


def feature(api: Api, instance: AppInstance, name: str) -> dict[str, Any]:
    """``ApplicationFeature`` with its ``capabilities`` (OpenAPI examples' shape)."""
    spec = FEATURES[name]
    return {
        "name": name,
        "status": "ENABLED" if instance.connection.enabled else "DISABLED",
        "description": spec.description,
        "capabilities": spec.read(instance.settings),
        "_links": {"self": _href(api, f"/api/v1/apps/{instance.id}/features/{name}", "GET", "PUT")},
    }


# -- assignments ---------------------------------------------------------------


def app_user(api: Api, instance: AppInstance, okta_user: OktaUser) -> dict[str, Any]:
    """``AppUser``: ``externalId`` is the linked SCIM id; ``errorSummary`` (mock) on ERROR."""
    record = instance.app_user(okta_user.id)
    stamps = api.state.stamp(f"{instance.id}/{okta_user.id}")
    if not record.active:
        status = "INACTIVE"
    elif record.external_id is not None:
        status = "PROVISIONED"
    elif not has_connection(api, instance):
        status = "ACTIVE"
    else:
        status = "STAGED"
    body: dict[str, Any] = {
        "id": okta_user.id,
        "externalId": record.external_id,
        "created": stamps.created,
        "lastUpdated": stamps.last_updated,
        "scope": "USER" if okta_user.id in instance.assigned_users else "GROUP",
        "status": status,
        "statusChanged": stamps.last_updated,
        "passwordChanged": None,
        "syncState": SYNC_STATES[record.sync_state]
        if has_connection(api, instance)
        else "DISABLED",
        "lastSync": api.state.last_sync.get((instance.id, okta_user.id)),
        "credentials": {"userName": okta_user.profile.login},
        "profile": {},
        "_links": {
            "app": _href(api, f"/api/v1/apps/{instance.id}"),
            "user": _href(api, f"/api/v1/users/{okta_user.id}"),
        },
    }
    if record.last_error:
        body["errorSummary"] = record.last_error
    return body


def group_assignment(api: Api, instance: AppInstance, okta_group: OktaGroup) -> dict[str, Any]:
    stamps = api.state.stamp(f"{instance.id}/{okta_group.id}")
    return {
        "id": okta_group.id,
        "lastUpdated": stamps.last_updated,
        "priority": instance.assigned_groups.index(okta_group.id),
        "profile": {},
        "_links": {
            "app": _href(api, f"/api/v1/apps/{instance.id}"),
            "group": _href(api, f"/api/v1/groups/{okta_group.id}"),
        },
    }


def push_mapping(api: Api, mapping: PushMapping) -> dict[str, Any]:
    return {
        "id": mapping.id,
        "created": mapping.stamps.created,
        "lastUpdated": mapping.stamps.last_updated,
        "lastPush": mapping.last_push,
        "errorSummary": mapping.error_summary,
        "sourceGroupId": mapping.group_id,
        "status": mapping.status,
        "targetGroupId": mapping.target_id,
        "_links": {
            "app": _href(api, f"/api/v1/apps/{mapping.app_id}"),
            "sourceGroup": _href(api, f"/api/v1/groups/{mapping.group_id}"),
        },
    }
