"""``scim-harness okta serve``: the mock Okta management API under uvicorn.

Why a server: a vendor's own Okta automation (Terraform, scripts following
seed 004) can be pointed at the mock and watched provisioning a real SCIM
endpoint. The API token is a secret: it is read from an environment
variable (never a flag, which would land in shell history and ``ps``), the
command refuses to start without it, and it is never printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable

from harness.client import ScimClient
from mock_okta.model import AppInstance
from mock_okta.wire import okta_client

EXIT_OK = 0
EXIT_USAGE = 2
#: Base URL used for an app that has no provisioning connection yet (nothing is sent).
_NO_URL = "http://unconfigured.invalid"


def add_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``serve`` under the ``okta`` command's sub-commands."""
    parser = subparsers.add_parser(
        "serve",
        help="run the mock Okta management API",
        description=(
            "Run a mock of Okta's management API (apps, provisioning connections and "
            "features, users, groups, assignments, group push). Changes provision the "
            "apps' SCIM endpoints at once."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8010, help="TCP port (default 8010)")
    parser.add_argument(
        "--api-token-env",
        default="OKTA_API_TOKEN",
        metavar="VAR",
        help="environment variable holding the API token clients send as "
        "'SSWS <token>' or 'Bearer <token>' (default OKTA_API_TOKEN)",
    )
    parser.add_argument(
        "--oauth-token-env",
        default=None,
        metavar="VAR",
        help="environment variable holding the access token an OAUTH2 connection "
        "obtains at the end of the consent flow (without it, the flow fails)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_okta.api.app import create_okta_api
    from mock_okta.org import Org

    token = os.environ.get(args.api_token_env) or None
    if token is None:
        print(
            f"scim-harness okta serve: environment variable {args.api_token_env} is not set; "
            "set it to the API token clients must send.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    org_url = f"http://{_url_host(args.host)}:{args.port}"
    api = create_okta_api(
        Org(network_client),
        api_token=token,
        org_url=org_url,
        oauth_access_token=_env_token(args.oauth_token_env),
    )
    print(
        f"Mock Okta org at {org_url} (API token from ${args.api_token_env}; "
        f"Authorization: SSWS <token> or Bearer <token>)",
        flush=True,
    )
    uvicorn.run(api, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def network_client(app: AppInstance) -> ScimClient:
    """Okta's SCIM client for ``app``'s connection, over the network."""
    connection = app.connection
    return okta_client(
        connection.base_url or _NO_URL, None, authorization=connection.authorization()
    )


def _env_token(variable: str | None) -> Callable[[AppInstance], str | None] | None:
    if variable is None:
        return None
    return lambda _app: os.environ.get(variable) or None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
