"""The campaign's accounting: errors never pass, one finding count, breadth, the deadline.

Each test runs a small fixture server in process (the reference server behind
an ASGI wrapper that plants a defect) or a property whose example raises, so
each fails on a campaign that ends silently, keeps one finding per property,
or lets shrinking run past ``--duration``.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.cli import main
from harness.fuzz import campaign as campaign_module
from harness.fuzz.campaign import PROPERTIES, CampaignOptions, run_campaign
from harness.reports.build import finding_cause
from harness.reports.markdown import COUNTS_LINE
from harness.server.app import create_app
from harness.server.config import ServerConfig

TOKEN = "scimh-accounting-token-5e6f7a8b"


def patch_failing(statuses: dict[str, int], delay: float = 0.0) -> Any:
    """The reference server, except that a PATCH holding an operation named in
    ``statuses`` is answered with that status (a SCIM Error body); every request
    waits ``delay`` seconds first (a slow target)."""
    app = create_app(ServerConfig(token=TOKEN))

    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if delay:
            await asyncio.sleep(delay)
        if scope["method"] != "PATCH":
            await app(scope, receive, send)
            return
        messages, body, more = [], b"", True
        while more:
            message = await receive()
            messages.append(message)
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
        try:
            operations = json.loads(body or b"{}").get("Operations") or []
        except (ValueError, AttributeError):
            operations = []
        names = {str(op.get("op", "")).lower() for op in operations if isinstance(op, dict)}
        for name, status in statuses.items():
            if name in names:
                error = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                         "status": str(status), "detail": f"{name} is broken"}  # fmt: skip
                payload = json.dumps(error).encode()
                headers = [(b"content-type", b"application/scim+json"),
                           (b"content-length", str(len(payload)).encode())]  # fmt: skip
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": payload})
                return
        replayed = iter(messages)

        async def again() -> Any:
            return next(replayed, {"type": "http.disconnect"})

        await app(scope, again, send)

    return wrapped


def options(app: Any, names: list[str], **extra: Any) -> CampaignOptions:
    return CampaignOptions(**{"app": app, "token": TOKEN, "seed": 5, "properties": names,
                              **extra})  # fmt: skip


def crashing(monkeypatch: pytest.MonkeyPatch, name: str, error: BaseException) -> None:
    """``name``'s example raises ``error`` after one request (a harness bug, an unparsable
    answer)."""

    def example(target: Any, data: Any, population: Any) -> list[Any]:
        target.target.get("/Users", params={"count": 1})
        raise error

    monkeypatch.setitem(PROPERTIES, name, replace(PROPERTIES[name], example=example))


def test_a_crashed_property_is_an_error_with_its_traceback_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    crashing(monkeypatch, "paging", json.JSONDecodeError("Expecting value", "<html>", 0))
    report = tmp_path / "report.json"
    code = main(["fuzz", "--max-examples", "5", "--property", "paging", "--database", "none",
                 "--report-json", str(report)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1, err
    assert re.search(r"^ERROR paging \(\d+ examples\): JSONDecodeError: Expecting value", err, re.M)
    assert "verdict: FAIL — errors above" in err and "PASS" not in err
    data = json.loads(report.read_text())
    (entry,) = data["entries"]
    assert entry["verdict"] == "error" and data["exit_code"] == 1
    assert "Traceback (most recent call last)" in entry["message"]
    assert "raise error" in entry["details"]["traceback"]
    assert data["facts"]["errors"] == 1 and data["readiness"][0]["status"] == "blocking"


def test_hypothesis_errors_are_errors_too(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis' own refusals (here: no example it could use) are never a silent pass."""
    from hypothesis import reject

    def refusing(target: Any, data: Any, population: Any) -> list[Any]:
        reject()
        return []

    monkeypatch.setitem(PROPERTIES, "paging", replace(PROPERTIES["paging"], example=refusing))
    result = run_campaign(options(create_app(ServerConfig(token=TOKEN)), ["paging"],
                                  max_examples=5))  # fmt: skip
    (prop,) = result.properties
    assert prop.stopped == "error" and "Unsatisfiable" in str(prop.error), prop.error
    assert result.exit_code == 1


def test_a_property_that_ran_no_example_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first property spends the whole duration; the second ran nothing: an error."""
    slow = PROPERTIES["invalid-filters"].example
    assert slow is not None

    def sleepy(target: Any, data: Any, population: Any) -> list[Any]:
        time.sleep(0.3)
        return slow(target, data, population)

    monkeypatch.setitem(
        PROPERTIES, "invalid-filters", replace(PROPERTIES["invalid-filters"], example=sleepy)
    )
    # The second property's share starts at 0.1 s; the first example alone spends it.
    monkeypatch.setattr(campaign_module, "_budget", lambda _options: (float("inf"), 0.2))
    result = run_campaign(options(create_app(ServerConfig(token=TOKEN)),
                                  ["invalid-filters", "paging"]))  # fmt: skip
    first, second = result.properties
    assert first.examples >= 1
    assert second.examples == 0 and second.stopped == "duration"
    assert "no example ran" in str(second.error) and "--duration" in str(second.error)
    assert result.exit_code == 1 and result.errors == [second]


def test_two_distinct_defects_are_both_found_and_every_5xx_counted() -> None:
    app = patch_failing({"add": 500, "remove": 501})
    result = run_campaign(options(app, ["patch-users"], max_examples=80, database_dir=None))
    (prop,) = result.properties
    statuses = {f.exchanges[-1].status for f in result.findings if f.kind == "server-error"}
    assert {500, 501} <= statuses, [f.summary for f in result.findings]
    causes = [finding_cause(f, result.prefix) for f in result.findings]
    assert len(causes) == len(set(causes)), "one finding per cause"
    row = prop.answers["PATCH /Users/{id}"]
    assert row["500"] >= 1 and row["501"] >= 1
    assert result.exit_code == 1


def test_max_findings_bounds_the_causes_a_property_collects() -> None:
    app = patch_failing({"add": 500, "remove": 501, "replace": 503})
    result = run_campaign(options(app, ["patch-users"], max_examples=80, max_findings=1))
    (prop,) = result.properties
    judged = [f for f in prop.findings if "no replay recipe" not in f.summary]
    assert len(judged) == 1 and prop.stopped == "findings"
    # What the oracles did not judge is still counted, and each 5xx shape is a finding.
    assert len({f.exchanges[-1].status for f in prop.findings}) == len(
        [s for s in prop.answers["PATCH /Users/{id}"] if s >= "500"]
    )


def test_one_finding_count_in_console_json_markdown_and_junit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from harness.server.live import LiveServer

    live = LiveServer(patch_failing({"add": 500, "remove": 501}))
    live.start()
    try:
        monkeypatch.setenv("FUZZ_TOKEN", TOKEN)
        paths = {name: tmp_path / f"report.{name}" for name in ("json", "md", "xml")}
        code = main(["fuzz", str(live.url), "--token-env", "FUZZ_TOKEN", "--max-examples", "60",
                     "--seed", "5", "--property", "patch-users", "--property", "paging",
                     "--database", "none", "--report-json", str(paths["json"]),
                     "--report-md", str(paths["md"]), "--junitxml", str(paths["xml"])])  # fmt: skip
    finally:
        live.stop()
    err = capsys.readouterr().err
    assert code == 1, err
    (console,) = re.findall(r"properties, (\d+) finding\(s\)", err)
    count = int(console)
    assert count >= 2 and len(re.findall(r"^finding \d+/", err, re.M)) == count
    assert "PATCH /Users/{id} → 500: " in err
    data = json.loads(paths["json"].read_text())
    assert data["facts"]["findings"] == count == data["counts"]["failed"]
    assert data["readiness"][0]["summary"].startswith(f"{count} finding(s) in ")
    assert sum(1 for e in data["entries"] if e["kind"] == "finding") == count
    markdown = paths["md"].read_text()
    counts = COUNTS_LINE.search(markdown)
    assert counts is not None and int(counts["failed"]) == count
    assert f"{count} finding(s)" in markdown
    suite = ET.parse(paths["xml"]).getroot()
    failures = suite.get("failures") or next(iter(suite)).get("failures")
    assert int(str(failures)) == count


def test_duration_bounds_the_campaign_shrinking_included() -> None:
    """Every PATCH fails on a slow target: shrinking alone would take far longer than the
    budget. The campaign stops near it and keeps the smallest failure seen so far."""
    budget = 3.0
    app = patch_failing({"add": 500, "replace": 500, "remove": 500}, delay=0.03)
    started = time.perf_counter()
    result = run_campaign(options(app, ["patch-users"], duration_s=budget))
    elapsed = time.perf_counter() - started
    assert elapsed < budget + 2.0, f"{elapsed:.1f} s for a {budget} s budget"
    (prop,) = result.properties
    assert prop.error is None, prop.traceback
    assert [f.kind for f in result.findings] == ["server-error"]
    assert result.exit_code == 1


def test_the_state_machine_keeps_its_finding_when_the_deadline_cuts_its_shrink() -> None:
    """Shrinking a failing sequence on this fault takes tens of seconds; with a 3 s
    budget the campaign stops near it and reports the (unshrunk) sequence it found."""
    from harness.server.faults import FAULTS_BY_NAME, faulty_app

    app = faulty_app(FAULTS_BY_NAME["patch-not-atomic"], ServerConfig(token=TOKEN))
    started = time.perf_counter()
    result = run_campaign(options(app, ["stateful"], duration_s=3.0, seed=3))
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"{elapsed:.1f} s for a 3 s budget"
    (prop,) = result.properties
    assert prop.error is None, prop.traceback
    assert result.findings and result.exit_code == 1
