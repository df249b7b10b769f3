"""Mutation tests of the conformance suite: every planted vendor defect must be caught.

A check that cannot fail is worse than no check: it reports "pass" on a server
that will break in front of Okta or Entra. So the suite is run against the
reference server twice over:

* unmodified, under every profile — it must pass with no failure and no
  warning (a failure there is a bug in a check, or a real server defect);
* with each :data:`~harness.server.faults.FAULTS` defect planted — the run
  must fail (exit 1) and at least one of the checks the fault names in
  ``caught_by`` must be among the failures. A table row of a catalog check
  counts for it (``filter.invalid-400.unknown-operator`` for
  ``filter.invalid-400``). A fault marked ``warns`` (a recommendation broken)
  must instead pass the gate (exit 0) with one of those checks warning.

Each fault runs the *whole* suite, not only the areas it names: a full
in-process run (322 checks) costs about 2–3 s, so the honest test is also
affordable (64 faults + 3 profiles ≈ 3 min), and a failure message lists
every check the defect trips, not only the expected ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import httpx
import pytest

from harness.conformance.registry import CHECKS, ID_PATTERN, PROFILES, Check
from harness.conformance.results import RunResult
from harness.conformance.runner import EXIT_FAILURES, EXIT_OK, RunOptions, load_checks, run_suite
from harness.reports.build import from_run
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import (
    FAULTS,
    Fault,
    FaultContext,
    FaultyApp,
    HttpRequest,
    HttpResponse,
    combine,
    faulty_app,
    on_list,
    scim_error,
)
from harness.server.testing import SyncASGITransport

TOKEN = "mutation-suite-token"


def run(app: object, profile: str) -> RunResult:
    return run_suite(RunOptions(app=app, token=TOKEN, profile=profile))


def explain(result: RunResult, verdicts: tuple[str, ...] = ("failed", "warning")) -> str:
    """The messages of the checks with these verdicts: they are the diagnosis."""
    lines = [f"exit {result.exit_code}; {from_run(result).counts()}; problem: {result.problem}"]
    lines += [f"[{c.verdict}] {c.message}" for c in result.checks if c.verdict in verdicts]
    return "\n\n".join(lines)


def stands_for(check_id: str, catalog_id: str) -> bool:
    """``check_id`` is the catalog check or a row of its table (``filter.invalid-400.…``)."""
    return check_id == catalog_id or check_id.startswith(f"{catalog_id}.")


def caught(fault: Fault, failed: list[str]) -> list[str]:
    """The failed ids that stand for one of ``fault.caught_by``."""
    return [c for c in failed if any(stands_for(c, wanted) for wanted in fault.caught_by)]


def registered_checks() -> Mapping[str, Check]:
    """Every check of the suite: importing its modules registers them (as collection does)."""
    load_checks()
    return CHECKS


@pytest.mark.parametrize("profile", PROFILES)
def test_the_reference_server_passes_every_check(profile: str) -> None:
    result = run(create_app(ServerConfig(token=TOKEN)), profile)
    counts = from_run(result).counts()
    assert result.exit_code == EXIT_OK, explain(result)
    assert counts["failed"] == 0, explain(result)
    assert counts["warning"] == 0, explain(result)


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_each_planted_defect_is_caught(fault: Fault) -> None:
    result = run(faulty_app(fault, ServerConfig(token=TOKEN)), fault.profile)
    if fault.warns:  # a recommendation broken: reported as a warning, the gate passes
        warned = [c.id for c in result.checks if c.verdict == "warning"]
        assert result.exit_code == EXIT_OK and caught(fault, warned), (
            f"{fault.name} was not reported as a warning under the {fault.profile} profile: "
            f"{fault.defect}\nexpected one of {list(fault.caught_by)} to warn; warned: "
            f"{warned}\n" + explain(result)
        )
        return
    failed = result.failed_ids()
    assert result.exit_code == EXIT_FAILURES and caught(fault, failed), (
        f"{fault.name} survived under the {fault.profile} profile: {fault.defect}\n"
        f"expected one of {list(fault.caught_by)} to fail; failed: {failed}\n" + explain(result)
    )


def test_the_fault_table_is_well_formed() -> None:
    """Stable kebab-case names (tests and the fuzzing issue refer to them), catalog-shaped
    check ids, real profiles, and every area of the catalog planted at least once."""
    names = [fault.name for fault in FAULTS]
    assert len(FAULTS) >= 30
    assert len(set(names)) == len(names)
    for fault in FAULTS:
        assert fault.profile in PROFILES, fault.name
        assert fault.seen_in.strip() and fault.defect.strip(), fault.name
        assert all(ID_PATTERN.match(c) for c in fault.caught_by), fault.name
    areas = {c.split(".", 1)[0] for fault in FAULTS for c in fault.caught_by}
    expected = {"disc", "auth", "users", "groups", "filter", "page", "sort", "proj", "patch"}
    assert expected | {"etag", "err", "media", "bulk"} <= areas


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_a_fault_can_only_be_caught_by_a_required_check(fault: Fault) -> None:
    """A ``should`` check only warns, so a fault it alone catches never fails the gate:
    each fault names at least one check that is ``must`` under the fault's profile —
    except a fault marked ``warns``, which only needs a check that runs there."""
    checks = registered_checks()
    levels = ("must", "should") if fault.warns else ("must",)
    required = [
        check_id
        for check_id, spec in checks.items()
        if spec.level(fault.profile) in levels
        and any(stands_for(check_id, wanted) for wanted in fault.caught_by)
    ]
    unknown = [c for c in fault.caught_by if not any(stands_for(i, c) for i in checks)]
    assert required and not unknown, (
        f"{fault.name}: caught_by {list(fault.caught_by)}; required under "
        f"{fault.profile}: {required}; not registered: {unknown}"
    )


# ---------------------------------------------------------------------------
# The middleware itself
# ---------------------------------------------------------------------------


def _first_page_of_one(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """A request rewrite: every list query asks for one resource only."""
    return request.with_query([*request.query, ("count", "1")])


def _refuse_deletes(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    """A short-circuit: the app never sees a DELETE."""
    return scim_error(405, None, "no") if request.method == "DELETE" else request


PROBE = Fault(
    "probe",
    "Lists hold one resource and carry a non-ASCII marker; DELETE is refused.",
    "this test",
    ("users.get.200",),
    request=(_first_page_of_one, _refuse_deletes),
    response=(on_list(lambda body, params: {**body, "marker": "größe ✓"}),),
)


@pytest.fixture
def probe_client() -> Iterator[httpx.Client]:
    config = ServerConfig(token=TOKEN)
    app = FaultyApp(create_app(config), PROBE, config)
    transport = SyncASGITransport(app)
    client = httpx.Client(
        transport=transport,
        base_url="http://scim.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    yield client
    client.close()


def test_request_and_response_rewrites_are_visible_over_http(probe_client: httpx.Client) -> None:
    for name in ("ada@example.com", "grace@example.com"):
        body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}
        assert probe_client.post("/Users", json=body).status_code == 201

    listing = probe_client.get("/Users")

    assert listing.status_code == 200
    assert listing.json()["totalResults"] == 2
    assert len(listing.json()["Resources"]) == 1  # the request rewrite (count=1)
    assert listing.json()["marker"] == "größe ✓"  # the response rewrite
    # multi-byte characters: Content-Length counts bytes of the rewritten body
    assert int(listing.headers["content-length"]) == len(listing.content)
    assert listing.headers["content-type"].startswith("application/scim+json")


def test_a_request_hook_can_answer_instead_of_the_app(probe_client: httpx.Client) -> None:
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "x@example.com"}
    created = probe_client.post("/Users", json=body).json()

    refused = probe_client.delete(f"/Users/{created['id']}")

    assert refused.status_code == 405
    assert refused.json()["status"] == "405"
    assert int(refused.headers["content-length"]) == len(refused.content)
    assert probe_client.get(f"/Users/{created['id']}").status_code == 200


def test_bodyless_answers_stay_bodyless() -> None:
    """204 must not carry a body or Content-Length (RFC 9110 §8.6), even after a rewrite."""
    config = ServerConfig(token=TOKEN)
    app = faulty_app(next(f for f in FAULTS if f.name == "delete-twice-204"), config)
    with httpx.Client(
        transport=SyncASGITransport(app),
        base_url="http://scim.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        answer = client.delete("/Users/no-such-id")
    assert answer.status_code == 204
    assert answer.content == b""
    assert "content-length" not in answer.headers


def test_config_faults_reach_the_server() -> None:
    fault = next(f for f in FAULTS if f.name == "string-booleans-rejected")
    app = faulty_app(fault, ServerConfig(token=TOKEN))
    assert app.context.config is not None
    assert app.context.config.compat.string_booleans is False
    assert app.context.config.token == TOKEN


def test_combined_faults_apply_every_part() -> None:
    """The fuzzing issue plants several defects at once; parts compose in order."""
    by_name = {fault.name: fault for fault in FAULTS}
    both = combine("created-quietly", by_name["create-200"], by_name["create-no-location"])
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "c@example.com"}
    with httpx.Client(
        transport=SyncASGITransport(faulty_app(both, ServerConfig(token=TOKEN))),
        base_url="http://scim.test",
        headers={"Authorization": f"Bearer {TOKEN}"},
    ) as client:
        created = client.post("/Users", json=body)
    assert created.status_code == 200
    assert "location" not in created.headers
    assert both.caught_by == ("users.post.201", "users.post.location")
