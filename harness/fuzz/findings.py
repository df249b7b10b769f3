"""What the fuzzer reports: a :class:`Finding`, its kind, and the steps that replay it.

A finding is the schemathesis habit: a code (``kind``), the rule it breaks
(an RFC section), a one-line summary, the requests and responses that show
it (already redacted by :class:`harness.client.ScimClient`) and a replay
recipe. The recipe (:class:`ReplayStep`) is independent of the run that
found it: ids the target assigned are written as placeholders (``{id0}`` is
the id returned by the first POST of the finding) and the run's name prefix
is recorded with the replay file, so ``scim-harness fuzz --replay`` can
re-create the resources under a fresh prefix on any tenant.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.client import Exchange


@dataclass(frozen=True)
class Kind:
    """One kind of finding: its name, the rule it breaks, what breaking it looks
    like, and what a conformant target does instead (the reports' "expected")."""

    name: str
    rule: str
    title: str
    expectation: str


#: Every kind of finding, with the RFC section it rests on. Data, not branches:
#: the report, the docs and the CLI read this table.
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind(
            "server-error",
            "RFC 7644 §3.12",
            "the target answered 5xx (or not at all)",
            "an answer below 500 to every request (a client's mistake is a 4xx)",
        ),
        Kind(
            "error-shape",
            "RFC 7644 §3.12",
            "a 4xx body is not a SCIM Error",
            "every 4xx body a SCIM Error: the Error schema, status as a string",
        ),
        Kind(
            "filter-differential",
            "RFC 7644 §3.4.2.2",
            "a filter returned other resources than the filter's semantics select",
            "exactly the resources the filter selects, on every page",
        ),
        Kind(
            "patch-differential",
            "RFC 7644 §3.5.2",
            "a PATCH left another resource than the PatchOp's semantics produce",
            "the resource the operations produce, applied in order",
        ),
        Kind(
            "patch-not-atomic",
            "RFC 7644 §3.5.2",
            'a rejected PATCH changed the resource ("the entire request fails")',
            "a refused PATCH leaves the resource as it was",
        ),
        Kind(
            "id-unstable",
            "RFC 7643 §3.1",
            "a resource's id changed or is not returned",
            "the id assigned at creation, always",
        ),
        Kind(
            "paging",
            "RFC 7644 §3.4.2.4",
            "pages do not add up to the result (union, totalResults, duplicates, count)",
            "pages that add up to the result: no gap, no duplicate, one totalResults",
        ),
        Kind(
            "listing-broken",
            "RFC 7644 §3.4.2, §3.4.2.4",
            "a listing another property needed is not a ListResponse whose pages add up",
            "a ListResponse (totalResults, Resources) whose pages add up to the result",
        ),
        Kind(
            "membership-asymmetric",
            "RFC 7643 §4.1.2, §4.2",
            "Group.members and User.groups disagree",
            "User.groups and Group.members naming the same memberships",
        ),
        Kind(
            "valid-rejected",
            "RFC 7644 §3.3, §3.5.1, §3.5.2",
            "a valid create, replace or PATCH was refused (used by the state machine)",
            "a valid create, replace or PATCH accepted (2xx)",
        ),
        Kind(
            "invalid-accepted",
            "RFC 7644 §3.4.2.2, §3.5.2",
            "an invalid filter or PATCH was answered 2xx instead of 400",
            "an invalid filter or PATCH refused with 400",
        ),
    )
}


@dataclass(frozen=True)
class ReplayStep:
    """One request of a replay, and what a conformant target answers to it.

    ``path`` is relative to the base URL, query string included and encoded;
    ``{idN}`` placeholders stand for the id returned by the N-th POST of the
    finding. ``expect`` is a small sentence :mod:`harness.fuzz.replay` checks:

    * ``setup`` — creates a resource the finding needs; must be 2xx. Only a POST
      the original run saw succeed is a setup: one it saw refused is left out, or,
      when the finding is about that POST, is the failing step with its expectation;
    * ``status 400`` / ``status 2xx`` / ``status 4xx`` / ``not 5xx``;
    * ``scim-error`` — a 4xx/5xx body is a SCIM Error (RFC 7644 §3.12);
    * ``ids {id0} {id2}`` — all pages of this listing hold exactly these ids;
    * ``filter`` — all pages of this filtered listing hold exactly the replay's
      resources the semantics core selects, judged on the target's resources as
      they are now (RFC 7644 §3.4.2.2), so a reduced recipe's values are judged anew;
    * ``paging N ids …`` — walked with ``count=N`` the pages add up to these ids;
    * ``resource {json}`` — the resource (GET or PATCH 200) equals this JSON,
      compared as the PATCH oracle compares (a Group's members that name Users
      the replay deleted may be left out or kept: RFC 7643 §2.3.7 makes
      referential integrity a MAY); a bare ``resource`` (older files) reads as
      ``status 2xx``;
    * ``unchanged`` — a GET equals the GET made before the previous request.
    """

    method: str
    path: str
    body: Any | None
    expect: str

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "path": self.path, "body": self.body, "expect": self.expect}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReplayStep:
        return cls(str(data["method"]), str(data["path"]), data.get("body"), str(data["expect"]))


@dataclass
class Finding:
    """One way the target broke a rule, with the evidence and a replay recipe."""

    kind: str
    rule: str
    summary: str
    exchanges: list[Exchange] = field(default_factory=list)
    steps: list[ReplayStep] = field(default_factory=list)
    #: The campaign property that found it (set by the campaign).
    found_by: str = ""

    @classmethod
    def of(
        cls,
        kind: str,
        summary: str,
        exchanges: list[Exchange] | None = None,
        steps: list[ReplayStep] | None = None,
        rule: str | None = None,
    ) -> Finding:
        """A finding of a known kind; ``rule`` defaults to the kind's section."""
        if kind not in KINDS:
            raise ValueError(f"unknown finding kind {kind!r}; one of {', '.join(KINDS)}")
        return cls(
            kind, rule or KINDS[kind].rule, summary, list(exchanges or []), list(steps or [])
        )

    @property
    def key(self) -> tuple[str, str]:
        """What makes two findings the same for de-duplication."""
        return self.kind, self.summary

    def curl_lines(self, token_variable: str = "SCIM_TOKEN") -> list[str]:
        """The recorded requests as curl commands; the token is read from the environment."""
        return [exchange.curl(token_variable) for exchange in self.exchanges]

    def text(self, token_variable: str = "SCIM_TOKEN") -> str:
        """The finding in full for a terminal: kind, rule, summary, each request and answer."""
        lines = [f"[{self.kind}] {self.rule}: {self.summary}"]
        if self.found_by:
            lines[0] += f"  (property {self.found_by})"
        for exchange in self.exchanges:
            lines.append(f"  $ {exchange.curl(token_variable)}")
            status = exchange.status if exchange.status is not None else exchange.error
            body = exchange.response_body
            shown = body if len(body) <= 400 else body[:400] + "…"
            lines.append(f"    → {status} {shown}".rstrip())
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "rule": self.rule,
            "summary": self.summary,
            "found_by": self.found_by,
            "exchanges": [exchange.to_json() for exchange in self.exchanges],
            "steps": [step.to_json() for step in self.steps],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            kind=str(data["kind"]),
            rule=str(data["rule"]),
            summary=str(data["summary"]),
            exchanges=[Exchange.from_json(item) for item in data.get("exchanges") or []],
            steps=[ReplayStep.from_json(item) for item in data.get("steps") or []],
            found_by=str(data.get("found_by") or ""),
        )


class FindingsFailed(AssertionError):
    """Raised inside a hypothesis property so that it shrinks; carries the findings."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("; ".join(f"[{f.kind}] {f.summary}" for f in findings))


def assert_no_findings(findings: list[Finding]) -> None:
    """The assertion every property ends with (hypothesis shrinks on it)."""
    if findings:
        raise FindingsFailed(findings)


def unique(findings: list[Finding]) -> list[Finding]:
    """``findings`` without repeats (same kind and summary), first kept."""
    seen: set[tuple[str, str]] = set()
    kept = []
    for finding in findings:
        if finding.key not in seen:
            seen.add(finding.key)
            kept.append(finding)
    return kept
