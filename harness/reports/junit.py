"""JUnit XML from the report model: one ``<testcase>`` per entry id.

CI systems (GitLab, Jenkins, GitHub test reporters) render JUnit, so the
gate's verdicts must map onto it without changing meaning — a CI that fails
on any JUnit failure or error must agree with the exit code:

* ``failed`` → ``<failure>`` with the whole failure message (already redacted);
* ``failed`` and excused by the baseline → ``<skipped>`` ("known failure"),
  the message kept in ``system-out``;
* ``warning`` → a passing testcase whose ``system-out`` carries the message
  (JUnit has no warning state; the property ``verdict`` says it);
* ``skipped`` → ``<skipped>`` with the reason;
* ``blocked`` → ``<skipped>`` "blocked: <step>", the message in ``system-out``
  (no verdict: a precondition failed, the cause is reported by its own check);
* ``error`` → ``<error>`` (the harness could not judge).

XML 1.0 (§2.2) cannot carry most C0 control characters at all, not even as
character references, and a fuzz finding's body may hold any of them; they
are written as ``\\uXXXX`` text instead, so the file always parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from harness.reports.model import Entry, Report

#: ``classname`` prefix per source; the entry's area follows it.
CLASS_PREFIX: dict[str, str] = {"run": "scim", "okta": "okta", "fuzz": "fuzz"}
SUITE_NAME: dict[str, str] = {
    "run": "scim-harness conformance",
    "okta": "scim-harness okta",
    "fuzz": "scim-harness fuzz",
}
#: Longest ``message`` attribute (the element's text has everything).
MESSAGE_CHARS = 500

#: What XML 1.0 §2.2 ``Char`` excludes (and lone surrogates, which UTF-8 cannot encode).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: object) -> str:
    """``text`` with every character XML 1.0 forbids spelled as ``\\uXXXX``."""
    return _NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", str(text))


def suite_counts(report: Report) -> dict[str, int]:
    """The ``<testsuite>`` attributes, from the model (the gate's own arithmetic)."""
    entries = report.entries
    return {
        "tests": len(entries),
        "failures": sum(1 for e in entries if e.verdict == "failed" and not e.baselined),
        "errors": sum(1 for e in entries if e.verdict == "error"),
        "skipped": sum(
            1
            for e in entries
            if e.verdict in ("skipped", "blocked") or (e.verdict == "failed" and e.baselined)
        ),
    }


def testcase(entry: Entry, source: str) -> ET.Element:
    element = ET.Element(
        "testcase",
        classname=xml_text(f"{CLASS_PREFIX[source]}.{entry.area}"),
        name=xml_text(entry.id),
        time=f"{entry.duration_ms / 1000:.3f}",
    )
    properties = ET.SubElement(element, "properties")
    values = [("rule", entry.rule), ("level", entry.level), ("verdict", entry.verdict)]
    if entry.baselined:
        values.append(("baselined", "true"))
    for name, value in values:
        ET.SubElement(properties, "property", name=name, value=xml_text(value))
    message = xml_text(entry.message)
    if entry.verdict == "failed" and not entry.baselined:
        ET.SubElement(element, "failure", message=_summary(entry)).text = message
    elif entry.verdict == "failed":
        ET.SubElement(element, "skipped", message="known failure (in the baseline)")
        ET.SubElement(element, "system-out").text = message
    elif entry.verdict == "skipped":
        ET.SubElement(element, "skipped", message=xml_text(entry.message))
    elif entry.verdict == "blocked":
        # A precondition failed: no verdict, so neither a pass nor a failure.
        ET.SubElement(element, "skipped", message=xml_text(f"blocked: {entry.blocked_by}"))
        ET.SubElement(element, "system-out").text = message
    elif entry.verdict == "warning":
        ET.SubElement(element, "system-out").text = f"warning ({entry.level}):\n{message}"
    elif entry.verdict == "error":
        ET.SubElement(element, "error", message=_summary(entry)).text = message
    return element


def junit_tree(report: Report) -> ET.Element:
    """``<testsuites>`` with the one ``<testsuite>`` of this report."""
    counts = {name: str(value) for name, value in suite_counts(report).items()}
    seconds = f"{sum(entry.duration_ms for entry in report.entries) / 1000:.3f}"
    name = SUITE_NAME[report.source] + (f" ({report.profile})" if report.profile else "")
    root = ET.Element("testsuites", {"name": name, "time": seconds, **counts})
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": name, "timestamp": report.started_at, "time": seconds, **counts},
    )
    properties = ET.SubElement(suite, "properties")
    for key, value in (
        ("target", report.target),
        ("profile", report.profile),
        ("source", report.source),
        ("prefix", report.prefix),
        ("seed", report.seed),
        ("exit_code", report.exit_code),
        ("problem", report.problem),
    ):
        if value is not None and value != "":
            ET.SubElement(properties, "property", name=key, value=xml_text(value))
    for entry in report.entries:
        suite.append(testcase(entry, report.source))
    ET.indent(root)
    return root


def render_junit(report: Report) -> str:
    """The XML document's text, declaration included (write it as UTF-8)."""
    body = ET.tostring(junit_tree(report), encoding="unicode")
    return f"<?xml version='1.0' encoding='utf-8'?>\n{body}\n"


def _summary(entry: Entry) -> str:
    """The one line a CI list shows: expected vs got, or the message's first line."""
    failure = entry.failure
    if failure is not None and failure.got:
        line = failure.got
        if failure.expected:
            line = f"expected {failure.expected}; got {line}"
    else:
        line = next((part for part in entry.message.splitlines() if part.strip()), entry.title)
    line = " ".join(line.split())
    if len(line) > MESSAGE_CHARS:
        line = line[:MESSAGE_CHARS] + " …"
    return xml_text(line)
