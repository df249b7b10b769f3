"""The Okta org: directory, app assignments, and what each change makes Okta send.

Why a layer above :class:`~mock_okta.provisioner.Provisioner`: in Okta an
admin never "sends a PATCH"; they assign a group to an app, add a user to a
group, deactivate a user. One such change fans out — assigning "Everyone"
provisions every member (seed 001), adding a user to a group that is both
assigned and pushed provisions the user *and* PATCHes the pushed group,
deactivating an Okta user deprovisions them from every app. This module
holds those rules once; the scenario runner and the management API mock
(:mod:`mock_okta.api`) both call it, so a step in a YAML file and a call
from a vendor's own Okta automation produce the same requests.

Every event returns an :class:`Outcome`: the provisioner steps it caused,
in order (none when nothing had to be sent — a skipped event).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.client import Exchange, ScimClient
from mock_okta.model import (
    AppInstance,
    FailedTask,
    ImportedUser,
    OktaGroup,
    OktaProfile,
    OktaUser,
    UserStatus,
)
from mock_okta.provisioner import Provisioner, StepResult
from mock_okta.settings import ProvisioningSettings

#: Builds the SCIM client of one app from its connection (base URL, auth).
ClientFactory = Callable[[AppInstance], ScimClient]
#: One provisioner call, bound to its arguments.
Step = Callable[[Provisioner], StepResult]

#: Okta creates this group in every org and keeps every user in it.
EVERYONE = "Everyone"


@dataclass
class Outcome:
    """What one org event caused: the provisioner steps, in the order they ran."""

    event: str
    results: list[StepResult] = field(default_factory=list)
    #: Why nothing was sent, when nothing was (app inactive, connection off…).
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)

    @property
    def skipped(self) -> bool:
        """Nothing reached the SCIM target (no step, or every step skipped by a setting)."""
        return all(result.skipped for result in self.results)

    @property
    def message(self) -> str | None:
        """The first failure's admin-facing message (Okta shows one task per failure)."""
        return next((r.message for r in self.results if not r.ok), None)

    @property
    def exchanges(self) -> list[Exchange]:
        return [exchange for result in self.results for exchange in result.exchanges]

    @property
    def data(self) -> Any:
        """The last step's data (the SCIM id created or linked, the imported list…)."""
        return self.results[-1].data if self.results else None


class Org:
    """One Okta org: users, groups, app instances and their provisioners."""

    def __init__(self, client_factory: ClientFactory, *, id_namespace: str = "") -> None:
        self.client_factory = client_factory
        #: Put in every id this org mints (users, groups, apps): the run's namespace,
        #: so that runs against one tenant never share an Okta id (:func:`okta_id`).
        self.id_namespace = id_namespace
        self.users: dict[str, OktaUser] = {}
        self.groups: dict[str, OktaGroup] = {}
        self.apps: dict[str, AppInstance] = {}
        self._provisioners: dict[str, tuple[tuple[Any, ...], Provisioner]] = {}
        #: casefolded login → user id (Okta logins are unique regardless of case).
        self._logins: dict[str, str] = {}
        everyone = OktaGroup.new(EVERYONE, id_namespace)
        self.groups[everyone.id] = everyone
        self.everyone = everyone

    # -- directory -------------------------------------------------------------

    def add_user(self, login: str, **profile: str) -> OktaUser:
        """A new ACTIVE user (email defaults to the login), member of Everyone."""
        if self.find_user(login) is not None:
            raise ValueError(f"a user with login {login!r} already exists")
        values = {"email": login, **profile}
        if "displayName" not in values:
            first, last = values.get("firstName", ""), values.get("lastName", "")
            values["displayName"] = f"{first} {last}".strip()
        user = OktaUser(
            OktaUser.new(login, namespace=self.id_namespace).id, OktaProfile(login=login, **values)
        )
        self.users[user.id] = user
        self._logins[login.casefold()] = user.id
        self.everyone.members.append(user.id)
        return user

    def add_group(self, name: str, members: Iterable[OktaUser] = ()) -> OktaGroup:
        if self.find_group(name) is not None:
            raise ValueError(f"a group named {name!r} already exists")
        group = OktaGroup.new(name, self.id_namespace)
        group.members.extend(user.id for user in members)
        self.groups[group.id] = group
        return group

    def add_app(self, label: str, settings: ProvisioningSettings | None = None) -> AppInstance:
        app = AppInstance.new(label, settings, self.id_namespace)
        self.apps[app.id] = app
        return app

    def find_user(self, login: str) -> OktaUser | None:
        """Okta logins are unique regardless of case."""
        user_id = self._logins.get(login.casefold())
        return None if user_id is None else self.users.get(user_id)

    def remove_user(self, user: OktaUser) -> None:
        """Delete a (deprovisioned) user from the directory, its groups and assignments."""
        for group in self.groups.values():
            if user.id in group.members:
                group.members.remove(user.id)
        for app in self.apps.values():
            if user.id in app.assigned_users:
                app.assigned_users.remove(user.id)
        self.users.pop(user.id, None)
        self._logins.pop(user.profile.login.casefold(), None)

    def remove_group(self, group: OktaGroup) -> list[Outcome]:
        """Delete a group: unassigned from every app (members assigned only by it are
        deprovisioned), push links dropped — the pushed copies stay in the apps."""
        outcomes = [
            self.unassign_group(app, group)
            for app in self.apps.values()
            if group.id in app.assigned_groups
        ]
        for app in self.apps.values():
            app.pushed_groups.pop(group.id, None)
        self.groups.pop(group.id, None)
        return outcomes

    def remove_app(self, app: AppInstance) -> None:
        cached = self._provisioners.pop(app.id, None)
        if cached is not None:
            cached[1].client.close()
        self.apps.pop(app.id, None)

    def find_group(self, name: str) -> OktaGroup | None:
        return next((g for g in self.groups.values() if g.name == name), None)

    def assigned(self, app: AppInstance, user: OktaUser) -> bool:
        """Assigned directly or through an assigned group."""
        return user.id in app.effective_users(self.groups)

    def apps_of(self, user: OktaUser) -> list[AppInstance]:
        return [app for app in self.apps.values() if self.assigned(app, user)]

    # -- provisioners ----------------------------------------------------------

    def provisioner(self, app: AppInstance) -> Provisioner:
        """The app's provisioner; a new SCIM client whenever the connection changed."""
        connection = app.connection
        key = (connection.base_url, connection.authorization())
        cached = self._provisioners.get(app.id)
        if cached is not None and cached[0] == key:
            cached[1].users = self.users
            return cached[1]
        if cached is not None:
            cached[1].client.close()
        provisioner = Provisioner(app, self.client_factory(app), self.users.values())
        provisioner.users = self.users
        self._provisioners[app.id] = (key, provisioner)
        return provisioner

    def close(self) -> None:
        for _, provisioner in self._provisioners.values():
            provisioner.client.close()
        self._provisioners.clear()

    def _live(self, app: AppInstance) -> str | None:
        """Why provisioning to ``app`` is off, or ``None`` when requests may be sent."""
        if not app.active:
            return f"the app {app.label} is inactive"
        if not app.connection.base_url:
            return f"the app {app.label} has no provisioning connection"
        if not app.connection.enabled:
            return f"the provisioning connection of {app.label} is disabled"
        return None

    def _run(self, event: str, units: Iterable[tuple[AppInstance, Step]]) -> Outcome:
        """Run each (app, step) on a live app; a failed step is queued for the admin's Retry."""
        outcome = Outcome(event)
        reasons: list[str] = []
        for app, step in units:
            why = self._live(app)
            if why is not None:
                reasons.append(why)
                continue
            result = step(self.provisioner(app))
            outcome.results.append(result)
            if not result.ok and result.message:
                app.failed_tasks.append(
                    FailedTask(event, result.message, self._retry(event, app, step))
                )
        if not outcome.results and reasons:
            outcome.reason = "; ".join(dict.fromkeys(reasons))
        return outcome

    def _retry(self, event: str, app: AppInstance, step: Step) -> Callable[[], Outcome]:
        return lambda: self._run(event, [(app, step)])

    # -- connection ------------------------------------------------------------

    def test_connection(self, app: AppInstance) -> Outcome:
        """Test API Credentials works before the connection is enabled (seed 002)."""
        if not app.connection.base_url:
            why = f"Error authenticating: the app {app.label} has no base URL"
            return Outcome("test_connection", [StepResult("test_connection", False, message=why)])
        return Outcome("test_connection", [self.provisioner(app).test_connection()])

    # -- assignments -----------------------------------------------------------

    def assign_user(self, app: AppInstance, user: OktaUser) -> Outcome:
        """A direct assignment; provisions the user unless a group already did."""
        already = self.assigned(app, user) and self._linked(app, user)
        if user.id not in app.assigned_users:
            app.assigned_users.append(user.id)
        if already and app.app_user(user.id).active:
            return Outcome("assign_user", reason=f"{user.profile.login} is already provisioned")
        return self._run("assign_user", [(app, self._provision_step(user))])

    def unassign_user(self, app: AppInstance, user: OktaUser) -> Outcome:
        """Remove the direct assignment; deprovision unless a group still assigns the user."""
        if user.id in app.assigned_users:
            app.assigned_users.remove(user.id)
        if self.assigned(app, user):
            return Outcome("unassign_user", reason="still assigned through a group")
        return self._deprovision("unassign_user", [app], user)

    def assign_group(self, app: AppInstance, group: OktaGroup) -> Outcome:
        """Assign a group ("Everyone", seed 001): each member not yet assigned is provisioned."""
        members = [self.users[uid] for uid in group.members]
        newly = [user for user in members if not self.assigned(app, user)]
        if group.id not in app.assigned_groups:
            app.assigned_groups.append(group.id)
        return self._run("assign_group", [(app, self._provision_step(user)) for user in newly])

    def unassign_group(self, app: AppInstance, group: OktaGroup) -> Outcome:
        """Members no longer assigned any other way are deprovisioned."""
        if group.id in app.assigned_groups:
            app.assigned_groups.remove(group.id)
        gone = [self.users[uid] for uid in group.members if not self.assigned(app, self.users[uid])]
        return self._run(
            "unassign_group",
            [(app, _deactivate(user)) for user in gone if self._linked(app, user)],
        )

    @staticmethod
    def _provision_step(user: OktaUser) -> Step:
        """A linked, deactivated user is reactivated; others are looked up, created or linked."""

        def step(provisioner: Provisioner) -> StepResult:
            app_user = provisioner.app.app_user(user.id)
            if app_user.external_id is not None and not app_user.active:
                return provisioner.reactivate(user)
            return provisioner.assign_user(user)

        return step

    def _deprovision(self, event: str, apps: Iterable[AppInstance], user: OktaUser) -> Outcome:
        """Deactivate ``user`` in each app where Okta linked them (never a DELETE)."""
        units = [(app, _deactivate(user)) for app in apps if self._linked(app, user)]
        return self._run(event, units)

    @staticmethod
    def _linked(app: AppInstance, user: OktaUser) -> bool:
        return app.app_user(user.id).external_id is not None

    def _linked_apps(self, user: OktaUser) -> list[AppInstance]:
        return [app for app in self.apps_of(user) if self._linked(app, user)]

    # -- user lifecycle --------------------------------------------------------

    def update_profile(self, user: OktaUser, changes: Mapping[str, str]) -> Outcome:
        """Change Okta profile fields; Push Profile Updates sends them to every app."""
        unknown = set(changes) - (set(OktaProfile.__dataclass_fields__) - {"login"})
        if unknown:
            raise ValueError(f"not changeable profile fields: {', '.join(sorted(unknown))}")
        user.profile = replace(user.profile, **changes)
        return self._run(
            "update_profile",
            [(app, lambda p: p.update_profile(user)) for app in self._linked_apps(user)],
        )

    def deactivate_user(self, user: OktaUser) -> Outcome:
        """Okta user deactivated: DEPROVISIONED, and deactivated in every app."""
        user.status = UserStatus.DEPROVISIONED
        return self._deprovision("deactivate_user", self.apps_of(user), user)

    def reactivate_user(self, user: OktaUser) -> Outcome:
        """Okta user reactivated: ACTIVE again, and reactivated in every app still assigned."""
        user.status = UserStatus.ACTIVE
        return self._run(
            "reactivate_user",
            [(app, lambda p: p.reactivate(user)) for app in self._linked_apps(user)],
        )

    def push_password(self, user: OktaUser, password: str) -> Outcome:
        """A password change, pushed to every app with Sync Password on.

        Okta keeps the new password (seed OKTA sends it to apps assigned later).
        """
        user.password = password
        return self._run(
            "push_password",
            [
                (app, lambda p: p.push_password(user, password))
                for app in self._linked_apps(user)
                if app.settings.to_app.sync_password
            ],
        )

    def sign_in(self, app: AppInstance, user: OktaUser) -> Outcome:
        """Just-in-time provisioning at sign-in (seed 000): find the app user, else create."""
        return self._run("sign_in", [(app, lambda p: p.sign_in(user))])

    def verify_user(self, app: AppInstance, user: OktaUser) -> Outcome:
        return self._run("verify_user", [(app, lambda p: p.verify_user(user))])

    # -- groups ----------------------------------------------------------------

    def push_group(self, app: AppInstance, group: OktaGroup) -> Outcome:
        return self._run("push_group", [(app, lambda p: p.push_group(group))])

    def add_member(self, group: OktaGroup, user: OktaUser) -> Outcome:
        """Membership: provision where the group is assigned, then PATCH where it is pushed."""
        if user.id in group.members:
            return Outcome("add_member", reason=f"{user.profile.login} is already a member")
        assigning = [
            app
            for app in self.apps.values()
            if group.id in app.assigned_groups and not self.assigned(app, user)
        ]
        group.members.append(user.id)
        units = [(app, self._provision_step(user)) for app in assigning]
        units += [
            (app, lambda p: p.add_member(group, user))
            for app in self.apps.values()
            if group.id in app.pushed_groups
        ]
        return self._run("add_member", units)

    def remove_member(self, group: OktaGroup, user: OktaUser) -> Outcome:
        """PATCH the pushed group; deprovision where only this group assigned the user."""
        if user.id not in group.members:
            return Outcome("remove_member", reason=f"{user.profile.login} is not a member")
        group.members.remove(user.id)
        units: list[tuple[AppInstance, Step]] = [
            (app, lambda p: p.remove_member(group, user))
            for app in self.apps.values()
            if group.id in app.pushed_groups and self._linked(app, user)
        ]
        units += [
            (app, _deactivate(user))
            for app in self.apps.values()
            if group.id in app.assigned_groups
            and not self.assigned(app, user)
            and self._linked(app, user)
        ]
        return self._run("remove_member", units)

    def rename_group(self, group: OktaGroup, new_name: str) -> Outcome:
        group.name = new_name
        return self._run(
            "rename_group",
            [
                (app, lambda p: p.rename_group(group, new_name))
                for app in self.apps.values()
                if group.id in app.pushed_groups
            ],
        )

    def delete_pushed_group(self, app: AppInstance, group: OktaGroup) -> Outcome:
        """Unlink the pushed group with "delete the group in the target app" ticked."""
        if group.id not in app.pushed_groups:
            return Outcome("delete_pushed_group", reason=f"{group.name} is not pushed")
        return self._run("delete_pushed_group", [(app, lambda p: p.delete_pushed_group(group))])

    # -- imports ---------------------------------------------------------------

    def import_users(self, app: AppInstance) -> Outcome:
        """Import users and match them to Okta users by the app's ``To Okta`` rules."""
        outcome = self._run("import_users", [(app, lambda p: p.import_users())])
        if outcome.results and outcome.ok:
            app.imported_users = [self._match(app, item) for item in outcome.data or []]
        return outcome

    def import_groups(self, app: AppInstance) -> Outcome:
        outcome = self._run("import_groups", [(app, lambda p: p.import_groups())])
        if outcome.results and outcome.ok:
            app.imported_groups = [
                {"id": str(item.get("id")), "displayName": str(item.get("displayName", ""))}
                for item in outcome.data or []
            ]
        return outcome

    def _match(self, app: AppInstance, item: Mapping[str, Any]) -> ImportedUser:
        """USERNAME: ``userName`` = login; EMAIL: primary email = Okta email (case-insensitive)."""
        rules = app.settings.import_settings
        imported = ImportedUser(str(item.get("id")), str(item.get("userName", "")))
        imported.email = _primary_email(item)
        field_name, wanted = (
            ("email", imported.email or "")
            if rules.exact_match == "EMAIL"
            else ("login", imported.user_name)
        )
        match = next(
            (
                u
                for u in self.users.values()
                if wanted and str(getattr(u.profile, field_name)).casefold() == wanted.casefold()
            ),
            None,
        )
        if match is not None:
            imported.matched_user_id = match.id
            if rules.auto_confirm_exact_match:
                imported.confirmed = True
                app.app_user(match.id).external_id = imported.scim_id
                if match.id not in app.assigned_users:
                    app.assigned_users.append(match.id)
        return imported

    # -- tasks -----------------------------------------------------------------

    def retry_failed(self, app: AppInstance) -> Outcome:
        """The admin's "Retry selected tasks": every failed task of ``app``, once more."""
        tasks, app.failed_tasks = app.failed_tasks, []
        outcome = Outcome("retry_failed")
        for task in tasks:
            outcome.results += task.retry().results
        return outcome


def _deactivate(user: OktaUser) -> Step:
    return lambda provisioner: provisioner.deactivate(user)


def _primary_email(item: Mapping[str, Any]) -> str | None:
    emails = [e for e in item.get("emails") or [] if isinstance(e, Mapping) and e.get("value")]
    primary = next((e for e in emails if e.get("primary")), emails[0] if emails else None)
    return str(primary["value"]) if primary else None
