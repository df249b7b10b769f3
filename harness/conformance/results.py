"""A conformance run's working records: each check's verdict, the run, the baseline file.

The run's report is not written from here: :func:`harness.reports.build.from_run`
turns a :class:`RunResult` into the one result model every output is rendered
from (docs/report.md). :meth:`CheckResult.to_json` is the internal form a
pytest-xdist worker sends its verdicts in.

Verdicts:

* ``passed`` — the check ran and the target did what the rule requires;
* ``failed`` — it did not, and the profile requires it (``must``);
* ``warning`` — it did not, but the profile only recommends it (``should``);
* ``skipped`` — not run, with the reason (feature not claimed, not part of
  the profile, deselected, read-only run);
* ``blocked`` — started, but a precondition failed (a setup POST refused, a
  shared resource that could not be built): no verdict on the rule, and
  ``blocked_by`` names the step. Not a failure: the defect behind it is
  reported by the check whose rule it breaks;
* ``error`` — a required check stopped on an exception of its own (not a
  failed expectation): the harness could not judge, which fails the gate
  like a failure — a check that cannot judge never passes it — and is a
  bug of ours to fix, with the traceback in ``message``.

A failure whose id is in the baseline stays ``failed`` with ``baselined``
true: it is reported, but does not fail the gate.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.client import Exchange
from harness.reports.model import Failure

Verdict = Literal["passed", "failed", "warning", "skipped", "blocked", "error"]
BASELINE_FORMAT = "scim-harness/baseline"
BASELINE_VERSION = 1


@dataclass
class CheckResult:
    """The verdict of one check, with the exchanges that led to it."""

    id: str
    title: str
    rule: str
    area: str
    level: str
    verdict: Verdict
    message: str = ""
    duration_ms: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list)
    baselined: bool = False
    #: The failure in parts (expectation, finding, the exchange, expected vs
    #: actual JSON) for the reports; ``message`` is the same as text.
    failure: Failure | None = None
    #: For a ``blocked`` check: the precondition step that failed first.
    blocked_by: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """The inverse of :meth:`to_json` (a parallel worker's verdict)."""
        return cls(
            id=data["id"],
            title=data["title"],
            rule=data["rule"],
            area=data["area"],
            level=data["level"],
            verdict=data["verdict"],
            message=data["message"],
            duration_ms=float(data["duration_ms"]),
            exchanges=[Exchange.from_json(item) for item in data["exchanges"]],
            baselined=bool(data["baselined"]),
            failure=None if data.get("failure") is None else Failure.from_json(data["failure"]),
            blocked_by=data.get("blocked_by"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "rule": self.rule,
            "area": self.area,
            "level": self.level,
            "verdict": self.verdict,
            "baselined": self.baselined,
            "message": self.message,
            "duration_ms": round(self.duration_ms, 2),
            "exchanges": [exchange.to_json() for exchange in self.exchanges],
            "failure": None if self.failure is None else self.failure.to_json(),
            "blocked_by": self.blocked_by,
        }


@dataclass
class BaselineOutcome:
    """What the baseline changed: failures it excused, ids that now pass."""

    path: str
    excused: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.path, "excused": self.excused, "fixed": self.fixed}


@dataclass
class RunResult:
    """Everything one run learned (the report is :func:`harness.reports.build.from_run`)."""

    target: str
    profile: str
    prefix: str
    started_at: str
    finished_at: str = ""
    capabilities: dict[str, Any] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    leftovers: list[dict[str, str]] = field(default_factory=list)
    removed: int = 0
    #: What the cleanup could not do in full (a prefix walk that stopped at its page limit).
    cleanup_notes: list[str] = field(default_factory=list)
    baseline: BaselineOutcome | None = None
    interrupted: bool = False
    #: Set when the run could not start or stopped early: the one-line cause.
    problem: str | None = None
    exit_code: int = 0

    def blocking(self) -> list[CheckResult]:
        """Failures that fail the gate: required, and not excused by the baseline."""
        return [
            r
            for r in self.checks
            if (r.verdict == "failed" and not r.baselined) or r.verdict == "error"
        ]

    def failed_ids(self) -> list[str]:
        return [r.id for r in self.checks if r.verdict == "failed"]

    def apply_baseline(self, path: str, known: Iterable[str]) -> None:
        """Excuse the failures named in the baseline; list the baseline ids now passing."""
        known_ids = set(known)
        outcome = BaselineOutcome(path)
        for result in self.checks:
            if result.id not in known_ids:
                continue
            if result.verdict == "failed":
                result.baselined = True
                outcome.excused.append(result.id)
            elif result.verdict == "passed":
                outcome.fixed.append(result.id)
        self.baseline = outcome


def write_json(path: str | Path, data: Mapping[str, Any]) -> None:
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def baseline_json(result: RunResult) -> dict[str, Any]:
    """Today's failures by check id: adopt the gate, then fix them one by one."""
    return {
        "format": BASELINE_FORMAT,
        "version": BASELINE_VERSION,
        "profile": result.profile,
        "target": result.target,
        "failures": sorted(result.failed_ids()),
    }


class BaselineError(ValueError):
    """The baseline file is missing or not one this tool wrote."""


def read_baseline(path: str | Path) -> list[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise BaselineError(f"baseline {path} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != BASELINE_FORMAT:
        raise BaselineError(f"{path} is not a scim-harness baseline (format {BASELINE_FORMAT})")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: baseline version {data.get('version')!r} is not supported")
    failures = data.get("failures")
    if not isinstance(failures, list) or not all(isinstance(i, str) for i in failures):
        raise BaselineError(f"{path}: 'failures' must be a list of check ids")
    return failures
