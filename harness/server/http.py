"""SCIM over HTTP: response media type, error bodies, request-body reading.

RFC 7644 §3.1/§8.1 name ``application/scim+json`` as the media type;
§3.8 asks servers to accept ``application/json`` too (Okta's OIN test sends
it). Every error leaves as an RFC 7644 §3.12 body so that a client never has
to parse HTML or a stack trace. Body reading enforces the size limit on both
the declared ``Content-Length`` and the bytes actually streamed (a client can
lie or use chunked encoding), and turns every decoding failure into a 400
``invalidSyntax`` instead of an exception.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from harness.scim.errors import ScimError, invalid_syntax
from harness.scim.resources import json_type

SCIM_MEDIA_TYPE = "application/scim+json"
#: Request media types a SCIM body may arrive as (RFC 7644 §3.1, §3.8).
ACCEPTED_MEDIA_TYPES = frozenset({SCIM_MEDIA_TYPE, "application/json"})
#: RFC 7644 §3.8: SCIM bodies are UTF-8; a request declaring another charset is refused.
ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8"})


def dump_json(body: Any) -> bytes:
    """Compact UTF-8 JSON; non-ASCII kept as-is (RFC 7644 §3.8: UTF-8 on the wire)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def scim_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON body with the SCIM media type (RFC 7644 §3.1)."""
    return Response(
        dump_json(body), status, headers=dict(headers or {}), media_type=SCIM_MEDIA_TYPE
    )


def empty_response(status: int, headers: Mapping[str, str] | None = None) -> Response:
    """204 / 304: no body and therefore no Content-Type."""
    return Response(status_code=status, headers=dict(headers or {}))


def error_response(error: ScimError, headers: Mapping[str, str] | None = None) -> Response:
    """The RFC 7644 §3.12 error body, with ``status`` equal to the HTTP status."""
    return scim_response(error.to_body(), error.status, headers)


def payload_too_large(limit: int) -> ScimError:
    """413 (RFC 7644 §3.7.4 names it for bulk; the same limit guards every body)."""
    return ScimError(413, None, f"The request body exceeds the maximum of {limit} bytes.")


def unsupported_media_type(content_type: str) -> ScimError:
    return ScimError(
        415,
        None,
        f"Content-Type {content_type!r} is not supported; send application/scim+json "
        "or application/json in UTF-8.",
    )


def check_content_type(content_type: str | None) -> None:
    """Accept the two JSON media types with any parameters; refuse others with 415.

    A missing Content-Type is tolerated and the body read as JSON: some clients
    (curl ``-d`` without ``-H``, older SDKs) omit it, and a SCIM endpoint has
    only one body format, so there is nothing to negotiate (our policy).
    """
    if content_type is None or not content_type.strip():
        return
    media_type, *params = (part.strip() for part in content_type.split(";"))
    if media_type.lower() not in ACCEPTED_MEDIA_TYPES:
        raise unsupported_media_type(content_type)
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            ACCEPTED_CHARSETS
        ):
            raise unsupported_media_type(content_type)


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refusing more than ``limit`` bytes (declared or streamed) with 413."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            declared_size = int(declared)
        except ValueError:
            raise invalid_syntax(f"Content-Length {declared!r} is not a number.") from None
        if declared_size > limit:
            raise payload_too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise payload_too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    """``NaN``/``Infinity`` are Python extensions, not JSON (RFC 8259 §6)."""
    raise ValueError(f"{name} is not a JSON value")


def parse_json(raw: bytes) -> Any:
    """Decode a UTF-8 JSON document; any failure is 400 ``invalidSyntax`` (RFC 7644 §3.12)."""
    if not raw.strip():
        raise invalid_syntax("The request body is empty; a JSON object was expected.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise invalid_syntax(
            f"The request body is not valid UTF-8 (byte {exc.start}); RFC 7644 §3.8."
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise invalid_syntax(f"The request body is not valid JSON: {exc}") from None


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """Content-Type check, size limit, UTF-8 and JSON decoding; the body must be an object."""
    check_content_type(request.headers.get("content-type"))
    body = parse_json(await read_body(request, limit))
    if not isinstance(body, dict):
        raise invalid_syntax(f"The request body must be a JSON object, not {json_type(body)}.")
    return body
