"""Apply a function to every string inside a scenario value, keeping its shape.

Two rewrites walk the same structures — the namespace (logins, emails and
group names get the run prefix) and ``${…}`` resolution — and both must
reach strings inside lists, tuples, mappings (read-only ones included) and
the scenario's frozen dataclasses, while leaving some fields alone (line
numbers, event kinds, credentials). One walker, so the two cannot drift.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from enum import Enum
from types import MappingProxyType
from typing import Any


def map_strings(
    value: Any,
    change: Callable[[str], Any],
    *,
    keys: bool = False,
    keep: frozenset[str] = frozenset(),
    thaw: bool = False,
) -> Any:
    """``value`` with ``change`` applied to every string inside.

    ``keys``: mapping keys are strings to change too (JSON paths in
    expectations); ``keep``: dataclass fields left as they are; ``thaw``:
    read-only mappings come back as plain dicts (ready for ``json.dumps``).
    """

    def walk(item: Any) -> Any:
        if isinstance(item, Enum):
            return item
        if isinstance(item, str):
            return change(item)
        if isinstance(item, list | tuple):
            return type(item)(walk(element) for element in item)
        if isinstance(item, Mapping):
            walked = {(walk(k) if keys else k): walk(v) for k, v in item.items()}
            frozen = isinstance(item, MappingProxyType) and not thaw
            return MappingProxyType(walked) if frozen else walked
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            changes = {
                f.name: walk(getattr(item, f.name))
                for f in dataclasses.fields(item)
                if f.name not in keep
            }
            return dataclasses.replace(item, **changes)
        return item

    return walk(value)
