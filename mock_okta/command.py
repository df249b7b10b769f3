"""``scim-harness okta``: run scenarios (``okta run``), serve the management API (``serve``).

``okta run`` follows ``scim-harness run`` (docs/report.md): the token
comes from an environment variable, never from argv; without ``--url`` each
scenario gets a fresh embedded reference server on 127.0.0.1 with a one-off
token; exit 0 when every scenario passed, 1 when one failed, 2 when the run
could not start (a scenario file that does not load, an unreachable target,
refused credentials, nothing selected), 130 on Ctrl-C — cleanup still runs.
Everything is printed on stderr (``--list`` on stdout): one line per step,
a line per scenario, failures in full, then the summary.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, TypeAlias
from urllib.parse import unquote, urlsplit

from harness.arguments import target_url
from harness.client import Exchange, ScimClient
from harness.reports.build import from_okta
from harness.reports.model import Report
from harness.reports.output import (
    add_report_options,
    basic_secrets,
    redacts_terminal,
    secret_values,
    write_reports,
)
from mock_okta import wire
from mock_okta.results import OktaRunResult, ScenarioResult, StepVerdict
from mock_okta.runner import ORG_URL, RunTarget, ScenarioInterrupted, run_scenario
from mock_okta.scenario import SHIPPED, Scenario, ScenarioError, load_scenario, shown_path
from mock_okta.settings import AppKind

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
#: Scenarios with this tag run only when selected (``--tag slow``, ``--all``, or by file).
SLOW = "slow"

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def shipped_scenarios() -> Path:
    """The scenarios shipped with the harness: package data (``mock_okta/scenarios``),
    so an installed wheel has them as well as a checkout."""
    return SHIPPED


def add_okta(subparsers: Subparsers) -> None:
    parser = subparsers.add_parser(
        "okta",
        help="drive a mock Okta org against a SCIM endpoint",
        description="Provision a SCIM endpoint the way Okta does (scenarios), or serve "
        "a mock of Okta's management API.",
    )
    commands = parser.add_subparsers(dest="okta_command", metavar="COMMAND")
    add_run(commands)
    add_serve(commands)
    parser.set_defaults(handler=lambda _args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def add_serve(commands: Subparsers) -> None:
    """``okta serve`` is the management API part's; until it exists, say so clearly."""
    try:
        from mock_okta.api.command import add_serve as register
    except ImportError as exc:
        missing = str(exc)
        parser = commands.add_parser("serve", help="serve the Okta management API mock")
        parser.set_defaults(handler=lambda _args: _unavailable(missing))
        return
    register(commands)


def _unavailable(why: str) -> int:
    print(f"scim-harness okta serve: not available in this build ({why})", file=sys.stderr)
    return EXIT_USAGE


def add_run(commands: Subparsers) -> None:
    parser = commands.add_parser(
        "run",
        help="run provisioning scenarios against a SCIM endpoint",
        description=(
            "Run mock Okta scenarios (YAML, docs/scenarios.md) against a SCIM base URL "
            "(default: a fresh embedded reference server per scenario). Exit 0 when every "
            "scenario passes, 1 when one fails, 2 when the run cannot start, 130 when "
            "interrupted."
        ),
    )
    parser.add_argument(
        "scenarios", nargs="*", metavar="SCENARIO",
        help="scenario files or directories (default: the shipped scenarios)",
    )  # fmt: skip
    parser.add_argument(
        "--url", type=target_url, help="SCIM base URL, e.g. https://app.example/scim/v2"
    )
    parser.add_argument(
        "--token-env", default="SCIM_TOKEN", metavar="VAR",
        help="environment variable holding the bearer token (default SCIM_TOKEN)",
    )  # fmt: skip
    parser.add_argument(
        "--basic-env", metavar="VAR",
        help="environment variable holding 'username:password' for app.auth: basic scenarios",
    )  # fmt: skip
    parser.add_argument(
        "--app-kind", choices=[kind.value for kind in AppKind],
        help="run every scenario as this kind of app (overrides app.kind)",
    )  # fmt: skip
    parser.add_argument(
        "--prefix", default=None,
        help="namespace prefix of every name (default: random against --url, none embedded)",
    )  # fmt: skip
    parser.add_argument(
        "--tag", action="append", default=[], metavar="T",
        help="run only scenarios with this tag (repeatable); --tag slow selects slow ones",
    )  # fmt: skip
    parser.add_argument("--all", action="store_true", help="also run scenarios tagged slow")
    parser.add_argument(
        "--timeout", type=float, default=wire.TIMEOUT, metavar="S",
        help=f"seconds per request (default {wire.TIMEOUT:g}, as Okta)",
    )  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    add_report_options(parser)
    parser.set_defaults(handler=redacts_terminal(run_okta))


# -- loading and selection -------------------------------------------------------


def scenario_files(arguments: list[str]) -> tuple[list[Path], set[str]]:
    """The files to load, and those named one by one (a named file runs even if slow)."""
    if not arguments:
        return sorted(shipped_scenarios().glob("*.yaml")), set()
    files: list[Path] = []
    named: set[str] = set()
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        else:
            files.append(path)
            named.add(shown_path(path))
    return files, named


def load_all(files: list[Path]) -> tuple[list[Scenario], list[str]]:
    scenarios: list[Scenario] = []
    problems: list[str] = []
    for path in files:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioError as exc:
            problems += [str(problem) for problem in exc.problems]
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
    return scenarios, problems


#: A step line lists this many requests; a 10 000-user push summarises the rest.
SHOWN_REQUESTS = 6


@dataclass
class Selection:
    run: list[Scenario]
    #: (scenario, reason) of those left out on purpose (slow).
    skipped: list[tuple[Scenario, str]]


def select(scenarios: list[Scenario], tags: list[str], run_all: bool, named: set[str]) -> Selection:
    chosen = [s for s in scenarios if not tags or set(tags) & set(s.tags)]
    selection = Selection([], [])
    for scenario in chosen:
        if SLOW in scenario.tags and not (run_all or scenario.source in named or SLOW in tags):
            selection.skipped.append((scenario, "tagged slow: select it with --tag slow or --all"))
        else:
            selection.run.append(scenario)
    return selection


# -- output ----------------------------------------------------------------------


class Printer:
    """One line per step as it finishes, a line per scenario, failures in full."""

    def __init__(self, stream: TextIO, bases: tuple[str, ...] = ()) -> None:
        self.stream = stream
        self.bases = bases
        utf = (getattr(stream, "encoding", "") or "").lower().replace("-", "") in ("utf8",)
        self.marks = (
            {"passed": "✓", "failed": "✗", "warning": "!", "blocked": "·", "error": "E"}
            if utf
            else {"passed": "+", "failed": "x", "warning": "!", "blocked": ".", "error": "E"}
        )

    def begin(self, scenario: Scenario, where: str) -> None:
        self._write(f"{scenario.name} ({scenario.source}) → {where}")

    def step(self, result: ScenarioResult, step: StepVerdict) -> None:
        mark = self.marks.get(step.verdict, "-")
        head = f"  {mark} {step.index:>2} {step.event} {step.argument}".rstrip()
        shown = [self.short(exchange) for exchange in step.exchanges[:SHOWN_REQUESTS]]
        hidden = len(step.exchanges) - len(shown)
        if hidden:
            statuses = Counter(str(e.status or "no answer") for e in step.exchanges)
            tally = ", ".join(f"{count}× {status}" for status, count in sorted(statuses.items()))
            shown.append(f"… {hidden} more ({len(step.exchanges)} requests: {tally})")
        sent = ", ".join(shown)
        why = step.reason if step.verdict in ("skipped", "blocked") else None
        if step.verdict == "error" and step.failures:
            why = step.failures[0]
        line = f"{head}: {sent}" if sent else head
        self._write(f"{line} — {step.verdict}: {why}" if why else line)

    def short(self, exchange: Exchange) -> str:
        """``METHOD /path?decoded-query → status``, relative to the base it went to."""
        parts = urlsplit(exchange.url)
        path = parts.path
        for base in self.bases:
            base_parts = urlsplit(base)
            if base_parts.netloc == parts.netloc and path.startswith(base_parts.path):
                path = path[len(base_parts.path.rstrip("/")) :] or "/"
                break
        query = f"?{unquote(parts.query)}" if parts.query else ""
        status = exchange.status if exchange.status is not None else "no answer"
        return f"{exchange.method} {path}{query} → {status}"

    def end(self, result: ScenarioResult) -> None:
        counts = Counter(step.verdict for step in result.steps)
        cleanup = f"cleanup removed {result.removed}"
        if result.prefix:
            cleanup += f" (prefix {result.prefix})"
        if result.leftovers:
            cleanup += f", {len(result.leftovers)} left over"
        others = ", ".join(
            f"{counts[verdict]} {verdict}"
            for verdict in ("warning", "failed", "blocked", "skipped", "error")
            if counts[verdict]
        )
        line = (
            f"  {result.verdict.upper()} {result.name}: {counts['passed']}/{len(result.steps)} "
            f"steps passed{f' ({others})' if others else ''} in {result.duration:.1f} s; {cleanup}"
        )
        if result.reason and result.verdict == "skipped":
            line += f" ({result.reason})"
        self._write(line)
        if result.verdict in ("failed", "error", "warning", "blocked"):
            self._write("")
            self._write(result.failure_text(tracebacks=False))
        self._write("")

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")
        self.stream.flush()


def summary(run: OktaRunResult, report: Report, seconds: float) -> str:
    """Counted from the same model as the report files (``report``, ``from_okta``)."""
    counts = report.counts()
    lines = [
        f"{counts['total']} scenario(s): {counts['passed']} passed, "
        f"{counts['warning']} passed with warnings, {counts['failed']} failed, "
        + (f"{counts['blocked']} blocked, " if counts["blocked"] else "")
        + f"{counts['error']} error(s), {counts['skipped']} skipped in {seconds:.1f} s"
    ]
    for result in run.scenarios:
        if result.verdict == "skipped":
            lines.append(f"  skipped {result.name}: {result.reason}")
    bad = [r.name for r in run.scenarios if r.verdict in ("failed", "error", "blocked")]
    if run.interrupted:
        lines.append("interrupted: the run stopped early (exit 130)")
    elif bad:
        lines.append(f"verdict: FAIL — {', '.join(bad)}")
    else:
        lines.append("verdict: PASS — every scenario passed")
    return "\n".join(lines)


# -- the command -----------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def list_scenarios(scenarios: list[Scenario]) -> int:
    for scenario in scenarios:
        tags = f" [{', '.join(scenario.tags)}]" if scenario.tags else ""
        summary_line = scenario.description.strip().splitlines()[0] if scenario.description else ""
        print(f"{scenario.name:<32} {scenario.source}{tags}  {summary_line}".rstrip())
    return EXIT_OK


def _stop(message: str) -> int:
    print(f"scim-harness okta run: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_okta(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        return _stop("--timeout must be positive")
    files, named = scenario_files(args.scenarios)
    if not files:
        return _stop(f"no scenario files found (looked in {shipped_scenarios()})")
    scenarios, problems = load_all(files)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return _stop(f"{len(problems)} problem(s) in the scenario files; nothing was run")
    if args.list:
        return list_scenarios(scenarios)
    selection = select(scenarios, args.tag, args.all, named)
    if not selection.run and not selection.skipped:
        return _stop("no scenario matches the selection")
    basic: tuple[str, str] | None = None
    if args.basic_env:
        username, colon, password = (os.environ.get(args.basic_env) or "").partition(":")
        if not colon:
            return _stop(f"{args.basic_env} must hold 'username:password'")
        basic = (username, password)
    token = os.environ.get(args.token_env) or None
    if args.url:
        problem = _preflight(args.url, token, basic, args)
        if problem is not None:
            return _stop(problem)
    run = OktaRunResult(
        target=args.url or "embedded reference server (one per scenario)", started_at=_now()
    )
    started = time.perf_counter()
    #: Every credential a target of this run accepted (embedded: one set per scenario).
    used: list[str] = [*([token] if token else []), *basic_secrets(basic)]
    for scenario, reason in selection.skipped:
        run.scenarios.append(ScenarioResult(scenario.name, scenario.source, "skipped",
                                            reason=reason))  # fmt: skip
    try:
        for scenario in selection.run:
            run.scenarios.append(_run_one(scenario, args, token, basic, used))
    except ScenarioInterrupted as interrupted:
        run.scenarios.append(interrupted.result)
        run.interrupted = True
    except KeyboardInterrupt:
        run.interrupted = True
    run.finished_at = _now()
    # A blocked scenario is not judged, and not passed either: the flow never ran.
    bad = any(r.verdict in ("failed", "error", "blocked") for r in run.scenarios)
    if run.interrupted:
        run.exit_code = EXIT_INTERRUPTED
    else:
        run.exit_code = EXIT_FAILURES if bad else EXIT_OK
    report = from_okta(run)
    print(summary(run, report, time.perf_counter() - started), file=sys.stderr)
    secrets = secret_values(args, used, sys.stderr)
    return write_reports("okta run", args, report, secrets, run.exit_code)


def _run_one(
    scenario: Scenario,
    args: argparse.Namespace,
    token: str | None,
    basic: tuple[str, str] | None,
    used: list[str],
) -> ScenarioResult:
    with _target(args, token, basic) as (target, where):
        used += [*([target.token] if target.token else []), *basic_secrets(target.basic)]
        printer = Printer(sys.stderr, (target.base_url, ORG_URL))
        # Embedded: a private, fresh server, so no namespace (transcripts read like the YAML).
        prefix = args.prefix if args.prefix is not None else (None if args.url else "")
        printer.begin(scenario, where)
        result = run_scenario(
            scenario, target, prefix=prefix, progress=printer.step, app_kind=args.app_kind
        )
        printer.end(result)
        return result


@contextmanager
def _target(
    args: argparse.Namespace, token: str | None, basic: tuple[str, str] | None
) -> Iterator[tuple[RunTarget, str]]:
    """The URL target, or a fresh embedded reference server for this one scenario."""
    if args.url:
        yield RunTarget(url=args.url, token=token, basic=basic, timeout=args.timeout), args.url
        return
    from mock_okta.embedded import live_server, one_off_config, target_for

    config = one_off_config()
    with live_server(config) as url:
        target = target_for(config, url=url, timeout=args.timeout)
        yield target, f"embedded reference server ({url})"


def _preflight(
    url: str, token: str | None, basic: tuple[str, str] | None, args: argparse.Namespace
) -> str | None:
    """``scim-harness run``'s preflight: one line when the target cannot be used."""
    from harness.conformance.runner import RunOptions, preflight

    target = RunTarget(url=url, token=token, basic=basic, timeout=args.timeout)
    options = RunOptions(url=url, token_env=args.token_env, token=token)
    with ScimClient(url, authorization=target.authorization(), timeout=args.timeout) as client:
        return preflight(client, options)
