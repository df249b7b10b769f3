"""JUnit XML: one testcase per entry id, mapped so a CI's red agrees with the gate's exit code."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from harness.reports.junit import render_junit
from harness.reports.model import Entry, Failure, Report


def entry(entry_id: str, verdict: str, area: str = "users", **extra: object) -> Entry:
    return Entry(
        entry_id, "check", f"title of {entry_id}", "RFC 7644 §3.3", area,
        verdict,  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def report_of(*entries: Entry, source: str = "run", **extra: object) -> Report:
    return Report(
        source, "http://t", "2026-01-01T00:00:00+00:00", exit_code=1,  # type: ignore[arg-type]
        entries=list(entries), **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def parse(report: Report) -> ET.Element:
    text = render_junit(report)
    assert text.startswith("<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(text.encode("utf-8"))


def cases(root: ET.Element) -> dict[str, ET.Element]:
    found = root.findall("./testsuite/testcase")
    names = Counter(case.get("name") for case in found)
    assert all(count == 1 for count in names.values()), names
    return {str(case.get("name")): case for case in found}


def prop(element: ET.Element, name: str) -> str | None:
    for item in element.findall("./properties/property"):
        if item.get("name") == name:
            return item.get("value")
    return None


def test_each_verdict_maps_as_the_gate_counts_it() -> None:
    report = report_of(
        entry("users.ok", "passed", duration_ms=1500.0),
        entry(
            "users.bad",
            "failed",
            message="users.bad — whole text\n  expected: x\n  got: y",
            failure=Failure("x", "y"),
        ),
        entry("users.known", "failed", baselined=True, message="known text"),
        entry("users.warn", "warning", level="should", message="nickName kept"),
        entry("users.skip", "skipped", level="skip", message="not part of the okta profile"),
        entry("users.err", "error", message="could not create the user"),
        profile="okta",
        prefix="scimh-1-",
    )
    root = parse(report)
    by_id = cases(root)
    assert set(by_id) == {entry.id for entry in report.entries}

    ok = by_id["users.ok"]
    assert ok.get("classname") == "scim.users" and ok.get("time") == "1.500"
    assert [child.tag for child in ok] == ["properties"]
    assert (prop(ok, "rule"), prop(ok, "level"), prop(ok, "verdict")) == (
        "RFC 7644 §3.3",
        "must",
        "passed",
    )

    failure = by_id["users.bad"].find("failure")
    assert failure is not None and failure.get("message") == "expected x; got y"
    assert failure.text == "users.bad — whole text\n  expected: x\n  got: y"

    known = by_id["users.known"]
    skipped = known.find("skipped")
    assert skipped is not None and skipped.get("message") == "known failure (in the baseline)"
    assert known.findtext("system-out") == "known text" and known.find("failure") is None
    assert prop(known, "verdict") == "failed" and prop(known, "baselined") == "true"

    warn = by_id["users.warn"]
    assert warn.findtext("system-out") == "warning (should):\nnickName kept"
    assert warn.find("failure") is None and warn.find("skipped") is None

    skip = by_id["users.skip"].find("skipped")
    assert skip is not None and skip.get("message") == "not part of the okta profile"

    error = by_id["users.err"].find("error")
    assert error is not None and error.get("message") == "could not create the user"

    suite = root.find("testsuite")
    assert suite is not None
    attributes = {key: suite.get(key) for key in ("tests", "failures", "errors", "skipped")}
    assert attributes == {"tests": "6", "failures": "1", "errors": "1", "skipped": "2"}
    # the attributes agree with the cases themselves
    children = Counter(child.tag for case in by_id.values() for child in case)
    assert (children["failure"], children["error"], children["skipped"]) == (1, 1, 2)
    assert root.get("failures") == "1" and root.get("tests") == "6"
    properties = {p.get("name"): p.get("value") for p in suite.findall("./properties/property")}
    assert properties["target"] == "http://t" and properties["profile"] == "okta"
    assert properties["source"] == "run" and properties["prefix"] == "scimh-1-"
    assert "seed" not in properties


@pytest.mark.parametrize(
    ("source", "area", "classname"),
    [("run", "patch", "scim.patch"), ("fuzz", "paging", "fuzz.paging"),
     ("okta", "scenario", "okta.scenario")],
)  # fmt: skip
def test_classname_names_the_source_and_area(source: str, area: str, classname: str) -> None:
    root = parse(report_of(entry("x.1", "passed", area=area), source=source, seed=7))
    assert cases(root)["x.1"].get("classname") == classname
    suite = root.find("testsuite")
    assert suite is not None
    seeds = [p.get("value") for p in suite.iter("property") if p.get("name") == "seed"]
    assert seeds == ["7"]


def test_characters_xml_cannot_carry_are_spelled_out_and_the_file_parses() -> None:
    body = 'got {"userName": "a\x00b\x1b[31m\ud800"} & <tag> ]]>'
    report = report_of(
        entry("fuzz.p.k", "failed", area="p", message=body, failure=Failure(None, body)),
        source="fuzz",
    )
    root = parse(report)
    failure = cases(root)["fuzz.p.k"].find("failure")
    assert failure is not None and failure.text is not None
    assert "a\\u0000b\\u001b[31m\\ud800" in failure.text
    assert "& <tag> ]]>" in failure.text
    assert "\\u0000" in str(failure.get("message"))


def test_a_long_failure_keeps_its_text_and_a_short_message() -> None:
    long_got = "y" * 5000
    report = report_of(
        entry("users.long", "failed", message="whole " + long_got, failure=Failure("x", long_got))
    )
    failure = cases(parse(report))["users.long"].find("failure")
    assert failure is not None
    assert len(str(failure.get("message"))) < 600
    assert failure.text == "whole " + long_got
