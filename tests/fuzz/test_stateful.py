"""The request-sequence state machine (harness.fuzz.stateful) against the reference server.

Two directions, as for every oracle: the conformant server passes a run of
sequences, and a server with a planted stateful defect fails with a shrunk
sequence whose requests replay it (RFC 7644 §3.6: a deleted resource is gone).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings

from harness.fuzz.stateful import add_member_body, machine_for, remove_member_body, run_machine
from harness.fuzz.target import FuzzTarget
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app

TOKEN = "stateful-fuzz-token"


def budget(examples: int, steps: int, *, shrink: bool = True) -> settings:
    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=tuple(Phase) if shrink else (Phase.generate,),
    )


@pytest.fixture
def reference() -> Iterator[FuzzTarget]:
    target = FuzzTarget.for_app(create_app(ServerConfig(token=TOKEN)), TOKEN)
    yield target
    target.close()


def test_the_reference_server_keeps_every_invariant(reference: FuzzTarget) -> None:
    findings = run_machine(reference, budget(20, 15), seed=6)
    reference.cleanup()
    assert findings == [], "\n\n".join(finding.text() for finding in findings)
    assert reference.leftovers == []
    # every sequence cleaned up after itself: nothing of the run is left
    assert reference.full_listing("Users") == []


def test_a_delete_that_deletes_nothing_is_found_with_a_short_sequence(capsys: object) -> None:
    fault = FAULTS_BY_NAME["delete-not-deleting"]
    target = FuzzTarget.for_app(faulty_app(fault, ServerConfig(token=TOKEN)), TOKEN)
    started = time.perf_counter()
    findings = run_machine(target, budget(50, 8), seed=6)
    elapsed = time.perf_counter() - started
    target.close()

    assert len(findings) == 1, findings
    finding = findings[0]
    assert finding.kind == "state-differential"
    assert "after its DELETE" in finding.summary
    writes = [step for step in finding.steps if step.method != "GET"]
    # shrunk: create one resource, delete it (then the GET that shows it is still there)
    assert [step.method for step in writes] == ["POST", "DELETE"], finding.steps
    assert finding.steps[-1].expect == "status 404"
    assert "{id0}" in finding.steps[-1].path
    # the evidence prints as curl lines, the token left to the environment
    curl = finding.curl_lines()
    assert any(line.startswith("curl") and "-X DELETE" in line for line in curl)
    assert all(TOKEN not in line for line in curl)
    print(f"delete-not-deleting found and shrunk in {elapsed:.1f}s")  # measured, not asserted


def test_a_valid_patch_refused_is_reported_with_the_targets_reason() -> None:
    """The other direction (RFC 7644 §3.5.2): a PATCH every reading of the core accepts,
    refused by the target, is ``valid-rejected`` — and the summary carries the
    target's ``scimType`` and ``detail`` (§3.12), so a reader can tell a model
    mistake from a target defect without opening the exchanges.

    Not shrunk: minimising this sequence replays about a thousand of them
    (measured ~70 s); the unshrunk finding is enough to pin the report.
    Generation stops at the first finding, so the budget of 200 sequences costs
    only the time to it (0.4–2.6 s over seeds 1–6); 20 was too few once the
    draws moved (hypothesis also draws constants from the loaded modules).
    """
    fault = FAULTS_BY_NAME["patch-op-case-sensitive"]
    target = FuzzTarget.for_app(faulty_app(fault, ServerConfig(token=TOKEN)), TOKEN)
    started = time.perf_counter()
    findings = run_machine(target, budget(200, 10, shrink=False), seed=9)
    elapsed = time.perf_counter() - started
    target.close()

    assert [finding.kind for finding in findings] == ["valid-rejected"], findings
    finding = findings[0]
    assert finding.summary.startswith("PATCH /"), finding.summary
    assert finding.summary.endswith("→ 400 (invalidSyntax Unknown PATCH operation.)")
    refused = finding.steps[-1]
    assert refused.method == "PATCH" and refused.expect == "status 2xx"
    assert isinstance(refused.body, dict)
    ops = [operation["op"] for operation in refused.body["Operations"]]
    assert any(op != op.lower() for op in ops), ops  # Entra's "Replace" (pitfalls §14)
    print(f"valid-rejected found in {elapsed:.1f}s (unshrunk)")  # measured, not asserted


def test_membership_bodies_are_the_rfc_shapes() -> None:
    """RFC 7644 §3.5.2.1 add to members; §3.5.2.2 remove with a value filter."""
    assert add_member_body("u1")["Operations"] == [
        {"op": "add", "path": "members", "value": [{"value": "u1"}]}
    ]
    assert remove_member_body("u1")["Operations"] == [
        {"op": "remove", "path": 'members[value eq "u1"]'}
    ]


def test_machine_for_binds_the_target(reference: FuzzTarget) -> None:
    machine = machine_for(reference)
    assert machine.fuzz_target is reference
    assert machine_for(reference) is not machine  # one class per call: no shared state
