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
* ``scim_client`` — a :class:`harness.client.ScimClient` on the target named
  by ``--scim-url`` (token from the variable named by ``--scim-token-env``),
  or on the reference server in-process when no URL is given.
* ``scim_settings`` — the parsed ``scim`` option group (profile, prefix,
  timeout, read-only).

Markers: ``scim_mutating`` marks a check that creates or changes resources;
``--scim-read-only`` skips it with that reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.client import ScimClient
    from harness.server.config import ServerConfig
    from harness.server.testing import InProcessScimServer, LiveScimServer

#: The bearer token of the fixture servers (test-only; never a real secret).
FIXTURE_TOKEN = "scim-harness-test-token"
PROFILES = ("rfc", "okta", "entra")
READ_ONLY_REASON = "read-only run: this check changes the target"
MARKERS = {
    "scim_mutating": "the check creates or changes resources on the target "
    "(skipped with --scim-read-only)",
    "scim_check(id)": "the test is the conformance check with this id "
    "(harness.conformance.registry)",
}


@dataclass(frozen=True)
class ScimSettings:
    """The ``scim`` option group, parsed once per session."""

    url: str | None
    token_env: str
    profile: str
    timeout: float
    prefix: str
    read_only: bool

    @property
    def token(self) -> str | None:
        """Read from the environment at use; never stored in an option or printed."""
        return os.environ.get(self.token_env) or None


#: The ``scim`` option group: (flag, keyword arguments). Data, so the CLI can share it.
OPTIONS: tuple[tuple[str, dict[str, object]], ...] = (
    ("--scim-url", {"default": None,
                    "help": "SCIM base URL of the target (default: the reference server)"}),
    ("--scim-token-env", {"default": "SCIM_TOKEN",
                          "help": "environment variable holding the bearer token"}),
    ("--scim-profile", {"default": "rfc", "choices": PROFILES,
                        "help": "which checks a passing gate requires"}),
    ("--scim-timeout", {"type": float, "default": 10.0,
                        "help": "seconds to wait for each response (default 10)"}),
    ("--scim-prefix", {"default": None,
                       "help": "prefix of every resource the run creates (default: random)"}),
    ("--scim-read-only", {"action": "store_true",
                          "help": "run only checks that change nothing on the target"}),
    # One value per option (repeat it, or separate ids by commas): a list-valued
    # option would swallow the test paths after it.
    ("--scim-select", {"action": "append", "default": [], "metavar": "ID[,ID…]",
                       "help": "run only the conformance checks whose id matches (glob)"}),
    ("--scim-deselect", {"action": "append", "default": [], "metavar": "ID[,ID…]",
                         "help": "leave out the conformance checks whose id matches (glob)"}),
)  # fmt: skip


@dataclass(frozen=True)
class TargetOverride:
    """Set by a program that runs pytest itself (``scim-harness run``, the mutation
    tests): the target as an object rather than options — an ASGI app to call
    in-process, or a URL with a token that must not pass through argv."""

    base_url: str | None = None
    app: Any = None
    token: str | None = None


TARGET_OVERRIDE = pytest.StashKey[TargetOverride]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("scim", "SCIM conformance harness")
    for flag, options in OPTIONS:
        group.addoption(flag, **options)


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Mock Okta scenario files (``scenarios/*.yaml``, ``*.scenario.yaml``) become items
    (:mod:`mock_okta.pytest_items`); anything else is left to pytest."""
    if file_path.suffix != ".yaml":
        return None
    from mock_okta.pytest_items import collect_file

    return collect_file(file_path, parent)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("scim_read_only", default=False):
        return
    skip = pytest.mark.skip(reason=READ_ONLY_REASON)
    for item in items:
        if item.get_closest_marker("scim_mutating") is not None:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def scim_settings(pytestconfig: pytest.Config) -> ScimSettings:
    """The ``scim`` options; the prefix is random per run unless given (safe on a tenant)."""
    prefix = pytestconfig.getoption("scim_prefix") or f"scimh-{secrets.token_hex(3)}-"
    worker = getattr(pytestconfig, "workerinput", None)
    if worker is not None:  # pytest-xdist: names must not collide across workers
        prefix += f"{worker['workerid']}-"
    return ScimSettings(
        url=pytestconfig.getoption("scim_url"),
        token_env=pytestconfig.getoption("scim_token_env"),
        profile=pytestconfig.getoption("scim_profile"),
        timeout=pytestconfig.getoption("scim_timeout"),
        prefix=prefix,
        read_only=pytestconfig.getoption("scim_read_only"),
    )


@pytest.fixture(scope="session")
def scim_client(scim_settings: ScimSettings, pytestconfig: pytest.Config) -> Iterator[ScimClient]:
    """A client on the target: ``--scim-url``, or the reference server in-process."""
    from harness.client import ScimClient

    override = pytestconfig.stash.get(TARGET_OVERRIDE, None)
    if override is not None and override.app is not None:
        client = ScimClient.in_process(override.app, override.token, timeout=scim_settings.timeout)
    elif override is not None and override.base_url:
        client = ScimClient(override.base_url, override.token, timeout=scim_settings.timeout)
    elif scim_settings.url:
        client = ScimClient(scim_settings.url, scim_settings.token, timeout=scim_settings.timeout)
    else:
        from harness.server.app import create_app
        from harness.server.config import ServerConfig

        app = create_app(ServerConfig(token=FIXTURE_TOKEN))
        client = ScimClient.in_process(app, FIXTURE_TOKEN, timeout=scim_settings.timeout)
    try:
        yield client
    finally:
        client.close()


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
