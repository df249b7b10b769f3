"""What the store keeps for a resource besides its JSON: lookup keys, version, password hash.

These are the server's decisions about *storage* (the rules they serve live
in the semantics core): which folded values go into the indexed columns,
how ``meta.version`` is derived from the stored state, how a writeOnly
``password`` is kept, and which uniqueness rules a write must pass.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.scim import errors
from harness.scim.resources import fold, resource_version, stamp_meta
from harness.scim.schema import ResourceType
from harness.server.config import ServerConfig
from harness.server.store import IndexKeys, Member, Reader, StoredResource

JsonDict = dict[str, Any]

#: Keys of an internal resource that ``resources.data`` does not hold: ``meta``
#: is columns, ``members``/``groups`` live in the membership table, ``password``
#: only as a hash; ``id`` is put back first, for a readable key order.
NOT_STORED = frozenset({"meta", "members", "groups", "password", "id"})

#: PBKDF2 work factor for stored passwords: the hash exists so that no
#: plaintext sits in the database; nothing ever verifies it (SCIM has no login).
PBKDF2_ROUNDS = 20_000


def hash_password(password: str) -> str:
    """A salted PBKDF2-SHA256 of a writeOnly ``password`` (RFC 7643 §4.1.1, pitfalls §18)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, PBKDF2_ROUNDS)
    return f"pbkdf2-sha256${PBKDF2_ROUNDS}${salt.hex()}${digest.hex()}"


def stored_data(resource: JsonDict, resource_id: str) -> JsonDict:
    """The JSON kept in ``resources.data``: ``schemas``, ``id``, then the stored attributes."""
    data = {key: value for key, value in resource.items() if key not in NOT_STORED}
    return {"schemas": data.pop("schemas"), "id": resource_id, **data}


def index_keys(resource_type: ResourceType, data: JsonDict) -> IndexKeys:
    """The lookup values, folded by ``caseExact`` exactly as filters compare them."""

    def folded(name: str) -> str | None:
        attribute = resource_type.top_level(name)
        value = data.get(name)
        return fold(attribute, value) if attribute and isinstance(value, str) else None

    display = data.get("displayName") or data.get("userName")
    return IndexKeys(
        user_name=folded("userName"),
        external_id=folded("externalId"),
        display_name=folded("displayName"),
        display=display if isinstance(display, str) else None,
    )


def stored_version(data: JsonDict, members: Sequence[Member], password_hash: str | None) -> str:
    """``meta.version`` of the whole stored state: data, membership and password.

    Computed at write time and kept in a column, so the ETag does not depend
    on which attributes a response happens to load (``excludedAttributes=
    members`` answers the same ETag as a full GET, RFC 7644 §3.14).
    """
    state = dict(data)
    if members:  # order carries no meaning (RFC 7643 §2.4), so it does not enter the tag
        state["members"] = sorted([m.value, m.type, m.display or ""] for m in members)
    if password_hash is not None:
        state["password"] = password_hash
    return resource_version(state)


def with_meta(row: StoredResource, resource_type: ResourceType, base_url: str) -> JsonDict:
    """The stored JSON with ``meta`` in the core's shape and the stored version."""
    location = f"{base_url}{resource_type.endpoint}/{row.id}"
    meta = stamp_meta({}, resource_type, location, row.created, row.last_modified)["meta"]
    meta["version"] = row.version
    return {**row.data, "meta": meta}


@dataclass(frozen=True)
class Unique:
    """One uniqueness rule: an indexed key of one resource type (RFC 7644 §3.3 → 409)."""

    resource_type: str
    key: str
    attribute: str
    reason: str
    enabled: Callable[[ServerConfig], bool]


_EXTERNAL_ID = "compared exactly; server policy, the IdPs' join key"

#: RFC 7643 §4.1.1 makes userName unique (caseExact false, so folded); the
#: others are server policies with a switch in :class:`ServerConfig`.
UNIQUENESS: tuple[Unique, ...] = (
    Unique(
        "User",
        "user_name",
        "userName",
        "compared case-insensitively, RFC 7643 §4.1.1",
        lambda config: True,
    ),
    Unique("User", "external_id", "externalId", _EXTERNAL_ID, lambda c: c.unique_external_id),
    Unique("Group", "external_id", "externalId", _EXTERNAL_ID, lambda c: c.unique_external_id),
    Unique(
        "Group",
        "display_name",
        "displayName",
        "compared case-insensitively; server policy, Entra matches groups by displayName",
        lambda config: config.unique_group_display_name,
    ),
)


def check_unique(
    reader: Reader,
    resource_type: ResourceType,
    keys: IndexKeys,
    own_id: str | None,
    config: ServerConfig,
) -> None:
    """409 ``uniqueness`` (RFC 7644 §3.3, §3.5.1, §3.5.2) for each rule in force."""
    for rule in UNIQUENESS:
        if rule.resource_type != resource_type.name or not rule.enabled(config):
            continue
        value = getattr(keys, rule.key)
        if value is not None and reader.find_id(resource_type.name, rule.key, value, own_id):
            raise errors.uniqueness(
                f"{rule.attribute} is already in use by another {resource_type.name} "
                f"({rule.reason})"
            )
