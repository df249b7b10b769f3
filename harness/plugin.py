"""pytest plugin: SCIM harness options, markers and fixtures (``pytest11`` entry point).

Fixtures are the extension API: override ``scim_server_config`` in your own
``conftest.py`` to run the reference server with other settings (a base
path, PATCH 204 for groups, an Entra compatibility profile …).

* ``scim_server`` — the reference server in-process, fresh and empty for
  each test: ``.app``, ``.base_url``, ``.token``, ``.headers``, ``.client()``
  (a synchronous ``httpx.Client`` over an in-process transport) and ``.async_client()``
  (``httpx.ASGITransport``).
* ``live_scim_server`` — the same server under uvicorn on 127.0.0.1 on a
  free port, stopped when the test ends; ``.client()`` is a plain
  ``httpx.Client`` on its URL.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.server.config import ServerConfig
    from harness.server.testing import InProcessScimServer, LiveScimServer

#: The bearer token of the fixture servers (test-only; never a real secret).
FIXTURE_TOKEN = "scim-harness-test-token"


@pytest.fixture
def scim_server_config() -> ServerConfig:
    """Settings of the fixture servers; override this fixture to change them."""
    from harness.server.config import ServerConfig

    return ServerConfig(token=FIXTURE_TOKEN)


@pytest.fixture
def scim_server(scim_server_config: ServerConfig) -> Iterator[InProcessScimServer]:
    """The reference SCIM server in-process, with an empty in-memory store."""
    from harness.server.testing import InProcessScimServer

    server = InProcessScimServer(scim_server_config)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def live_scim_server(scim_server_config: ServerConfig) -> Iterator[LiveScimServer]:
    """The reference SCIM server under uvicorn on 127.0.0.1, stopped after the test."""
    from harness.server.testing import LiveScimServer

    server = LiveScimServer(scim_server_config)
    try:
        yield server
    finally:
        server.close()
