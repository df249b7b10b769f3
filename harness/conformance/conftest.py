"""Fixtures and hooks of the conformance suite (every module in this package).

* ``target`` — the session's :class:`~harness.conformance.target.Target`:
  the ``scim_client`` of the plugin, the capabilities read from
  ``/ServiceProviderConfig`` and ``/ResourceTypes``, the profile and prefix;
  everything the run created is removed when the session ends.
* an autouse gate per check: skips (with the reason) a check that the
  profile leaves out, that needs a feature the target does not claim, or
  that would write in a read-only run; opens the cleanup scope of the check;
  remembers where the check's exchanges start.
* ``pytest_runtest_makereport`` turns the raw pytest outcome into the check's
  verdict (:class:`~harness.conformance.results.CheckResult`, kept in the
  item's stash for the runner) and replaces pytest's traceback with the
  failure message of :mod:`harness.conformance.messages`. A ``should``
  failure shows as *xfailed* under plain pytest: reported, not blocking.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Generator, Iterator
from typing import Any

import pytest

from harness.arguments import id_patterns
from harness.client import Redactor, ScimClient
from harness.conformance.capabilities import Capabilities
from harness.conformance.expect import Blocked, CheckFailed, reported_level
from harness.conformance.features import missing_reason
from harness.conformance.messages import render_exchange, render_failure
from harness.conformance.registry import Check, check_of
from harness.conformance.results import CheckResult
from harness.conformance.target import Target
from harness.plugin import READ_ONLY_REASON
from harness.reports.model import Failure
from harness.reports.redact import redact_json

RESULT_KEY = pytest.StashKey[CheckResult]()
#: Under pytest-xdist, a worker sends each verdict to the controller in the
#: report's user_properties under this name, and its target's cleanup summary
#: in ``workeroutput`` under the same name.
WORKER_PROPERTY = "scim_harness_result"
START_KEY = pytest.StashKey[int]()
TARGET_KEY = pytest.StashKey[Target]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--scim-select`` / ``--scim-deselect``: keep checks whose id matches (globs)."""
    select = id_patterns(config.getoption("scim_select") or [])
    deselect = id_patterns(config.getoption("scim_deselect") or [])
    if not select and not deselect:
        return
    kept, dropped = [], []
    for item in items:
        spec = check_of(item)
        check_id = spec.id if spec else item.nodeid
        chosen = not select or any(fnmatch.fnmatchcase(check_id, p) for p in select)
        if chosen and not any(fnmatch.fnmatchcase(check_id, p) for p in deselect):
            kept.append(item)
        else:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def read_capabilities(client: ScimClient) -> Capabilities:
    """RFC 7643 §5 and §6: what the target says it supports."""
    spc = client.get("/ServiceProviderConfig")
    problem = None
    if spc.status != 200 or not isinstance(spc.body, dict):
        problem = f"GET /ServiceProviderConfig → {spc.status or spc.error}"
    types = client.get("/ResourceTypes")
    return Capabilities.from_spc(
        spc.body if problem is None else None,
        types.body if types.status == 200 else None,
        problem,
    )


@pytest.fixture(scope="session")
def target(
    scim_client: ScimClient, scim_settings: Any, pytestconfig: pytest.Config
) -> Iterator[Target]:
    """The target of this run; removes what the run created when the session ends."""
    found = Target(
        scim_client,
        read_capabilities(scim_client),
        profile=scim_settings.profile,
        prefix=scim_settings.prefix,
        read_only=scim_settings.read_only,
    )
    pytestconfig.stash[TARGET_KEY] = found
    try:
        yield found
    finally:
        found.cleanup()
        workeroutput = getattr(pytestconfig, "workeroutput", None)
        if workeroutput is not None:
            workeroutput[WORKER_PROPERTY] = target_summary(found)


def target_summary(found: Target) -> dict[str, Any]:
    """What the run report needs from a target once the run is over."""
    return {
        "capabilities": found.capabilities.to_json(),
        "leftovers": [leftover.to_json() for leftover in found.leftovers],
        "removed": found.removed,
        "notes": list(found.sweep_notes),
    }


def skip_reason(spec: Check, target: Target) -> str | None:
    """Why ``spec`` does not run against this target under this profile, if it doesn't."""
    if spec.level(target.profile) == "skip":
        return f"not part of the {target.profile} profile"
    if spec.mutating and target.read_only:
        return READ_ONLY_REASON
    for feature in spec.needs:
        reason = missing_reason(target, feature)
        if reason:
            return reason
    return None


@pytest.fixture(autouse=True)
def _scim_check_gate(request: pytest.FixtureRequest) -> Iterator[None]:
    spec = check_of(request.node)
    if spec is None:
        yield
        return
    found: Target = request.getfixturevalue("target")
    reason = skip_reason(spec, found)
    if reason:
        pytest.skip(reason)
    request.node.stash[START_KEY] = len(found.client.exchanges)
    with found.scope():
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    spec = check_of(item)
    if spec is None or (report.when == "teardown" and report.passed):
        return
    found = item.config.stash.get(TARGET_KEY, None)
    profile = found.profile if found else item.config.getoption("scim_profile")
    # A failure may count lower than the check's level this run (CheckFailed.at_most).
    level = reported_level(spec.level(profile), call.excinfo.value if call.excinfo else None)
    previous = item.stash.get(RESULT_KEY, None)
    if report.when == "teardown" and previous is not None and previous.verdict != "passed":
        return  # a cleanup problem after a failure adds nothing to the verdict
    exchanges = []
    if found is not None and START_KEY in item.stash:
        exchanges = list(found.client.exchanges[item.stash[START_KEY] :])
    token_variable = item.config.getoption("scim_token_env")
    redactor = found.client.redactor if found else Redactor()
    result = CheckResult(
        id=spec.id,
        title=spec.title,
        rule=spec.rule,
        area=spec.area,
        level=level,
        verdict="passed",
        duration_ms=report.duration * 1000,
        exchanges=exchanges,
    )
    error = call.excinfo.value if call.excinfo is not None else None
    if report.skipped:
        result.verdict = "skipped"
        result.message = _skip_reason(report)
    elif isinstance(error, Blocked):
        # A precondition failed: no verdict on the rule (shown as skipped to pytest).
        # A shared setup built by an earlier check failed in that check's
        # exchanges: the evidence joins this one's, so its cause is the same.
        shown = error.failure.exchange
        if shown is not None and not any(item is shown for item in exchanges):
            exchanges.append(shown)
            result.exchanges = exchanges
        result.verdict = "blocked"
        result.blocked_by = error.step
        result.message = redactor.text(_blocked_message(spec, error, exchanges, token_variable))
        failure = _failure_of(error.failure, exchanges).to_json()
        result.failure = Failure.from_json(redact_json(failure, redactor))
        report.outcome = "skipped"
        report.longrepr = (str(item.path), item.location[1] or 0, f"blocked: {error.step}")
    elif report.failed:
        # An exception that is not a failed expectation is the check tripping
        # (a KeyError on a body it did not guard): the harness could not judge.
        crashed = not isinstance(error, CheckFailed)
        result.verdict = "warning" if level != "must" else "error" if crashed else "failed"
        result.message = redactor.text(_message(spec, call, report, exchanges, token_variable))
        failure = _failure(call, exchanges).to_json()
        result.failure = Failure.from_json(redact_json(failure, redactor))
        report.longrepr = result.message
        if level != "must":
            report.outcome = "skipped"
            report.wasxfail = f"recommended ({level}), not required: {result.message}"
    item.stash[RESULT_KEY] = result
    if hasattr(item.config, "workerinput"):
        report.user_properties.append((WORKER_PROPERTY, result.to_json()))


def _failure(call: pytest.CallInfo[None], exchanges: list[Any]) -> Failure:
    """The failure in parts for the reports (the message is the same as text)."""
    error = call.excinfo.value if call.excinfo is not None else None
    if not isinstance(error, CheckFailed):
        last = len(exchanges) - 1 if exchanges else None
        cause = f"{type(error).__name__}: {error}" if error is not None else "error"
        return Failure(None, f"the check stopped with an unexpected error: {cause}", last)
    return _failure_of(error, exchanges)


def _failure_of(error: CheckFailed, exchanges: list[Any]) -> Failure:
    """A failed expectation in parts, pointing at its exchange among ``exchanges``.

    An expectation raised without an exchange (a declaration missing, a value
    the check computed) points at none: the reports still show the check's last
    exchange, but its root cause is not tied to whichever request came last.
    """
    if error.exchange is None:
        return Failure(error.expected, error.got, None, error.comparison)
    last = len(exchanges) - 1 if exchanges else None
    matches = [i for i, item in enumerate(exchanges) if item is error.exchange]
    index = matches[-1] if matches else last
    return Failure(error.expected, error.got, index, error.comparison)


def _blocked_message(spec: Check, error: Blocked, exchanges: list[Any], token_variable: str) -> str:
    """Why the check could not judge its rule: the step that failed and its exchange."""
    failed = error.failure
    exchange = failed.exchange or (exchanges[-1] if exchanges else None)
    return render_failure(
        spec,
        f"{failed.expected} (precondition: {error.step})",
        f"{failed.got} — blocked, no verdict on this check's rule",
        exchange,
        token_variable,
    )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr or "")


def _message(
    spec: Check,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    exchanges: list[Any],
    token_variable: str,
) -> str:
    error = call.excinfo.value if call.excinfo is not None else None
    if isinstance(error, CheckFailed):
        exchange = error.exchange or (exchanges[-1] if exchanges else None)
        return render_failure(spec, error.expected, error.got, exchange, token_variable)
    # Anything else is the check tripping over the target (or a bug of ours):
    # say so, show the last exchange and pytest's short traceback.
    cause = f"{type(error).__name__}: {error}" if error is not None else "error"
    text = render_failure(
        spec,
        None,
        f"the check stopped with an unexpected error during {report.when}: {cause}",
        exchanges[-1] if exchanges else None,
        token_variable,
    )
    trace = str(report.longrepr or "")
    if trace:
        text += "\n  traceback:\n" + "\n".join(f"    {line}" for line in trace.splitlines()[-25:])
    return text


__all__ = ["RESULT_KEY", "TARGET_KEY", "render_exchange", "skip_reason"]
