"""Assertions shared by the semantics-core tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from harness.scim.errors import ScimError


@contextmanager
def scim_error(scim_type: str, match: str = "") -> Iterator[None]:
    """Expect a ScimError of ``scim_type`` whose detail matches ``match``."""
    with pytest.raises(ScimError) as info:
        yield
    assert info.value.scim_type == scim_type, info.value
    assert re.search(match, info.value.detail), info.value.detail
