"""The HTML report: one self-contained page a vendor's engineer reads in a browser.

It is written to be opened from a CI artifact or an e-mail attachment, often
offline, so everything is inline — the style sheet and the script are read
from ``assets/`` beside this module and pasted in; nothing is fetched (no
``<script src>``, no ``<link>``, no images, no fonts). The only addresses
are links to the RFC sections a rule cites, which a click opens and a load
never fetches.

Everything the target supplied — response bodies, headers, messages quoting
them, even titles of fuzz findings — is hostile input: every piece of text
goes through :func:`html.escape`, so a body holding ``</script>`` stays text.

Top to bottom: the header, the readiness verdict, the counts (an element
``id="counts"`` whose ``data-*`` attributes are :meth:`Report.counts`, which
the agreement test compares with the other formats), the area × result
matrix, the filter bar, the entries (failures first, each expandable to its
evidence), then cleanup and baseline.

Size: a run of 500 checks against a target that echoes 64 KB bodies must
still give a file a browser opens at once (issue 7: 2 MB or less). Passed
entries carry no evidence; a failure shows its first 10 and last 5
exchanges; every body is cut to a limit that
starts at 8 KB and is halved (and fewer exchanges shown, :data:`LEVELS`)
until the page fits :data:`PAGE_BUDGET`, each cut saying how much was left out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from pathlib import Path
from typing import Any

from harness import __version__
from harness.client import Exchange
from harness.reports.diff import ABSENT, diff_rows
from harness.reports.model import VERDICTS, Comparison, Entry, Readiness, Report, Verdict
from harness.reports.rules import rule_links

ASSETS = Path(__file__).with_name("assets")
#: The page stays under this many bytes of UTF-8 (issue 7 asks for 2 MB or less).
PAGE_BUDGET = 1_900_000
#: Tried in turn until the page fits: the longest body shown (characters),
#: and how many of an entry's exchanges are shown (the first ones and the last
#: ones; the one that shows the failure is always there).
LEVELS: tuple[tuple[int, int, int], ...] = (
    (8192, 10, 5),
    (4096, 10, 5),
    (2048, 6, 3),
    (1024, 4, 2),
    (512, 2, 1),
    (256, 1, 1),
)
#: Longest header value, curl line per body limit, and short text (a step's argument).
HEADER_LIMIT = 1024
SHORT_LIMIT = 2000

#: Failures first: the order entries are listed in (report order within a verdict).
VERDICT_ORDER: dict[str, int] = {
    "failed": 0,
    "error": 1,
    "warning": 2,
    "blocked": 3,
    "skipped": 4,
    "passed": 5,
}
#: The text label of each verdict: colour is never the only signal.
VERDICT_LABEL: dict[str, str] = {
    "passed": "✓ pass",
    "failed": "✗ fail",
    "warning": "! warn",
    "blocked": "⊘ blocked",
    "skipped": "– skip",
    "error": "⚠ error",
}
#: Column headings of the matrix and the counts line.
VERDICT_HEADING: dict[str, str] = {
    "passed": "passed",
    "failed": "failed",
    "warning": "warnings",
    "blocked": "blocked",
    "skipped": "skipped",
    "error": "errors",
}
READINESS_LABEL: dict[str, str] = {
    "ready": "✓ ready",
    "blocking": "✗ {n} blocking",
    "not-assessed": "○ not assessed",
}
#: What the entries of each source are called.
NOUN: dict[str, str] = {"run": "checks", "okta": "scenarios", "fuzz": "entries"}
#: Entries that open to their evidence; the others are one line.
#: Affected entry ids linked per root cause before "and N more".
CAUSE_IDS = 12
EXPANDABLE: frozenset[str] = frozenset({"failed", "warning", "blocked", "error"})


def render_html(report: Report) -> str:
    """The whole page, one string; the most evidence that keeps it in budget."""
    page = ""
    try:
        for limit, head, tail in LEVELS:
            page = _Page(report, limit, head, tail).render()
            if len(page.encode("utf-8")) <= PAGE_BUDGET:
                break
    finally:
        _pretty.cache_clear()  # bodies are parsed once per page, not kept for the next
    return page


# -- the page ----------------------------------------------------------------------


@dataclass
class _Page:
    report: Report
    #: Longest body shown, in characters.
    limit: int
    #: Exchanges shown per entry (or per failed step): the first and the last ones.
    head: int
    tail: int

    def render(self) -> str:
        report = self.report
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{_e(report.title)}</title>",
            f"<style>\n{_asset('report.css')}\n</style>",
            "</head>",
            f'<body class="source-{_e(report.source)}">',
            self.header(),
            '<main id="main">',
            self.readiness(),
            self.counts(),
            self.causes(),
            self.matrix(),
            self.filters(),
            self.entries(),
            self.cleanup(),
            self.baseline(),
            "</main>",
            f"<footer>scim-harness {_e(__version__)} · report format"
            " scim-harness/report v1</footer>",
            f"<script>\n{_asset('report.js')}\n</script>",
            "</body>",
            "</html>",
        ]
        return "\n".join(part for part in parts if part) + "\n"

    # -- header, verdict, numbers ------------------------------------------------

    def header(self) -> str:
        report = self.report
        facts: list[tuple[str, object]] = [
            ("target", report.target),
            ("profile", report.profile),
            ("source", f"scim-harness {report.source}"),
            ("started", report.started_at),
            ("finished", report.finished_at or "—"),
            ("tool version", __version__),
            ("seed", report.seed),
            ("prefix", report.prefix),
            ("exit code", report.exit_code),
        ]
        facts += [(str(key), value) for key, value in report.facts.items()]
        listed = "".join(
            f"<div><dt>{_e(name)}</dt><dd>{_e(value)}</dd></div>"
            for name, value in facts
            if value not in (None, "")
        )
        lines = [
            "<header>",
            f"<h1>{_e(report.title)}</h1>",
            f'<dl class="facts">{listed}</dl>',
        ]
        if report.interrupted:
            lines.append(
                '<p class="banner banner-interrupted"><strong>Interrupted:</strong> the run '
                "was stopped before the end; entries not reached are missing.</p>"
            )
        if report.problem:
            lines.append(
                f'<p class="banner banner-problem" id="problem"><strong>Problem:</strong> '
                f"{_e(report.problem)}</p>"
            )
        discovery = report.capabilities.get("problem")
        if discovery:
            lines.append(
                f'<p class="banner banner-problem" id="discovery"><strong>Discovery:</strong> '
                f"{_e(discovery)}</p>"
            )
        lines.append("</header>")
        return "\n".join(lines)

    def readiness(self) -> str:
        if not self.report.readiness:
            return ""
        badges = "\n".join(_readiness_badge(item) for item in self.report.readiness)
        return (
            '<section id="readiness" aria-label="Readiness verdict">\n'
            f"<h2>Readiness</h2>\n{badges}\n</section>"
        )

    def counts(self) -> str:
        counts = self.report.counts()
        data = " ".join(f'data-{key}="{value}"' for key, value in counts.items())
        parts = [
            f'<span class="count verdict-{verdict}"><b>{counts[verdict]}</b> '
            f"{VERDICT_HEADING[verdict]}</span>"
            for verdict in VERDICTS
        ]
        parts.append(f'<span class="count"><b>{counts["baselined"]}</b> baselined</span>')
        noun = NOUN.get(self.report.source, "entries")
        return (
            f'<p id="counts" {data}><span class="count count-total"><b>{counts["total"]}</b>'
            f" {noun}</span>: " + " · ".join(parts) + "</p>"
        )

    def causes(self) -> str:
        """The root causes, before the matrix: the work list (harness.reports.causes)."""
        shown = [c for c in self.report.causes if c.failed or c.errored or c.blocked]
        if not shown:
            return ""
        items = []
        for cause in shown:
            links = []
            for verb, ids in (
                ("fails", cause.failed),
                ("stops", cause.errored),
                ("blocks", cause.blocked),
            ):
                if ids:
                    anchors = ", ".join(
                        f'<a href="#entry-{_e(i)}">{_e(i)}</a>' for i in ids[:CAUSE_IDS]
                    )
                    more = f" and {len(ids) - CAUSE_IDS} more" if len(ids) > CAUSE_IDS else ""
                    links.append(f"<dd>{verb} {len(ids)}: {anchors}{more}</dd>")
            kind = "failed" if cause.failed or cause.errored else "blocked"
            items.append(
                f'<div class="cause verdict-{kind}"><dt>{_e(cause.title)}</dt>'
                f'<dd class="rule">{_rule(cause.rule)} · reproducer '
                f'<a href="#entry-{_e(cause.reproducer)}">{_e(cause.reproducer)}</a></dd>'
                + "".join(links)
                + "</div>"
            )
        failed = sum(len(cause.failed) for cause in shown)
        return (
            '<section id="causes"><h2>Root causes</h2>\n'
            f'<p class="causes-count">{failed} failed from {len(self.report.failed_causes())}'
            f" cause(s); {len(shown)} cause(s) in all</p>\n"
            f'<dl class="causes">{"".join(items)}</dl></section>'
        )

    def matrix(self) -> str:
        report = self.report
        if not report.entries:
            return '<p class="empty">No entries: nothing ran.</p>'
        head = "".join(
            f'<th scope="col" class="verdict-{v}">{VERDICT_HEADING[v]}</th>' for v in VERDICTS
        )
        rows = []
        for area, counter in report.matrix().items():
            cells = "".join(_matrix_cell(area, verdict, counter[verdict]) for verdict in VERDICTS)
            total = sum(counter.values())
            rows.append(
                f'<tr data-area="{_e(area)}"><th scope="row">'
                f'<a href="#{_e(_hash(area=area))}">{_e(area)}</a></th>{cells}'
                f'<td class="total">{total}</td></tr>'
            )
        return (
            '<section id="matrix-section"><h2>Conformance matrix</h2>\n'
            '<table id="matrix"><thead><tr><th scope="col">area</th>'
            f'{head}<th scope="col">total</th></tr></thead>\n<tbody>\n'
            + "\n".join(rows)
            + "\n</tbody></table></section>"
        )

    def filters(self) -> str:
        counts = self.report.counts()
        options = "".join(
            f'<option value="{_e(area)}">{_e(area)}</option>' for area in self.report.areas()
        )
        boxes = "".join(
            f'<label class="chip verdict-{v}"><input type="checkbox" name="status" '
            f'value="{v}"> {VERDICT_LABEL[v]} ({counts[v]})</label>'
            for v in VERDICTS
        )
        return (
            '<nav id="filters" aria-label="Filters">'
            '<label>Area <select id="filter-area"><option value="">all areas</option>'
            f"{options}</select></label>"
            f'<span class="statuses" role="group" aria-label="Status">{boxes}</span>'
            '<label>Search <input type="search" id="filter-q" placeholder="id or title"></label>'
            '<button type="button" id="filter-clear">Show all</button>'
            '<span id="filter-shown" aria-live="polite"></span>'
            "</nav>"
        )

    # -- entries -------------------------------------------------------------------

    def entries(self) -> str:
        ordered = sorted(self.report.entries, key=lambda entry: VERDICT_ORDER.get(entry.verdict, 9))
        rendered = "\n".join(self.entry(entry) for entry in ordered)
        return f'<section id="entries"><h2>Entries</h2>\n{rendered}\n</section>'

    def entry(self, entry: Entry) -> str:
        attributes = (
            f'id="entry-{_e(entry.id)}" class="entry verdict-{_e(entry.verdict)}'
            f'{" baselined" if entry.baselined else ""}" data-area="{_e(entry.area)}" '
            f'data-verdict="{_e(entry.verdict)}" data-id="{_e(entry.id)}" '
            f'data-baselined="{"true" if entry.baselined else "false"}"'
        )
        line = _entry_line(entry)
        if entry.verdict not in EXPANDABLE:
            reason = ""
            if entry.verdict == "skipped" and entry.message:
                reason = f'<div class="reason">{_e(entry.message)}</div>'
            return f'<div {attributes}><div class="line">{line}</div>{reason}</div>'
        body = self.evidence(entry)
        return (
            f"<details {attributes}><summary>{line}</summary>"
            f'<div class="evidence">{body}</div></details>'
        )

    def evidence(self, entry: Entry) -> str:
        parts: list[str] = []
        failure = entry.failure
        if failure is not None:
            rows = []
            if failure.expected:
                rows.append(f"<dt>Expected</dt><dd>{_e(failure.expected)}</dd>")
            rows.append(f"<dt>Got</dt><dd>{_e(failure.got)}</dd>")
            parts.append(f'<dl class="failure">{"".join(rows)}</dl>')
        if entry.message and (failure is None or entry.kind == "scenario"):
            parts.append(f'<pre class="message">{self.clip(entry.message)}</pre>')
        if failure is not None and failure.comparison is not None:
            parts.append(self.comparison(failure.comparison))
        main = entry.evidence_index()
        if main is not None:
            parts.append("<h4>The exchange that shows it</h4>")
            parts.append(self.exchange(entry.exchanges[main], curl_open=True))
        others = [i for i in range(len(entry.exchanges)) if i != main]
        if others or entry.omitted_exchanges:
            parts.append(self.other_exchanges(entry, others))
        if entry.steps:
            parts.append(self.steps(entry))
        if entry.finding is not None:
            parts.append(self.finding(entry))
        if entry.details:
            parts.append(self.details(entry.details))
        return "\n".join(parts)

    def comparison(self, comparison: Comparison) -> str:
        rows = diff_rows(comparison.expected, comparison.actual)
        if rows:
            body = "".join(
                f'<tr class="op-{_e(row.op)}"><td>{_e(row.op)}</td>'
                f"<td><code>{_e(row.path or '(the whole body)')}</code>"
                + (f" <small>from <code>{_e(row.source)}</code></small>" if row.source else "")
                + f"</td><td>{self.value(row.expected)}</td><td>{self.value(row.actual)}</td></tr>"
                for row in rows
            )
            table = (
                '<table class="diff"><thead><tr><th>op</th><th>path</th><th>expected</th>'
                f"<th>actual</th></tr></thead><tbody>{body}</tbody></table>"
            )
        else:
            table = (
                '<p class="note">Equal once attribute-name case and the order of '
                "multi-valued attributes are ignored (RFC 7643 §2.1, §2.4).</p>"
            )
        return (
            f'<div class="comparison"><h4>Expected vs actual: {_e(comparison.what)}</h4>'
            '<p class="note">RFC 6902 operations that turn the expected body into the actual '
            "one; names compared case-insensitively (RFC 7643 §2.1), multi-valued "
            "attributes unordered (§2.4).</p>"
            f"{table}"
            '<div class="sides"><div><h5>expected</h5>'
            f'<pre class="body">{self.clip(_pretty_value(comparison.expected))}</pre></div>'
            f'<div><h5>actual</h5><pre class="body">'
            f"{self.clip(_pretty_value(comparison.actual))}</pre></div></div></div>"
        )

    def exchange(self, exchange: Exchange, curl_open: bool = False) -> str:
        status = exchange.status
        status_text = str(status) if status is not None else "no response"
        klass = f"status-{status // 100}xx" if status is not None else "status-none"
        error = f' <span class="error">{_e(exchange.error)}</span>' if exchange.error else ""
        request_body = (
            f'<pre class="body">{self.clip(_pretty(exchange.request_body))}</pre>'
            if exchange.request_body is not None
            else '<p class="note">no body</p>'
        )
        response_body = (
            f'<pre class="body">{self.clip(_pretty(exchange.response_body))}</pre>'
            if exchange.response_body
            else '<p class="note">no body</p>'
        )
        curl = self.clip(exchange.curl())
        curl_block = (
            f'<div class="curl"><h5>curl reproducer</h5><pre>{curl}</pre></div>'
            if curl_open
            else f'<details class="curl"><summary>curl reproducer</summary><pre>{curl}</pre>'
            "</details>"
        )
        return (
            '<div class="exchange">'
            f'<div class="request-line"><b>{_e(exchange.method)}</b> '
            f'<span class="url">{_e(_clip(exchange.url, SHORT_LIMIT))}</span> → '
            f'<span class="status {klass}">{_e(status_text)}</span>{error} '
            f'<span class="ms">{exchange.elapsed_ms:.0f} ms</span></div>'
            '<div class="sides">'
            f"<div><h5>request</h5>{_headers(exchange.request_headers)}{request_body}</div>"
            f"<div><h5>response</h5>{_headers(exchange.response_headers)}{response_body}</div>"
            f"</div>{curl_block}</div>"
        )

    def other_exchanges(self, entry: Entry, indexes: Sequence[int]) -> str:
        shown, left_out = _head_and_tail(indexes, self.head, self.tail)
        items = []
        for position, index in enumerate(shown):
            if left_out and position == self.head:
                items.append(f'<p class="note">… {left_out} exchanges left out here</p>')
            exchange = entry.exchanges[index]
            status = exchange.status if exchange.status is not None else "no response"
            items.append(
                f"<details><summary>#{index + 1} {_e(exchange.method)} "
                f"{_e(_clip(exchange.url, 300))} → {_e(status)}</summary>"
                f"{self.exchange(exchange)}</details>"
            )
        if entry.omitted_exchanges:
            items.append(
                f'<p class="note">{entry.omitted_exchanges} more exchanges were recorded and '
                "left out of the report.</p>"
            )
        count = len(indexes) + entry.omitted_exchanges
        return (
            f'<details class="others"><summary>{count} other exchange'
            f"{'' if count == 1 else 's'}</summary>{''.join(items)}</details>"
        )

    def steps(self, entry: Entry) -> str:
        rows = []
        failed_steps = []
        for step in entry.steps:
            # okta run: failures, then warnings, why a step was blocked or skipped, our
            # plain-English account of the outcome, and a harness error's traceback.
            notes = [*step.failures, *(f"warning: {text}" for text in step.warnings)]
            notes += [text for text in (step.reason, step.message, step.traceback) if text]
            failures = "".join(f"<li>{_e(text)}</li>" for text in notes)
            rows.append(
                f'<tr class="step verdict-{_e(step.verdict)}"><td>{step.index}</td>'
                f"<td>{_e(step.event)}</td><td>{_e(_clip(step.argument, SHORT_LIMIT))}</td>"
                f'<td><span class="label">{_e(step.verdict)}</span></td>'
                f"<td>{_e(step.okta_message or '')}</td>"
                f"<td>{f'<ul>{failures}</ul>' if failures else ''}</td></tr>"
            )
            if step.verdict == "failed" and step.exchanges:
                failed_steps.append(step)
        table = (
            '<table class="steps"><thead><tr><th>#</th><th>event</th><th>argument</th>'
            "<th>verdict</th><th>Okta message</th><th>failures</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
        )
        evidence = []
        for step in failed_steps:
            shown, left_out = _head_and_tail(range(len(step.exchanges)), self.head, self.tail)
            blocks = "".join(self.exchange(step.exchanges[i]) for i in shown)
            if left_out:
                blocks += f'<p class="note">… {left_out} exchanges of this step left out</p>'
            evidence.append(
                f"<details><summary>Step {step.index} ({_e(step.event)}): "
                f"{len(step.exchanges)} exchange(s)</summary>{blocks}</details>"
            )
        return f'<div class="steps-block"><h4>Steps</h4>{table}{"".join(evidence)}</div>'

    def finding(self, entry: Entry) -> str:
        finding = entry.finding
        assert finding is not None
        rows = "".join(
            f"<tr><td>{_e(step.method)}</td><td><code>{_e(_clip(step.path, SHORT_LIMIT))}</code>"
            f"</td><td>{self.value(step.body) if step.body is not None else ''}</td>"
            f"<td><code>{self.clip(step.expect)}</code></td></tr>"
            for step in finding.steps
        )
        parts = [f'<div class="finding"><h4>Replay ({_e(finding.kind)})</h4>']
        if finding.found_by:
            parts.append(f'<p class="note">found by property {_e(finding.found_by)}</p>')
        if rows:
            parts.append(
                '<table class="replay"><thead><tr><th>method</th><th>path</th><th>body</th>'
                f"<th>expect</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        curls = finding.curl_lines()
        shown, left_out = _head_and_tail(range(len(curls)), self.head, self.tail)
        if curls:
            lines = "\n".join(self.clip(curls[i]) for i in shown)
            more = f"\n# … {left_out} more requests left out" if left_out else ""
            parts.append(f'<h5>curl</h5><pre class="curl">{lines}{_e(more)}</pre>')
        parts.append("</div>")
        return "".join(parts)

    def details(self, details: dict[str, Any]) -> str:
        rows = "".join(
            f"<div><dt>{_e(key)}</dt><dd>{self.clip(_text(value))}</dd></div>"
            for key, value in details.items()
        )
        return f'<dl class="facts details">{rows}</dl>'

    # -- cleanup and baseline --------------------------------------------------------

    def cleanup(self) -> str:
        report = self.report
        if not report.removed and not report.leftovers:
            return ""
        lines = [
            '<section id="cleanup"><h2>Cleanup</h2>',
            f"<p>{report.removed} resource(s) created by the run were removed.</p>",
        ]
        if report.leftovers:
            columns = ("endpoint", "id", "name", "outcome", "reason")
            head = "".join(f"<th>{name}</th>" for name in columns)
            rows = "".join(
                "<tr>"
                + "".join(f"<td>{_e(_clip(str(item.get(c, '')), 500))}</td>" for c in columns)
                + "</tr>"
                for item in report.leftovers
            )
            lines.append(
                f'<p class="banner banner-problem">{len(report.leftovers)} resource(s) were '
                "left behind on the target:</p>"
                f'<table class="leftovers"><thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table>"
            )
        lines.append("</section>")
        return "\n".join(lines)

    def baseline(self) -> str:
        baseline = self.report.baseline
        if not baseline:
            return ""
        known = {entry.id for entry in self.report.entries}
        excused = list(baseline.get("excused") or [])
        fixed = list(baseline.get("fixed") or [])
        return (
            '<section id="baseline"><h2>Baseline</h2>'
            f"<p>File: <code>{_e(baseline.get('file') or '—')}</code></p>"
            f"<h3>Excused by the baseline ({len(excused)})</h3>{_id_list(excused, known)}"
            f"<h3>Fixed since the baseline ({len(fixed)})</h3>"
            f'<p class="note">In the baseline but passing now: remove them from it.</p>'
            f"{_id_list(fixed, known)}</section>"
        )

    # -- text ------------------------------------------------------------------------

    def clip(self, text: str) -> str:
        """``text`` cut to the page's body limit, escaped, with the cut said.

        Element content, never an attribute: quotes stay as they are (a JSON
        body is half quotes; ``&quot;`` would double its size).
        """
        return escape(_clip(text, self.limit), quote=False)

    def value(self, value: Any) -> str:
        if value is ABSENT:
            return '<span class="absent">(absent)</span>'
        return f'<pre class="value">{self.clip(_pretty_value(value))}</pre>'


# -- pieces --------------------------------------------------------------------------


def _readiness_badge(item: Readiness) -> str:
    label = READINESS_LABEL.get(item.status, item.status).format(n=len(item.blocking))
    lines = [
        f'<div class="readiness readiness-{_e(item.status)}" data-status="{_e(item.status)}">',
        f'<div class="readiness-head"><span class="readiness-name">{_e(item.name)}</span>: '
        f'<span class="readiness-status">{_e(label)}</span></div>',
        f'<div class="readiness-summary">{_e(item.summary)}</div>',
    ]
    if item.blocking:
        links = ", ".join(
            f'<a href="#entry-{_e(entry_id)}">{_e(entry_id)}</a>' for entry_id in item.blocking
        )
        lines.append(
            f'<details class="readiness-list" open><summary>{len(item.blocking)} blocking'
            f"</summary><p>{links}</p></details>"
        )
    if item.not_run:
        ids = ", ".join(f"<code>{_e(entry_id)}</code>" for entry_id in item.not_run)
        lines.append(
            f'<details class="readiness-list"><summary>{len(item.not_run)} required, did not '
            f"run</summary><p>{ids}</p></details>"
        )
    lines.append("</div>")
    return "\n".join(lines)


def _matrix_cell(area: str, verdict: Verdict, count: int) -> str:
    if not count:
        return f'<td class="zero" data-verdict="{verdict}">·</td>'
    return (
        f'<td class="cell verdict-{verdict}" data-verdict="{verdict}">'
        f'<a href="#{_e(_hash(area=area, status=verdict))}" title="{count} {_e(area)} '
        f'{VERDICT_HEADING[verdict]}">{count}</a></td>'
    )


def _rule(rule: str) -> str:
    """A rule's text with each RFC citation a link to its section."""
    return "".join(
        f'<a href="{_e(url)}" target="_blank" rel="noopener">{_e(text)}</a>' if url else _e(text)
        for text, url in rule_links(rule)
    )


def _entry_line(entry: Entry) -> str:
    rule = _rule(entry.rule)
    flags = ""
    if entry.baselined:
        flags += ' <span class="flag">baselined</span>'
    if entry.level != "must":
        flags += f' <span class="flag level">{_e(entry.level)}</span>'
    why = ""
    if entry.verdict in EXPANDABLE:
        got = entry.failure.got if entry.failure else entry.message.partition("\n")[0]
        if got:
            why = f'<span class="why">{_e(_clip(got, 300))}</span>'
    return (
        f'<span class="label verdict-{_e(entry.verdict)}">{VERDICT_LABEL.get(entry.verdict, "")}'
        f'</span> <code class="id">{_e(entry.id)}</code> '
        f'<span class="title">{_e(entry.title)}</span>{flags} '
        f'<span class="rule">{rule}</span> '
        f'<span class="ms">{entry.duration_ms:.0f} ms</span>{why}'
    )


def _head_and_tail(items: Iterable[int], head: int, tail: int) -> tuple[list[int], int]:
    """The first ``head`` and last ``tail`` items, and how many were left between them."""
    items = list(items)
    if len(items) <= head + tail:
        return items, 0
    return items[:head] + items[-tail:], len(items) - head - tail


def _headers(headers: dict[str, str]) -> str:
    if not headers:
        return ""
    lines = "\n".join(
        f"{name}: {_clip(str(value), HEADER_LIMIT)}" for name, value in headers.items()
    )
    return f'<pre class="headers">{_e(lines)}</pre>'


def _id_list(ids: list[str], known: set[str]) -> str:
    if not ids:
        return '<p class="note">none</p>'
    items = "".join(
        f'<li><a href="#entry-{_e(item)}">{_e(item)}</a></li>'
        if item in known
        else f"<li><code>{_e(item)}</code></li>"
        for item in ids
    )
    return f'<ul class="ids">{items}</ul>'


def _hash(area: str | None = None, status: str | None = None) -> str:
    """The filter state as the script reads it from ``location.hash``."""
    from urllib.parse import quote

    parts = []
    if area:
        parts.append(f"area={quote(area, safe='')}")
    if status:
        parts.append(f"status={quote(status, safe=',')}")
    return "&".join(parts)


@lru_cache(maxsize=1024)
def _pretty(text: str | None) -> str:
    """A body as JSON pretty-printed when it is JSON, else as it came."""
    if text is None:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return text


def _pretty_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, indent=2, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):
        return repr(value)


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value)
    return str(value)


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… {len(text) - limit} more characters"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


@cache
def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")
