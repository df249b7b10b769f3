"""Fixtures of the reference-server tests.

``scim_server`` and ``live_scim_server`` come from the project's own pytest
plugin (``harness.plugin``, loaded through its ``pytest11`` entry point).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
import pytest

if TYPE_CHECKING:
    from harness.server.testing import InProcessScimServer


@pytest.fixture
def api(scim_server: InProcessScimServer) -> httpx.Client:
    """An authenticated in-process client of a fresh reference server."""
    return scim_server.client()
