"""The embedded reference server a scenario runs against when no URL is given.

One place decides its credentials, so the CLI (live, over loopback) and the
pytest items (in process) accept the same schemes: a one-off bearer token
and one-off Basic credentials (RFC 7617) — every ``app.auth`` of a scenario
(token, header, basic, oauth2) can then run against it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from harness.server.app import create_app
from harness.server.config import ServerConfig
from mock_okta.runner import RunTarget

BASIC_USER = "okta"


def one_off_config() -> ServerConfig:
    """A fresh reference-server config with a random token and random Basic credentials."""
    return ServerConfig(
        token=secrets.token_urlsafe(24),
        basic_credentials=(BASIC_USER, secrets.token_urlsafe(18)),
    )


def target_for(config: ServerConfig, *, url: str | None = None, app: Any = None,
               timeout: float | None = None) -> RunTarget:  # fmt: skip
    """The :class:`RunTarget` that authenticates as ``config`` expects."""
    extra = {} if timeout is None else {"timeout": timeout}
    return RunTarget(url=url, app=app, token=config.token, basic=config.basic_credentials, **extra)


@contextmanager
def live_server(config: ServerConfig) -> Iterator[str]:
    """The reference server under uvicorn on a free 127.0.0.1 port; yields its URL."""
    from harness.server.live import LiveServer

    with LiveServer(create_app(config)) as live:
        yield live.url
