"""Build the reference SCIM service provider as a Starlette application.

:func:`create_app` is the only way in: an app is a function of its
:class:`ServerConfig` (and optionally a ready :class:`Store`), with no
module-level state, so tests and the CLI can run several side by side.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from harness.server.auth import BearerAuthMiddleware
from harness.server.bulk import bulk_routes
from harness.server.config import ServerConfig
from harness.server.endpoint import http_exception, server_error
from harness.server.routes_discovery import discovery_routes
from harness.server.routes_resources import resource_routes
from harness.server.service import ResourceService
from harness.server.store import Store


def create_app(config: ServerConfig | None = None, *, store: Store | None = None) -> Starlette:
    """The SCIM app for ``config``; ``store`` defaults to a new one at ``config.database``.

    A store the app creates is closed when the app shuts down (ASGI
    lifespan); a store passed in belongs to the caller.
    """
    config = config or ServerConfig()
    owned = store is None
    store = store if store is not None else Store(config.database)
    service = ResourceService(store, config)
    routes: list[BaseRoute] = [
        *discovery_routes(config),
        *resource_routes(service, config),
        *bulk_routes(service, config),
    ]
    middleware = []
    if config.authenticates:
        middleware.append(
            Middleware(
                BearerAuthMiddleware,
                token=config.token,
                realm=config.realm,
                basic=config.basic_credentials,
            )
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if owned:
            store.close()

    app = Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={HTTPException: http_exception, Exception: server_error},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.store = store
    app.state.service = service
    return app
