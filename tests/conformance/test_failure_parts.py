"""A failed check explains itself in parts: expectation, finding, evidence, expected vs actual.

The reports (issue 7) render a failure from :class:`~harness.reports.model.Failure`:
``expected`` and ``got`` in words, ``exchange`` — the index of the exchange
that shows the defect — and, where the rule is about a JSON structure, a
:class:`~harness.reports.model.Comparison` the HTML page shows as an RFC 6902
diff. Each planted defect below breaks one attribute; the check that catches
it must say so in every part, and the diff must point at that attribute (a
comparison that differs somewhere else is evidence of nothing).

Only the named checks run (``select``), against the reference server with
one fault planted, in process — no socket is opened.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from harness.client import Exchange
from harness.conformance.results import CheckResult, RunResult
from harness.conformance.runner import RunOptions, run_suite
from harness.reports.diff import structural_diff
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS, Fault, faulty_app

TOKEN = "failure-parts-token"


def _body(exchange: Exchange) -> Any:
    try:
        return json.loads(exchange.response_body)
    except ValueError:
        return None


def _names(exchange: Exchange) -> dict[str, Any]:
    body = _body(exchange)
    name = body.get("name") if isinstance(body, dict) else None
    return name if isinstance(name, dict) else {}


@dataclass(frozen=True)
class Case:
    """A fault, the check that catches it, where its diff must point, and its evidence."""

    fault: str
    check: str
    #: Every structural diff operation's path starts with one of these.
    paths: tuple[str, ...]
    #: The exchange the failure names shows the defect (method, status, body).
    shows: Callable[[Exchange], bool]


CASES = [
    Case(
        "put-merges",
        "users.put.replace",
        ("/nickName", "/title", "/phoneNumbers"),
        lambda e: e.method == "GET" and _body(e).get("nickName") == "Babs",
    ),
    Case(
        "patch-not-atomic",
        "patch.atomic",
        ("/displayName",),
        lambda e: e.method == "PATCH" and e.status == 400,
    ),
    Case(
        "patch-response-stale",
        "patch.response",
        ("/displayName",),
        lambda e: e.method == "PATCH" and e.status == 200 and "renamed" not in e.response_body,
    ),
    Case(
        "remove-member-removes-all",
        "groups.patch.remove-filter",
        ("/members",),
        lambda e: e.method == "PATCH" and e.status == 200 and not _body(e).get("members"),
    ),
    Case(
        "add-member-duplicates",
        "groups.patch.add-dup",
        ("/members",),
        lambda e: e.method == "PATCH" and e.status == 200,
    ),
    Case(
        "pathless-dotted-keys-ignored",
        "patch.replace.pathless-dotted",
        ("/name/givenName", "/name/familyName", "/urn:", "/schemas"),
        lambda e: (
            e.method == "PATCH" and e.status == 200 and "name.givenName" in str(e.request_body)
        ),
    ),
    Case(
        "deactivate-ignored",
        "patch.replace.pathless-okta",
        ("/active",),
        lambda e: e.method == "PATCH" and e.status == 200 and _body(e).get("active") is True,
    ),
    Case(
        "non-ascii-mangled",
        "media.utf8",
        ("/name/givenName", "/name/familyName"),
        lambda e: e.method == "POST" and e.status == 201 and "?" in _names(e).get("givenName", ""),
    ),
]


def _fault(name: str) -> Fault:
    return next(fault for fault in FAULTS if fault.name == name)


def _run(app: object, profile: str, select: list[str]) -> RunResult:
    return run_suite(RunOptions(app=app, token=TOKEN, profile=profile, select=select))


def _result(run: RunResult, check_id: str) -> CheckResult:
    return next(check for check in run.checks if check.id == check_id)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.fault)
def test_a_structural_failure_comes_in_parts(case: Case) -> None:
    fault = _fault(case.fault)
    assert case.check in fault.caught_by
    run = _run(faulty_app(fault, ServerConfig(token=TOKEN)), fault.profile, [case.check])
    result = _result(run, case.check)
    assert result.verdict == "failed", result.message
    failure = result.failure
    assert failure is not None and failure.expected and failure.got

    assert failure.exchange is not None and 0 <= failure.exchange < len(result.exchanges)
    shown = result.exchanges[failure.exchange]
    assert case.shows(shown), f"{shown.method} {shown.url} {shown.status}: {shown.response_body}"

    comparison = failure.comparison
    assert comparison is not None and comparison.what
    assert comparison.expected != comparison.actual
    operations = structural_diff(comparison.expected, comparison.actual)
    assert operations
    # The diff folds attribute names (RFC 7643 §2.1: case-insensitive).
    prefixes = tuple(path.casefold() for path in case.paths)
    stray = [op for op in operations if not str(op["path"]).casefold().startswith(prefixes)]
    assert not stray, f"{comparison.what}: {operations}"


def test_the_comparison_survives_the_json_round_trip() -> None:
    """What ``--output`` writes is what the HTML report reads back."""
    fault = _fault("put-merges")
    run = _run(faulty_app(fault, ServerConfig(token=TOKEN)), fault.profile, ["users.put.replace"])
    before = _result(run, "users.put.replace")
    after = CheckResult.from_json(json.loads(json.dumps(before.to_json())))
    assert after.failure == before.failure
    assert after.failure is not None and after.failure.comparison is not None


def test_passed_checks_carry_no_failure() -> None:
    ids = sorted({case.check for case in CASES})
    run = _run(create_app(ServerConfig(token=TOKEN)), "okta", ids)
    verdicts = {check.id: check.verdict for check in run.checks}
    assert verdicts.get("users.put.replace") == "passed", verdicts
    passed = [check for check in run.checks if check.verdict == "passed"]
    assert len(passed) >= 5
    assert all(check.failure is None for check in passed)
