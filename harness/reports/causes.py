"""Root causes: the failures of a report grouped by the one defect behind them.

Measured on servers we did not write: numeric ``"status": 409`` in error
bodies failed 16–19 checks, an empty 404 body three, one refused Microsoft
schema URN four, and a create body the server refused failed 150–230 checks
at their setup. A vendor reading 200 failures for five defects gives up; a
list of five causes, each with the checks it affects, its rule and one
reproducer, is a work list. This module owns the rule that decides when two
failures share a cause; the builders store the result on the report, and
every renderer leads with it.

Two failures share a cause when their *signature* is the same. A signature
comes from the failure's parts (never from the free-text message) and the
exchange that shows it:

* a wrong field of a body (``got`` reads ``status = 409``, ``schemas =
  […]``): the field and what it held, wherever it was seen — one server
  habit, however many endpoints show it;
* a wrong HTTP status or a transport error: the request's shape (method,
  path with ids as ``{id}``, query parameter names), the status and media
  type, and the error ``detail`` with names and numbers blanked — one
  endpoint's refusal, whichever check met it;
* anything else: the request's shape and the expectation with what was
  found, names, ids and numbers blanked.

Blocked entries carry the failure of their precondition, so a refused setup
POST and the check that judges that POST land in the same cause: "1 failed,
150 blocked". A cause no failure shares (only blocked entries) is listed
too, after the failures: it explains why checks did not run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from harness.client import Exchange

#: Which verdicts take part, and in which role.
ROLES = {"failed": "failed", "error": "errored", "warning": "warned", "blocked": "blocked"}
#: The ``got`` of a wrong field: ``status = 409``, ``meta.location = None``.
_FIELD = re.compile(r"^(?P<name>[A-Za-z_$][\w.$:\[\]'\"-]{0,80}) = ")
#: The ``got`` of a status or transport failure: ``HTTP 500 (text/html): …``.
_STATUS = re.compile(r"^HTTP (?P<status>\d{3})(?: \((?P<type>[^)]*)\))?(?::? ?(?P<detail>.*))?$")
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
#: Opaque ids: long runs of letters and digits with at least one digit.
_OPAQUE = re.compile(r"\b(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{12,}\b")
_NUMBER = re.compile(r"\d+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPACE = re.compile(r"\s+")
#: A value shown after its name: ``… shows User.name = {"givenName": …}``.
_VALUE = re.compile(r" = .*$", re.S)
#: An attribute named by its resource type (``User.nickName``, ``EnterpriseUser.manager``):
#: per-attribute checks of one defect (a PUT that merges) differ only there.
_ATTRIBUTE = re.compile(r"\b(?:User|Group|EnterpriseUser)\.[A-Za-z][\w.]*")
#: Path segments after these are resource ids.
_COLLECTIONS = frozenset({"Users", "Groups"})
TITLE_CHARS = 240


@dataclass
class Cause:
    """One defect and every entry it broke or blocked."""

    key: str
    #: One line for a person: the request and what went wrong.
    title: str
    #: The rule the first affected entry cites.
    rule: str
    failed: list[str] = field(default_factory=list)
    warned: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    #: Entries whose check stopped on an exception of its own (verdict ``error``).
    errored: list[str] = field(default_factory=list)
    #: The entry whose evidence exchange reproduces the cause (its curl line).
    reproducer: str = ""
    #: Whether an affected failure blocks the gate (required and not baselined).
    blocking: bool = False

    @property
    def affected(self) -> int:
        return len(self.failed) + len(self.warned) + len(self.blocked) + len(self.errored)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "rule": self.rule,
            "failed": list(self.failed),
            "warned": list(self.warned),
            "blocked": list(self.blocked),
            "errored": list(self.errored),
            "reproducer": self.reproducer,
            "blocking": self.blocking,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Cause:
        return cls(
            key=str(data["key"]),
            title=str(data.get("title") or ""),
            rule=str(data.get("rule") or ""),
            failed=[str(i) for i in data.get("failed") or []],
            warned=[str(i) for i in data.get("warned") or []],
            blocked=[str(i) for i in data.get("blocked") or []],
            errored=[str(i) for i in data.get("errored") or []],
            reproducer=str(data.get("reproducer") or ""),
            blocking=bool(data.get("blocking")),
        )


def group_causes(entries: Iterable[Any], prefix: str = "") -> list[Cause]:
    """The causes of ``entries`` (report :class:`~harness.reports.model.Entry` objects).

    Order: causes that block the gate, then other failures, then warnings,
    then causes that only blocked checks; within each, the most affected first.
    """
    causes: dict[str, Cause] = {}
    sizes: dict[str, tuple[int, int]] = {}
    for entry in entries:
        role = ROLES.get(entry.verdict)
        if role is None or entry.failure is None:
            continue
        exchange = _evidence(entry)
        key, title = signature(entry.failure.expected, entry.failure.got, exchange, prefix)
        cause = causes.get(key)
        if cause is None:
            cause = causes[key] = Cause(key, title, entry.rule, reproducer=entry.id)
            sizes[key] = _size(entry, role)
        elif _size(entry, role) < sizes[key] and role != "errored":
            # The shortest reproducer: a failing check before a blocked one,
            # then the fewest exchanges (often the check written for the rule).
            cause.title, cause.rule, cause.reproducer = title, entry.rule, entry.id
            sizes[key] = _size(entry, role)
        getattr(cause, role).append(entry.id)
        if entry.blocking:
            cause.blocking = True
    return sorted(causes.values(), key=_order)


def _size(entry: Any, role: str) -> tuple[int, int]:
    return (1 if role == "blocked" else 0, len(entry.exchanges))


def _order(cause: Cause) -> tuple[int, int]:
    rank = 0 if cause.blocking else 1 if cause.failed or cause.errored else 2 if cause.warned else 3
    return rank, -cause.affected


def _evidence(entry: Any) -> Exchange | None:
    """The exchange the failure names (none for one raised without a request)."""
    index = entry.failure.exchange if entry.failure is not None else None
    if entry.kind != "check":  # scenarios and findings: the reports' own choice
        index = entry.evidence_index()
    if index is None or not 0 <= index < len(entry.exchanges):
        return None
    return entry.exchanges[index]


def signature(
    expected: str | None, got: str, exchange: Exchange | None, prefix: str = ""
) -> tuple[str, str]:
    """(the grouping key, a title) of one failure; see the module docstring."""
    shape = request_shape(exchange)
    status = _STATUS.match(got)
    named = _FIELD.match(got)
    if status is not None or (exchange is not None and exchange.error and exchange.status is None):
        kind = status["type"] if status else ""
        detail = blank(status["detail"] or "", prefix) if status else blank(got, prefix)
        answered = f"HTTP {status['status']}" if status else "no answer"
        key = f"status|{shape}|{answered}|{kind}|{detail[:120]}"
        title = f"{shape} → {got}" + (f"; expected {expected}" if expected else "")
    elif named is not None:
        key = f"field|{named['name']}|{blank(expected or '', prefix)}|{blank(got, prefix)}"
        title = f"expected {expected}; got {got}" if expected else got
    else:
        # What was found after "… = " is the value the defect produced, which
        # differs per attribute and per run: the finding is the part before it.
        found = _VALUE.sub(" = <value>", got)
        key = f"other|{shape}|{blank(expected or '', prefix)}|{blank(found, prefix)}"
        title = f"{shape}: expected {expected}; got {got}" if expected else f"{shape}: {got}"
    return key, _clip(_SPACE.sub(" ", title))


def request_shape(exchange: Exchange | None) -> str:
    """``PATCH /Users/{id}`` or ``GET /Users?filter&count``: a request without its values."""
    if exchange is None:
        return "(no request)"
    parts = urlsplit(exchange.url)
    segments = parts.path.split("/")
    shaped = [
        "{id}"
        if index and segments[index - 1] in _COLLECTIONS and segment and segment != ".search"
        else segment
        for index, segment in enumerate(segments)
    ]
    path = _tail("/".join(shaped))
    names = sorted({name for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{exchange.method} {path}" + (f"?{'&'.join(names)}" if names else "")


def _tail(path: str) -> str:
    """The path from its SCIM endpoint on (the base URL differs between targets)."""
    for marker in ("/Users", "/Groups", "/Schemas", "/ResourceTypes", "/ServiceProviderConfig",
                   "/Bulk", "/Me", "/.search"):  # fmt: skip
        at = path.find(marker)
        if at >= 0:
            return path[at:]
    return path or "/"


def blank(text: str, prefix: str = "") -> str:
    """``text`` with what differs between two sightings of one defect blanked:
    names the run made, e-mail addresses, attribute names, ids and numbers."""
    if prefix:
        text = re.sub(re.escape(prefix) + r"[\w.@+-]*", "<name>", text)
    text = _EMAIL.sub("<email>", text)
    text = _ATTRIBUTE.sub("<attribute>", text)
    text = _UUID.sub("<id>", text)
    text = _OPAQUE.sub("<id>", text)
    return _NUMBER.sub("N", _SPACE.sub(" ", text)).strip()


def _clip(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[: TITLE_CHARS - 1] + "…"
