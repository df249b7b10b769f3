"""What Okta's requests look like on the wire: headers, query strings, client settings.

One job: keep every byte-level detail of okta-provisioning.md ("Requests")
in one place, so the provisioner deals only in sequences.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from harness.client import ScimClient

USER_AGENT = "Okta SCIM Client 1.0.0"
SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8"
#: Sent with every request (okta-provisioning.md, "Requests").
READ_HEADERS = {
    "Accept": "application/scim+json",
    "Accept-Charset": "utf-8",
    "Accept-Encoding": "gzip,deflate",
}
#: Sent with every request that carries a body.
WRITE_HEADERS = {**READ_HEADERS, "Content-Type": SCIM_CONTENT_TYPE}
#: Okta honours Retry-After for about 10 attempts (okta-provisioning.md, "429", UNCONFIRMED).
MAX_RETRIES = 10
#: About 60 s per request (okta-provisioning.md, "Timeout", UNCONFIRMED).
TIMEOUT = 60.0


def okta_client(base_url: str, token: str | None, **kwargs: Any) -> ScimClient:
    """A client that identifies and behaves as Okta's SCIM client does."""
    kwargs.setdefault("timeout", TIMEOUT)
    kwargs.setdefault("max_retries", MAX_RETRIES)
    return ScimClient(base_url, token, user_agent=USER_AGENT, **kwargs)


def okta_client_in_process(app: Any, token: str | None, **kwargs: Any) -> ScimClient:
    """The same client calling an ASGI app in memory (tests, the embedded server)."""
    kwargs.setdefault("max_retries", MAX_RETRIES)
    return ScimClient.in_process(app, token, user_agent=USER_AGENT, **kwargs)


def query(**params: str | int) -> str:
    """A query string encoded as Okta encodes it: ``%20`` for spaces, ``%22`` for quotes.

    Okta's documented lookup is ``?filter=userName%20eq%20%22…%22&startIndex=1&count=100``;
    building it here keeps the order and the encoding exactly that.
    """
    return "&".join(f"{name}={quote(str(value), safe='')}" for name, value in params.items())


def eq_filter(attribute: str, value: str) -> str:
    """``attribute eq "value"`` with quotes and backslashes escaped (RFC 7644 §3.4.2.2)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{escaped}"'
