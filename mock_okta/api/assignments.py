"""App assignments and Group Push: who is provisioned to an app, and which groups are pushed.

* ``/api/v1/apps/{appId}/users`` — direct assignments (``scope: USER``) and the
  users a group brings (``scope: GROUP``); Okta's ``AppUser`` carries the
  provisioning outcome: ``externalId`` (the linked SCIM id), ``status``,
  ``syncState``, ``lastSync`` and, mock extension, ``errorSummary`` on ERROR.
* ``/api/v1/apps/{appId}/groups/{groupId}`` — group assignments ("Everyone",
  seed 001).
* ``/api/v1/apps/{appId}/group-push/mappings`` — Okta's Group Push Mapping API
  (OpenAPI ``GroupPushMapping``): create pushes the group, ``PATCH`` status
  INACTIVE stops pushing, ACTIVE pushes again, ``DELETE`` (INACTIVE only, as
  Okta requires) with ``deleteTargetGroup=true`` deletes the SCIM group.

Provisioning failures never fail the call (Okta provisions asynchronously):
they show on the app user or the mapping, and in ``X-Mock-Okta-Provisioning``.
"""

from __future__ import annotations

from starlette.responses import Response

from mock_okta.api import serialize
from mock_okta.api.context import Api, Call, empty, json_response
from mock_okta.api.errors import OktaApiError, invalid, not_found
from mock_okta.api.state import PushMapping, mapping_id, now
from mock_okta.api.validate import Enum, Int, Obj, Str
from mock_okta.model import AppInstance, OktaUser, SyncState, UserStatus
from mock_okta.org import Outcome

ASSIGN_USER = Obj(
    {
        "id": Str(required=True),
        "scope": Enum(("USER", "GROUP")),
        "credentials": Obj({"userName": Str()}, open=True),
        "profile": Obj(open=True),
    },
    open=True,
)
ASSIGN_GROUP = Obj({"priority": Int(), "profile": Obj(open=True)}, open=True)
PUSH_STATUS = Enum(("ACTIVE", "INACTIVE"))
CREATE_MAPPING = Obj(
    {
        "sourceGroupId": Str(required=True),
        "targetGroupId": Str(),
        "targetGroupName": Str(),
        "status": PUSH_STATUS,
        "appConfig": Obj(open=True),
    }
)
UPDATE_MAPPING = Obj({"status": Enum(PUSH_STATUS.values, required=True)})


# -- app users -------------------------------------------------------------------


def list_app_users(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    users = [api.org.users[uid] for uid in app.effective_users(api.org.groups)]
    return json_response([serialize.app_user(api, app, user) for user in users])


def assign_user(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    body = call.body(ASSIGN_USER)
    user = api.user(body["id"])
    if user.status in (UserStatus.DEPROVISIONED, UserStatus.SUSPENDED):
        raise OktaApiError("E0000117", causes=[f"id: the user is {user.status.value}"])
    outcome = api.org.assign_user(app, user)
    _synced(api, app, user, outcome)
    return json_response(serialize.app_user(api, app, user), 200, outcome)


def get_app_user(api: Api, call: Call) -> Response:
    app, user = _assigned(api, call)
    return json_response(serialize.app_user(api, app, user))


def unassign_user(api: Api, call: Call) -> Response:
    """A user assigned only through a group cannot be unassigned directly (E0000046)."""
    app, user = _assigned(api, call)
    if user.id not in app.assigned_users:
        raise OktaApiError("E0000046", causes=["The user is assigned to the app through a group."])
    outcome = api.org.unassign_user(app, user)
    _synced(api, app, user, outcome)
    return empty(204, outcome)


def _assigned(api: Api, call: Call) -> tuple[AppInstance, OktaUser]:
    app = api.app(call.params["appId"])
    user = api.user(call.params["userId"])
    if not api.org.assigned(app, user):
        raise not_found(user.id, "AppUser")
    return app, user


def _synced(api: Api, app: AppInstance, user: OktaUser, outcome: Outcome) -> None:
    """``lastSync`` moves when requests were sent and the app user ended SYNCHRONIZED."""
    api.state.touch(f"{app.id}/{user.id}")
    if outcome.results and app.app_user(user.id).sync_state is SyncState.SYNCHRONIZED:
        api.state.last_sync[(app.id, user.id)] = now()


# -- app groups ------------------------------------------------------------------


def list_app_groups(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    groups = [api.org.groups[gid] for gid in app.assigned_groups if gid in api.org.groups]
    return json_response([serialize.group_assignment(api, app, group) for group in groups])


def assign_group(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    group = api.group(call.params["groupId"])
    call.optional_body(ASSIGN_GROUP)
    outcome = api.org.assign_group(app, group)
    for user_id in group.members:
        _synced(api, app, api.org.users[user_id], outcome)
    return json_response(serialize.group_assignment(api, app, group), 200, outcome)


def get_app_group(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    group = api.group(call.params["groupId"])
    if group.id not in app.assigned_groups:
        raise not_found(group.id, "ApplicationGroupAssignment")
    return json_response(serialize.group_assignment(api, app, group))


def unassign_group(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    group = api.group(call.params["groupId"])
    if group.id not in app.assigned_groups:
        raise not_found(group.id, "ApplicationGroupAssignment")
    return empty(204, api.org.unassign_group(app, group))


# -- group push ------------------------------------------------------------------


def mappings(api: Api, app: AppInstance) -> list[PushMapping]:
    """The app's mappings; groups pushed outside the API (the runner) get one on first sight."""
    known = {m.group_id for m in api.state.mappings.values() if m.app_id == app.id}
    for group_id, scim_id in app.pushed_groups.items():
        if group_id not in known:
            mapping = PushMapping(mapping_id(), app.id, group_id, target_id=scim_id)
            api.state.mappings[mapping.id] = mapping
    return [m for m in api.state.mappings.values() if m.app_id == app.id]


def list_mappings(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    found = mappings(api, app)
    for key, attribute in (("sourceGroupId", "group_id"), ("status", "status")):
        if key in call.query:
            found = [m for m in found if getattr(m, attribute) == call.query[key]]
    return json_response([serialize.push_mapping(api, m) for m in found])


def create_mapping(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    body = call.body(CREATE_MAPPING)
    group = api.group(body["sourceGroupId"])
    problems = []
    if body.get("targetGroupId"):
        problems.append(
            "targetGroupId: linking by target id is not supported by the mock; "
            "give targetGroupName (an existing group of that name is linked)"
        )
    name = body.get("targetGroupName")
    if name is not None and name != group.name:
        problems.append(
            f"targetGroupName: the mock pushes the group under its own name ({group.name!r})"
        )
    if any(m.group_id == group.id for m in mappings(api, app)):
        problems.append("sourceGroupId: the group already has a push mapping for this app")
    if problems:
        raise invalid(problems)
    mapping = PushMapping(mapping_id(), app.id, group.id, status=body.get("status") or "ACTIVE")
    api.state.mappings[mapping.id] = mapping
    outcomes = [_push(api, app, mapping)] if mapping.status == "ACTIVE" else []
    return json_response(serialize.push_mapping(api, mapping), 201, *outcomes)


def get_mapping(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    return json_response(serialize.push_mapping(api, _mapping(api, app, call)))


def update_mapping(api: Api, call: Call) -> Response:
    app = api.app(call.params["appId"])
    mapping = _mapping(api, app, call)
    status = call.body(UPDATE_MAPPING)["status"]
    outcomes: list[Outcome] = []
    if status == "INACTIVE":
        mapping.target_id = app.pushed_groups.pop(mapping.group_id, mapping.target_id)
        mapping.status = "INACTIVE"
    elif mapping.status != "ACTIVE":
        mapping.status = "ACTIVE"
        outcomes.append(_push(api, app, mapping))
    mapping.stamps.touch()
    return json_response(serialize.push_mapping(api, mapping), 200, *outcomes)


def delete_mapping(api: Api, call: Call) -> Response:
    """``deleteTargetGroup`` is required; only an INACTIVE mapping may be deleted."""
    app = api.app(call.params["appId"])
    mapping = _mapping(api, app, call)
    if "deleteTargetGroup" not in call.query:
        raise OktaApiError("E0000028", causes=["deleteTargetGroup: required query parameter"])
    delete_target = call.flag("deleteTargetGroup", False)
    if mapping.status == "ACTIVE":
        raise invalid(["status: The group push mapping must be INACTIVE before it is deleted."])
    outcomes: list[Outcome] = []
    group = api.org.groups.get(mapping.group_id)
    if delete_target and group is not None and mapping.target_id is not None:
        app.pushed_groups[group.id] = mapping.target_id
        outcomes.append(api.org.delete_pushed_group(app, group))
    app.pushed_groups.pop(mapping.group_id, None)
    del api.state.mappings[mapping.id]
    return empty(204, *outcomes)


def _mapping(api: Api, app: AppInstance, call: Call) -> PushMapping:
    wanted = call.params["mappingId"]
    mapping = next((m for m in mappings(api, app) if m.id == wanted), None)
    if mapping is None:
        raise not_found(wanted, "GroupPushMapping")
    return mapping


def _push(api: Api, app: AppInstance, mapping: PushMapping) -> Outcome:
    """Push now; a failure puts the mapping in ERROR with Okta's message."""
    outcome = api.org.push_group(app, api.group(mapping.group_id))
    mapping.stamps.touch()
    if outcome.results and not outcome.ok:
        mapping.status, mapping.error_summary = "ERROR", outcome.message or "push failed"
    elif outcome.results:
        mapping.target_id = app.pushed_groups.get(mapping.group_id)
        mapping.last_push, mapping.error_summary = now(), ""
    return outcome
