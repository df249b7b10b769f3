"""The reference server as a test dependency: in-process or on a real socket.

The pytest fixtures in :mod:`harness.plugin` hand out these objects. Both
kinds expose the same surface — ``app``, ``base_url``, ``token``,
``headers``, ``client()`` and ``async_client()`` — so a test can switch
transports without changing anything else (the httpx ``ASGITransport`` habit).
Synchronous clients are closed with the server; async clients belong to the
caller (``async with server.async_client() as client: …``).
"""

from __future__ import annotations

from typing import Any

import anyio.from_thread
import httpx
from starlette.applications import Starlette
from starlette.types import ASGIApp

from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.live import LiveServer

IN_PROCESS_ORIGIN = "http://testserver"


class SyncASGITransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls an ASGI app in-process.

    ``httpx.ASGITransport`` is async-only, and Starlette's ``TestClient`` now
    wants the ``httpx2`` fork; this runs ``ASGITransport`` on an event loop in
    a helper thread (an anyio blocking portal), so a plain ``httpx.Client``
    talks to the app exactly as it would to a URL. A streamed request body is
    read first and sent without a Content-Length, as a chunked one would be.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._transport = httpx.ASGITransport(app=app)
        self._portal_context = anyio.from_thread.start_blocking_portal()
        self._portal = self._portal_context.__enter__()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        forwarded = httpx.Request(
            request.method, request.url, headers=request.headers, content=request.read()
        )

        async def call() -> tuple[int, Any, bytes]:
            response = await self._transport.handle_async_request(forwarded)
            return response.status_code, response.headers, await response.aread()

        status, headers, content = self._portal.call(call)
        return httpx.Response(status, headers=headers, content=content, request=request)

    def close(self) -> None:
        self._portal_context.__exit__(None, None, None)


class ScimServer:
    """A running reference server and how to talk to it."""

    def __init__(self, app: Starlette, config: ServerConfig, base_url: str) -> None:
        self.app = app
        self.config = config
        #: The SCIM base URL, base path included; relative request paths resolve under it.
        self.base_url = base_url
        self._clients: list[httpx.Client] = []

    @property
    def token(self) -> str | None:
        return self.config.token

    @property
    def headers(self) -> dict[str, str]:
        """The ``Authorization`` header clients need (none when auth is off)."""
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def client(self) -> httpx.Client:
        """A synchronous client over the network, authenticated."""
        return self._keep(httpx.Client(base_url=self.base_url, headers=self.headers, timeout=30))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, headers=self.headers, timeout=30)

    def _keep(self, client: httpx.Client) -> httpx.Client:
        self._clients.append(client)
        return client

    def close(self) -> None:
        """Close the clients handed out and release the server."""
        for client in self._clients:
            client.close()
        self._clients.clear()


class InProcessScimServer(ScimServer):
    """The app called directly, no socket: fast, and exceptions surface in the test."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        config = config or ServerConfig()
        super().__init__(create_app(config), config, IN_PROCESS_ORIGIN + config.base_path)

    def client(
        self, headers: dict[str, str] | None = None, base_url: str | None = None
    ) -> httpx.Client:
        """A synchronous ``httpx.Client`` calling the app in-process.

        ``headers`` replace the default ``Authorization`` (``{}`` for an
        anonymous client); ``base_url`` replaces the SCIM base URL.
        """
        return self._keep(
            httpx.Client(
                transport=SyncASGITransport(self.app),
                base_url=base_url or self.base_url,
                headers=self.headers if headers is None else headers,
                timeout=30,
            )
        )

    def async_client(self) -> httpx.AsyncClient:
        """An async client over ``httpx.ASGITransport`` (e.g. for ``asyncio.gather``)."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app),
            base_url=self.base_url,
            headers=self.headers,
            timeout=30,
        )

    def close(self) -> None:
        super().close()
        self.app.state.store.close()


class LiveScimServer(ScimServer):
    """The reference server under uvicorn on 127.0.0.1; :meth:`close` stops it."""

    def __init__(self, config: ServerConfig | None = None) -> None:
        config = config or ServerConfig()
        app = create_app(config)
        self._live = LiveServer(app)
        self._live.start()
        super().__init__(app, config, self._live.url + config.base_path)

    def close(self) -> None:
        super().close()
        self._live.stop()
