"""``report.schema.json`` describes what :meth:`Report.to_json` writes, for every source.

Reports from real runs — a conformance run on a server with planted defects
(failures with comparisons), a fuzz campaign that finds a planted filter
defect, and (in tests/mock_okta/test_runner_parts.py) an Okta scenario that
fails a step — must validate; documents that
break the contract must not; and the schema must name exactly the fields the
model writes, so neither can drift from the other.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from harness.client import Exchange
from harness.conformance.runner import RunOptions, run_suite
from harness.fuzz.campaign import CampaignOptions, run_campaign
from harness.fuzz.findings import Finding, ReplayStep
from harness.reports.build import from_fuzz, from_run
from harness.reports.model import SCHEMA_PATH, Comparison, Entry, Failure, Readiness, Report
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from mock_okta.results import StepVerdict

TOKEN = "schema-test-token-5f3a"
SCHEMA: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def errors(document: Any) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_is_valid_json_schema_2020_12() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


# -- real reports validate ----------------------------------------------------------


@pytest.fixture(scope="module")
def run_report() -> dict[str, Any]:
    app = faulty_app(FAULTS_BY_NAME["put-merges"], ServerConfig(token=TOKEN))
    result = run_suite(RunOptions(app=app, token=TOKEN, profile="okta", select=["users.*"]))
    assert result.exit_code == 1, result.problem
    return from_run(result).to_json()


def test_a_conformance_report_with_failures_validates(run_report: dict[str, Any]) -> None:
    assert errors(run_report) == []
    assert run_report["source"] == "run" and run_report["counts"]["failed"] > 0
    assert any(entry["failure"] for entry in run_report["entries"])
    assert run_report["readiness"][0]["name"] == "Okta OIN"


# An Okta report with a failed step is validated (and read back) by
# tests/mock_okta/test_runner_parts.py::test_report_round_trips_and_matches_its_schema.


def test_a_fuzz_report_with_a_finding_validates() -> None:
    fault = FAULTS_BY_NAME["filter-co-case-sensitive"]
    app = faulty_app(fault, ServerConfig(token=TOKEN))
    result = run_campaign(
        CampaignOptions(app=app, token=TOKEN, properties=["filters-users"], max_examples=200,
                        seed=3, database_dir=None, private=True)
    )  # fmt: skip
    report = from_fuzz(result).to_json()
    assert errors(report) == []
    findings = [entry for entry in report["entries"] if entry["kind"] == "finding"]
    assert findings and findings[0]["finding"]["steps"], "the planted defect was not found"


# -- broken documents do not ------------------------------------------------------


def minimal() -> dict[str, Any]:
    exchange = Exchange("GET", "http://t/Users/1", {"Authorization": "Bearer [REDACTED]"}, None,
                        404, {}, "{}", 1.0)  # fmt: skip
    entry = Entry(
        "users.get.404", "check", "t", "RFC 7644 §3.12", "users", "failed",
        failure=Failure("HTTP 404", "HTTP 200", 0, Comparison("the body", {"a": 1}, {"a": 2})),
        exchanges=[exchange],
        steps=[StepVerdict(0, "assign_user", 3, "passed", "ada")],
        finding=Finding("paging", "RFC 7644 §3.4.2.4", "s", [exchange],
                        [ReplayStep("GET", "/Users", None, "status 2xx")], "paging"),
    )  # fmt: skip
    report = Report("run", "http://t", "2026-01-01T00:00:00+00:00", entries=[entry], profile="rfc")
    report.readiness = [Readiness("RFC 7643/7644", "blocking", "1 blocking", 1, ["users.get.404"])]
    return report.to_json()


def test_a_synthetic_report_using_every_part_validates() -> None:
    assert errors(minimal()) == []


BREAKAGES = {
    "old format": lambda d: d.update(format="scim-harness/run-report"),
    "version 2": lambda d: d.update(version=2),
    "unknown source": lambda d: d.update(source="pytest"),
    "unknown verdict": lambda d: d["entries"][0].update(verdict="flaky"),
    "no entries": lambda d: d.pop("entries"),
    "readiness status": lambda d: d["readiness"][0].update(status="green"),
    "counts without error": lambda d: d["counts"].pop("error"),
    "failure without got": lambda d: d["entries"][0]["failure"].pop("got"),
    "finding kind": lambda d: d["entries"][0]["finding"].update(kind="typo"),
    "step verdict": lambda d: d["entries"][0]["steps"][0].update(verdict="ok"),
    "exchange status": lambda d: d["entries"][0]["exchanges"][0]["response"].update(status="404"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_document_that_breaks_the_contract_is_rejected(breakage: str) -> None:
    document = copy.deepcopy(minimal())
    BREAKAGES[breakage](document)
    assert errors(document), f"{breakage}: accepted"


# -- the schema names what the model writes -----------------------------------------


def test_required_fields_are_exactly_what_the_model_writes() -> None:
    document = minimal()
    entry = document["entries"][0]
    defs = SCHEMA["$defs"]
    pairs = {
        "report": (SCHEMA, document),
        "entry": (defs["entry"], entry),
        "failure": (defs["failure"], entry["failure"]),
        "comparison": (defs["comparison"], entry["failure"]["comparison"]),
        "readiness": (defs["readiness"], document["readiness"][0]),
        "step": (defs["step"], entry["steps"][0]),
        "finding": (defs["finding"], entry["finding"]),
        "replay_step": (defs["replay_step"], entry["finding"]["steps"][0]),
        "exchange": (defs["exchange"], entry["exchanges"][0]),
    }
    for name, (schema, written) in pairs.items():
        assert set(schema["required"]) == set(written), name
        assert set(schema["properties"]) == set(written), name
