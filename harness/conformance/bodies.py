"""Request bodies the checks send, built in one place (RFC 7644 message shapes)."""

from __future__ import annotations

from typing import Any

from harness.scim.schema import BULK_REQUEST_URN, PATCH_OP_URN, SEARCH_REQUEST_URN

#: Marks "leave this key out" in :func:`operation`.
OMIT: Any = ...


def operation(op: str, path: str | None = None, value: Any = OMIT) -> dict[str, Any]:
    """One PATCH operation (RFC 7644 §3.5.2); ``op`` is sent as given (case included)."""
    body: dict[str, Any] = {"op": op}
    if path is not None:
        body["path"] = path
    if value is not OMIT:
        body["value"] = value
    return body


def patch_body(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp request (RFC 7644 §3.5.2)."""
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


def search_body(**parameters: Any) -> dict[str, Any]:
    """A SearchRequest for ``POST …/.search`` (RFC 7644 §3.4.3)."""
    return {"schemas": [SEARCH_REQUEST_URN], **parameters}


def bulk_body(*operations: dict[str, Any], fail_on_errors: int | None = None) -> dict[str, Any]:
    """A BulkRequest (RFC 7644 §3.7)."""
    body: dict[str, Any] = {"schemas": [BULK_REQUEST_URN], "Operations": list(operations)}
    if fail_on_errors is not None:
        body["failOnErrors"] = fail_on_errors
    return body


def member(resource_id: str, **extra: Any) -> dict[str, Any]:
    """A Group ``members`` value (RFC 7643 §4.2)."""
    return {"value": resource_id, **extra}
