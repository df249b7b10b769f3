"""Group membership: checking ``members`` on write, deriving ``members``/``groups`` on read.

Membership is stored once (the ``members`` table). A Group's ``members``
and a User's readOnly ``groups`` (RFC 7643 §4.1.2) are both views of it,
attached to resources only when a response or a filter needs them — and
then for a whole page in one query, never one per resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.scim import errors
from harness.scim.resources import project
from harness.scim.schema import GROUP, ResourceType
from harness.server.store import GroupRef, Member, Reader

JsonDict = dict[str, Any]

#: The attribute of each resource type that the membership table provides.
DERIVED = {"Group": "members", "User": "groups"}


@dataclass(frozen=True)
class Loading:
    """Which derived attributes to attach to the resources being read."""

    members: bool = False
    groups: bool = False

    @classmethod
    def all(cls) -> Loading:
        return cls(members=True, groups=True)

    @classmethod
    def of(cls, resource_type: ResourceType, needed: bool) -> Loading:
        """The derived attribute of ``resource_type``, if ``needed``."""
        return cls(members=needed) if resource_type is GROUP else cls(groups=needed)


def projection_keeps(
    resource_type: ResourceType,
    name: str,
    attributes: Sequence[str] | None,
    excluded: Sequence[str] | None,
) -> bool:
    """Would the response include the multi-valued complex attribute ``name``?

    Asked of the core's own projection with a probe value, so the decision
    to skip loading Group members for ``excludedAttributes=members`` (Entra
    sends it on every group read; checks-catalog vendor bug 12) follows the
    one projection rule exactly.
    """
    attribute = resource_type.top_level(name)
    if attribute is None:
        return False
    probe_item = {sub.name: "probe" for sub in attribute.sub_attributes}
    probe = {"schemas": [resource_type.schema.id], "id": "probe", name: [probe_item]}
    return name in project(probe, resource_type, attributes, excluded)


def loading_for(
    resource_type: ResourceType,
    attributes: Sequence[str] | None = None,
    excluded: Sequence[str] | None = None,
) -> Loading:
    """What a response with this projection needs from the membership table."""
    name = DERIVED[resource_type.name]
    return Loading.of(resource_type, projection_keeps(resource_type, name, attributes, excluded))


def mentions(text: str | None, name: str) -> bool:
    """Conservatively: could the filter or sortBy ``text`` refer to attribute ``name``?

    Over-inclusion only costs a query; a miss would evaluate a filter on a
    resource without its members and give a wrong answer.
    """
    return text is not None and name.casefold() in text.casefold()


def loading_for_query(
    resource_type: ResourceType, filter_text: str | None, sort_by: str | None
) -> Loading:
    """What filtering and sorting need before the page is known."""
    name = DERIVED[resource_type.name]
    return Loading.of(resource_type, mentions(filter_text, name) or mentions(sort_by, name))


def resolve_members(
    reader: Reader, group_id: str, values: Any, *, nested_groups: bool
) -> list[Member]:
    """Group ``members`` checked against the store (RFC 7643 §4.2, pitfalls §29).

    ``value`` must name an existing User (or Group, with nested groups, but
    not the group itself) — else 400 ``invalidValue``; ``type`` comes from the
    store whatever the client said and ``$ref`` is derived on output;
    ``display`` is kept if sent, else the member's displayName (or userName)
    at the time of writing. A repeated member is kept once (RFC 7643 §2.4).
    """
    if not values:
        return []
    wanted: dict[str, JsonDict] = {}
    for index, item in enumerate(values):
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            raise errors.invalid_value(f"members[{index}] has no 'value' (the member's id)")
        wanted.setdefault(value, item)
    found = reader.describe(wanted)
    members = []
    for value, item in wanted.items():
        member_type, display = found.get(value, (None, None))
        if member_type is None:
            raise errors.invalid_value(f"member {value!r} does not exist")
        if member_type == "Group" and (value == group_id or not nested_groups):
            reason = "itself" if value == group_id else "another group (nested groups are off)"
            raise errors.invalid_value(f"member {value!r}: a group cannot contain {reason}")
        sent = item.get("display")
        members.append(Member(value, member_type, sent if isinstance(sent, str) else display))
    return members


def same_members(a: Sequence[Member], b: Sequence[Member]) -> bool:
    """Equal memberships in any order (RFC 7643 §2.4: multi-valued order carries no meaning)."""
    return sorted(a, key=lambda m: m.value) == sorted(b, key=lambda m: m.value)


def member_json(member: Member, base_url: str) -> JsonDict:
    """One ``members`` value; ``$ref`` derived from the stored type (RFC 7643 §4.2)."""
    endpoint = "/Groups" if member.type == "Group" else "/Users"
    item: JsonDict = {
        "value": member.value,
        "$ref": f"{base_url}{endpoint}/{member.value}",
        "type": member.type,
    }
    if member.display is not None:
        item["display"] = member.display
    return item


def group_json(group: GroupRef, base_url: str) -> JsonDict:
    """One User ``groups`` value (RFC 7643 §4.1.2); only direct memberships are listed."""
    item: JsonDict = {"value": group.value, "$ref": f"{base_url}/Groups/{group.value}"}
    if group.display is not None:
        item["display"] = group.display
    item["type"] = "direct"
    return item


def attach(
    reader: Reader,
    resources: list[JsonDict],
    base_url: str,
    wanted: Loading,
    loaded: Loading | None = None,
) -> None:
    """Attach what is ``wanted`` and not yet ``loaded``, one query for all ``resources``."""
    loaded = loaded or Loading()
    ids = [resource["id"] for resource in resources]
    if wanted.members and not loaded.members:
        members = reader.members_of(ids)
        for resource in resources:
            _put(resource, "members", [member_json(m, base_url) for m in members[resource["id"]]])
    if wanted.groups and not loaded.groups:
        groups = reader.groups_of(ids)
        for resource in resources:
            _put(resource, "groups", [group_json(g, base_url) for g in groups[resource["id"]]])


def _put(resource: JsonDict, name: str, items: Iterable[JsonDict]) -> None:
    """Set a derived attribute unless empty (RFC 7643 §2.5), keeping ``meta`` last."""
    values = list(items)
    if values:
        resource[name] = values
        resource["meta"] = resource.pop("meta")
