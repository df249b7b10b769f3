"""Bearer-token authentication (RFC 7644 §2, RFC 6750).

Both Okta ("Header Auth") and Entra ("Secret Token") send one long-lived
token as ``Authorization: Bearer …``. Every endpoint — discovery included —
requires it: RFC 7644 §4 lets discovery be public, but a harness that tests
auth must be able to show that *nothing* answers without the token (our
policy; checks-catalog ``disc.spc.no-auth-ok`` only records it).
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from harness.scim.errors import ScimError
from harness.server.http import error_response


def presented_token(authorization: str | None) -> str | None:
    """The token of a ``Bearer`` credential; the scheme is case-insensitive (RFC 6750 §2.1)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = credentials.strip()
    return token or None


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison so response timing leaks nothing about the token."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def challenge(realm: str, invalid: bool) -> str:
    """The ``WWW-Authenticate`` value (RFC 6750 §3): ``invalid_token`` when one was sent."""
    value = f'Bearer realm="{realm}"'
    return f'{value}, error="invalid_token"' if invalid else value


class BearerAuthMiddleware:
    """Answer 401 with a SCIM error body unless the request carries the token."""

    def __init__(self, app: ASGIApp, token: str, realm: str = "SCIM") -> None:
        self.app = app
        self.token = token
        self.realm = realm

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        presented = presented_token(authorization)
        if presented is not None and token_matches(presented, self.token):
            await self.app(scope, receive, send)
            return
        detail = (
            "Authentication required: send 'Authorization: Bearer <token>'."
            if presented is None
            else "The bearer token is not valid."
        )
        response = error_response(
            ScimError(401, None, detail),
            {"WWW-Authenticate": challenge(self.realm, invalid=presented is not None)},
        )
        await response(scope, receive, send)
