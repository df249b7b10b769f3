"""What one property of a campaign saw: its findings by cause, its answers, its clock.

Three needs of a campaign on a real server, measured on servers we did not
write, shape this module:

* **Breadth.** A property used to keep one finding, the simplest; on one
  server 27 PATCH 500s and 216 501s in its log hid behind a numeric
  ``status`` finding. A :class:`Ledger` knows the *causes* found so far (one
  rule, :func:`harness.reports.build.finding_cause`: same kind, same request
  shape and status, same blanked detail) and the example body ignores
  findings of a known cause, so hypothesis goes on to find new ones, up to
  ``limit`` causes per property.
* **Every answer counted.** Whatever the oracles judge, every answer the
  property received is counted by request shape and status (``PATCH
  /Users/{id} → 500: 27``), and each distinct 5xx shape (or request left
  unanswered) is a ``server-error`` finding of its own (RFC 7644 §3.12: a
  client's mistake is a 4xx; a 5xx says nothing a client can act on).
* **A deadline that holds while shrinking.** Hypothesis has no wall-clock
  limit on shrinking. The body records the findings of every failing
  example as it runs (while shrinking, the last failure seen of a cause is
  the smallest so far) and, once the property's deadline passes, raises
  :class:`OutOfTime` before sending anything. That is a ``BaseException``
  hypothesis does not treat as a failure (it catches ``Exception``), so it
  ends the run at once; the campaign then keeps what was recorded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.client import Exchange
from harness.fuzz.findings import Finding
from harness.reports.build import finding_cause
from harness.reports.causes import request_shape

#: Distinct causes a property collects before it stops (``--max-findings``).
DEFAULT_MAX_FINDINGS = 5
#: The status label of a request that got no answer (a timeout, a reset).
NO_ANSWER = "no answer"


class OutOfTime(BaseException):
    """The property's share of ``--duration`` is spent: stop the hypothesis run now.

    A ``BaseException`` on purpose: hypothesis treats ``Exception`` (and
    ``SystemExit``/``GeneratorExit``) raised by a test as a failure to shrink,
    and lets anything else through, as it does ``KeyboardInterrupt``.
    """


def status_label(exchange: Exchange) -> str:
    return NO_ANSWER if exchange.status is None else str(exchange.status)


def is_server_error(exchange: Exchange) -> bool:
    """RFC 7644 §3.12: a 5xx, or no answer at all."""
    return exchange.status is None or exchange.status >= 500


@dataclass
class Ledger:
    """The causes, answers and deadline of one property's run (all its chunks)."""

    prefix: str = ""
    limit: int = DEFAULT_MAX_FINDINGS
    deadline: float = float("inf")
    #: Settled causes (found in an earlier hypothesis run) → the finding that shows it.
    known: dict[str, Finding] = field(default_factory=dict)
    #: Causes of the running hypothesis run → the last finding seen of each.
    pending: dict[str, Finding] = field(default_factory=dict)
    #: request shape → status label → how many answers.
    answers: dict[str, dict[str, int]] = field(default_factory=dict)
    #: (request shape, status label) of a 5xx or no answer → the first exchange that showed it.
    server_errors: dict[tuple[str, str], Exchange] = field(default_factory=dict)

    # -- the clock ----------------------------------------------------------------

    def expired(self) -> bool:
        return time.perf_counter() >= self.deadline

    def check_time(self) -> None:
        """Raise :class:`OutOfTime` once the deadline has passed (before an example sends)."""
        if self.expired():
            raise OutOfTime

    # -- findings -----------------------------------------------------------------

    def cause(self, finding: Finding) -> str:
        return finding_cause(finding, self.prefix)

    def new(self, findings: Iterable[Finding]) -> list[Finding]:
        """The findings whose cause is not settled yet; each is recorded as the latest
        of its cause (the example fails on these only)."""
        fresh = []
        for finding in findings:
            key = self.cause(finding)
            if key in self.known:
                continue
            self.pending[key] = finding
            fresh.append(finding)
        return fresh

    def settle(self, final: Iterable[Finding] = ()) -> None:
        """End of a hypothesis run: ``final`` (the shrunk example hypothesis replayed last,
        when it got that far) replaces what was recorded for its cause; every cause seen
        becomes known."""
        for finding in final:
            key = self.cause(finding)
            if key not in self.known:
                self.pending[key] = finding
        # Hypothesis' final replay first: its findings are the shrunk ones.
        first = [self.cause(finding) for finding in final]
        for key in dict.fromkeys([*first, *self.pending]):
            if key in self.known or key not in self.pending:
                continue
            if self.full:
                break
            self.known[key] = self.pending[key]
        self.pending = {}

    @property
    def full(self) -> bool:
        return len(self.known) >= self.limit

    def findings(self, found_by: str) -> list[Finding]:
        """The settled findings, then one ``server-error`` finding per 5xx shape no
        finding shows yet (counted answers, not judged by an oracle)."""
        out = list(self.known.values())
        causes = set(self.known)
        for (shape, status), exchange in self.server_errors.items():
            count = self.answers.get(shape, {}).get(status, 0)
            got = NO_ANSWER if status == NO_ANSWER else f"HTTP {status}"
            finding = Finding.of(
                "server-error",
                f"{shape} → {got}: {count} time(s) in property {found_by} "
                "(counted among its answers; no replay recipe)",
                [exchange],
            )
            finding.found_by = found_by
            key = self.cause(finding)
            if key not in causes:
                causes.add(key)
                out.append(finding)
        return out

    # -- answers ------------------------------------------------------------------

    def count(self, exchanges: Iterable[Exchange]) -> None:
        """Count each answer by request shape and status; remember the first of each 5xx."""
        for exchange in exchanges:
            shape, status = request_shape(exchange), status_label(exchange)
            row = self.answers.setdefault(shape, {})
            row[status] = row.get(status, 0) + 1
            if is_server_error(exchange):
                self.server_errors.setdefault((shape, status), exchange)


def server_error_lines(answers: dict[str, dict[str, int]]) -> list[str]:
    """``PATCH /Users/{id} → 500: 27 times, 501: 216 times`` for each shape with a 5xx."""
    lines = []
    for shape, row in sorted(answers.items()):
        bad = sorted((s, n) for s, n in row.items() if s == NO_ANSWER or int(s) >= 500)
        if bad:
            shown = ", ".join(f"{status}: {count} time(s)" for status, count in bad)
            lines.append(f"{shape} → {shown} (of {sum(row.values())} answers)")
    return lines
