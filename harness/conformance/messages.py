"""Failure messages: the check, the rule, the exchange, the expectation, a replay.

One renderer for every failure so that a vendor's engineer always reads the
same shape::

    FAILED filter.eq.username-case — RFC 7644 §3.4.2.2; RFC 7643 §4.1.1
      userName eq matches regardless of case (caseExact false)
      expected: …
      got:      …
      request:  GET http://…/Users?filter=…
                Accept: application/scim+json
      response: HTTP 200 in 12 ms
                Content-Type: application/scim+json
                {"totalResults": 0, …}
      replay:   curl -sS -X GET '…' -H "Authorization: Bearer $SCIM_TOKEN"

Bodies are shortened to :data:`BODY_PREVIEW` characters (pretty-printed JSON
first, so the start is readable); the JSON report keeps the full exchange.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable

from harness.client import Exchange
from harness.conformance.registry import Check

BODY_PREVIEW = 1500
#: Headers that say nothing to a reader of a failure.
QUIET_HEADERS = frozenset(
    {"content-length", "host", "accept-encoding", "connection", "user-agent", "date", "server"}
)
INDENT = " " * 12


def preview(text: str | None, limit: int = BODY_PREVIEW) -> str:
    """A body for humans: pretty JSON when it parses, cut at ``limit`` characters."""
    if not text:
        return "(empty body)"
    with contextlib.suppress(ValueError):
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    if len(text) > limit:
        text = f"{text[:limit]}\n… ({len(text) - limit} more characters)"
    return text


def _block(label: str, lines: Iterable[str]) -> list[str]:
    out = []
    for index, line in enumerate(lines):
        out.append(f"  {label:<9} {line}" if index == 0 else f"{INDENT}{line}")
    return out


def render_exchange(exchange: Exchange, token_variable: str = "SCIM_TOKEN") -> list[str]:
    request = [f"{exchange.method} {exchange.url}"]
    request += [
        f"{name}: {value}"
        for name, value in exchange.request_headers.items()
        if name.lower() not in QUIET_HEADERS
    ]
    if exchange.request_body is not None:
        request += preview(exchange.request_body).splitlines()
    if exchange.status is None:
        response = [f"no answer after {exchange.elapsed_ms:.0f} ms: {exchange.error}"]
    else:
        response = [f"HTTP {exchange.status} in {exchange.elapsed_ms:.0f} ms"]
        response += [
            f"{name}: {value}"
            for name, value in exchange.response_headers.items()
            if name.lower() not in QUIET_HEADERS
        ]
        response += preview(exchange.response_body).splitlines()
        if exchange.error:
            response.append(f"({exchange.error})")
    lines = _block("request:", request) + _block("response:", response)
    lines += _block("replay:", [exchange.curl(token_variable)])
    return lines


def render_failure(
    check: Check,
    expected: str | None,
    got: str,
    exchange: Exchange | None,
    token_variable: str = "SCIM_TOKEN",
) -> str:
    """The whole message of one failed check."""
    lines = [f"{check.id} — {check.rule}", f"  {check.title}"]
    if expected is not None:
        lines.append(f"  expected: {expected}")
        lines.append(f"  got:      {got}")
    else:
        lines.append(f"  {got}")
    if exchange is not None:
        lines += render_exchange(exchange, token_variable)
    return "\n".join(lines)
