"""The working records of ``scim-harness okta run``, and its failure text.

The run's report is not written from here: :func:`harness.reports.build.from_okta`
turns an :class:`OktaRunResult` into the one result model every output is
rendered from (docs/report.md), one entry per scenario with its steps
(:meth:`StepVerdict.to_json` is the step's form there).

Verdicts of a step: ``passed``; ``failed`` (a required step: an expectation
did not hold, or Okta reported a failure nobody expected); ``warning`` (an
optional step failed — Okta's own OIN tests mark the discovery steps
optional —, or the step passed with findings Okta itself would not fail on,
each with its consequence); ``blocked`` (not run: a step it depends on
failed, ``blocked_by`` names it — :mod:`mock_okta.dependencies`);
``skipped`` (the scenario was skipped, or the target does not offer what the
step needs — ``reason``); ``error`` (the harness itself raised while running
the step: ``traceback`` holds it). ``not_run`` is read from older reports.
Of a scenario: ``passed``, ``warning`` (passed, with warned steps),
``failed``, ``error`` (the runner could not set it up or broke — the message
says why), ``skipped`` (with the reason).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.client import Exchange

StepVerdictName = Literal["passed", "failed", "warning", "blocked", "skipped", "error", "not_run"]
ScenarioVerdictName = Literal["passed", "warning", "failed", "blocked", "error", "skipped"]
#: How much of a body a failure text shows (the JSON report keeps 64 KiB).
SHOWN_BODY = 2000
#: The console shows a harness error in one line; the report keeps the traceback.
_TRACEBACK_NOTE = "  (the harness's traceback is in the report)"


@dataclass
class StepVerdict:
    """One step: what it sent, Okta's message, and which expectations failed."""

    index: int
    event: str
    line: int
    verdict: StepVerdictName
    #: The step's argument as written (a login, a group, ``METHOD path``).
    argument: str = ""
    okta_message: str | None = None
    failures: list[str] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    duration_ms: float = 0.0
    #: Findings that do not fail the step, each with what it costs the admin.
    warnings: list[str] = field(default_factory=list)
    #: ``optional: true`` in the file: a failure is a warning.
    optional: bool = False
    #: For a ``blocked`` step: the indexes of the failed steps it depends on.
    blocked_by: list[int] = field(default_factory=list)
    #: What happened, in plain English, where Okta has no wording of its own
    #: (``okta_message`` holds only Okta's words).
    message: str | None = None
    #: Why a step was skipped or blocked, in one line.
    reason: str | None = None
    #: For an ``error`` step: the harness's own traceback (a bug of ours, not the target's).
    traceback: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "event": self.event,
            "line": self.line,
            "argument": self.argument,
            "verdict": self.verdict,
            "okta_message": self.okta_message,
            "failures": list(self.failures),
            "duration_ms": round(self.duration_ms, 2),
            "exchanges": [exchange.to_json() for exchange in self.exchanges],
            "warnings": list(self.warnings),
            "optional": self.optional,
            "blocked_by": list(self.blocked_by),
            "message": self.message,
            "reason": self.reason,
            "traceback": self.traceback,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StepVerdict:
        return cls(
            index=int(data["index"]),
            event=str(data["event"]),
            line=int(data["line"]),
            verdict=data["verdict"],
            argument=str(data["argument"]),
            okta_message=data["okta_message"],
            failures=[str(item) for item in data["failures"]],
            exchanges=[Exchange.from_json(item) for item in data["exchanges"]],
            duration_ms=float(data["duration_ms"]),
            warnings=[str(item) for item in data.get("warnings") or []],
            optional=bool(data.get("optional")),
            blocked_by=[int(item) for item in data.get("blocked_by") or []],
            message=data.get("message"),
            reason=data.get("reason"),
            traceback=data.get("traceback"),
        )


@dataclass
class ScenarioResult:
    """One scenario's run: a verdict per step, cleanup, and why it stopped if it did."""

    name: str
    source: str
    verdict: ScenarioVerdictName
    steps: list[StepVerdict] = field(default_factory=list)
    #: Resources the run created and could not remove (``Leftover.to_json()``).
    leftovers: list[dict[str, str]] = field(default_factory=list)
    removed: int = 0
    #: Seconds, setup and cleanup included.
    duration: float = 0.0
    #: Why the scenario was skipped, blocked or is an error.
    reason: str | None = None
    #: The harness's own traceback when it broke outside a step (setup, between steps).
    traceback: str | None = None
    prefix: str = ""
    app_kind: str = ""
    #: The scenario file's ``description`` and ``tags`` (the reports show them).
    description: str = ""
    tags: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        return self.verdict in ("passed", "warning", "skipped")

    def failed_steps(self) -> list[StepVerdict]:
        return [step for step in self.steps if step.verdict in ("failed", "error")]

    def warned_steps(self) -> list[StepVerdict]:
        return [step for step in self.steps if step.verdict == "warning" or step.warnings]

    def failure_text(self, tracebacks: bool = True) -> str:
        """Everything needed to understand the failure, without opening the report.

        ``tracebacks=False`` (the console): a harness error is one line, its
        traceback is in the report.
        """
        lines = [f"scenario {self.name} ({self.source}): {self.verdict.upper()}"]
        if self.reason:
            lines.append(f"  {self.reason}")
        if self.traceback:
            trace = self.traceback.rstrip().splitlines()
            lines += ["  " + line for line in trace] if tracebacks else [_TRACEBACK_NOTE]
        for step in self.failed_steps():
            lines += ["", *step_failure_lines(self.source, step, tracebacks)]
        blocked = [step for step in self.steps if step.verdict in ("blocked", "not_run")]
        if blocked and len({step.reason for step in blocked}) == 1 and len(blocked) > 1:
            first, last = blocked[0].index, blocked[-1].index
            lines += ["", f"steps {first}–{last}: blocked — {blocked[0].reason}"]
        elif blocked:
            lines.append("")
            lines += [
                f"step {step.index} {step.event}: blocked — {step.reason}" for step in blocked
            ]
        for step in self.warned_steps():
            lines += ["", *step_warning_lines(self.source, step)]
        if self.leftovers:
            lines += ["", "cleanup could not remove:"]
            lines += [
                f"  {item['endpoint']}/{item['id']} ({item['name']}): "
                f"{item['outcome']} — {item['reason']}"
                for item in self.leftovers
            ]
        return "\n".join(lines)


@dataclass
class OktaRunResult:
    """A whole ``okta run`` (its report is :func:`harness.reports.build.from_okta`)."""

    target: str
    started_at: str
    finished_at: str = ""
    scenarios: list[ScenarioResult] = field(default_factory=list)
    interrupted: bool = False
    #: Why the run could not start (exit 2), in one line.
    problem: str | None = None
    exit_code: int = 0


# -- failure text --------------------------------------------------------------


def step_failure_lines(source: str, step: StepVerdict, tracebacks: bool = True) -> list[str]:
    """Where (file:line, step, event), what was expected and found, Okta's message, exchanges."""
    head = f"{source}:{step.line}: step {step.index} {step.event}"
    lines = [f"{head} {step.argument}".rstrip() + f" — {step.verdict.upper()}"]
    lines += [f"  ✗ {failure}".replace("\n", "\n    ") for failure in step.failures]
    if step.traceback:
        trace = step.traceback.rstrip().splitlines()
        lines += ["  " + line for line in trace] if tracebacks else [_TRACEBACK_NOTE]
    if step.okta_message:
        lines.append(f"  Okta's message: {step.okta_message}")
    if step.message:
        lines.append(f"  what happened: {step.message}")
    if step.exchanges:
        lines.append(f"  exchanges ({len(step.exchanges)}):")
        for exchange in step.exchanges:
            lines += ["    " + line for line in exchange_lines(exchange)]
    else:
        lines.append("  exchanges: none (nothing was sent)")
    return lines


def step_warning_lines(source: str, step: StepVerdict) -> list[str]:
    """A warned step: where, and each finding with its consequence (no exchanges)."""
    head = f"{source}:{step.line}: step {step.index} {step.event}"
    optional = " (optional step)" if step.optional and step.verdict == "warning" else ""
    lines = [f"{head} {step.argument}".rstrip() + f" — WARNING{optional}"]
    if step.verdict == "warning":
        lines += [f"  ! {failure}".replace("\n", "\n    ") for failure in step.failures]
    lines += [f"  ! {warning}".replace("\n", "\n    ") for warning in step.warnings]
    return lines


def exchange_lines(exchange: Exchange) -> list[str]:
    """``METHOD url → status`` and the (already redacted) bodies, cut for reading."""
    answer = str(exchange.status) if exchange.status is not None else f"no answer: {exchange.error}"
    lines = [f"{exchange.method} {exchange.url} → {answer}"]
    if exchange.request_body:
        lines.append(f"  > {_cut(exchange.request_body)}")
    if exchange.response_body:
        lines.append(f"  < {_cut(exchange.response_body)}")
    if exchange.status is not None and exchange.error:
        lines.append(f"  ! {exchange.error}")
    return lines


def _cut(text: str) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= SHOWN_BODY else text[:SHOWN_BODY] + f"… ({len(text)} characters)"
