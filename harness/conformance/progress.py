"""What a run prints while it works and when it ends (all on stderr).

On a terminal a one-line progress bar is redrawn in place; in CI (stderr
not a terminal) each check gets one plain line, so a log shows where a
stalled run is. The summary lists every required failure in full (the
message with request, response and curl replay), warnings in short, skip
reasons grouped, the readiness for Okta, Entra and the RFCs, the cleanup
outcome, the baseline outcome and the verdict.
"""

from __future__ import annotations

import shutil
from collections import Counter
from typing import TextIO

from harness.conformance.results import CheckResult, RunResult
from harness.reports.model import Report

TAGS = {
    "passed": "PASS",
    "failed": "FAIL",
    "warning": "WARN",
    "blocked": "BLKD",
    "error": "ERR!",
    "skipped": "SKIP",
}


class ProgressPrinter:
    """Called after each check: ``printer(result, done, total)``."""

    def __init__(self, stream: TextIO, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.failed = 0

    def __call__(self, result: CheckResult, done: int, total: int) -> None:
        if result.verdict == "failed":
            self.failed += 1
        if not self.interactive:
            tag = TAGS[result.verdict]
            self.stream.write(f"{done:>4}/{total} {tag} {result.id}\n")
            self.stream.flush()
            return
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = 24
        filled = bar_width * done // max(total, 1)
        bar = "#" * filled + "-" * (bar_width - filled)
        line = f"[{bar}] {done}/{total}  failed {self.failed}  {result.id}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


#: How a discovery the run could not use is introduced (summary, Markdown, HTML).
DISCOVERY_NOTE = (
    "discovery unusable, features it should declare were tried instead of skipped as unclaimed"
)


def summary(run: RunResult, report: Report, seconds: float) -> str:
    """The end-of-run report for a human: counted, and judged for readiness,
    from the same model as the files (``report``, :func:`harness.reports.build.from_run`)."""
    counts = report.counts()
    lines = [f"scim-harness run: {run.target} (profile {run.profile}, prefix {run.prefix})"]
    discovery = (run.capabilities or {}).get("problem")
    if discovery:
        lines.append(f"  {DISCOVERY_NOTE}: {discovery}")
    if run.problem and not run.checks:
        lines.append(f"  could not run: {run.problem}")
        return "\n".join(lines)
    blocking = run.blocking()
    lines += cause_lines(report, {result.id: result for result in run.checks})
    baselined = [r for r in run.checks if r.baselined]
    warnings = [r for r in run.checks if r.verdict == "warning"]
    if warnings:
        lines += ["", f"{len(warnings)} warning(s) — recommended, not required:"]
        for result in warnings:
            lines.append(f"  WARN {result.id} — {_gist(result.message)}")
    if baselined:
        lines += ["", f"{len(baselined)} known failure(s) excused by the baseline:"]
        lines += [f"  {result.id}" for result in baselined]
    if run.baseline is not None and run.baseline.fixed:
        lines += ["", "fixed since the baseline (remove them from it):"]
        lines += [f"  {check_id}" for check_id in run.baseline.fixed]
    reasons = Counter(r.message for r in run.checks if r.verdict == "skipped")
    if reasons:
        lines += ["", "skipped:"]
        lines += [f"  {n:>3} × {reason}" for reason, n in reasons.most_common()]
    lines.append("")
    lines.append(
        f"{counts['total']} checks: {counts['passed']} passed, {counts['failed']} failed"
        f" from {len(report.failed_causes())} cause(s)"
        f" ({counts['baselined']} in the baseline), {counts['warning']} warnings,"
        f" {counts['blocked']} blocked, {counts['skipped']} skipped in {seconds:.1f} s"
    )
    lines += [f"{line.name}: {line.summary}" for line in report.readiness]
    left = run.leftovers
    cleanup = f"cleanup: removed {run.removed} resource(s) the run created"
    if left:
        cleanup += f"; {len(left)} could not be removed:"
    lines.append(cleanup)
    for item in left:
        where = f"{item['endpoint']}/{item['id']} ({item['name']})"
        lines.append(f"  {where}: {item['outcome']} — {item['reason']}")
    lines += [f"  note: {note}" for note in run.cleanup_notes]
    if run.interrupted:
        lines.append("interrupted: the run stopped early (exit 130)")
    elif run.problem:
        lines.append(f"verdict: NONE — {run.problem} (exit {run.exit_code})")
    elif blocking:
        lines.append(f"verdict: FAIL — {len(blocking)} required check(s) failed")
    else:
        lines.append("verdict: PASS — every required check passed")
    return "\n".join(lines)


#: Affected check ids listed per cause before "and N more".
CAUSE_IDS = 12


def cause_lines(report: Report, results: dict[str, CheckResult]) -> list[str]:
    """The root causes, blocking ones first: each once, with the checks it affects
    and the full message (request, response, curl) of one check that shows it."""
    lines: list[str] = []
    shown = [cause for cause in report.causes if cause.failed or cause.errored or cause.blocked]
    if not shown:
        return lines
    failing = len(report.failed_causes())
    lines += ["", f"{len(shown)} root cause(s), {failing} behind failed checks:"]
    for number, cause in enumerate(shown, 1):
        tag = "FAILED" if cause.failed else "ERROR" if cause.errored else "BLOCKED"
        lines += ["", f"{tag} cause {number}/{len(shown)}: {cause.title}"]
        trios = (("fails", cause.failed), ("stops", cause.errored), ("blocks", cause.blocked))
        for verb, ids in trios:
            if ids:
                more = f" and {len(ids) - CAUSE_IDS} more" if len(ids) > CAUSE_IDS else ""
                lines.append(f"  {verb} {len(ids)}: {', '.join(ids[:CAUSE_IDS])}{more}")
        shown_by = results.get(cause.reproducer)
        if shown_by is not None and shown_by.message:
            lines.append(f"  shown by {cause.reproducer}:")
            lines += [f"  {line}" for line in shown_by.message.splitlines()]
    return lines


def _gist(message: str) -> str:
    for line in message.splitlines():
        stripped = line.strip()
        if stripped.startswith(("expected:", "the check")):
            got = next(
                (n.strip() for n in message.splitlines() if n.strip().startswith("got:")), ""
            )
            return f"{stripped} {got}".strip()
    return message.splitlines()[0] if message else ""
