"""``/api/v1/apps``: app instances, their provisioning connection and features.

Seed 004 is the spec: ``POST …/connections/default[?activate=TRUE]`` with a
TOKEN or OAUTH2 profile, the OAuth 2.0 consent flow (authorize link →
``continue_oauth_flow_url`` → ``POST …/oauth2/callback`` → 204), then
``…/lifecycle/activate`` and the ``USER_PROVISIONING`` /
``INBOUND_PROVISIONING`` features. Activation runs Okta's "Test API
Credentials" (:meth:`~mock_okta.org.Org.test_connection`); a failing test
is ``400 E0000001`` and the connection stays DISABLED.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from starlette.responses import Response

from mock_okta.api import serialize
from mock_okta.api.catalog import OIN_CATALOG
from mock_okta.api.context import Api, Call, empty, json_response
from mock_okta.api.errors import OktaApiError, invalid, not_found
from mock_okta.api.features import FEATURES
from mock_okta.api.state import AppMeta, OAuthFlow
from mock_okta.api.validate import Enum, Obj, Str, errors
from mock_okta.connection import AuthScheme, Connection, ConnectionStatus
from mock_okta.model import AppInstance
from mock_okta.settings import AppKind, ProvisioningSettings

#: Okta's ``signOnMode`` values (OpenAPI ``ApplicationSignOnMode``).
SIGN_ON_MODES = (
    "AUTO_LOGIN",
    "BASIC_AUTH",
    "BOOKMARK",
    "BROWSER_PLUGIN",
    "OPENID_CONNECT",
    "SAML_1_1",
    "SAML_2_0",
    "SECURE_PASSWORD_STORE",
    "WS_FEDERATION",
)

#: The rest of Okta's Application object is accepted and ignored.
APP = Obj(
    {"name": Str(), "label": Str(required=True), "signOnMode": Enum(SIGN_ON_MODES, required=True)},
    open=True,
)
APP_UPDATE = Obj({"label": Str(required=True), "signOnMode": Enum(SIGN_ON_MODES)}, open=True)

#: ``profile`` per auth scheme: TOKEN and OAUTH2 are Okta's (seed 004); BASIC and
#: HEADER are the mock's extension for the SCIM 2.0 Test App templates (seed 002).
PROFILES: dict[AuthScheme, Obj] = {
    AuthScheme.TOKEN: Obj({"authScheme": Str(), "token": Str(required=True)}),
    AuthScheme.HEADER: Obj({"authScheme": Str(), "token": Str(required=True)}),
    AuthScheme.BASIC: Obj(
        {"authScheme": Str(), "username": Str(required=True), "password": Str(required=True)}
    ),
    AuthScheme.OAUTH2: Obj(
        {
            "authScheme": Str(),
            "clientId": Str(),
            "settings": Obj(open=True),
            "signing": Obj(open=True),
        }
    ),
}
CONNECTION = Obj(
    {
        "baseUrl": Str(url=True),
        "profile": Obj(
            {"authScheme": Enum(tuple(PROFILES), required=True)}, required=True, open=True
        ),
    }
)


# -- apps ------------------------------------------------------------------------


def list_apps(api: Api, call: Call) -> Response:
    """``q`` matches the start of the label or name (case-insensitive), ``limit`` caps."""
    prefix = call.query.get("q", "").casefold()
    found = [
        serialize.app(api, app)
        for app in api.org.apps.values()
        if not prefix
        or app.label.casefold().startswith(prefix)
        or _name(api, app).casefold().startswith(prefix)
    ]
    return json_response(found[: _limit(call)])


def create_app(api: Api, call: Call) -> Response:
    body = call.body(APP)
    label = body["label"]
    if any(app.label == label for app in api.org.apps.values()):
        raise OktaApiError("E0000040", causes=[f"label: {label!r} is already used"])
    name = body.get("name") or _custom_name(label)
    kind = AppKind.OIN if name in OIN_CATALOG else AppKind.CUSTOM
    app = api.org.add_app(label, ProvisioningSettings(kind=kind))
    app.active = call.flag("activate", True)
    api.state.apps[app.id] = AppMeta(name, body["signOnMode"])
    return json_response(serialize.app(api, app))


def get_app(api: Api, call: Call) -> Response:
    return json_response(serialize.app(api, api.app(call.params["appId"])))


def update_app(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    body = call.body(APP_UPDATE)
    app.label = body["label"]
    meta = api.state.apps.setdefault(app.id, AppMeta(app.id))
    meta.sign_on_mode = body.get("signOnMode") or meta.sign_on_mode
    api.state.touch(app.id)
    return json_response(serialize.app(api, app))


def delete_app(api: Api, call: Call) -> Response:
    """Only an INACTIVE app may be deleted (E0000056 otherwise, Okta's Apps API)."""
    app = api.app(call.params["appId"])
    if app.active:
        raise OktaApiError(
            "E0000056", causes=["The application must be deactivated before deletion."]
        )
    api.org.remove_app(app)
    return empty()


def activate_app(api: Api, call: Call) -> Response:
    return _set_app_active(api, call, True)


def deactivate_app(api: Api, call: Call) -> Response:
    return _set_app_active(api, call, False)


def _set_app_active(api: Api, call: Call, active: bool) -> Response:
    app = api.app(call.params["appId"])
    app.active = active
    api.state.touch(app.id)
    return json_response({})


# -- connection ----------------------------------------------------------------


def get_connection(api: Api, call: Call) -> Response:
    return json_response(serialize.connection(api, api.app(call.params["appId"])))


def set_connection(api: Api, call: Call) -> Response:
    """Configure (and with ``?activate=TRUE`` test and enable) the default connection."""
    app = api.app(call.params["appId"])
    body = call.body(CONNECTION)
    scheme = AuthScheme(body["profile"]["authScheme"])
    problems = _profile_problems(api, app, scheme, body["profile"])
    if problems:
        raise invalid(problems)
    profile = body["profile"]
    app.connection = Connection(
        base_url=body.get("baseUrl") or app.connection.base_url,
        auth_scheme=scheme,
        token=profile.get("token"),
        username=profile.get("username"),
        password=profile.get("password"),
    )
    api.state.connections[app.id] = scheme
    api.state.oauth.pop(app.id, None)
    if scheme is AuthScheme.OAUTH2:
        api.state.oauth[app.id] = OAuthFlow()
        return json_response(serialize.connection(api, app))
    outcome = _activate(api, app) if call.flag("activate", False) else None
    return json_response(serialize.connection(api, app), 200, *([outcome] if outcome else []))


def _profile_problems(
    api: Api, app: AppInstance, scheme: AuthScheme, profile: dict[str, Any]
) -> list[str]:
    problems = errors(PROFILES[scheme], profile, "profile")
    catalog = OIN_CATALOG.get(_name(api, app))
    if catalog is not None and scheme not in catalog.schemes:
        allowed = ", ".join(s.value for s in catalog.schemes)
        problems.append(
            f"profile.authScheme: {catalog.display_name} does not support {scheme.value} "
            f"(supported: {allowed})"
        )
    return problems


def activate_connection(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    if app.id not in api.state.connections and not app.connection.base_url:
        raise _not_enabled()
    outcome = _activate(api, app)
    return empty(204, *([outcome] if outcome else []))


def deactivate_connection(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    app.connection.status = ConnectionStatus.DISABLED
    return empty()


def _activate(api: Api, app: AppInstance) -> Any:
    """Test API Credentials, then ENABLED; a failed test leaves it DISABLED (400)."""
    conn = app.connection
    if conn.auth_scheme is AuthScheme.OAUTH2 and not conn.access_token:
        raise invalid(["connection: The OAuth 2.0 consent flow has not been completed."])
    outcome = None
    if conn.base_url:
        outcome = api.org.test_connection(app)
        if not outcome.ok:
            conn.status = ConnectionStatus.DISABLED
            raise invalid([f"connection: {outcome.message}"])
    conn.status = ConnectionStatus.ENABLED
    return outcome


# -- OAuth 2.0 consent ------------------------------------------------------------


def consent(api: Api, call: Call) -> Response:
    """The third party's consent page (mock): consent is granted at once (seed 004, step 2)."""
    state = call.query.get("state", "")
    app_id = call.query.get("client_id", "")
    flow = api.state.oauth.get(app_id)
    if flow is None or not secrets.compare_digest(flow.state, state):
        raise invalid(["state: unknown or expired OAuth 2.0 state"])
    app = api.app(app_id)
    flow.code = secrets.token_urlsafe(16)
    query = f"code={flow.code}&state={flow.state}"
    href = api.url(f"{serialize.callback_path(api, app)}?{query}")
    return json_response({"continue_oauth_flow_url": {"href": href, "method": "POST"}})


def oauth_callback(api: Api, call: Call) -> Response:
    """Okta exchanges the code for the app's access token; 204 (seed 004, step 3)."""
    app = api.app(call.params["appId"])
    if call.params["appName"] != _name(api, app):
        raise not_found(call.params["appName"], "AppInstance")
    flow = api.state.oauth.get(app.id)
    code, state = call.query.get("code", ""), call.query.get("state", "")
    if flow is None or flow.code is None:
        raise invalid(["code: no OAuth 2.0 consent is in progress for this app"])
    if not (secrets.compare_digest(flow.code, code) and secrets.compare_digest(flow.state, state)):
        raise invalid(["code: the code or state does not match the consent granted"])
    token = api.oauth_access_token(app) if api.oauth_access_token else None
    if not token:
        raise invalid(["code: the app issued no access token"])
    app.connection.access_token = token
    del api.state.oauth[app.id]
    return empty()


# -- features ------------------------------------------------------------------


def list_features(api: Api, call: Call) -> Response:
    app = _provisioned(api, call)
    return json_response([serialize.feature(api, app, name) for name in FEATURES])


def get_feature(api: Api, call: Call) -> Response:
    app = _provisioned(api, call)
    return json_response(serialize.feature(api, app, _feature_name(call)))


def set_feature(api: Api, call: Call) -> Response:
    app = _provisioned(api, call)
    name = _feature_name(call)
    spec = FEATURES[name]
    app.settings = spec.apply(app.settings, call.body(spec.schema))
    api.state.touch(app.id)
    return json_response(serialize.feature(api, app, name))


def _provisioned(api: Api, call: Call) -> AppInstance:
    app = api.app(call.params["appId"])
    if not serialize.has_connection(api, app):
        raise _not_enabled()
    return app


def _feature_name(call: Call) -> str:
    name = call.params["name"]
    if name not in FEATURES:
        raise not_found(name, "ApplicationFeature")
    return name


def _not_enabled() -> OktaApiError:
    """Okta's ``ErrorAppFeatureAPIValidationFailed`` example, verbatim."""
    return OktaApiError(
        "E0000001", "feature", ["Provisioning is not enabled for the app instance."]
    )


# -- helpers -------------------------------------------------------------------


def _name(api: Api, app: AppInstance) -> str:
    meta = api.state.apps.get(app.id)
    return meta.name if meta else app.id


def _custom_name(label: str) -> str:
    """An App Integration Wizard app's name: ``<org>_<label>_1`` in Okta."""
    slug = re.sub(r"[^a-z0-9]+", "", label.lower()) or "app"
    return f"mockorg_{slug}_1"


def _limit(call: Call) -> int | None:
    raw = call.query.get("limit")
    if raw is None:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise invalid(["limit: must be a positive integer"])
    return int(raw)
