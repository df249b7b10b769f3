"""The app's API Integration: where Okta sends SCIM requests and how it signs them.

Why a module: the same connection is set up three ways — by a scenario's
``app.connection``, by the management API (``POST
/api/v1/apps/{appId}/connections/default``, seed 004) and by the CLI's
``--url``/``--token-env`` — and all three must produce the same
``Authorization`` header. Okta's SCIM templates differ exactly here
(seed 002: "Basic Auth, Header Auth, or OAuth Bearer Token"):

* ``TOKEN`` — the management API's bearer-token scheme: ``Bearer <token>``;
* ``HEADER`` — the "SCIM 2.0 Test App (Header Auth)": the admin types the
  whole header value (seed 001: "add the key in the form ``Bearer ${key}``")
  and Okta sends it verbatim;
* ``BASIC`` — ``Basic base64(username:password)`` (RFC 7617);
* ``OAUTH2`` — a bearer access token Okta obtained through the consent flow
  (seed 004: authorize link, callback, then ``lifecycle/activate``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import StrEnum


class AuthScheme(StrEnum):
    TOKEN = "TOKEN"
    HEADER = "HEADER"
    BASIC = "BASIC"
    OAUTH2 = "OAUTH2"


class ConnectionStatus(StrEnum):
    """``status`` of ``GET /api/v1/apps/{appId}/connections/default`` (seed 004)."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


@dataclass
class Connection:
    """Base URL, credentials and status of one app's provisioning connection.

    Credentials are secrets: nothing here is ever printed or serialised by
    the harness (the management API answers with the scheme and base URL
    only, as Okta does).
    """

    base_url: str | None = None
    auth_scheme: AuthScheme = AuthScheme.TOKEN
    token: str | None = None
    username: str | None = None
    password: str | None = None
    #: OAUTH2: the access token obtained at the end of the consent flow.
    access_token: str | None = None
    status: ConnectionStatus = ConnectionStatus.DISABLED

    @property
    def enabled(self) -> bool:
        return self.status is ConnectionStatus.ENABLED

    def authorization(self) -> str | None:
        """The ``Authorization`` header value Okta sends, or ``None`` when it has none yet."""
        if self.auth_scheme is AuthScheme.TOKEN:
            return f"Bearer {self.token}" if self.token else None
        if self.auth_scheme is AuthScheme.HEADER:
            return self.token or None
        if self.auth_scheme is AuthScheme.BASIC:
            if self.username is None or self.password is None:
                return None
            pair = f"{self.username}:{self.password}".encode()
            return f"Basic {base64.b64encode(pair).decode('ascii')}"
        return f"Bearer {self.access_token}" if self.access_token else None

    def secrets(self) -> tuple[str, ...]:
        """Every credential value, for a redactor."""
        values = (self.token, self.password, self.access_token, self.authorization())
        return tuple(v for v in values if v)
