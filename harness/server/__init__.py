"""The reference SCIM service provider (Starlette on an embedded SQLite store).

``from harness.server import create_app, ServerConfig, Store``; the names are
loaded on first use, so importing one submodule (the store, the config) does
not pull in the whole web stack.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "create_app": "harness.server.app",
    "ServerConfig": "harness.server.config",
    "Store": "harness.server.store",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'harness.server' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
