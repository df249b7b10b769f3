"""The output formats, as a table: name, file suffix, renderer.

Every writer — ``--report-*`` options of ``run``, ``okta run`` and ``fuzz``,
and ``scim-harness report`` — looks formats up here, so adding one is one
row. Renderers are imported when first used: the JSON needs nothing beyond
the model, and a command that writes no HTML never imports the HTML code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from harness.reports.model import Report


@dataclass(frozen=True)
class Format:
    """One output format: ``renderer`` is ``module:function`` taking a Report, giving text."""

    name: str
    suffix: str
    renderer: str
    #: What the format is for, one line (``--help`` and docs/report.md).
    purpose: str

    def render(self, report: Report) -> str:
        module, _, function = self.renderer.partition(":")
        render: Callable[[Report], str] = getattr(import_module(module), function)
        return render(report)


FORMATS: dict[str, Format] = {
    item.name: item
    for item in (
        Format(
            "json", ".json", "harness.reports.model:report_json_text",
            "the versioned result document (docs/report.md); re-render it with scim-harness report",
        ),
        Format(
            "html", ".html", "harness.reports.html:render_html",
            "one self-contained page for a browser: readiness, matrix, failures with evidence",
        ),
        Format(
            "md", ".md", "harness.reports.markdown:render_markdown",
            "a summary for a CI step summary or a pull-request comment",
        ),
        Format(
            "junit", ".xml", "harness.reports.junit:render_junit",
            "JUnit XML, one testcase per entry, for CI test reporters",
        ),
    )
}  # fmt: skip


def render(report: Report, name: str) -> str:
    """``report`` as the text of format ``name`` (a key of :data:`FORMATS`)."""
    return FORMATS[name].render(report)


def format_for_path(path: str) -> str | None:
    """The format a file name's suffix implies (``.html`` → ``html``), or None."""
    lowered = path.lower()
    for item in FORMATS.values():
        if lowered.endswith(item.suffix):
            return item.name
    return None
