"""``/api/v1/groups``: Okta groups and their members.

Membership changes are org events (:meth:`~mock_okta.org.Org.add_member` /
``remove_member``): the member is provisioned where the group is assigned
and the pushed group is PATCHed where it is pushed; a rename PATCHes every
pushed copy. "Everyone" is Okta's built-in group: it cannot be renamed,
deleted or have its members changed (403 ``E0000006``).
"""

from __future__ import annotations

from starlette.responses import Response

from mock_okta.api import serialize
from mock_okta.api.context import Api, Call, empty, json_response
from mock_okta.api.errors import DUPLICATE, OktaApiError, invalid
from mock_okta.api.validate import Obj, Str
from mock_okta.model import OktaGroup
from mock_okta.org import Outcome

GROUP = Obj(
    {
        "profile": Obj(
            {"name": Str(required=True), "description": Str(nullable=True)}, required=True
        )
    },
    open=True,
)


def list_groups(api: Api, call: Call) -> Response:
    prefix = call.query.get("q", "").casefold()
    found = [g for g in api.org.groups.values() if g.name.casefold().startswith(prefix)]
    return json_response([serialize.group(api, g) for g in found])


def create_group(api: Api, call: Call) -> Response:
    profile = call.body(GROUP)["profile"]
    if api.org.find_group(profile["name"]) is not None:
        raise invalid([f"name: {DUPLICATE}"])
    group = api.org.add_group(profile["name"])
    if profile.get("description"):
        api.state.descriptions[group.id] = profile["description"]
    return json_response(serialize.group(api, group))


def get_group(api: Api, call: Call) -> Response:
    return json_response(serialize.group(api, api.group(call.params["groupId"])))


def replace_group(api: Api, call: Call) -> Response:
    """``PUT``: a new name is an org rename (pushed copies are PATCHed)."""
    group = _editable(api, call)
    profile = call.body(GROUP)["profile"]
    outcomes: list[Outcome] = []
    if profile["name"] != group.name:
        other = api.org.find_group(profile["name"])
        if other is not None:
            raise invalid([f"name: {DUPLICATE}"])
        outcomes.append(api.org.rename_group(group, profile["name"]))
    api.state.descriptions[group.id] = profile.get("description") or ""
    api.state.touch(group.id)
    return json_response(serialize.group(api, group), 200, *outcomes)


def delete_group(api: Api, call: Call) -> Response:
    """Unassigned from every app (members assigned only by it are deprovisioned);
    push mappings are dropped, the pushed copies stay in the apps."""
    group = _editable(api, call)
    outcomes = api.org.remove_group(group)
    for mapping_id in [m.id for m in api.state.mappings.values() if m.group_id == group.id]:
        del api.state.mappings[mapping_id]
    return empty(204, *outcomes)


def list_members(api: Api, call: Call) -> Response:
    group = api.group(call.params["groupId"])
    return json_response([serialize.user(api, api.org.users[uid]) for uid in group.members])


def add_member(api: Api, call: Call) -> Response:
    group = _editable(api, call)
    user = api.user(call.params["userId"])
    outcome = api.org.add_member(group, user)
    api.state.touch(group.id)
    return empty(204, outcome)


def remove_member(api: Api, call: Call) -> Response:
    group = _editable(api, call)
    user = api.user(call.params["userId"])
    outcome = api.org.remove_member(group, user)
    api.state.touch(group.id)
    return empty(204, outcome)


def _editable(api: Api, call: Call) -> OktaGroup:
    group = api.group(call.params["groupId"])
    if group.id == api.org.everyone.id:
        raise OktaApiError("E0000006", causes=[f"{group.name} is a built-in group"])
    return group
