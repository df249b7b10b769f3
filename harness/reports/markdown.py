"""The Markdown summary: a report as a CI step summary or a merge-request note.

GitHub shows ``$GITHUB_STEP_SUMMARY`` on the run's page and refuses one over
1 MiB; GitLab pastes the same text into an MR note. So the summary is the
verdict and the numbers first, then the blocking failures one by one until
:data:`BUDGET` bytes are used, then "… and N more, see the HTML report".

Everything the target supplied (titles of findings, messages, URLs, bodies)
is untrusted: GitHub renders inline HTML, so a ``<script>`` in a response
body must stay text, and a ``|`` in a title must not split a table cell.
Inline text goes through :func:`inline`; multi-line text goes in a fenced
block whose fence is longer than any backtick run inside it (CommonMark
§4.5: a fence closes only on a run at least as long as the opening one).

The counts line is machine-checkable (the agreement test parses it):
``**449 checks**: 374 passed · 21 failed · 18 warnings · 36 skipped · 0 errors · 0 baselined``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from harness.reports.causes import Cause
from harness.reports.model import VERDICTS, Entry, Report

#: The summary stays well under GitHub's 1 MiB step-summary cap.
BUDGET = 512 * 1024
#: Longest expected / got text shown per failure (the HTML report has it all).
FIELD_CHARS = 1500
#: Longest curl line shown (a bulk body can be megabytes).
CURL_CHARS = 3000

#: The headline per gate exit code (pip-audit / ruff convention: 0 pass,
#: 1 findings, 2 could not run; 130 is a shell's Ctrl-C).
GATE: dict[int, tuple[str, str]] = {
    0: ("✅", "PASS"),
    1: ("❌", "FAIL"),
    2: ("⚠️", "could not run"),
    130: ("⏹️", "interrupted"),
}
READINESS_MARK: dict[str, str] = {"ready": "✅", "blocking": "❌", "not-assessed": "⚪"}
#: What the entries of each source are called in the counts line.
NOUN: dict[str, str] = {"run": "checks", "okta": "scenarios", "fuzz": "entries"}
#: The counts line's labels, in order: (key of Report.counts(), label).
COUNT_LABELS: tuple[tuple[str, str], ...] = (
    ("passed", "passed"),
    ("failed", "failed"),
    ("warning", "warnings"),
    ("blocked", "blocked"),
    ("skipped", "skipped"),
    ("error", "errors"),
    ("baselined", "baselined"),
)
#: Parses the counts line back (tests, and anyone scraping a CI summary).
COUNTS_LINE = re.compile(
    r"^\*\*(?P<total>\d+) \w+\*\*: "
    + " · ".join(rf"(?P<{key}>\d+) {label}" for key, label in COUNT_LABELS)
    + "$",
    re.MULTILINE,
)

#: Characters that mean something to GFM or to the HTML it lets through.
_INLINE = str.maketrans(
    {
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "[": "\\[",
        "]": "\\]",
        "|": "\\|",
        "~": "\\~",
        "#": "\\#",
        "!": "\\!",
        "\r": " ",
        "\n": " ",
    }
)


def inline(text: object, limit: int | None = None) -> str:
    """``text`` as literal inline Markdown, safe in a table cell, on one line."""
    return _clip(str(text), limit).translate(_INLINE)


def fenced(text: str, info: str = "", limit: int | None = None) -> str:
    """``text`` in a code fence no line of it can close."""
    text = _clip(text, limit)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{text.rstrip()}\n{fence}"


def counts_line(report: Report) -> str:
    """The one line of numbers, in the form :data:`COUNTS_LINE` reads back."""
    counts = report.counts()
    parts = " · ".join(f"{counts[key]} {label}" for key, label in COUNT_LABELS)
    return f"**{counts['total']} {NOUN[report.source]}**: {parts}"


def render_markdown(report: Report) -> str:
    """The whole summary, at most about :data:`BUDGET` bytes of UTF-8."""
    head = "\n\n".join(
        part
        for part in (
            _headline(report),
            _readiness(report),
            counts_line(report),
            _facts(report),
            _matrix(report),
        )
        if part
    )
    budget = _Budget(BUDGET - _size(head))
    sections = [head]
    blocking = report.blocking()
    if blocking:
        causes = len(_blocking_causes(report))
        sections.append(
            f"## Blocking ({len(blocking)}" + (f" from {causes} causes)" if causes else ")")
        )
        unit = "blocking causes" if causes else "blocking entries"
        sections += budget.take(_blocking_blocks(report, blocking), unit)
    sections += _blocked_only(report, budget)
    sections += _warnings(report, budget)
    sections += _baselined(report, budget)
    sections.append(_skipped(report))
    return "\n\n".join(part for part in sections if part) + "\n"


# -- the parts ---------------------------------------------------------------------


def _headline(report: Report) -> str:
    code = 130 if report.interrupted else report.exit_code
    mark, word = GATE.get(code, ("❌", f"exit code {code}"))
    line = f"# {mark} {word} — {inline(report.title)}"
    if report.problem:
        line += f"\n\n**Problem:** {inline(report.problem, FIELD_CHARS)}"
    discovery = report.capabilities.get("problem")
    if discovery:
        line += f"\n\n**Discovery:** {inline(str(discovery), FIELD_CHARS)}"
    return line


def _readiness(report: Report) -> str:
    if not report.readiness:
        return ""
    rows = [
        f"| {inline(item.name)} | {READINESS_MARK.get(item.status, '')} {inline(item.status)}"
        f" | {inline(item.summary)} |"
        for item in report.readiness
    ]
    return "\n".join(["| Readiness | Status | Summary |", "|---|---|---|", *rows])


def _facts(report: Report) -> str:
    facts = [f"target {inline(report.target)}"]
    if report.profile:
        facts.append(f"profile {inline(report.profile)}")
    if report.seed is not None:
        facts.append(f"seed {report.seed}")
    if "examples" in report.facts:
        facts.append(f"{inline(report.facts['examples'])} examples")
    if "findings" in report.facts:  # fuzz: the campaign's own count (FuzzResult.findings)
        facts.append(f"{inline(report.facts['findings'])} finding(s)")
    if report.prefix:
        facts.append(f"prefix {inline(report.prefix)}")
    if report.leftovers:
        facts.append(f"**{len(report.leftovers)} resources left behind**")
    return "_" + " · ".join(facts) + "_"


def _matrix(report: Report) -> str:
    by_area = report.matrix()
    if not by_area:
        return ""
    head = "| Area | " + " | ".join(VERDICTS) + " |"
    rule = "|---|" + "---:|" * len(VERDICTS)
    rows = [
        f"| {inline(area)} | "
        + " | ".join(str(counter[v]) if counter[v] else "·" for v in VERDICTS)
        + " |"
        for area, counter in by_area.items()
    ]
    return "\n".join([head, rule, *rows])


def _blocking_causes(report: Report) -> list[Cause]:
    return [cause for cause in report.causes if cause.blocking]


def _blocking_blocks(report: Report, blocking: list[Entry]) -> list[str]:
    """One block per root cause (its reproducer in full, the other checks by id),
    then any blocking entry no cause holds (an error without a failure)."""
    by_id = {entry.id: entry for entry in report.entries}
    blocks, covered = [], set()
    for number, cause in enumerate(_blocking_causes(report), 1):
        shown = by_id.get(cause.reproducer)
        others = [i for i in cause.failed if i != cause.reproducer]
        covered.update(cause.failed)
        head = f"**Cause {number}:** {inline(cause.title, FIELD_CHARS)}"
        block = _failure_block(shown) if shown is not None else ""
        also = ""
        if others or cause.blocked:
            also = f"- **Also fails:** {_ids(others)}" if others else ""
            if cause.blocked:
                also += ("\n" if also else "") + f"- **Blocks:** {_ids(cause.blocked)}"
        blocks.append("\n\n".join(part for part in (head, block, also) if part))
    blocks += [_failure_block(entry) for entry in blocking if entry.id not in covered]
    return blocks


def _blocked_only(report: Report, budget: _Budget) -> list[str]:
    """Causes that failed no check but kept checks from running (a refused setup)."""
    only = [cause for cause in report.causes if cause.blocked and not cause.failed]
    if not only:
        return []
    items = [
        f"- {inline(cause.title, FIELD_CHARS)} — blocks {_ids(cause.blocked)}" for cause in only
    ]
    return [
        f"## Blocked by a failed precondition ({len(only)})",
        "\n".join(budget.take(items, "causes")),
    ]


def _ids(ids: list[str], shown: int = 12) -> str:
    listed = ", ".join(inline(i) for i in ids[:shown])
    return f"{len(ids)}: {listed}" + (f" and {len(ids) - shown} more" if len(ids) > shown else "")


def _failure_block(entry: Entry) -> str:
    """One blocking entry: what it is, expected vs got, and the evidence folded away."""
    lines = [
        f"### {'Error' if entry.verdict == 'error' else 'Failed'}: {inline(entry.id)}"
        f" — {inline(entry.title, 300)}",
        "",
        f"- **Rule:** {inline(entry.rule, 300)}",
    ]
    failure = entry.failure
    if failure is not None:
        if failure.expected:
            lines.append(f"- **Expected:** {inline(failure.expected, FIELD_CHARS)}")
        lines.append(f"- **Got:** {inline(failure.got, FIELD_CHARS)}")
    elif entry.message:
        lines += ["", fenced(entry.message, "text", FIELD_CHARS)]
    evidence = _evidence(entry)
    if evidence:
        lines += ["", "<details><summary>Request and reproducer</summary>", "", evidence]
        lines += ["", "</details>"]
    return "\n".join(lines)


def _evidence(entry: Entry) -> str:
    """The failing exchange's request line and status, and its curl reproducer."""
    index = entry.evidence_index()
    if index is None:
        return ""
    exchange = entry.exchanges[index]
    answer = f"HTTP {exchange.status}" if exchange.status is not None else "no response"
    if exchange.error:
        answer += f" ({inline(exchange.error, 300)})"
    request = f"{inline(exchange.method)} {inline(exchange.url, 500)} → **{answer}**"
    return f"{request}\n\n{fenced(exchange.curl(), 'sh', CURL_CHARS)}"


def _warnings(report: Report, budget: _Budget) -> list[str]:
    warnings = [entry for entry in report.entries if entry.verdict == "warning"]
    if not warnings:
        return []
    items = [_compact(entry) for entry in warnings]
    return [f"## Warnings ({len(warnings)})", "\n".join(budget.take(items, "warnings"))]


def _baselined(report: Report, budget: _Budget) -> list[str]:
    known = [entry for entry in report.entries if entry.baselined]
    if not known:
        return []
    items = budget.take([_compact(entry) for entry in known], "known failures")
    return [
        f"<details><summary>Known failures, in the baseline ({len(known)})</summary>",
        "\n".join(items),
        "</details>",
    ]


def _compact(entry: Entry) -> str:
    why = entry.failure.got if entry.failure else entry.message.partition("\n")[0]
    line = f"- {inline(entry.id)} — {inline(entry.title, 300)} ({inline(entry.rule, 200)})"
    return line + (f": {inline(why, 300)}" if why else "")


def _skipped(report: Report) -> str:
    reasons = Counter(
        entry.message.partition("\n")[0] or "no reason given"
        for entry in report.entries
        if entry.verdict == "skipped"
    )
    if not reasons:
        return ""
    total = sum(reasons.values())
    rows = [f"| {inline(reason, 300)} | {count} |" for reason, count in reasons.most_common(50)]
    if len(reasons) > 50:
        rows.append(f"| … and {len(reasons) - 50} other reasons | |")
    return "\n".join(
        [
            f"<details><summary>Skipped ({total})</summary>",
            "",
            "| Reason | Count |",
            "|---|---:|",
            *rows,
            "",
            "</details>",
        ]
    )


# -- size --------------------------------------------------------------------------


class _Budget:
    """What is left of :data:`BUDGET`; hands out whole items and counts the rest."""

    def __init__(self, left: int) -> None:
        self.left = left

    def take(self, items: Iterable[str], what: str) -> list[str]:
        items = list(items)
        taken: list[str] = []
        for position, item in enumerate(items):
            size = _size(item) + 2
            if size > self.left:
                rest = len(items) - position
                taken.append(f"_… and {rest} more {what}, see the HTML report._")
                self.left = 0
                break
            self.left -= size
            taken.append(item)
        return taken


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _clip(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[:limit] + f" … ({len(text) - limit} more characters)"
