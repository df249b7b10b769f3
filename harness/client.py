"""ScimClient: the one HTTP client every part of the harness talks through.

The conformance suite, the mock Okta and the fuzzer all need the same three
things from a client, so they live here once:

* the same code for a real URL and for an ASGI app in memory (choose the
  transport, keep everything else identical — the httpx habit);
* a transcript: every exchange recorded with secrets redacted, ready for a
  failure message, a report or a replayable curl line;
* robustness against a broken target: timeouts, dropped connections,
  non-JSON and truncated bodies become a response with ``error`` set, never
  an exception that would stop a run; 429 with ``Retry-After`` is honoured
  within a bound (RFC 6585 §4; Okta and Entra both back off on 429).
"""

from __future__ import annotations

import json
import re
import shlex
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

SCIM_MEDIA_TYPE = "application/scim+json"
REDACTED = "[REDACTED]"
#: Headers whose values are credentials whatever they contain, by name:
#: (Proxy-)Authorization, (Set-)Cookie, X-API-Key, X-Auth-Token, a secret or
#: password header a vendor's gateway wants.
SECRET_HEADER = re.compile(r"authorization|cookie|api[-_]?key|token|secret|password", re.I)
#: Marks a credential a check sends on purpose because it is wrong ("Bearer
#: scimh-not-a-token"): it is no secret, so transcripts keep it and a replay
#: reproduces the refusal instead of sending the real token.
FAKE_CREDENTIAL = "scimh-not-a-token"
#: Wrong credentials other tools send verbatim (Okta's SPEC test: "non-token").
PUBLIC_CREDENTIALS = frozenset({"non-token"})
#: How much of a body a transcript keeps; a report needs the start, not 50 MB.
BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Redactor:
    """Replaces every configured secret, and credential headers, before anything is kept."""

    secrets: tuple[str, ...] = ()
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        # One alternation, longest first (a secret containing another is not
        # left half-visible): a push of 10 000 generated passwords stays one
        # scan per text instead of one per secret.
        ordered = sorted({s for s in self.secrets if s}, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        object.__setattr__(self, "_pattern", pattern)

    def text(self, value: str) -> str:
        return value if self._pattern is None else self._pattern.sub(REDACTED, value)

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {name: self.header(name, value) for name, value in headers.items()}

    def header(self, name: str, value: str) -> str:
        """A credential header keeps its scheme ("Bearer [REDACTED]") and nothing else,
        unless it is a deliberately fake credential (:data:`FAKE_CREDENTIAL`)."""
        if not SECRET_HEADER.search(name):
            return self.text(value)
        genuine = any(s and s in value for s in self.secrets)
        if not genuine and (FAKE_CREDENTIAL in value or value in PUBLIC_CREDENTIALS):
            return value
        scheme, _, credential = value.partition(" ")
        if credential and name.lower() in {"authorization", "proxy-authorization"}:
            return f"{scheme} {REDACTED}"
        return REDACTED


#: Headers curl writes itself from the URL and the body (a replay must not fix them).
CURL_OWN_HEADERS = frozenset({"content-length", "host", "accept-encoding", "connection"})


def _replayed_header(name: str, value: str, token_variable: str) -> str:
    """One ``-H`` argument, shell-quoted; a redacted credential reads ``$token_variable``.

    Names are recorded lower-case (httpx); they are case-insensitive (RFC 9110
    §5.1), so the replay spells them the usual way (``Content-Type``). Values,
    where case can matter, are replayed exactly.
    """
    if name.islower():
        name = "-".join(part[:1].upper() + part[1:] for part in name.split("-"))
    if REDACTED not in value:
        return shlex.quote(f"{name}: {value}")
    # "bearer [REDACTED]" → "bearer $SCIM_TOKEN": the scheme as sent, the secret from
    # the environment. Double quotes let the shell expand the variable; everything
    # else is escaped so that it stays literal.
    literal = f"{name}: {value}".replace("\\", "\\\\")
    for char in ('"', "$", "`"):
        literal = literal.replace(char, f"\\{char}")
    return '"' + literal.replace(REDACTED, f"${token_variable}") + '"'


@dataclass(frozen=True)
class Exchange:
    """One request and what came back (or why nothing did), already redacted."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None
    response_headers: dict[str, str]
    response_body: str
    elapsed_ms: float
    error: str | None = None

    def curl(self, token_variable: str = "SCIM_TOKEN") -> str:
        """A command that sends the request again, header for header, as it was sent.

        Every recorded header is replayed with its name and value as sent (an
        ``Authorization: bearer …`` stays lower-case, a custom header or a
        non-default Content-Type/Accept is kept); only the transport's own
        headers (:data:`CURL_OWN_HEADERS`) are left to curl. A redacted
        credential becomes the environment variable ``token_variable`` behind
        the same scheme, so the token is never printed. Where curl would add a
        header the request did not have (``Accept: */*``, a form Content-Type
        for a body), the replay removes it.
        """
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        sent = {name.lower() for name in self.request_headers}
        for name, value in self.request_headers.items():
            if name.lower() in CURL_OWN_HEADERS:
                continue
            parts += ["-H", _replayed_header(name, value, token_variable)]
        for name in ("accept", "content-type"):
            if name not in sent and (name == "accept" or self.request_body is not None):
                # curl adds these by itself; "Name:" with no value makes it send none
                parts += ["-H", shlex.quote(f"{name.title()}:")]
        if self.request_body is not None:
            parts += ["--data-binary", shlex.quote(self.request_body)]
        elif self.request_headers.get("content-length", "").strip() == "0":
            parts += ["--data-binary", "''"]  # an empty body, still sent as one
        return " ".join(parts)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Exchange:
        """The inverse of :meth:`to_json` (results sent back by a parallel worker)."""
        return cls(
            method=data["method"],
            url=data["url"],
            request_headers=dict(data["request"]["headers"]),
            request_body=data["request"]["body"],
            status=data["response"]["status"],
            response_headers=dict(data["response"]["headers"]),
            response_body=data["response"]["body"],
            elapsed_ms=float(data["elapsed_ms"]),
            error=data.get("error"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "request": {"headers": self.request_headers, "body": self.request_body},
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": self.response_body,
            },
            "elapsed_ms": round(self.elapsed_ms, 2),
            "error": self.error,
        }


@dataclass
class ScimResponse:
    """A target's answer: status, headers, the parsed body, and what went wrong."""

    exchange: Exchange
    status: int | None
    headers: httpx.Headers
    body: Any = None
    #: Set when no usable answer came: a timeout, a reset, a non-JSON body.
    error: str | None = None
    text: str = ""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


@dataclass
class ScimClient:
    """A SCIM client bound to one base URL, recording every exchange.

    ``transport`` is any httpx transport: ``None`` for the network, or the
    in-process one from :meth:`in_process`. The token is sent as a bearer
    credential and is registered with the redactor, so it appears in no
    transcript, curl line or error message.
    """

    base_url: str
    token: str | None = None
    timeout: float = 10.0
    #: A whole ``Authorization`` value (``Basic …``, or an Okta "Header Auth"
    #: value typed by the admin) sent instead of ``Bearer <token>``; its
    #: credential part is redacted like the token.
    authorization: str | None = None
    transport: httpx.BaseTransport | None = None
    #: 429 handling: retries at most, and the longest single wait honoured.
    max_retries: int = 3
    max_retry_after: float = 30.0
    user_agent: str = "scim-harness"
    sleep: Callable[[float], None] = time.sleep
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        secrets = [self.token] if self.token else []
        if self.authorization:
            secrets.append(self.authorization.partition(" ")[2].strip() or self.authorization)
        self.redactor = Redactor(tuple(s for s in secrets if s))
        self._http = httpx.Client(transport=self.transport, timeout=self.timeout)

    @classmethod
    def in_process(cls, app: Any, token: str | None = None, **kwargs: Any) -> ScimClient:
        """A client that calls the ASGI ``app`` in memory instead of over a socket."""
        from harness.server.testing import SyncASGITransport

        return cls("http://scim.test", token, transport=SyncASGITransport(app), **kwargs)

    def add_secret(self, value: str) -> None:
        """Redact ``value`` from every exchange recorded from now on.

        For secrets learned after the client was built: a password Okta
        pushes (okta-provisioning.md, "Password push"), one it generates. The
        JSON-escaped spelling is registered too, because request bodies are
        kept as serialised (a ``"`` or a non-ASCII character in a password is
        escaped there). Longer secrets are replaced first, so a secret that
        contains another is not left half-visible.
        """
        forms = {value, json.dumps(value)[1:-1]} - {""}
        known = set(self.redactor.secrets)
        if forms <= known:
            return
        merged = sorted(known | forms, key=len, reverse=True)
        self.redactor = Redactor(tuple(merged))

    def close(self) -> None:
        self._http.close()
        if self.transport is not None:
            self.transport.close()

    def __enter__(self) -> ScimClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": SCIM_MEDIA_TYPE, "User-Agent": self.user_agent}
        if self.authorization:
            headers["Authorization"] = self.authorization
        elif self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        authenticate: bool = True,
    ) -> ScimResponse:
        """Send one request; never raises for anything the target does wrong."""
        merged = self.headers(headers)
        if not authenticate:
            merged.pop("Authorization", None)
        if json_body is not None:
            content = json.dumps(json_body)
            merged.setdefault("Content-Type", SCIM_MEDIA_TYPE)
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}{path}"
        attempt = 0
        while True:
            response = self._send(method, url, params, content, merged)
            wait = self._retry_wait(response, attempt)
            if wait is None:
                return response
            attempt += 1
            self.sleep(wait)

    def _retry_wait(self, response: ScimResponse, attempt: int) -> float | None:
        """Seconds to wait before retrying a 429, or None to stop (bounded retries)."""
        if response.status != 429 or attempt >= self.max_retries:
            return None
        raw = response.headers.get("retry-after", "")
        try:
            wait = float(raw)
        except ValueError:
            wait = 2.0**attempt  # no usable Retry-After: back off exponentially
        return min(max(wait, 0.0), self.max_retry_after)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        content: bytes | str | None,
        headers: dict[str, str],
    ) -> ScimResponse:
        request = self._http.build_request(
            method, url, params=params, content=content, headers=headers
        )
        body_text = _decode(request.content) if request.content else None
        start = time.perf_counter()
        error: str | None = None
        try:
            raw = self._http.send(request)
        except httpx.TimeoutException:
            raw, error = None, f"no answer within {self.timeout:g} s (timeout)"
        except httpx.TransportError as exc:
            raw, error = None, f"connection failed: {type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - start) * 1000
        text = "" if raw is None else _decode(raw.content)
        parsed: Any = None
        if raw is not None and raw.content:
            try:
                parsed = json.loads(raw.content)
            except ValueError as exc:
                error = f"response body is not JSON ({exc.__class__.__name__}: {exc})"
        exchange = Exchange(
            method=method,
            url=self.redactor.text(str(request.url)),
            request_headers=self.redactor.headers(dict(request.headers)),
            request_body=None if body_text is None else self.redactor.text(body_text[:BODY_LIMIT]),
            status=None if raw is None else raw.status_code,
            response_headers={} if raw is None else self.redactor.headers(dict(raw.headers)),
            response_body=self.redactor.text(text[:BODY_LIMIT]),
            elapsed_ms=elapsed,
            error=None if error is None else self.redactor.text(error),
        )
        self.exchanges.append(exchange)
        return ScimResponse(
            exchange=exchange,
            status=exchange.status,
            headers=httpx.Headers() if raw is None else raw.headers,
            body=parsed,
            error=exchange.error,
            text=text,
        )

    def get(self, path: str, **kwargs: Any) -> ScimResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("POST", path, json_body=body, **kwargs)

    def put(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("PUT", path, json_body=body, **kwargs)

    def patch(self, path: str, body: Any, **kwargs: Any) -> ScimResponse:
        return self.request("PATCH", path, json_body=body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> ScimResponse:
        return self.request("DELETE", path, **kwargs)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")
