"""The one result model every report is written from.

``scim-harness run``, ``scim-harness okta run`` and ``scim-harness fuzz``
each keep their own working records (a check's verdict, a scenario's steps,
a property's findings); :mod:`harness.reports.build` turns any of them into
a :class:`Report`, and every output — the JSON file, the HTML page, the
Markdown summary, JUnit XML, the terminal counts — is rendered from that one
object. So the four formats cannot disagree: they count the same entries.

The unit of a report is an :class:`Entry`: a conformance check, an Okta
scenario, or a fuzz finding (a property without findings is one passed
entry). Every entry has a stable id, the rule it enforces (an RFC section or
an IdP rule), an area (the matrix row) and a verdict:

* ``passed`` — the rule held;
* ``failed`` — it did not, and the profile requires it (blocks the gate
  unless ``baselined``);
* ``warning`` — it did not, but the profile only recommends it;
* ``blocked`` — a precondition failed (a setup request refused): no verdict
  on the rule; ``blocked_by`` names the step, ``failure`` shows it. Never
  blocks the gate by itself: the defect behind it, when it is one, is the
  failure of the check whose rule it breaks (see :mod:`harness.reports.causes`);
* ``skipped`` — not run, ``message`` says why;
* ``error`` — the harness could not judge (a scenario that could not be set
  up, a property that stopped on an error of its own).

The JSON form (:meth:`Report.to_json`) is versioned: ``"format":
"scim-harness/report"``, ``"version": 1``; its schema is
``report.schema.json`` beside this module, documented in ``docs/report.md``.
Adding a field keeps the version; removing or renaming one bumps it.

Nothing in a report is a secret: exchanges are redacted by the client that
recorded them, and :func:`harness.reports.redact.redact_report` passes over
the whole model once more before anything is written.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness import __version__
from harness.client import Exchange
from harness.fuzz.findings import Finding
from harness.reports.causes import Cause
from mock_okta.results import StepVerdict

FORMAT = "scim-harness/report"
VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("report.schema.json")

Verdict = Literal["passed", "failed", "warning", "blocked", "skipped", "error"]
VERDICTS: tuple[Verdict, ...] = ("passed", "failed", "warning", "blocked", "skipped", "error")
#: Which command wrote the report.
Source = Literal["run", "okta", "fuzz"]
SOURCES: tuple[Source, ...] = ("run", "okta", "fuzz")
#: What an entry is: a conformance check, an Okta scenario, a fuzz finding,
#: or a fuzz property that found nothing (or stopped on an error).
EntryKind = Literal["check", "scenario", "finding", "property"]
ReadinessStatus = Literal["ready", "blocking", "not-assessed"]


@dataclass
class Comparison:
    """What the target should have answered next to what it did, both as JSON.

    Only failures that compare structures carry one (a resource after a
    PATCH, a round-tripped attribute, a resource that must be unchanged);
    the HTML report shows it as a structural diff (RFC 6902 operations that
    turn ``expected`` into ``actual``, :mod:`harness.reports.diff`).
    """

    what: str
    expected: Any
    actual: Any

    def to_json(self) -> dict[str, Any]:
        return {"what": self.what, "expected": self.expected, "actual": self.actual}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Comparison:
        return cls(str(data["what"]), data.get("expected"), data.get("actual"))


@dataclass
class Failure:
    """Why an entry failed, in parts: the expectation, what was found, the evidence."""

    expected: str | None
    got: str
    #: Index into the entry's ``exchanges`` of the exchange that shows it.
    exchange: int | None = None
    comparison: Comparison | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "expected": self.expected,
            "got": self.got,
            "exchange": self.exchange,
            "comparison": None if self.comparison is None else self.comparison.to_json(),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Failure:
        comparison = data.get("comparison")
        return cls(
            expected=data.get("expected"),
            got=str(data.get("got") or ""),
            exchange=data.get("exchange"),
            comparison=None if comparison is None else Comparison.from_json(comparison),
        )


@dataclass
class Entry:
    """One row of a report: a check, a scenario or a finding, with its evidence."""

    id: str
    kind: EntryKind
    title: str
    rule: str
    area: str
    verdict: Verdict
    #: The level under the report's profile: ``must`` (a failure blocks),
    #: ``should`` (a failure is a warning), ``skip`` (not part of the profile).
    level: str = "must"
    #: The level under every profile (conformance checks; readiness reads it).
    levels: dict[str, str] = field(default_factory=dict)
    baselined: bool = False
    #: The whole failure text (as the terminal showed it), or why it was skipped.
    message: str = ""
    failure: Failure | None = None
    duration_ms: float = 0.0
    exchanges: list[Exchange] = field(default_factory=list)
    #: Exchanges recorded but left out of the report (a long passed step).
    omitted_exchanges: int = 0
    #: A scenario's steps (``okta run``).
    steps: list[StepVerdict] = field(default_factory=list)
    #: The finding this entry reports, with its replay recipe (``fuzz``).
    finding: Finding | None = None
    #: What else the source knows: a scenario's file and app kind, a
    #: property's examples and why it stopped.
    details: dict[str, Any] = field(default_factory=dict)
    #: For a ``blocked`` entry: the precondition step that failed first.
    blocked_by: str | None = None

    @property
    def broken(self) -> bool:
        """The rule did not hold (a failure or a warning), excused or not."""
        return self.verdict in ("failed", "warning")

    def evidence_index(self) -> int | None:
        """The exchange that shows the failure: the one it names, else the last
        (what the check ended on); None without exchanges."""
        if not self.exchanges:
            return None
        index = self.failure.exchange if self.failure else None
        if index is None or not 0 <= index < len(self.exchanges):
            index = len(self.exchanges) - 1
        return index

    @property
    def blocking(self) -> bool:
        """This entry fails the gate."""
        return self.verdict in ("failed", "error") and not self.baselined

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "rule": self.rule,
            "area": self.area,
            "level": self.level,
            "levels": dict(self.levels),
            "verdict": self.verdict,
            "baselined": self.baselined,
            "message": self.message,
            "failure": None if self.failure is None else self.failure.to_json(),
            "duration_ms": round(self.duration_ms, 2),
            "exchanges": [exchange.to_json() for exchange in self.exchanges],
            "omitted_exchanges": self.omitted_exchanges,
            "steps": [step.to_json() for step in self.steps],
            "finding": None if self.finding is None else self.finding.to_json(),
            "details": dict(self.details),
            "blocked_by": self.blocked_by,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Entry:
        failure = data.get("failure")
        finding = data.get("finding")
        return cls(
            id=str(data["id"]),
            kind=data["kind"],
            title=str(data["title"]),
            rule=str(data["rule"]),
            area=str(data["area"]),
            verdict=data["verdict"],
            level=str(data.get("level") or "must"),
            levels={str(k): str(v) for k, v in (data.get("levels") or {}).items()},
            baselined=bool(data.get("baselined")),
            message=str(data.get("message") or ""),
            failure=None if failure is None else Failure.from_json(failure),
            duration_ms=float(data.get("duration_ms") or 0.0),
            exchanges=[Exchange.from_json(item) for item in data.get("exchanges") or []],
            omitted_exchanges=int(data.get("omitted_exchanges") or 0),
            steps=[StepVerdict.from_json(item) for item in data.get("steps") or []],
            finding=None if finding is None else Finding.from_json(finding),
            details=dict(data.get("details") or {}),
            blocked_by=data.get("blocked_by"),
        )


@dataclass
class Readiness:
    """One line of the verdict at the top: is the target ready for this consumer?

    ``name`` is who is asking ("Okta OIN", "Microsoft Entra ID", "RFC
    7643/7644", "Okta provisioning", "Differential fuzzing"). ``blocking``
    lists the ids of required entries that broke; ``not_run`` the required
    ones this report has no verdict for (another profile, deselected,
    read-only), which makes a clean record ``not-assessed`` rather than
    ``ready``.
    """

    name: str
    status: ReadinessStatus
    summary: str
    required: int = 0
    blocking: list[str] = field(default_factory=list)
    not_run: list[str] = field(default_factory=list)
    #: The profile whose ``must`` level defines "required", when there is one.
    profile: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "profile": self.profile,
            "status": self.status,
            "summary": self.summary,
            "required": self.required,
            "blocking": list(self.blocking),
            "not_run": list(self.not_run),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Readiness:
        return cls(
            name=str(data["name"]),
            status=data["status"],
            summary=str(data["summary"]),
            required=int(data.get("required") or 0),
            blocking=[str(item) for item in data.get("blocking") or []],
            not_run=[str(item) for item in data.get("not_run") or []],
            profile=data.get("profile"),
        )


@dataclass
class Report:
    """Everything a run, an Okta replay or a fuzz campaign learned, ready to render."""

    source: Source
    target: str
    started_at: str
    finished_at: str = ""
    exit_code: int = 0
    entries: list[Entry] = field(default_factory=list)
    #: ``rfc`` | ``okta`` | ``entra`` for a conformance run; None otherwise.
    profile: str | None = None
    #: The prefix of every resource the run created.
    prefix: str = ""
    interrupted: bool = False
    #: Why the run could not start or stopped early, in one line.
    problem: str | None = None
    #: What the target's /ServiceProviderConfig claims (``claimed``, ``limits``, ``problem``).
    capabilities: dict[str, Any] = field(default_factory=dict)
    #: The fuzz campaign's seed (re-run with ``--seed``).
    seed: int | None = None
    readiness: list[Readiness] = field(default_factory=list)
    #: With ``--baseline``: ``file``, ``excused`` ids, ``fixed`` ids.
    baseline: dict[str, Any] | None = None
    removed: int = 0
    #: Resources created and not removed (endpoint, id, name, outcome, reason).
    leftovers: list[dict[str, str]] = field(default_factory=list)
    #: What the cleanup could not do in full (a prefix walk stopped at its page limit).
    cleanup_notes: list[str] = field(default_factory=list)
    #: Source-specific totals worth a headline (fuzz: examples, properties).
    facts: dict[str, Any] = field(default_factory=dict)
    #: The failures grouped by the defect behind them (:mod:`harness.reports.causes`).
    causes: list[Cause] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Entries per verdict, plus ``baselined`` failures and the ``total``.

        The one count every renderer prints; the agreement test compares them.
        """
        counter = Counter(entry.verdict for entry in self.entries)
        counts: dict[str, int] = {verdict: counter.get(verdict, 0) for verdict in VERDICTS}
        counts["baselined"] = sum(1 for entry in self.entries if entry.baselined)
        counts["total"] = len(self.entries)
        return counts

    def failed_causes(self) -> list[Cause]:
        """Causes behind at least one failed (required) entry: the K of "N failed from K"."""
        return [cause for cause in self.causes if cause.failed]

    def blocking(self) -> list[Entry]:
        """Entries that fail the gate: required failures not in the baseline, and errors."""
        return [entry for entry in self.entries if entry.blocking]

    def areas(self) -> list[str]:
        """Areas in the order their first entry appears (the matrix's rows)."""
        return list(dict.fromkeys(entry.area for entry in self.entries))

    def matrix(self) -> dict[str, Counter[str]]:
        """The conformance matrix every format shows: area → entries per verdict."""
        rows: dict[str, Counter[str]] = {area: Counter() for area in self.areas()}
        for entry in self.entries:
            rows[entry.area][entry.verdict] += 1
        return rows

    @property
    def title(self) -> str:
        what = {"run": "Conformance", "okta": "Okta provisioning", "fuzz": "Fuzzing"}[self.source]
        profile = f" ({self.profile} profile)" if self.profile else ""
        return f"{what}{profile}: {self.target}"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "tool": {"name": "scim-harness", "version": __version__},
            "source": self.source,
            "target": self.target,
            "profile": self.profile,
            "prefix": self.prefix,
            "seed": self.seed,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "exit_code": self.exit_code,
            "interrupted": self.interrupted,
            "problem": self.problem,
            "capabilities": dict(self.capabilities),
            "readiness": [item.to_json() for item in self.readiness],
            "counts": self.counts(),
            "facts": dict(self.facts),
            "baseline": self.baseline,
            "cleanup": {
                "removed": self.removed,
                "leftovers": list(self.leftovers),
                "notes": list(self.cleanup_notes),
            },
            "causes": [cause.to_json() for cause in self.causes],
            "entries": [entry.to_json() for entry in self.entries],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        """Read a report back (``scim-harness report``); refuses other documents."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            raise ReportError(f"not a scim-harness report (format {FORMAT!r})")
        if data.get("version") != VERSION:
            raise ReportError(
                f"report version {data.get('version')!r} is not supported (this tool reads "
                f"{VERSION})"
            )
        try:
            cleanup = data.get("cleanup") or {}
            return cls(
                source=data["source"],
                target=str(data["target"]),
                started_at=str(data["started_at"]),
                finished_at=str(data.get("finished_at") or ""),
                exit_code=int(data["exit_code"]),
                entries=[Entry.from_json(item) for item in data["entries"]],
                profile=data.get("profile"),
                prefix=str(data.get("prefix") or ""),
                interrupted=bool(data.get("interrupted")),
                problem=data.get("problem"),
                capabilities=dict(data.get("capabilities") or {}),
                seed=data.get("seed"),
                readiness=[Readiness.from_json(item) for item in data.get("readiness") or []],
                baseline=data.get("baseline"),
                removed=int(cleanup.get("removed") or 0),
                leftovers=[dict(item) for item in cleanup.get("leftovers") or []],
                cleanup_notes=[str(item) for item in cleanup.get("notes") or []],
                facts=dict(data.get("facts") or {}),
                causes=[Cause.from_json(item) for item in data.get("causes") or []],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ReportError(f"malformed report: {type(exc).__name__}: {exc}") from exc


class ReportError(ValueError):
    """A file that is not a report this tool can read."""


def report_json_text(report: Report) -> str:
    """The JSON file's text (pretty, UTF-8 kept readable)."""
    return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def read_report(path: str | Path) -> Report:
    """A report file read back; a clear :class:`ReportError` for anything else."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except ValueError as exc:
        raise ReportError(f"{path} is not JSON: {exc}") from exc
    try:
        return Report.from_json(data)
    except ReportError as exc:
        raise ReportError(f"{path}: {exc}") from exc
