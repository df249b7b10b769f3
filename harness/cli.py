"""``scim-harness``: the command line.

One sub-command per job: ``run``, ``serve``, ``okta``, ``fuzz`` and
``report``. Each sub-command registers itself with
:func:`add_serve`-style functions listed in :data:`COMMANDS`, so adding one
touches only its own function and that list. Exit codes follow the CI-gate
habit: 0 success, 1 findings, 2 could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from harness.conformance.command import add_run
from harness.fuzz.command import add_fuzz
from harness.reports.command import add_report
from mock_okta.command import add_okta

EXIT_OK = 0
EXIT_USAGE = 2


def add_serve(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the reference SCIM server",
        description="Run the reference SCIM 2.0 service provider under uvicorn.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    parser.add_argument(
        "--db",
        default=":memory:",
        metavar="PATH",
        help="SQLite file; default in memory (data is lost when the server stops)",
    )
    parser.add_argument(
        "--token-env",
        default="SCIM_TOKEN",
        metavar="VAR",
        help="environment variable holding the bearer token (default SCIM_TOKEN)",
    )
    parser.add_argument(
        "--no-auth",
        action="store_true",
        help="accept requests without a token (local experiments only)",
    )
    parser.add_argument(
        "--base-path", default="", help="mount the endpoints under this prefix, e.g. /scim/v2"
    )
    parser.add_argument(
        "--public-url",
        default=None,
        help="absolute base URL for meta.location when behind a proxy",
    )
    parser.add_argument(
        "--patch-204",
        action="append",
        default=[],
        choices=["User", "Group"],
        help="answer PATCH on this resource type with 204 instead of 200 (repeatable)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    """Start uvicorn; refuse to run open unless ``--no-auth`` says so."""
    import uvicorn

    from harness.server.app import create_app
    from harness.server.config import ServerConfig

    token = os.environ.get(args.token_env) or None
    if token is None and not args.no_auth:
        print(
            f"scim-harness serve: environment variable {args.token_env} is not set; "
            "set it to the bearer token clients must send, or pass --no-auth.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    config = ServerConfig(
        token=None if args.no_auth else token,
        database=args.db,
        base_path=args.base_path,
        public_base_url=args.public_url,
        patch_returns_204=frozenset(args.patch_204),
    )
    app = create_app(config)
    shown = config.public_base_url or f"http://{_url_host(args.host)}:{args.port}{config.base_path}"
    auth = "no authentication" if config.token is None else f"bearer token from ${args.token_env}"
    print(f"SCIM server at {shown} ({auth}; database {args.db})", flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return EXIT_OK


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


#: Sub-command registrars, in the order ``--help`` lists them.
COMMANDS: list[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None]] = [
    add_run,
    add_serve,
    add_okta,
    add_fuzz,
    add_report,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scim-harness",
        description="SCIM 2.0 conformance harness, mock Okta IdP and reference server.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in COMMANDS:
        register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
