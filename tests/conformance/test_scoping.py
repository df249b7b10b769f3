"""Scoping without hidden dependencies, learned capabilities, and a cleanup that tells the truth.

Two variants of the reference server, each a legal (or at least real) SCIM
server: one refuses the ``sw`` operator with 400 ``invalidFilter`` (RFC 7644
§3.12 lets a server refuse an operator it does not support), one whose
DELETE of a user only deactivates it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from harness.client import ScimClient
from harness.conformance.capabilities import Capabilities
from harness.conformance.results import RunResult
from harness.conformance.runner import RunOptions, run_suite
from harness.conformance.scoping import named_with, walk_collection
from harness.conformance.target import DEACTIVATE, Target
from harness.scim.errors import ERROR_URN
from harness.scim.schema import USER_URN
from harness.server.app import create_app
from harness.server.config import ServerConfig

TOKEN = "scoping-test-token-Kq2"
SW_REASON = "the target refuses the sw operator (400 invalidFilter, RFC 7644 §3.12 allows this)"


def reference() -> Any:
    return create_app(ServerConfig(token=TOKEN))


async def _answer(send: Any, status: int, body: bytes = b"") -> None:
    headers = [(b"content-type", b"application/scim+json")] if body else []
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _uses_sw(text: str) -> bool:
    return " sw " in f" {text.lower()} "


def refuses_sw(inner: Any) -> Any:
    """The reference server, refusing every filter with ``sw`` (GET or POST .search)."""
    detail = "the sw operator is not supported"
    error = {"schemas": [ERROR_URN], "status": "400", "scimType": "invalidFilter", "detail": detail}
    refusal = json.dumps(error).encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await inner(scope, receive, send)
        query = parse_qs(scope.get("query_string", b"").decode())
        if any(_uses_sw(text) for text in query.get("filter", [])):
            return await _answer(send, 400, refusal)
        if scope["method"] == "POST" and scope["path"].endswith(".search"):
            chunks, more = [], True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            raw = b"".join(chunks)
            try:
                text = json.loads(raw).get("filter") or ""
            except (ValueError, AttributeError):
                text = ""
            if _uses_sw(str(text)):
                return await _answer(send, 400, refusal)

            async def replay() -> dict[str, Any]:
                return {"type": "http.request", "body": raw, "more_body": False}

            return await inner(scope, replay, send)
        return await inner(scope, receive, send)

    return app


def delete_deactivates(inner: Any) -> Any:
    """The reference server, whose ``DELETE /Users/{id}`` answers 204 and only sets
    ``active`` false (a real vendor's "soft delete"); it has no Bulk (501), so the
    cleanup's removals are DELETEs."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/Bulk":
            return await _answer(send, 501)
        if scope["type"] == "http" and scope["method"] == "DELETE" and "/Users/" in scope["path"]:
            body = json.dumps(DEACTIVATE).encode()
            patch = dict(scope, method="PATCH")
            patch["headers"] = [
                *[(k, v) for k, v in scope["headers"] if k not in (b"content-length",
                                                                   b"content-type")],
                (b"content-type", b"application/scim+json"),
                (b"content-length", str(len(body)).encode()),
            ]  # fmt: skip

            async def request() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def swallow(message: Any) -> None:
                return None

            await inner(patch, request, swallow)
            return await _answer(send, 204)
        return await inner(scope, receive, send)

    return app


def run(app: Any, **kwargs: Any) -> RunResult:
    return run_suite(RunOptions(app=app, token=TOKEN, **kwargs))


def test_a_target_that_refuses_sw_passes_paging_and_search_and_skips_sw_checks() -> None:
    result = run(refuses_sw(reference()), select=["page.*", "search.*", "sort.*", "filter.*"])
    verdicts = {check.id: check for check in result.checks}
    failed = [f"{c.id}: {c.message}" for c in result.checks if c.verdict == "failed"]
    assert result.exit_code == 0, failed
    assert not failed
    for check_id in [i for i in verdicts if i.startswith(("page.", "search."))]:
        assert verdicts[check_id].verdict == "passed", (check_id, verdicts[check_id].message)
    for check_id in ("filter.sw", "filter.sw.externalid-case"):
        assert verdicts[check_id].verdict == "skipped"
        assert verdicts[check_id].message == SW_REASON
    # Other operators stay judged: nothing else was skipped for sw.
    assert verdicts["filter.co"].verdict == "passed"
    assert result.leftovers == [] and result.removed > 0


def test_an_operator_the_idp_sends_is_not_skipped_but_fails_in_the_idps_words() -> None:
    def refuses_eq(inner: Any) -> Any:
        async def app(scope: Any, receive: Any, send: Any) -> None:
            query = parse_qs(scope.get("query_string", b"").decode())
            if any(" eq " in f" {t.lower()} " for t in query.get("filter", [])):
                body = json.dumps({"schemas": [ERROR_URN], "status": "400",
                                   "scimType": "invalidFilter"}).encode()  # fmt: skip
                return await _answer(send, 400, body)
            return await inner(scope, receive, send)

        return app

    selected = ["filter.eq.username", "filter.co"]
    okta = run(refuses_eq(reference()), select=selected, profile="okta")
    verdicts = {check.id: check for check in okta.checks}
    lookup = verdicts["filter.eq.username"]
    assert lookup.verdict == "failed"
    assert "Okta sends it, so Okta's provisioning fails here" in lookup.message
    assert "refuses the eq operator (400 invalidFilter)" in lookup.message
    rfc = run(refuses_eq(reference()), select=selected, profile="rfc")
    assert {c.id: c.verdict for c in rfc.checks} == {
        "filter.eq.username": "skipped",
        "filter.co": "skipped",  # its scope names the population with eq
    }
    # Nothing was judged: not a pass (exit 2), and the sentence says why.
    assert rfc.exit_code == 2 and "nothing was validated" in str(rfc.problem)
    assert "refuses the eq operator" in str(rfc.problem)


def test_the_sweep_finds_leftovers_without_sw() -> None:
    app = refuses_sw(reference())
    prefix = "scimh-sweep1-"
    lost = ScimClient.in_process(app, TOKEN)  # a POST whose answer the run never saw
    created = lost.post("/Users", {"schemas": [USER_URN], "userName": f"{prefix}lost@x.org"}).body
    sweeper = Target(ScimClient.in_process(app, TOKEN), Capabilities.from_spc(None), prefix=prefix)
    sweeper.cleanup()
    assert sweeper.removed == 1 and sweeper.leftovers == [] and sweeper.sweep_notes == []
    assert lost.get(f"/Users/{created['id']}").status == 404


def test_a_sweep_that_stops_at_its_bound_says_so() -> None:
    client = ScimClient.in_process(reference(), TOKEN)
    for number in range(5):
        client.post("/Users", {"schemas": [USER_URN], "userName": f"scimh-bound-{number}@x.org"})
    walk = walk_collection(client.get, "Users", named_with("scimh-bound-", "Users"),
                           page=2, max_pages=2)  # fmt: skip
    assert not walk.complete and len(walk.kept) == 4
    assert "stopped" in (walk.note() or "") and "2 page(s)" in (walk.note() or "")


def test_a_delete_that_only_deactivates_leaves_every_user_listed() -> None:
    app = delete_deactivates(reference())
    prefix = "scimh-soft01-"
    result = run(app, select=["users.*", "page.*"], prefix=prefix)
    client = ScimClient.in_process(app, TOKEN)
    still = walk_collection(client.get, "Users", named_with(prefix, "Users"))
    assert still.complete and len(still.kept) > 10
    listed = {item["id"]: item for item in result.leftovers if item["endpoint"] == "Users"}
    assert set(listed) == {user["id"] for user in still.kept}
    assert {item["outcome"] for item in listed.values()} == {"deactivated"}
    assert all("GET still finds it" in item["reason"] for item in listed.values())
    assert not any(item["endpoint"] == "Groups" for item in result.leftovers)


def misreads_or(inner: Any) -> Any:
    """The reference server, answering every GET filter with ``or`` by an empty
    ListResponse (seen in the field: a server that parses only the first term)."""
    empty = json.dumps(
        {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
         "totalResults": 0, "Resources": []}
    ).encode()  # fmt: skip

    async def app(scope: Any, receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode()) if scope["type"] == "http" else {}
        if any(" or " in f" {text.lower()} " for text in query.get("filter", [])):
            return await _answer(send, 200, empty)
        return await inner(scope, receive, send)

    return app


def test_a_scope_answered_wrongly_blocks_its_checks_as_one_cause() -> None:
    """A 200 that lists none of the run's users for ``userName eq … or …`` says nothing
    about paging or about ``co``: those checks are blocked on the scope, one cause,
    and the operator checks that need no scope still run."""
    from harness.reports.build import from_run

    result = run(misreads_or(reference()), select=["page.*", "filter.co", "filter.eq.username"])
    verdicts = {check.id: check.verdict for check in result.checks}
    assert verdicts["filter.eq.username"] == "passed", verdicts
    assert verdicts["filter.co"] == "blocked", verdicts
    paged = [verdict for check_id, verdict in verdicts.items() if check_id.startswith("page.")]
    assert paged and "failed" not in paged and "blocked" in paged, verdicts
    blocked = [check for check in result.checks if check.verdict == "blocked"]
    assert all("scope filter" in str(check.blocked_by) for check in blocked)
    report = from_run(result)
    causes = [cause for cause in report.causes if cause.blocked]
    assert len(causes) <= 3  # the users' filter scope, the paged users, the paged groups
    assert sum(len(cause.blocked) for cause in causes) == len(blocked)


def refuses_filtering_on_id(inner: Any) -> Any:
    """The reference server, refusing any filter on ``id`` (userName and the rest work)."""
    error = {"schemas": [ERROR_URN], "status": "400", "scimType": "invalidFilter",
             "detail": 'Only userName eq "..." and externalId eq "..." are supported'}  # fmt: skip
    refusal = json.dumps(error).encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        query = parse_qs(scope.get("query_string", b"").decode()) if scope["type"] == "http" else {}
        if any(text.lower().startswith("id ") for text in query.get("filter", [])):
            return await _answer(send, 400, refusal)
        return await inner(scope, receive, send)

    return app


def test_an_attribute_the_target_does_not_filter_on_is_learned_and_skipped() -> None:
    result = run(
        refuses_filtering_on_id(reference()), select=["filter.eq.id*", "filter.eq.username"]
    )
    checks = {check.id: check for check in result.checks}
    assert checks["filter.eq.username"].verdict == "passed"
    assert checks["filter.eq.id"].verdict == "skipped", checks["filter.eq.id"].message
    assert "refuses filtering on id (400 invalidFilter" in checks["filter.eq.id"].message
