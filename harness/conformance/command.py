"""``scim-harness run``: the conformance gate on the command line.

With a URL it validates that endpoint (token from ``--token-env``, never from
argv, so it stays out of shell history and process lists); with none it
starts the embedded reference server on 127.0.0.1 with a random token and
validates that — the quickest way to see what a passing run looks like.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from harness.arguments import add_id_selection, id_patterns, target_url
from harness.conformance.progress import ProgressPrinter, summary
from harness.conformance.registry import PROFILES
from harness.conformance.results import baseline_json, write_json
from harness.conformance.runner import EXIT_INTERRUPTED, EXIT_USAGE, RunOptions, run_suite
from harness.reports.build import from_run
from harness.reports.output import (
    add_report_options,
    redacts_terminal,
    secret_values,
    write_reports,
)


def add_run(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="validate a SCIM endpoint (the CI gate)",
        description=(
            "Run the conformance suite against a SCIM base URL (default: the embedded "
            "reference server). Exit 0 when every required check passes (or each failure "
            "is in the baseline), 1 on failures, 2 when the run cannot start, 130 when "
            "interrupted."
        ),
    )
    parser.add_argument(
        "url", nargs="?", type=target_url,
        help="SCIM base URL, e.g. https://app.example/scim/v2 (none: the reference server)",
    )  # fmt: skip
    parser.add_argument(
        "--profile", choices=PROFILES, default="rfc", help="which checks the gate requires"
    )
    parser.add_argument(
        "--token-env",
        default="SCIM_TOKEN",
        metavar="VAR",
        help="environment variable holding the bearer token (default SCIM_TOKEN)",
    )
    parser.add_argument("--baseline", metavar="FILE", help="failures listed here do not fail")
    parser.add_argument(
        "--write-baseline", metavar="FILE", help="record today's failures as the baseline"
    )
    add_id_selection(parser)
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds per request (10)"
    )
    parser.add_argument(
        "--read-only", action="store_true", help="run only checks that change nothing"
    )
    parser.add_argument(
        "--prefix", default=None, help="prefix of the resources the run creates (random)"
    )
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N",
        help="run checks in N parallel processes (for slow, remote targets)",
    )  # fmt: skip
    parser.add_argument(
        "--list", action="store_true", help="list the check ids with their levels and exit"
    )
    add_report_options(parser)
    parser.set_defaults(handler=redacts_terminal(run_run))


@contextmanager
def embedded_server() -> Iterator[tuple[str, str]]:
    """The reference server on a free loopback port, with a one-off token."""
    from harness.server.app import create_app
    from harness.server.config import ServerConfig
    from harness.server.live import LiveServer

    token = secrets.token_urlsafe(24)
    with LiveServer(create_app(ServerConfig(token=token))) as live:
        yield live.url, token


def list_checks(profile: str) -> int:
    import harness.conformance as package
    from harness.conformance.registry import CHECKS
    from harness.conformance.runner import load_checks

    load_checks(package.__path__[0])
    for spec in CHECKS.values():
        needs = f"  needs {','.join(spec.needs)}" if spec.needs else ""
        print(f"{spec.id:<48} {spec.level(profile):<6} {spec.rule}{needs}")
    return 0


def run_run(args: argparse.Namespace) -> int:
    if args.list:
        return list_checks(args.profile)
    if args.timeout <= 0 or args.workers < 1:
        print("scim-harness run: --timeout and --workers must be positive", file=sys.stderr)
        return EXIT_USAGE
    interactive = sys.stderr.isatty()
    options = RunOptions(
        url=args.url,
        token_env=args.token_env,
        profile=args.profile,
        timeout=args.timeout,
        read_only=args.read_only,
        select=id_patterns(args.select),
        deselect=id_patterns(args.deselect),
        prefix=args.prefix,
        baseline=args.baseline,
        progress=ProgressPrinter(sys.stderr, interactive),
        workers=args.workers,
    )
    start = time.perf_counter()
    known_secrets = [os.environ.get(args.token_env)]
    try:
        if args.url:
            result = run_suite(options)
        else:
            with embedded_server() as (url, token):
                options.url, options.token = url, token
                known_secrets.append(token)
                result = run_suite(options)
                result.target = f"embedded reference server ({url})"
    except KeyboardInterrupt:
        print("scim-harness run: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    report = from_run(result)
    print(summary(result, report, time.perf_counter() - start), file=sys.stderr)
    if result.problem and not result.checks:
        print(f"scim-harness run: {result.problem}", file=sys.stderr)
    if args.write_baseline and result.problem is None:
        write_json(args.write_baseline, baseline_json(result))
        print(
            f"baseline: {len(result.failed_ids())} failure(s) written to {args.write_baseline}",
            file=sys.stderr,
        )
    return write_reports(
        "run", args, report, secret_values(args, known_secrets, sys.stderr),
        result.exit_code,
    )  # fmt: skip
