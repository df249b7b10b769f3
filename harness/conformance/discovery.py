"""What the target declares about itself, read for the checks (RFC 7643 §6, §7).

Checks that depend on a declaration (the enterprise extension on User, an
attribute's mutability) read ``/ResourceTypes`` once per run through
:meth:`Target.shared` and skip when the target does not declare what they
test: a target is judged on what it says it supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from harness.conformance.target import Target
from harness.scim.schema import ENTERPRISE_USER_URN

#: Why an enterprise-extension check is skipped (RFC 7643 §4.3 defines it, §6 declares it).
NO_ENTERPRISE = (
    "the target's /ResourceTypes declares no enterprise extension on User (RFC 7643 §4.3, §6)"
)


def endpoint_name(resource_type: Mapping[str, Any]) -> str:
    """``/Users`` (or an absolute URL ending in it) → ``Users``."""
    return str(resource_type.get("endpoint", "")).rstrip("/").split("/")[-1]


def enterprise_declared(target: Target) -> bool:
    """Whether ``/ResourceTypes`` lists the enterprise extension on User (RFC 7643 §6).

    Read once per run (one key for the PATCH checks of both modules); the
    first ``Users`` resource type decides.
    """

    def build(t: Target) -> bool:
        body = t.get("/ResourceTypes").body
        items = body.get("Resources") if isinstance(body, dict) else None
        for item in items or []:
            if isinstance(item, dict) and endpoint_name(item) == "Users":
                return any(
                    isinstance(ext, dict) and ext.get("schema") == ENTERPRISE_USER_URN
                    for ext in item.get("schemaExtensions") or []
                )
        return False

    return target.shared("patch.enterprise-declared", build)


def require_enterprise(target: Target) -> None:
    """Skip the check unless the target declares the enterprise extension on User."""
    if not enterprise_declared(target):
        pytest.skip(NO_ENTERPRISE)
