"""JUnit XML from a run's result model: one testcase per check id.

CI systems (GitLab, Jenkins, GitHub test reporters) render JUnit, so the
gate's verdicts must map onto it without losing meaning:

* ``failed`` → ``<failure>`` with the whole failure message (already redacted);
* a ``failed`` check excused by the baseline → ``<skipped>`` ("known failure"),
  so a CI that fails on any JUnit failure agrees with the exit code;
* ``warning`` → a passing testcase whose ``system-out`` carries the message
  (JUnit has no warning state; the property ``verdict`` says it);
* ``skipped`` → ``<skipped>`` with the reason.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.conformance.results import CheckResult, RunResult


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip().startswith("expected:") or line.strip().startswith("the check"):
            return line.strip()
    return text.splitlines()[0] if text else ""


def testcase(result: CheckResult) -> ET.Element:
    element = ET.Element(
        "testcase",
        classname=f"scim.{result.area}",
        name=result.id,
        time=f"{result.duration_ms / 1000:.3f}",
    )
    properties = ET.SubElement(element, "properties")
    for name, value in (
        ("rule", result.rule),
        ("level", result.level),
        ("verdict", result.verdict),
    ):
        ET.SubElement(properties, "property", name=name, value=value)
    if result.verdict == "failed" and not result.baselined:
        failure = ET.SubElement(element, "failure", message=_first_line(result.message))
        failure.text = result.message
    elif result.verdict == "failed":
        ET.SubElement(element, "skipped", message="known failure (in the baseline)")
        ET.SubElement(element, "system-out").text = result.message
    elif result.verdict == "skipped":
        ET.SubElement(element, "skipped", message=result.message)
    elif result.verdict == "warning":
        ET.SubElement(element, "system-out").text = f"warning ({result.level}):\n{result.message}"
    return element


def junit_xml(run: RunResult) -> ET.ElementTree:
    counts = run.counts()
    suite = ET.Element(
        "testsuite",
        name=f"scim-harness conformance ({run.profile})",
        tests=str(counts["total"]),
        failures=str(len(run.blocking())),
        skipped=str(counts["skipped"] + counts["baselined"]),
        errors="0",
        timestamp=run.started_at,
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (("target", run.target), ("profile", run.profile), ("prefix", run.prefix)):
        ET.SubElement(properties, "property", name=name, value=value)
    for result in run.checks:
        suite.append(testcase(result))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(run: RunResult, path: str | Path) -> None:
    junit_xml(run).write(path, encoding="utf-8", xml_declaration=True)
