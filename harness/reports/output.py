"""The report options every command shares, and the one function that writes them.

``scim-harness run``, ``okta run`` and ``fuzz`` each call
:func:`add_report_options` on their parser and :func:`write_reports` once
their result is final. Writing builds the :class:`~harness.reports.model.Report`
once, passes it through :func:`~harness.reports.redact.redact_report` with
every secret the command knows — its token, Basic credentials, the values of
``--secret-env`` variables — and renders each requested format from that one
redacted object, so no format can show what another hides (issue 7,
"redaction everywhere").

A file that cannot be written (missing directory, no permission) is one line
on stderr, never a traceback. The command then exits 2 if it would have
exited 0 — a green gate whose evidence is missing would be a false pass — and
keeps 1, 2 and 130, which already say the gate did not pass.
"""

from __future__ import annotations

import argparse
import base64
import functools
import os
import sys
from collections.abc import Callable, Iterable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any, TextIO

from harness.client import Redactor
from harness.reports.formats import render
from harness.reports.model import Report
from harness.reports.redact import redact_report, redact_text, secret_forms

EXIT_OK = 0
EXIT_USAGE = 2
#: Write this file name to mean standard output (``--report-md -`` for a CI step summary).
STDOUT = "-"
#: option destination → format name, in the order the files are written.
OPTIONS: dict[str, str] = {
    "report_json": "json",
    "report_html": "html",
    "report_md": "md",
    "junitxml": "junit",
}


def add_report_options(parser: argparse.ArgumentParser) -> None:
    """``--report-json``, ``--report-html``, ``--report-md``, ``--junitxml``, ``--secret-env``."""
    group = parser.add_argument_group("reports (docs/report.md)")
    group.add_argument(
        "--report-json", metavar="FILE",
        help="write the versioned JSON report (re-render it with 'scim-harness report')",
    )  # fmt: skip
    group.add_argument(
        "--report-html", metavar="FILE", help="write a self-contained HTML report (works offline)"
    )
    group.add_argument(
        "--report-md", metavar="FILE",
        help="write a Markdown summary ('-' for stdout, e.g. >> $GITHUB_STEP_SUMMARY)",
    )  # fmt: skip
    group.add_argument(
        "--junitxml", metavar="FILE", help="write JUnit XML (one testcase per entry)"
    )
    group.add_argument(
        "--secret-env", action="append", default=[], metavar="VAR",
        help="redact the value of this environment variable from every output (repeatable)",
    )  # fmt: skip


def requested(args: argparse.Namespace) -> dict[str, str]:
    """Format name → destination, for each report option given."""
    return {
        name: getattr(args, dest) for dest, name in OPTIONS.items() if getattr(args, dest, None)
    }


def secret_values(
    args: argparse.Namespace, known: Iterable[str | None] = (), err: TextIO | None = None
) -> list[str]:
    """The command's own secrets plus each ``--secret-env`` variable's value.

    An unset variable is named on stderr: the user asked for a value to be
    hidden and the harness has none, which usually means a typo.
    """
    values = [value for value in known if value]
    for variable in getattr(args, "secret_env", None) or []:
        value = os.environ.get(variable)
        if value:
            values.append(value)
        elif err is not None:
            print(f"note: --secret-env {variable} is not set; nothing to redact for it", file=err)
    return values


def basic_secrets(basic: tuple[str, str] | None) -> list[str]:
    """A Basic credential in every form it travels in (RFC 7617 §2): the password,
    ``user:password`` and its base64, so an echo of the header body is caught too."""
    if basic is None:
        return []
    username, password = basic
    pair = f"{username}:{password}"
    return [password, pair, base64.b64encode(pair.encode()).decode()]


def write_reports(
    command: str,
    args: argparse.Namespace,
    report: Report,
    secrets: Iterable[str],
    exit_code: int,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Write every requested format; the command's exit code, 2 instead of 0 on a write error.

    The redaction pass (which walks every exchange) runs only when a format
    was asked for. ``command`` prefixes the error line.
    """
    targets = requested(args)
    if not targets:
        return exit_code
    out = sys.stdout if out is None else out
    err = sys.stderr if err is None else err
    report = redact_report(report, list(secrets))
    failed = False
    for name, destination in targets.items():
        failed |= not write_text(destination, render(report, name), command, out, err)
    return EXIT_USAGE if failed and exit_code == EXIT_OK else exit_code


def write_text(destination: str, text: str, command: str, out: TextIO, err: TextIO) -> bool:
    """``text`` to a file (or ``-``: ``out``); False after one line on ``err`` if it failed."""
    if destination == STDOUT:
        out.write(text)
        out.flush()
        return True
    try:
        Path(destination).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(
            f"scim-harness {command}: cannot write {destination}: {exc.strerror or exc}", file=err
        )
        return False
    return True


class RedactingStream:
    """A text stream that redacts what the commands print, as the report files are.

    The client already redacts the token in every exchange it records, but
    two things reach the terminal that only this layer can catch: a value the
    user names with ``--secret-env`` (a target may echo it in a body the
    failure text quotes), and a password the target returned (RFC 7643
    §4.1.1: ``password`` is never returned; a check that catches a target
    doing so quotes it). Each ``write`` is redacted whole; progress lines and
    failure blocks are written one piece at a time.
    """

    def __init__(self, stream: TextIO, secrets: Iterable[str] = ()) -> None:
        self._stream = stream
        self._redactor = Redactor(secret_forms(secrets))

    def write(self, text: str) -> int:
        self._stream.write(redact_text(text, self._redactor))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # isatty, encoding, flush, fileno …
        return getattr(self._stream, name)


def redacts_terminal(handler: Callable[[argparse.Namespace], int]) -> Callable[..., int]:
    """Run a command with stdout and stderr passed through :class:`RedactingStream`:
    the terminal (and a CI log) is an output like the files."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        values = [os.environ.get(name) or "" for name in getattr(args, "secret_env", None) or []]
        out = RedactingStream(sys.stdout, values)
        err = RedactingStream(sys.stderr, values)
        with redirect_stdout(out), redirect_stderr(err):
            return handler(args)

    return run
