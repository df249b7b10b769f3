"""The issue's "done when": all four formats come from the same model and agree.

Three real reports — a conformance run on a reference server with planted
defects (failures, warnings, skips), an Okta replay with one failing
scenario, a fuzz campaign with one finding — are rendered as JSON, JUnit,
Markdown and HTML, and the counts are read back out of each file on its own
terms (JSON's ``counts`` and its entries, JUnit's testcases, the Markdown
counts line, the HTML ``#counts`` element and its ``.entry`` rows). Each
must equal :meth:`Report.counts`.
"""

from __future__ import annotations

import importlib.util
import json
import xml.etree.ElementTree as ET
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.reports.build import from_fuzz, from_okta, from_run
from harness.reports.junit import render_junit
from harness.reports.markdown import COUNTS_LINE, render_markdown
from harness.reports.model import VERDICTS, Report, report_json_text
from harness.reports.redact import redact_report
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, FaultyApp, combine, faulty_app

TOKEN = "agreement-token-5f1e9c"
RUN_FAULTS = (
    "put-merges",
    "patch-not-atomic",
    "filter-co-case-sensitive",
    "patch-response-stale",
    "password-echoed",
    "email-type-rejected",  # setup refusals: blocked checks and a root cause they share
)


#: A failure the conformance run excuses (put-merges breaks it; required under okta).
KNOWN_FAILURE = "users.put.replace"


def conformance_report(tmp_path: Path) -> Report:
    from harness.conformance.results import BASELINE_FORMAT, BASELINE_VERSION
    from harness.conformance.runner import RunOptions, run_suite

    baseline = tmp_path / "baseline.json"
    baseline.write_text(
        json.dumps(
            {"format": BASELINE_FORMAT, "version": BASELINE_VERSION, "failures": [KNOWN_FAILURE]}
        ),
        encoding="utf-8",
    )
    defects = combine("agreement", *(FAULTS_BY_NAME[name] for name in RUN_FAULTS))
    app = faulty_app(defects, ServerConfig(token=TOKEN))
    options = RunOptions(app=app, token=TOKEN, profile="okta", baseline=str(baseline))
    return from_run(run_suite(options))


def okta_report(tmp_path: Path) -> Report:
    from mock_okta.command import shipped_scenarios
    from mock_okta.results import OktaRunResult
    from mock_okta.runner import RunTarget, run_scenario
    from mock_okta.scenario import load_scenario

    def run(name: str, app: object) -> object:
        scenario = load_scenario(shipped_scenarios() / name)
        return run_scenario(scenario, RunTarget(app=app, token=TOKEN))

    broken = faulty_app(FAULTS_BY_NAME["deactivate-ignored"], ServerConfig(token=TOKEN))
    result = OktaRunResult("in-process app", "2026-01-01T00:00:00+00:00", exit_code=1)
    result.scenarios = [
        run("oin-crud-test.yaml", broken),  # type: ignore[list-item]
        run("group-push.yaml", create_app(ServerConfig(token=TOKEN))),  # type: ignore[list-item]
    ]
    return from_okta(result)


def fuzz_report(tmp_path: Path) -> Report:
    from harness.fuzz.campaign import CampaignOptions, run_campaign

    fault = FAULTS_BY_NAME["start-index-zero-based"]
    config = fault.server_config(ServerConfig(token=TOKEN))
    app = FaultyApp(create_app(config), fault, config)
    options = CampaignOptions(
        app=app, token=TOKEN, seed=7, properties=["paging", "invalid-filters"], max_examples=20
    )
    return from_fuzz(run_campaign(options))


BUILDERS = {"run": conformance_report, "okta": okta_report, "fuzz": fuzz_report}


@pytest.fixture(scope="module", params=list(BUILDERS))
def report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Report:
    # As every command writes it: redaction is the last pass before rendering.
    built = BUILDERS[request.param](tmp_path_factory.mktemp(request.param))
    return redact_report(built, [TOKEN])


def test_the_reports_have_something_to_disagree_about(report: Report) -> None:
    counts = report.counts()
    assert counts["failed"] >= 1 and counts["total"] > counts["failed"]
    if report.source == "run":
        assert counts["warning"] >= 1 and counts["skipped"] >= 1 and counts["passed"] >= 100
        assert counts["blocked"] >= 1
        assert any(cause.failed and cause.blocked for cause in report.causes)
        assert counts["baselined"] == 1 and report.exit_code == 1
        (known,) = [entry for entry in report.entries if entry.baselined]
        assert (known.id, known.verdict) == (KNOWN_FAILURE, "failed")


def test_json_agrees(report: Report) -> None:
    data = json.loads(report_json_text(report))
    assert data["counts"] == report.counts()
    verdicts = [item["verdict"] for item in data["entries"]]
    baselined = sum(1 for item in data["entries"] if item["baselined"])
    assert _from_verdicts(verdicts, baselined) == report.counts()


def test_junit_agrees(report: Report) -> None:
    root = ET.fromstring(render_junit(report).encode("utf-8"))
    cases = root.findall("./testsuite/testcase")
    names = Counter(case.get("name") for case in cases)
    assert set(names) == {entry.id for entry in report.entries}
    assert set(names.values()) == {1}
    verdicts = []
    for case in cases:
        (verdict,) = [p.get("value") for p in case.iter("property") if p.get("name") == "verdict"]
        verdicts.append(str(verdict))
        # the child element tells the same story as the verdict property
        children = {child.tag for child in case} - {"properties", "system-out"}
        expected_child = {
            "passed": set(),
            "warning": set(),
            "failed": {"failure"},
            "skipped": {"skipped"},
            "blocked": {"skipped"},
            "error": {"error"},
        }[str(verdict)]
        if any(p.get("name") == "baselined" for p in case.iter("property")):
            expected_child = {"skipped"}
        assert children == expected_child, case.get("name")
    baselined = sum(
        1 for case in cases if any(p.get("name") == "baselined" for p in case.iter("property"))
    )
    assert _from_verdicts(verdicts, baselined) == report.counts()
    counts = report.counts()
    suite = root.find("testsuite")
    assert suite is not None
    assert int(str(suite.get("tests"))) == counts["total"]
    assert int(str(suite.get("failures"))) == len(
        [e for e in report.blocking() if e.verdict == "failed"]
    )
    assert int(str(suite.get("errors"))) == counts["error"]
    assert int(str(suite.get("skipped"))) == (
        counts["skipped"] + counts["blocked"] + counts["baselined"]
    )


def test_markdown_agrees(report: Report) -> None:
    matches = list(COUNTS_LINE.finditer(render_markdown(report)))
    assert len(matches) == 1
    got = {key: int(value) for key, value in matches[0].groupdict().items()}
    assert got == report.counts()


def test_the_root_causes_agree(report: Report) -> None:
    """JSON, Markdown and HTML list the same causes (the model's), blocking ones first."""
    data = json.loads(report_json_text(report))
    assert [cause["key"] for cause in data["causes"]] == [cause.key for cause in report.causes]
    grouped = sorted(i for cause in report.causes for i in (*cause.failed, *cause.errored))
    broken = ("failed", "error")
    assert grouped == sorted(e.id for e in report.entries if e.verdict in broken and e.failure)
    blocking = [cause for cause in report.causes if cause.blocking]
    markdown = render_markdown(report)
    assert markdown.count("**Cause ") == len(blocking)
    if report.source == "run":
        from harness.reports.html import render_html

        page = render_html(report)
        shown = [c for c in report.causes if c.failed or c.errored or c.blocked]
        assert page.count('<div class="cause ') == len(shown)
        assert f"{len(report.failed_causes())} cause(s)" in page


def test_html_agrees(report: Report) -> None:
    if importlib.util.find_spec("harness.reports.html") is None:
        pytest.skip("harness/reports/html.py (render_html) is not in this build yet")
    from harness.reports.html import render_html

    page = _HtmlCounts()
    page.feed(render_html(report))
    page.close()
    assert page.counts is not None, 'no element with id="counts"'
    declared = {key: int(page.counts[key]) for key in report.counts()}
    assert declared == report.counts()
    assert _from_verdicts(page.verdicts, page.baselined) == report.counts()


# -- helpers -------------------------------------------------------------------------


def _from_verdicts(verdicts: list[str], baselined: int) -> dict[str, int]:
    """``Report.counts()`` rebuilt from a list of verdicts read out of a file."""
    counter = Counter(verdicts)
    assert set(counter) <= set(VERDICTS), counter
    counts: dict[str, int] = {verdict: counter.get(verdict, 0) for verdict in VERDICTS}
    return {**counts, "baselined": baselined, "total": len(verdicts)}


class _HtmlCounts(HTMLParser):
    """The ``id="counts"`` element's ``data-*`` and every ``class="entry …"`` row's verdict."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, str] | None = None
        self.verdicts: list[str] = []
        self.baselined = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if attributes.get("id") == "counts":
            self.counts = {
                name.removeprefix("data-"): value
                for name, value in attributes.items()
                if name.startswith("data-")
            }
        if "entry" in attributes.get("class", "").split() and "data-verdict" in attributes:
            self.verdicts.append(attributes["data-verdict"])
            if attributes.get("data-baselined", "") in ("true", "1", "yes"):
                self.baselined += 1
