"""Turn each command's working records into the one :class:`~harness.reports.model.Report`.

* :func:`from_run` — ``scim-harness run``: one entry per check, and the
  readiness of the target for Okta, Entra and the RFCs, each judged by that
  profile's ``must`` levels whatever profile the run used;
* :func:`from_okta` — ``scim-harness okta run``: one entry per scenario with
  its steps;
* :func:`from_fuzz` — ``scim-harness fuzz``: one entry per finding, and one
  per property that found nothing.

The rules of readiness live here once; the renderers only show them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from harness.client import Exchange
from harness.fuzz.findings import KINDS, Finding
from harness.reports.causes import group_causes, signature
from harness.reports.model import (
    Comparison,
    Entry,
    Failure,
    Readiness,
    ReadinessStatus,
    Report,
    Source,
    Verdict,
)

if TYPE_CHECKING:
    from harness.conformance.registry import Check
    from harness.conformance.results import RunResult
    from harness.fuzz.campaign import FuzzResult, PropertyResult
    from mock_okta.results import OktaRunResult, ScenarioResult, StepVerdict

#: Who each profile speaks for, in the order the verdict lists them.
PROFILE_READERS: tuple[tuple[str, str], ...] = (
    ("okta", "Okta OIN"),
    ("entra", "Microsoft Entra ID"),
    ("rfc", "RFC 7643/7644"),
)
#: A passed Okta step keeps this many exchanges in the report (the first
#: ones); a 10 000-user push would otherwise write tens of megabytes of
#: identical POSTs. Failed steps keep all of theirs.
PASSED_STEP_EXCHANGES = 20


def _report(source: Source, result: Any, entries: list[Entry], **fields: Any) -> Report:
    """A report with what every command's result has: target, times, exit code, problem,
    and its failures grouped into root causes (one rule, :mod:`harness.reports.causes`)."""
    return Report(
        causes=group_causes(entries, str(fields.get("prefix") or "")),
        source=source,
        target=result.target,
        started_at=result.started_at,
        finished_at=result.finished_at,
        exit_code=result.exit_code,
        entries=entries,
        interrupted=result.interrupted,
        problem=result.problem,
        **fields,
    )


# -- scim-harness run ------------------------------------------------------------


def from_run(run: RunResult, specs: Mapping[str, Check] | None = None) -> Report:
    """The conformance run as a report; ``specs`` (the registry) drives readiness."""
    if specs is None:
        from harness.conformance.registry import CHECKS

        specs = CHECKS
    entries = [
        Entry(
            id=result.id,
            kind="check",
            title=result.title,
            rule=result.rule,
            area=result.area,
            verdict=result.verdict,
            level=result.level,
            levels=dict(specs[result.id].levels) if result.id in specs else {},
            baselined=result.baselined,
            message=result.message,
            failure=result.failure,
            duration_ms=result.duration_ms,
            exchanges=list(result.exchanges),
            blocked_by=result.blocked_by,
        )
        for result in run.checks
    ]
    report = _report(
        "run",
        run,
        entries,
        profile=run.profile,
        prefix=run.prefix,
        capabilities=dict(run.capabilities),
        baseline=None if run.baseline is None else run.baseline.to_json(),
        removed=run.removed,
        leftovers=list(run.leftovers),
        cleanup_notes=list(run.cleanup_notes),
    )
    claimed = set(run.capabilities.get("claimed") or [])
    unknown = set(run.capabilities.get("unknown") or [])
    report.readiness = [
        profile_readiness(name, profile, entries, specs, claimed, run.profile, unknown)
        for profile, name in PROFILE_READERS
    ]
    return report


def profile_readiness(
    name: str,
    profile: str,
    entries: list[Entry],
    specs: Mapping[str, Check],
    claimed: set[str],
    run_profile: str,
    unknown: set[str] | frozenset[str] = frozenset(),
) -> Readiness:
    """Ready for ``profile``: every check it requires ran and held.

    Required means ``must`` under that profile. A required check the target
    is excused from — it needs a feature the target does not claim and the
    profile does not insist on (RFC 7643 §5; ``PROFILE_REQUIRED_FEATURES``),
    or it ran and found nothing to check (no immutable attribute declared) —
    is not required of it. One the run left out (another profile,
    ``--select``, ``--read-only``, a feature this profile insists on but the
    run's did not) leaves the verdict ``not-assessed``: silence is not a pass.
    A feature the target never validly declared (``unknown``: an SPC that is
    not a ServiceProviderConfig, a /ResourceTypes that lists nothing) excuses
    nothing: a required check skipped for it did not run.
    """
    from harness.conformance.capabilities import PROFILE_REQUIRED_FEATURES
    from harness.plugin import READ_ONLY_REASON

    def excused(spec: Check, under: str) -> bool:
        insisted = PROFILE_REQUIRED_FEATURES.get(under, frozenset())
        return bool(claimed) and any(
            f not in claimed and f not in unknown and f not in insisted for f in spec.needs
        )

    def undeclared(spec: Check, under: str) -> bool:
        insisted = PROFILE_REQUIRED_FEATURES.get(under, frozenset())
        return any(f in unknown and f not in insisted for f in spec.needs)

    by_id = {entry.id: entry for entry in entries}
    blocking: list[str] = []
    not_run: list[str] = []
    required = 0
    for spec in specs.values():
        if spec.level(profile) != "must" or excused(spec, profile):
            continue
        entry = by_id.get(spec.id)
        if entry is not None and entry.verdict == "skipped":
            skipped_by_the_run = (
                entry.level == "skip"
                or entry.message == READ_ONLY_REASON
                or excused(spec, run_profile)
                or undeclared(spec, run_profile)
            )
            if not skipped_by_the_run:
                continue  # the check found nothing to check on this target (it says why)
        required += 1
        if entry is None or entry.verdict in ("skipped", "blocked"):
            not_run.append(spec.id)
        elif entry.broken or entry.verdict == "error":
            blocking.append(spec.id)
    hint = "" if profile == run_profile else f" (run with --profile {profile})"
    status: ReadinessStatus
    if blocking:
        status, summary = "blocking", f"{len(blocking)} blocking of {required} required checks"
        if not_run:
            summary += f"; {len(not_run)} did not run{hint}"
    elif not_run:
        status = "not-assessed"
        summary = f"not assessed — {len(not_run)} of {required} required checks did not run{hint}"
    else:
        status, summary = "ready", f"ready — all {required} required checks passed"
    return Readiness(name, status, summary, required, blocking, not_run, profile)


# -- scim-harness okta run -------------------------------------------------------

_SCENARIO_VERDICT: dict[str, Verdict] = {
    "passed": "passed",
    "warning": "warning",
    "failed": "failed",
    "blocked": "blocked",
    "error": "error",
    "skipped": "skipped",
}


def from_okta(run: OktaRunResult) -> Report:
    """The Okta replay as a report: one entry per scenario."""
    entries = [_scenario_entry(scenario) for scenario in run.scenarios]
    report = _report(
        "okta",
        run,
        entries,
        prefix=", ".join(dict.fromkeys(s.prefix for s in run.scenarios if s.prefix)),
        removed=sum(scenario.removed for scenario in run.scenarios),
        leftovers=[item for scenario in run.scenarios for item in scenario.leftovers],
    )
    report.readiness = [_scenario_readiness("Okta provisioning", entries)]
    oin = [entry for entry in entries if "oin" in entry.details.get("tags", ())]
    if oin:
        report.readiness.insert(0, _scenario_readiness("Okta OIN", oin))
    return report


def _scenario_entry(scenario: ScenarioResult) -> Entry:
    steps = [_capped(step) for step in scenario.steps]
    omitted = sum(len(step.exchanges) for step in scenario.steps) - sum(
        len(step.exchanges) for step in steps
    )
    failed = scenario.failed_steps()
    exchanges = list(failed[0].exchanges) if failed else []
    failure = None
    if failed:
        step = failed[0]
        got = "; ".join(step.failures) or "the step failed"
        if step.okta_message:
            got += f" — Okta: {step.okta_message}"
        failure = Failure(
            expected=f"step {step.index} ({step.event} {step.argument}".rstrip() + ") to pass",
            got=got,
            exchange=len(exchanges) - 1 if exchanges else None,
        )
    elif scenario.verdict in ("error", "blocked"):
        failure = Failure(None, scenario.reason or "the scenario could not run")
    tags = list(scenario.tags)
    return Entry(
        id=f"scenario.{scenario.name}",
        kind="scenario",
        title=scenario.description or scenario.name,
        rule=f"Okta provisioning sequence ({', '.join(tags) or 'scenario'}): {scenario.source}",
        area="scenario",
        verdict=_SCENARIO_VERDICT[scenario.verdict],
        message=(
            scenario.failure_text()
            if scenario.verdict in ("failed", "error", "warning", "blocked")
            else (scenario.reason or "")
        ),
        failure=failure,
        duration_ms=scenario.duration * 1000,
        exchanges=exchanges,
        omitted_exchanges=omitted,
        steps=steps,
        details={
            "source": scenario.source,
            "app_kind": scenario.app_kind,
            "tags": tags,
            "prefix": scenario.prefix,
        },
    )


def _capped(step: StepVerdict) -> StepVerdict:
    if step.verdict in ("failed", "error") or len(step.exchanges) <= PASSED_STEP_EXCHANGES:
        return step
    return replace(step, exchanges=step.exchanges[:PASSED_STEP_EXCHANGES])


def _scenario_readiness(name: str, entries: list[Entry]) -> Readiness:
    ran = [entry for entry in entries if entry.verdict != "skipped"]
    blocking = [entry.id for entry in ran if entry.verdict in ("failed", "error", "blocked")]
    not_run = [entry.id for entry in entries if entry.verdict == "skipped"]
    status: ReadinessStatus
    if blocking:
        status, summary = "blocking", f"{len(blocking)} of {len(ran)} scenarios failed or blocked"
    elif not ran:
        status, summary = "not-assessed", "no scenario ran"
    else:
        status, summary = "ready", f"ready — all {len(ran)} scenarios passed"
    return Readiness(name, status, summary, len(ran), blocking, not_run)


# -- scim-harness fuzz -----------------------------------------------------------


def from_fuzz(result: FuzzResult) -> Report:
    """The campaign as a report: one entry per finding, one per property that found
    nothing, one ``error`` entry per property that stopped on an error of the harness
    (with its traceback) or ran no example.

    The counts come from the result (:attr:`FuzzResult.findings`,
    :attr:`FuzzResult.errors`), the numbers the console prints, so the console,
    this report and every format rendered from it say the same.
    """
    findings = result.findings
    errors = result.errors
    entries: list[Entry] = []
    counted = {id(finding) for finding in findings}  # each finding under the first that found it
    for prop in result.properties:
        entries += _property_entries(prop, [f for f in prop.findings if id(f) in counted])
    examples = sum(prop.examples for prop in result.properties)
    report = _report(
        "fuzz",
        result,
        entries,
        prefix=result.prefix,
        seed=result.seed,
        removed=result.removed,
        leftovers=list(result.leftovers),
        facts={
            "examples": examples,
            "properties": len(result.properties),
            "findings": len(findings),
            "errors": len(errors),
            "duration_s": round(result.duration_s, 3),
        },
    )
    blocking = [entry.id for entry in entries if entry.verdict in ("failed", "error")]
    status: ReadinessStatus
    if blocking:
        status = "blocking"
        summary = f"{fuzz_tally(len(findings), len(errors))} in {examples} examples"
    elif not examples:
        status, summary = "not-assessed", "no example ran"
    else:
        status = "ready"
        summary = f"no finding in {examples} examples (seed {result.seed})"
    report.readiness = [Readiness("Differential fuzzing", status, summary, len(entries), blocking)]
    return report


def fuzz_tally(findings: int, errors: int) -> str:
    """``3 finding(s), 1 error(s)``: the one wording of a campaign's counts."""
    text = f"{findings} finding(s)"
    return text + (f", {errors} error(s)" if errors else "")


def _property_entries(prop: PropertyResult, findings: list[Finding]) -> list[Entry]:
    details: dict[str, Any] = {
        "property": prop.name,
        "examples": prop.examples,
        "stopped": prop.stopped,
        "answers": {shape: dict(row) for shape, row in prop.answers.items()},
    }
    seconds_ms = prop.seconds * 1000
    entries = []
    seen: dict[str, int] = {}
    for finding in findings:
        seen[finding.kind] = seen.get(finding.kind, 0) + 1
        suffix = "" if seen[finding.kind] == 1 else f"-{seen[finding.kind]}"
        entries.append(
            Entry(
                id=f"fuzz.{prop.name}.{finding.kind}{suffix}",
                kind="finding",
                title=finding.summary,
                rule=finding.rule,
                area=prop.name,
                verdict="failed",
                message=finding.text(),
                failure=_finding_failure(finding),
                duration_ms=seconds_ms / len(findings),
                exchanges=list(finding.exchanges),
                finding=finding,
                details=details,
            )
        )
    rule = _PROPERTY_RULES.get(prop.name, "RFC 7644")
    if prop.error:
        message = prop.error + (f"\n\ntraceback:\n{prop.traceback}" if prop.traceback else "")
        entries.append(
            Entry(
                id=f"fuzz.{prop.name}.error" if findings else f"fuzz.{prop.name}",
                kind="property",
                title=f"{prop.name}: stopped on an error after {prop.examples} examples",
                rule=rule,
                area=prop.name,
                verdict="error",
                message=message,
                failure=Failure(None, prop.error),
                duration_ms=seconds_ms,
                details={**details, "traceback": prop.traceback},
            )
        )
    elif not findings:
        # No example and no error: the campaign was interrupted before it (the
        # campaign makes any other property without an example an error).
        quiet: Verdict = "passed" if prop.examples else "skipped"
        entries.append(
            Entry(
                id=f"fuzz.{prop.name}",
                kind="property",
                title=f"{prop.name}: {prop.examples} examples without a finding",
                rule=rule,
                area=prop.name,
                verdict=quiet,
                message="" if prop.examples else f"no example ran (stopped: {prop.stopped})",
                duration_ms=seconds_ms,
                details=details,
            )
        )
    return entries


#: The sections each campaign property judges a target by (docs/fuzz.md).
_PROPERTY_RULES: dict[str, str] = {
    "filters-users": "RFC 7644 §3.4.2.2",
    "filters-groups": "RFC 7644 §3.4.2.2",
    "invalid-filters": "RFC 7644 §3.4.2.2, §3.12",
    "patch-users": "RFC 7644 §3.5.2",
    "patch-groups": "RFC 7644 §3.5.2",
    "invalid-patches": "RFC 7644 §3.5.2, §3.12",
    "paging": "RFC 7644 §3.4.2.4",
    "stateful": "RFC 7644 §3.3–§3.6; RFC 7643 §4.1.2, §4.2",
}


def _finding_failure(finding: Finding) -> Failure:
    """The finding's summary, the exchange that shows it and, where the replay
    recipe names the resource a conformant target leaves, expected vs actual."""
    comparison, index = _resource_comparison(finding.steps, finding.exchanges)
    if index is None and finding.exchanges:
        index = len(finding.exchanges) - 1
    # A 5xx's cause is its request and status (RFC 7644 §3.12), whatever example met it.
    got = _status_text(finding) if finding.kind == "server-error" else finding.summary
    return Failure(
        expected=_expectation(finding),
        got=got or finding.summary,
        exchange=index,
        comparison=comparison,
    )


def _expectation(finding: Finding) -> str:
    kind = KINDS.get(finding.kind)
    return f"{kind.expectation if kind else 'no ' + finding.kind} ({finding.rule})"


def _status_text(finding: Finding) -> str:
    """``HTTP 500`` of the finding's last exchange (its evidence); the transport error
    when nothing came back; empty without an exchange."""
    if not finding.exchanges:
        return ""
    exchange = finding.exchanges[-1]
    return f"HTTP {exchange.status}" if exchange.status is not None else str(exchange.error)


def finding_cause(finding: Finding, prefix: str = "") -> str:
    """The cause of a finding: its kind, then the signature of
    :mod:`harness.reports.causes` of its evidence — the request's shape (method, path
    with ``{id}``, query names), the status and, for a 4xx body that is not a SCIM
    Error, what is wrong with it, blanked. Two findings that differ only in the values
    an example drew (the filter, the PATCH, the names) share a cause; the campaign
    collects distinct causes (:mod:`harness.fuzz.accounting`)."""
    got = _status_text(finding)
    if finding.kind == "error-shape" and got.startswith("HTTP "):
        got += ": " + finding.summary.rsplit(": ", 1)[-1]  # the oracle's "<request> → 409: …"
    exchange = finding.exchanges[-1] if finding.exchanges else None
    key, _ = signature(_expectation(finding), got or finding.summary, exchange, prefix)
    return f"{finding.kind}|{key}"


def _resource_comparison(
    steps: Iterable[Any], exchanges: list[Exchange]
) -> tuple[Comparison | None, int | None]:
    """Expected vs actual from the last ``resource {json}`` step of a replay recipe."""
    steps = list(steps)
    for position in range(len(steps) - 1, -1, -1):
        expect = str(steps[position].expect)
        if not expect.startswith("resource {"):
            continue
        try:
            expected = json.loads(expect.removeprefix("resource "))
        except ValueError:
            return None, None
        method = steps[position].method
        for index in range(len(exchanges) - 1, -1, -1):
            exchange = exchanges[index]
            if exchange.method != method:
                continue
            try:
                actual = json.loads(exchange.response_body)
            except ValueError:
                return None, index
            what = f"the resource after {method} {steps[position].path}"
            return Comparison(what, expected, actual), index
        return None, None
    return None, None
