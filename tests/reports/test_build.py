"""From each command's records to the one model: entries, failures, readiness, caps."""

from __future__ import annotations

import json

from harness.client import Exchange
from harness.conformance.registry import Check
from harness.conformance.results import CheckResult, RunResult
from harness.fuzz.campaign import FuzzResult, PropertyResult
from harness.fuzz.findings import Finding, ReplayStep
from harness.plugin import READ_ONLY_REASON
from harness.reports.build import PASSED_STEP_EXCHANGES, from_fuzz, from_okta, from_run
from harness.reports.model import Report, read_report, report_json_text
from mock_okta.results import OktaRunResult, ScenarioResult, StepVerdict


def exchange(method: str = "GET", body: str = "{}", status: int = 200) -> Exchange:
    return Exchange(method, "http://t/Users", {}, None, status, {}, body, 1.0)


# -- conformance run: readiness per profile ---------------------------------------


def spec(
    check_id: str, rule: str, rfc: str, okta: str, entra: str, needs: tuple[str, ...] = ()
) -> Check:
    """A check with its levels given outright: readiness is judged here, not the level table."""
    levels = {"rfc": rfc, "okta": okta, "entra": entra}
    return Check(check_id, rule, check_id[-1], levels, needs)  # type: ignore[arg-type]


SPECS = {
    item.id: item
    for item in (
        spec("users.a", "RFC 7644 §3.3", "must", "must", "must"),
        spec("users.b", "RFC 7644 §3.3", "must", "must", "skip"),
        spec("entra.c", "Entra", "skip", "skip", "must"),
        spec("sort.d", "RFC 7644 §3.4.2.3", "must", "must", "must", ("sort",)),
        spec("patch.e", "RFC 7644 §3.5.2", "must", "must", "must", ("patch",)),
        spec("users.f", "RFC 7643 §7", "must", "must", "must"),
        spec("users.g", "RFC 7644 §3.3", "must", "should", "should"),
    )
}


def check_result(
    check_id: str, verdict: str, level: str = "must", message: str = ""
) -> CheckResult:
    spec = SPECS[check_id]
    return CheckResult(
        spec.id,
        spec.title,
        spec.rule,
        spec.area,
        level,
        verdict,
        message,  # type: ignore[arg-type]
    )


def run_of(*results: CheckResult, claimed: tuple[str, ...] = ("filter", "Users")) -> RunResult:
    run = RunResult("http://t", "okta", "p-", "2026-01-01T00:00:00+00:00")
    run.capabilities = {"claimed": list(claimed), "limits": {}, "problem": None}
    run.checks = list(results)
    return run


def readiness(report: Report) -> dict[str, tuple[str, list[str], list[str]]]:
    return {r.profile or r.name: (r.status, r.blocking, r.not_run) for r in report.readiness}


def test_each_profile_is_judged_by_its_own_must_levels() -> None:
    run = run_of(
        check_result("users.a", "passed"),
        check_result("users.b", "failed"),
        check_result("entra.c", "skipped", "skip", "not part of the okta profile"),
        # sort is not claimed and no profile insists on it: excused everywhere
        check_result("sort.d", "skipped", message="the target does not claim sort"),
        # patch is not claimed, but okta runs it anyway; rfc would have excused it
        check_result("patch.e", "passed"),
        # the check ran and found nothing to check: not required of this target
        check_result("users.f", "skipped", message="nothing to check"),
        check_result("users.g", "warning", "should"),
    )
    report = from_run(run, SPECS)
    got = readiness(report)
    assert got["okta"] == ("blocking", ["users.b"], [])
    # Entra: users.b is skip there; entra.c did not run under okta; patch.e passed
    assert got["entra"] == ("not-assessed", [], ["entra.c"])
    # RFC: users.g is must under rfc (a warning under okta) and broke; patch.e excused
    assert got["rfc"] == ("blocking", ["users.b", "users.g"], [])
    rfc = next(r for r in report.readiness if r.profile == "rfc")
    assert rfc.required == 3  # users.a, users.b, users.g
    assert "run with --profile entra" in next(
        r.summary for r in report.readiness if r.profile == "entra"
    )


def test_a_clean_record_is_ready_and_an_unselected_required_check_is_not() -> None:
    everything = [
        check_result("users.a", "passed"),
        check_result("users.b", "passed"),
        check_result("patch.e", "passed"),
        check_result("users.f", "passed"),
        check_result("users.g", "passed", "should"),
    ]
    assert readiness(from_run(run_of(*everything), SPECS))["okta"][0] == "ready"
    partial = from_run(run_of(*everything[1:]), SPECS)  # users.a not selected
    assert readiness(partial)["okta"] == ("not-assessed", [], ["users.a"])
    read_only = run_of(
        check_result("users.a", "skipped", message=READ_ONLY_REASON), *everything[1:]
    )
    assert readiness(from_run(read_only, SPECS))["okta"][2] == ["users.a"]


def test_a_feature_never_validly_declared_excuses_no_required_check() -> None:
    """An SPC that is no ServiceProviderConfig declares nothing: sort is *unknown*, not
    unsupported, so a required sort check the run skipped did not run (not-assessed),
    where a valid SPC without sort would have excused it."""
    results = [
        check_result("users.a", "passed"),
        check_result("users.b", "passed"),
        check_result("sort.d", "skipped", message="sort did not work when tried"),
        check_result("patch.e", "passed"),
        check_result("users.f", "passed"),
        check_result("users.g", "passed"),
    ]
    declared = run_of(*results, claimed=("filter", "patch", "Users"))
    assert readiness(from_run(declared, SPECS))["rfc"] == ("ready", [], [])
    undeclared = run_of(*results, claimed=("Users",))
    undeclared.capabilities["unknown"] = ["filter", "patch", "sort"]
    assert readiness(from_run(undeclared, SPECS))["rfc"] == ("not-assessed", [], ["sort.d"])


def test_run_entries_keep_levels_failure_and_baseline() -> None:
    failed = check_result("users.b", "failed", message="users.b — RFC 7644 §3.3 …")
    failed.baselined = True
    report = from_run(run_of(failed), SPECS)
    entry = report.entries[0]
    assert entry.levels == {"rfc": "must", "okta": "must", "entra": "skip"}
    assert entry.baselined and not entry.blocking
    assert report.counts()["baselined"] == 1 and report.counts()["failed"] == 1


# -- okta run ----------------------------------------------------------------------


def scenario(verdict: str, steps: list[StepVerdict], tags: tuple[str, ...] = ()) -> ScenarioResult:
    return ScenarioResult(
        f"s-{verdict}",
        f"scenarios/s-{verdict}.yaml",
        verdict,
        steps,
        tags=tags,  # type: ignore[arg-type]
    )


def test_a_scenario_is_one_entry_with_its_failed_step_as_the_failure() -> None:
    bulk = [exchange("POST") for _ in range(PASSED_STEP_EXCHANGES + 30)]
    failing = scenario(
        "failed",
        [
            StepVerdict(1, "assign", 10, "passed", "ada", exchanges=bulk),
            StepVerdict(
                2, "deactivate", 11, "failed", "ada", "HTTP 500", ["active still true"],
                [exchange("GET"), exchange("PATCH", status=500)],
            ),
            StepVerdict(3, "import", 12, "not_run"),
        ],
        tags=("oin",),
    )  # fmt: skip
    run = OktaRunResult("http://t", "2026-01-01T00:00:00+00:00", scenarios=[failing])
    report = from_okta(run)
    entry = report.entries[0]
    assert (entry.id, entry.kind, entry.verdict) == ("scenario.s-failed", "scenario", "failed")
    assert entry.failure is not None and "active still true" in entry.failure.got
    assert "HTTP 500" in entry.failure.got
    assert entry.failure.exchange == 1
    assert entry.exchanges[1].status == 500
    assert len(entry.steps[0].exchanges) == PASSED_STEP_EXCHANGES
    assert entry.omitted_exchanges == 30
    assert [r.name for r in report.readiness] == ["Okta OIN", "Okta provisioning"]
    assert all(r.status == "blocking" for r in report.readiness)


def test_skipped_scenarios_leave_readiness_to_the_ones_that_ran() -> None:
    passed = scenario("passed", [StepVerdict(1, "assign", 3, "passed")])
    skipped = scenario("skipped", [StepVerdict(1, "assign", 3, "skipped")])
    skipped.reason = "needs --tag slow"
    report = from_okta(OktaRunResult("t", "now", scenarios=[passed, skipped]))
    (line,) = report.readiness
    assert (line.status, line.not_run) == ("ready", ["scenario.s-skipped"])
    assert report.entries[1].message == "needs --tag slow"


# -- fuzz ------------------------------------------------------------------------------


def test_each_finding_is_a_failed_entry_and_a_quiet_property_one_passed_entry() -> None:
    expected = {"id": "{id0}", "userName": "ada", "active": False}
    steps = [
        ReplayStep("POST", "/Users", {"userName": "ada"}, "setup"),
        ReplayStep("PATCH", "/Users/{id0}", {"Operations": []}, f"resource {json.dumps(expected)}"),
    ]
    actual = {"id": "x1", "userName": "ada", "active": True}
    finding = Finding.of(
        "patch-differential",
        "PATCH left active true",
        [exchange("POST"), exchange("PATCH", json.dumps(actual))],
        steps,
    )
    twin = Finding.of("patch-differential", "another one", [exchange("PATCH")])
    result = FuzzResult("t", 7, "p-", "now", "later")
    result.properties = [
        PropertyResult("patch-users", 40, 2.0, [finding, twin], "finding"),
        PropertyResult("paging", 30, 1.0),
        PropertyResult("stateful", 0, 0.0, stopped="interrupted"),
        PropertyResult("patch-groups", 3, 0.5, stopped="error", error="target went away"),
    ]
    report = from_fuzz(result)
    ids = [(e.id, e.verdict) for e in report.entries]
    assert ids == [
        ("fuzz.patch-users.patch-differential", "failed"),
        ("fuzz.patch-users.patch-differential-2", "failed"),
        ("fuzz.paging", "passed"),
        ("fuzz.stateful", "skipped"),
        ("fuzz.patch-groups", "error"),
    ]
    first = report.entries[0]
    assert first.failure is not None and first.failure.comparison is not None
    assert first.failure.comparison.expected == expected
    assert first.failure.comparison.actual == actual
    assert first.failure.exchange == 1
    assert report.facts["examples"] == 73 and report.seed == 7
    assert report.readiness[0].status == "blocking"


def test_the_json_form_reads_back_unchanged(tmp_path) -> None:
    run = run_of(check_result("users.a", "passed"), check_result("users.b", "failed"))
    report = from_run(run, SPECS)
    path = tmp_path / "report.json"
    path.write_text(report_json_text(report), encoding="utf-8")
    assert read_report(path).to_json() == report.to_json()
