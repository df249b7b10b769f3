"""API authentication: ``SSWS <api token>`` or ``Bearer <access token>``.

Okta API tokens travel as ``Authorization: SSWS <token>``
(okta-provisioning.md, "Okta management API"); seed 004's examples send an
OAuth 2.0 access token as ``Bearer``. The mock has one secret and accepts it
under either scheme, compared in constant time; anything else is
``401 E0000011``, before routing, as Okta checks the credential first.
"""

from __future__ import annotations

import hmac

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_okta.api.errors import OktaApiError

SCHEMES = frozenset({"ssws", "bearer"})
#: Paths served without an Okta credential: the third-party consent page of the
#: OAuth 2.0 flow is opened in a browser (seed 004, step 2).
PUBLIC_PREFIXES = ("/mock/oauth2/",)


def authorized(header: str | None, token: str) -> bool:
    scheme, _, credential = (header or "").strip().partition(" ")
    if scheme.lower() not in SCHEMES or not credential.strip():
        return False
    return hmac.compare_digest(credential.strip().encode(), token.encode())


class OktaAuth:
    """ASGI middleware answering 401 E0000011 to every request without the token."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        header = next(
            (v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None
        )
        if authorized(header, self.token):
            await self.app(scope, receive, send)
            return
        error = OktaApiError("E0000011")
        await JSONResponse(error.body(), status_code=error.status)(scope, receive, send)
