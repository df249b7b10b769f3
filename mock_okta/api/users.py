"""``/api/v1/users``: the Okta directory and the user lifecycle.

Each change is an org event, so Okta's SCIM requests follow at once
(:class:`~mock_okta.org.Org`): a profile change is pushed to every app with
Push Profile Updates, deactivation deprovisions the user everywhere,
activation reactivates them, a password change is pushed where Sync
Password is on. Statuses and their rules are Okta's Users API: a new user
is ACTIVE with a password, PROVISIONED without one, STAGED with
``?activate=false``; ``DELETE`` deactivates first and deletes on the second
call; ``activate`` needs STAGED or DEPROVISIONED (``E0000016`` when already
ACTIVE), ``reactivate`` needs PROVISIONED, ``suspend`` ACTIVE,
``unsuspend`` SUSPENDED.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, fields
from typing import Any

from starlette.responses import Response

from mock_okta.api import serialize
from mock_okta.api.context import Api, Call, empty, json_response
from mock_okta.api.errors import DUPLICATE, OktaApiError, invalid
from mock_okta.api.validate import Obj, Str
from mock_okta.model import OktaProfile, OktaUser, UserStatus
from mock_okta.org import Outcome

#: Okta profile attributes the mock models (``OktaProfile``); others are refused.
PROFILE_FIELDS = tuple(f.name for f in fields(OktaProfile))
_REQUIRED = ("firstName", "lastName", "email", "login")

PROFILE = Obj(
    {
        name: Str(required=name in _REQUIRED, nullable=name not in _REQUIRED)
        for name in PROFILE_FIELDS
    }
)
PARTIAL_PROFILE = Obj({name: Str(nullable=name != "login") for name in PROFILE_FIELDS})
CREDENTIALS = Obj({"password": Obj({"value": Str(required=True)}, open=True)}, open=True)
CREATE = Obj({"profile": Obj(PROFILE.fields, required=True), "credentials": CREDENTIALS}, open=True)
UPDATE = Obj({"profile": PARTIAL_PROFILE, "credentials": CREDENTIALS}, open=True)
FULL_UPDATE = Obj(
    {"profile": Obj(PROFILE.fields, required=True), "credentials": CREDENTIALS}, open=True
)
CHANGE_PASSWORD = Obj(
    {
        "oldPassword": Obj({"value": Str(required=True)}, required=True),
        "newPassword": Obj({"value": Str(required=True)}, required=True),
        "revokeSessions": Obj(open=True, nullable=True),
    }
)

#: ``filter``/``search`` supported: ``profile.<field> eq "<value>"`` (and ``id``, ``status``).
_EQ = re.compile(r'^\s*(profile\.\w+|id|status)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


def list_users(api: Api, call: Call) -> Response:
    users = list(api.org.users.values())
    q = call.query.get("q", "").casefold()
    if q:
        users = [u for u in users if any(_starts(v, q) for v in _q_fields(u))]
    expression = call.query.get("filter") or call.query.get("search")
    if expression:
        users = [u for u in users if _matches(u, expression)]
    limit = call.query.get("limit")
    if limit is not None:
        if not limit.isdigit() or int(limit) < 1:
            raise invalid(["limit: must be a positive integer"])
        users = users[: int(limit)]
    return json_response([serialize.user(api, u) for u in users])


def _q_fields(user: OktaUser) -> tuple[str, ...]:
    """Okta's ``q``: a prefix of first name, last name or email."""
    p = user.profile
    return (p.firstName, p.lastName, p.email, p.login)


def _starts(value: str, prefix: str) -> bool:
    return value.casefold().startswith(prefix)


def _matches(user: OktaUser, expression: str) -> bool:
    match = _EQ.match(expression)
    if match is None:
        raise invalid(
            [f'filter: unsupported {expression!r}; the mock supports profile.<attr> eq "…"']
        )
    attribute, wanted = match.group(1), match.group(2).replace('\\"', '"')
    values = {"id": user.id, "status": user.status.value}
    values.update({f"profile.{k}": str(v) for k, v in asdict(user.profile).items()})
    key = next((k for k in values if k.lower() == attribute.lower()), None)
    if key is None:
        raise invalid([f"filter: unknown attribute {attribute!r}"])
    return values[key].casefold() == wanted.casefold()


def create_user(api: Api, call: Call) -> Response:
    body = call.body(CREATE)
    profile = {k: v for k, v in body["profile"].items() if v is not None}
    login = profile.pop("login")
    if api.org.find_user(login) is not None:
        raise invalid([f"login: {DUPLICATE}"])
    user = api.org.add_user(login, **profile)
    password = _password(body)
    if password is not None:
        api.state.passwords[user.id] = password
    if not call.flag("activate", True):
        user.status = UserStatus.STAGED
    elif password is None:
        user.status = UserStatus.PROVISIONED
    api.state.stamp(user.id)
    outcome = _join_everyone(api, user)
    return json_response(serialize.user(api, user), 200, outcome)


def _join_everyone(api: Api, user: OktaUser) -> Outcome:
    """A new user joins Everyone: provisioned where Everyone is assigned, PATCHed where pushed.

    ``Org.add_user`` puts the user in Everyone silently; replaying the join as
    an ``add_member`` event lets the org apply its membership rules once.
    """
    everyone = api.org.everyone
    if user.id in everyone.members:
        everyone.members.remove(user.id)
    return api.org.add_member(everyone, user)


def get_user(api: Api, call: Call) -> Response:
    return json_response(serialize.user(api, api.user(call.params["userId"])))


def update_user(api: Api, call: Call) -> Response:
    """``POST``: partial profile update (Okta's "Update User", partial semantics)."""
    return _update(api, call, UPDATE, partial=True)


def replace_user(api: Api, call: Call) -> Response:
    """``PUT``: the whole profile; attributes left out are cleared."""
    return _update(api, call, FULL_UPDATE, partial=False)


def _update(api: Api, call: Call, schema: Obj, partial: bool) -> Response:
    user = api.user(call.params["userId"])
    body = call.body(schema)
    sent = body.get("profile") or {}
    if "login" in sent and sent["login"].casefold() != user.profile.login.casefold():
        raise invalid(["login: changing the login is not supported by the mock"])
    keys = sent if partial else PROFILE_FIELDS
    changes = {k: sent.get(k) or "" for k in keys if k != "login"}
    outcomes: list[Outcome] = []
    if changes and any(getattr(user.profile, k) != v for k, v in changes.items()):
        outcomes.append(api.org.update_profile(user, changes))
    password = _password(body)
    if password is not None:
        outcomes.append(_set_password(api, user, password))
    api.state.touch(user.id)
    return json_response(serialize.user(api, user), 200, *outcomes)


def delete_user(api: Api, call: Call) -> Response:
    """First DELETE deactivates (deprovisioning everywhere), the second deletes."""
    user = api.user(call.params["userId"])
    if user.status is not UserStatus.DEPROVISIONED:
        return empty(204, api.org.deactivate_user(user))
    api.org.remove_user(user)
    api.state.passwords.pop(user.id, None)
    return empty()


# -- lifecycle -------------------------------------------------------------------

#: Operation → (statuses it is allowed from, error code otherwise, what it does).
Transition = tuple[frozenset[UserStatus], str, Callable[[Api, OktaUser], Outcome | None]]


def _deactivate(api: Api, user: OktaUser) -> Outcome:
    return api.org.deactivate_user(user)


def _reactivate(api: Api, user: OktaUser) -> Outcome:
    return api.org.reactivate_user(user)


def _set_status(status: UserStatus) -> Callable[[Api, OktaUser], None]:
    def apply(_api: Api, user: OktaUser) -> None:
        user.status = status

    return apply


_ALL = frozenset(UserStatus)
LIFECYCLE: dict[str, Transition] = {
    "activate": (
        frozenset({UserStatus.STAGED, UserStatus.DEPROVISIONED}),
        "E0000016",
        _reactivate,
    ),
    "reactivate": (frozenset({UserStatus.PROVISIONED}), "E0000038", _reactivate),
    "deactivate": (_ALL - {UserStatus.DEPROVISIONED}, "E0000038", _deactivate),
    "suspend": (frozenset({UserStatus.ACTIVE}), "E0000001", _set_status(UserStatus.SUSPENDED)),
    "unsuspend": (frozenset({UserStatus.SUSPENDED}), "E0000001", _set_status(UserStatus.ACTIVE)),
}


def lifecycle(api: Api, call: Call) -> Response:
    operation = call.params["operation"]
    if operation not in LIFECYCLE:
        raise OktaApiError("E0000008")
    allowed, code, action = LIFECYCLE[operation]
    user = api.user(call.params["userId"])
    if user.status not in allowed:
        if code == "E0000016" and user.status is not UserStatus.ACTIVE:
            code = "E0000038"
        raise OktaApiError(code, "status", [f"status: the user is {user.status.value}"])
    outcome = action(api, user)
    api.state.touch(user.id)
    return json_response({}, 200, *([outcome] if outcome else []))


# -- credentials -----------------------------------------------------------------


def change_password(api: Api, call: Call) -> Response:
    """Checks the old password, stores the new one and pushes it (Sync Password apps)."""
    user = api.user(call.params["userId"])
    body = call.body(CHANGE_PASSWORD)
    current = api.state.passwords.get(user.id)
    if current is None or current != body["oldPassword"]["value"]:
        raise OktaApiError("E0000014", causes=["oldPassword: Old Password is not correct"])
    outcome = _set_password(api, user, body["newPassword"]["value"])
    return json_response(
        {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}}, 200, outcome
    )


def _set_password(api: Api, user: OktaUser, password: str) -> Outcome:
    api.state.passwords[user.id] = password
    return api.org.push_password(user, password)


def _password(body: dict[str, Any]) -> str | None:
    password = ((body.get("credentials") or {}).get("password") or {}).get("value")
    return password if isinstance(password, str) else None
