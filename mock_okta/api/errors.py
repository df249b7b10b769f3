"""Okta's error bodies and codes, as a table.

Every error the Okta management API returns has the same shape (Okta's
error-codes reference, "All errors contain the following fields"):
``errorCode``, ``errorSummary``, ``errorLink`` (the code again), ``errorId``
(a fresh ``oae…`` id per error, 25 characters) and ``errorCauses`` (a list of
``{"errorSummary": …}``). Vendors' Okta automation branches on
``errorCode``, so the codes and their HTTP statuses below are Okta's own
(error-codes reference; the OpenAPI spec's ``ErrorApiValidationFailed``,
``ErrorResourceNotFound``, ``ErrorInvalidTokenProvided``,
``ErrorAppFeatureAPIValidationFailed`` examples).
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse


@dataclass(frozen=True)
class ErrorKind:
    """One row of Okta's error catalog: HTTP status and summary template."""

    status: int
    summary: str


#: Okta's codes used by the mock; ``{0}`` is filled per error.
ERRORS: dict[str, ErrorKind] = {
    "E0000001": ErrorKind(400, "Api validation failed: {0}"),
    "E0000003": ErrorKind(400, "The request body was not well-formed."),
    "E0000006": ErrorKind(403, "You do not have permission to perform the requested action"),
    "E0000007": ErrorKind(404, "Not found: {0}"),
    "E0000008": ErrorKind(404, "The requested path was not found"),
    "E0000011": ErrorKind(401, "Invalid token provided"),
    "E0000014": ErrorKind(403, "Update of credentials failed"),
    "E0000016": ErrorKind(403, "Activation failed because the user is already active"),
    "E0000022": ErrorKind(405, "The endpoint does not support the provided HTTP method"),
    "E0000028": ErrorKind(400, "The request is missing a required parameter."),
    "E0000038": ErrorKind(403, "This operation is not allowed in the user's current status."),
    "E0000040": ErrorKind(400, "Application label must not match an existing application label."),
    "E0000046": ErrorKind(403, "Deactivate application for user forbidden."),
    "E0000056": ErrorKind(403, "Delete application forbidden."),
    "E0000117": ErrorKind(403, "Cannot assign apps or update app profiles for an inactive user."),
}

#: Okta's cause for a duplicate unique attribute (login, group name).
DUPLICATE = "An object with this field already exists in the current organization"

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"


def error_id() -> str:
    """A fresh ``errorId``: ``oae`` and 22 random URL-safe characters, as Okta's look."""
    return "oae" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(22))


class OktaApiError(Exception):
    """An Okta error answer; raised anywhere in a handler, rendered by :func:`render`."""

    def __init__(
        self, code: str, detail: str = "", causes: Iterable[str] = (), status: int | None = None
    ) -> None:
        kind = ERRORS[code]
        self.code = code
        self.status = status or kind.status
        self.summary = kind.summary.format(detail)
        self.causes = list(causes)
        super().__init__(f"{code}: {self.summary}")

    def body(self) -> dict[str, Any]:
        return {
            "errorCode": self.code,
            "errorSummary": self.summary,
            "errorLink": self.code,
            "errorId": error_id(),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }


def not_found(resource_id: str, type_name: str) -> OktaApiError:
    """E0000007 worded as Okta words it: ``Not found: Resource not found: <id> (<Type>)``."""
    return OktaApiError("E0000007", f"Resource not found: {resource_id} ({type_name})")


def invalid(causes: Iterable[str]) -> OktaApiError:
    """E0000001 naming the fields at fault (the part of each cause before ``:``)."""
    listed = list(causes)
    fields = dict.fromkeys(cause.split(":", 1)[0] for cause in listed)
    return OktaApiError("E0000001", ", ".join(fields), listed)


def render(_request: Request, exc: Exception) -> JSONResponse:
    """Starlette exception handler: the Okta error body with its status."""
    assert isinstance(exc, OktaApiError)
    return JSONResponse(exc.body(), status_code=exc.status)
