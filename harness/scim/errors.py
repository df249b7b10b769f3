"""SCIM protocol errors, RFC 7644 §3.12.

Every rule in the semantics core signals a client mistake by raising
:class:`ScimError`; the server turns it into the §3.12 JSON body. Keeping the
status and ``scimType`` together in one exception means a rule cannot report
``uniqueness`` with a 400 or ``invalidFilter`` with a 409 by accident: the
constructors below fix the pair per Table 9.
"""

from __future__ import annotations

from typing import Any

ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"

# RFC 7644 §3.12 Table 9: scimType -> the HTTP status it goes with.
SCIM_TYPE_STATUS: dict[str, int] = {
    "invalidFilter": 400,
    "tooMany": 400,
    "uniqueness": 409,
    "mutability": 400,
    "invalidSyntax": 400,
    "invalidPath": 400,
    "noTarget": 400,
    "invalidValue": 400,
    "invalidVers": 400,
    "sensitive": 403,
}


class ScimError(Exception):
    """A SCIM error response: HTTP status, optional ``scimType`` and a detail.

    ``detail`` is written for the client's engineer: it names the attribute,
    operator or position at fault so that the failure explains itself.
    """

    def __init__(self, status: int, scim_type: str | None, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.scim_type = scim_type
        self.detail = detail

    def to_body(self) -> dict[str, Any]:
        """The RFC 7644 §3.12 error body; ``status`` is a JSON *string*."""
        body: dict[str, Any] = {"schemas": [ERROR_URN], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        body["detail"] = self.detail
        return body

    def __repr__(self) -> str:
        return f"ScimError({self.status}, {self.scim_type!r}, {self.detail!r})"


def _typed(scim_type: str, detail: str) -> ScimError:
    return ScimError(SCIM_TYPE_STATUS[scim_type], scim_type, detail)


def invalid_filter(detail: str) -> ScimError:
    """400 invalidFilter: bad filter syntax or an unsupported comparison (§3.4.2.2)."""
    return _typed("invalidFilter", detail)


def invalid_path(detail: str) -> ScimError:
    """400 invalidPath: a PATCH path that is malformed or names nothing (§3.5.2)."""
    return _typed("invalidPath", detail)


def invalid_syntax(detail: str) -> ScimError:
    """400 invalidSyntax: the request body is not parsable or misses its schema URN."""
    return _typed("invalidSyntax", detail)


def invalid_value(detail: str) -> ScimError:
    """400 invalidValue: a required value is missing or a value has the wrong type."""
    return _typed("invalidValue", detail)


def mutability(detail: str) -> ScimError:
    """400 mutability: an attempt to change a readOnly or immutable attribute."""
    return _typed("mutability", detail)


def no_target(detail: str) -> ScimError:
    """400 noTarget: a PATCH path or value filter that selects nothing (§3.5.2)."""
    return _typed("noTarget", detail)


def uniqueness(detail: str) -> ScimError:
    """409 uniqueness: a value that must be unique is already taken (§3.3)."""
    return _typed("uniqueness", detail)


def too_many(detail: str) -> ScimError:
    """400 tooMany: the query would return more results than the server will give."""
    return _typed("tooMany", detail)


def invalid_version(detail: str) -> ScimError:
    """400 invalidVers: an unsupported SCIM protocol version in the request."""
    return _typed("invalidVers", detail)


def not_found(detail: str) -> ScimError:
    """404: the resource or endpoint does not exist (§3.12)."""
    return ScimError(404, None, detail)


def precondition_failed(detail: str) -> ScimError:
    """412: ``If-Match`` names a version the resource no longer has (§3.14)."""
    return ScimError(412, None, detail)
