"""The last redaction pass over a whole report, and reading reports back."""

from __future__ import annotations

import json

import pytest

from harness.client import FAKE_CREDENTIAL, Exchange
from harness.reports.model import Entry, Failure, Report, ReportError, read_report
from harness.reports.redact import redact_report, secret_forms

SECRET = 'tok/en+"planted"&x'


def leaky_report() -> Report:
    escaped = json.dumps(SECRET)[1:-1]
    exchange = Exchange(
        "POST",
        "http://t/Users?access=" + "tok%2Fen%2B%22planted%22%26x",
        {"Authorization": f"Bearer {SECRET}", "X-Api-Key": "k-123", "Accept": "a"},
        json.dumps({"userName": "ada", "password": "hunter2!"}),
        400,
        {"Set-Cookie": "session=abc"},
        json.dumps({"detail": f"you sent {SECRET}"}),
        2.0,
    )
    fake = {"Authorization": f"Bearer {FAKE_CREDENTIAL}"}
    wrong = Exchange("GET", "http://t/Users", fake, None, 401, {}, "", 1)
    entry = Entry(
        id="users.a",
        kind="check",
        title="a",
        rule="RFC 7644 §3.3",
        area="users",
        verdict="failed",
        message=f'expected … got "{escaped}" and {{"newPassword": "s3cret"}}',
        failure=Failure("x", f"got {SECRET}", 0),
        exchanges=[exchange, wrong],
    )
    return Report("run", "http://t", "now", entries=[entry])


def test_no_spelling_of_the_secret_survives_and_credentials_keep_their_scheme() -> None:
    report = redact_report(leaky_report(), [SECRET])
    text = json.dumps(report.to_json(), ensure_ascii=False)
    for form in secret_forms([SECRET]):
        assert form not in text
    for value in ("hunter2!", "s3cret", "k-123", "session=abc"):
        assert value not in text
    first, wrong = report.entries[0].exchanges
    assert first.request_headers["Authorization"] == "Bearer [REDACTED]"
    assert first.request_headers["Accept"] == "a"
    assert '"password": "[REDACTED]"' in (first.request_body or "")
    # a deliberately wrong credential is evidence, not a secret
    assert wrong.request_headers["Authorization"] == f"Bearer {FAKE_CREDENTIAL}"


def test_other_documents_are_refused_with_a_reason(tmp_path) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps({"format": "scim-harness/run-report", "version": 1}))
    with pytest.raises(ReportError, match="not a scim-harness report"):
        read_report(old)
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format": "scim-harness/report", "version": 99}))
    with pytest.raises(ReportError, match="version 99"):
        read_report(newer)
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    with pytest.raises(ReportError, match="not JSON"):
        read_report(broken)
    with pytest.raises(ReportError, match="cannot read"):
        read_report(tmp_path / "missing.json")
    truncated = tmp_path / "truncated.json"
    truncated.write_text(json.dumps({"format": "scim-harness/report", "version": 1}))
    with pytest.raises(ReportError, match="malformed"):
        read_report(truncated)
