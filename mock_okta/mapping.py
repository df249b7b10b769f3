"""Apply an attribute-mapping table (:mod:`mock_okta.settings`) to an Okta user.

One job: turn ``MappingRow`` data into the SCIM user body Okta would send, in
the table's order, so the Create body matches okta-provisioning.md
("Create (assign a user)") attribute for attribute.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from harness.scim.schema import USER_URN as USER_SCHEMA
from mock_okta.model import OktaUser
from mock_okta.settings import MappingRow

_TYPED = re.compile(r"^(\w+)\[(\w+)\]$")


def source_value(user: OktaUser, row: MappingRow) -> Any:
    """The value a row sends for ``user``; ``None`` means "leave the attribute out"."""
    if row.source is None:
        return copy.deepcopy(row.value)
    if row.source == "id":
        return user.id
    value = getattr(user.profile, row.source, None)
    return value if value not in ("", None) else None


def user_body(user: OktaUser, rows: tuple[MappingRow, ...]) -> dict[str, Any]:
    """The SCIM user resource for ``user`` under ``rows`` (no ``id``; Okta adds it on PUT)."""
    body: dict[str, Any] = {"schemas": [USER_SCHEMA]}
    for row in rows:
        value = source_value(user, row)
        if value is not None:
            _assign(body, row.target.split("."), value)
    return body


def _assign(node: dict[str, Any], segments: list[str], value: Any) -> None:
    head, rest = segments[0], segments[1:]
    typed = _TYPED.match(head)
    if typed:
        name, kind = typed.groups()
        entries: list[dict[str, Any]] = node.setdefault(name, [])
        entry = next((e for e in entries if e.get("type") == kind), None)
        if entry is None:
            entry = {}
            entries.append(entry)
        if rest:
            _assign(entry, rest, value)
        entry.setdefault("type", kind)
        entry.setdefault("primary", len(entries) == 1)
        return
    if not rest:
        node[head] = value
        return
    _assign(node.setdefault(head, {}), rest, value)
