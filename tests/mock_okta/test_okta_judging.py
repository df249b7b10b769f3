"""The shipped scenarios judge a server the way Okta would (issue 15).

Each test plants one defect seen on a real server into the reference server
(a local :class:`~harness.server.faults.Fault`: request/response hooks
around the real app, in process) and checks that ``okta run`` neither fails
what Okta would have completed nor stops before the defect that matters:

* a server refusing ``sw`` still completes ``infra-everyone`` (Okta never
  sends ``sw``; the harness's own reads must not either);
* a 404 to a write on a discovery endpoint is a warning in ``oin-spec-test``
  (optional steps), and every other step still runs;
* a server dropping ``emails[].type`` completes ``oin-crud-test`` with a
  warning that says what the dropped type costs;
* a server whose group filters never match, and which answers 501 to a
  member removal by value filter: ``group-push`` reaches and reports the 501;
* a server whose SPC says ``changePassword: false``: ``password-sync``'s
  pushes are skipped with the reason, not failed;
* a step that raises inside the harness is an ``error`` with its traceback
  in the report, and the run exits non-zero.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.reports.model import Report
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    Fault,
    FaultContext,
    HttpRequest,
    HttpResponse,
    faulty_app,
    is_listing,
    list_params,
    on_list,
    on_resources,
    operations,
    scim_error,
)
from mock_okta import runner
from mock_okta.command import shipped_scenarios
from mock_okta.dependencies import needs
from mock_okta.results import ScenarioResult
from mock_okta.runner import RunTarget, run_scenario
from mock_okta.scenario import Event, load_scenario

SCENARIOS = shipped_scenarios()
TOKEN = "judging-token"


def run(scenario_file: str, fault: Fault | None = None) -> ScenarioResult:
    config = ServerConfig(token=TOKEN)
    app = create_app(config) if fault is None else faulty_app(fault, config)
    scenario = load_scenario(SCENARIOS / scenario_file)
    return run_scenario(scenario, RunTarget(app=app, token=TOKEN))


def planted(name: str, **parts: Any) -> Fault:
    return Fault(name, name, "a real server of the field corpus", (f"scenario.{name}",), **parts)


def verdicts(result: ScenarioResult) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for step in result.steps:
        found.setdefault(step.verdict, []).append(f"{step.index} {step.event}")
    return found


# -- the faults ------------------------------------------------------------------


def _refuse_sw(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    """RFC 7644 §3.4.2.2 lets a server refuse an operator (400 invalidFilter)."""
    text = list_params(request).get("filter") if is_listing(request) else None
    if isinstance(text, str) and " sw " in f" {text.lower()} ":
        return scim_error(400, "invalidFilter", "The operator 'sw' is not supported")
    return request


REFUSES_SW = planted("refuses-sw", request=(_refuse_sw,))


def _discovery_write_404(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    discovery = ("/ServiceProviderConfig", "/Schemas", "/ResourceTypes")
    if request.method != "GET" and request.path.endswith(discovery):
        return scim_error(404, None, "Not found")
    return request


DISCOVERY_WRITE_404 = planted("discovery-write-404", request=(_discovery_write_404,))


def _untyped(item: dict[str, Any], request: HttpRequest, context: FaultContext) -> dict[str, Any]:
    emails = item.get("emails")
    if isinstance(emails, list):
        item["emails"] = [
            {k: v for k, v in email.items() if k != "type"} if isinstance(email, dict) else email
            for email in emails
        ]
    return item


DROPS_EMAIL_TYPE = planted("drops-email-type", response=(on_resources(_untyped),))


def _group_filter_never_matches(
    request: HttpRequest, context: FaultContext
) -> HttpRequest | HttpResponse:
    if is_listing(request) and "/Groups" in request.path and list_params(request).get("filter"):
        empty = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": 0,
            "startIndex": 1,
            "itemsPerPage": 0,
            "Resources": [],
        }
        return HttpResponse(200, (("content-type", "application/scim+json"),)).with_json(empty)
    return request


def _no_value_filter_remove(
    request: HttpRequest, context: FaultContext
) -> HttpRequest | HttpResponse:
    found = operations(request.json()) if request.method == "PATCH" else None
    paths = [str(op.get("path", "")) for op in (found[1] if found else []) if isinstance(op, dict)]
    if any(path.startswith("members[") for path in paths):
        return scim_error(501, None, "Filtered member paths are not implemented")
    return request


BROKEN_GROUPS = planted(
    "broken-group-filters-and-member-remove",
    request=(_group_filter_never_matches, _no_value_filter_remove),
)


def _no_password_changes(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if request.path.endswith("/ServiceProviderConfig") and response.status == 200:
        body = response.json()
        body["changePassword"] = {"supported": False}
        return response.with_json(body)
    return response


def _refuse_password(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    if request.method in ("PATCH", "PUT") and b"password" in request.body:
        return scim_error(400, "mutability", "password cannot be changed")
    return request


NO_PASSWORD_CHANGES = planted(
    "no-password-changes", request=(_refuse_password,), response=(_no_password_changes,)
)


# -- the tests -------------------------------------------------------------------


def test_a_server_refusing_sw_completes_infra_everyone() -> None:
    result = run("infra-everyone.yaml", REFUSES_SW)
    assert result.verdict == "passed", result.failure_text()


def test_a_404_to_discovery_writes_is_a_warning_and_every_step_runs() -> None:
    result = run("oin-spec-test.yaml", DISCOVERY_WRITE_404)
    assert result.verdict == "warning", result.failure_text()
    found = verdicts(result)
    assert found["warning"] == ["3 request", "4 request", "5 request"]
    assert set(found) == {"passed", "warning"}
    text = result.failure_text()
    assert "(optional step)" in text and "status: expected 405, got HTTP 404" in text
    # A raw request's answer is not a message of Okta's.
    assert all(step.okta_message is None for step in result.steps)
    assert "Okta's message" not in text


def test_a_dropped_email_type_completes_the_crud_test_with_its_consequence() -> None:
    result = run("oin-crud-test.yaml", DROPS_EMAIL_TYPE)
    assert result.verdict == "warning", result.failure_text()
    assert set(verdicts(result)) == {"passed"}
    (warning,) = [w for step in result.steps for w in step.warnings]
    assert "keeps 'crud.tester@example.com' in emails but not its type 'work'" in warning
    assert 'emails[type eq "work"]' in warning
    assert "an import brings the user into Okta with no email" in warning
    assert "${" not in warning and "is nothing" not in warning


def undeclared(attribute: str) -> Fault:
    """A server whose /Schemas has no ``attribute`` on User, and which does not keep it."""

    def drop(item: dict[str, Any], request: HttpRequest, context: FaultContext) -> dict[str, Any]:
        item.pop(attribute, None)
        return item

    def schemas(
        request: HttpRequest, response: HttpResponse, context: FaultContext
    ) -> HttpResponse:
        if "/Schemas" not in request.path or response.status != 200:
            return response
        body = response.json()
        for schema in body.get("Resources") or [body]:
            if isinstance(schema, dict) and schema.get("id", "").endswith(":core:2.0:User"):
                kept = [a for a in schema.get("attributes") or [] if a.get("name") != attribute]
                schema["attributes"] = kept
        return response.with_json(body)

    return planted(f"no-{attribute.lower()}-declared", response=(schemas, on_resources(drop)))


NO_EMAILS = undeclared("emails")


def test_an_attribute_the_server_does_not_declare_is_a_warning_not_a_failure() -> None:
    result = run("oin-crud-test.yaml", NO_EMAILS)
    assert result.verdict == "warning", result.failure_text()
    (warning,) = [w for step in result.steps for w in step.warnings]
    assert "the server's /Schemas declares no emails on User" in warning
    assert 'emails[type eq "work"].value' in warning


def test_an_attribute_okta_checks_fails_even_when_undeclared() -> None:
    """Okta's CRUD test updates the first name and reads it back: no excuse."""
    result = run("oin-crud-test.yaml", undeclared("name"))
    assert result.verdict == "failed"
    assert "the SCIM user has no name.givenName" in result.failure_text()
    assert not [w for step in result.steps for w in step.warnings]


def test_broken_group_filters_do_not_hide_the_501_on_member_removal() -> None:
    result = run("group-push.yaml", BROKEN_GROUPS)
    assert result.verdict == "failed", result.failure_text()
    found = verdicts(result)
    assert found["failed"][0] == "5 remove_member", result.failure_text()
    # The push was verified by the id Okta holds, and the steps after the 501 still ran
    # (the rename's member check then sees Grace still there: the 501's consequence).
    assert found["passed"][:5] == [
        "0 assign_user",
        "1 assign_user",
        "2 assign_user",
        "3 push_group",
        "4 add_member",
    ]
    assert "blocked" not in found
    rename = result.steps[6]
    assert [e.status for e in rename.exchanges] == [200]
    removal = result.failed_steps()[0]
    assert removal.okta_message is None  # a group push has no Okta wording of its own
    assert removal.message is not None and "HTTP 501" in removal.message
    text = result.failure_text()
    assert "found 0" not in text and "Okta's message" not in text
    assert "${" not in text


def test_password_pushes_are_skipped_when_the_server_offers_no_password_change() -> None:
    result = run("password-sync.yaml", NO_PASSWORD_CHANGES)
    assert result.verdict == "passed", result.failure_text()
    pushes = [step for step in result.steps if step.event == "push_password"]
    assert [step.verdict for step in pushes] == ["skipped", "skipped"]
    assert all(step.exchanges == [] for step in pushes)
    reason = pushes[0].reason or ""
    assert reason.startswith("the server does not support password changes")
    assert "changePassword.supported: false" in reason


def test_password_pushes_run_on_a_server_that_offers_them() -> None:
    result = run("password-sync.yaml")
    assert [step.verdict for step in result.steps] == ["passed"] * 3


def test_a_step_raising_inside_the_harness_is_an_error_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug in the harness")

    monkeypatch.setitem(runner.EVENT_HANDLERS, Event.VERIFY_USER, broken)
    report = tmp_path / "r.json"
    scenario = str(SCENARIOS / "oin-crud-test.yaml")
    html = tmp_path / "r.html"
    code = main(["okta", "run", scenario, "--report-json", str(report), "--report-html", str(html)])
    assert code != 0
    err = capsys.readouterr().err
    assert "raised RuntimeError running this step: a bug in the harness" in err
    assert "Traceback (most recent call last)" not in err  # one short line on the console
    assert "verdict: FAIL — oin-crud-test" in err
    assert "1 scenario(s): 0 passed, 0 passed with warnings, 0 failed, 1 error(s)" in err
    data = Report.from_json(json.loads(report.read_text()))
    (entry,) = data.entries
    assert entry.verdict == "error"
    errors = [step for step in entry.steps if step.verdict == "error"]
    assert errors and errors[0].event == "verify_user"
    assert errors[0].traceback and "RuntimeError: a bug in the harness" in errors[0].traceback
    assert "Traceback (most recent call last)" in errors[0].traceback
    assert "Traceback (most recent call last)" in html.read_text()  # the HTML step table too


def test_a_setup_that_raises_is_an_error_and_still_cleans_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("no such setting")

    monkeypatch.setattr(runner._ScenarioRun, "_connect", broken)
    result = run("oin-crud-test.yaml")
    assert result.verdict == "error"
    assert result.reason and "KeyError" in result.reason
    assert result.traceback and "Traceback" in result.traceback
    assert {step.verdict for step in result.steps} == {"blocked"}


def _refuse_creation(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    if request.method == "POST" and request.path.endswith("/Users"):
        return scim_error(400, "invalidValue", "Users cannot be created here")
    return request


def test_a_creation_okta_could_not_do_blocks_the_steps_on_that_user() -> None:
    result = run("oin-crud-test.yaml", planted("refuses-creation", request=(_refuse_creation,)))
    found = verdicts(result)
    assert found["passed"] == ["0 test_connection"]
    assert found["failed"] == ["1 assign_user"]
    assert len(found["blocked"]) == 9
    blocked = result.steps[2]
    assert blocked.blocked_by == [1] and blocked.exchanges == []
    assert blocked.reason == "not run because step 1 failed (crud.tester@example.com on the app)"
    # Okta's own words for the failed task (its Tasks page).
    assert (result.steps[1].okta_message or "").startswith(
        "Automatic provisioning of user crud.tester@example.com to app Acme SCIM (OIN) failed:"
    )


# -- dependencies ------------------------------------------------------------------


def test_member_steps_need_the_push_and_the_member_not_the_steps_before() -> None:
    scenario = load_scenario(SCENARIOS / "group-push.yaml")
    found = needs(scenario)
    assert found[0] == ()  # assigning a user needs nothing
    remove = {need.steps for need in found[5]}  # remove_member grace
    assert remove == {(1,), (3,)}  # grace's assignment and the push; not add_member (4)
    rename = {need.steps for need in found[6]}
    assert rename == {(3,)}
    delete = {need.steps for need in found[7]}  # by its new name: still the push
    assert delete == {(3,)}


def test_saved_values_tie_a_step_to_the_step_that_saved_them() -> None:
    scenario = load_scenario(SCENARIOS / "oin-spec-test.yaml")
    found = needs(scenario)
    assert [need.steps for need in found[7]] == [(6,)]  # GET /Users/${first_id}
    assert found[12] == ()  # the duplicate POST does not need the first one's id
    assert [need.steps for need in found[13]] == [(10,)]  # ${new_id} in its expect


# -- the resources a scenario starts from ------------------------------------------


def _display_name_required(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    """open-webui's /Schemas declares User.displayName required (RFC 7643 §2.2)."""
    if request.method == "GET" and "/Schemas" in request.path and response.status == 200:
        body = response.json()
        schemas = body.get("Resources", [body]) if isinstance(body, dict) else []
        for schema in schemas:
            for attribute in schema.get("attributes", []) if isinstance(schema, dict) else []:
                if schema.get("id", "").endswith(":User") and attribute["name"] == "displayName":
                    attribute["required"] = True
        return response.with_json(body)
    return response


def _refuse_without_display_name(
    request: HttpRequest, context: FaultContext
) -> HttpRequest | HttpResponse:
    posted = request.method == "POST" and request.path.endswith("/Users")
    if posted and "displayName" not in (request.json() or {}):
        return HttpResponse(422, (("content-type", "application/json"),)).with_json(
            {"detail": [{"loc": ["body", "displayName"], "msg": "Field required"}]}
        )
    return request


def test_a_given_user_carries_what_the_server_declares_required() -> None:
    """The app-side user oin-spec-test starts from lacks displayName; a server that
    declares it required (and refuses users without it) still runs the whole test."""
    fault = planted(
        "display-name-required",
        request=(_refuse_without_display_name,),
        response=(_display_name_required,),
    )
    result = run("oin-spec-test.yaml", fault)
    assert result.verdict in ("passed", "warning"), result.failure_text()


def test_a_given_user_the_server_refuses_blocks_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A refused precondition is not a verdict on the flow: blocked, never passed."""
    result = run("oin-spec-test.yaml", planted("refuses-creation", request=(_refuse_creation,)))
    assert result.verdict == "blocked"
    assert result.reason and "refused the given user" in result.reason
    assert {step.verdict for step in result.steps} == {"blocked"}
    text = result.failure_text()
    assert text.count("blocked —") == 1  # one line for the steps the setup blocked
    assert str(SCENARIOS) not in text and "mock_okta/scenarios/oin-spec-test.yaml" in text


def _nested_resources(body: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """jackson 26.2.0's unfiltered listing: each resource wrapped in an array."""
    if "filter" not in params:
        body["Resources"] = [[item] for item in body.get("Resources", [])]
    return body


def test_a_listing_of_arrays_fails_the_import_and_never_crashes_the_harness() -> None:
    result = run(
        "secrets-vault.yaml", planted("nested-resources", response=(on_list(_nested_resources),))
    )
    found = verdicts(result)
    assert "error" not in found, result.failure_text()
    importing = [step for step in result.steps if step.event == "import_users"]
    assert importing and importing[0].verdict == "failed"
    assert "Resources are not all resource objects (RFC 7644 §3.4.2)" in " ".join(
        [*importing[0].failures, importing[0].okta_message or ""]
    ), importing[0]
