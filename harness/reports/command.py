"""``scim-harness report FILE.json``: render a saved report in another format.

A CI job keeps the JSON (``--report-json``) as its artifact and renders the
HTML or the Markdown later, or elsewhere, from it; nothing is re-run. The
format is ``--format`` when given, else the one ``-o``'s suffix implies
(``.html``, ``.md``, ``.xml``, ``.json``); with neither it is a usage error
rather than a guess. The report is redacted again on the way out (with
``--secret-env``), so a file written by an older, or a careless, producer
cannot carry a secret into the rendering. Exit 0 written, 2 anything else.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.reports.formats import FORMATS, format_for_path, render
from harness.reports.model import ReportError, read_report
from harness.reports.output import STDOUT, redacts_terminal, secret_values, write_text
from harness.reports.redact import redact_report

EXIT_OK = 0
EXIT_USAGE = 2
#: The per-command documents the unified report replaced (scim-harness 0.1 before issue 7).
SUPERSEDED: dict[str, str] = {
    "scim-harness/run-report": "scim-harness run",
    "scim-harness/okta-report": "scim-harness okta run",
    "scim-harness/fuzz-report": "scim-harness fuzz",
}


def add_report(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="render a saved JSON report as HTML, Markdown, JUnit XML or JSON",
        description=(
            "Read a report written by --report-json (format scim-harness/report, "
            "docs/report.md) and render it. The format is --format, else the suffix of -o "
            "(.html, .md, .xml, .json). Exit 0 when written, 2 otherwise."
        ),
    )
    parser.add_argument("file", metavar="FILE.json", help="a report written by --report-json")
    parser.add_argument(
        "--format", choices=list(FORMATS), help="output format (default: from -o's suffix)"
    )
    parser.add_argument(
        "-o", "--output", default=STDOUT, metavar="OUT", help="where to write ('-': stdout)"
    )
    parser.add_argument(
        "--secret-env", action="append", default=[], metavar="VAR",
        help="also redact the value of this environment variable (repeatable)",
    )  # fmt: skip
    parser.set_defaults(handler=redacts_terminal(run_report))


def _stop(message: str) -> int:
    print(f"scim-harness report: {message}", file=sys.stderr)
    return EXIT_USAGE


def run_report(args: argparse.Namespace) -> int:
    name = args.format or (None if args.output == STDOUT else format_for_path(args.output))
    if name is None:
        suffixes = ", ".join(item.suffix for item in FORMATS.values())
        return _stop(f"give --format {{{','.join(FORMATS)}}} or an -o file ending in {suffixes}")
    try:
        report = read_report(args.file)
    except ReportError as exc:
        return _stop(f"{exc}{_superseded_hint(args.file)}")
    report = redact_report(report, secret_values(args, err=sys.stderr))
    if not write_text(args.output, render(report, name), "report", sys.stdout, sys.stderr):
        return EXIT_USAGE
    if args.output != STDOUT:
        print(f"{name} report written to {args.output}", file=sys.stderr)
    return EXIT_OK


def _superseded_hint(path: str) -> str:
    """Why an old per-command report is refused, and how to get a new one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return ""
    old = data.get("format") if isinstance(data, dict) else None
    if not isinstance(old, str) or old not in SUPERSEDED:
        return ""
    return (
        f"; this file is an old {old} v{data.get('version')} document: re-run "
        f"'{SUPERSEDED[old]} --report-json FILE' to write the scim-harness/report format"
    )
