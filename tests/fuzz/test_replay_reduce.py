"""Reproducers that replay: only requests the run saw succeed, reduced by ddmin.

Seen on real servers: ``--replay`` said "could not replay: setup POST → 400"
for defects whose curl lines did reproduce (the recipe kept setup POSTs the
run had seen refused, sometimes the very POST the finding is about), and a
filter finding kept 13 POSTs of kilobyte strings. Each situation here is a
small fixture server (a planted fault on the reference server), and each
finding replays on the faulty server and not on the reference one.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from harness.client import ScimClient
from harness.fuzz.campaign import CampaignOptions, run_campaign
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.oracles import filter_oracle, patch_oracle
from harness.fuzz.population import create_all
from harness.fuzz.reduce import Budget, ddmin, reduce_finding
from harness.fuzz.replay import replay_outcomes, write_replay
from harness.fuzz.target import FuzzTarget
from harness.scim.schema import GROUP_URN, PATCH_OP_URN, USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    FAULTS_BY_NAME,
    Fault,
    FaultContext,
    FaultyApp,
    HttpRequest,
    HttpResponse,
    is_list_response,
    is_listing,
    list_params,
    scim_error,
)

TOKEN = "replay-reduce-token-3c9a"


def reference_app() -> Any:
    return create_app(ServerConfig(token=TOKEN))


def faulty(fault: Fault) -> FaultyApp:
    config = fault.server_config(ServerConfig(token=TOKEN))
    return FaultyApp(create_app(config), fault, config)


def outcomes(path: Path, app: Any) -> list[Any]:
    with ScimClient.in_process(app, TOKEN) as client:
        return replay_outcomes(path, client)


def assert_replays_only_on(path: Path, fault: Fault) -> None:
    for outcome in outcomes(path, faulty(fault)):
        assert outcome.reproduced, outcome.reason
    for outcome in outcomes(path, reference_app()):
        assert not outcome.reproduced and outcome.reason == "every expectation held"


def user(target: FuzzTarget, name: str, **extra: Any) -> dict[str, Any]:
    return {"schemas": [USER_URN], "userName": f"{target.prefix}{name}", **extra}


def posts(finding: Finding) -> list[ReplayStep]:
    return [step for step in finding.steps if step.method == "POST"]


# -- fixture servers -------------------------------------------------------------------


def _nickname_crashes(request: HttpRequest, context: FaultContext) -> Any:
    body = request.json() if request.method == "POST" else None
    if isinstance(body, dict) and "nickName" in body:
        return HttpResponse(500, (("content-type", "text/plain"),), b"Internal Server Error")
    return request


NICKNAME_500 = Fault(
    "fuzz-nickname-500",
    "A POST /Users with a nickName answers 500 with a plain-text body.",
    "test",
    ("fuzz",),
    request=(_nickname_crashes,),
)


def _title_refused(request: HttpRequest, context: FaultContext) -> Any:
    body = request.json() if request.method == "POST" else None
    if isinstance(body, dict) and "title" in body:
        return scim_error(400, "invalidValue", "title is not supported here.")
    return request


PATHLESS_AND_NO_TITLE = dataclasses.replace(
    FAULTS_BY_NAME["pathless-patch-ignored"],
    name="fuzz-pathless-no-title",
    request=(_title_refused,),
)


def _first_match_only(request: HttpRequest, response: HttpResponse, context: FaultContext) -> Any:
    """A filtered listing answers with its first resource only (and says so in
    totalResults): the defect needs two matching resources to show."""
    body = response.json() if response.status == 200 else None
    if not (is_listing(request) and list_params(request).get("filter")):
        return response
    if not is_list_response(body) or len(body.get("Resources") or []) < 2:
        return response
    return response.with_json({**body, "Resources": body["Resources"][:1], "totalResults": 1})


FIRST_MATCH_ONLY = Fault(
    "fuzz-first-match-only",
    "A filtered listing holds only its first match.",
    "test",
    ("fuzz",),
    response=(_first_match_only,),
)


# -- 1. the finding's own POST is its failing step, not a setup -------------------------


def test_a_post_answered_500_replays_as_the_failing_step(tmp_path: Path) -> None:
    target = FuzzTarget.for_app(faulty(NICKNAME_500), TOKEN)
    with target.example():
        bodies = [user(target, "ok"), user(target, "crash", nickName="n" * 300)]
        _, findings = create_all(target, "Users", bodies)
    target.cleanup()
    (finding,) = findings
    assert finding.kind == "server-error"
    assert [step.expect for step in finding.steps] == ["setup", "not 5xx"]
    assert finding.steps[-1].body["nickName"] == "n" * 300
    path = tmp_path / "replay.json"
    write_replay(path, findings, target.prefix)
    assert_replays_only_on(path, NICKNAME_500)

    with ScimClient.in_process(faulty(NICKNAME_500), TOKEN) as client:
        small = reduce_finding(finding, client, target.prefix)
    # The crash needs no other user, and no long value.
    assert [(step.method, step.expect) for step in small.steps] == [("POST", "not 5xx")]
    assert set(small.steps[0].body) == {"schemas", "userName", "nickName"}
    assert len(small.steps[0].body["nickName"]) <= 8
    assert [exchange.method for exchange in small.exchanges] == ["POST"]
    assert target.prefix in small.exchanges[0].request_body  # named as the summary is
    write_replay(path, [small], target.prefix)
    assert_replays_only_on(path, NICKNAME_500)


# -- 2. a refused setup POST is no setup ---------------------------------------------


def test_a_patch_differential_after_a_refused_post_replays(tmp_path: Path) -> None:
    target = FuzzTarget.for_app(faulty(PATHLESS_AND_NO_TITLE), TOKEN)
    with target.example():
        bodies = [user(target, "refused", title="boss"), user(target, "kept")]
        created, findings = create_all(target, "Users", bodies)
        assert findings == [] and len(created) == 1
        body = {"schemas": [PATCH_OP_URN],
                "Operations": [{"op": "replace", "value": {"displayName": "Renamed"}}]}  # fmt: skip
        findings = patch_oracle(target, "Users", created[0]["id"], body)
    target.cleanup()
    (finding,) = findings
    assert finding.kind == "patch-differential", finding.summary
    assert finding.steps[0].expect == "setup"
    assert all("title" not in json.dumps(step.body) for step in finding.steps)
    assert len(finding.exchanges) == 4  # the kept POST, GET, PATCH, GET: no refused POST
    path = tmp_path / "replay.json"
    write_replay(path, findings, target.prefix)
    assert_replays_only_on(path, PATHLESS_AND_NO_TITLE)


# -- 3. a filter finding over a population ends with the resources it misjudged -----------


def test_a_filter_finding_on_a_population_is_reduced_and_replays(tmp_path: Path) -> None:
    options = CampaignOptions(app=faulty(FIRST_MATCH_ONLY), token=TOKEN, seed=3,
                              properties=["filters-users"], max_examples=100)  # fmt: skip
    result = run_campaign(options)
    assert result.exit_code == 1, [prop.error for prop in result.properties]
    (finding,) = result.findings
    assert finding.kind == "filter-differential", finding.summary
    # The defect needs two matching users: one alone is answered right.
    assert len(posts(finding)) == 2, [step.body for step in finding.steps]
    assert finding.steps[-1].expect == "filter"
    # The curl lines the console and the report show are the reduced recipe's.
    assert [exchange.method for exchange in finding.exchanges].count("POST") == 2
    assert "$ curl" in finding.text() and len(finding.text()) < 8_000
    for step in posts(finding):
        assert len(json.dumps(step.body)) < 400, step.body
    path = tmp_path / "replay.json"
    write_replay(path, result.findings, result.prefix)
    assert path.stat().st_size < 12_000, path.stat().st_size
    assert_replays_only_on(path, FIRST_MATCH_ONLY)


def test_a_filter_expectation_is_judged_by_the_core_on_what_the_replay_made(
    tmp_path: Path,
) -> None:
    """``filter`` compares with what the core selects from the replay's own users: a
    user that does not match is not expected, whatever was recorded."""
    target = FuzzTarget.for_app(faulty(FIRST_MATCH_ONLY), TOKEN)
    with target.example():
        for name in ("a", "b", "c"):
            target.create("Users", user(target, name, title="t"))
        findings = filter_oracle(target, "Users", 'title eq "t"')
    target.cleanup()
    (finding,) = findings
    path = tmp_path / "replay.json"
    write_replay(path, findings, target.prefix)
    assert_replays_only_on(path, FIRST_MATCH_ONLY)
    # One user left matching: the faulty server's first-only answer is right.
    steps = [*finding.steps[:-1], finding.steps[-1]]
    steps[1] = dataclasses.replace(steps[1], body={**steps[1].body, "title": "other"})
    steps[2] = dataclasses.replace(steps[2], body={**steps[2].body, "title": "other"})
    write_replay(path, [dataclasses.replace(finding, steps=steps)], target.prefix)
    (outcome,) = outcomes(path, faulty(FIRST_MATCH_ONLY))
    assert not outcome.reproduced, outcome.reason


def test_members_naming_dropped_users_go_with_them(tmp_path: Path) -> None:
    """A Group naming every User does not pin the Users: a filter on Groups that
    needs two Groups ends with those two, their members gone (the ``filter``
    expectation is judged on what the replay made, so bodies may change)."""
    target = FuzzTarget.for_app(faulty(FIRST_MATCH_ONLY), TOKEN)
    with target.example():
        ids = [target.create("Users", user(target, f"u{n}"))[1] for n in range(5)]
        for n in range(3):
            body = {"schemas": [GROUP_URN], "displayName": f"{target.prefix}g{n}",
                    "members": [{"value": i} for i in ids]}  # fmt: skip
            target.create("Groups", body)
        (finding,) = filter_oracle(target, "Groups", "displayName pr")
    target.cleanup()
    assert len(posts(finding)) == 8
    with ScimClient.in_process(faulty(FIRST_MATCH_ONLY), TOKEN) as client:
        small = reduce_finding(finding, client, target.prefix)
    assert [step.path for step in posts(small)] == ["/Groups", "/Groups"]
    assert all("members" not in step.body for step in posts(small)), small.steps
    path = tmp_path / "replay.json"
    write_replay(path, [small], target.prefix)
    assert_replays_only_on(path, FIRST_MATCH_ONLY)


# -- the reducer itself ------------------------------------------------------------------


def test_ddmin_finds_the_two_items_that_matter() -> None:
    tried: list[list[int]] = []

    def test(items: list[int]) -> bool:
        tried.append(items)
        return 3 in items and 11 in items

    assert ddmin(list(range(16)), test) == [3, 11]
    assert len(tried) < 40


def test_a_spent_budget_keeps_the_finding_as_found(tmp_path: Path) -> None:
    target = FuzzTarget.for_app(faulty(NICKNAME_500), TOKEN)
    with target.example():
        bodies = [user(target, f"ok{n}") for n in range(4)]
        _, findings = create_all(target, "Users", [*bodies, user(target, "x", nickName="n")])
    target.cleanup()
    (finding,) = findings
    with ScimClient.in_process(faulty(NICKNAME_500), TOKEN) as client:
        # one replay's worth of requests: the full recipe reproduces, nothing else is tried
        same = reduce_finding(finding, client, target.prefix, Budget(requests=1))
    assert same is finding


def test_a_reducer_that_breaks_keeps_the_smallest_recipe_so_far(monkeypatch: Any) -> None:
    from harness.fuzz import reduce

    target = FuzzTarget.for_app(faulty(NICKNAME_500), TOKEN)
    with target.example():
        bodies = [user(target, f"ok{n}") for n in range(3)]
        _, findings = create_all(target, "Users", [*bodies, user(target, "x", nickName="n")])
    target.cleanup()
    (finding,) = findings
    calls = [0]
    real = reduce.outcome

    def flaky(*args: Any) -> Any:
        calls[0] += 1
        if calls[0] > 2:  # the full recipe, then the empty setup, then the target "dies"
            raise ConnectionError("gone")
        return real(*args)

    monkeypatch.setattr(reduce, "outcome", flaky)
    with ScimClient.in_process(faulty(NICKNAME_500), TOKEN) as client:
        small = reduce_finding(finding, client, target.prefix)
    assert [step.expect for step in small.steps] == ["not 5xx"]
    assert small.steps[0].body["nickName"] == "n"
