"""The org's fan-out rules: which Okta changes provision, deprovision or PATCH what."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from harness.client import ScimClient
from harness.server.app import create_app
from harness.server.config import ServerConfig
from harness.server.faults import FAULTS_BY_NAME, faulty_app
from mock_okta.connection import AuthScheme, ConnectionStatus
from mock_okta.model import AppInstance, SyncState, UserStatus
from mock_okta.org import Org
from mock_okta.settings import AppKind, ImportSettings, ProvisioningSettings
from mock_okta.wire import okta_client_in_process
from tests.mock_okta.test_users import calls

TOKEN = "org-test-token"


class World:
    """An org whose apps all provision into one in-process reference server."""

    def __init__(self, scim_app: Any) -> None:
        self.scim_app = scim_app
        self.org = Org(self._client)
        self.inspect = ScimClient.in_process(scim_app, TOKEN)

    def _client(self, app: AppInstance) -> ScimClient:
        return okta_client_in_process(
            self.scim_app, None, authorization=app.connection.authorization(), sleep=lambda _: None
        )

    def app(self, label: str = "Acme", **settings: Any) -> AppInstance:
        app = self.org.add_app(label, ProvisioningSettings(**settings))
        app.connection.base_url = "http://scim.test"
        app.connection.token = TOKEN
        app.connection.status = ConnectionStatus.ENABLED
        return app

    def scim_users(self) -> dict[str, dict[str, Any]]:
        """userName → resource of every user on the server."""
        listed = self.inspect.get("/Users", params={"count": 1000}).body
        return {r["userName"]: r for r in listed.get("Resources", [])}

    def scim_group(self, scim_id: str) -> dict[str, Any]:
        body: dict[str, Any] = self.inspect.get(f"/Groups/{scim_id}").body
        return body

    def close(self) -> None:
        self.org.close()
        self.inspect.close()


@pytest.fixture
def world() -> Iterator[World]:
    w = World(create_app(ServerConfig(token=TOKEN)))
    yield w
    w.close()


def test_assigning_everyone_provisions_every_user(world: World) -> None:
    app = world.app()
    users = [
        world.org.add_user(f"u{n}@example.com", firstName="U", lastName=str(n)) for n in (1, 2)
    ]
    outcome = world.org.assign_group(app, world.org.everyone)
    assert outcome.ok and len(outcome.results) == 2, outcome.message
    assert set(world.scim_users()) == {"u1@example.com", "u2@example.com"}
    assert all(app.app_user(u.id).sync_state is SyncState.SYNCHRONIZED for u in users)
    # A user created later joins Everyone; adding them to the assigned group provisions them.
    late = world.org.add_user("late@example.com")
    world.org.everyone.members.remove(late.id)
    added = world.org.add_member(world.org.everyone, late)
    assert added.ok and [m for m, _ in calls(added.exchanges)] == ["GET", "POST"]
    assert "late@example.com" in world.scim_users()


def test_group_assignment_keeps_directly_assigned_users(world: World) -> None:
    app = world.app()
    ada = world.org.add_user("ada@example.com")
    staff = world.org.add_group("Staff", [ada])
    assert world.org.assign_user(app, ada).ok
    assigned = world.org.assign_group(app, staff)
    assert assigned.results == [] and assigned.ok  # already provisioned: nothing sent
    unassigned = world.org.unassign_group(app, staff)
    assert unassigned.results == []  # still assigned directly
    assert world.scim_users()["ada@example.com"]["active"] is True
    gone = world.org.unassign_user(app, ada)
    assert gone.ok and [m for m, _ in calls(gone.exchanges)] == ["GET", "PUT"]
    assert world.scim_users()["ada@example.com"]["active"] is False


def test_reassignment_reactivates_instead_of_creating(world: World) -> None:
    app = world.app(kind=AppKind.OIN)
    ada = world.org.add_user("ada@example.com")
    world.org.assign_user(app, ada)
    world.org.unassign_user(app, ada)
    again = world.org.assign_user(app, ada)
    assert again.ok and [m for m, _ in calls(again.exchanges)] == ["PATCH"]
    assert world.scim_users()["ada@example.com"]["active"] is True


def test_okta_user_lifecycle_reaches_every_app(world: World) -> None:
    first, second = world.app("First"), world.app("Second", kind=AppKind.OIN)
    ada = world.org.add_user("ada@example.com", firstName="Ada")
    for app in (first, second):
        world.org.assign_user(app, ada)
    # Both apps provision into the same server: the second links the first's user.
    assert first.app_user(ada.id).external_id == second.app_user(ada.id).external_id
    down = world.org.deactivate_user(ada)
    assert down.ok and len(down.results) == 2 and ada.status is UserStatus.DEPROVISIONED
    assert world.scim_users()["ada@example.com"]["active"] is False
    up = world.org.reactivate_user(ada)
    assert up.ok and len(up.results) == 2
    updated = world.org.update_profile(ada, {"firstName": "Augusta"})
    assert updated.ok and len(updated.results) == 2
    assert world.scim_users()["ada@example.com"]["name"]["givenName"] == "Augusta"
    with pytest.raises(ValueError, match="login"):
        world.org.update_profile(ada, {"login": "other@example.com"})


def test_membership_changes_patch_pushed_groups_and_deprovision(world: World) -> None:
    app = world.app()
    ada, bob = world.org.add_user("ada@example.com"), world.org.add_user("bob@example.com")
    eng = world.org.add_group("Engineering", [ada])
    world.org.assign_group(app, eng)
    pushed = world.org.push_group(app, eng)
    assert pushed.ok, pushed.message
    gid = app.pushed_groups[eng.id]
    # Bob joins: provisioned (assigned through the group), then PATCHed into the pushed group.
    joined = world.org.add_member(eng, bob)
    assert [m for m, _ in calls(joined.exchanges)] == ["GET", "POST", "PATCH"], joined.message
    assert {m["value"] for m in world.scim_group(gid)["members"]} == {
        app.app_user(ada.id).external_id,
        app.app_user(bob.id).external_id,
    }
    # Ada leaves: removed from the pushed group, then deactivated (no other assignment).
    left = world.org.remove_member(eng, ada)
    assert [m for m, _ in calls(left.exchanges)] == ["PATCH", "GET", "PUT"], left.message
    assert world.scim_users()["ada@example.com"]["active"] is False
    renamed = world.org.rename_group(eng, "Platform")
    assert renamed.ok and world.scim_group(gid)["displayName"] == "Platform"
    assert world.org.delete_pushed_group(app, eng).ok
    assert world.inspect.get(f"/Groups/{gid}").status == 404


def test_nothing_is_sent_while_the_connection_is_off(world: World) -> None:
    app = world.app()
    app.connection.status = ConnectionStatus.DISABLED
    ada = world.org.add_user("ada@example.com")
    outcome = world.org.assign_user(app, ada)
    assert outcome.results == [] and outcome.skipped
    assert outcome.reason == "the provisioning connection of Acme is disabled"
    assert world.scim_users() == {}
    # Test API Credentials works before the connection is enabled.
    assert world.org.test_connection(app).ok


def test_failed_tasks_are_queued_and_retried() -> None:
    broken = faulty_app(FAULTS_BY_NAME["create-200"], ServerConfig(token=TOKEN))
    world = World(broken)
    try:
        app = world.app()
        ada = world.org.add_user("ada@example.com")
        failed = world.org.assign_user(app, ada)
        assert not failed.ok
        assert failed.message is not None
        assert failed.message.startswith(
            "Automatic provisioning of user ada@example.com to app Acme failed:"
        )
        assert [t.event for t in app.failed_tasks] == ["assign_user"]
        assert app.app_user(ada.id).sync_state is SyncState.ERROR
        # The admin fixes the server and retries: the user exists now, so Okta links it.
        world.scim_app = create_app(ServerConfig(token=TOKEN))
        world.org.close()  # the next provisioner call builds a client on the fixed server
        retried = world.org.retry_failed(app)
        assert retried.ok and app.failed_tasks == []
        assert app.app_user(ada.id).sync_state is SyncState.SYNCHRONIZED
    finally:
        world.close()


def test_import_matches_by_the_apps_rules(world: World) -> None:
    rules = ImportSettings(exact_match="EMAIL", auto_confirm_exact_match=True)
    app = world.app(import_settings=rules)
    ada = world.org.add_user("ada", email="ada@example.com")
    for name, email in (("a.lovelace", "ADA@example.com"), ("stranger", "x@example.com")):
        body = {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "emails": [{"value": email, "primary": True}],
        }
        assert world.inspect.post("/Users", body).status == 201
    outcome = world.org.import_users(app)
    assert outcome.ok, outcome.message
    matched = {i.user_name: i.matched_user_id for i in app.imported_users}
    assert matched == {"a.lovelace": ada.id, "stranger": None}
    linked = next(i for i in app.imported_users if i.user_name == "a.lovelace")
    assert linked.confirmed and app.app_user(ada.id).external_id == linked.scim_id


def test_connection_authorization_per_scheme() -> None:
    app = AppInstance.new("x")
    connection = app.connection
    connection.token = "t"
    assert connection.authorization() == "Bearer t"
    connection.auth_scheme = AuthScheme.HEADER
    connection.token = "Bearer key"
    assert connection.authorization() == "Bearer key"
    connection.auth_scheme = AuthScheme.BASIC
    connection.username, connection.password = "okta", "p@ss"
    assert connection.authorization() == "Basic b2t0YTpwQHNz"
    connection.auth_scheme = AuthScheme.OAUTH2
    assert connection.authorization() is None
    connection.access_token = "at"
    assert connection.authorization() == "Bearer at"
    assert set(connection.secrets()) >= {"Bearer key", "p@ss", "at"}
