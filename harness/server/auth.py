"""Authentication: a bearer token (RFC 7644 §2, RFC 6750), optionally Basic (RFC 7617).

Both Okta ("Header Auth") and Entra ("Secret Token") send one long-lived
token as ``Authorization: Bearer …``. Okta's "SCIM 2.0 Test App (Basic
Auth)" template sends ``Basic base64(username:password)`` instead (seed 002:
"Basic Auth, Header Auth, or OAuth Bearer Token"), so a server configured
with Basic credentials accepts those as well. Every endpoint — discovery
included — requires a credential: RFC 7644 §4 lets discovery be public, but
a harness that tests auth must be able to show that *nothing* answers
without one (our policy; checks-catalog ``disc.spc.no-auth-ok`` only
records it).
"""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from harness.scim.errors import ScimError
from harness.server.http import error_response


def _credentials(authorization: str | None, wanted: str) -> str | None:
    """The credentials after the ``wanted`` scheme; scheme names are case-insensitive
    (RFC 7235 §2.1, RFC 6750 §2.1, RFC 7617 §2)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != wanted:
        return None
    return credentials.strip() or None


def presented_token(authorization: str | None) -> str | None:
    """The token of a ``Bearer`` credential (RFC 6750 §2.1)."""
    return _credentials(authorization, "bearer")


def presented_basic(authorization: str | None) -> bytes | None:
    """The decoded ``user-id:password`` of a ``Basic`` credential, as bytes (RFC 7617 §2).

    Bytes, not text: RFC 7617 leaves the charset to the server (§2.1 only
    allows announcing UTF-8), and comparing bytes needs no decoding step that
    could fail differently for right and wrong passwords. Undecodable base64
    counts as a presented but wrong credential (``b""``).
    """
    credentials = _credentials(authorization, "basic")
    if credentials is None:
        return None
    try:
        return base64.b64decode(credentials, validate=True)
    except (binascii.Error, ValueError):
        return b""


def token_matches(presented: str, expected: str) -> bool:
    """Constant-time comparison so response timing leaks nothing about the token."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def basic_matches(presented: bytes, expected: tuple[str, str]) -> bool:
    """Constant-time comparison of the whole ``user-id:password`` (RFC 7617 §2), UTF-8."""
    user, password = expected
    return hmac.compare_digest(presented, f"{user}:{password}".encode())


def challenge(realm: str, invalid: bool, basic: bool = False) -> str:
    """The ``WWW-Authenticate`` value: Bearer (RFC 6750 §3; ``invalid_token`` when a bearer
    token was sent), followed by a Basic challenge when Basic is accepted (RFC 7617 §2,
    announcing UTF-8 per §2.1) — RFC 7235 §4.1 allows several challenges in one header."""
    value = f'Bearer realm="{realm}"'
    if invalid:
        value += ', error="invalid_token"'
    if basic:
        value += f', Basic realm="{realm}", charset="UTF-8"'
    return value


class BearerAuthMiddleware:
    """Answer 401 with a SCIM error body unless the request carries a valid credential.

    ``token``: the bearer token (``None``: bearer not accepted); ``basic``:
    the ``(user-id, password)`` accepted with Basic, or ``None``.
    """

    def __init__(
        self,
        app: ASGIApp,
        token: str | None,
        realm: str = "SCIM",
        basic: tuple[str, str] | None = None,
    ) -> None:
        self.app = app
        self.token = token
        self.realm = realm
        self.basic = basic

    def accepts(self, authorization: str | None) -> bool:
        token = presented_token(authorization)
        if token is not None and self.token is not None:
            return token_matches(token, self.token)
        pair = presented_basic(authorization)
        if pair is not None and self.basic is not None:
            return basic_matches(pair, self.basic)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = None
        for name, value in scope.get("headers", []):
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        if self.accepts(authorization):
            await self.app(scope, receive, send)
            return
        bearer_sent = presented_token(authorization) is not None
        basic_sent = presented_basic(authorization) is not None
        response = error_response(
            ScimError(401, None, self._detail(bearer_sent, basic_sent)),
            {
                "WWW-Authenticate": challenge(
                    self.realm, invalid=bearer_sent, basic=self.basic is not None
                )
            },
        )
        await response(scope, receive, send)

    def _detail(self, bearer_sent: bool, basic_sent: bool) -> str:
        if bearer_sent:
            return "The bearer token is not valid."
        if basic_sent and self.basic is not None:
            return "The Basic credentials are not valid."
        schemes = ["'Authorization: Bearer <token>'"] if self.token is not None else []
        if self.basic is not None:
            schemes.append("'Authorization: Basic <credentials>'")
        return f"Authentication required: send {' or '.join(schemes)}."
