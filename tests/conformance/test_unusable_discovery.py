"""A discovery the run cannot use: reported once, and the rest of the suite still runs.

Field case (F6): a server that routes every unknown path to its Groups handler
answers ``GET /ServiceProviderConfig`` and ``GET /ResourceTypes`` with 200 and
a ListResponse of Groups. That declares nothing (RFC 7643 §5, §6): the
features are *unknown*, not unsupported. ``disc.spc.get`` and ``disc.rt.list``
fail; the checks that need filter, PATCH, Users or Groups run (the gate tries
each feature first) instead of being skipped as "not claimed"; readiness does
not excuse a required check by a feature that was never validly declared.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from harness.conformance.capabilities import Capabilities
from harness.conformance.progress import summary
from harness.conformance.runner import RunOptions, run_suite
from harness.reports.build import from_run
from harness.reports.markdown import render_markdown
from harness.scim.errors import ERROR_URN
from harness.scim.schema import LIST_RESPONSE_URN, SPC_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig

TOKEN = "discovery-test-token-Q7vR2p"
#: Paths the fixture routes to its Groups handler, as the field server did.
ROUTED = ("/ServiceProviderConfig", "/ResourceTypes")
NOT_CLAIMED = ("does not claim", "lists no")


def routes_discovery_to_groups(refuse_patch: bool = False) -> Any:
    """The reference server, with SPC and /ResourceTypes answered by GET /Groups (a
    ListResponse); ``refuse_patch`` also answers every PATCH 501 (RFC 7644 §3.12)."""
    inner = create_app(ServerConfig(token=TOKEN))

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] in ROUTED:
            scope = dict(scope, path="/Groups", raw_path=b"/Groups", query_string=b"")
        if scope["type"] == "http" and refuse_patch and scope["method"] == "PATCH":
            body = json.dumps({"schemas": [ERROR_URN], "status": "501", "detail": "no PATCH"})
            headers = [(b"content-type", b"application/scim+json")]
            await send({"type": "http.response.start", "status": 501, "headers": headers})
            await send({"type": "http.response.body", "body": body.encode()})
            return
        await inner(scope, receive, send)

    return app


def test_only_a_valid_declaration_counts() -> None:
    listing = {"schemas": [LIST_RESPONSE_URN], "totalResults": 1, "Resources": [{"id": "g"}]}
    unusable = Capabilities.from_spc(listing, listing)
    assert unusable.claimed == frozenset()
    assert {"filter", "patch", "Users", "Groups"} <= unusable.unknown
    assert "ListResponse" in str(unusable.problem) and "/ResourceTypes" in str(unusable.problem)
    # Unknown is no reason to skip (the gate tries the feature instead).
    assert unusable.missing_reason("patch", "rfc") is None
    assert not unusable.declares_unsupported("filter")
    types = {"Resources": [{"endpoint": "/Users", "schema": "urn:x"}]}
    declared = Capabilities.from_spc(
        {"schemas": [SPC_URN], "patch": {"supported": False}, "filter": {"supported": True}},
        types,
    )
    # patch validly false: skipped as not claimed; the members it lacks are unknown.
    assert "does not claim patch.supported" in str(declared.missing_reason("patch", "rfc"))
    assert declared.claimed == {"filter", "Users"}
    assert declared.unknown == {"bulk", "sort", "etag", "changePassword"}
    assert declared.declares_unsupported("Groups")  # a valid listing without Groups


def test_a_listresponse_for_the_spc_fails_discovery_and_the_suite_still_runs() -> None:
    result = run_suite(RunOptions(app=routes_discovery_to_groups(), token=TOKEN))
    verdicts = {check.id: check.verdict for check in result.checks}
    assert verdicts["disc.spc.get"] == "failed"
    assert verdicts["disc.rt.list"] == "failed"
    # The same cause blocks the checks that read the SPC's members, once reported.
    assert verdicts["disc.spc.fields"] == "blocked"
    assert verdicts["disc.rt.byid"] == "blocked"
    failed = sorted(i for i, v in verdicts.items() if v == "failed")
    assert failed == ["disc.rt.list", "disc.spc.get"]
    skipped = [check.message for check in result.checks if check.verdict == "skipped"]
    assert len(skipped) < 60, Counter(skipped).most_common(5)
    assert not [m for m in skipped if any(words in m for words in NOT_CLAIMED)]
    for ran in ("filter.eq.username", "patch.replace.simple", "groups.post.members"):
        assert verdicts[ran] == "passed", ran
    assert "ListResponse" in str(result.capabilities["problem"])
    report = from_run(result)
    assert "ListResponse" in summary(result, report, 1.0).splitlines()[1]
    assert "**Discovery:**" in render_markdown(report)


def test_a_feature_that_fails_when_tried_is_skipped_and_not_excused() -> None:
    app = routes_discovery_to_groups(refuse_patch=True)
    result = run_suite(
        RunOptions(app=app, token=TOKEN, select=["disc.spc.*", "patch.replace.*", "filter.eq.*"])
    )
    patch = [
        check
        for check in result.checks
        if check.id.startswith("patch.replace.") and check.level != "skip"
    ]
    assert patch and all(check.verdict == "skipped" for check in patch)
    assert all("did not work when tried (PATCH /Users/" in check.message for check in patch)
    assert {c.verdict for c in result.checks if c.id.startswith("filter.eq.")} == {"passed"}
    rfc = next(line for line in from_run(result).readiness if line.profile == "rfc")
    assert "patch.replace.simple" in rfc.not_run
