"""What every SCIM endpoint handler shares: error mapping and the request's base URL.

RFC 7644 §3.12: every error is a SCIM Error body. A handler raises
:class:`ScimError`; anything else is a bug in this server, logged with its
traceback and answered with a 500 SCIM body (never HTML, never a trace).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from harness.scim.errors import ScimError
from harness.server.config import ServerConfig
from harness.server.http import error_response

LOG = logging.getLogger("harness.server")

Handler = Callable[[Request], Awaitable[Response]]

#: Detail for the HTTP errors Starlette's router raises itself.
_ROUTER_DETAIL = {
    404: "No SCIM endpoint at this path.",
    405: "This endpoint does not support the {method} method.",
}


def scim_handler(handler: Handler) -> Handler:
    """Turn a :class:`ScimError` into its §3.12 response and any other exception into 500."""

    @functools.wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ScimError as error:
            return error_response(error)
        except Exception:
            LOG.exception("unexpected error on %s %s", request.method, request.url.path)
            return error_response(ScimError(500, None, "Internal server error."))

    return wrapped


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's routing 404 / 405 as SCIM errors (RFC 7644 §3.12), ``Allow`` kept."""
    assert isinstance(exc, HTTPException)
    detail = _ROUTER_DETAIL.get(exc.status_code, exc.detail).format(method=request.method)
    return error_response(ScimError(exc.status_code, None, detail), exc.headers)


async def server_error(request: Request, exc: Exception) -> Response:
    """Last resort for an exception outside a handler (e.g. in middleware)."""
    LOG.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(ScimError(500, None, "Internal server error."))


def base_url(request: Request, config: ServerConfig) -> str:
    """The absolute SCIM base URL for ``meta.location`` and ``Location`` (RFC 7644 §3.1).

    A configured public URL wins (the server behind a proxy); otherwise the
    URL the client used, so a client reaching ``http://127.0.0.1:8000/scim/v2``
    gets locations it can follow.
    """
    if config.public_base_url is not None:
        return config.public_base_url
    return str(request.base_url).rstrip("/") + config.base_path
