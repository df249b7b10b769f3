"""The self-contained HTML page: no fetches, everything escaped, the model's numbers, bounded."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from harness.client import Exchange
from harness.fuzz.findings import Finding, ReplayStep
from harness.reports.html import PAGE_BUDGET, render_html
from harness.reports.model import VERDICTS, Comparison, Entry, Failure, Readiness, Report
from mock_okta.results import StepVerdict

HOSTILE = "</script><script>alert(1)</script>"
HOSTILE_TAG = '<img src=x onerror="alert(2)">'


def exchange(
    body: str = "{}", status: int | None = 200, method: str = "GET", request: str | None = None
) -> Exchange:
    return Exchange(
        method,
        "http://scim.test/Users/1",
        {"authorization": "Bearer [REDACTED]", "content-type": "application/scim+json"},
        request,
        status,
        {"content-type": "application/scim+json"},
        body,
        3.0,
    )


def entry(
    entry_id: str, verdict: str, area: str = "users", title: str = "", **extra: object
) -> Entry:
    return Entry(
        id=entry_id,
        kind="check",
        title=title or f"title of {entry_id}",
        rule="RFC 7644 §3.5.2, §3.12 Table 9",
        area=area,
        verdict=verdict,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def small_report() -> Report:
    comparison = Comparison(
        "the User after the PATCH",
        {"userName": "bjensen", "name": {"familyName": "Jensen"}, "emails": [{"value": "a"}]},
        {"UserName": "bjensen", "name": {"familyName": "jensen"}, "emails": [{"value": "a"}]},
    )
    entries = [
        entry("users.ok", "passed", exchanges=[exchange("PASSED-BODY-MARKER")]),
        entry(
            "patch.diff",
            "failed",
            area="patch",
            failure=Failure("the family name kept", "it was lower-cased", 0, comparison),
            exchanges=[exchange('{"detail": "' + HOSTILE + '"}', 400, "PATCH", '{"op": 1}')],
        ),
        entry(
            f"users.hostile{HOSTILE_TAG}",
            "failed",
            title=f"a title {HOSTILE_TAG}",
            failure=Failure(f"expected {HOSTILE}", f"got {HOSTILE}", None),
            exchanges=[exchange(HOSTILE), exchange(HOSTILE, 500)],
        ),
        entry("users.warn", "warning", level="should", message="a warning"),
        entry("filter.skip", "skipped", area="filter", message="the target does not claim it"),
        entry("filter.err", "error", area="filter", failure=Failure(None, "could not set up")),
        entry("users.known", "failed", baselined=True, failure=Failure(None, "known")),
    ]
    return Report(
        source="run",
        target="http://scim.test",
        started_at="2026-01-01T00:00:00+00:00",
        finished_at="2026-01-01T00:01:00+00:00",
        exit_code=1,
        entries=entries,
        profile="okta",
        prefix="scimh-test-",
        problem=f"a problem {HOSTILE}",
        readiness=[
            Readiness("Okta OIN", "blocking", "2 blocking of 5", 5, ["patch.diff", "filter.err"]),
            Readiness(
                "Microsoft Entra ID",
                "not-assessed",
                "not assessed — 3 did not run",
                3,
                not_run=["entra.a"],
            ),
            Readiness("RFC 7643/7644", "ready", "ready — all 4 required checks passed", 4),
        ],
        baseline={"file": "baseline.json", "excused": ["users.known"], "fixed": ["gone.id"]},
        removed=3,
        leftovers=[
            {"endpoint": "Users", "id": "1", "name": HOSTILE, "outcome": "kept", "reason": "409"}
        ],
    )


class Page(HTMLParser):
    """Every start tag with its attributes, the ``<style>`` and ``<script>`` texts, the text."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self.text: list[str] = []
        self._in: str | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))
        self._in = tag if tag in self.raw else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in].append(data)
        else:
            self.text.append(data)

    def find(self, **wanted: str) -> list[dict[str, str]]:
        return [
            attrs
            for _, attrs in self.tags
            if all(attrs.get(name.replace("_", "-")) == value for name, value in wanted.items())
        ]

    def entries(self) -> dict[str, dict[str, str]]:
        return {
            attrs["data-id"]: attrs
            for _, attrs in self.tags
            if "entry" in attrs.get("class", "").split() and "data-id" in attrs
        }


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(small_report())


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


def test_nothing_is_fetched(html: str, page: Page) -> None:
    """Works offline: no src, no stylesheet link, no CSS import or url(); links only in <a>."""
    for tag, attrs in page.tags:
        assert "src" not in attrs, (tag, attrs)
        if "href" in attrs:
            assert tag == "a", (tag, attrs)
        if tag == "a" and attrs["href"].startswith("http"):
            assert attrs["href"].startswith("https://www.rfc-editor.org/rfc/"), attrs
    css = "".join(page.raw["style"])
    assert css and "@import" not in css and "url(" not in css
    assert not re.search(r"<(link|img|iframe|object|embed)\b", html, re.IGNORECASE)
    assert "fetch(" not in "".join(page.raw["script"])


def test_hostile_bodies_ids_and_titles_stay_text(html: str, page: Page) -> None:
    assert html.count("<script") == 1, "a body opened a script element"
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert not any(name.startswith("on") for _, attrs in page.tags for name in attrs)
    text = " ".join(page.text)
    assert HOSTILE in text and HOSTILE_TAG in text  # shown, as text
    assert f"users.hostile{HOSTILE_TAG}" in page.entries()


def test_the_counts_element_is_the_models_counts(page: Page) -> None:
    report = small_report()
    (counts,) = page.find(id="counts")
    declared = {key: int(counts[f"data-{key}"]) for key in report.counts()}
    assert declared == report.counts()
    verdicts = Counter(attrs["data-verdict"] for attrs in page.entries().values())
    assert {v: verdicts[v] for v in VERDICTS} == {v: report.counts()[v] for v in VERDICTS}


def test_a_badge_per_readiness_item_with_links_to_the_blocking_entries(page: Page) -> None:
    badges = [
        attrs["class"].split()
        for _, attrs in page.tags
        if "readiness" in attrs.get("class", "").split()
    ]
    assert badges == [
        ["readiness", "readiness-blocking"],
        ["readiness", "readiness-not-assessed"],
        ["readiness", "readiness-ready"],
    ]
    hrefs = {attrs["href"] for tag, attrs in page.tags if tag == "a" and "href" in attrs}
    ids = {attrs.get("id") for _, attrs in page.tags}
    for blocking in ("patch.diff", "filter.err"):
        assert f"#entry-{blocking}" in hrefs and f"entry-{blocking}" in ids
    text = " ".join("".join(page.text).split())
    assert "Okta OIN: ✗ 2 blocking" in text and "not assessed" in text and "ready" in text


class Matrix(HTMLParser):
    """The matrix's cells: {area: {verdict: number}} (a "·" is zero)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: dict[str, dict[str, int]] = {}
        self._table = False
        self._area: str | None = None
        self._cell: str | None = None
        self._text = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and found.get("id") == "matrix":
            self._table = True
        if self._table and tag == "tr" and found.get("data-area"):
            self._area = found["data-area"]
            self.cells[self._area or ""] = {}
        if self._table and tag == "td" and found.get("data-verdict"):
            self._cell, self._text = found["data-verdict"], ""

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell and self._area:
            text = self._text.strip()
            self.cells[self._area][self._cell] = 0 if text == "·" else int(text)
            self._cell = None
        if tag == "table":
            self._table = False


def test_matrix_cells_are_the_per_area_counts_and_link_to_the_filter(html: str) -> None:
    report = small_report()
    expected: dict[str, dict[str, int]] = {}
    for item in report.entries:
        row = expected.setdefault(item.area, dict.fromkeys(VERDICTS, 0))
        row[item.verdict] += 1
    assert Matrix(html).cells == expected
    assert 'href="#area=patch&amp;status=failed"' in html
    assert 'href="#area=filter&amp;status=passed"' not in html  # zero: no link


def test_entries_carry_the_attributes_the_filter_reads(page: Page) -> None:
    report = small_report()
    found = page.entries()
    assert set(found) == {item.id for item in report.entries}
    for item in report.entries:
        attrs = found[item.id]
        assert attrs["id"] == f"entry-{item.id}"
        assert attrs["class"].split()[:2] == ["entry", f"verdict-{item.verdict}"]
        assert (attrs["data-area"], attrs["data-verdict"]) == (item.area, item.verdict)
    assert found["users.known"]["data-baselined"] == "true"


def test_a_comparison_shows_its_diff_operations(page: Page) -> None:
    text = " ".join(" ".join(page.text).split())
    assert "replace /name/familyName" in text
    assert "Expected vs actual: the User after the PATCH" in text
    # the case of "UserName" and the list are not differences
    assert "/username" not in text.lower()


def test_passed_entries_carry_no_evidence_and_failures_their_curl(html: str) -> None:
    assert "PASSED-BODY-MARKER" not in html
    assert "curl -sS -X PATCH" in html and "$SCIM_TOKEN" in html
    assert "the target does not claim it" in html  # a skip says why


def test_a_scenarios_steps_and_a_findings_replay_are_shown() -> None:
    step_exchange = exchange('{"detail": "conflict"}', 409, "POST")
    scenario = Entry(
        id="scenario.push",
        kind="scenario",
        title="push a user",
        rule="Okta provisioning sequence (oin): push.yaml",
        area="scenario",
        verdict="failed",
        failure=Failure("step 2 to pass", "409", 0),
        exchanges=[step_exchange],
        steps=[
            StepVerdict(1, "assign", 3, "passed", "alice"),
            StepVerdict(
                2,
                "update",
                4,
                "failed",
                "alice",
                "Okta retries",
                ["STEP-FAILURE-TEXT"],
                [step_exchange],
            ),
        ],
    )
    finding = Finding(
        "patch-not-atomic",
        "RFC 7644 §3.5.2",
        "a rejected PATCH changed the resource",
        [exchange("{}", 400, "PATCH", '{"Operations": []}')],
        [
            ReplayStep("POST", "/Users", {"userName": "x"}, "setup"),
            ReplayStep("PATCH", "/Users/{id0}", {"Operations": []}, "unchanged"),
        ],
    )
    fuzz = Entry(
        id="fuzz.patch-users.patch-not-atomic",
        kind="finding",
        title=finding.summary,
        rule=finding.rule,
        area="patch-users",
        verdict="failed",
        failure=Failure("not to happen", finding.summary, 0),
        exchanges=list(finding.exchanges),
        finding=finding,
    )
    report = Report("okta", "http://t", "2026-01-01T00:00:00+00:00", entries=[scenario, fuzz])
    text = " ".join(" ".join(Page(render_html(report)).text).split())
    assert "Okta retries" in text and "STEP-FAILURE-TEXT" in text and "conflict" in text
    assert "/Users/{id0}" in text and "unchanged" in text and "setup" in text
    assert "curl -sS -X PATCH" in text


def test_600_entries_with_100_huge_failures_stay_under_2_mb() -> None:
    big = '{"detail": "' + "x" * 64 * 1024 + '"}'
    entries = [
        entry(
            f"big.{n}",
            "failed",
            area=f"area{n % 7}",
            failure=Failure("small", "big", 0, Comparison("body", {"a": big}, {"a": big + "y"})),
            exchanges=[exchange(big, 500, "POST", big) for _ in range(30)],
        )
        for n in range(100)
    ]
    entries += [entry(f"ok.{n}", "passed", exchanges=[exchange(big)]) for n in range(500)]
    report = Report("run", "http://t", "2026-01-01T00:00:00+00:00", entries=entries)
    html = render_html(report)
    size = len(html.encode("utf-8"))
    assert size <= 2 * 1024 * 1024 and size <= PAGE_BUDGET, size
    assert len(Page(html).entries()) == 600
    assert "more characters" in html  # each cut says so
    assert "exchanges left out" in html  # and so does the exchange cap


def test_a_real_faulty_run_renders_every_entry_and_its_rule_links() -> None:
    from harness.conformance.runner import RunOptions, run_suite
    from harness.reports.build import from_run
    from harness.reports.redact import redact_report
    from harness.server.config import ServerConfig
    from harness.server.faults import FAULTS_BY_NAME, combine, faulty_app

    token = "html-test-token"
    faults = ("put-merges", "patch-not-atomic", "filter-co-case-sensitive", "patch-response-stale")
    app = faulty_app(combine("html", *(FAULTS_BY_NAME[f] for f in faults)), ServerConfig(token))
    report = redact_report(from_run(run_suite(RunOptions(app=app, token=token))), [token])
    assert report.counts()["failed"] and report.counts()["passed"]
    html = render_html(report)
    page = Page(html)
    assert set(page.entries()) == {item.id for item in report.entries}
    (counts,) = page.find(id="counts")
    assert {key: int(counts[f"data-{key}"]) for key in report.counts()} == report.counts()
    assert token not in html
    assert 'href="https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2"' in html
    assert len(html.encode("utf-8")) <= PAGE_BUDGET
