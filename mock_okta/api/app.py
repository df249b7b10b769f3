"""``create_okta_api``: a mock of Okta's management API over one :class:`~mock_okta.org.Org`.

The routes are a table (path, methods, handler). Every handler is a plain
function ``(Api, Call) -> Response`` run in a worker thread under one lock:
org events send their SCIM requests synchronously — unlike real Okta, which
queues them — so when a call returns, the app has already been provisioned
(or the failure recorded). Errors are Okta's bodies (:mod:`.errors`);
unknown paths answer ``404 E0000008`` ("The requested path was not found"),
a known path with another method ``405 E0000022``.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_okta.api import apps, assignments, groups, mock, users
from mock_okta.api.auth import OktaAuth
from mock_okta.api.context import MAX_BODY, AccessToken, Api, Call
from mock_okta.api.errors import OktaApiError, render
from mock_okta.org import Org

Handler = Callable[[Api, Call], Response]

APP = "/api/v1/apps/{appId}"
CONNECTION = f"{APP}/connections/default"
USER = "/api/v1/users/{userId}"
GROUP = "/api/v1/groups/{groupId}"
MAPPING = f"{APP}/group-push/mappings"

#: (path, {method: handler}) — Okta's paths (seed 004 and the OpenAPI spec).
ROUTES: list[tuple[str, dict[str, Handler]]] = [
    ("/api/v1/apps", {"GET": apps.list_apps, "POST": apps.create_app}),
    (APP, {"GET": apps.get_app, "PUT": apps.update_app, "DELETE": apps.delete_app}),
    (f"{APP}/lifecycle/activate", {"POST": apps.activate_app}),
    (f"{APP}/lifecycle/deactivate", {"POST": apps.deactivate_app}),
    (CONNECTION, {"GET": apps.get_connection, "POST": apps.set_connection}),
    (f"{CONNECTION}/lifecycle/activate", {"POST": apps.activate_connection}),
    (f"{CONNECTION}/lifecycle/deactivate", {"POST": apps.deactivate_connection}),
    ("/api/v1/apps/{appName}/{appId}/oauth2/callback", {"POST": apps.oauth_callback}),
    ("/mock/oauth2/authorize", {"GET": apps.consent}),
    (f"{APP}/features", {"GET": apps.list_features}),
    (f"{APP}/features/{{name}}", {"GET": apps.get_feature, "PUT": apps.set_feature}),
    (f"{APP}/users", {"GET": assignments.list_app_users, "POST": assignments.assign_user}),
    (
        f"{APP}/users/{{userId}}",
        {"GET": assignments.get_app_user, "DELETE": assignments.unassign_user},
    ),
    (f"{APP}/groups", {"GET": assignments.list_app_groups}),
    (
        f"{APP}/groups/{{groupId}}",
        {
            "GET": assignments.get_app_group,
            "PUT": assignments.assign_group,
            "DELETE": assignments.unassign_group,
        },
    ),
    (MAPPING, {"GET": assignments.list_mappings, "POST": assignments.create_mapping}),
    (
        f"{MAPPING}/{{mappingId}}",
        {
            "GET": assignments.get_mapping,
            "PATCH": assignments.update_mapping,
            "DELETE": assignments.delete_mapping,
        },
    ),
    ("/api/v1/users", {"GET": users.list_users, "POST": users.create_user}),
    (
        USER,
        {
            "GET": users.get_user,
            "POST": users.update_user,
            "PUT": users.replace_user,
            "DELETE": users.delete_user,
        },
    ),
    (f"{USER}/lifecycle/{{operation}}", {"POST": users.lifecycle}),
    (f"{USER}/credentials/change_password", {"POST": users.change_password}),
    ("/api/v1/groups", {"GET": groups.list_groups, "POST": groups.create_group}),
    (
        GROUP,
        {"GET": groups.get_group, "PUT": groups.replace_group, "DELETE": groups.delete_group},
    ),
    (f"{GROUP}/users", {"GET": groups.list_members}),
    (
        f"{GROUP}/users/{{userId}}",
        {"PUT": groups.add_member, "DELETE": groups.remove_member},
    ),
    ("/api/v1/mock/apps/{appId}/exchanges", {"GET": mock.exchanges}),
    ("/api/v1/mock/apps/{appId}/tasks", {"GET": mock.tasks}),
    ("/api/v1/mock/apps/{appId}/tasks/retry", {"POST": mock.retry}),
]


def create_okta_api(
    org: Org,
    *,
    api_token: str,
    org_url: str = "http://okta.test",
    oauth_access_token: AccessToken | None = None,
) -> Starlette:
    """The management API of ``org`` at ``org_url``, accepting ``api_token``.

    ``oauth_access_token(app)`` is what the third party issues at the end of
    the OAuth 2.0 consent flow (seed 004); ``None`` makes the flow fail at
    the callback, as a refused consent would.
    """
    if not api_token:
        raise ValueError("the mock Okta API needs an API token")
    api = Api(org, org_url.rstrip("/"), oauth_access_token)
    routes = [
        Route(path, _endpoint(api, handlers), methods=list(handlers)) for path, handlers in ROUTES
    ]
    return Starlette(
        routes=routes,
        middleware=[Middleware(OktaAuth, token=api_token)],
        exception_handlers={OktaApiError: render, HTTPException: _http_error},
    )


def _endpoint(api: Api, handlers: dict[str, Handler]) -> Callable[[Request], object]:
    async def endpoint(request: Request) -> Response:
        handler = handlers[request.method]
        raw = await _read(request)
        call = Call(request.path_params, request.query_params, raw)
        return await run_in_threadpool(_locked, api, handler, call)

    return endpoint


def _locked(api: Api, handler: Handler, call: Call) -> Response:
    with api.lock:
        return handler(api, call)


async def _read(request: Request) -> bytes:
    """The body, refused above :data:`MAX_BODY` (413, the mock's limit)."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise OktaApiError(
                "E0000001", "body", ["body: The request body exceeds 1 MB"], status=413
            )
    return raw


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    """Starlette's routing errors, in Okta's words."""
    assert isinstance(exc, HTTPException)
    code = "E0000022" if exc.status_code == 405 else "E0000008"
    error = OktaApiError(code)
    return JSONResponse(error.body(), status_code=error.status)
