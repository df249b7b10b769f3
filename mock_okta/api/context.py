"""What every handler works with: the org, the API's own memory, and the request.

Handlers are plain synchronous functions ``(Api, Call) -> Response``: the
org's events send SCIM requests through a synchronous client, so each call
runs in a worker thread, one at a time (the org is not thread-safe), while
the event loop stays free. Lookups that Okta answers with ``E0000007`` live
here once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.responses import JSONResponse, Response

from mock_okta.api.errors import OktaApiError, invalid, not_found
from mock_okta.api.state import ApiState
from mock_okta.api.validate import Schema, errors
from mock_okta.model import AppInstance, OktaGroup, OktaUser
from mock_okta.org import Org, Outcome

#: Request bodies above this size are refused (the mock's own limit).
MAX_BODY = 1024 * 1024
#: Mock extension: how the provisioning caused by the call went.
PROVISIONING_HEADER = "X-Mock-Okta-Provisioning"

AccessToken = Callable[[AppInstance], str | None]


@dataclass
class Api:
    org: Org
    org_url: str
    oauth_access_token: AccessToken | None = None
    state: ApiState = field(default_factory=ApiState)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"{self.org_url}{path}"

    # -- lookups ---------------------------------------------------------------

    def app(self, app_id: str) -> AppInstance:
        app = self.org.apps.get(app_id)
        if app is None:
            raise not_found(app_id, "AppInstance")
        return app

    def user(self, id_or_login: str) -> OktaUser:
        """By id, or by login as Okta's ``GET /api/v1/users/{login}`` allows."""
        user = self.org.users.get(id_or_login) or self.org.find_user(id_or_login)
        if user is None:
            raise not_found(id_or_login, "User")
        return user

    def group(self, group_id: str) -> OktaGroup:
        group = self.org.groups.get(group_id)
        if group is None:
            raise not_found(group_id, "UserGroup")
        return group


@dataclass(frozen=True)
class Call:
    """One request, as the handler needs it."""

    params: Mapping[str, str]
    query: Mapping[str, str]
    raw: bytes

    def body(self, schema: Schema | None = None) -> dict[str, Any]:
        """The JSON object sent; E0000003 when it is not one, E0000001 against ``schema``."""
        try:
            value = json.loads(self.raw) if self.raw.strip() else None
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise OktaApiError("E0000003")
        if schema is not None:
            problems = errors(schema, value)
            if problems:
                raise invalid(problems)
        return value

    def optional_body(self, schema: Schema | None = None) -> dict[str, Any]:
        """Like :meth:`body`, but an empty body is ``{}``."""
        return self.body(schema) if self.raw.strip() else {}

    def flag(self, name: str, default: bool) -> bool:
        """A boolean query parameter (``?activate=TRUE`` in seed 004: case-insensitive)."""
        value = self.query.get(name)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            raise invalid([f"{name}: must be true or false"])
        return value.lower() == "true"


def json_response(body: Any, status: int = 200, *outcomes: Outcome) -> Response:
    response = JSONResponse(body, status_code=status)
    if outcomes:
        response.headers[PROVISIONING_HEADER] = provisioning(outcomes)
    return response


def empty(status: int = 204, *outcomes: Outcome) -> Response:
    response = Response(status_code=status)
    if outcomes:
        response.headers[PROVISIONING_HEADER] = provisioning(outcomes)
    return response


def provisioning(outcomes: tuple[Outcome, ...]) -> str:
    """``failed`` if any step failed, ``ok`` if something was sent, else ``none``."""
    results = [result for outcome in outcomes for result in outcome.results]
    if any(not result.ok for result in results):
        return "failed"
    if any(not result.skipped for result in results):
        return "ok"
    return "none"
