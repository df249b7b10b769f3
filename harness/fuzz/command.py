"""``scim-harness fuzz``: property-based fuzzing of a SCIM endpoint on the command line.

In the house style of ``scim-harness run``: the token comes from an
environment variable (``--token-env``), never argv, and is never printed or
stored; without a URL the reference server is fuzzed in process (or, with
``--workers``, on a loopback port); the seed is printed first, progress goes
to stderr, every finding is printed in full at the end with curl lines and
the command that replays it. A property that stopped on an error of the
harness or of hypothesis, or ran no example, is one ``ERROR`` line here and
an ``error`` entry with its traceback in the reports: never a pass. Exit 0
nothing found and every property judged, 1 findings or errors (as
``scim-harness run`` exits 1 on an ``error`` verdict), 2 could not run, 130
interrupted (cleanup still runs).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from harness.arguments import target_url
from harness.fuzz.accounting import DEFAULT_MAX_FINDINGS, server_error_lines
from harness.fuzz.campaign import (
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    PROPERTIES,
    CampaignOptions,
    FuzzResult,
    run_campaign,
)
from harness.reports.build import from_fuzz, fuzz_tally
from harness.reports.output import (
    add_report_options,
    redacts_terminal,
    secret_values,
    write_reports,
)

DEFAULT_DATABASE = ".scim-harness/fuzz-db"
DEFAULT_REPLAY = "fuzz-findings.json"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")


def parse_duration(text: str) -> float:
    """``90s``, ``10m``, ``1.5h``, ``30`` (seconds) → seconds."""
    match = _DURATION.match(text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 90s, 10m, 1h)")
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[match[2] or "s"]
    seconds = float(match[1]) * scale
    if seconds <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return seconds


def add_fuzz(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "fuzz",
        help="fuzz a SCIM endpoint against the semantics core",
        description=(
            "Draw resources, filters and PATCH requests, send them to a SCIM base URL "
            "(default: the reference server in process) and judge the answers against the "
            "semantics core. Exit 0 when nothing is found and every property ran, 1 on "
            "findings or on a property that stopped on an error (its traceback is in the "
            "JSON report), 2 when the run cannot start, 130 when interrupted."
        ),
    )
    parser.add_argument(
        "url", nargs="?", type=target_url,
        help="SCIM base URL, e.g. https://app.example/scim/v2 (none: the reference server)",
    )  # fmt: skip
    parser.add_argument(
        "--token-env", default="SCIM_TOKEN", metavar="VAR",
        help="environment variable holding the bearer token (default SCIM_TOKEN)",
    )  # fmt: skip
    parser.add_argument(
        "--max-examples", type=int, metavar="N",
        help="examples per property (default 100, or unlimited with --duration)",
    )  # fmt: skip
    parser.add_argument(
        "--duration", type=parse_duration, metavar="TIME",
        help="time budget of the whole campaign, shrinking included, e.g. 90s or 10m",
    )  # fmt: skip
    parser.add_argument(
        "--max-findings", type=int, default=DEFAULT_MAX_FINDINGS, metavar="N",
        help=f"distinct causes a property collects before it stops (default "
        f"{DEFAULT_MAX_FINDINGS})",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, help="seed (printed at the start of every run)")
    parser.add_argument(
        "--workers", type=int, default=1, metavar="N", help="parallel processes (properties split)"
    )
    parser.add_argument(
        "--replay", metavar="FILE", help="re-send the findings of a replay file instead of fuzzing"
    )
    parser.add_argument(
        "--database", default=DEFAULT_DATABASE, metavar="DIR",
        help=f"hypothesis example database, shareable (default {DEFAULT_DATABASE}); "
        "'none' for no database",
    )  # fmt: skip
    parser.add_argument(
        "--property", action="append", default=[], metavar="NAME", choices=list(PROPERTIES),
        help=f"run only this property (repeatable): {', '.join(PROPERTIES)}",
    )  # fmt: skip
    parser.add_argument(
        "--timeout", type=float, default=10.0, metavar="S", help="seconds per request (10)"
    )
    add_report_options(parser)
    parser.set_defaults(handler=redacts_terminal(run_fuzz))


def _usage(message: str) -> int:
    print(f"scim-harness fuzz: {message}", file=sys.stderr)
    return EXIT_USAGE


class Progress:
    """One line per finished chunk on stderr: property, examples so far, findings."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def __call__(self, name: str, examples: int, findings: int) -> None:
        self.stream.write(f"  {name:<16} {examples:>7} examples  {findings} finding(s)\n")
        self.stream.flush()


@contextmanager
def _embedded(live: bool) -> Iterator[tuple[str | None, object, str]]:
    """(url, app, token) of the reference server: in process, or on loopback for workers."""
    from harness.server.app import create_app
    from harness.server.config import ServerConfig

    token = secrets.token_urlsafe(24)
    app = create_app(ServerConfig(token=token))
    if not live:
        yield None, app, token
        return
    from harness.server.live import LiveServer

    server = LiveServer(app)
    server.start()
    try:
        yield server.url, None, token
    finally:
        server.stop()


def run_fuzz(args: argparse.Namespace) -> int:
    if args.timeout <= 0 or args.workers < 1:
        return _usage("--timeout and --workers must be positive")
    if args.max_examples is not None and args.max_examples < 1:
        return _usage("--max-examples must be at least 1")
    if args.max_findings < 1:
        return _usage("--max-findings must be at least 1")
    token = os.environ.get(args.token_env) or None
    if args.replay:
        return _run_replay(args, token)
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    print(f"scim-harness fuzz: seed {seed} (re-run with --seed {seed})", file=sys.stderr)
    database = None if args.database.lower() == "none" else args.database
    options = CampaignOptions(
        url=args.url,
        token=token,
        max_examples=args.max_examples,
        duration_s=args.duration,
        seed=seed,
        database_dir=database,
        properties=args.property or None,
        workers=args.workers,
        timeout=args.timeout,
        progress=Progress(sys.stderr),
        max_findings=args.max_findings,
    )
    started = time.perf_counter()
    known_secrets = [token]
    try:
        if args.url:
            result = run_campaign(options)
        else:
            with _embedded(live=args.workers > 1) as (url, app, embedded_token):
                options.url, options.app, options.token = url, app, embedded_token
                known_secrets.append(embedded_token)
                options.private = True  # a server started for this run serves nothing else
                result = run_campaign(options)
                result.target = f"embedded reference server ({url or 'in process'})"
    except KeyboardInterrupt:
        print("scim-harness fuzz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    _print_result(result, args, time.perf_counter() - started)
    return write_reports(
        "fuzz", args, from_fuzz(result), secret_values(args, known_secrets, sys.stderr),
        result.exit_code,
    )  # fmt: skip


def _replay_path(args: argparse.Namespace) -> Path:
    if args.report_json:
        report = Path(args.report_json)
        return report.with_name(f"{report.stem}-replay.json")
    return Path(DEFAULT_REPLAY)


def _print_result(result: FuzzResult, args: argparse.Namespace, seconds: float) -> None:
    err = sys.stderr
    if result.problem:
        print(f"scim-harness fuzz: {result.problem}", file=err)
        return
    findings = result.findings
    if findings:
        from harness.fuzz.replay import write_replay

        replay_file = _replay_path(args)
        write_replay(replay_file, findings, result.prefix)
        print("", file=err)
        for number, finding in enumerate(findings, 1):
            print(f"finding {number}/{len(findings)}", file=err)
            print(finding.text(args.token_env), file=err)
            print("", file=err)
        where = args.url or "URL"
        print(f"replay: scim-harness fuzz {where} --replay {replay_file}", file=err)
    for prop in result.properties:
        for line in server_error_lines(prop.answers):
            print(f"  {prop.name}: {line}", file=err)
    errors = result.errors
    for prop in errors:
        error = (prop.error or "").splitlines()[0]
        print(f"ERROR {prop.name} ({prop.examples} examples): {error}", file=err)
    if errors:
        where = f" in {args.report_json}" if args.report_json else " (--report-json FILE)"
        print(f"the traceback of each error is in the JSON report{where}", file=err)
    total = sum(result.examples.values())
    cleanup = f"cleanup removed {result.removed}"
    if result.leftovers:
        cleanup += f", {len(result.leftovers)} left over"
    print(
        f"{total} examples, {len(result.properties)} properties, "
        f"{fuzz_tally(len(findings), len(errors))} in {seconds:.1f} s "
        f"(seed {result.seed}, prefix {result.prefix}); {cleanup}",
        file=err,
    )
    if result.interrupted:
        print("interrupted: the campaign stopped early (exit 130)", file=err)
    elif findings or errors:
        what = " and ".join(
            part for part, shown in (("findings", findings), ("errors", errors)) if shown
        )
        print(f"verdict: FAIL — {what} above", file=err)
    else:
        print("verdict: PASS — no findings", file=err)


def _run_replay(args: argparse.Namespace, token: str | None) -> int:
    from harness.client import ScimClient
    from harness.fuzz.replay import ReplayError, replay_outcomes

    if not args.url:
        return _usage("--replay needs the URL of the target to replay against")
    from harness.conformance.runner import RunOptions, preflight

    with ScimClient(args.url, token, timeout=args.timeout) as client:
        problem = preflight(client, RunOptions(url=args.url, token_env=args.token_env, token=token))
        if problem:
            return _usage(problem)
        try:
            outcomes = replay_outcomes(args.replay, client)
        except ReplayError as exc:
            return _usage(str(exc))
        except KeyboardInterrupt:
            print("scim-harness fuzz: interrupted", file=sys.stderr)
            return EXIT_INTERRUPTED
    reproduced = 0
    for outcome in outcomes:
        mark = "REPRODUCED" if outcome.reproduced else "not reproduced"
        finding = outcome.finding
        print(f"{mark}: [{finding.kind}] {finding.summary}", file=sys.stderr)
        print(f"  {outcome.reason}", file=sys.stderr)
        for exchange in outcome.exchanges:
            print(f"  $ {exchange.curl(args.token_env)}", file=sys.stderr)
        reproduced += outcome.reproduced
    print(f"{reproduced}/{len(outcomes)} finding(s) reproduce", file=sys.stderr)
    return EXIT_FINDINGS if reproduced else EXIT_OK
