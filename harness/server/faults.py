"""Planted defects: the reference server made to misbehave the way real vendor servers do.

A conformance suite is only as good as the bugs it catches. This module
wraps the reference service provider in :class:`FaultyApp`, an ASGI
middleware that applies one :class:`Fault` — a defect seen in a real SCIM
server (the "Common vendor bugs seen in the wild" of the checks catalog and
the pitfalls notes are the sources, cited in each fault's ``seen_in``) —
so that the project's own tests can prove that each defect is caught
(mutation testing), and the fuzzing work can plant defects for its
differential oracle to find.

A fault is data. Its mechanism is a composition of four kinds of parts,
applied in this order to every HTTP exchange:

1. ``request`` hooks rewrite the request before the app sees it (method,
   path, query, headers, JSON body) — "drop path-less PATCH operations",
   "ignore ``count``" — or answer in its place (a short-circuit response:
   "reject ``Replace`` with 400");
2. ``exchange`` hooks stand between the client and the app and may call it
   several times (a PUT done as GET + merge + PUT, a PATCH applied one
   operation at a time, a DELETE that only looks);
3. the wrapped app itself;
4. ``response`` hooks rewrite the answer (status, headers, JSON body), seeing
   the request as the client sent it — "201 becomes 200", "``totalResults``
   is the page size".

plus ``config``: overrides of :class:`ServerConfig` fields (dotted for
nested ones, ``"compat.string_booleans"``) for defects the reference server
can be configured into. Every response leaves with a ``Content-Length`` that
matches its rewritten body. Hooks get a :class:`FaultContext` with the
server's config (the valid token, for auth defects) and a per-app memory
for stateful defects (an ETag that never changes); nothing is global, so one
:class:`Fault` can wrap any number of apps side by side.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harness.scim.errors import ERROR_URN, ScimError
from harness.scim.expr import And, AttrPath, Compare, Filter, Not, Or, Present, ValuePath
from harness.scim.filters import matches, parse_filter
from harness.scim.schema import (
    BINARY,
    LIST_RESPONSE_URN,
    NEVER,
    REFERENCE,
    RESOURCE_TYPES,
    STRING,
    Attribute,
    ResourceType,
    Schema,
)
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.http import SCIM_MEDIA_TYPE

Json = Any
JsonDict = dict[str, Any]
Headers = tuple[tuple[str, str], ...]
Pairs = tuple[tuple[str, str], ...]

#: Statuses that never carry a body or a Content-Length (RFC 9110 §8.6, §15.3.5, §15.4.5).
BODYLESS_STATUSES = frozenset({204, 304})
#: The list parameters of RFC 7644 §3.4.2 (query) and §3.4.3 (SearchRequest), as spelled there.
LIST_PARAMETERS = (
    "filter",
    "sortBy",
    "sortOrder",
    "startIndex",
    "count",
    "attributes",
    "excludedAttributes",
)
_CANONICAL = {name.casefold(): name for name in LIST_PARAMETERS}
_FAULT_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")

_ITEM = re.compile(r"/(Users|Groups)/([^/.][^/]*)$")
_COLLECTION = re.compile(r"/(Users|Groups)$")
_SEARCH = re.compile(r"(?:/(Users|Groups))?/\.search$")
_DISCOVERY = re.compile(r"/(ServiceProviderConfig|ResourceTypes|Schemas)(/.*)?$")
_KNOWN_PATH = re.compile(
    r"/(Users|Groups)(/[^/]+)?$|/(ServiceProviderConfig|ResourceTypes|Schemas)(/.*)?$"
    r"|/(Bulk|Me|\.search)$|^/?$"
)


# ---------------------------------------------------------------------------
# The exchange as data
# ---------------------------------------------------------------------------


def _decode_json(raw: bytes) -> Json:
    """The body as JSON, or None when it is empty or not JSON (hooks then leave it alone)."""
    if not raw.strip():
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        return None


def _encode_json(value: Json) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers if key == wanted), None)


def _set_header(headers: Headers, name: str, value: str | None) -> Headers:
    """``headers`` with ``name`` replaced by ``value`` (``None`` removes it)."""
    wanted = name.lower()
    kept = tuple((key, v) for key, v in headers if key != wanted)
    return kept if value is None else (*kept, (wanted, value))


@dataclass(frozen=True)
class HttpRequest:
    """A request as the app will see it; header names are lower case."""

    method: str
    path: str
    query: Pairs = ()
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)

    def with_header(self, name: str, value: str | None) -> HttpRequest:
        return dataclasses.replace(self, headers=_set_header(self.headers, name, value))

    def with_query(self, query: Iterable[tuple[str, str]]) -> HttpRequest:
        return dataclasses.replace(self, query=tuple(query))

    def json(self) -> Json:
        return _decode_json(self.body)

    def with_json(self, value: Json) -> HttpRequest:
        return dataclasses.replace(self, body=_encode_json(value))

    def derive(self, method: str, query: Pairs = ()) -> HttpRequest:
        """A body-less request to the same path with the same credentials (a lookup)."""
        headers = tuple(
            (key, value)
            for key, value in self.headers
            if key not in ("content-type", "content-length", "transfer-encoding", "if-match")
        )
        return HttpRequest(method, self.path, query, headers, b"")


@dataclass(frozen=True)
class HttpResponse:
    """A complete response; ``Content-Length`` is recomputed when it is sent."""

    status: int
    headers: Headers = ()
    body: bytes = b""

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)

    def with_header(self, name: str, value: str | None) -> HttpResponse:
        return dataclasses.replace(self, headers=_set_header(self.headers, name, value))

    def json(self) -> Json:
        return _decode_json(self.body)

    def with_json(self, value: Json) -> HttpResponse:
        return dataclasses.replace(self, body=_encode_json(value))

    def with_status(self, status: int) -> HttpResponse:
        return dataclasses.replace(self, status=status)


def scim_error(status: int, scim_type: str | None, detail: str) -> HttpResponse:
    """An RFC 7644 §3.12 error answered by a fault in the app's place."""
    body = ScimError(status, scim_type, detail).to_body()
    return HttpResponse(status, (("content-type", SCIM_MEDIA_TYPE),), _encode_json(body))


def html_page(status: int, title: str) -> HttpResponse:
    """The framework error page a server shows when an exception escapes its SCIM layer."""
    page = f"<!DOCTYPE html><html><head><title>{title}</title></head><body><h1>{status} {title}"
    page += "</h1><pre>Traceback (most recent call last): ...</pre></body></html>"
    return HttpResponse(
        status, (("content-type", "text/html; charset=utf-8"),), page.encode("utf-8")
    )


@dataclass
class FaultContext:
    """What hooks may know beyond the exchange: the server's settings and a per-app memory."""

    config: ServerConfig | None = None
    memory: dict[str, Any] = field(default_factory=dict)

    def remembered(self, key: str) -> dict[str, Any]:
        """A named dict in this app's memory (created empty on first use)."""
        value: dict[str, Any] = self.memory.setdefault(key, {})
        return value


Call = Callable[[HttpRequest], Awaitable[HttpResponse]]
#: Rewrite a request, or answer instead of the app.
RequestHook = Callable[[HttpRequest, FaultContext], "HttpRequest | HttpResponse"]
#: Stand between client and app; may call the app any number of times.
ExchangeHook = Callable[[HttpRequest, Call, FaultContext], Awaitable[HttpResponse]]
#: Rewrite a response; the request is the one the client sent.
ResponseHook = Callable[[HttpRequest, HttpResponse, FaultContext], HttpResponse]


@dataclass(frozen=True)
class Fault:
    """One planted defect: what it does, where it was seen, which checks must catch it."""

    #: Kebab-case id, stable (test ids and the fuzzing issue refer to it).
    name: str
    #: One sentence: what a broken vendor server does.
    defect: str
    #: Public source (vendor issue, IdP document) or the IdP rule it breaks.
    seen_in: str
    #: Catalog check ids expected to fail against it.
    caught_by: tuple[str, ...]
    request: tuple[RequestHook, ...] = ()
    exchange: tuple[ExchangeHook, ...] = ()
    response: tuple[ResponseHook, ...] = ()
    #: ``ServerConfig`` overrides: (field or dotted field, value).
    config: tuple[tuple[str, Any], ...] = ()
    #: The conformance profile under which the defect matters (IdP-specific ones).
    profile: str = "rfc"
    #: The defect breaks a recommendation (or a rule the target's own SPC waives): the
    #: checks in ``caught_by`` report it as a *warning* and the gate still passes.
    warns: bool = False

    def __post_init__(self) -> None:
        if not _FAULT_NAME.match(self.name):
            raise ValueError(f"fault name {self.name!r} must be kebab-case")
        if not self.caught_by:
            raise ValueError(f"{self.name}: a fault names the checks that must catch it")
        if not (self.request or self.exchange or self.response or self.config):
            raise ValueError(f"{self.name}: a fault needs at least one mechanism")

    @property
    def mechanism(self) -> str:
        """The kinds of parts it is made of, e.g. ``"request + response"``."""
        parts = ("request", "exchange", "response", "config")
        return " + ".join(part for part in parts if getattr(self, part))

    def server_config(self, base: ServerConfig) -> ServerConfig:
        """``base`` with this fault's configuration overrides applied."""
        config = base
        for dotted, value in self.config:
            config = _override(config, dotted.split("."), value)
        return config


def _override(obj: Any, names: list[str], value: Any) -> Any:
    head, rest = names[0], names[1:]
    if rest:
        value = _override(getattr(obj, head), rest, value)
    return dataclasses.replace(obj, **{head: value})


def combine(name: str, *faults: Fault, defect: str | None = None) -> Fault:
    """Several defects at once (the fuzzing issue plants more than one); parts run in order."""
    if not faults:
        raise ValueError("combine needs at least one fault")
    return Fault(
        name=name,
        defect=defect or " ".join(fault.defect for fault in faults),
        seen_in="; ".join(fault.seen_in for fault in faults),
        caught_by=tuple(dict.fromkeys(c for fault in faults for c in fault.caught_by)),
        request=tuple(hook for fault in faults for hook in fault.request),
        exchange=tuple(hook for fault in faults for hook in fault.exchange),
        response=tuple(hook for fault in faults for hook in fault.response),
        config=tuple(item for fault in faults for item in fault.config),
        profile=faults[0].profile,
    )


# ---------------------------------------------------------------------------
# The middleware
# ---------------------------------------------------------------------------


class FaultyApp:
    """ASGI middleware: ``app`` with ``fault`` applied to every HTTP exchange.

    The request body is read whole and each response is captured whole before
    hooks run, so a rewrite can look at everything and the outgoing
    ``Content-Length`` always matches the body actually sent. Non-HTTP scopes
    (lifespan) pass through untouched.
    """

    def __init__(self, app: ASGIApp, fault: Fault, config: ServerConfig | None = None) -> None:
        self.app = app
        self.fault = fault
        self.context = FaultContext(config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = await _read_request(scope, receive)
        response = await self.handle(request, self._caller(scope, receive))
        await _send_response(response, send)

    async def handle(self, original: HttpRequest, call: Call) -> HttpResponse:
        """Run the fault's parts around ``call`` (the wrapped app) for one exchange."""
        response = await self._answer(original, call)
        for response_hook in self.fault.response:
            response = response_hook(original, response, self.context)
        return response

    async def _answer(self, request: HttpRequest, call: Call) -> HttpResponse:
        """Request hooks (any may answer instead of the app), then exchanges and the app."""
        for request_hook in self.fault.request:
            rewritten = request_hook(request, self.context)
            if isinstance(rewritten, HttpResponse):
                return rewritten
            request = rewritten
        return await self._through_exchanges(call)(request)

    def _through_exchanges(self, call: Call) -> Call:
        """``call`` wrapped by the exchange hooks, the first hook outermost."""
        for hook in reversed(self.fault.exchange):
            call = _bind(hook, call, self.context)
        return call

    def _caller(self, scope: Scope, receive: Receive) -> Call:
        async def call(request: HttpRequest) -> HttpResponse:
            return await _call_app(self.app, scope, receive, request)

        return call


def _bind(hook: ExchangeHook, inner: Call, context: FaultContext) -> Call:
    async def call(request: HttpRequest) -> HttpResponse:
        return await hook(request, inner, context)

    return call


async def _read_request(scope: Scope, receive: Receive) -> HttpRequest:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    query = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    headers = tuple(
        (name.decode("latin-1").lower(), value.decode("latin-1"))
        for name, value in scope.get("headers", [])
    )
    return HttpRequest(scope["method"], scope["path"], tuple(query), headers, b"".join(chunks))


def _scope_for(scope: Scope, request: HttpRequest) -> Scope:
    headers = _set_header(request.headers, "transfer-encoding", None)
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        headers = _set_header(headers, "content-length", str(len(request.body)))
    else:
        headers = _set_header(headers, "content-length", None)
    new = dict(scope)
    new["method"] = request.method
    if request.path != scope["path"]:
        new["path"] = request.path
        new["raw_path"] = quote(request.path).encode("ascii")
    new["query_string"] = urlencode(request.query, quote_via=quote).encode("ascii")
    new["headers"] = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return new


async def _call_app(
    app: ASGIApp, scope: Scope, receive: Receive, request: HttpRequest
) -> HttpResponse:
    """One call of the wrapped app with ``request``; its response captured whole."""
    delivered = False

    async def receive_body() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": request.body, "more_body": False}
        return await receive()  # disconnect, when the real client goes away

    status = 500
    headers: list[tuple[str, str]] = []
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            headers.extend(
                (k.decode("latin-1").lower(), v.decode("latin-1"))
                for k, v in message.get("headers", [])
            )
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(_scope_for(scope, request), receive_body, capture)
    return HttpResponse(status, tuple(headers), b"".join(chunks))


async def _send_response(response: HttpResponse, send: Send) -> None:
    bodyless = response.status in BODYLESS_STATUSES or response.status < 200
    body = b"" if bodyless else response.body
    headers = _set_header(response.headers, "content-length", None)
    if not bodyless:
        headers = (*headers, ("content-length", str(len(body))))
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        }
    )
    await send({"type": "http.response.body", "body": body, "more_body": False})


def faulty_app(fault: Fault, config: ServerConfig | None = None) -> FaultyApp:
    """A fresh reference app (own in-memory store) built with ``fault``'s config, wrapped."""
    config = fault.server_config(config or ServerConfig())
    return FaultyApp(create_app(config), fault, config)


# ---------------------------------------------------------------------------
# Where an exchange is: paths, list parameters, PATCH operations
# ---------------------------------------------------------------------------


def item_of(path: str) -> tuple[str, str] | None:
    """``("Users", id)`` for ``…/Users/{id}`` (not ``.search``), else None."""
    match = _ITEM.search(path)
    return (match[1], match[2]) if match else None


def collection_of(path: str) -> str | None:
    match = _COLLECTION.search(path)
    return match[1] if match else None


def is_listing(request: HttpRequest) -> bool:
    """A query of a collection: ``GET /Users`` or ``POST …/.search`` (RFC 7644 §3.4.2–§3.4.3)."""
    if request.method == "GET":
        return collection_of(request.path) is not None
    return request.method == "POST" and _SEARCH.search(request.path) is not None


def member(obj: Any, name: str) -> str | None:
    """The key of ``obj`` spelling ``name`` in any case (SCIM names are case-insensitive)."""
    if not isinstance(obj, dict):
        return None
    wanted = name.casefold()
    return next((key for key in obj if isinstance(key, str) and key.casefold() == wanted), None)


def list_params(request: HttpRequest) -> dict[str, Any]:
    """The list parameters of a request: query string, or SearchRequest body for ``.search``.

    Keys are the RFC spellings (:data:`LIST_PARAMETERS`) whatever case was
    sent; values as sent (strings from a query, JSON values from a body).
    """
    items: list[tuple[str, Any]] = list(request.query)
    if request.method == "POST" and _SEARCH.search(request.path):
        body = request.json()
        items = [(str(k), v) for k, v in body.items()] if isinstance(body, dict) else []
    return {_CANONICAL.get(key.casefold(), key): value for key, value in items}


def rewrite_params(rewrite: Callable[[dict[str, Any]], dict[str, Any]]) -> RequestHook:
    """A request hook changing list/projection parameters wherever a request carries them:
    the query string of any request and the body of ``.search`` (RFC 7644 §3.4.3)."""

    def hook(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
        params = list_params(request)
        changed = rewrite(dict(params))
        if changed == params:
            return request
        if request.method == "POST" and _SEARCH.search(request.path):
            return request.with_json(changed)
        return request.with_query((key, str(value)) for key, value in changed.items())

    return hook


def without(*names: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A parameter rewrite that drops ``names`` — the server that never implemented them."""
    return lambda params: {key: value for key, value in params.items() if key not in names}


def operations(body: Any) -> tuple[str, list[Any]] | None:
    """``(key, Operations)`` of a PatchOp body (the key as the client spelled it)."""
    key = member(body, "Operations")
    if key is None or not isinstance(body[key], list):
        return None
    return key, body[key]


def op_field(operation: Any, name: str) -> Any:
    key = member(operation, name)
    return None if key is None else operation[key]


def op_name(operation: Any) -> str:
    value = op_field(operation, "op")
    return value.casefold() if isinstance(value, str) else ""


def reject_patch(predicate: Callable[[Any], bool], answer: HttpResponse) -> RequestHook:
    """A request hook answering ``answer`` to any PATCH with an operation ``predicate`` accepts."""

    def hook(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
        found = operations(request.json()) if request.method == "PATCH" else None
        if found and any(predicate(op) for op in found[1]):
            return answer
        return request

    return hook


def rewrite_patch(rewrite: Callable[[list[Any]], list[Any]]) -> ExchangeHook:
    """An exchange hook rewriting PATCH ``Operations`` on a resource.

    When nothing is left, the app is asked for the resource as it is and
    that is the answer (200): the server that silently ignores what it does
    not understand, which is what makes such defects dangerous.
    """

    async def hook(request: HttpRequest, call: Call, context: FaultContext) -> HttpResponse:
        body = request.json()
        found = operations(body) if request.method == "PATCH" else None
        if found is None or item_of(request.path) is None:
            return await call(request)
        key, ops = found
        kept = rewrite([dict(op) if isinstance(op, dict) else op for op in ops])
        if kept == ops:
            return await call(request)
        if not kept:
            return await call(request.derive("GET", request.query))
        return await call(request.with_json({**body, key: kept}))

    return hook


# ---------------------------------------------------------------------------
# Response shapes
# ---------------------------------------------------------------------------


def is_list_response(body: Any) -> bool:
    return isinstance(body, dict) and LIST_RESPONSE_URN in (body.get("schemas") or [])


#: Message schemas (ListResponse, Error, PatchOp …) are not resources (RFC 7644 §3.1).
MESSAGE_URN_PREFIX = "urn:ietf:params:scim:api:messages:"


def is_resource(body: Any) -> bool:
    """A SCIM resource, possibly projected (``attributes=``): an ``id`` and resource schemas."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str):
        return False
    schemas = body.get("schemas")
    return isinstance(schemas, list) and not any(
        str(urn).startswith(MESSAGE_URN_PREFIX) for urn in schemas
    )


def on_list(rewrite: Callable[[JsonDict, dict[str, Any]], JsonDict]) -> ResponseHook:
    """A response hook rewriting a ListResponse; gets the request's list parameters."""

    def hook(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        body = response.json()
        if response.status != 200 or not is_list_response(body):
            return response
        return response.with_json(rewrite(body, list_params(request)))

    return hook


def on_resources(
    rewrite: Callable[[JsonDict, HttpRequest, FaultContext], JsonDict],
) -> ResponseHook:
    """A response hook rewriting every resource a 2xx answer carries (single or listed)."""

    def hook(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        body = response.json()
        if not 200 <= response.status < 300:
            return response
        if is_list_response(body):
            resources = body.get("Resources") or []
            body["Resources"] = [
                rewrite(item, request, context) if is_resource(item) else item for item in resources
            ]
            return response.with_json(body)
        if is_resource(body):
            return response.with_json(rewrite(body, request, context))
        return response

    return hook


def on_error(
    rewrite: Callable[[JsonDict, HttpResponse], HttpResponse],
    when: Callable[[JsonDict, HttpResponse], bool] = lambda body, response: True,
) -> ResponseHook:
    """A response hook replacing RFC 7644 §3.12 error answers (those ``when`` accepts)."""

    def hook(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        body = response.json()
        is_error = isinstance(body, dict) and ERROR_URN in (body.get("schemas") or [])
        if response.status < 400 or not is_error or not when(body, response):
            return response
        return rewrite(body, response)

    return hook


def _scim_type_is(scim_type: str) -> Callable[[JsonDict, HttpResponse], bool]:
    return lambda body, response: body.get("scimType") == scim_type


def _drop_resources(body: JsonDict, keep: Callable[[JsonDict], bool]) -> JsonDict:
    """A ListResponse without the resources ``keep`` refuses, counts adjusted to match."""
    resources = [item for item in body.get("Resources") or [] if keep(item)]
    removed = len(body.get("Resources") or []) - len(resources)
    body["Resources"] = resources
    body["itemsPerPage"] = len(resources)
    body["totalResults"] = max(0, int(body.get("totalResults") or 0) - removed)
    return body


# ---------------------------------------------------------------------------
# Filters as text (enough to plant filter defects; the real parser is harness.scim.filters)
# ---------------------------------------------------------------------------

_LOGICAL = re.compile(r"\s+(and|or)\s+", re.IGNORECASE)
_COMPARISON = re.compile(r"\b(eq|ne|co|sw|ew|gt|ge|lt|le|pr)\b", re.IGNORECASE)
_USERNAME_EQ = re.compile(r'^\s*userName\s+eq\s+("(?:[^"\\]|\\.)*")\s*$', re.IGNORECASE)


def _masked(text: str, nested: bool = True) -> str:
    """``text`` with quoted strings blanked out (same length), so that words found in it are
    filter syntax, not values; with ``nested`` also bracketed and parenthesised parts, so
    that operators found are top-level ones."""
    out: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in text:
        if quoted:
            out.append("_")
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                quoted = False
            continue
        if char == '"':
            quoted = True
            out.append("_")
        elif nested and char in "([":
            depth += 1
            out.append("_")
        elif nested and char in ")]":
            depth = max(0, depth - 1)
            out.append("_")
        else:
            out.append("_" if depth else char)
    return "".join(out)


def split_logical(text: str) -> tuple[list[str], list[str]]:
    """Top-level clauses and the ``and``/``or`` between them, as written."""
    clauses: list[str] = []
    words: list[str] = []
    start = 0
    for match in _LOGICAL.finditer(_masked(text)):
        clauses.append(text[start : match.start()].strip())
        words.append(text[match.start(1) : match.end(1)])
        start = match.end()
    clauses.append(text[start:].strip())
    return clauses, words


def _first_clause_if(test: Callable[[str], bool]) -> Callable[[str], str]:
    """Keep only the first clause when a top-level logical word passes ``test``."""

    def rewrite(text: str) -> str:
        clauses, words = split_logical(text)
        return clauses[0] if any(test(word) for word in words) else text

    return rewrite


def _left_to_right(text: str) -> str:
    """``a or b and c`` → ``((a or b) and c)``: the precedence bug of scim2-filter-parser 0.7.0."""
    clauses, words = split_logical(text)
    if len({word.casefold() for word in words}) < 2:
        return text
    grouped = clauses[0]
    for word, clause in zip(words, clauses[1:], strict=True):
        grouped = f"({grouped} {word} {clause})"
    return grouped


def rewrite_filter(rewrite: Callable[[str], str]) -> RequestHook:
    def change(params: dict[str, Any]) -> dict[str, Any]:
        text = params.get("filter")
        if isinstance(text, str):
            params["filter"] = rewrite(text)
        return params

    return rewrite_params(change)


def reject_filter(predicate: Callable[[str], bool], detail: str) -> RequestHook:
    """Answer 400 ``invalidFilter`` to list queries whose filter ``predicate`` accepts."""
    answer = scim_error(400, "invalidFilter", detail)

    def hook(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
        text = list_params(request).get("filter") if is_listing(request) else None
        if isinstance(text, str) and predicate(text):
            return answer
        return request

    return hook


def _mentions(attribute: str) -> Callable[[str], bool]:
    pattern = re.compile(rf"(^|[\s(\[.:]){re.escape(attribute)}\b", re.IGNORECASE)
    return lambda text: pattern.search(_masked(text, nested=False)) is not None


def _not_lower_operator(text: str) -> bool:
    found = _COMPARISON.finditer(_masked(text, nested=False))
    return any(match[0] != match[0].lower() for match in found)


# ---------------------------------------------------------------------------
# The defects' parts
# ---------------------------------------------------------------------------


def _answer_405_with_get(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """Writes to discovery endpoints served as reads (so they 'succeed')."""
    if request.method != "GET" and _DISCOVERY.search(request.path):
        return request.derive("GET")
    return request


def _no_spc(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    if request.method == "GET" and request.path.endswith("/ServiceProviderConfig"):
        return scim_error(404, None, "Not found.")
    return request


def _pascal_case(value: Json) -> Json:
    if isinstance(value, list):
        return [_pascal_case(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: JsonDict = {}
    for key, item in value.items():
        if key in ("mutability", "returned", "uniqueness") and isinstance(item, str) and item:
            out[key] = item[0].upper() + item[1:]
        else:
            out[key] = _pascal_case(item)
    return out


def _pascal_schemas(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if response.status != 200 or "/Schemas" not in request.path:
        return response
    return response.with_json(_pascal_case(response.json()))


def _valid_token(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """Every request authenticated, whatever it presented (auth checked nowhere).
    Needs the server's config in the context (``faulty_app`` passes it)."""
    token = context.config.token if context.config else None
    return request if token is None else request.with_header("authorization", f"Bearer {token}")


def _any_bearer(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """A bearer credential is checked for presence only, not for its value."""
    presented = request.header("authorization") or ""
    if presented.strip().lower().startswith("bearer ") and presented.split(None, 1)[1:]:
        return _valid_token(request, context)
    return request


def _html_401(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
    if response.status != 401:
        return response
    page = html_page(401, "Unauthorized")
    return dataclasses.replace(
        page,
        headers=_set_header(page.headers, "www-authenticate", response.header("www-authenticate")),
    )


def _create_200(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if request.method == "POST" and collection_of(request.path) and response.status == 201:
        return response.with_status(200)
    return response


def _no_location(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if request.method == "POST" and collection_of(request.path):
        return response.with_header("location", None)
    return response


def _sent_password(request: HttpRequest) -> str | None:
    """The password a write carries: top level of POST/PUT, or a PATCH setting it."""
    body = request.json()
    key = member(body, "password")
    if key is not None and isinstance(body[key], str):
        return str(body[key])
    for op in (operations(body) or ("", []))[1]:
        path, value = op_field(op, "path"), op_field(op, "value")
        if isinstance(path, str) and path.casefold() == "password" and isinstance(value, str):
            return value
        inner = member(value, "password")
        if path is None and inner is not None and isinstance(value[inner], str):
            return str(value[inner])
    return None


def _echo_password(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    """The stored password comes back in every representation of its user."""
    passwords = context.remembered("passwords")
    body = response.json()
    sent = _sent_password(request) if request.method in ("POST", "PUT", "PATCH") else None
    if sent is not None and is_resource(body) and 200 <= response.status < 300:
        passwords[body["id"]] = sent

    def add(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
        if resource.get("id") in passwords:
            resource["password"] = passwords[resource["id"]]
        return resource

    return on_resources(add)(request, response, context)


def _invent_username(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """A missing userName is generated instead of refused (RFC 7643 §4.1.1 makes it required)."""
    body = request.json()
    if request.method != "POST" or collection_of(request.path) != "Users":
        return request
    if not isinstance(body, dict) or body.get(member(body, "userName") or "userName"):
        return request
    body[member(body, "userName") or "userName"] = f"generated-{uuid.uuid4().hex[:12]}"
    return request.with_json(body)


def _writes_resource(request: HttpRequest) -> bool:
    """A POST or PUT carrying a whole User or Group."""
    path = request.path
    return request.method in ("POST", "PUT") and bool(collection_of(path) or item_of(path))


def _refuse_readonly(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    body = request.json()
    for name in ("id", "meta"):
        if _writes_resource(request) and member(body, name) is not None:
            return scim_error(400, "invalidValue", f"Attribute '{name}' is readOnly.")
    return request


def _has_null(value: Json) -> bool:
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_null(item) for item in value)
    return False


def _refuse_nulls(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    if _writes_resource(request) and _has_null(request.json()):
        return scim_error(400, "invalidValue", "null is not a valid value.")
    return request


def _refuse_email_type(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    """POST/PUT of a User whose e-mails carry a ``type`` is refused."""
    if _writes_resource(request) and "Users" in request.path:
        body = request.json()
        key = member(body, "emails")
        emails = body[key] if key else None
        typed = (
            [e for e in emails if isinstance(e, dict) and "type" in e]
            if isinstance(emails, list)
            else []
        )
        if typed:
            return scim_error(400, "invalidValue", "Attribute 'emails.type' is not supported.")
    return request


#: What :func:`_refuse_beyond_minimal` lets a User create carry (RFC 7643 §4.1.1).
_MINIMAL_USER = frozenset({"schemas", "username"})


def _refuse_beyond_minimal(
    request: HttpRequest, context: FaultContext
) -> HttpRequest | HttpResponse:
    """POST /Users with anything but ``schemas`` and ``userName`` is refused."""
    if request.method == "POST" and collection_of(request.path) == "Users":
        body = request.json()
        extra = (
            sorted(k for k in body if k.casefold() not in _MINIMAL_USER)
            if isinstance(body, dict)
            else []
        )
        if extra:
            return scim_error(400, "invalidValue", f"Unsupported attribute '{extra[0]}'.")
    return request


def _without_scim_type(body: JsonDict, response: HttpResponse) -> HttpResponse:
    body.pop("scimType", None)
    return response.with_json(body)


def _conflict_as_400(body: JsonDict, response: HttpResponse) -> HttpResponse:
    body["status"] = "400"
    return response.with_json(body).with_status(400)


#: Appended to a case-variant duplicate's stored userName and hidden again on the way out.
_VARIANT_MARK = "\u2063"


async def _accept_case_variant(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """Uniqueness compared case-sensitively: a userName differing only in case is created."""
    response = await call(request)
    body = request.json()
    key = member(body, "userName")
    if (
        response.status != 409
        or request.method != "POST"
        or collection_of(request.path) != "Users"
        or key is None
        or not isinstance(body[key], str)
    ):
        return response
    name = body[key]
    lookup = await call(request.derive("GET", (("filter", f"userName eq {json.dumps(name)}"),)))
    found = lookup.json() or {}
    if any(item.get("userName") == name for item in found.get("Resources") or []):
        return response  # an exact duplicate is still refused
    return await call(request.with_json({**body, key: name + _VARIANT_MARK}))


def _hide_variant_mark(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    name = resource.get("userName")
    if isinstance(name, str) and name.endswith(_VARIANT_MARK):
        resource["userName"] = name[: -len(_VARIANT_MARK)]
    return resource


def _hide_inactive(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    """Users with ``active: false`` vanish from GET (404) and from lists."""
    body = response.json()
    if response.status == 200 and is_list_response(body):
        return response.with_json(
            _drop_resources(body, lambda item: item.get("active") is not False)
        )
    if request.method == "GET" and response.status == 200 and is_resource(body):
        return scim_error(404, None, "User not found.") if body.get("active") is False else response
    return response


async def _put_merges(request: HttpRequest, call: Call, context: FaultContext) -> HttpResponse:
    """PUT applied as a merge onto the stored resource: omitted attributes survive."""
    if request.method != "PUT" or item_of(request.path) is None:
        return await call(request)
    body = request.json()
    current = await call(request.derive("GET"))
    stored = current.json()
    if not isinstance(body, dict) or current.status != 200 or not is_resource(stored):
        return await call(request)
    merged = {key: value for key, value in stored.items() if key not in ("id", "meta")}
    for key, value in body.items():
        merged.pop(member(merged, key) or key, None)
        merged[key] = value
    return await call(request.with_json(merged))


async def _delete_only_looks(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """DELETE answers 204 but deletes nothing (soft delete that GET does not honour)."""
    if request.method != "DELETE" or item_of(request.path) is None:
        return await call(request)
    found = await call(request.derive("GET"))
    return HttpResponse(204) if found.status == 200 else found


def _delete_always_204(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if request.method == "DELETE" and item_of(request.path) and response.status == 404:
        return HttpResponse(204)
    return response


def _frozen_last_modified(
    resource: JsonDict, request: HttpRequest, context: FaultContext
) -> JsonDict:
    meta = resource.get("meta")
    if isinstance(meta, dict) and "created" in meta:
        meta["lastModified"] = meta["created"]
    return resource


def _frozen_version(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """``meta.version`` stays the first one ever served for that resource."""
    versions = context.remembered("versions")
    meta = resource.get("meta")
    if isinstance(meta, dict) and "version" in meta:
        meta["version"] = versions.setdefault(str(resource.get("id")), meta["version"])
    return resource


def _etag_follows_body(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    body = response.json()
    if response.header("etag") and is_resource(body):
        version = (body.get("meta") or {}).get("version")
        if isinstance(version, str):
            return response.with_header("etag", version)
    return response


def _drop_header(name: str) -> ResponseHook:
    def hook(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        return response.with_header(name, None)

    return hook


def _ignore_header(name: str) -> RequestHook:
    def hook(request: HttpRequest, context: FaultContext) -> HttpRequest:
        return request.with_header(name, None)

    return hook


# -- groups ------------------------------------------------------------------


def _path_of(op: Any) -> str:
    path = op_field(op, "path")
    return path.strip() if isinstance(path, str) else ""


def _remove_filter_becomes_all(ops: list[Any]) -> list[Any]:
    """``remove members[value eq "x"]`` read as ``remove members``: the group is emptied."""
    for op in ops:
        if op_name(op) == "remove" and re.match(r"^members\s*\[", _path_of(op), re.IGNORECASE):
            op[member(op, "path") or "path"] = "members"
    return ops


def _remove_value_ignored(ops: list[Any]) -> list[Any]:
    """``remove`` with path ``members`` and a value list: the value is ignored (RFC letter)."""
    for op in ops:
        if op_name(op) == "remove" and _path_of(op).casefold() == "members":
            op.pop(member(op, "value") or "value", None)
    return ops


def _member_values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item["value"]) for item in items if isinstance(item, dict) and "value" in item]


def _added_members(ops: list[Any]) -> list[str]:
    added: list[str] = []
    for op in ops:
        if op_name(op) != "add":
            continue
        value = op_field(op, "value")
        if _path_of(op).casefold() == "members":
            added += _member_values(value)
        elif not _path_of(op) and member(value, "members"):
            added += _member_values(value[member(value, "members") or "members"])
    return added


async def _record_duplicate_adds(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """Remember members added again to a group they already belong to."""
    target = item_of(request.path)
    found = operations(request.json()) if request.method == "PATCH" else None
    if target and target[0] == "Groups" and found:
        added = _added_members(found[1])
        if added:
            current = (await call(request.derive("GET"))).json() or {}
            present = set(_member_values(current.get("members") or []))
            context.remembered("duplicates").setdefault(target[1], []).extend(
                value for value in added if value in present
            )
    return await call(request)


def _show_duplicates(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """Each recorded re-add shows as one more copy of the member (an append without a check)."""
    extra = context.remembered("duplicates").get(str(resource.get("id")), [])
    members = resource.get("members")
    if extra and isinstance(members, list):
        for value in extra:
            copy = next(
                (m for m in members if isinstance(m, dict) and m.get("value") == value), None
            )
            if copy is not None:
                members.append(dict(copy))
    return resource


def _drop_pathless(ops: list[Any]) -> list[Any]:
    return [op for op in ops if _path_of(op)]


def _is_dotted_key(key: str, value: Any) -> bool:
    """Entra's flat keys: ``name.givenName`` or ``urn:…:User:employeeNumber`` (not a URN object)."""
    return "." in key.split(":")[-1] or (
        key.casefold().startswith("urn:") and not isinstance(value, dict)
    )


def _without_value_keys(ops: list[Any], drop: Callable[[str, Any], bool]) -> list[Any]:
    """Path-less operations with the value keys ``drop`` picks removed; an operation left
    with no key at all is removed too."""
    kept = []
    for op in ops:
        value = op_field(op, "value")
        if not _path_of(op) and isinstance(value, dict):
            value = {key: item for key, item in value.items() if not drop(key, item)}
            if not value:
                continue
            op[member(op, "value") or "value"] = value
        kept.append(op)
    return kept


def _drop_dotted_keys(ops: list[Any]) -> list[Any]:
    return _without_value_keys(ops, _is_dotted_key)


_READ_ONLY_TOP = frozenset({"id", "meta", "groups"})


def _drop_readonly_ops(ops: list[Any]) -> list[Any]:
    """Operations on readOnly attributes silently skipped instead of refused (400 mutability)."""
    writable = [
        op
        for op in ops
        if re.split(r"[.\[]", _path_of(op), maxsplit=1)[0].casefold() not in _READ_ONLY_TOP
    ]
    return _without_value_keys(writable, lambda key, value: key.casefold() in _READ_ONLY_TOP)


async def _one_op_at_a_time(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """Each operation committed on its own: a failing one leaves the earlier ones applied."""
    body = request.json()
    found = operations(body) if request.method == "PATCH" else None
    if found is None or len(found[1]) < 2 or item_of(request.path) is None:
        return await call(request)
    key, ops = found
    response = HttpResponse(500)
    for index, op in enumerate(ops):
        step = request.with_json({**body, key: [op]})
        response = await call(step if index == 0 else step.with_header("if-match", None))
        if response.status >= 400:
            break
    return response


async def _stale_patch_body(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """PATCH answers 200 with the resource as it was before the change."""
    if request.method != "PATCH" or item_of(request.path) is None:
        return await call(request)
    before = await call(request.derive("GET", request.query))
    response = await call(request)
    if response.status == 200 and before.status == 200:
        return dataclasses.replace(response, body=before.body)
    return response


# -- lists -------------------------------------------------------------------


def _username_exact(body: JsonDict, params: dict[str, Any]) -> JsonDict:
    """``userName eq`` compared case-sensitively (caseExact ignored, RFC 7643 §4.1.1)."""
    match = _USERNAME_EQ.match(str(params.get("filter") or ""))
    if not match:
        return body
    literal = json.loads(match[1])
    return _drop_resources(body, lambda item: item.get("userName", literal) == literal)


def _miss_404(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
    body = response.json()
    filtered = list_params(request).get("filter")
    if response.status == 200 and is_list_response(body) and filtered and not body["totalResults"]:
        return scim_error(404, None, "No resource matches the filter.")
    return response


def _duplicate_multi_valued(body: JsonDict, params: dict[str, Any]) -> JsonDict:
    """A filter on a multi-valued attribute answered with one row per value (a SQL join)."""
    text = str(params.get("filter") or "")
    if not any(
        _mentions(name)(text) for name in ("emails", "phoneNumbers", "members", "addresses")
    ):
        return body
    resources = body.get("Resources") or []
    doubled = [copy for item in resources for copy in (item, item)]
    body["Resources"] = doubled
    body["itemsPerPage"] = len(doubled)
    body["totalResults"] = int(body.get("totalResults") or 0) + len(resources)
    return body


def _total_is_page(body: JsonDict, params: dict[str, Any]) -> JsonDict:
    body["totalResults"] = len(body.get("Resources") or [])
    return body


def _zero_based_request(params: dict[str, Any]) -> dict[str, Any]:
    """The client's startIndex read as a 0-based offset (absent = offset 0 = the first)."""
    given = params.get("startIndex")
    try:
        offset = int(str(given))
    except ValueError:
        return params
    params["startIndex"] = offset + 1 if isinstance(given, int) else str(offset + 1)
    return params


def _zero_based_echo(body: JsonDict, params: dict[str, Any]) -> JsonDict:
    try:
        body["startIndex"] = int(params.get("startIndex") or 0)
    except (TypeError, ValueError):
        return body
    return body


def _count_zero_is_all(params: dict[str, Any]) -> dict[str, Any]:
    if str(params.get("count", "")).strip() == "0":
        params.pop("count")
    return params


def _id_not_always(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """With ``attributes=`` the ``returned: always`` id is projected away like the rest."""
    wanted = list_params(request).get("attributes")
    if wanted:
        names = wanted if isinstance(wanted, list) else str(wanted).split(",")
        if "id" not in {str(name).strip().casefold() for name in names}:
            resource.pop("id", None)
    return resource


# -- errors and media type -----------------------------------------------------


def _bad_json_500(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if response.status == 400 and request.body.strip() and request.json() is None:
        return html_page(500, "Internal Server Error")
    return response


def _plain_json_error(body: JsonDict, response: HttpResponse) -> HttpResponse:
    plain = {"error": body.get("detail") or "error", "code": response.status}
    return response.with_json(plain).with_header("content-type", "application/json")


def _status_as_number(body: JsonDict, response: HttpResponse) -> HttpResponse:
    body["status"] = response.status
    return response.with_json(body)


def _html_500(body: JsonDict, response: HttpResponse) -> HttpResponse:
    return html_page(500, "Internal Server Error")


def _unknown_path_html(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if response.status == 404 and not _KNOWN_PATH.search(request.path):
        return html_page(404, "Not Found")
    return response


def _plain_json_media(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    content_type = response.header("content-type") or ""
    if content_type.startswith(SCIM_MEDIA_TYPE):
        return response.with_header("content-type", "application/json; charset=utf-8")
    return response


def _refuse_plain_json(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    media = (request.header("content-type") or "").split(";")[0].strip().lower()
    if request.method in ("POST", "PUT", "PATCH") and media == "application/json":
        return scim_error(415, None, "Content-Type must be application/scim+json.")
    return request


def _error_html_405(
    request: HttpRequest, response: HttpResponse, context: FaultContext
) -> HttpResponse:
    if response.status == 405:
        return html_page(405, "Method Not Allowed").with_header("allow", response.header("allow"))
    return response


def _json_media_unless_404(body: JsonDict, response: HttpResponse) -> HttpResponse:
    if response.status == 404:
        return response
    return response.with_header("content-type", "application/json; charset=utf-8")


#: What an ORM's exception text looks like when a handler passes ``str(exc)`` on.
_LEAKED_SQL = {
    409: "psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "
    '"scim_users_user_name_key"\nDETAIL:  Key (user_name)=(…) already exists.\n'
    "[SQL: INSERT INTO scim_users (id, user_name, data) VALUES (%(id)s, %(user_name)s, "
    "%(data)s)]",
    404: "sqlalchemy.exc.NoResultFound: No row was found when one was required\n"
    "[SQL: SELECT scim_users.id, scim_users.data FROM scim_users WHERE scim_users.id = "
    "%(id_1)s]",
}


def _leak_sql(body: JsonDict, response: HttpResponse) -> HttpResponse:
    body["detail"] = _LEAKED_SQL[response.status]
    return response.with_json(body)


def _spc_supports(**features: bool) -> ResponseHook:
    """``GET /ServiceProviderConfig`` saying ``supported`` as given, whatever the server does."""

    def hook(request: HttpRequest, response: HttpResponse, context: FaultContext) -> HttpResponse:
        body = response.json()
        if request.method != "GET" or not _DISCOVERY.search(request.path) or response.status != 200:
            return response
        if not isinstance(body, dict) or "ServiceProviderConfig" not in str(body.get("schemas")):
            return response
        for name, supported in features.items():
            section = body.get(name)
            body[name] = {**(section if isinstance(section, dict) else {}), "supported": supported}
        return response.with_json(body)

    return hook


def _squeezed(value: Json) -> Json:
    if isinstance(value, str):
        return "".join(char if ord(char) < 128 else "?" for char in value)
    if isinstance(value, list):
        return [_squeezed(item) for item in value]
    if isinstance(value, dict):
        return {_squeezed(key): _squeezed(item) for key, item in value.items()}
    return value


def _ascii_only(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """Bodies squeezed through an ASCII codec: every non-ASCII character becomes '?'
    (whether it arrived as UTF-8 bytes or as a JSON ``\\u`` escape)."""
    body = request.json()
    return request if body is None else request.with_json(_squeezed(body))


# -- bulk --------------------------------------------------------------------


def _strip_bulk_ids(value: Json) -> Json:
    if isinstance(value, str) and value.startswith("bulkId:"):
        return value[len("bulkId:") :]
    if isinstance(value, list):
        return [_strip_bulk_ids(item) for item in value]
    if isinstance(value, dict):
        return {key: _strip_bulk_ids(item) for key, item in value.items()}
    return value


def _bulk_ids_literal(request: HttpRequest, context: FaultContext) -> HttpRequest:
    """``bulkId:x`` references taken as the literal id ``x`` (never resolved, RFC 7644 §3.7.2)."""
    body = request.json()
    found = (
        operations(body) if request.method == "POST" and request.path.endswith("/Bulk") else None
    )
    if found is None:
        return request
    key, ops = found
    return request.with_json({**body, key: [_literal_references(op) for op in ops]})


def _literal_references(op: Any) -> Any:
    """One bulk operation with its references in ``path`` and ``data`` made literal."""
    if not isinstance(op, dict):
        return op
    out = dict(op)
    path, data = member(op, "path"), member(op, "data")
    if path is not None and isinstance(op[path], str):
        out[path] = op[path].replace("bulkId:", "")
    if data is not None:
        out[data] = _strip_bulk_ids(op[data])
    return out


def _no_fail_on_errors(request: HttpRequest, context: FaultContext) -> HttpRequest:
    body = request.json()
    key = member(body, "failOnErrors")
    if request.method != "POST" or not request.path.endswith("/Bulk") or key is None:
        return request
    return request.with_json({k: v for k, v in body.items() if k != key})


# -- writes that answer 200 and are not stored ---------------------------------


def _is_false(value: Any) -> bool:
    """``false``, or Entra's string spelling ``"False"`` (compat ``string_booleans``)."""
    return value is False or (isinstance(value, str) and value.casefold() == "false")


def _any_value(value: Any) -> bool:
    return True


def _without_attribute(ops: list[Any], attribute: str, applies: Callable[[Any], bool]) -> list[Any]:
    """PATCH operations with every write of ``attribute`` (a value ``applies`` accepts)
    taken out: ``add``/``replace`` with that path, and that key of path-less values."""
    wanted = attribute.casefold()
    kept = [
        op
        for op in ops
        if not (
            op_name(op) in ("add", "replace")
            and _path_of(op).casefold() == wanted
            and applies(op_field(op, "value"))
        )
    ]
    return _without_value_keys(kept, lambda key, value: key.casefold() == wanted and applies(value))


def _write_ignored(
    resource_type: str, attribute: str, applies: Callable[[Any], bool] = _any_value
) -> ExchangeHook:
    """An exchange hook for the server that answers 200 to a change of ``attribute`` on a
    ``resource_type`` and does not store it: a PUT keeps the stored value (read first), a
    PATCH loses the operations writing it (answered with the resource as it is when none
    is left, as :func:`rewrite_patch` does)."""
    patch = rewrite_patch(lambda ops: _without_attribute(ops, attribute, applies))

    async def hook(request: HttpRequest, call: Call, context: FaultContext) -> HttpResponse:
        target = item_of(request.path)
        if target is None or target[0] != resource_type:
            return await call(request)
        if request.method == "PATCH":
            return await patch(request, call, context)
        body = request.json()
        key = member(body, attribute)
        if request.method != "PUT" or key is None or not applies(body[key]):
            return await call(request)
        stored = (await call(request.derive("GET"))).json()
        stored_key = member(stored, attribute)
        if stored_key is None:
            body.pop(key)
        else:
            body[key] = stored[stored_key]
        return await call(request.with_json(body))

    return hook


# -- filters evaluated by a differently broken server ---------------------------
#
# These two defects change what one operator means inside any filter, however
# nested (``not (a co "x") or b pr``), so a text rewrite of whole clauses or a
# post-filter of the page would model them only for simple filters. Instead
# the filter is parsed with the core's parser (:func:`parse_filter`), the
# broken operator's nodes are replaced by nodes the honest server evaluates
# the way the broken one would, and the tree goes back as text
# (``harness.scim.expr`` renders canonical filter text). Sorting, paging and
# totalResults stay the app's, so the defect is exactly the operator's.

_RESOURCE_ID = AttrPath(None, "id")
#: ``not (id pr)``: false for every resource (``id`` is always assigned, RFC 7643 §3.1).
_NOTHING: Filter = Not(Present(_RESOURCE_ID))
_TEXT_TYPES = frozenset({STRING, REFERENCE, BINARY})


def _listed_type(request: HttpRequest) -> tuple[ResourceType, str] | None:
    """The resource type a list query reads and its collection path (``…/Users``);
    None for the server-root ``/.search``, which spans types."""
    if not is_listing(request):
        return None
    path = request.path[: -len("/.search")] if request.path.endswith("/.search") else request.path
    name = collection_of(path)
    for resource_type in RESOURCE_TYPES:
        if name and resource_type.endpoint == f"/{name}":
            return resource_type, path
    return None


def _parsed(text: Any) -> Filter | None:
    if not isinstance(text, str):
        return None
    try:
        return parse_filter(text)
    except ScimError:
        return None  # the app answers 400 invalidFilter as usual


def _with_filter(request: HttpRequest, text: str) -> HttpRequest:
    """``request`` asking for ``text`` as its filter (query string or SearchRequest body)."""
    params = list_params(request)
    params["filter"] = text
    if request.method == "POST" and _SEARCH.search(request.path):
        return request.with_json(params)
    return request.with_query((key, str(value)) for key, value in params.items())


def _any_of_ids(ids: list[str]) -> Filter:
    """``id eq "a" or id eq "b" …``; ``not (id pr)`` when there are none."""
    if not ids:
        return _NOTHING
    node: Filter = Compare(_RESOURCE_ID, "eq", ids[0])
    for value in ids[1:]:
        node = Or(node, Compare(_RESOURCE_ID, "eq", value))
    return node


def _case_exact_attribute(attribute: Attribute) -> Attribute:
    return dataclasses.replace(
        attribute,
        case_exact=True,
        sub_attributes=tuple(_case_exact_attribute(sub) for sub in attribute.sub_attributes),
    )


def _case_exact_schema(schema: Schema) -> Schema:
    return dataclasses.replace(
        schema, attributes=tuple(_case_exact_attribute(a) for a in schema.attributes)
    )


def _case_exact_type(resource_type: ResourceType) -> ResourceType:
    """``resource_type`` with every string attribute caseExact: how the broken ``co`` sees it."""
    return dataclasses.replace(
        resource_type,
        schema=_case_exact_schema(resource_type.schema),
        extensions=tuple((_case_exact_schema(ext), req) for ext, req in resource_type.extensions),
    )


_CASE_EXACT_TYPES = {rt.name: _case_exact_type(rt) for rt in RESOURCE_TYPES}


async def _all_matching(call: Call, request: HttpRequest, path: str, text: str) -> list[JsonDict]:
    """Every resource the app finds for ``text`` under ``path``, page by page."""
    found: list[JsonDict] = []
    for _ in range(1000):  # pages; a bound, not a limit anyone reaches
        query = (("filter", text), ("startIndex", str(len(found) + 1)), ("count", "1000"))
        lookup = dataclasses.replace(request.derive("GET", query), path=path)
        body = (await call(lookup)).json()
        page = body.get("Resources") if is_list_response(body) else None
        if not page:
            break
        found += [item for item in page if isinstance(item, dict)]
        if len(found) >= int(body.get("totalResults") or 0):
            break
    return found


async def _co_case_sensitive(
    request: HttpRequest, call: Call, context: FaultContext
) -> HttpResponse:
    """``co`` compares case-sensitively whatever the attribute's caseExact says.

    The vendor bug: ``eq`` (which Okta's OIN test exercises with an upper-cased
    userName) lower-cases both sides, but ``co`` is a SQL ``LIKE '%v%'`` under a
    case-sensitive collation (or Python's ``v in stored``): RFC 7643 §2.2
    caseExact false / RFC 7644 §3.4.2.2 say "co" on userName, emails.value,
    displayName … ignores case. Modelled exactly: each ``co`` comparison of
    the filter outside a value path is replaced by the ids of the resources
    whose value contains the literal case-sensitively (the app's own ``co``
    answer, narrowed with a caseExact copy of the schema); ``co`` inside
    ``emails[…]`` is left alone.
    """
    listed = _listed_type(request)
    tree = _parsed(list_params(request).get("filter")) if listed else None
    if listed is None or tree is None:
        return await call(request)
    resource_type, path = listed
    exact = _CASE_EXACT_TYPES[resource_type.name]

    async def narrowed(node: Filter) -> Filter:
        match node:
            case And(left, right):
                return And(await narrowed(left), await narrowed(right))
            case Or(left, right):
                return Or(await narrowed(left), await narrowed(right))
            case Not(inner):
                return Not(await narrowed(inner))
            case Compare(_, "co", value) if isinstance(value, str):
                candidates = await _all_matching(call, request, path, str(node))
                ids = [str(item.get("id")) for item in candidates if matches(node, item, exact)]
                return _any_of_ids(ids)
        return node

    rewritten = await narrowed(tree)
    if rewritten == tree:
        return await call(request)
    return await call(_with_filter(request, str(rewritten)))


def _always_listed(resource_type: ResourceType) -> tuple[str, ...]:
    """The multi-valued core attributes an ORM serialises as ``[]`` when it has none."""
    return tuple(
        attribute.name
        for attribute in resource_type.schema.attributes
        if attribute.multi_valued and attribute.returned != NEVER
    )


def _pr_as_key_exists(tree: Filter, resource_type: ResourceType) -> Filter:
    """``pr`` read as "the key is in the JSON": ``[]`` and ``""`` count as present.

    A multi-valued core attribute is always stored (as ``[]`` when empty, see
    :func:`_show_empty_lists`), so its ``pr`` is ``id pr`` (always true); a
    string one also matches ``""`` (the reference server keeps ``""`` as sent,
    pitfalls §3), so ``title pr`` becomes ``title pr or title eq ""``.
    """
    always = {name.casefold() for name in _always_listed(resource_type)}

    def attribute_of(path: AttrPath, parent: Attribute | None) -> tuple[Attribute, bool] | None:
        """The attribute ``path`` names and whether it is a top-level core one."""
        if parent is not None:
            sub = parent.sub(path.attr) if path.urn is None and path.sub_attr is None else None
            return None if sub is None else (sub, False)
        ref = resource_type.resolve(path.urn, path.attr, path.sub_attr)
        if ref is None:
            return None
        return ref.target, ref.container is None and ref.sub_attribute is None

    def widened(node: Filter, parent: Attribute | None) -> Filter:
        match node:
            case And(left, right):
                return And(widened(left, parent), widened(right, parent))
            case Or(left, right):
                return Or(widened(left, parent), widened(right, parent))
            case Not(inner):
                return Not(widened(inner, parent))
            case ValuePath(path, inner):
                ref = resource_type.resolve(path.urn, path.attr, path.sub_attr)
                return node if ref is None else ValuePath(path, widened(inner, ref.attribute))
            case Present(path):
                found = attribute_of(path, parent)
                if found is None:
                    return node
                attribute, top = found
                if top and attribute.multi_valued and attribute.name.casefold() in always:
                    return Present(_RESOURCE_ID)
                if attribute.type in _TEXT_TYPES:
                    return Or(node, Compare(path, "eq", ""))
        return node

    return widened(tree, None)


def _pr_key_exists(request: HttpRequest, context: FaultContext) -> HttpRequest | HttpResponse:
    """The request half of ``filter-pr-empty-list``: list filters get the broken ``pr``."""
    listed = _listed_type(request)
    tree = _parsed(list_params(request).get("filter")) if listed else None
    if listed is None or tree is None:
        return request
    rewritten = _pr_as_key_exists(tree, listed[0])
    return request if rewritten == tree else _with_filter(request, str(rewritten))


def _show_empty_lists(resource: JsonDict, request: HttpRequest, context: FaultContext) -> JsonDict:
    """The response half: an unassigned multi-valued attribute is served as ``[]``.

    RFC 7643 §2.5 makes ``[]`` and unassigned the same state, so showing it
    is harmless by itself; with ``pr`` as "key exists" it makes ``emails pr``
    true for a user without e-mails. Projected answers are left alone.
    """
    params = list_params(request)
    if "attributes" in params or "excludedAttributes" in params:
        return resource
    schemas = {str(urn) for urn in resource.get("schemas") or []}
    for resource_type in RESOURCE_TYPES:
        if resource_type.schema.id in schemas:
            for name in _always_listed(resource_type):
                if member(resource, name) is None:
                    resource[name] = []
    return resource


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------

FAULTS: tuple[Fault, ...] = (
    # -- discovery -----------------------------------------------------------
    Fault(
        "spc-missing",
        "GET /ServiceProviderConfig answers 404: discovery was never implemented.",
        "RFC 7644 §4 / RFC 7643 §5; the first step of scim-sanity and scim2-tester "
        "(checks-catalog peers of disc.spc.get)",
        ("disc.spc.get",),
        request=(_no_spc,),
    ),
    Fault(
        "schemas-pascal-case",
        "/Schemas gives characteristic values in Pascal case (ReadWrite, Always, None).",
        "Entra reads /Schemas and requires camel case, no nulls "
        "(entra-provisioning.md §2; checks-catalog disc.schemas.camel)",
        ("disc.schemas.camel",),
        response=(_pascal_schemas,),
    ),
    Fault(
        "discovery-writes-accepted",
        "POST/PUT/PATCH/DELETE on discovery endpoints answer 200 as if they were GETs.",
        "Okta OIN SPEC test posts to discovery endpoints and expects 405 "
        "(okta-provisioning.md, OIN submission tests)",
        ("disc.write-rejected",),
        request=(_answer_405_with_get,),
    ),
    # -- authentication --------------------------------------------------------
    Fault(
        "auth-not-enforced",
        "Requests without a token, or with a wrong one, are served.",
        "RFC 7644 §2; Okta and Entra both rely on 401 for a bad secret "
        "(checks-catalog auth.none-401 / auth.bad-401, IdP O E)",
        ("auth.none-401", "auth.bad-401"),
        request=(_valid_token,),
    ),
    Fault(
        "auth-any-bearer-accepted",
        "Any bearer credential is accepted: presence is checked, not the value.",
        "RFC 7644 §2, RFC 6750 §3.1; Okta's SPEC test has no wrong-token step, so the "
        "bug survives OIN review (okta-provisioning.md)",
        ("auth.bad-401",),
        request=(_any_bearer,),
    ),
    Fault(
        "auth-401-html",
        "401 answers carry the web framework's HTML login/error page, not a SCIM Error.",
        "RFC 7644 §3.12 (checks-catalog auth.error-body)",
        ("auth.error-body",),
        response=(_html_401,),
    ),
    # -- users CRUD ------------------------------------------------------------
    Fault(
        "create-200",
        "POST /Users and /Groups answer 200 instead of 201 Created.",
        "RFC 7644 §3.3; Okta and Entra expect 201 (okta-provisioning.md; Entra [T] Create User)",
        ("users.post.201",),
        response=(_create_200,),
    ),
    Fault(
        "create-no-location",
        "201 Created without a Location header.",
        "RFC 7644 §3.3 / §3.1 (checks-catalog users.post.location)",
        ("users.post.location",),
        response=(_no_location,),
    ),
    Fault(
        "password-echoed",
        "The password a client set comes back in the user's representations.",
        "RFC 7643 §4.1.1 (returned: never); Okta sends a password on create "
        "(okta-provisioning.md; checks-catalog users.password.never)",
        ("users.password.never",),
        response=(_echo_password,),
    ),
    Fault(
        "username-not-required",
        "A User POSTed without userName is created with a generated one.",
        "RFC 7643 §4.1.1 (userName REQUIRED); scim-sanity's '400 missing userName' probe",
        ("users.post.missing-username",),
        request=(_invent_username,),
    ),
    Fault(
        "readonly-rejected",
        "A client-supplied id or meta in POST/PUT is refused with 400.",
        "pitfalls §19: breaks Entra (meta.resourceType on create) and Okta full PUTs "
        "(id, meta); RFC 7644 §3.5.1",
        ("users.post.readonly-ignored", "users.post.entra-body", "users.put.readonly-ignored"),
        request=(_refuse_readonly,),
    ),
    Fault(
        "nulls-rejected",
        "An explicit null attribute value is refused with 400 invalidValue.",
        "RFC 7643 §2.5 (null = unassigned); Entra's create example sends explicit nulls "
        "(entra-provisioning.md §3)",
        ("users.post.nulls", "users.post.entra-body"),
        request=(_refuse_nulls,),
    ),
    Fault(
        "email-type-rejected",
        "A User create or replace whose e-mails carry 'type' is refused with 400, although "
        "/Schemas declares emails.type.",
        "issue 14 (measured: a vendor refusing the e-mail type Okta and Entra send); "
        "RFC 7643 §4.1.2 (emails.type), §7",
        ("users.create.declared",),
        request=(_refuse_email_type,),
    ),
    Fault(
        "create-minimal-only",
        "POST /Users refuses every attribute but schemas and userName, although /Schemas "
        "declares the whole RFC 7643 §4.1 User.",
        "issue 14 (measured: a vendor whose create accepts only the identifier); RFC 7643 "
        "§4.1, §7; RFC 7644 §3.3",
        ("users.create.declared",),
        request=(_refuse_beyond_minimal,),
    ),
    Fault(
        "conflict-without-scimtype",
        "A duplicate userName answers 409 without scimType 'uniqueness'.",
        "ory/polis PR #4065–#4067 (checks-catalog vendor bug 6)",
        ("users.post.dup-409",),
        response=(on_error(_without_scim_type, lambda body, response: response.status == 409),),
    ),
    Fault(
        "conflict-as-400",
        "A uniqueness violation answers 400 (scimType uniqueness) instead of 409.",
        "RFC 7644 §3.12 Table 9; ory/polis PR #4065–#4067 (uniqueness reported wrongly)",
        ("users.post.dup-409", "err.scimtype-table"),
        response=(on_error(_conflict_as_400, _scim_type_is("uniqueness")),),
    ),
    Fault(
        "case-variant-duplicate-accepted",
        "A userName differing only in case from an existing one is created (201).",
        "langfuse/langfuse PR #13528 (checks-catalog vendor bug 7)",
        ("users.post.dup-case-409",),
        exchange=(_accept_case_variant,),
        response=(on_resources(_hide_variant_mark),),
        profile="rfc",
    ),
    Fault(
        "disabled-users-hidden",
        "Users with active false disappear from GET (404) and from filtered lists.",
        "Microsoft Q&A 2238842: SCIM Validator 'Disable User' fails (checks-catalog vendor bug 17)",
        ("users.get.inactive",),
        response=(_hide_inactive,),
        profile="entra",
    ),
    Fault(
        "put-merges",
        "PUT merges the body into the stored resource: omitted attributes are kept.",
        "RFC 7644 §3.5.1; Okta updates with GET + full PUT and expects cleared attributes "
        "to be cleared (okta-provisioning.md; checks-catalog users.put.replace)",
        ("users.put.replace", "groups.put.replace"),
        exchange=(_put_merges,),
        profile="okta",
    ),
    Fault(
        "delete-not-deleting",
        "DELETE answers 204 but the resource is still there (GET 200).",
        "RFC 7644 §3.6; Entra hard delete expects the user gone "
        "(entra-provisioning.md §6; Microsoft SCIM Validator delete test)",
        ("users.delete.204", "groups.delete.204"),
        exchange=(_delete_only_looks,),
    ),
    Fault(
        "delete-twice-204",
        "DELETE of an already deleted (or unknown) resource answers 204, not 404.",
        "RFC 7644 §3.6 (checks-catalog users.delete.twice)",
        ("users.delete.twice",),
        response=(_delete_always_204,),
    ),
    Fault(
        "deactivate-ignored",
        "Setting active false on a User (PATCH or PUT) answers 200; the user stays active.",
        "Okta deactivates with a path-less PATCH (OIN) or a full PUT (custom apps) and "
        "treats 200 as done (okta-provisioning.md, 'Deactivate / reactivate'); the OIN CRUD "
        "test verifies the deactivation by GET",
        (
            "okta.crud.deactivate-patch",
            "okta.crud.deactivate-put",
            "patch.replace.pathless-okta",
            "attr.user.active.replace",
        ),
        exchange=(_write_ignored("Users", "active", _is_false),),
        profile="okta",
    ),
    Fault(
        "last-modified-frozen",
        "meta.lastModified stays equal to meta.created after every change.",
        "RFC 7643 §3.1 (checks-catalog users.meta.lastmodified)",
        ("users.meta.lastmodified",),
        response=(on_resources(_frozen_last_modified),),
    ),
    # -- groups ----------------------------------------------------------------
    Fault(
        "remove-member-removes-all",
        'PATCH remove members[value eq "x"] removes every member.',
        "RFC 7644 §3.5.2.2; Okta removes members exactly this way (okta-provisioning.md, "
        "push groups)",
        ("groups.patch.remove-filter",),
        exchange=(rewrite_patch(_remove_filter_becomes_all),),
    ),
    Fault(
        "remove-valuelist-removes-all",
        "PATCH remove path members with a value list removes every member.",
        "Entra legacy member removal (entra-provisioning.md §4–§5, [K]); checks-catalog "
        "vendor bug 16",
        ("groups.patch.remove-valuelist",),
        exchange=(rewrite_patch(_remove_value_ignored),),
        profile="entra",
    ),
    Fault(
        "add-member-duplicates",
        "PATCH add of an existing member appends it again.",
        "RFC 7643 §2.4, RFC 7644 §3.5.2.1; Okta re-sends members on every push "
        "(okta-provisioning.md; checks-catalog groups.patch.add-dup)",
        ("groups.patch.add-dup", "patch.add.multi"),
        exchange=(_record_duplicate_adds,),
        response=(on_resources(_show_duplicates),),
        profile="okta",
    ),
    Fault(
        "excluded-attributes-ignored",
        "excludedAttributes is ignored (members always returned).",
        "Infisical/infisical PR #6525 (Entra then replaces whole memberships); "
        "wso2/product-is #8498 (checks-catalog vendor bug 12)",
        ("groups.exclude-members", "proj.excluded"),
        request=(rewrite_params(without("excludedAttributes")),),
    ),
    Fault(
        "pathless-patch-ignored",
        "PATCH operations without a path are silently ignored (200, nothing changes).",
        "Okta deactivates and renames with path-less replace (okta-provisioning.md); "
        "Captain-P-Goldfish/scim-for-keycloak #26",
        ("groups.patch.rename-pathless", "patch.replace.pathless-okta"),
        exchange=(rewrite_patch(_drop_pathless),),
        profile="okta",
    ),
    Fault(
        "group-rename-ignored",
        "A displayName change of a Group (PATCH, path or path-less, or PUT) answers 200 and "
        "is not stored.",
        "Okta renames pushed groups with a path-less replace of {id, displayName} and shows "
        "the push as done on 200 (okta-provisioning.md, 'Push groups'); RFC 7644 §3.5.1, "
        "§3.5.2.3",
        (
            "groups.patch.rename-pathless",
            "groups.patch.okta-push",
            "groups.patch.rename-path",
            "groups.put.replace",
        ),
        exchange=(_write_ignored("Groups", "displayName"),),
        profile="okta",
    ),
    # -- filters ---------------------------------------------------------------
    Fault(
        "filter-username-case-sensitive",
        "userName eq compares case-sensitively.",
        "Okta OIN SPEC test (upper-cased userName lookup); okta/okta-developer-docs PR #4601",
        ("filter.eq.username-case",),
        response=(on_list(_username_exact),),
        profile="okta",
    ),
    Fault(
        "filter-miss-404",
        "A filter that matches nothing answers 404 instead of an empty ListResponse.",
        "Okta OIN SPEC test and Entra Test Connection require 200 totalResults 0 "
        "(okta-provisioning.md; entra-provisioning.md §1)",
        ("filter.empty-200",),
        response=(_miss_404,),
    ),
    Fault(
        "filter-externalid-unsupported",
        "A filter on externalId answers 400 invalidFilter.",
        "better-auth/better-auth PR #10420 (checks-catalog vendor bug 8); RFC 7644 §3.12 "
        "Table 9 lets a server refuse it, but Entra matches users on externalId eq",
        ("filter.eq.externalid",),
        request=(
            reject_filter(_mentions("externalId"), "Filtering on externalId is not supported."),
        ),
        profile="entra",
    ),
    Fault(
        "filter-and-ignored",
        "In 'a and b' only the first clause is applied.",
        "wso2/product-is #11807 (checks-catalog vendor bug 13); Entra's manager check uses "
        "and (entra-provisioning.md §2)",
        ("filter.and",),
        request=(rewrite_filter(_first_clause_if(lambda word: word.casefold() == "and")),),
    ),
    Fault(
        "filter-keywords-case-sensitive",
        "Operators are matched case-sensitively: EQ refused, AND/OR drop the later clauses.",
        "wso2/product-is #11807 (checks-catalog vendor bug 13)",
        ("filter.op-case",),
        request=(
            reject_filter(_not_lower_operator, "Unknown operator."),
            rewrite_filter(_first_clause_if(lambda word: word != word.lower())),
        ),
    ),
    Fault(
        "filter-ignored",
        "The filter parameter is ignored: every resource is returned.",
        "Okta looks users up by userName eq before create and links the first result "
        "(okta-provisioning.md); checks-catalog filter.decoy",
        ("filter.eq.username", "filter.decoy", "filter.not-ignored"),
        request=(rewrite_params(without("filter")),),
    ),
    Fault(
        "filter-multivalued-duplicates",
        "A filter on a multi-valued attribute returns a resource once per value (SQL join).",
        "wso2-extensions/identity-inbound-provisioning-scim2 PR #134 "
        "(checks-catalog vendor bug 14)",
        ("filter.subattr-multi",),
        response=(on_list(_duplicate_multi_valued),),
    ),
    Fault(
        "filter-ignored-unclaimed",
        "The ServiceProviderConfig says filter.supported false, and a filter is ignored "
        "instead of refused.",
        "RFC 7643 §5, RFC 7644 §3.12 (a server that does not filter should refuse a filter); "
        "a warning under the rfc profile, a failure under okta and entra",
        ("filter.not-ignored",),
        request=(rewrite_params(without("filter")),),
        response=(_spc_supports(filter=False),),
        warns=True,
    ),
    Fault(
        "filter-invalid-500",
        "An invalid or unsupported filter crashes the server (500 HTML) instead of 400.",
        "RFC 7644 §3.4.2.2, §3.12 (checks-catalog filter.invalid-400, filter.gt.boolean-400)",
        ("filter.invalid-400", "filter.gt.boolean-400"),
        response=(on_error(_html_500, _scim_type_is("invalidFilter")),),
    ),
    Fault(
        "filter-precedence-left-to-right",
        "'a or b and c' is evaluated as '(a or b) and c'.",
        "scim2-filter-parser 0.7.0 (scim2-filter-parser-notes.md); RFC 7644 §3.4.2.2",
        ("filter.precedence",),
        request=(rewrite_filter(_left_to_right),),
    ),
    Fault(
        "filter-co-case-sensitive",
        "co compares case-sensitively on caseExact=false attributes (userName, emails.value, "
        "displayName); eq still ignores case.",
        "RFC 7643 §2.2 caseExact, RFC 7644 §3.4.2.2; a SQL LIKE under a case-sensitive "
        "collation (pitfalls §4); the fuzzing issue's planted defect",
        ("filter.co",),
        exchange=(_co_case_sensitive,),
    ),
    Fault(
        "filter-pr-empty-list",
        "pr is 'the key exists': true for a multi-valued attribute served as [] and for an "
        "empty string.",
        "RFC 7644 §3.4.2.2 ('pr: if the attribute has a non-empty value'), RFC 7643 §2.5 "
        "(pitfalls §3); an ORM that serialises empty collections and tests IS NOT NULL",
        ("filter.pr.complex",),
        request=(_pr_key_exists,),
        response=(on_resources(_show_empty_lists),),
    ),
    # -- paging ----------------------------------------------------------------
    Fault(
        "total-results-page-size",
        "totalResults is the number of resources on the page, not the number of matches.",
        "wso2/product-is #7320, #13772, #12813 (checks-catalog vendor bug 9)",
        ("page.total-full",),
        response=(on_list(_total_is_page),),
    ),
    Fault(
        "start-index-zero-based",
        "startIndex is a 0-based offset (startIndex=1 skips the first result; 0 is echoed).",
        "simpleidserver/SimpleIdServer #185; okta/okta-developer-docs PR #251 "
        "(checks-catalog vendor bug 10)",
        ("page.one-based",),
        request=(rewrite_params(_zero_based_request),),
        response=(on_list(_zero_based_echo),),
    ),
    Fault(
        "count-zero-returns-all",
        "count=0 returns every resource instead of none.",
        "wso2/product-is #5106, #5362 (checks-catalog vendor bug 11)",
        ("page.count-zero",),
        request=(rewrite_params(_count_zero_is_all),),
    ),
    Fault(
        "count-ignored",
        "count is ignored: every match comes back on one page.",
        "better-auth/better-auth #10398 (paging not honoured; checks-catalog vendor bug 9); "
        "Okta imports in pages of 100 (okta-provisioning.md)",
        ("page.count",),
        request=(rewrite_params(without("count")),),
    ),
    Fault(
        "start-index-ignored",
        "startIndex is ignored: every page is the first page.",
        "Okta import walks pages until startIndex + itemsPerPage > totalResults "
        "(okta-provisioning.md); RFC 7644 §3.4.2.4",
        ("page.walk",),
        request=(rewrite_params(without("startIndex")),),
        profile="okta",
    ),
    # -- sorting and projection ------------------------------------------------
    Fault(
        "sort-ignored",
        "sortBy/sortOrder are ignored although sort.supported is true.",
        "RFC 7643 §5, RFC 7644 §3.4.2.3 (checks-catalog disc.spc.truthful: a claim not backed)",
        ("sort.asc-desc",),
        request=(rewrite_params(without("sortBy", "sortOrder")),),
    ),
    Fault(
        "attributes-ignored",
        "The attributes parameter is ignored: the default set is always returned.",
        "RFC 7644 §3.4.2.5, §3.9; scim2-tester resource_query_attributes checker",
        ("proj.attributes", "proj.subattr"),
        request=(rewrite_params(without("attributes")),),
    ),
    Fault(
        "attributes-drop-id",
        "With attributes=..., id is projected away although it is returned: always.",
        "RFC 7643 §2.2, §3.1; RFC 7644 §3.4.2.5 (checks-catalog proj.attributes)",
        ("proj.attributes",),
        response=(on_resources(_id_not_always),),
    ),
    # -- PATCH -----------------------------------------------------------------
    Fault(
        "patch-op-case-sensitive",
        "PATCH op values other than lower case (Entra's Add/Replace/Remove) answer 400.",
        "langwatch/langwatch #6972; Captain-P-Goldfish/scim-for-keycloak #5; "
        "thomaspoignant/scim-patch PR #6 (checks-catalog vendor bug 1)",
        ("patch.op-case",),
        request=(
            reject_patch(
                lambda op: (
                    isinstance(op_field(op, "op"), str)
                    and op_field(op, "op") != op_field(op, "op").lower()
                ),
                scim_error(400, "invalidSyntax", "Unknown PATCH operation."),
            ),
        ),
        profile="entra",
    ),
    Fault(
        "string-booleans-rejected",
        'Entra\'s "False"/"True" strings for active are refused with 400 invalidValue.',
        "scimmyjs/scimmy #86 (wontfix); Microsoft [K] (checks-catalog vendor bug 2)",
        ("patch.active-string",),
        config=(("compat.string_booleans", False),),
        profile="entra",
    ),
    Fault(
        "valuefilter-replace-unsupported",
        'replace on emails[type eq "work"].value throws (500).',
        "limosa-io/laravel-scim-server #34 (checks-catalog vendor bug 4)",
        ("patch.replace.valuefilter-sub",),
        request=(
            reject_patch(
                lambda op: re.search(r"\]\s*\.", _path_of(op)) is not None,
                html_page(500, "Internal Server Error"),
            ),
        ),
    ),
    Fault(
        "pathless-dotted-keys-ignored",
        'Path-less replace values with "name.givenName" or URN-prefixed keys are dropped.',
        "Captain-P-Goldfish/scim-for-keycloak #26; Microsoft Q&A 1435791 "
        "(checks-catalog vendor bug 3)",
        ("patch.replace.pathless-dotted",),
        exchange=(rewrite_patch(_drop_dotted_keys),),
        profile="entra",
    ),
    Fault(
        "patch-not-atomic",
        "A PATCH whose second operation fails keeps the first operation's change.",
        "RFC 7644 §3.5.2 (pitfalls §15)",
        ("patch.atomic",),
        exchange=(_one_op_at_a_time,),
    ),
    Fault(
        "replace-scalar-rejected",
        "replace with a scalar value (a string, a boolean) answers 400: a list was expected.",
        "Azure/AzureAD-BYOA-Provisioning-Samples #22; MicrosoftDocs/azure-docs #42220 "
        "(checks-catalog vendor bugs 5 and 15)",
        ("patch.replace.simple",),
        request=(
            reject_patch(
                lambda op: (
                    op_name(op) == "replace"
                    and bool(_path_of(op))
                    and isinstance(op_field(op, "value"), str | bool | int | float)
                ),
                scim_error(
                    400, "invalidValue", "The value of a replace operation must be an array."
                ),
            ),
        ),
    ),
    Fault(
        "urn-path-rejected",
        "A PATCH path with the extension URN prefix answers 400 invalidPath.",
        "Microsoft Q&A 5746233 (checks-catalog vendor bug 18); Entra sends URN paths "
        "(entra-provisioning.md §4)",
        ("patch.replace.urn-path",),
        request=(
            reject_patch(
                lambda op: _path_of(op).casefold().startswith("urn:"),
                scim_error(400, "invalidPath", "Unsupported attribute path."),
            ),
        ),
    ),
    Fault(
        "patch-readonly-ignored",
        "PATCH of readOnly attributes (id, meta, groups) is silently skipped with 200.",
        "RFC 7644 §3.5.2 (operations incompatible with mutability SHALL fail); pitfalls §16",
        ("patch.readonly",),
        exchange=(rewrite_patch(_drop_readonly_ops),),
    ),
    Fault(
        "patch-response-stale",
        "PATCH answers 200 with the resource as it was before the change.",
        "RFC 7644 §3.5.2 (200 carries the updated resource; pitfalls §17)",
        ("patch.response",),
        exchange=(_stale_patch_body,),
    ),
    # -- ETags -----------------------------------------------------------------
    Fault(
        "etag-never-changes",
        "meta.version and ETag stay the same after the resource changes.",
        "RFC 7644 §3.14, RFC 7643 §3.1 (checks-catalog etag.changes)",
        ("etag.changes",),
        response=(on_resources(_frozen_version), _etag_follows_body),
    ),
    Fault(
        "etag-header-missing",
        "No ETag header although etag.supported is true.",
        "RFC 7644 §3.14 (checks-catalog etag.header)",
        ("etag.header",),
        response=(_drop_header("etag"),),
    ),
    Fault(
        "if-match-ignored",
        "If-Match is ignored: a stale version overwrites the resource.",
        "RFC 7644 §3.14 (checks-catalog etag.if-match-stale)",
        ("etag.if-match-stale",),
        request=(_ignore_header("if-match"),),
    ),
    Fault(
        "if-none-match-ignored",
        "If-None-Match with the current version answers 200 instead of 304.",
        "RFC 7644 §3.14 (checks-catalog etag.if-none-match)",
        ("etag.if-none-match",),
        request=(_ignore_header("if-none-match"),),
    ),
    # -- errors and media type ---------------------------------------------------
    Fault(
        "malformed-json-500",
        "A body that is not JSON crashes the server: 500 with an HTML page.",
        "RFC 7644 §3.12; scim-sanity's '400 invalid body' probe "
        "(checks-catalog err.malformed-json)",
        ("err.malformed-json",),
        response=(_bad_json_500,),
    ),
    Fault(
        "errors-not-scim",
        'Errors are {"error": …} application/json bodies without the SCIM Error schema.',
        "RFC 7644 §3.12; Okta and Entra expect a SCIM error for 404 (okta-provisioning.md; "
        "Entra [T] Get User)",
        ("err.schema", "users.get.404"),
        response=(on_error(_plain_json_error),),
    ),
    Fault(
        "error-status-number",
        'Error bodies give status as a JSON number (404), not a string ("404").',
        "RFC 7644 §3.12; scim-sanity checks it (checks-catalog err.status-string)",
        ("err.status-string",),
        response=(on_error(_status_as_number),),
    ),
    Fault(
        "unknown-endpoint-html",
        "An unknown endpoint answers the framework's HTML 404 page.",
        "RFC 7644 §3.12 (checks-catalog err.unknown-endpoint)",
        ("err.unknown-endpoint",),
        response=(_unknown_path_html,),
    ),
    Fault(
        "content-type-json",
        "Responses are labelled application/json instead of application/scim+json.",
        "RFC 7644 §3.1, §8.1; Entra (checks-catalog media.response, IdP E)",
        ("media.response",),
        response=(_plain_json_media,),
        profile="entra",
    ),
    Fault(
        "json-request-rejected",
        "Requests sent as application/json are refused with 415.",
        "Okta's OIN SPEC test creates users with Content-Type application/json "
        "(okta-provisioning.md)",
        ("media.accept-json",),
        request=(_refuse_plain_json,),
        profile="okta",
    ),
    Fault(
        "non-ascii-mangled",
        "Non-ASCII characters in request bodies are stored as '?'.",
        "RFC 7644 §3.8 (UTF-8); checks-catalog media.utf8",
        ("media.utf8",),
        request=(_ascii_only,),
    ),
    Fault(
        "error-html-405",
        "A method an endpoint does not take is answered with the router's HTML 405 page.",
        "RFC 7644 §3.12 (errors in a JSON body); a framework's default 405 before the SCIM "
        "layer runs (checks-catalog err.schema)",
        ("err.schema.all-errors",),
        response=(_error_html_405,),
    ),
    Fault(
        "error-json-media",
        "Errors other than 404 are labelled application/json (a validation or conflict "
        "handler's default), successes and 404 application/scim+json.",
        "RFC 7644 §3.1, §8.1; Entra (checks-catalog media.response, IdP E)",
        ("err.media-type",),
        response=(on_error(_json_media_unless_404),),
        profile="entra",
    ),
    Fault(
        "error-leaks-sql",
        "Error details pass the ORM's exception text on: SQL statements, driver and "
        "exception class names.",
        "RFC 7644 §7 (security considerations); an exception handler that returns str(exc) "
        "as 'detail'",
        ("err.no-internals",),
        response=(on_error(_leak_sql, lambda body, response: response.status in _LEAKED_SQL),),
        warns=True,
    ),
    Fault(
        "spc-under-claims",
        "The ServiceProviderConfig says filter, sort, patch, etag and bulk are unsupported; "
        "the server supports them all.",
        "RFC 7643 §5 (clients go by the SPC: the features go unused and their checks are skipped)",
        ("disc.spc.under-claim",),
        response=(_spc_supports(filter=False, sort=False, patch=False, etag=False, bulk=False),),
        warns=True,
    ),
    # -- bulk --------------------------------------------------------------------
    Fault(
        "bulk-bulkid-unresolved",
        "bulkId: references are not resolved; they are read as literal ids.",
        "RFC 7644 §3.7.2 (checks-catalog bulk.bulkid)",
        ("bulk.bulkid",),
        request=(_bulk_ids_literal,),
    ),
    Fault(
        "bulk-fail-on-errors-ignored",
        "failOnErrors is ignored: every operation runs whatever fails before it.",
        "RFC 7644 §3.7.3 (checks-catalog bulk.failonerrors)",
        ("bulk.failonerrors",),
        request=(_no_fail_on_errors,),
    ),
)

FAULTS_BY_NAME: Mapping[str, Fault] = {fault.name: fault for fault in FAULTS}
if len(FAULTS_BY_NAME) != len(FAULTS):  # pragma: no cover - a table typo
    raise ValueError("two faults share a name")


# ---------------------------------------------------------------------------
# Not a defect: rate limiting
# ---------------------------------------------------------------------------


class RateLimitStorm:
    """ASGI wrapper answering 429 Too Many Requests to a deterministic share of requests.

    Not a :class:`Fault`: a server may rate-limit (RFC 6585 §4; RFC 7644
    §3.12 lists 429 among SCIM error statuses), and a client must cope —
    Okta honours ``Retry-After`` for a bounded number of attempts
    (okta-provisioning.md, "Requests"). So it is kept out of :data:`FAULTS`,
    whose every entry the conformance suite must fail.

    Requests are counted per wrapper (HTTP only, lifespan passes through):
    of every ``every`` consecutive requests the first ``burst`` are answered
    429 with a SCIM error body and, unless ``retry_after`` is ``None``, a
    ``Retry-After`` header (delay-seconds, RFC 9110 §10.2.3); the rest reach
    ``app``. ``endless=True`` answers every request 429 (a storm no retry
    outlasts).
    """

    def __init__(
        self,
        app: ASGIApp,
        burst: int = 4,
        every: int = 10,
        retry_after: str | None = "0",
        *,
        endless: bool = False,
    ) -> None:
        if not 0 <= burst <= every or every < 1:
            raise ValueError("a storm needs 0 <= burst <= every and every >= 1")
        self.app = app
        self.burst = burst
        self.every = every
        self.retry_after = retry_after
        self.endless = endless
        #: HTTP requests seen, and how many of them were answered 429.
        self.requests = 0
        self.limited = 0

    def limits(self, position: int) -> bool:
        """Whether the request at 0-based ``position`` is answered 429."""
        return self.endless or position % self.every < self.burst

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        position, self.requests = self.requests, self.requests + 1
        if not self.limits(position):
            await self.app(scope, receive, send)
            return
        self.limited += 1
        await _read_request(scope, receive)  # drain the body before answering
        answer = scim_error(429, None, "Too many requests: slow down and retry later.")
        if self.retry_after is not None:
            answer = answer.with_header("retry-after", self.retry_after)
        await _send_response(answer, send)
