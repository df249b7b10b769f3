"""pytest plugin: SCIM harness options, markers and fixtures (``pytest11`` entry point)."""

from __future__ import annotations
