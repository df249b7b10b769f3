"""The gate as a program: preflight, exit codes, baseline, broken targets, redaction, Ctrl-C.

These run the real suite (a few selected areas, for time) against the
reference server or deliberately broken variants of it; what they pin is
the runner's promise, not any one check's verdict.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.conformance.expect import CheckFailed, reported_level
from harness.conformance.progress import summary
from harness.conformance.results import RunResult, baseline_json, write_json
from harness.conformance.runner import RunOptions, run_suite
from harness.plugin import READ_ONLY_REASON
from harness.reports.build import from_run
from harness.reports.junit import render_junit
from harness.reports.model import SCHEMA_PATH
from harness.scim.errors import ERROR_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from harness.server.live import LiveServer

TOKEN = "runner-test-token-Zq81xT"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
#: A few areas that exercise reads, writes, lists and errors without the full suite's time.
SAMPLE = ["disc.*", "users.*", "err.*"]


def reference() -> Any:
    return create_app(ServerConfig(token=TOKEN))


def run(app: Any = None, **kwargs: Any):
    kwargs.setdefault("select", SAMPLE)
    return run_suite(RunOptions(app=app if app is not None else reference(), token=TOKEN, **kwargs))


def wrap_responses(app: Any, rewrite) -> Any:
    """An ASGI app whose response start messages pass through ``rewrite(scope, message)``."""

    async def wrapped(scope, receive, send):
        async def patched(message):
            if message["type"] == "http.response.start":
                message = rewrite(scope, message)
            await send(message)

        await app(scope, receive, patched)

    return wrapped


def validate(result: RunResult) -> dict[str, Any]:
    """The run's report (``--report-json``), checked against the report schema."""
    report = from_run(result).to_json()
    jsonschema.validate(report, SCHEMA)
    return report


def test_reference_server_passes_and_the_report_matches_its_schema() -> None:
    result = run()
    assert result.exit_code == 0, summary(result, from_run(result), 0)
    report = validate(result)
    assert report["counts"]["failed"] == 0
    assert report["cleanup"] == {"removed": result.removed, "leftovers": [], "notes": []}
    assert result.removed > 0
    assert all(entry["verdict"] in ("passed", "skipped") for entry in report["entries"])


def test_a_required_failure_exits_1_with_a_message_that_explains_it() -> None:
    def created_as_200(scope, message):
        if scope["method"] == "POST" and message["status"] == 201:
            return dict(message, status=200)
        return message

    result = run(wrap_responses(reference(), created_as_200), select=["users.post.201"])
    assert result.exit_code == 1
    [failed] = result.blocking()
    assert failed.id == "users.post.201"
    for part in ("RFC 7644 §3.3", "expected:", "HTTP 201", "got:", "POST ", "HTTP 200", "curl "):
        assert part in failed.message
    assert '"Authorization: Bearer $SCIM_TOKEN"' in failed.message
    assert failed.exchanges and failed.exchanges[-1].status == 200


def test_unreachable_target_exits_2_in_one_line() -> None:
    result = run_suite(RunOptions(url="http://127.0.0.1:9", token=TOKEN, timeout=2))
    assert result.exit_code == 2
    assert result.problem is not None and result.problem.startswith("target unreachable")
    assert "\n" not in result.problem
    assert result.checks == []


def test_refused_credentials_exit_2_and_name_the_variable(monkeypatch) -> None:
    monkeypatch.delenv("NO_SUCH_TOKEN_VAR", raising=False)
    result = run_suite(RunOptions(app=reference(), token_env="NO_SUCH_TOKEN_VAR"))
    assert result.exit_code == 2
    assert "authentication refused" in result.problem
    assert "NO_SUCH_TOKEN_VAR is not set" in result.problem
    wrong = run_suite(RunOptions(app=reference(), token="not-the-token"))
    assert wrong.exit_code == 2 and "HTTP 401" in wrong.problem


def test_a_selection_that_matches_nothing_is_a_usage_error() -> None:
    result = run(select=["no.such.check"])
    assert result.exit_code == 2
    assert "no check matches" in result.problem


def test_baseline_excuses_known_failures_and_reports_fixed_ones(tmp_path: Path) -> None:
    def created_as_200(scope, message):
        if scope["method"] == "POST" and message["status"] == 201:
            return dict(message, status=200)
        return message

    broken = wrap_responses(reference(), created_as_200)
    first = run(broken, select=["users.*"])
    assert first.exit_code == 1
    baseline = tmp_path / "baseline.json"
    write_json(baseline, baseline_json(first))
    known = json.loads(baseline.read_text())["failures"]
    assert "users.post.201" in known

    again = run(wrap_responses(reference(), created_as_200), select=["users.*"],
                baseline=str(baseline))  # fmt: skip
    assert again.exit_code == 0
    assert set(again.baseline.excused) == set(known)
    assert all(check.baselined for check in again.checks if check.verdict == "failed")

    fixed = run(select=["users.*"], baseline=str(baseline))
    assert fixed.exit_code == 0
    assert "users.post.201" in fixed.baseline.fixed
    validate(fixed)


def test_a_bad_baseline_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text('{"failures": []}')
    result = run(baseline=str(bad))
    assert result.exit_code == 2 and "not a scim-harness baseline" in result.problem
    missing = run(baseline=str(tmp_path / "absent.json"))
    assert missing.exit_code == 2 and "cannot read baseline" in missing.problem


def test_ctrl_c_exits_130_and_still_cleans_up() -> None:
    """SIGINT arrives while a check is in the middle of its requests (as Ctrl-C would)."""
    app = reference()
    posts = []

    async def interrupting(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            posts.append(scope["path"])
            if len(posts) == 4:
                os.kill(os.getpid(), signal.SIGINT)
        await app(scope, receive, send)

    result = run_suite(RunOptions(app=interrupting, token=TOKEN, select=["users.*", "groups.*"]))
    assert result.exit_code == 130 and result.interrupted
    assert result.removed >= 3
    # Nothing the run created is left on the target.
    from harness.client import ScimClient

    with ScimClient.in_process(app, TOKEN) as client:
        left = client.get("/Users", params={"filter": f'userName sw "{result.prefix}"'})
    assert left.body["totalResults"] == 0


def test_read_only_run_writes_nothing() -> None:
    app = reference()
    writes = []

    async def spy(scope, receive, send):
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD"):
            writes.append((scope["method"], scope["path"]))
        await app(scope, receive, send)

    result = run_suite(RunOptions(app=spy, token=TOKEN, read_only=True))
    assert result.exit_code == 0
    assert writes == []
    reasons = {c.message for c in result.checks if c.verdict == "skipped"}
    assert READ_ONLY_REASON in reasons


# -- broken targets over a real socket ------------------------------------------------


@pytest.fixture
def chaos_server() -> Iterator[str]:
    """The reference server behind faults a real vendor endpoint shows.

    PATCH hangs past the client timeout; DELETE drops the connection mid-body;
    GET by id answers an HTML 500; a search answers truncated JSON; PUT answers
    JSON with a text/plain type; the first POST answers 429 with Retry-After 0.
    """
    inner = reference()
    state = {"throttled": False}

    async def chaos(scope, receive, send):
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        method, path = scope["method"], scope["path"]
        if method == "PATCH":
            await asyncio.sleep(3)
        if method == "DELETE":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-length", b"50")]})  # fmt: skip
            await send({"type": "http.response.body", "body": b"{"})
            return None
        if method == "GET" and path.startswith("/Users/") and path.count("/") == 2:
            return await _answer(send, 500, b"text/html", b"<html><h1>Internal error</h1></html>")
        if method == "POST" and path.endswith("/.search"):
            return await _answer(send, 200, b"application/scim+json", b'{"totalResults": 3, "Res')
        if method == "PUT":
            return await _answer(send, 200, b"text/plain", b"OK")
        if method == "POST" and not state["throttled"]:
            state["throttled"] = True
            return await _answer(send, 429, b"application/scim+json", b"{}", retry_after=b"0")
        return await inner(scope, receive, send)

    with LiveServer(chaos) as live:
        yield live.url


async def _answer(send, status: int, kind: bytes, body: bytes, retry_after: bytes | None = None):
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    if retry_after is not None:
        headers.append((b"retry-after", retry_after))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def test_a_broken_target_fails_checks_and_the_run_still_finishes(chaos_server: str) -> None:
    result = run_suite(
        RunOptions(url=chaos_server, token=TOKEN, timeout=0.5,
                   select=["users.*", "disc.*", "search.*", "patch.replace.simple"])
    )  # fmt: skip
    assert result.exit_code == 1, result.problem
    messages = "\n".join(c.message for c in result.blocking())
    assert "timeout" in messages
    assert "not JSON" in messages
    assert "HTTP 500 (text/html" in messages
    assert any(c.verdict == "passed" for c in result.checks)  # the 429 was retried
    validate(result)


def test_the_token_appears_in_no_output(capsys) -> None:
    """A target that echoes the Authorization header back must not leak it either."""
    inner = reference()

    async def echo(scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            auth = dict(scope["headers"]).get(b"authorization", b"").decode()
            body = json.dumps({"detail": f"you sent {auth}", "status": "400"}).encode()
            return await _answer(send, 400, b"application/scim+json", body)
        return await inner(scope, receive, send)

    result = run(echo, select=["users.*", "err.*"])
    assert result.exit_code == 1
    # The report before redact_report's second pass: the client's redaction alone.
    report = from_run(result)
    outputs = [
        json.dumps(validate(result)),
        summary(result, report, 1.0),
        json.dumps(baseline_json(result)),
        render_junit(report),
    ]
    outputs.append(capsys.readouterr().out + capsys.readouterr().err)
    assert "you sent Bearer [REDACTED]" in outputs[0]
    for text in outputs:
        assert TOKEN not in text


def test_the_replay_of_a_failure_sends_what_the_check_sent() -> None:
    """auth.scheme-case fails on a target that wants 'Bearer' spelled so: the curl line
    of the failure replays the lower-case 'bearer' it sent (else it would succeed and
    reproduce nothing), the token read from the variable the run was told."""
    inner = reference()

    async def case_sensitive(scope, receive, send):
        auth = dict(scope.get("headers") or []).get(b"authorization", b"")
        if scope["type"] == "http" and auth.split(b" ")[0] in (b"bearer", b"BEARER"):
            body = json.dumps({"schemas": [ERROR_URN], "status": "401"}).encode()
            return await _answer(send, 401, b"application/scim+json", body)
        return await inner(scope, receive, send)

    result = run(case_sensitive, select=["auth.scheme-case"], token_env="VENDOR_TOKEN")
    [failed] = result.blocking()
    assert failed.id == "auth.scheme-case"
    replay = failed.message.split("replay:", 1)[1]
    assert '-H "Authorization: bearer $VENDOR_TOKEN"' in replay
    assert TOKEN not in failed.message and "Bearer $" not in replay


def test_a_failure_counts_at_most_at_the_level_it_says() -> None:
    """CheckFailed(at_most=...) lowers a level for one run, never raises it."""
    lowered = CheckFailed("x", "y", at_most="should")
    assert reported_level("must", lowered) == "should"
    assert reported_level("should", lowered) == "should"
    assert reported_level("should", CheckFailed("x", "y", at_most="must")) == "should"
    assert reported_level("must", CheckFailed("x", "y")) == "must"
    assert reported_level("must", ValueError("a bug")) == "must"
    assert reported_level("must", None) == "must"


@pytest.mark.parametrize(
    ("profile", "verdict", "exit_code"),
    [("rfc", "warning", 0), ("okta", "failed", 1), ("entra", "failed", 1)],
)
def test_an_ignored_filter_weighs_what_the_profile_and_the_spc_say(
    profile: str, verdict: str, exit_code: int
) -> None:
    """SPC filter.supported false and the filter ignored: the RFC profile only warns
    (such a target should have refused the filter), the IdPs link accounts on the
    answer whatever the SPC says."""
    fault = FAULTS_BY_NAME["filter-ignored-unclaimed"]
    app = faulty_app(fault, ServerConfig(token=TOKEN))
    result = run(app, select=["filter.not-ignored"], profile=profile)
    [check] = result.checks
    assert (check.verdict, result.exit_code) == (verdict, exit_code), check.message
    assert "the filter was ignored" in check.message
    assert check.level == ("should" if profile == "rfc" else "must")


def test_junit_has_one_testcase_per_check_and_agrees_with_the_counts() -> None:
    result = run()
    root = ET.fromstring(render_junit(from_run(result)))
    cases = root.findall(".//testcase")
    assert [case.get("name") for case in cases] == [check.id for check in result.checks]
    assert len({case.get("name") for case in cases}) == len(cases)
    skipped = root.findall(".//testcase/skipped")
    assert len(skipped) == from_run(result).counts()["skipped"]


def test_parallel_workers_give_the_same_verdicts_and_clean_up() -> None:
    """``--workers 2``: checks spread over two processes (pytest-xdist), one report."""
    from harness.client import ScimClient

    with LiveServer(reference()) as live:
        select = ["users.*", "filter.*", "groups.*"]
        one = run_suite(RunOptions(url=live.url, token=TOKEN, select=select))
        two = run_suite(RunOptions(url=live.url, token=TOKEN, select=select, workers=2))
        with ScimClient(live.url, TOKEN) as client:
            left = client.get("/Users", params={"filter": f'userName sw "{two.prefix}"'})
    assert one.exit_code == 0, one.problem or summary(one, from_run(one), 0)
    assert two.exit_code == 0, two.problem or summary(two, from_run(two), 0)
    assert [c.id for c in two.checks] == [c.id for c in one.checks]
    assert [c.verdict for c in two.checks] == [c.verdict for c in one.checks]
    assert sum(len(c.exchanges) for c in two.checks) > len(two.checks)
    assert two.removed >= one.removed > 0 and two.leftovers == []
    assert left.body["totalResults"] == 0
    validate(two)


def test_a_check_that_trips_is_an_error_not_a_failure(monkeypatch) -> None:
    """An exception that is not a failed expectation (a KeyError on a body the check
    did not guard) means the harness could not judge: verdict ``error``, which fails
    the gate (a check that cannot judge never passes it), with the traceback."""
    import harness.conformance.test_users as checks

    def tripping(resource):
        raise KeyError("givenName")

    monkeypatch.setattr(checks, "user_path", tripping)
    result = run(select=["users.get.200", "users.post.201"])
    verdicts = {check.id: check.verdict for check in result.checks}
    assert verdicts == {"users.get.200": "error", "users.post.201": "passed"}, verdicts
    assert result.exit_code == 1 and [c.id for c in result.blocking()] == ["users.get.200"]
    (tripped,) = [c for c in result.checks if c.verdict == "error"]
    assert "unexpected error" in tripped.message and "KeyError" in tripped.message
    report = from_run(result)
    assert report.counts()["error"] == 1 and report.blocking()[0].id == "users.get.200"


@pytest.mark.parametrize(
    ("config", "crash", "verdict"),
    [
        ({"max_body": 4 * 1024 * 1024}, False, "passed"),  # a 1 MiB User accepted: 201
        ({}, False, "passed"),  # refused with 413 by a server with a 1 MiB body limit
        ({"max_body": 4 * 1024 * 1024}, True, "warning"),  # a 5xx is the only failure
    ],
)
def test_a_large_user_may_be_accepted_or_refused_but_not_crash(
    config: dict[str, Any], crash: bool, verdict: str
) -> None:
    """err.oversize (F8): bulk.maxPayloadSize limits Bulk (RFC 7643 §5), not a POST /Users."""
    inner = create_app(ServerConfig(token=TOKEN, **config))

    async def crashes_on_large_posts(scope, receive, send):
        if crash and scope["type"] == "http" and scope["method"] == "POST":
            length = int(dict(scope["headers"]).get(b"content-length", b"0"))
            if length > 512 * 1024:
                return await _answer(send, 500, b"text/plain", b"out of memory")
        return await inner(scope, receive, send)

    [check] = run(crashes_on_large_posts, select=["err.oversize"]).checks
    assert check.verdict == verdict, check.message


def test_a_404_with_a_misplaced_scim_type_is_one_warning_not_every_404(monkeypatch) -> None:
    """A 404 whose body says ``scimType: invalidValue`` (Table 9 pairs it with 400) got the
    status right: the 404 checks pass, and err.scimtype-status reports the keyword once."""
    inner = reference()

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        state: dict = {}

        async def rewrite(message):
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                if message["status"] == 404:
                    message = {**message, "headers": [
                        (k, v) for k, v in message["headers"] if k.lower() != b"content-length"
                    ]}  # fmt: skip
            elif state.get("status") == 404 and message.get("body"):
                body = json.loads(message["body"])
                body["scimType"] = "invalidValue"
                message = {**message, "body": json.dumps(body).encode()}
            await send(message)

        return await inner(scope, receive, rewrite)

    result = run(app, select=["users.get.404", "groups.get.404", "err.scimtype-status"])
    verdicts = {check.id: check.verdict for check in result.checks}
    assert verdicts == {
        "users.get.404": "passed",
        "groups.get.404": "passed",
        "err.scimtype-status": "warning",
    }, verdicts
