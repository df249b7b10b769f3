"""Root causes: one defect seen by many checks is one cause (harness.reports.causes)."""

from __future__ import annotations

from harness.client import Exchange
from harness.reports.causes import blank, group_causes, request_shape, signature
from harness.reports.model import Entry, Failure

PREFIX = "scimh-1a2b3c-"


def exchange(method: str, url: str, status: int | None = 200, error: str | None = None) -> Exchange:
    return Exchange(
        method=method, url=url, request_headers={}, request_body=None, status=status,
        response_headers={}, response_body="", elapsed_ms=1.0, error=error,
    )  # fmt: skip


def entry(
    check_id: str, verdict: str, failure: Failure, *exchanges: Exchange, baselined: bool = False
) -> Entry:
    if failure.exchange is None and exchanges:  # raised with its (last) exchange
        failure.exchange = len(exchanges) - 1
    return Entry(
        id=check_id, kind="check", title=check_id, rule="RFC 7644 §3.12", area="err",
        verdict=verdict, failure=failure, exchanges=list(exchanges), baselined=baselined,
    )  # fmt: skip


def numeric_status(check_id: str, method: str, path: str, status: int, extra: int = 0) -> Entry:
    expected = f"'status' = \"{status}\" — the HTTP status as a JSON string (RFC 7644 §3.12)"
    calls = [exchange("GET", "http://t/scim/ServiceProviderConfig")] * extra
    return entry(
        check_id,
        "failed",
        Failure(expected, f"status = {status}", exchange=extra),
        *calls,
        exchange(method, f"http://t/scim{path}", status),
    )


def test_one_wrong_field_on_many_endpoints_is_one_cause() -> None:
    entries = [
        numeric_status("err.conflict", "POST", "/Users", 409, extra=3),
        numeric_status("err.not-found", "GET", "/Users/8c1f0b7e-3d2a-4b5c-9e8f-0a1b2c3d4e5f", 404),
        numeric_status("patch.bad", "PATCH", "/Groups/17", 400, extra=1),
    ]
    (cause,) = group_causes(entries)
    assert cause.failed == ["err.conflict", "err.not-found", "patch.bad"]
    assert cause.blocking and cause.reproducer == "err.not-found"  # the fewest exchanges


def test_different_refusals_are_different_causes() -> None:
    def refused(check_id: str, method: str, path: str, got: str) -> Entry:
        return entry(
            check_id, "failed", Failure(f"{method} {path}: HTTP 201", got),
            exchange(method, f"http://t{path}", int(got[5:8])),
        )  # fmt: skip

    causes = group_causes(
        [
            refused("a", "POST", "/Users", "HTTP 500 (text/html)"),
            refused("b", "POST", "/Users", "HTTP 500 (text/html)"),
            refused("c", "POST", "/Groups", "HTTP 500 (text/html)"),
            refused("d", "POST", "/Users", "HTTP 400 (application/scim+json): bad emails.type"),
        ]
    )
    assert sorted(sorted(c.failed) for c in causes) == [["a", "b"], ["c"], ["d"]]


def test_a_refused_setup_and_the_check_that_judges_it_share_the_cause() -> None:
    got = "HTTP 400 (application/scim+json): Attribute 'emails.type' is not allowed"
    post = exchange("POST", "http://t/Users", 400)
    judged = entry("users.post.201", "failed", Failure("POST /Users: HTTP 201", got), post)
    blocked = [
        entry(f"patch.{n}", "blocked", Failure("POST /Users: HTTP 201 or 200", got), post)
        for n in range(5)
    ]
    (cause,) = group_causes([*blocked, judged])
    assert cause.failed == ["users.post.201"] and len(cause.blocked) == 5
    assert cause.reproducer == "users.post.201"  # a failing check before a blocked one


def test_blocked_only_causes_come_last_and_do_not_block() -> None:
    post = exchange("POST", "http://t/Users", 400)
    only = entry("x.y", "blocked", Failure("POST /Users: HTTP 201", "HTTP 400"), post)
    failed = numeric_status("err.a", "GET", "/Users/1", 404)
    causes = group_causes([only, failed])
    assert [c.failed for c in causes] == [["err.a"], []]
    assert not causes[1].blocking and causes[1].blocked == ["x.y"]


def test_per_attribute_checks_of_one_defect_share_the_cause() -> None:
    def kept(attribute: str, value: str) -> Entry:
        return entry(
            f"attr.{attribute}",
            "failed",
            Failure(
                f"User.{attribute}, omitted from the PUT, to be cleared",
                f"GET after the PUT still shows User.{attribute} = {value}",
            ),
            exchange("PUT", "http://t/Users/abc", 200),
        )

    (cause,) = group_causes([kept("title", '"Boss"'), kept("name", '{"givenName": "A"}')])
    assert len(cause.failed) == 2


def test_baselined_failures_are_grouped_but_do_not_block() -> None:
    (cause,) = group_causes([entry("a", "failed", Failure("x", "y"), baselined=True)])
    assert cause.failed == ["a"] and not cause.blocking


def test_passed_and_skipped_entries_have_no_cause() -> None:
    assert group_causes([entry("a", "passed", Failure("x", "y"))]) == []
    assert group_causes([entry("b", "skipped", Failure("x", "y"))]) == []


def test_shapes_and_blanks() -> None:
    shape = request_shape(
        exchange("GET", "http://h/base/scim/v2/Users/00u1abc?filter=x&count=1&count=2")
    )
    assert shape == "GET /Users/{id}?count&filter"
    assert blank(f"user {PREFIX}alpha-3@example.com has id 0a1b2c3d4e5f6a7b8", PREFIX) == (
        "user <name> has id <id>"
    )
    key_a, _ = signature("x", "HTTP 500", exchange("GET", "http://h/Users", None, "timeout"))
    key_b, _ = signature("x", "timeout", exchange("GET", "http://h/Users", None, "timeout"))
    assert key_a.startswith("status|") and key_b.startswith("status|")


def test_numeric_status_on_a_real_run_is_one_cause() -> None:
    """The field corpus's commonest cascade: a server writing ``"status": 409`` as a
    number failed 16–19 checks; the planted fault fails many more, all one cause."""
    from harness.conformance.runner import RunOptions, run_suite
    from harness.reports.build import from_run
    from harness.server.config import ServerConfig
    from harness.server.faults import FAULTS_BY_NAME, faulty_app

    token = "causes-token-7d3e"
    app = faulty_app(FAULTS_BY_NAME["error-status-number"], ServerConfig(token=token))
    report = from_run(run_suite(RunOptions(app=app, token=token, select=["err.*", "auth.*"])))
    failed = [entry.id for entry in report.entries if entry.verdict == "failed"]
    assert len(failed) >= 5
    (cause,) = report.failed_causes()
    assert sorted(cause.failed) == sorted(failed)
    assert "status" in cause.title


def test_a_search_is_not_an_id() -> None:
    assert request_shape(exchange("POST", "http://h/Users/.search")) == "POST /Users/.search"
