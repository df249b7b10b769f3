"""The mock Okta management API: seed 004's calls verbatim, and Okta-shaped refusals."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.client import ScimClient
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from harness.server.testing import SyncASGITransport
from mock_okta.api import create_okta_api
from mock_okta.model import AppInstance
from mock_okta.org import Org
from mock_okta.wire import okta_client_in_process

API_TOKEN = "00okta-api-token-secret"
SCIM_TOKEN = "scim-target-token-secret"
ACCESS_TOKEN = "oauth-access-token-secret"
ORG_URL = "http://okta.test"
SCIM_URL = "https://scim.example.com/scim/v2"
FAULTY_URL = "https://faulty.example.com/scim/v2"
ERROR_ID = re.compile(r"^oae[A-Za-z0-9_-]{22}$")


class OktaHarness:
    """The API in process, over an org whose apps reach an in-process reference server.

    A connection whose base URL contains ``faulty`` reaches a server with the
    ``create-200`` defect instead (201 answered as 200: Okta rejects the create).
    """

    def __init__(self) -> None:
        config = ServerConfig(token=SCIM_TOKEN)
        self.scim_app = create_app(config)
        self.faulty_app = faulty_app(FAULTS_BY_NAME["create-200"], ServerConfig(token=SCIM_TOKEN))
        self.org = Org(self._client)
        self.api = create_okta_api(
            self.org, api_token=API_TOKEN, org_url=ORG_URL, oauth_access_token=self._access
        )
        self.http = httpx.Client(
            transport=SyncASGITransport(self.api),
            base_url=ORG_URL,
            headers={"Authorization": f"SSWS {API_TOKEN}"},
        )
        self.scim = ScimClient.in_process(self.scim_app, SCIM_TOKEN)
        self.access_token: str | None = ACCESS_TOKEN

    def _client(self, app: AppInstance) -> ScimClient:
        target = self.faulty_app if "faulty" in (app.connection.base_url or "") else self.scim_app
        return okta_client_in_process(
            target, None, authorization=app.connection.authorization(), sleep=lambda _: None
        )

    def _access(self, _app: AppInstance) -> str | None:
        return self.access_token

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> httpx.Response:
        if body is not None:
            kwargs["content"] = json.dumps(body)
            kwargs.setdefault("headers", {})["Content-Type"] = "application/json"
        return self.http.request(method, path, **kwargs)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self.call(method, path, body)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    # -- common set-ups ------------------------------------------------------------

    def new_app(self, name: str = "scim2testapp_oauth", label: str = "Acme SCIM") -> str:
        body = {"name": name, "label": label, "signOnMode": "SAML_2_0"}
        app_id: str = self.ok("POST", "/api/v1/apps", body)["id"]
        return app_id

    def connect(self, app_id: str, base_url: str = SCIM_URL) -> None:
        body = {"baseUrl": base_url, "profile": {"authScheme": "TOKEN", "token": SCIM_TOKEN}}
        self.ok("POST", f"/api/v1/apps/{app_id}/connections/default?activate=TRUE", body)

    def new_user(self, login: str, first: str = "Jane", last: str = "Doe") -> str:
        """An ACTIVE user (with a password; without one Okta makes it PROVISIONED)."""
        profile = {"firstName": first, "lastName": last, "email": login, "login": login}
        body = {"profile": profile, "credentials": {"password": {"value": "Passw0rd-1"}}}
        user_id: str = self.ok("POST", "/api/v1/users?activate=true", body)["id"]
        return user_id

    def scim_users(self) -> list[dict[str, Any]]:
        response = self.scim.get("/Users?count=1000")
        assert response.status == 200, response.text
        resources: list[dict[str, Any]] = response.body.get("Resources", [])
        return resources

    def close(self) -> None:
        self.http.close()
        self.scim.close()
        self.org.close()


@pytest.fixture
def okta() -> Iterator[OktaHarness]:
    harness = OktaHarness()
    yield harness
    harness.close()


def assert_okta_error(response: httpx.Response, status: int, code: str) -> list[str]:
    """Okta's error body; returns the causes' summaries."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
    assert body["errorCode"] == code
    assert body["errorLink"] == code
    assert ERROR_ID.match(body["errorId"]), body["errorId"]
    return [cause["errorSummary"] for cause in body["errorCauses"]]


# -- authentication ----------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["SSWS", "Bearer"])
def test_api_token_accepted_as_ssws_and_bearer(okta: OktaHarness, scheme: str) -> None:
    response = okta.http.get("/api/v1/apps", headers={"Authorization": f"{scheme} {API_TOKEN}"})
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "header", [None, "SSWS wrong-token", f"Basic {API_TOKEN}", "Bearer", f"SSWS {API_TOKEN}x"]
)
def test_missing_or_wrong_token_is_e0000011(okta: OktaHarness, header: str | None) -> None:
    headers = {} if header is None else {"Authorization": header}
    client = httpx.Client(transport=SyncASGITransport(okta.api), base_url=ORG_URL)
    with client:
        response = client.get("/api/v1/users", headers=headers)
    assert assert_okta_error(response, 401, "E0000011") == []
    assert response.json()["errorSummary"] == "Invalid token provided"


def test_unknown_path_and_method_are_okta_errors(okta: OktaHarness) -> None:
    assert_okta_error(okta.call("GET", "/api/v1/nothing-here"), 404, "E0000008")
    assert_okta_error(okta.call("PATCH", "/api/v1/users"), 405, "E0000022")
    missing = okta.call("GET", "/api/v1/apps/0oanosuchapp")
    assert_okta_error(missing, 404, "E0000007")
    assert missing.json()["errorSummary"] == (
        "Not found: Resource not found: 0oanosuchapp (AppInstance)"
    )


# -- seed 004: token-based connection ----------------------------------------------


def test_seed_004_token_connection_with_base_url_activates(okta: OktaHarness) -> None:
    app_id = okta.new_app("zscalerbyz", "Zscaler 2.0")
    response = okta.call(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default?activate=TRUE",
        {"baseUrl": SCIM_URL, "profile": {"authScheme": "TOKEN", "token": SCIM_TOKEN}},
        headers={"Authorization": f"Bearer {API_TOKEN}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ENABLED"
    assert body["profile"] == {"authScheme": "TOKEN"}
    assert body["authScheme"] == "TOKEN"
    assert body["baseUrl"] == SCIM_URL
    assert body["_links"]["self"]["href"] == f"{ORG_URL}/api/v1/apps/{app_id}/connections/default"
    assert "deactivate" in body["_links"]
    assert SCIM_TOKEN not in response.text
    # Test API Credentials ran against the target (okta-provisioning.md).
    assert response.headers["X-Mock-Okta-Provisioning"] == "ok"
    sent = okta.ok("GET", f"/api/v1/mock/apps/{app_id}/exchanges")
    assert [e["url"].split("?")[0] for e in sent] == [
        "http://scim.test/Users",
        "http://scim.test/Groups",
    ]
    assert SCIM_TOKEN not in json.dumps(sent)
    got = okta.ok("GET", f"/api/v1/apps/{app_id}/connections/default")
    assert (got["status"], got["baseUrl"], got["authScheme"]) == ("ENABLED", SCIM_URL, "TOKEN")


def test_seed_004_org2org_token_connection_without_base_url(okta: OktaHarness) -> None:
    app_id = okta.new_app("okta_org2org", "Org2Org")
    body = okta.ok(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default?activate=TRUE",
        {"profile": {"authScheme": "TOKEN", "token": "{yourTargetOrgToken}"}},
    )
    assert body["status"] == "ENABLED"
    assert body["profile"] == {"authScheme": "TOKEN"}
    assert "baseUrl" not in body


def test_failing_connection_test_is_e0000001_and_stays_disabled(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    response = okta.call(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default?activate=TRUE",
        {"baseUrl": SCIM_URL, "profile": {"authScheme": "TOKEN", "token": "not-the-token"}},
    )
    causes = assert_okta_error(response, 400, "E0000001")
    assert causes and causes[0].startswith("connection: Error authenticating: HTTP 401")
    assert "not-the-token" not in response.text
    got = okta.ok("GET", f"/api/v1/apps/{app_id}/connections/default")
    assert got["status"] == "DISABLED"
    assert "activate" in got["_links"]


def test_connection_lifecycle_deactivate_and_activate(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    base = f"/api/v1/apps/{app_id}/connections/default"
    okta.ok("POST", f"{base}/lifecycle/deactivate", status=204)
    assert okta.ok("GET", base)["status"] == "DISABLED"
    okta.ok("POST", f"{base}/lifecycle/activate", status=204)
    assert okta.ok("GET", base)["status"] == "ENABLED"


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        ({"authScheme": "BASIC", "username": "u", "password": "p"}, "Basic dTpw"),
        ({"authScheme": "HEADER", "token": f"Bearer {SCIM_TOKEN}"}, f"Bearer {SCIM_TOKEN}"),
    ],
)
def test_basic_and_header_schemes_mock_extension(
    okta: OktaHarness, profile: dict[str, str], expected: str
) -> None:
    app_id = okta.new_app("mycustomapp")
    body = okta.ok(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default",
        {"baseUrl": SCIM_URL, "profile": profile},
    )
    assert body["profile"] == {"authScheme": profile["authScheme"]}
    assert body["status"] == "DISABLED"
    assert "p" not in body["profile"] and SCIM_TOKEN not in json.dumps(body)
    assert okta.org.apps[app_id].connection.authorization() == expected


# -- seed 004: OAuth 2.0 connection --------------------------------------------------


def test_seed_004_oauth2_consent_flow(okta: OktaHarness) -> None:
    app_id = okta.new_app("google", "Google Workspace")
    base = f"/api/v1/apps/{app_id}/connections/default"
    created = okta.ok("POST", base, {"profile": {"authScheme": "OAUTH2"}})
    assert created["status"] == "DISABLED"
    assert created["profile"] == {"authScheme": "OAUTH2"}
    assert set(created) == {"status", "profile", "_links"}
    links = created["_links"]
    assert links["activate"] == {
        "href": f"{ORG_URL}/api/v1/apps/{app_id}/connections/default/lifecycle/activate",
        "hints": {"allow": ["POST"]},
    }
    assert links["self"] == {"href": f"{ORG_URL}{base}", "hints": {"allow": ["POST", "GET"]}}
    assert links["authorize"]["hints"]["allow"] == ["GET"]
    assert links["authorize"]["hints"]["guidance"] == [
        "Specifies the URI to invoke in a browser for granting scope consent required to "
        "complete the OAuth 2.0 connection."
    ]

    # Activating before consent fails.
    early = okta.call("POST", f"{base}/lifecycle/activate")
    assert assert_okta_error(early, 400, "E0000001")

    # Step 2: the consent page (a browser, no Okta credential).
    browser = httpx.Client(transport=SyncASGITransport(okta.api))
    with browser:
        consent = browser.get(links["authorize"]["href"])
    assert consent.status_code == 200, consent.text
    flow = consent.json()["continue_oauth_flow_url"]
    assert flow["method"] == "POST"
    assert flow["href"].startswith(f"{ORG_URL}/api/v1/apps/google/{app_id}/oauth2/callback?code=")

    # Step 3: the callback, authenticated with the Okta access token.
    done = okta.http.post(flow["href"], headers={"Authorization": f"Bearer {API_TOKEN}"})
    assert done.status_code == 204, done.text
    assert okta.org.apps[app_id].connection.access_token == ACCESS_TOKEN

    # Step 4: activate; the connection is ENABLED and shows no secret.
    okta.ok("POST", f"{base}/lifecycle/activate", status=204)
    got = okta.http.get(base)
    assert got.json()["status"] == "ENABLED"
    assert "authorize" not in got.json()["_links"]
    assert ACCESS_TOKEN not in got.text


def test_oauth2_office365_profile_and_wrong_code(okta: OktaHarness) -> None:
    app_id = okta.new_app("office365", "Office 365")
    created = okta.ok(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default",
        {
            "profile": {
                "authScheme": "OAUTH2",
                "settings": {"adminUsername": "{msUsername}", "adminPassword": "{userPwd}"},
            }
        },
    )
    okta.http.get(created["_links"]["authorize"]["href"])
    wrong = okta.call("POST", f"/api/v1/apps/office365/{app_id}/oauth2/callback?code=x&state=y")
    assert assert_okta_error(wrong, 400, "E0000001")
    assert okta.org.apps[app_id].connection.access_token is None


def test_oauth2_callback_without_access_token_is_refused(okta: OktaHarness) -> None:
    okta.access_token = None
    app_id = okta.new_app("slack", "Slack")
    created = okta.ok(
        "POST", f"/api/v1/apps/{app_id}/connections/default", {"profile": {"authScheme": "OAUTH2"}}
    )
    flow = okta.http.get(created["_links"]["authorize"]["href"]).json()
    response = okta.http.post(flow["continue_oauth_flow_url"]["href"])
    assert assert_okta_error(response, 400, "E0000001") == ["code: the app issued no access token"]


# -- connection refusals ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ({"profile": {"authScheme": "MAGIC"}}, "profile.authScheme: 'MAGIC' is not a valid value"),
        ({"profile": {"authScheme": "TOKEN"}}, "profile.token: The field cannot be left blank"),
        ({"baseUrl": "ftp://x", "profile": {"authScheme": "TOKEN", "token": "t"}}, "baseUrl:"),
        ({"baseUrl": 5, "profile": {"authScheme": "TOKEN", "token": "t"}}, "baseUrl: must be"),
        ({}, "profile: The field cannot be left blank"),
        ({"profile": {"authScheme": "TOKEN", "token": "t", "x": 1}}, "profile.x: unknown"),
    ],
)
def test_malformed_connection_is_e0000001(
    okta: OktaHarness, body: dict[str, Any], cause: str
) -> None:
    app_id = okta.new_app()
    response = okta.call("POST", f"/api/v1/apps/{app_id}/connections/default", body)
    causes = assert_okta_error(response, 400, "E0000001")
    assert any(c.startswith(cause) for c in causes), causes
    assert response.json()["errorSummary"].startswith("Api validation failed: ")


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"", b'"text"'])
def test_body_not_a_json_object_is_e0000003(okta: OktaHarness, raw: bytes) -> None:
    app_id = okta.new_app()
    response = okta.http.post(f"/api/v1/apps/{app_id}/connections/default", content=raw)
    assert assert_okta_error(response, 400, "E0000003") == []
    assert response.json()["errorSummary"] == "The request body was not well-formed."


def test_catalog_app_refuses_a_scheme_it_does_not_support(okta: OktaHarness) -> None:
    app_id = okta.new_app("google", "Google")
    response = okta.call(
        "POST",
        f"/api/v1/apps/{app_id}/connections/default",
        {"profile": {"authScheme": "TOKEN", "token": "t"}},
    )
    causes = assert_okta_error(response, 400, "E0000001")
    assert causes == [
        "profile.authScheme: Google Workspace does not support TOKEN (supported: OAUTH2)"
    ]


# -- seed 004: features ----------------------------------------------------------------

#: Seed 004's USER_PROVISIONING body, verbatim (``"change": "CYCLE"`` included).
USER_PROVISIONING = {
    "create": {"lifecycleCreate": {"status": "ENABLED"}},
    "update": {
        "lifecycleDeactivate": {"status": "ENABLED"},
        "profile": {"status": "ENABLED"},
        "password": {"status": "ENABLED", "seed": "RANDOM", "change": "CYCLE"},
    },
}

#: Seed 004's INBOUND_PROVISIONING body, verbatim.
INBOUND_PROVISIONING = {
    "importSettings": {
        "username": {"userNameFormat": "CUSTOM", "userNameExpression": "source.userName"},
        "schedule": {
            "status": "ENABLED",
            "fullImport": {"expression": "0 */4 * * *", "timeZone": "America/New_York"},
            "incrementalImport": {},
        },
    },
    "importRules": {
        "userCreateAndMatch": {
            "exactMatchCriteria": "USERNAME",
            "allowPartialMatch": False,
            "autoConfirmPartialMatch": False,
            "autoConfirmExactMatch": False,
            "autoConfirmNewUsers": False,
            "autoActivateNewUsers": False,
        }
    },
}


def test_seed_004_user_provisioning_feature(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    path = f"/api/v1/apps/{app_id}/features/USER_PROVISIONING"
    body = okta.ok("PUT", path, USER_PROVISIONING)
    assert body["name"] == "USER_PROVISIONING"
    assert body["status"] == "ENABLED"
    assert body["description"]
    assert body["_links"]["self"] == {
        "href": f"{ORG_URL}{path}",
        "hints": {"allow": ["GET", "PUT"]},
    }
    expected = json.loads(json.dumps(USER_PROVISIONING).replace("CYCLE", "CHANGE"))
    assert body["capabilities"] == expected
    to_app = okta.org.apps[app_id].settings.to_app
    assert (to_app.sync_password, to_app.password_seed, to_app.password_change) == (
        True,
        "RANDOM",
        "CHANGE",
    )
    assert okta.ok("GET", path)["capabilities"] == expected


def test_feature_put_keeps_what_it_leaves_out(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    path = f"/api/v1/apps/{app_id}/features/USER_PROVISIONING"
    okta.ok("PUT", path, {"update": {"lifecycleDeactivate": {"status": "DISABLED"}}})
    to_app = okta.org.apps[app_id].settings.to_app
    assert to_app.deactivate_users is False
    assert to_app.create_users is True


def test_seed_004_inbound_provisioning_feature(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    path = f"/api/v1/apps/{app_id}/features/INBOUND_PROVISIONING"
    body = okta.ok("PUT", path, INBOUND_PROVISIONING)
    assert body["name"] == "INBOUND_PROVISIONING"
    capabilities = body["capabilities"]
    assert capabilities["importSettings"]["username"] == {
        "userNameFormat": "CUSTOM",
        "userNameExpression": "source.userName",
    }
    assert capabilities["importSettings"]["schedule"]["fullImport"] == {
        "expression": "0 */4 * * *",
        "timezone": "America/New_York",
    }
    assert capabilities["importRules"] == INBOUND_PROVISIONING["importRules"]
    settings = okta.org.apps[app_id].settings.import_settings
    assert (settings.schedule_enabled, settings.time_zone, settings.exact_match) == (
        True,
        "America/New_York",
        "USERNAME",
    )
    features = okta.ok("GET", f"/api/v1/apps/{app_id}/features")
    assert [f["name"] for f in features] == ["USER_PROVISIONING", "INBOUND_PROVISIONING"]


@pytest.mark.parametrize(
    ("feature", "body", "cause"),
    [
        (
            "USER_PROVISIONING",
            {"update": {"password": {"seed": "SOMETIMES"}}},
            "update.password.seed: 'SOMETIMES' is not a valid value",
        ),
        (
            "USER_PROVISIONING",
            {"create": {"lifecycleCreate": {"status": "ON"}}},
            "create.lifecycleCreate.status:",
        ),
        ("USER_PROVISIONING", {"delete": {}}, "delete: unknown property 'delete'"),
        (
            "INBOUND_PROVISIONING",
            {"importRules": {"userCreateAndMatch": {"allowPartialMatch": "false"}}},
            "importRules.userCreateAndMatch.allowPartialMatch: must be a boolean",
        ),
        (
            "INBOUND_PROVISIONING",
            {"importRules": {"userCreateAndMatch": {"exactMatchCriteria": "PHONE"}}},
            "importRules.userCreateAndMatch.exactMatchCriteria:",
        ),
        (
            "INBOUND_PROVISIONING",
            {"importSettings": {"username": {"userNameFormat": "UPN"}}},
            "importSettings.username.userNameFormat:",
        ),
    ],
)
def test_malformed_feature_is_e0000001(
    okta: OktaHarness, feature: str, body: dict[str, Any], cause: str
) -> None:
    app_id = okta.new_app()
    okta.connect(app_id)
    before = okta.org.apps[app_id].settings
    response = okta.call("PUT", f"/api/v1/apps/{app_id}/features/{feature}", body)
    causes = assert_okta_error(response, 400, "E0000001")
    assert any(c.startswith(cause) for c in causes), causes
    assert okta.org.apps[app_id].settings == before


def test_features_need_a_connection(okta: OktaHarness) -> None:
    app_id = okta.new_app()
    response = okta.call("PUT", f"/api/v1/apps/{app_id}/features/USER_PROVISIONING", {})
    assert assert_okta_error(response, 400, "E0000001") == [
        "Provisioning is not enabled for the app instance."
    ]
    unknown = okta.call("GET", f"/api/v1/apps/{app_id}/features/NOPE")
    assert_okta_error(unknown, 400, "E0000001")
    okta.connect(app_id)
    assert_okta_error(okta.call("GET", f"/api/v1/apps/{app_id}/features/NOPE"), 404, "E0000007")


# -- apps ------------------------------------------------------------------------------


def test_app_crud_kind_and_lifecycle(okta: OktaHarness) -> None:
    oin = okta.ok(
        "POST", "/api/v1/apps", {"name": "scim2testapp", "label": "A", "signOnMode": "SAML_2_0"}
    )
    custom = okta.ok("POST", "/api/v1/apps", {"label": "B", "signOnMode": "SAML_2_0"})
    assert okta.org.apps[oin["id"]].settings.kind.value == "oin"
    assert okta.org.apps[custom["id"]].settings.kind.value == "custom"
    assert oin["status"] == "ACTIVE" and oin["name"] == "scim2testapp"
    assert oin["_links"]["self"]["href"] == f"{ORG_URL}/api/v1/apps/{oin['id']}"
    assert [a["label"] for a in okta.ok("GET", "/api/v1/apps?q=scim")] == ["A"]
    assert len(okta.ok("GET", "/api/v1/apps?limit=1")) == 1

    renamed = okta.ok(
        "PUT", f"/api/v1/apps/{custom['id']}", {"label": "B2", "signOnMode": "SAML_2_0"}
    )
    assert renamed["label"] == "B2"
    refused = okta.call("DELETE", f"/api/v1/apps/{custom['id']}")
    assert assert_okta_error(refused, 403, "E0000056") == [
        "The application must be deactivated before deletion."
    ]
    okta.ok("POST", f"/api/v1/apps/{custom['id']}/lifecycle/deactivate")
    assert okta.ok("GET", f"/api/v1/apps/{custom['id']}")["status"] == "INACTIVE"
    okta.ok("DELETE", f"/api/v1/apps/{custom['id']}", status=204)
    assert_okta_error(okta.call("GET", f"/api/v1/apps/{custom['id']}"), 404, "E0000007")


def test_app_create_refusals(okta: OktaHarness) -> None:
    missing = okta.call("POST", "/api/v1/apps", {"name": "x"})
    causes = assert_okta_error(missing, 400, "E0000001")
    assert "label: The field cannot be left blank" in causes
    assert "signOnMode: The field cannot be left blank" in causes
    okta.new_app(label="Same")
    duplicate = okta.call("POST", "/api/v1/apps", {"label": "Same", "signOnMode": "SAML_2_0"})
    assert_okta_error(duplicate, 400, "E0000040")
