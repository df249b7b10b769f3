"""The Markdown summary: verdict, numbers, failures with evidence, safe and small enough for CI."""

from __future__ import annotations

import re

import pytest

from harness.client import Exchange
from harness.reports.markdown import BUDGET, COUNTS_LINE, render_markdown
from harness.reports.model import Entry, Failure, Readiness, Report

HOSTILE_TITLE = "a | b <img src=x onerror=alert(1)> *bold* [link](http://evil)"
HOSTILE_BODY = '{"note": "```\\n<script>alert(1)</script>\\n````"}'


def exchange(body: str | None = None, status: int | None = 200) -> Exchange:
    return Exchange("PATCH", "http://t/Users/1", {}, body, status, {}, "{}", 1.0)


def entry(
    entry_id: str,
    verdict: str,
    *,
    area: str = "users",
    title: str = "a title",
    message: str = "",
    failure: Failure | None = None,
    exchanges: list[Exchange] | None = None,
    baselined: bool = False,
) -> Entry:
    return Entry(
        id=entry_id,
        kind="check",
        title=title,
        rule="RFC 7644 §3.5.2",
        area=area,
        verdict=verdict,  # type: ignore[arg-type]
        level="should" if verdict == "warning" else "must",
        message=message,
        failure=failure,
        exchanges=exchanges or [],
        baselined=baselined,
    )


def report_of(*entries: Entry, exit_code: int = 1, **extra: object) -> Report:
    return Report(
        "run", "http://t", "2026-01-01T00:00:00+00:00", exit_code=exit_code,
        entries=list(entries), profile="okta", **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def mixed() -> Report:
    return report_of(
        entry("users.a", "passed"),
        entry(
            "patch.b",
            "failed",
            area="patch",
            failure=Failure("the PATCH to be atomic", "member added anyway", exchange=0),
            exchanges=[exchange('{"Operations": []}', 200), exchange()],
        ),
        entry("users.c", "warning", failure=Failure("x", "nickName kept")),
        entry("users.d", "skipped", message="not part of the okta profile"),
        entry("users.e", "skipped", message="not part of the okta profile"),
        entry("sort.f", "skipped", area="sort", message="the target does not claim sort"),
        entry("users.g", "error", message="could not create the user\nHTTP 500"),
        entry("users.h", "failed", baselined=True, failure=Failure(None, "known")),
        readiness=[Readiness("Okta OIN", "blocking", "2 blocking of 5 required checks")],
    )


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    """(info, content) of every fenced code block, closed the CommonMark way (§4.5)."""
    blocks: list[tuple[str, str]] = []
    lines = iter(text.splitlines())
    for line in lines:
        opening = re.match(r"^(`{3,})(.*)$", line)
        if not opening:
            continue
        fence, content = opening.group(1), []
        for inner in lines:
            if re.fullmatch(rf"`{{{len(fence)},}}\s*", inner):
                break
            content.append(inner)
        else:
            raise AssertionError(f"unclosed fence {fence!r}")
        blocks.append((opening.group(2), "\n".join(content)))
    return blocks


def outside_fences(text: str) -> str:
    return re.sub(r"(?ms)^(`{3,}).*?^\1`*\s*$", "", text)


def test_the_counts_line_reads_back_as_the_models_counts() -> None:
    report = mixed()
    match = COUNTS_LINE.search(render_markdown(report))
    assert match is not None
    assert {key: int(value) for key, value in match.groupdict().items()} == report.counts()
    assert report.counts()["failed"] == 2  # one blocking, one baselined


@pytest.mark.parametrize(
    ("exit_code", "interrupted", "words"),
    [
        (0, False, "PASS"),
        (1, False, "FAIL"),
        (2, False, "could not run"),
        (130, False, "interrupted"),
        (1, True, "interrupted"),
    ],
)
def test_the_headline_is_the_gates_verdict(exit_code: int, interrupted: bool, words: str) -> None:
    report = report_of(exit_code=exit_code, interrupted=interrupted, problem="401 from /Users")
    first = render_markdown(report).splitlines()[0]
    assert first.startswith("# ") and words in first
    assert "Conformance (okta profile)" in first
    assert "**Problem:** 401 from /Users" in render_markdown(report)


def test_sections_readiness_matrix_failures_warnings_and_skips() -> None:
    text = render_markdown(mixed())
    assert "| Okta OIN | ❌ blocking | 2 blocking of 5 required checks |" in text
    assert "| patch | · | 1 | · | · | · | · |" in text  # the area × verdict matrix
    assert "| users | 1 | 1 | 1 | · | 2 | 1 |" in text
    blocking = text.split("## Blocking (2)")[1]
    assert "### Failed: patch.b" in blocking and "### Error: users.g" in blocking
    assert "- **Expected:** the PATCH to be atomic" in blocking
    assert "- **Got:** member added anyway" in blocking
    # the failing exchange (index 0), not the last one: it carries the request body
    details = blocking.split("<details>")[1].split("</details>")[0]
    assert "PATCH http://t/Users/1 → **HTTP 200**" in details
    ((info, curl),) = fenced_blocks(details)
    assert info == "sh" and curl.startswith("curl -sS -X PATCH") and "Operations" in curl
    assert "## Warnings (1)" in text and "- users.c — " in text and "nickName kept" in text
    skipped = text.split("<details><summary>Skipped (3)</summary>")[1]
    assert "| not part of the okta profile | 2 |" in skipped
    assert "| the target does not claim sort | 1 |" in skipped
    known = text.split("Known failures, in the baseline (1)")[1]
    assert "users.h" in known
    assert "users.h" not in blocking.split("## Warnings")[0]


def test_target_text_cannot_break_tables_or_become_html() -> None:
    hostile = entry(
        "fuzz.x",
        "failed",
        area="a|b",
        title=HOSTILE_TITLE,
        failure=Failure("<b>no</b>", "got </details><script>alert(1)</script> | x"),
        exchanges=[exchange(HOSTILE_BODY)],
    )
    report = report_of(
        hostile, readiness=[Readiness("RFC | <i>", "blocking", "1 | 2")], problem="<script>"
    )
    text = render_markdown(report)
    prose = outside_fences(text)
    assert "<script" not in prose and "<img" not in prose and "<b>" not in prose
    # the only raw tags are the summary's own collapsible blocks
    tags = set(re.findall(r"</?[a-z]+", prose))
    assert tags <= {"<details", "</details", "<summary", "</summary"}
    assert prose.count("<details>") == prose.count("</details>")
    for line in text.splitlines():
        if line.startswith("| a"):  # the matrix row of area "a|b": 7 cells, 8 bars
            assert len(re.findall(r"(?<!\\)\|", line)) == 8, line
        if line.startswith("| RFC"):
            assert len(re.findall(r"(?<!\\)\|", line)) == 4, line
    assert "\\[link\\]" in text and "\\*bold\\*" in text
    # the body's ``` and ```` stay inside the curl fence
    (block,) = [content for info, content in fenced_blocks(text) if info == "sh"]
    assert "<script>alert(1)</script>" in block and "````" in block
    fence = re.search(r"^(`+)sh$", text, re.MULTILINE)
    assert fence is not None and len(fence.group(1)) == 5


def test_a_huge_report_stays_well_under_githubs_1_mib_cap() -> None:
    long_body = '{"userName": "' + "x" * 20_000 + '"}'
    entries = [
        entry(
            f"users.f{number:03d}",
            "failed",
            title="t" * 500,
            failure=Failure("e" * 5000, "g" * 20_000, exchange=0),
            exchanges=[exchange(long_body)],
        )
        for number in range(100)
    ]
    entries += [entry(f"users.w{n:03d}", "warning", message="w" * 2000) for n in range(200)]
    entries += [entry(f"users.p{n:03d}", "passed") for n in range(300)]
    report = report_of(*entries)
    text = render_markdown(report)
    size = len(text.encode("utf-8"))
    assert size < BUDGET + 16 * 1024 < 1024 * 1024
    shown = len(re.findall(r"^### Failed: ", text, re.MULTILINE))
    assert 0 < shown < 100
    assert f"_… and {100 - shown} more blocking entries, see the HTML report._" in text
    assert "more characters)" in text  # long fields are clipped, not dropped
    match = COUNTS_LINE.search(text)
    assert match is not None and int(match.group("total")) == 600
