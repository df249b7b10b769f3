"""The issue's planted defects are each found by the fuzzer, with a minimal reproducer.

Issue 6: "wrong and/or precedence, ``co`` case-sensitive, ``pr`` true on an
empty list, PATCH not atomic, paging off by one — each found within 2
minutes with a minimal reproducer". The budget is enforced the hypothesis
way (a bounded number of examples of the campaign's property, a fixed seed),
never with a wall-clock assertion; the time each takes is measured and
printed (``pytest -s``). Each finding must

* be of the kind the defect breaks (its RFC rule),
* be small after shrinking (few comparisons in the filter, few PATCH
  operations, few requests), so that a person reads the bug off it,
* replay against the faulty server and *not* against the clean one — the
  reproducer shows the defect, not the fuzzer's own noise.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from harness.client import ScimClient
from harness.fuzz.campaign import CampaignOptions, run_campaign
from harness.fuzz.findings import Finding, ReplayStep
from harness.fuzz.replay import replay, write_replay
from harness.scim.expr import And, Compare, Filter, Not, Or, Present, ValuePath
from harness.scim.filters import parse_filter
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app

TOKEN = "planted-fuzz-token"
#: The hypothesis budget of one planted defect (examples of one property).
EXAMPLES = 300


@dataclass(frozen=True)
class Planted:
    fault: str
    prop: str
    kind: str
    #: Most comparisons in the shrunk filter (the run's prefix scope not counted).
    max_comparisons: int = 3
    #: Most operations in the shrunk PATCH.
    max_operations: int = 2
    #: Most requests that change something or query (setup POSTs included).
    max_requests: int = 4


PLANTED = [
    Planted("filter-precedence-left-to-right", "filters-users", "filter-differential"),
    Planted("filter-co-case-sensitive", "filters-users", "filter-differential"),
    Planted("filter-pr-empty-list", "filters-users", "filter-differential"),
    Planted("patch-not-atomic", "invalid-patches", "patch-not-atomic"),
    Planted("start-index-zero-based", "paging", "paging"),
]


def comparisons(expr: Filter) -> int:
    match expr:
        case And(left, right) | Or(left, right):
            return comparisons(left) + comparisons(right)
        case Not(inner):
            return comparisons(inner)
        case ValuePath(_, inner):
            return comparisons(inner)
        case Compare() | Present():
            return 1
    return 0


def filter_of(step: ReplayStep) -> str | None:
    values = parse_qs(urlsplit(step.path).query).get("filter")
    return values[0] if values else None


def scoped_comparisons(finding: Finding) -> int:
    """Comparisons of the largest filter the finding sends, minus the prefix scope."""
    counts = [
        comparisons(parse_filter(text)) - (1 if " sw " in text else 0)
        for text in (filter_of(step) for step in finding.steps)
        if text
    ]
    return max(counts, default=0)


def operations(finding: Finding) -> int:
    counts = [
        len(step.body.get("Operations") or [])
        for step in finding.steps
        if step.method == "PATCH" and isinstance(step.body, dict)
    ]
    return max(counts, default=0)


@pytest.mark.parametrize("planted", PLANTED, ids=lambda planted: planted.fault)
def test_each_planted_defect_is_found_with_a_minimal_reproducer(
    planted: Planted, tmp_path: Path
) -> None:
    app = faulty_app(FAULTS_BY_NAME[planted.fault], ServerConfig(token=TOKEN))
    options = CampaignOptions(
        app=app,
        token=TOKEN,
        max_examples=EXAMPLES,
        seed=20240606,
        database_dir=str(tmp_path / "db"),
        properties=[planted.prop],
    )
    started = time.perf_counter()
    result = run_campaign(options)
    elapsed = time.perf_counter() - started

    kinds = [finding.kind for finding in result.findings]
    assert planted.kind in kinds, f"{planted.fault}: {kinds} ({result.to_json()['properties']})"
    finding = next(f for f in result.findings if f.kind == planted.kind)
    shown = finding.text()
    assert scoped_comparisons(finding) <= planted.max_comparisons, shown
    assert operations(finding) <= planted.max_operations, shown
    assert len(finding.steps) <= planted.max_requests, shown
    print(f"\n{planted.fault}: found in {elapsed:.1f}s ({result.examples}); {finding.summary}")

    recorded = tmp_path / "replay.json"
    write_replay(recorded, [finding], result.prefix)
    faulty = FAULTS_BY_NAME[planted.fault]
    with ScimClient.in_process(faulty_app(faulty, ServerConfig(token=TOKEN)), TOKEN) as client:
        assert replay(recorded, client), f"does not reproduce on the faulty server:\n{shown}"
    with ScimClient.in_process(create_app(ServerConfig(token=TOKEN)), TOKEN) as client:
        assert replay(recorded, client) == [], f"reproduces on the clean server:\n{shown}"
