"""Lifecycle events → the HTTP sequences Okta sends, judged as Okta judges them.

Why: vendors break on Okta's *sequences*, not on single requests — lookup
before create, linking an existing user, a full PUT for every profile change,
a path-less PATCH to deactivate an OIN app, member PATCHes on pushed groups,
imports paged by 100 (okta-provisioning.md, "Sequences"). Each public method
is one event; it returns a :class:`StepResult` with the exchanges it caused,
Okta's verdict and, on failure, the message the Okta admin would read; the
app user's or pushed group's state in :class:`~mock_okta.model.AppInstance`
is updated as Okta would update it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.client import Exchange, ScimClient, ScimResponse
from harness.scim.schema import GROUP_URN as GROUP_SCHEMA
from harness.scim.schema import PATCH_OP_URN
from mock_okta import judge, wire
from mock_okta.judge import Kind
from mock_okta.mapping import user_body
from mock_okta.model import AppInstance, AppUser, OktaGroup, OktaUser, SyncState
from mock_okta.settings import PLACEHOLDER_PASSWORD, AppKind

#: ``update.password.seed`` values (seed 004): push the Okta password, or one Okta makes up.
SEED_OKTA = "OKTA"
SEED_RANDOM = "RANDOM"
#: ``update.password.change``: CHANGE makes a new random password on each Okta change.
CHANGE_CYCLE = "CHANGE"


@dataclass
class StepResult:
    """One lifecycle event's outcome: what was sent, and Okta's verdict."""

    step: str
    ok: bool
    exchanges: list[Exchange] = field(default_factory=list)
    #: The admin-facing error ("Automatic provisioning of user … failed: …").
    message: str | None = None
    #: Nothing was sent because a setting turns the event off.
    skipped: bool = False
    #: Step-specific result: imported resources, the SCIM id created or linked.
    data: Any = None


class _Failed(Exception):
    """Internal: a request Okta rejects; carries the short reason."""


class Provisioner:
    """Okta's provisioning engine for one app instance and one SCIM connection."""

    def __init__(
        self, app: AppInstance, client: ScimClient, users: Iterable[OktaUser] = ()
    ) -> None:
        self.app = app
        self.client = client
        #: The org's directory: Okta sends a member's login as ``display``.
        self.users: dict[str, OktaUser] = {user.id: user for user in users}

    # -- connection ------------------------------------------------------------

    def test_connection(self) -> StepResult:
        """ "Test API Credentials": list 2 users, then 100 groups when Push Groups is on."""
        return self._run(
            "test_connection",
            self._test_connection,
            lambda why: f"Error authenticating: {why}",
        )

    def _test_connection(self) -> None:
        self._list("/Users", startIndex=1, count=2)
        if self.app.settings.push_groups:
            self._list("/Groups", startIndex=1, count=self.app.settings.page_size)

    # -- users -----------------------------------------------------------------

    def assign_user(self, user: OktaUser) -> StepResult:
        """Provision a newly assigned ``user``: lookup by userName, then create, or link and update.

        Assignments themselves (direct, by group) are the org's business
        (:class:`mock_okta.org.Org`); the provisioner only sends requests and
        records the app user's state.
        """
        settings = self.app.settings
        if not (settings.to_app.create_users and settings.push_new_users):
            return StepResult("assign_user", True, skipped=True)
        return self._user_step("assign_user", user, lambda: self._assign(user))

    def _assign(self, user: OktaUser) -> str:
        app_user = self.app.app_user(user.id)
        body = user_body(user, self.app.settings.user_mapping)
        login = str(body.get("userName", user.profile.login))
        match = self._lookup("/Users", "userName", login)
        if match is not None:
            app_user.external_id = _resource_id(match)
            self._get_and_put(user, app_user.external_id, active=True)
            return app_user.external_id
        return self._create(user, body)

    def _create(self, user: OktaUser, body: dict[str, Any]) -> str:
        """``POST /Users`` with the mapped body (and a password, see :meth:`_create_password`);
        the ``id`` answered is what Okta links the app user to."""
        password = self._create_password(user)
        if password is not None:
            body["password"] = password
        created = self._send(Kind.CREATE, "POST", "/Users", body)
        app_user = self.app.app_user(user.id)
        app_user.external_id = str(created.body["id"])
        return app_user.external_id

    def _create_password(self, user: OktaUser) -> str | None:
        """The ``password`` of a Create body, registered with the redactor before it is sent.

        Sync Password on (okta-provisioning.md, "Password push"; seed 004
        ``update.password.seed``): OKTA sends the user's Okta password (none
        known, none sent), RANDOM one Okta generates. Off: the optional
        placeholder (okta-provisioning.md, "Create", UNCONFIRMED), no secret.
        """
        settings = self.app.settings
        if not settings.to_app.sync_password:
            return PLACEHOLDER_PASSWORD if settings.placeholder_password else None
        if settings.to_app.password_seed == SEED_RANDOM:
            return self._secret(_random_password())
        return None if user.password is None else self._secret(user.password)

    def _secret(self, value: str) -> str:
        self.client.add_secret(value)
        return value

    def update_profile(self, user: OktaUser) -> StepResult:
        """A profile change: ``GET`` + full ``PUT`` for custom and OIN apps alike."""
        settings = self.app.settings
        if not (settings.to_app.update_attributes and settings.push_profile_updates):
            return StepResult("update_profile", True, skipped=True)
        return self._user_step(
            "update_profile", user, lambda: self._get_and_put(user, self._linked(user))
        )

    def deactivate(self, user: OktaUser) -> StepResult:
        """Unassignment or Okta-side deactivation: ``active`` false, never a DELETE."""
        return self._set_active("deactivate", user, False)

    def reactivate(self, user: OktaUser) -> StepResult:
        return self._set_active("reactivate", user, True)

    def _set_active(self, step: str, user: OktaUser, active: bool) -> StepResult:
        if not self.app.settings.to_app.deactivate_users:
            return StepResult(step, True, skipped=True)

        def run() -> str:
            scim_id = self._linked(user)
            if self.app.settings.kind is AppKind.OIN:
                operation = {"op": "replace", "value": {"active": active}}
                self._send(Kind.PATCH, "PATCH", f"/Users/{scim_id}", _patch(operation))
            else:
                self._get_and_put(user, scim_id, active=active)
            self.app.app_user(user.id).active = active
            return scim_id

        return self._user_step(step, user, run)

    def sign_in(self, user: OktaUser) -> StepResult:
        """Just-in-time provisioning at sign-in (seed 000): find the app user, else create it.

        The Box quick start: at each sign-in the app finds the account linked
        to the Okta user and creates one the first time. The link is
        ``externalId``, which Okta's mapping sets to the Okta user id
        (okta-provisioning.md, "Create"). Every sign-in looks up, even for a
        user linked before, so a second sign-in finds the account instead of
        creating a twin; two matches are ambiguous (which account would the
        user get?) and fail. Not gated by the To App features: the app
        provisions on its own behalf when the user arrives.
        """
        return self._user_step(
            "sign_in", user, lambda: self._find_or_create(user), judge.jit_message
        )

    def _find_or_create(self, user: OktaUser) -> str:
        match = self._lookup("/Users", "externalId", user.id)
        if match is not None:
            app_user = self.app.app_user(user.id)
            app_user.external_id = _resource_id(match)
            return app_user.external_id
        return self._create(user, user_body(user, self.app.settings.user_mapping))

    def push_password(self, user: OktaUser, password: str) -> StepResult:
        """An Okta password change pushed to the app (okta-provisioning.md, "Password push").

        OIN apps send a path-less ``PATCH`` replacing ``password``; custom
        apps ``GET`` + full ``PUT`` carrying it, as for every other update.
        What is sent follows the seed (Okta's provisioning API design:
        ``pushPasswordSyncType`` SYNC_OKTA_PASSWORD | SYNC_UNIQUE_PASSWORD
        and ``cycleSyncedPassword``; seed 004 ``update.password``): OKTA →
        the new Okta password; RANDOM → the app never learns the Okta
        password, so with change CHANGE Okta cycles to a new random one and
        with KEEP_EXISTING it sends nothing. Sync Password off: nothing.
        Every password is registered as a secret before anything is sent.
        """
        to_app = self.app.settings.to_app
        self.client.add_secret(password)
        if not to_app.sync_password:
            return StepResult("push_password", True, skipped=True)
        if to_app.password_seed == SEED_RANDOM:
            if to_app.password_change != CHANGE_CYCLE:
                return StepResult("push_password", True, skipped=True)
            password = self._secret(_random_password())

        def run() -> str:
            scim_id = self._linked(user)
            if self.app.settings.kind is AppKind.OIN:
                operation = {"op": "replace", "value": {"password": password}}
                self._send(Kind.PATCH, "PATCH", f"/Users/{scim_id}", _patch(operation))
            else:
                self._get_and_put(user, scim_id, password=password)
            return scim_id

        return self._user_step("push_password", user, run)

    def verify_user(self, user: OktaUser) -> StepResult:
        """Okta's CRUD test check: ``GET`` the user and compare with what Okta expects."""

        def run() -> str:
            scim_id = self._linked(user)
            resource = self._send(Kind.GET, "GET", f"/Users/{scim_id}").body
            expected = self.app.app_user(user.id).active
            if resource.get("active", True) is not expected:
                raise _Failed(f"active is {resource.get('active')!r}, expected {expected!r}")
            return scim_id

        return self._user_step("verify_user", user, run)

    def _get_and_put(
        self,
        user: OktaUser,
        scim_id: str,
        active: bool | None = None,
        password: str | None = None,
    ) -> None:
        """The whole resource as read, overlaid with the mapped profile, sent back by PUT."""
        current = self._send(Kind.GET, "GET", f"/Users/{scim_id}").body
        if not isinstance(current, dict):
            raise _Failed("the answer is not a SCIM resource")
        body = {k: v for k, v in current.items() if k != "meta"}
        body.update(user_body(user, self.app.settings.user_mapping))
        body["id"] = scim_id
        body["active"] = self.app.app_user(user.id).active if active is None else active
        if password is not None:
            body["password"] = password
        self._send(Kind.PUT, "PUT", f"/Users/{scim_id}", body)

    def _linked(self, user: OktaUser) -> str:
        scim_id = self.app.app_user(user.id).external_id
        if scim_id is None:
            raise _Failed("the user is not linked to a user of the remote server")
        return scim_id

    def _user_step(
        self,
        step: str,
        user: OktaUser,
        action: Callable[[], Any],
        message: Callable[[str, str, str], str] = judge.user_message,
    ) -> StepResult:
        self.users.setdefault(user.id, user)
        app_user = self.app.app_user(user.id)
        result = self._run(
            step, action, lambda why: message(user.profile.login, self.app.label, why)
        )
        _record(app_user, result)
        return result

    # -- groups ----------------------------------------------------------------

    def push_group(self, group: OktaGroup) -> StepResult:
        """Push Groups: lookup by displayName, create or link, then push linked members."""

        def run() -> str:
            match = self._lookup("/Groups", "displayName", group.name)
            if match is not None:
                scim_id = _resource_id(match)
            else:
                body = {"schemas": [GROUP_SCHEMA], "displayName": group.name, "members": []}
                scim_id = str(self._send(Kind.CREATE, "POST", "/Groups", body).body["id"])
            self.app.pushed_groups[group.id] = scim_id
            members = [m for m in (self._member(u) for u in group.members) if m]
            if members:
                add = {"op": "add", "path": "members", "value": members}
                self._send(Kind.PATCH, "PATCH", f"/Groups/{scim_id}", _patch(add))
            return scim_id

        return self._group_step("push_group", group, run)

    def add_member(self, group: OktaGroup, user: OktaUser) -> StepResult:
        """``PATCH`` add ``members`` with ``value`` and ``display`` (the login)."""

        def run() -> str:
            scim_id = self._pushed(group)
            member = self._member(user.id)
            if member is None:
                raise _Failed(f"user {user.profile.login} is not provisioned to the app")
            add = {"op": "add", "path": "members", "value": [member]}
            self._send(Kind.PATCH, "PATCH", f"/Groups/{scim_id}", _patch(add))
            return scim_id

        return self._group_step("add_member", group, run)

    def remove_member(self, group: OktaGroup, user: OktaUser) -> StepResult:
        """``PATCH`` remove ``members[value eq "<id>"]``."""

        def run() -> str:
            scim_id = self._pushed(group)
            member_id = self._linked(user)
            remove = {"op": "remove", "path": f'members[value eq "{member_id}"]'}
            self._send(Kind.PATCH, "PATCH", f"/Groups/{scim_id}", _patch(remove))
            return scim_id

        return self._group_step("remove_member", group, run)

    def rename_group(self, group: OktaGroup, new_name: str) -> StepResult:
        """Path-less ``PATCH`` replace of ``{"id", "displayName"}``."""

        def run() -> str:
            scim_id = self._pushed(group)
            replace = {"op": "replace", "value": {"id": scim_id, "displayName": new_name}}
            self._send(Kind.PATCH, "PATCH", f"/Groups/{scim_id}", _patch(replace))
            return scim_id

        return self._group_step("rename_group", group, run)

    def delete_pushed_group(self, group: OktaGroup) -> StepResult:
        """Unlink with delete: ``DELETE /Groups/{id}`` → 204; the link is dropped."""

        def run() -> str:
            scim_id = self._pushed(group)
            self._send(Kind.DELETE, "DELETE", f"/Groups/{scim_id}")
            del self.app.pushed_groups[group.id]
            return scim_id

        return self._group_step("delete_pushed_group", group, run)

    def _member(self, user_id: str) -> dict[str, str] | None:
        scim_id = self.app.app_user(user_id).external_id
        return None if scim_id is None else {"value": scim_id, "display": self._login(user_id)}

    def _login(self, user_id: str) -> str:
        """The login of an Okta user, as Okta sends in ``display`` (fallback: the id)."""
        user = self.users.get(user_id)
        return user.profile.login if user else user_id

    def _pushed(self, group: OktaGroup) -> str:
        scim_id = self.app.pushed_groups.get(group.id)
        if scim_id is None:
            raise _Failed("the group is not pushed to the app")
        return scim_id

    def _group_step(self, step: str, group: OktaGroup, action: Callable[[], str]) -> StepResult:
        return self._run(
            step, action, lambda why: judge.group_message(group.name, self.app.label, why)
        )

    # -- imports ---------------------------------------------------------------

    def import_users(self) -> StepResult:
        return self._run("import_users", lambda: self._import("/Users"), _import_message)

    def import_groups(self) -> StepResult:
        return self._run("import_groups", lambda: self._import("/Groups"), _import_message)

    def _import(self, path: str) -> list[dict[str, Any]]:
        """Pages of ``page_size`` until ``startIndex + itemsPerPage > totalResults``."""
        resources: list[dict[str, Any]] = []
        start = 1
        while True:
            page = self._list(path, startIndex=start, count=self.app.settings.page_size)
            items = page.get("Resources") or []
            if not all(isinstance(item, dict) for item in items):
                # An import reads each item as a resource (RFC 7644 §3.4.2: "Resources"
                # is a list of resource objects); reading on would crash or link nothing.
                raise _Failed(
                    f"GET {path} answered a ListResponse whose Resources are not all "
                    "resource objects (RFC 7644 §3.4.2)"
                )
            resources += items
            per_page = page.get("itemsPerPage", len(items))
            if not isinstance(per_page, int) or per_page <= 0:
                return resources
            if start + per_page > page["totalResults"]:
                return resources
            start += per_page

    # -- plumbing --------------------------------------------------------------

    def _run(
        self, step: str, action: Callable[[], Any], message: Callable[[str], str]
    ) -> StepResult:
        start = len(self.client.exchanges)
        try:
            data = action()
        except _Failed as failed:
            # The reason may quote the server (an error detail echoing a password).
            why = self.client.redactor.text(str(failed))
            return StepResult(step, False, self.client.exchanges[start:], message(why))
        return StepResult(step, True, self.client.exchanges[start:], data=data)

    def _send(self, kind: Kind, method: str, path: str, body: Any = None) -> ScimResponse:
        headers = wire.READ_HEADERS if body is None else wire.WRITE_HEADERS
        response = self.client.request(method, path, json_body=body, headers=headers)
        why = judge.failure(kind, response)
        if why is not None:
            raise _Failed(why)
        return response

    def _lookup(self, path: str, attribute: str, value: str) -> dict[str, Any] | None:
        """Okta's lookup before create: ``filter=<attribute> eq "<value>"`` in one page.

        One match is linked, none created; more than one is ambiguous and
        Okta gives up rather than guess (okta-provisioning.md, "Create").
        """
        found = self._list(
            path,
            filter=wire.eq_filter(attribute, value),
            startIndex=1,
            count=self.app.settings.page_size,
        )
        matches = found.get("Resources") or []
        if len(matches) > 1:
            what = path.strip("/").lower()
            raise _Failed(f"{len(matches)} {what} on the remote server match {attribute} {value}")
        return matches[0] if matches else None

    def _list(self, path: str, **params: str | int) -> dict[str, Any]:
        body: dict[str, Any] = self._send(Kind.LIST, "GET", f"{path}?{wire.query(**params)}").body
        return body


def _patch(*operations: dict[str, Any]) -> dict[str, Any]:
    return {"schemas": [PATCH_OP_URN], "Operations": list(operations)}


def _resource_id(item: Any) -> str:
    """The ``id`` of a listed resource; one without it cannot be linked (RFC 7643 §3.1)."""
    if not isinstance(item, dict) or not item.get("id"):
        raise _Failed("a resource in the answer has no id")
    return str(item["id"])


def _random_password() -> str:
    """A password Okta makes up (seed RANDOM): 24 URL-safe characters."""
    return secrets.token_urlsafe(18)


def _import_message(why: str) -> str:
    return f"Import failed: {why}"


def _record(app_user: AppUser, result: StepResult) -> None:
    """Okta's memory of the outcome: SYNCHRONIZED, or ERROR with the admin's message."""
    if result.skipped:
        return
    if result.ok:
        app_user.sync_state = SyncState.SYNCHRONIZED
        app_user.last_error = None
    else:
        app_user.sync_state = SyncState.ERROR
        app_user.last_error = result.message
