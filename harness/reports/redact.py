"""The last pass before anything is written: no secret leaves in any format.

Exchanges are already redacted by the client that recorded them
(:class:`harness.client.Redactor`); this pass is the second line, run over
the whole report once, so a secret that slipped into a failure message, a
step's argument, a finding's replay body or a header nobody anticipated is
caught before the JSON, HTML, Markdown or JUnit file exists. It replaces:

* every configured secret (the token, a Basic or Header-Auth credential,
  the values of ``--secret-env`` variables), in the spellings it takes on
  the way — as typed, JSON-escaped, percent-encoded;
* credential header values (``Authorization``, ``Cookie``, ``X-API-Key`` …),
  keeping the scheme (``Bearer [REDACTED]``);
* password-like JSON members in bodies and messages (``"password": "…"``,
  RFC 7643 §4.1.1 makes ``password`` writeOnly and never returned: a report
  has no reason to show one).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

from harness.client import REDACTED, Redactor
from harness.reports.model import Report

#: A member holding a password or a credential, in JSON text (bodies, curl
#: lines) or as a message quotes it (``'password' = 'x'``, ``password = "x"``):
#: the value is replaced, the name kept.
SECRET_MEMBER = re.compile(
    r"""(["']?(?:password|newPassword|oldPassword|client_secret|access_token|refresh_token)["']?"""
    r"""\s*[:=]\s*(["']))((?:(?!\2)[^\\]|\\.)*)(\2)""",
    re.IGNORECASE,
)


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Each secret as it may appear: as typed, JSON-escaped, percent-encoded."""
    forms: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        forms |= {secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}
    return tuple(sorted(forms, key=len, reverse=True))


def redact_report(report: Report, secrets: Iterable[str] = ()) -> Report:
    """A copy of ``report`` with every secret, credential header and password replaced."""
    redactor = Redactor(secret_forms(secrets))
    return Report.from_json(redact_json(report.to_json(), redactor))


def redact_json(value: Any, redactor: Redactor) -> Any:
    """Any JSON-shaped value with every string passed through :func:`redact_text`."""
    return _walk(value, redactor)


def redact_text(text: str, redactor: Redactor) -> str:
    return SECRET_MEMBER.sub(rf"\g<1>{REDACTED}\g<4>", redactor.text(text))


def _walk(value: Any, redactor: Redactor, key: str = "") -> Any:
    if isinstance(value, str):
        return redact_text(value, redactor)
    if isinstance(value, list):
        return [_walk(item, redactor) for item in value]
    if isinstance(value, dict):
        if key in ("headers", "request_headers", "response_headers"):
            return {name: _header(name, str(item), redactor) for name, item in value.items()}
        return {name: _walk(item, redactor, name) for name, item in value.items()}
    return value


def _header(name: str, value: str, redactor: Redactor) -> str:
    """The client's own header rule (credential headers by name, their scheme
    kept), then the password pass; a header recorded redacted stays as it is."""
    return redact_text(redactor.header(name, value), redactor)
